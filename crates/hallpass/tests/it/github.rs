//! The GitHub preset (OAuth 2.0, not OpenID Connect) signing in end to end through the router,
//! against a local GitHub.

use hallpass::provider::GitHub;
use hallpass::Config;
use serde_json::Value;
use url::Url;

use crate::flow::{assert_refused, session_value, start_with};
use crate::support::app::{spawn_app_with, TestApp, SECRET};
use crate::support::mock_github::{Approval, MockGitHub, CLIENT_ID, CLIENT_SECRET};

async fn app(gh: &MockGitHub) -> TestApp {
    let provider = GitHub::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET.to_string().into())
        .base_urls(&gh.url, &gh.url)
        .build()
        .unwrap();
    spawn_app_with(
        Config::builder().secret(SECRET).debug(true),
        vec![provider.into()],
        None,
    )
    .await
}

/// `POST signin/github` with CSRF: the authorize URL and the browser's cookies.
async fn start(app: &TestApp) -> (Url, String) {
    start_with(app, "github", "").await
}

async fn callback(app: &TestApp, a: &Approval, jar: &str) -> reqwest::Response {
    let q = serde_urlencoded::to_string([("code", &a.code), ("state", &a.state)]).unwrap();
    app.client
        .get(app.at(&format!("/api/auth/callback/github?{q}")))
        .header("cookie", jar)
        .send()
        .await
        .unwrap()
}

async fn session(app: &TestApp, value: &str) -> Value {
    app.client
        .get(app.at("/api/auth/session"))
        .header(
            "cookie",
            format!("{}={value}", app.hallpass.session_cookie_name()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Signs in; returns the session JSON.
async fn sign_in(app: &TestApp, gh: &MockGitHub) -> Value {
    let (url, jar) = start(app).await;
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["scope"], "read:user user:email");
    let res = callback(app, &gh.approve(&url), &jar).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], app.at("/protected").as_str());
    let value = session_value(app, res.headers()).expect("a session cookie");
    let token = app.hallpass.decode_session(&value).unwrap();
    assert_eq!(
        token.sub.as_deref(),
        Some("583231"),
        "GitHub's numeric id as the subject"
    );
    assert_eq!(token.provider.as_deref(), Some("github"));
    session(app, &value).await
}

#[tokio::test]
async fn github_signs_in_end_to_end_with_the_primary_verified_address() {
    let gh = MockGitHub::start().await;
    let app = app(&gh).await;
    let providers: Value = app
        .client
        .get(app.at("/api/auth/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(providers["github"]["type"], "oauth");
    let s = sign_in(&app, &gh).await;
    assert_eq!(s["user"]["name"], "The Octocat");
    assert_eq!(s["user"]["email"], "octocat@example.com");
    assert_eq!(s["user"]["image"], "https://avatars.example/u/583231");
}

#[tokio::test]
async fn github_form_encoded_token_replies_work() {
    let gh = MockGitHub::start().await;
    gh.set_behaviour(|b| {
        b.form_reply = true;
        b.public_email = Some("public@example.com".into());
    });
    let app = app(&gh).await;
    let s = sign_in(&app, &gh).await;
    assert_eq!(
        s["user"]["email"], "public@example.com",
        "a public address needs no /user/emails"
    );
}

#[tokio::test]
async fn github_an_unverified_primary_address_is_not_used() {
    let gh = MockGitHub::start().await;
    gh.set_behaviour(|b| {
        b.emails = serde_json::json!([{"email": "unverified@example.com", "primary": true, "verified": false}])
    });
    let app = app(&gh).await;
    let s = sign_in(&app, &gh).await;
    assert_eq!(s["user"]["email"], Value::Null);
}

#[tokio::test]
async fn github_a_bad_code_ends_on_the_error_page() {
    let gh = MockGitHub::start().await;
    let app = app(&gh).await;
    let (url, jar) = start(&app).await;
    let mut approval = gh.approve(&url);
    approval.code = "not-the-code".into();
    let res = callback(&app, &approval, &jar).await;
    assert_refused(&app, &res, "OAuthCallback", "bad_verification_code");
}
