//! Response headers and what one response may set (issue 25, item 12): `Referrer-Policy`
//! everywhere, `Strict-Transport-Security` for an https site, and a cap on the chunk cookies one
//! response clears.

use axum::routing::get;
use axum::Router;
use hallpass::{Config, Hallpass};
use tower::ServiceExt;

use crate::support::app::spawn_app;

#[tokio::test]
async fn three_hundred_fake_chunks_are_not_answered_with_three_hundred_set_cookies() {
    let app = spawn_app().await;
    let name = app.hallpass.session_cookie_name();
    let cookies: Vec<String> = (0..300).map(|i| format!("{name}.{i}=junk{i}")).collect();
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header("cookie", cookies.join("; "))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let set = res.headers().get_all("set-cookie").iter().count();
    assert!((1..=17).contains(&set), "{set} Set-Cookie headers");
}

#[tokio::test]
async fn every_page_sends_a_referrer_policy() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/api/auth/signin",
        "/api/auth/error?error=Configuration",
        "/nope",
    ] {
        let res = app.client.get(app.at(path)).send().await.unwrap();
        assert_eq!(
            res.headers()
                .get("referrer-policy")
                .map(|v| v.to_str().unwrap()),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
    }
}

async fn hsts_of(url: &str) -> Option<String> {
    let config = Config::builder()
        .url(url)
        .secret("a secret of at least thirty-two bytes!")
        .build()
        .unwrap();
    let auth = Hallpass::builder(config).build().unwrap();
    let app = Router::new()
        .route("/", get(|| async { "home" }))
        .layer(auth.security_headers());
    let res = app
        .oneshot(
            http::Request::get("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    res.headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn an_https_site_gets_strict_transport_security() {
    assert_eq!(
        hsts_of("https://app.example.com").await.as_deref(),
        Some("max-age=63072000")
    );
    assert_eq!(hsts_of("http://localhost:3000").await, None);
}
