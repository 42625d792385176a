//! `pool_timing`: does the local user pool take as long for an unknown address as for a known one?
//! Medians, side by side, of the two JSON API calls whose timing could tell them apart:
//! `ForgotPassword` and the start of `USER_SRP_AUTH` (issue 25, items 9 and 11).
//!
//! ```text
//! pool_timing [--calls N] [--rounds R]
//! ```
//!
//! Known and unknown calls alternate, so both see the same machine. The pool runs in this process
//! on 127.0.0.1 with an in-memory database. Prints one line per round and call:
//! `call=.. round=.. known_ms=.. unknown_ms=..`. Compare by eye over several rounds: the two should
//! overlap. Nothing here is a pass or fail.

use std::time::{Duration, Instant};

use reqwest::Url;
use serde_json::{json, Value};
use userpool::{PasswordHashCost, Seed, UserPool};

const POOL: &str = "us-east-1_PoolTiming";
const CLIENT: &str = "pooltiming0client00000001";
const USER: &str = "known@example.com";
const UNKNOWN: &str = "ghost@example.com";

/// An SRP `A`: any value that is not 0 modulo N does for timing the start.
const SRP_A: &str = "1234567890abcdef";

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => default,
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                eprintln!("usage: pool_timing [--calls N] [--rounds R]");
                std::process::exit(2)
            }),
    }
}

fn seed() -> Seed {
    Seed::from_toml_str(&format!(
        r#"
[[pools]]
id = "{POOL}"
[[pools.clients]]
id = "{CLIENT}"
callback_urls = ["http://localhost:4000/cb"]
[[pools.users]]
email = "{USER}"
password = "Timing-Passw0rd!"
"#
    ))
    .expect("valid seed")
}

/// One timed call; any answer counts (an unknown user's is a success too, by design).
async fn timed(http: &reqwest::Client, base: &Url, op: &str, body: &Value) -> Duration {
    let start = Instant::now();
    let res = http
        .post(base.clone())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await
        .expect("the pool answers");
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    let took = start.elapsed();
    if !status.is_success() {
        eprintln!("error: {op}: {status} {text}");
        std::process::exit(1);
    }
    took
}

fn body(op: &str, user: &str) -> Value {
    match op {
        "ForgotPassword" => json!({ "ClientId": CLIENT, "Username": user }),
        _ => json!({
            "ClientId": CLIENT,
            "AuthFlow": "USER_SRP_AUTH",
            "AuthParameters": { "USERNAME": user, "SRP_A": SRP_A },
        }),
    }
}

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let calls = arg("--calls", 200).max(1);
    let rounds = arg("--rounds", 3).max(1);
    let pool = UserPool::builder()
        .seed(seed())
        .password_hash_cost(PasswordHashCost::Testing)
        .build()
        .await
        .expect("the pool starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port on 127.0.0.1");
    let running = pool.serve(listener).await.expect("the pool serves");
    let base = running.base_url();
    let http = reqwest::Client::new();
    for op in ["ForgotPassword", "InitiateAuth"] {
        for round in 0..=rounds {
            let (mut known, mut unknown) = (Vec::new(), Vec::new());
            for _ in 0..calls {
                // Past the per-user send limit's window, so that every call does the real work.
                running
                    .pool()
                    .advance_clock(Duration::from_secs(15 * 60 + 1));
                known.push(timed(&http, &base, op, &body(op, USER)).await);
                unknown.push(timed(&http, &base, op, &body(op, UNKNOWN)).await);
            }
            // Round 0 warms both paths up and is not printed.
            if round > 0 {
                println!(
                    "call={op} round={round} known_ms={:.3} unknown_ms={:.3}",
                    median_ms(known),
                    median_ms(unknown)
                );
            }
        }
    }
    running.shutdown().await;
}
