//! `signin_compare`: the full sign-in rate of the example site (Hallpass) and of the tutorial's
//! Next.js + next-auth app, both signing in against **one** local user pool at one password-hash
//! cost, side by side in one run.
//!
//! ```text
//! signin_compare [--count N] [--concurrency C] [--rounds R] [--warmup W] [--split S]
//!                [--cost testing|default] [--stacks site,next]
//!                [--site-bin PATH] [--next-dir DIR] [--log-dir DIR]
//! ```
//!
//! Defaults: 200 sign-ins per stack and round, 4 at a time, 3 rounds, 20 warm-up and 30 split
//! sign-ins per stack, `--cost testing`, `--site-bin` = `hallpass-site` beside this binary,
//! `--next-dir` = `bench/nextauth` (built: `npm ci && npx next build`), logs in a temporary folder.
//!
//! What runs, all on 127.0.0.1:
//! - the pool, in this process: `userpool` with `Seed::demo` (the demo user, one app client with a
//!   secret) whose client also lists next-auth's callback, at `--cost` (`testing` is the tests'
//!   fast, weak Argon2; `default` the real one). Its public URL is `http://127.0.0.1:{port}`.
//! - the site: the release `hallpass-site` process as for real Cognito (`COGNITO_CLIENT_ID`,
//!   `COGNITO_CLIENT_SECRET`, `COGNITO_ISSUER` = the pool's issuer, `AUTH_URL`, `AUTH_SECRET`,
//!   `PORT`), hosted-UI sign-in.
//! - next-auth: `next start` in `--next-dir` with the same `COGNITO_*`, `NEXTAUTH_URL`,
//!   `NEXTAUTH_SECRET`.
//!
//! Ports are free ports picked before anything starts; both servers are started in their own
//! process group, waited for (at most 60 s), and stopped by PID (SIGTERM, then SIGKILL after 5 s)
//! at the end, on an error, on Ctrl-C and on SIGTERM. The client (`hallpass_bench::flow`) signs in
//! as a browser does, a fresh cookie jar per sign-in: csrf → `POST signin/cognito` → the pool's
//! authorize and login form → `POST` login → the app's callback → `/protected` (must name the user)
//! → `GET /api/auth/session` (must carry the email).
//!
//! Per stack: one checked sign-in (the run stops there if the flow is broken), W unmeasured ones
//! (Node's JIT, connection set-up, caches), then R rounds of "site, then next", N sign-ins C at a
//! time each, then S sign-ins one at a time for the time split per step. Prints (stdout):
//!
//! ```text
//! stack=site round=1 signins=N ok=N seconds=S rate=R p50_ms=.. p99_ms=.. server_cpu_ms=.. bench_cpu_ms=..
//! ratio round=1 site_over_next=X server_cpu_next_over_site=Y
//! pool stack=next requests_per_signin discovery=2.00 jwks=1.00 ... pool_ms_per_signin ...
//! split stack=next signins=S p50_ms=.. new_browser=.. csrf=.. signin=.. authorize=.. ...
//! summary cost=.. site_rate=.. next_rate=.. ratio=.. target=10 met=yes|no server_cpu_ratio=..
//! ```
//!
//! `server_cpu_ms` is the app server's CPU time (user + system, its whole process group) per
//! sign-in; `bench_cpu_ms` this process's (the client and the pool). Rates are medians over the
//! rounds, the ratio the median of the per-round ratios; `server_cpu_ratio` is next-auth's server
//! CPU per sign-in over the site's (what the two stacks themselves cost, without the shared pool
//! and client). `pool` counts what each stack asked the pool for per sign-in, and the pool's
//! handler time. Exits 1 if any sign-in failed.

mod pool;
mod servers;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hallpass_bench::flow::{self, Account, Batch};
use pool::{PerKind, PoolCounts, KINDS};
use reqwest::Url;
use servers::{Launch, Servers, Stack};
use userpool::PasswordHashCost;

/// The target of issue 15: Hallpass's full sign-in rate at least this many times next-auth's.
const TARGET: f64 = 10.0;

fn usage() -> ! {
    eprintln!(
        "usage: signin_compare [--count N] [--concurrency C] [--rounds R] [--warmup W] [--split S]\n\
         \x20                     [--cost testing|default] [--stacks site,next]\n\
         \x20                     [--site-bin PATH] [--next-dir DIR] [--log-dir DIR]"
    );
    std::process::exit(2)
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .map(|i| args.get(i + 1).cloned().unwrap_or_else(|| usage()))
}

fn num(name: &str, default: usize) -> usize {
    arg(name).map_or(default, |v| v.parse().unwrap_or_else(|_| usage()))
}

struct Opts {
    count: usize,
    concurrency: usize,
    rounds: usize,
    warmup: usize,
    split: usize,
    cost: PasswordHashCost,
    cost_name: String,
    stacks: Vec<Stack>,
    launch: Launch,
}

impl Opts {
    fn parse() -> Opts {
        let cost_name = arg("--cost").unwrap_or_else(|| "testing".into());
        let cost = match cost_name.as_str() {
            "testing" => PasswordHashCost::Testing,
            "default" => PasswordHashCost::Default,
            _ => usage(),
        };
        let stacks = arg("--stacks")
            .unwrap_or_else(|| "site,next".into())
            .split(',')
            .map(|s| match s.trim() {
                "site" => Stack::Site,
                "next" => Stack::Next,
                _ => usage(),
            })
            .collect();
        let site_bin = arg("--site-bin").map_or_else(
            || {
                std::env::current_exe()
                    .ok()
                    .and_then(|p| p.parent().map(|d| d.join("hallpass-site")))
                    .unwrap_or_else(|| "hallpass-site".into())
            },
            PathBuf::from,
        );
        let next_dir = arg("--next-dir").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("nextauth"),
            PathBuf::from,
        );
        let log_dir = arg("--log-dir").map_or_else(
            || std::env::temp_dir().join(format!("signin_compare-{}", std::process::id())),
            PathBuf::from,
        );
        Opts {
            count: num("--count", 200),
            concurrency: num("--concurrency", 4).max(1),
            rounds: num("--rounds", 3).max(1),
            warmup: num("--warmup", 20),
            split: num("--split", 30),
            cost,
            cost_name,
            stacks,
            launch: Launch {
                site_bin,
                next_dir,
                log_dir,
            },
        }
    }
}

// ---- the run --------------------------------------------------------------------------------------

fn median(mut xs: Vec<f64>) -> f64 {
    xs.retain(|x| x.is_finite());
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn report_errors(stack: Stack, batch: &Batch) {
    for e in &batch.errors {
        eprintln!("{} sign-in failed: {e}", stack.name());
    }
}

async fn run(opts: &Opts, servers: &Servers) -> Result<bool, String> {
    std::fs::create_dir_all(&opts.launch.log_dir)
        .map_err(|e| format!("{}: {e}", opts.launch.log_dir.display()))?;
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "# cost={} count={} concurrency={} rounds={} warmup={} split={} loadavg={}",
        opts.cost_name,
        opts.count,
        opts.concurrency,
        opts.rounds,
        opts.warmup,
        opts.split,
        loadavg
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(",")
    );
    // Ports first: the pool's client must list both callbacks before the pool starts.
    let ports: Vec<(Stack, u16)> = opts
        .stacks
        .iter()
        .map(|s| servers::free_port().map(|p| (*s, p)))
        .collect::<Result<_, _>>()?;
    let origins: Vec<Url> = ports
        .iter()
        .map(|(_, p)| Url::parse(&format!("http://127.0.0.1:{p}")).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("no free port on 127.0.0.1 for the pool: {e}"))?;
    let counts = Arc::new(PoolCounts::default());
    let issuer = pool::start_pool(listener, opts.cost, &origins, counts.clone()).await?;
    eprintln!("# pool issuer {issuer}");

    let account = Account::demo_user();
    let mut apps = Vec::new();
    for (stack, port) in &ports {
        let url = servers::start_server(*stack, &opts.launch, *port, &issuer, servers).await?;
        if let Err(e) = flow::sign_in(&url, &account).await {
            return Err(format!("the first {} sign-in failed: {e}", stack.name()));
        }
        let warm = flow::run(
            &url,
            &account,
            opts.warmup,
            opts.concurrency,
            Duration::from_secs(120),
        )
        .await;
        if warm.ok() < warm.attempted {
            report_errors(*stack, &warm);
            return Err(format!("{} warm-up sign-ins failed", stack.name()));
        }
        let pgid = servers.pgid(*stack).ok_or("the server went missing")?;
        apps.push((*stack, url, pgid));
    }

    let mut ok = true;
    let mut rates: Vec<(Stack, f64)> = Vec::new();
    let mut ratios = Vec::new();
    let mut cpu_ratios = Vec::new();
    let mut pool_totals: Vec<(Stack, usize, PerKind)> = Vec::new();
    for round in 1..=opts.rounds {
        let mut this_round = Vec::new();
        for (stack, url, pgid) in &apps {
            counts.take();
            let (server0, bench0) = (servers::cpu(Some(*pgid)), servers::cpu(None));
            let batch = flow::run(
                url,
                &account,
                opts.count,
                opts.concurrency,
                Duration::from_secs(300),
            )
            .await;
            let (server1, bench1) = (servers::cpu(Some(*pgid)), servers::cpu(None));
            let pool = counts.take();
            report_errors(*stack, &batch);
            ok &= batch.ok() == batch.attempted;
            let per = |d: Duration| d.as_secs_f64() * 1000.0 / batch.ok().max(1) as f64;
            let server_cpu = per(server1.saturating_sub(server0));
            println!(
                "stack={} round={round} signins={} ok={} seconds={:.2} rate={:.1} p50_ms={:.2} p99_ms={:.2} server_cpu_ms={server_cpu:.2} bench_cpu_ms={:.2}",
                stack.name(),
                batch.attempted,
                batch.ok(),
                batch.elapsed.as_secs_f64(),
                batch.rate(),
                batch.pct_ms(0.5),
                batch.pct_ms(0.99),
                per(bench1.saturating_sub(bench0)),
            );
            match pool_totals.iter_mut().find(|(s, _, _)| s == stack) {
                Some((_, n, acc)) => {
                    *n += batch.ok();
                    for (a, p) in acc.iter_mut().zip(pool) {
                        a.0 += p.0;
                        a.1 += p.1;
                    }
                }
                None => pool_totals.push((*stack, batch.ok(), pool)),
            }
            rates.push((*stack, batch.rate()));
            this_round.push((*stack, batch.rate(), server_cpu));
        }
        let of = |s: Stack| this_round.iter().find(|(x, _, _)| *x == s);
        if let (Some(site), Some(next)) = (of(Stack::Site), of(Stack::Next)) {
            let (r, c) = (site.1 / next.1, next.2 / site.2);
            println!("ratio round={round} site_over_next={r:.2} server_cpu_next_over_site={c:.2}");
            ratios.push(r);
            cpu_ratios.push(c);
        }
    }

    for (stack, n, acc) in &pool_totals {
        let n = (*n).max(1) as f64;
        let reqs: Vec<String> = KINDS
            .iter()
            .zip(acc)
            .map(|(k, (c, _))| format!("{k}={:.2}", *c as f64 / n))
            .collect();
        let ms: Vec<String> = KINDS
            .iter()
            .zip(acc)
            .filter(|(_, (c, _))| *c > 0)
            .map(|(k, (_, ns))| format!("{k}={:.2}", *ns as f64 / 1e6 / n))
            .collect();
        println!(
            "pool stack={} requests_per_signin {} pool_ms_per_signin {}",
            stack.name(),
            reqs.join(" "),
            ms.join(" ")
        );
    }

    // The time split per step, one sign-in at a time (no queueing behind the other sign-ins).
    if opts.split > 0 {
        for (stack, url, _) in &apps {
            let batch = flow::run(url, &account, opts.split, 1, Duration::from_secs(120)).await;
            report_errors(*stack, &batch);
            ok &= batch.ok() == batch.attempted;
            println!(
                "split stack={} signins={} p50_ms={:.2} {}",
                stack.name(),
                batch.ok(),
                batch.pct_ms(0.5),
                batch.split()
            );
        }
    }

    let med = |s: Stack| {
        median(
            rates
                .iter()
                .filter(|(x, _)| *x == s)
                .map(|(_, r)| *r)
                .collect(),
        )
    };
    let ratio = median(ratios);
    println!(
        "summary cost={} site_rate={:.1} next_rate={:.1} ratio={ratio:.2} target={TARGET} met={} server_cpu_ratio={:.2}",
        opts.cost_name,
        med(Stack::Site),
        med(Stack::Next),
        if ratio >= TARGET { "yes" } else { "no" },
        median(cpu_ratios)
    );
    for line in servers.logs() {
        eprintln!("# {line}");
    }
    Ok(ok)
}

/// Ctrl-C or SIGTERM (`timeout` sends it).
async fn interrupted() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

#[tokio::main]
async fn main() {
    let opts = Opts::parse();
    let servers = Servers::default();
    let result = tokio::select! {
        r = run(&opts, &servers) => r,
        _ = interrupted() => Err("interrupted".into()),
    };
    servers.stop_all();
    match result {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1)
        }
    }
}
