//! `pool_signin`: sign-ins per second of the local user pool through each front door, side by
//! side in one run, at the same password-hash cost:
//!
//! - `hosted`: the hosted UI as a browser uses it (`/oauth2/authorize` → the login form → `POST
//!   /login` → the code, exchanged at `/oauth2/token`),
//! - `password`: the JSON API's `InitiateAuth` with `USER_PASSWORD_AUTH`,
//! - `srp`: `InitiateAuth` with `USER_SRP_AUTH`, then `RespondToAuthChallenge` with
//!   `PASSWORD_VERIFIER`, the client side computed by the independent `cognito_srp` crate.
//!
//! ```text
//! pool_signin [--count N] [--concurrency C] [--cost testing|default]
//! ```
//!
//! Each mode ends with tokens in hand, so the three are comparable. The pool runs in this process
//! on 127.0.0.1 (client and server share the CPUs: the rates are lower bounds). Prints one line per
//! mode: `mode=.. signins=N ok=N seconds=S rate=R p50_ms=.. p99_ms=..`; exits 1 if any sign-in
//! failed.

use std::time::{Duration, Instant};

use reqwest::Url;
use serde_json::{json, Value};
use userpool::{PasswordHashCost, Seed, UserPool};

const POOL: &str = "us-east-1_PoolBench";
const CLIENT: &str = "poolbench0client000000001";
const CALLBACK: &str = "http://localhost:4000/cb";
const USER: &str = "bench@example.com";
const PASSWORD: &str = "Bench-Passw0rd!";

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn usage() -> ! {
    eprintln!("usage: pool_signin [--count N] [--concurrency C] [--cost testing|default]");
    std::process::exit(2)
}

fn seed() -> Seed {
    Seed::from_toml_str(&format!(
        r#"
[[pools]]
id = "{POOL}"
[[pools.clients]]
id = "{CLIENT}"
callback_urls = ["{CALLBACK}"]
allowed_scopes = ["openid", "email"]
[[pools.users]]
email = "{USER}"
password = "{PASSWORD}"
"#
    ))
    .expect("valid seed")
}

/// One call of the JSON API.
async fn api(http: &reqwest::Client, base: &Url, op: &str, body: Value) -> Result<Value, String> {
    let resp = http
        .post(base.clone())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let value: Value = resp.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{op}: {status} {}", value["__type"]));
    }
    Ok(value)
}

fn has_tokens(v: &Value) -> Result<(), String> {
    v["AuthenticationResult"]["IdToken"]
        .as_str()
        .map(|_| ())
        .ok_or_else(|| format!("no tokens in {v}"))
}

async fn password(http: &reqwest::Client, base: &Url) -> Result<(), String> {
    let v = api(
        http,
        base,
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
               "AuthParameters": {"USERNAME": USER, "PASSWORD": PASSWORD}}),
    )
    .await?;
    has_tokens(&v)
}

async fn srp(http: &reqwest::Client, base: &Url) -> Result<(), String> {
    let client = cognito_srp::SrpClient::new(USER, PASSWORD, POOL, CLIENT, None);
    let auth = client.get_auth_params().map_err(|e| format!("{e:?}"))?;
    let v = api(
        http,
        base,
        "InitiateAuth",
        json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT,
               "AuthParameters": {"USERNAME": USER, "SRP_A": auth["SRP_A"]}}),
    )
    .await?;
    let params = v["ChallengeParameters"]
        .as_object()
        .ok_or_else(|| format!("no challenge in {v}"))?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let answer = client
        .process_challenge(params)
        .map_err(|e| format!("{e:?}"))?;
    let v = api(
        http,
        base,
        "RespondToAuthChallenge",
        json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT,
               "Session": v["Session"], "ChallengeResponses": answer}),
    )
    .await?;
    has_tokens(&v)
}

async fn hosted(base: &Url) -> Result<(), String> {
    let e = |e: reqwest::Error| e.to_string();
    // A fresh browser: its own cookie jar; it follows the pool's redirects but stops at the
    // callback, where the app (not running here) would take the code.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().as_str().starts_with(CALLBACK) || attempt.previous().len() >= 5 {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .build()
        .map_err(e)?;
    let mut authorize = base.join("/oauth2/authorize").map_err(|e| e.to_string())?;
    authorize
        .query_pairs_mut()
        .append_pair("client_id", CLIENT)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("scope", "openid email");
    let page = http.get(authorize).send().await.map_err(e)?;
    let page_url = page.url().clone();
    let html = page.text().await.map_err(e)?;
    let (action, mut fields) = hallpass_bench::html_form(&html, &page_url, "/login")?;
    fields.retain(|(n, _)| n != "username" && n != "password");
    fields.push(("username".into(), USER.into()));
    fields.push(("password".into(), PASSWORD.into()));
    let resp = http.post(action).form(&fields).send().await.map_err(e)?;
    // The redirect to the callback, not followed: the code is in its `Location`.
    let callback = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| Url::parse(l).ok())
        .filter(|l| l.as_str().starts_with(CALLBACK))
        .ok_or_else(|| {
            format!(
                "the login answered {} at {}, not the callback",
                resp.status(),
                resp.url()
            )
        })?;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| format!("the callback {callback} has no code"))?;
    let tokens: Value = http
        .post(base.join("/oauth2/token").map_err(|e| e.to_string())?)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .map_err(e)?
        .json()
        .await
        .map_err(e)?;
    tokens["id_token"]
        .as_str()
        .map(|_| ())
        .ok_or_else(|| format!("no tokens in {tokens}"))
}

async fn one(mode: &str, http: &reqwest::Client, base: &Url) -> Result<(), String> {
    match mode {
        "hosted" => hosted(base).await,
        "password" => password(http, base).await,
        _ => srp(http, base).await,
    }
}

/// Runs `count` sign-ins of `mode`, `concurrency` at a time; prints its line and returns how
/// many failed.
async fn run(mode: &'static str, base: &Url, count: usize, concurrency: usize) -> usize {
    let http = reqwest::Client::new();
    if let Err(e) = one(mode, &http, base).await {
        eprintln!("error: the first {mode} sign-in failed: {e}");
        std::process::exit(1);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (base, next, http) = (base.clone(), next.clone(), http.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count
                && Instant::now() < deadline
            {
                let t = Instant::now();
                out.push(one(mode, &http, &base).await.map(|_| t.elapsed()));
            }
            out
        }));
    }
    let mut lat = Vec::new();
    let mut failed = 0;
    for t in tasks {
        for r in t.await.unwrap_or_default() {
            match r {
                Ok(d) => lat.push(d),
                Err(e) => {
                    failed += 1;
                    if failed <= 3 {
                        eprintln!("{mode} sign-in failed: {e}");
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
        "mode={mode} signins={} ok={} seconds={secs:.2} rate={:.1} p50_ms={:.2} p99_ms={:.2}",
        lat.len() + failed,
        lat.len(),
        lat.len() as f64 / secs,
        pct(0.5),
        pct(0.99)
    );
    failed
}

#[tokio::main]
async fn main() {
    let count = arg("--count")
        .map_or(Ok(300), |v| v.parse())
        .unwrap_or_else(|_| usage());
    let concurrency = arg("--concurrency")
        .map_or(Ok(4), |v| v.parse())
        .unwrap_or_else(|_| usage())
        .max(1);
    let cost = match arg("--cost").as_deref() {
        None | Some("testing") => PasswordHashCost::Testing,
        Some("default") => PasswordHashCost::Default,
        Some(_) => usage(),
    };
    let pool = UserPool::builder()
        .seed(seed())
        .password_hash_cost(cost)
        .build()
        .await
        .unwrap_or_else(|e| {
            eprintln!("error: the pool did not start: {e}");
            std::process::exit(1)
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port on 127.0.0.1");
    let running = pool.serve(listener).await.expect("the pool serves");
    let base = running.base_url();
    // One after the other, seconds apart, so that the modes run under the same conditions.
    let mut failed = 0;
    for mode in ["hosted", "password", "srp"] {
        failed += run(mode, &base, count, concurrency).await;
    }
    running.shutdown().await;
    if failed > 0 {
        std::process::exit(1);
    }
}
