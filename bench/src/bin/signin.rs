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
//! The flow is `hallpass_bench::flow` (shared with `signin_compare`, which runs it against the site
//! and next-auth as separate servers and one pool). Prints one line: `signins=N ok=N seconds=S
//! rate=R p50_ms=.. p99_ms=.. max_ms=..` (the last line: `bench/run.sh` reads it). The client and
//! the servers share this process and its CPUs, so the rate is a lower bound of what the site does.
//! Every request goes to 127.0.0.1; the run is bounded by N and by a 120 s deadline.

use std::time::Duration;

use hallpass_bench::flow::{self, Account};
use hallpass_site::{Settings, Site};

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
    let account = Account::demo_user();
    // One sign-in first: warms up discovery and the JWKS cache, and fails fast if the flow is broken.
    if let Err(e) = flow::sign_in(&url, &account).await {
        eprintln!("error: the warm-up sign-in failed: {e}");
        std::process::exit(1);
    }
    let batch = flow::run(&url, &account, count, concurrency, Duration::from_secs(120)).await;
    for e in &batch.errors {
        eprintln!("sign-in failed: {e}");
    }
    println!(
        "signins={} ok={} seconds={:.2} rate={:.1} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        batch.attempted,
        batch.ok(),
        batch.elapsed.as_secs_f64(),
        batch.rate(),
        batch.pct_ms(0.5),
        batch.pct_ms(0.99),
        batch.pct_ms(1.0)
    );
    if batch.ok() < batch.attempted {
        std::process::exit(1);
    }
}
