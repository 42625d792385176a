//! Micro-benchmarks of Hallpass's per-request work, through the public API only.
//!
//! `cargo bench -p hallpass --bench core`. The session is a typical Cognito one (name, email, sub,
//! groups, and a token set of a ~1 KB access token, ~1 KB ID token and ~1.7 KB refresh token), which
//! encrypts to more than 4 KB and so travels as two cookie chunks; `small` is the same session
//! without the tokens (one cookie). ID-token verification has its own
//! benchmark, `benches/idtoken.rs`.

use std::hint::black_box;

use axum::body::Body;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use hallpass::provider::{Secret, TokenSet};
use hallpass::{Compat, Config, Hallpass, Session, SessionToken};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use tower::ServiceExt;
use url::Url;

const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";
const CHUNK: usize = 4096 - 163;

fn main() {
    divan::main();
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn hallpass() -> Hallpass {
    let config = Config::builder()
        .url("http://localhost:3000")
        .secret(SECRET)
        .compat(Compat::NextAuthV4)
        .build()
        .unwrap();
    Hallpass::builder(config).build().unwrap()
}

/// Deterministic random-looking base64url, the size of real token material.
fn chars(len: usize, seed: u64) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            B64[(x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 58) as usize] as char
        })
        .collect()
}

fn session(with_tokens: bool) -> SessionToken {
    let now = now();
    let tokens = TokenSet {
        access_token: Secret::new(format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.{}",
            chars(680, 1),
            chars(342, 2)
        )),
        id_token: Some(Secret::new(format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.{}",
            chars(730, 3),
            chars(342, 4)
        ))),
        refresh_token: Some(Secret::new(format!(
            "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.{}.{}.{}.{}",
            chars(342, 5),
            chars(22, 6),
            chars(1280, 7),
            chars(22, 8)
        ))),
        expires_at: now + 3600,
    };
    SessionToken {
        sub: Some("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f".into()),
        name: Some("Bench User".into()),
        email: Some("bench.user@example.com".into()),
        groups: vec!["admin".into(), "users".into()],
        provider: Some("cognito".into()),
        tokens: with_tokens.then_some(tokens),
        iat: now,
        exp: now + 30 * 24 * 3600,
        jti: "0f6a2b8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b".into(),
        ..SessionToken::default()
    }
}

/// The `Cookie` header of a session cookie, chunked as NextAuth and Hallpass write it.
fn cookie_header(name: &str, value: &str) -> String {
    if value.len() <= CHUNK {
        return format!("{name}={value}");
    }
    value
        .as_bytes()
        .chunks(CHUNK)
        .enumerate()
        .map(|(i, c)| format!("{name}.{i}={}", std::str::from_utf8(c).unwrap()))
        .collect::<Vec<_>>()
        .join("; ")
}

const SIZES: [&str; 2] = ["small", "cognito_tokens_chunked"];

fn sample(kind: &str) -> SessionToken {
    session(kind != "small")
}

/// Encrypting a session (what `GET /api/auth/session` and a sign-in do).
#[divan::bench(args = SIZES)]
fn session_encode(bencher: divan::Bencher, kind: &str) {
    let hp = hallpass();
    let token = sample(kind);
    if kind != "small" {
        assert!(
            hp.encode_session(&token).len() > 4096,
            "the chunked sample must exceed 4 KB"
        );
    }
    bencher.bench(|| hp.encode_session(black_box(&token)));
}

/// Decrypting and checking a session cookie (the whole cost of a protected page).
#[divan::bench(args = SIZES)]
fn session_decode(bencher: divan::Bencher, kind: &str) {
    let hp = hallpass();
    let value = hp.encode_session(&sample(kind));
    bencher.bench(|| hp.decode_session(black_box(&value)).unwrap());
}

/// Reading the CSRF cookie and checking its hash against the secret (the verification half of the
/// double-submit check, through `Hallpass::csrf_token`).
#[divan::bench]
fn csrf_verify(bencher: divan::Bencher) {
    let hp = hallpass();
    let (token, set) = hp.csrf_token(&HeaderMap::new());
    let set = set.iter().next().unwrap();
    let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(&pair).unwrap());
    let (again, new_cookie) = hp.csrf_token(&headers);
    assert_eq!(again, token);
    assert!(new_cookie.is_empty());
    bencher.bench(|| hp.csrf_token(black_box(&headers)));
}

const CALLBACKS: [&str; 4] = [
    "/protected",
    "http://localhost:3000/protected?tab=1",
    "https://evil.example/steal",
    "//evil.example/steal",
];

/// `hallpass::redirect::callback_url` on a relative, a same-origin, a foreign and a
/// protocol-relative candidate.
#[divan::bench(args = CALLBACKS)]
fn callback_url(bencher: divan::Bencher, candidate: &str) {
    let origin = Url::parse("http://localhost:3000").unwrap();
    bencher.bench(|| hallpass::redirect::callback_url(black_box(candidate), &origin));
}

fn page(name: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><h1>Protected</h1><p>Signed in as {name}.</p>"
    ))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// A whole signed-in `GET /protected` through the axum stack in memory (no socket): the layer, the
/// guard, the `Session` extractor, a tiny page. Compare with `request_bare`.
#[divan::bench(args = SIZES)]
fn request_protected(bencher: divan::Bencher, kind: &str) {
    let hp = hallpass();
    let cookie = cookie_header(hp.session_cookie_name(), &hp.encode_session(&sample(kind)));
    let app = Router::new()
        .route(
            "/protected",
            get(|s: Session| async move { page(s.display_name()) }),
        )
        .route_layer(hp.require_session())
        .merge(hp.router())
        .layer(hp.layer());
    let rt = runtime();
    let req = || {
        Request::get("/protected")
            .header(COOKIE, cookie.as_str())
            .body(Body::empty())
            .unwrap()
    };
    let res = rt.block_on(app.clone().oneshot(req())).unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(SET_COOKIE).is_none());
    bencher.bench(|| rt.block_on(app.clone().oneshot(req())).unwrap());
}

/// The same request and page with no auth at all.
#[divan::bench]
fn request_bare(bencher: divan::Bencher) {
    let app = Router::new().route("/protected", get(|| async { page("Bench User") }));
    let rt = runtime();
    let cookie = "x".repeat(5400);
    let req = || {
        Request::get("/protected")
            .header(COOKIE, cookie.as_str())
            .body(Body::empty())
            .unwrap()
    };
    bencher.bench(|| rt.block_on(app.clone().oneshot(req())).unwrap());
}

/// `GET /api/auth/session` in memory: decrypt, answer the JSON, re-encrypt the rolled cookie.
#[divan::bench(args = SIZES)]
fn request_session(bencher: divan::Bencher, kind: &str) {
    let hp = hallpass();
    let cookie = cookie_header(hp.session_cookie_name(), &hp.encode_session(&sample(kind)));
    let app: Router = hp.router().layer(hp.layer());
    let rt = runtime();
    let req = || {
        Request::get("/api/auth/session")
            .header(COOKIE, cookie.as_str())
            .body(Body::empty())
            .unwrap()
    };
    let res = rt.block_on(app.clone().oneshot(req())).unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    bencher.bench(|| rt.block_on(app.clone().oneshot(req())).unwrap());
}
