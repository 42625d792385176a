//! `instructions`: drives one endpoint of the example site (or of the bare handler) in process,
//! `N` times, for `bench/instructions.sh`, which runs it under callgrind and counts instructions
//! inside [`measured`] only, so start-up and warm-up are not counted.
//!
//! ```text
//! instructions <bare | protected-small | protected-tokens | session-small | session-tokens> <N>
//! ```
//!
//! The site is the real `hallpass_site::app` in NextAuth v4 compatibility with a Cognito provider
//! that is never contacted (a cookie-only request needs no network), exactly as `bench/run.sh`
//! starts it; the request is the same `Cookie` header the load benchmark sends.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hallpass::provider::Cognito;
use hallpass::{Compat, Config, Hallpass};
use tower::ServiceExt;

const SECRET: &str = "instructions-benchmark-secret-0123456789abcdef";

fn usage() -> ! {
    eprintln!(
        "usage: instructions <bare|protected-small|protected-tokens|session-small|session-tokens> <N>"
    );
    std::process::exit(2)
}

async fn bare_page() -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(hallpass_bench::protected_html(hallpass_bench::NAME)),
    )
        .into_response()
}

fn site() -> (Router, Hallpass) {
    let config = Config::builder()
        .url("http://localhost:3000")
        .secret(SECRET)
        .compat(Compat::NextAuthV4)
        .build()
        .expect("valid config");
    let cognito = Cognito::builder()
        .client_id("instructions-bench")
        .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench")
        .build()
        .expect("valid provider");
    let hallpass = Hallpass::builder(config)
        .provider(cognito)
        .build()
        .expect("valid instance");
    (hallpass_site::app(&hallpass), hallpass)
}

/// The router and the request (path, `Cookie` header) of a scenario.
fn scenario(name: &str) -> (Router, &'static str, Option<String>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (path, tokens) = match name {
        "bare" => {
            let app = Router::new().route("/protected", get(bare_page));
            let (_, hallpass) = site();
            let cookie = hallpass.encode_session(&hallpass_bench::session(now, true));
            let header = hallpass_bench::cookie_header("next-auth.session-token", &cookie);
            // The same Cookie header as the site gets, so header parsing costs the same.
            return (app, "/protected", Some(header));
        }
        "protected-small" => ("/protected", false),
        "protected-tokens" => ("/protected", true),
        "session-small" => ("/api/auth/session", false),
        "session-tokens" => ("/api/auth/session", true),
        _ => usage(),
    };
    let (app, hallpass) = site();
    let cookie = hallpass.encode_session(&hallpass_bench::session(now, tokens));
    let header = hallpass_bench::cookie_header("next-auth.session-token", &cookie);
    (app, path, Some(header))
}

async fn one_request(app: &Router, path: &str, cookie: Option<&str>) -> axum::body::Bytes {
    let mut req = Request::get(path).header(header::HOST, "localhost:3000");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).expect("valid request"))
        .await
        .expect("infallible");
    assert_eq!(resp.status(), StatusCode::OK, "{path} must answer 200");
    axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("body")
}

/// The counted part: `n` requests, each with its full response body read.
#[inline(never)]
fn measured(rt: &tokio::runtime::Runtime, app: &Router, path: &str, cookie: Option<&str>, n: u64) {
    rt.block_on(async {
        for _ in 0..n {
            std::hint::black_box(one_request(app, path, cookie).await);
        }
    });
}

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| usage());
    let n: u64 = args
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| usage());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (app, path, cookie) = scenario(&name);
    // Warm-up outside the counted part: lazy statics, the decode cache, the allocator's pools.
    let body = rt.block_on(async {
        let mut last = axum::body::Bytes::new();
        for _ in 0..20 {
            last = one_request(&app, path, cookie.as_deref()).await;
        }
        last
    });
    // Signed in, or the figure would be of a cheaper, signed-out answer.
    if !String::from_utf8_lossy(&body).contains(hallpass_bench::NAME) {
        eprintln!("error: {name}: the answer does not name the signed-in user");
        std::process::exit(1);
    }
    measured(&rt, &app, path, cookie.as_deref(), n);
    println!("{name}: {n} requests, {} bytes each", body.len());
}
