//! Review finding 12 of issue 13: a slow token endpoint holds a page at most the refresh budget, and
//! a failing one does not keep an expired access token signed in.

use std::time::Duration;

use hallpass::Config;
use serde_json::Value;

use crate::flow::{query, session_value, start};
use crate::support::app::{spawn_app_with, TestApp, SECRET};
use crate::support::mock_idp::{Gate, MockIdp, TokenEndpoint};

/// An app whose requests wait at most `budget` for a refresh, signed in with an access token that
/// is already inside the refresh margin (30 s left); returns the session cookie.
async fn signed_in(idp: &MockIdp, budget: Duration) -> (TestApp, String) {
    idp.set_behaviour(|b| b.expires_in = 30);
    let provider = idp.cognito().build().unwrap();
    let config = Config::builder()
        .secret(SECRET)
        .debug(true)
        .refresh_budget(budget);
    let app = spawn_app_with(config, vec![provider.into()], None).await;
    let (url, jar) = start(&app, "").await;
    let cb = idp.approve(&url);
    let res = crate::flow::callback(&app, &query(&cb), &jar).await;
    let value = session_value(&app, res.headers()).expect("signed in");
    let cookie = format!("{}={value}", app.hallpass.session_cookie_name());
    (app, cookie)
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.at(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_slow_token_endpoint_holds_a_page_only_for_the_budget_and_its_answer_is_kept() {
    let idp = MockIdp::start().await;
    let (app, cookie) = signed_in(&idp, Duration::from_millis(500)).await;
    let gate = Gate::new();
    idp.set_behaviour(|b| {
        b.token_endpoint = TokenEndpoint::Held(gate.clone());
        b.expires_in = 3600;
    });
    let before = idp.token_requests();
    // The endpoint does not answer until the gate opens: the page is served anyway (the access
    // token still has 30 s), with nothing re-issued. Before the budget existed this request waited
    // for the HTTP client's 10 s timeout and the refresh was lost.
    let res = get(&app, "/protected", &cookie).await;
    assert_eq!(res.status(), 200);
    assert!(session_value(&app, res.headers()).is_none());
    assert_eq!(idp.token_requests(), before + 1);
    // The refresh went on without the page: once the endpoint answers, the next request gets its
    // result (the same refresh, no second token request) and the cookie is re-issued.
    gate.open();
    let res = get(&app, "/protected", &cookie).await;
    assert_eq!(res.status(), 200);
    let renewed = session_value(&app, res.headers()).expect("re-issued with the new tokens");
    assert_eq!(idp.token_requests(), before + 1, "one refresh in all");
    let old = app
        .hallpass
        .decode_session(&cookie[cookie.find('=').unwrap() + 1..]);
    let new = app.hallpass.decode_session(&renewed).unwrap();
    assert!(new.tokens.unwrap().expires_at > old.unwrap().tokens.unwrap().expires_at);
}

#[tokio::test]
async fn a_failing_token_endpoint_signs_out_once_the_access_token_has_expired() {
    let idp = MockIdp::start().await;
    let (app, cookie) = signed_in(&idp, Duration::from_secs(2)).await;
    idp.set_behaviour(|b| b.token_endpoint = TokenEndpoint::Status(500));
    // Inside the margin, the access token still valid: the failure is logged, the page served.
    let res = get(&app, "/protected", &cookie).await;
    assert_eq!(res.status(), 200);
    // Past the access token's expiry, with the refresh still failing: signed out for now, and the
    // cookie is kept (not cleared) for when the provider is back.
    app.clock.advance(Duration::from_secs(31));
    let res = get(&app, "/protected", &cookie).await;
    assert_eq!(
        res.status(),
        401,
        "an expired access token is not signed in"
    );
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(
        get(&app, "/maybe", &cookie).await.text().await.unwrap(),
        "signed out"
    );
    let res = get(&app, "/api/auth/session", &cookie).await;
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.json::<Value>().await.unwrap(), serde_json::json!({}));
    // The provider recovers; after the failure's minute is over the refresh is tried again.
    idp.set_behaviour(|b| {
        b.token_endpoint = TokenEndpoint::Normal;
        b.expires_in = 3600;
    });
    app.clock.advance(Duration::from_secs(61));
    let res = get(&app, "/protected", &cookie).await;
    assert_eq!(res.status(), 200);
    assert!(session_value(&app, res.headers()).is_some());
}
