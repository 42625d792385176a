//! `signin`: the full sign-in rate of the example site against its embedded local user pool.
//!
//! ```text
//! signin [--count N] [--concurrency C]      (defaults: 200 sign-ins, 4 at a time)
//! ```
//!
//! Starts the site in this process exactly as its own tests do (`Settings::for_tests`: loopback,
//! free ports, in-memory pool, **`PasswordHashCost::Testing`**, i.e. a deliberately cheap password
//! hash, never for real users), then runs N complete sign-ins, C at a time, each with a fresh
//! cookie jar, the way a browser does it:
//!
//! 1. `GET /api/auth/csrf` (sets the CSRF cookie),
//! 2. `POST /api/auth/signin/cognito` → the pool's `/oauth2/authorize` → its login form,
//! 3. `POST` the login form (the demo user) → `/api/auth/callback/cognito` (code exchange with
//!    PKCE, ID-token verification against the pool's JWKS) → `/protected`,
//! 4. `GET /api/auth/session`.
//!
//! Prints one line: `signins=N ok=N seconds=S rate=R p50_ms=.. p99_ms=.. max_ms=..`. The client and
//! the servers share this process and its CPUs, so the rate is a lower bound of what the site does.
//! Every request goes to 127.0.0.1; the run is bounded by N and by a 120 s deadline.

use std::time::{Duration, Instant};

use hallpass_site::{Settings, Site};
use reqwest::Url;

const SECRET: &str = "hallpass-bench-secret-0123456789abcdefghijkl";

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse().unwrap_or_else(|_| {
                eprintln!("usage: signin [--count N] [--concurrency C]");
                std::process::exit(2)
            })
        })
        .unwrap_or(default)
}

/// One complete sign-in with a fresh cookie jar.
async fn sign_in(site: &Url) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .map_err(|e| e.to_string())?;
    let e = |e: reqwest::Error| e.to_string();
    let csrf = client
        .get(site.join("/api/auth/csrf").map_err(|e| e.to_string())?)
        .send()
        .await
        .map_err(e)?
        .text()
        .await
        .map_err(e)?;
    let token = csrf
        .split("\"csrfToken\":\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .ok_or_else(|| format!("no csrfToken in {csrf}"))?
        .to_string();
    let res = client
        .post(
            site.join("/api/auth/signin/cognito")
                .map_err(|e| e.to_string())?,
        )
        .form(&[("csrfToken", token.as_str()), ("callbackUrl", "/protected")])
        .send()
        .await
        .map_err(e)?;
    let login_url = res.url().clone();
    let login = res.text().await.map_err(e)?;
    let (action, mut fields) = hallpass_bench::html_form(&login, &login_url, "/login")?;
    fields.retain(|(n, _)| n != "username" && n != "password");
    fields.push(("username".into(), userpool::DEMO_USER_EMAIL.into()));
    fields.push(("password".into(), userpool::DEMO_USER_PASSWORD.into()));
    let res = client.post(action).form(&fields).send().await.map_err(e)?;
    let landed = res.url().clone();
    let page = res.text().await.map_err(e)?;
    if landed.path() != "/protected" || !page.contains("Protected") {
        return Err(format!("sign-in ended on {landed}, not /protected"));
    }
    let session = client
        .get(site.join("/api/auth/session").map_err(|e| e.to_string())?)
        .send()
        .await
        .map_err(e)?
        .text()
        .await
        .map_err(e)?;
    if !session.contains(userpool::DEMO_USER_EMAIL) {
        return Err(format!("session without the user: {session}"));
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let count = arg("--count", 200);
    let concurrency = arg("--concurrency", 4).max(1);
    let site = match Site::start(Settings::for_tests(SECRET)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: the site did not start: {e}");
            std::process::exit(1)
        }
    };
    let (url, _pool) = site.spawn();
    // One sign-in first: warms up discovery and the JWKS cache, and fails fast if the flow is broken.
    if let Err(e) = sign_in(&url).await {
        eprintln!("error: the warm-up sign-in failed: {e}");
        std::process::exit(1);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (url, next) = (url.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count
                && Instant::now() < deadline
            {
                let t = Instant::now();
                let r = sign_in(&url).await;
                out.push((t.elapsed(), r));
            }
            out
        }));
    }
    let mut lat = Vec::new();
    let mut failures = 0;
    for t in tasks {
        for (d, r) in t.await.unwrap_or_default() {
            match r {
                Ok(()) => lat.push(d),
                Err(e) => {
                    failures += 1;
                    if failures <= 3 {
                        eprintln!("sign-in failed: {e}");
                    }
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    println!(
        "signins={} ok={} seconds={secs:.2} rate={:.1} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        lat.len() + failures,
        lat.len(),
        lat.len() as f64 / secs,
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    if failures > 0 {
        std::process::exit(1);
    }
}
