//! `memory`: the example site's resident memory as it sees ever more distinct sessions.
//!
//! ```text
//! memory [--sessions N] [--concurrency C] [--site PATH] [--no-tokens]
//! ```
//!
//! Starts the release site (`--site`, default `target/release/hallpass-site`) as its own process on
//! 127.0.0.1, configured as `bench/run.sh` configures it (NextAuth v4 cookies, a Cognito provider
//! that a cookie-only request never contacts), then sends N (default 100 000) distinct signed-in
//! sessions, C at a time (default 8): each one a `GET /protected` and a `GET /api/auth/session` with
//! its own cookie (a typical Cognito session with its tokens, 5.7 KB in two chunks; `--no-tokens`: the
//! 430-byte one), so every per-session cache (decoded sessions, re-issued cookies) is filled and
//! overflows many times. Prints the site's resident memory (`VmRSS`) and high-water mark (`VmHWM`)
//! from `/proc/PID/status` after start, after the warm-up, at checkpoints, and 2 s after the last
//! request, one line each: `sessions=N rss_mb=.. hwm_mb=..`. Every request must answer 200 with the
//! session's own user, or the run fails. glibc's `MALLOC_*` variables are passed to the site.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hallpass::{Compat, Config, Hallpass};

const SECRET: &str = "hallpass-bench-secret-0123456789abcdefghijkl";

fn usage() -> ! {
    eprintln!("usage: memory [--sessions N] [--concurrency C] [--site PATH] [--no-tokens]");
    std::process::exit(2)
}

struct Args {
    sessions: usize,
    concurrency: usize,
    site: String,
    with_tokens: bool,
}

fn args() -> Args {
    let mut a = Args {
        sessions: 100_000,
        concurrency: 8,
        site: "target/release/hallpass-site".into(),
        with_tokens: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = || {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage())
        };
        match arg.as_str() {
            "--sessions" => a.sessions = number(),
            "--concurrency" => a.concurrency = number().max(1),
            "--site" => a.site = it.next().unwrap_or_else(|| usage()),
            "--no-tokens" => a.with_tokens = false,
            _ => usage(),
        }
    }
    a
}

/// The site process; killed when dropped, so no run leaves a server behind.
struct Site(Child);

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| fail(&format!("no free port: {e}")))
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1)
}

/// (VmRSS, VmHWM) of `pid` in MB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0)
}

fn report(pid: u32, sessions: usize) {
    let (rss, hwm) = memory(pid);
    println!("sessions={sessions} rss_mb={rss:.1} hwm_mb={hwm:.1}");
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Session `i`: the benchmark's Cognito session with its own subject, email and `jti`.
fn cookie(hallpass: &Hallpass, i: usize, with_tokens: bool) -> (String, String) {
    let mut session = hallpass_bench::session(now(), with_tokens);
    let email = format!("user{i}@example.com");
    session.sub = Some(format!("00000000-0000-4000-8000-{i:012}"));
    session.email = Some(email.clone());
    session.jti = format!("{i:08x}-mem0-4000-8000-000000000000");
    let value = hallpass.encode_session(&session);
    (
        hallpass_bench::cookie_header(hallpass.session_cookie_name(), &value),
        email,
    )
}

/// A `GET /protected` and a `GET /api/auth/session` with session `i`'s cookie, both 200 and the
/// second naming the session's user.
async fn one(
    client: &reqwest::Client,
    base: &str,
    (cookie, email): &(String, String),
    i: usize,
) -> Result<(), String> {
    for path in ["/protected", "/api/auth/session"] {
        let res = client
            .get(format!("{base}{path}"))
            .header("cookie", cookie)
            .send()
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        let status = res.status();
        let body = res.text().await.map_err(|e| format!("{path}: {e}"))?;
        if status != 200 {
            return Err(format!("{path} answered {status}"));
        }
        if path == "/api/auth/session" && !body.contains(email.as_str()) {
            return Err(format!("{path} did not name session {i}'s user"));
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let a = args();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(&a.site)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORT", port.to_string())
        .env("AUTH_URL", format!("http://localhost:{port}"))
        .env("AUTH_SECRET", SECRET)
        .env("AUTH_COMPAT", "next-auth-v4")
        .env("COGNITO_CLIENT_ID", "bench")
        .env("COGNITO_CLIENT_SECRET", "bench-secret")
        .env("COGNITO_ISSUER", "http://127.0.0.1:1/us-east-1_Bench")
        // glibc's allocator knobs (MALLOC_ARENA_MAX=1, say) pass through, to see the allocator's share.
        .envs(std::env::vars().filter(|(k, _)| k.starts_with("MALLOC_")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("could not start {}: {e}", a.site)));
    let site = Site(child);
    let pid = site.0.id();
    let config = Config::builder()
        .url(format!("http://localhost:{port}"))
        .secret(SECRET)
        .compat(Compat::NextAuthV4)
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let hallpass = Hallpass::builder(config)
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let started = Instant::now();
    while client.get(format!("{base}/")).send().await.is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            fail("the site did not answer within 20 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    report(pid, 0);
    // Warm-up: one session's cookie, minted once and sent many times (the steady state of
    // run.sh's load test). Minting it per request would make 2,000 distinct cookies (a fresh IV
    // each) and fill the caches.
    let warm = cookie(&hallpass, 0, a.with_tokens);
    for _ in 0..2_000 {
        if let Err(e) = one(&client, &base, &warm, 0).await {
            fail(&e);
        }
    }
    println!("# after 2,000 requests pairs with one session");
    report(pid, 1);
    let next = Arc::new(AtomicUsize::new(1));
    let done = Arc::new(AtomicUsize::new(0));
    let checkpoints = [
        1_000, 10_000, 25_000, 50_000, 75_000, 100_000, 200_000, 500_000,
    ];
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let (client, base, hallpass) = (client.clone(), base.clone(), hallpass.clone());
        let (next, done, with_tokens, total) =
            (next.clone(), done.clone(), a.with_tokens, a.sessions);
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i > total {
                    return Ok::<(), String>(());
                }
                one(&client, &base, &cookie(&hallpass, i, with_tokens), i).await?;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if checkpoints.contains(&n) {
                    report(pid, n);
                }
            }
        }));
    }
    for t in tasks {
        match t.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => fail(&e),
            Err(e) => fail(&e.to_string()),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "# {} distinct sessions in {seconds:.1} s; 2 s after the last request:",
        a.sessions
    );
    report(pid, a.sessions);
}
