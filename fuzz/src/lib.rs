//! The userpool fuzz targets' harness: one local pool (in-memory SQLite, test hash cost), driven
//! in-process through its public router, as an HTTP client would. The properties every answer
//! must have, whatever the input:
//!
//! - never a 5xx: bad input is the client's error, and nothing the client sends may break the pool;
//! - a JSON-API error is Cognito's envelope: a JSON object with a `__type` that names the same
//!   exception as the `x-amzn-ErrorType` header.
//!
//! The pool is rebuilt every [`INPUTS_PER_POOL`] inputs, so that what inputs create (users, pools,
//! grants) cannot grow without bound over millions of runs.

use std::sync::Mutex;

use axum::body::{Body, Bytes};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use userpool::{PasswordHashCost, Seed, UserPool};

/// Inputs served by one pool before it is rebuilt.
pub const INPUTS_PER_POOL: u32 = 200_000;

const PUBLIC_URL: &str = "http://localhost:9229";
const SITE: &str = "http://localhost:3000";
/// A public client (no secret) beside the demo's confidential one, so that inputs can reach the
/// sign-in flows without computing a `SECRET_HASH`; the corpora use its id.
pub const PUBLIC_CLIENT: &str = "fuzzpublicclient0000000001";

struct Harness {
    runtime: tokio::runtime::Runtime,
    pool: Option<(UserPool, axum::Router)>,
    served: u32,
}

static HARNESS: Mutex<Option<Harness>> = Mutex::new(None);

/// What the pool answered.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// Builds the pool before the first input (the fuzz targets' `init`): its key generation is slow
/// under the sanitizer, and would otherwise count against the first input's timeout.
pub fn init() {
    let mut guard = HARNESS.lock().unwrap_or_else(|e| e.into_inner());
    let harness = guard.get_or_insert_with(new_harness);
    let Harness { runtime, pool, .. } = harness;
    pool.get_or_insert_with(|| runtime.block_on(build_pool()));
}

fn new_harness() -> Harness {
    Harness {
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime"),
        pool: None,
        served: 0,
    }
}

/// Sends `request` to the pool and checks the properties every answer has.
pub fn send(mut request: Request<Body>) -> Answer {
    // Every HTTP/1.1 client names the host, and the pool refuses hosts other than its own
    // (DNS rebinding): the inputs are about what comes after that check.
    if !request.headers().contains_key(http::header::HOST) {
        request.headers_mut().insert(
            http::header::HOST,
            http::HeaderValue::from_static("localhost:9229"),
        );
    }
    let mut guard = HARNESS.lock().unwrap_or_else(|e| e.into_inner());
    let harness = guard.get_or_insert_with(new_harness);
    if harness.served >= INPUTS_PER_POOL {
        if let Some((pool, _)) = harness.pool.take() {
            harness.runtime.block_on(pool.close());
        }
        harness.served = 0;
    }
    harness.served += 1;
    let Harness { runtime, pool, .. } = harness;
    let (_, router) = pool.get_or_insert_with(|| runtime.block_on(build_pool()));
    let router = router.clone();
    let answer = runtime.block_on(async move {
        let response = router
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("a body").to_bytes();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    });
    assert!(
        !answer.status.is_server_error(),
        "the pool answered {}: {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    answer
}

async fn build_pool() -> (UserPool, axum::Router) {
    let site = url::Url::parse(SITE).expect("site url");
    let mut seed = Seed::demo(&site);
    let mut public = seed.pools[0].clients[0].clone();
    public.id = PUBLIC_CLIENT.to_string();
    public.secret = None;
    seed.pools[0].clients.push(public);
    let pool = UserPool::builder()
        .seed(seed)
        .database_url("sqlite::memory:")
        .password_hash_cost(PasswordHashCost::Testing)
        .public_url(url::Url::parse(PUBLIC_URL).expect("public url"))
        .build()
        .await
        .expect("the demo pool builds");
    let router = pool.router();
    (pool, router)
}

/// Asserts that a JSON-API error answer is Cognito's envelope.
pub fn assert_api_envelope(answer: &Answer) {
    if answer.status.is_success() {
        let _: serde_json::Value =
            serde_json::from_slice(&answer.body).expect("a success answer is JSON");
        return;
    }
    if answer.status == StatusCode::PAYLOAD_TOO_LARGE {
        return;
    }
    let value: serde_json::Value =
        serde_json::from_slice(&answer.body).expect("an error answer is JSON");
    let kind = value["__type"].as_str().expect("an error has a __type");
    let header = answer
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .expect("an error has x-amzn-ErrorType");
    assert_eq!(
        header.split(':').next(),
        Some(kind),
        "the header and the body name different exceptions"
    );
    assert!(value["message"].is_string(), "an error has a message");
}
