//! `CsrfForm<T>` (issue 26 item 4): a POST without this browser's CSRF token is refused before the
//! handler runs; with it, the form arrives parsed. The built-in endpoints use the same extractor.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Extension;
use axum::routing::post;
use axum::Router;
use hallpass::{Config, CsrfForm, CsrfRejection, Hallpass};
use http::{Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::app::SECRET;

#[derive(Deserialize)]
struct Rename {
    name: String,
    #[serde(default)]
    times: u32,
}

type Runs = Arc<AtomicUsize>;

async fn rename(Extension(runs): Extension<Runs>, CsrfForm(f): CsrfForm<Rename>) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    format!("{} x{}", f.name, f.times)
}

/// The app's own answer to a refused form: its kind and the `json=true` flag.
async fn custom(form: Result<CsrfForm<Rename>, CsrfRejection>) -> String {
    match form {
        Ok(CsrfForm(f)) => format!("ok {}", f.name),
        Err(r @ CsrfRejection::InvalidToken { .. }) => format!("token json={}", r.wants_json()),
        Err(r) => format!("other json={}", r.wants_json()),
    }
}

fn hallpass() -> Hallpass {
    Hallpass::builder(
        Config::builder()
            .secret(SECRET)
            .url("http://localhost:3000")
            .build()
            .unwrap(),
    )
    .build()
    .unwrap()
}

fn app(h: &Hallpass, runs: &Runs) -> Router {
    Router::new()
        .route("/rename", post(rename))
        .route("/custom", post(custom))
        .merge(h.router())
        .layer(Extension(runs.clone()))
        .layer(h.layer())
}

/// This browser's CSRF cookie and form token, from `GET {base}/csrf`.
async fn csrf(app: &Router) -> (String, String) {
    let res = send(
        app,
        Request::get("/api/auth/csrf").body(Body::empty()).unwrap(),
    )
    .await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let body: Value = serde_json::from_slice(&body(res).await).unwrap();
    (cookie, body["csrfToken"].as_str().unwrap().to_string())
}

async fn send(app: &Router, req: Request<Body>) -> Response<Body> {
    app.clone().oneshot(req).await.unwrap()
}

async fn body(res: Response<Body>) -> Vec<u8> {
    axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap()
        .to_vec()
}

async fn post_form(app: &Router, path: &str, cookie: &str, form: &str) -> (StatusCode, String) {
    let req = Request::post(path)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap();
    let res = send(app, req).await;
    let status = res.status();
    (
        status,
        String::from_utf8_lossy(&body(res).await).into_owned(),
    )
}

#[tokio::test]
async fn a_form_without_the_right_token_never_reaches_the_handler() {
    let h = hallpass();
    let runs = Runs::default();
    let app = app(&h, &runs);
    let (cookie, token) = csrf(&app).await;
    let (_, other_token) = csrf(&app).await;
    for (cookie, form) in [
        ("", format!("csrfToken={token}&name=eve")),
        (cookie.as_str(), "name=eve".to_string()),
        (cookie.as_str(), "csrfToken=&name=eve".to_string()),
        (cookie.as_str(), "csrfToken=forged&name=eve".to_string()),
        // Another browser's token does not fit this browser's cookie.
        (cookie.as_str(), format!("csrfToken={other_token}&name=eve")),
        // The first occurrence counts, as everywhere in Hallpass.
        (
            cookie.as_str(),
            format!("csrfToken=forged&csrfToken={token}&name=eve"),
        ),
        // Malformed bodies are refused the same way, never a 500.
        (cookie.as_str(), "%%%&&==\u{0}\u{ff}".to_string()),
    ] {
        let (status, text) = post_form(&app, "/rename", cookie, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{form}: {text}");
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["error"], "MissingCSRF", "{text}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0, "the handler never ran");
    // A JSON body is no form: refused too.
    let req = Request::post("/rename")
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(Body::from(format!(
            r#"{{"csrfToken":"{token}","name":"eve"}}"#
        )))
        .unwrap();
    assert_eq!(send(&app, req).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn with_the_right_token_the_form_arrives_parsed() {
    let h = hallpass();
    let runs = Runs::default();
    let app = app(&h, &runs);
    let (cookie, token) = csrf(&app).await;
    let form = format!("name=ada&times=3&csrfToken={token}&name=eve&extra=ignored");
    let (status, text) = post_form(&app, "/rename", &cookie, &form).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "ada x3"));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // The token is right but the form is not what the route takes: 400, still no handler.
    for form in [
        format!("csrfToken={token}"),
        format!("csrfToken={token}&name=ada&times=many"),
    ] {
        let (status, text) = post_form(&app, "/rename", &cookie, &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}: {text}");
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["error"], "InvalidRequest", "{text}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_rejection_says_what_failed_and_whether_json_was_asked_for() {
    let h = hallpass();
    let app = app(&h, &Runs::default());
    let (cookie, token) = csrf(&app).await;
    let cases = [
        ("csrfToken=forged&name=a".to_string(), "token json=false"),
        ("csrfToken=forged&json=true".to_string(), "token json=true"),
        (format!("csrfToken={token}&json=true"), "other json=true"),
        (format!("csrfToken={token}&name=a"), "ok a"),
    ];
    for (form, expected) in cases {
        let (_, text) = post_form(&app, "/custom", &cookie, &form).await;
        assert_eq!(text, expected, "{form}");
    }
}

#[tokio::test]
async fn without_the_layer_the_extractor_says_so() {
    let h = hallpass();
    let app: Router = Router::new()
        .route("/rename", post(rename))
        .layer(Extension(Runs::default()));
    let (status, text) = post_form(&app, "/rename", "", "name=a").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(text.contains("layer"), "{text}");
    drop(h);
}

#[tokio::test]
async fn the_built_in_forms_refuse_a_missing_token_where_they_always_did() {
    let h = hallpass();
    let app = app(&h, &Runs::default());
    let (cookie, _) = csrf(&app).await;
    // Sign-out: back to its form with `csrf=true`; the session is untouched.
    let req = Request::post("/api/auth/signout")
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("csrfToken=forged"))
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        res.headers()["location"],
        "http://localhost:3000/api/auth/signout?csrf=true"
    );
    // `json=true`: the same target as `{"url": …}`.
    let (status, text) = post_form(
        &app,
        "/api/auth/signin/nope",
        &cookie,
        "csrfToken=forged&json=true",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json["url"],
        "http://localhost:3000/api/auth/signin?csrf=true"
    );
}
