//! The session lifecycle driven from outside: handlers that sign users in and out themselves, the
//! builder's checks, guards with their own fallbacks, and everything that depends on time, driven by
//! the instance's manual clock instead of waiting.

use std::time::Duration;

use hallpass::clock::Clock;
use hallpass::hooks::{Hooks, SignInDecision};
use hallpass::provider::Profile;
use hallpass::{Config, Hallpass, SessionToken};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::flow::{
    app_for, assert_refused, callback, query, session_value, set_cookies, sign_in, start,
};
use crate::support::app::{spawn_app, spawn_app_with, TestApp, SECRET};
use crate::support::mock_idp::{MockIdp, Published, Signing};

fn cookie_header(app: &TestApp, headers: &HeaderMap) -> String {
    let value = session_value(app, headers).expect("a session cookie");
    format!("{}={value}", app.hallpass.session_cookie_name())
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>, html: bool) -> reqwest::Response {
    let mut req = app.client.get(app.at(path));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if html {
        req = req.header("accept", "text/html");
    }
    req.send().await.unwrap()
}

async fn post(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut req = app.client.post(app.at(path));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_handler_signs_a_user_in_and_out_by_itself() {
    let app = spawn_app().await;
    let res = post(&app, "/handler/sign-in", None).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/protected");
    let cookie = cookie_header(&app, res.headers());
    let res = get(&app, "/protected", Some(&cookie), false).await;
    assert_eq!(res.text().await.unwrap(), "Protected for Grace Hopper");
    let res = get(&app, "/staff", Some(&cookie), false).await;
    assert_eq!(res.status(), 200, "the handler's groups are in the session");
    let res = get(&app, "/api/auth/session", Some(&cookie), false).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["name"], "Grace Hopper");
    assert_eq!(body["user"]["groups"], json!(["staff"]));
    let token = app
        .hallpass
        .decode_session(cookie.split_once('=').unwrap().1)
        .unwrap();
    assert_eq!(token.provider.as_deref(), Some("local"));
    assert_eq!(token.sub.as_deref(), Some("local-7"));

    let res = post(&app, "/handler/sign-out", Some(&cookie)).await;
    assert_eq!(res.status(), 303);
    let cleared = set_cookies(res.headers());
    assert!(
        cleared.iter().any(
            |c| c.starts_with(&format!("{}=;", app.hallpass.session_cookie_name()))
                && c.contains("Max-Age=0")
        ),
        "{cleared:?}"
    );
}

struct DenyLocal;

impl Hooks for DenyLocal {
    async fn sign_in(&self, _profile: &Profile, provider: &str) -> SignInDecision {
        if provider == "local" {
            SignInDecision::Deny
        } else {
            SignInDecision::Allow
        }
    }
}

#[tokio::test]
async fn a_handlers_sign_in_goes_through_the_sign_in_hook() {
    let app = spawn_app_with(
        Config::builder().secret(SECRET),
        Vec::new(),
        Some(Box::new(|b| b.hooks(DenyLocal))),
    )
    .await;
    let res = post(&app, "/handler/sign-in", None).await;
    assert_eq!(res.status(), 403);
    assert!(set_cookies(res.headers()).is_empty(), "no session cookie");
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "AccessDenied");
}

#[tokio::test]
async fn two_providers_with_one_id_are_refused_at_build() {
    let idp = MockIdp::start().await;
    let config = Config::builder()
        .url("http://localhost:3000")
        .secret(SECRET)
        .build()
        .unwrap();
    let err = Hallpass::builder(config.clone())
        .provider(idp.cognito().build().unwrap())
        .provider(idp.cognito().build().unwrap())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("`cognito`"), "{err}");
    assert!(Hallpass::builder(config)
        .provider(idp.cognito().build().unwrap())
        .build()
        .is_ok());
}

fn token(app: &TestApp, groups: &[&str], exp_in: i64) -> SessionToken {
    let now = app.clock.now();
    SessionToken {
        sub: Some("sub-jane".into()),
        name: Some("Jane Doe".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: now,
        exp: now + exp_in,
        jti: "j".into(),
        ..Default::default()
    }
}

fn cookie_for(app: &TestApp, token: &SessionToken) -> String {
    format!(
        "{}={}",
        app.hallpass.session_cookie_name(),
        app.hallpass.encode_session(token)
    )
}

#[tokio::test]
async fn a_session_is_accepted_until_fifteen_seconds_past_exp() {
    let app = spawn_app().await;
    let cookie = cookie_for(&app, &token(&app, &[], 60));
    app.clock.advance(Duration::from_secs(60 + 15));
    let res = get(&app, "/protected", Some(&cookie), false).await;
    assert_eq!(
        res.status(),
        200,
        "exp + 15 s is inside NextAuth's tolerance"
    );
    app.clock.advance(Duration::from_secs(1));
    let res = get(&app, "/protected", Some(&cookie), false).await;
    assert_eq!(
        res.status(),
        401,
        "exp + 16 s is expired (the decode cache checks exp too)"
    );
    let res = get(&app, "/api/auth/session", Some(&cookie), false).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({}));
}

#[tokio::test]
async fn check_cookies_expire_fifteen_minutes_after_the_sign_in_started() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await;
    let (url, jar) = start(&app, "").await;
    app.clock.advance(Duration::from_secs(15 * 60));
    let cb = idp.approve(&url);
    let res = callback(&app, &query(&cb), &jar).await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        app.at("/protected").as_str(),
        "at exactly 15 minutes the attempt still completes"
    );

    let (url, jar) = start(&app, "").await;
    app.clock.advance(Duration::from_secs(15 * 60 + 1));
    let cb = idp.approve(&url);
    let res = callback(&app, &query(&cb), &jar).await;
    assert_refused(&app, &res, "OAuthCallback", "older than 15 minutes");
}

#[tokio::test]
async fn the_access_token_refreshes_once_the_clock_enters_the_refresh_margin() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| b.expires_in = 3600);
    let app = app_for(&idp, None).await;
    let value = sign_in(&app, &idp).await;
    let cookie = format!("{}={value}", app.hallpass.session_cookie_name());
    let before = idp.token_requests();
    // The margin is 60 s: at 61 s before expiry nothing happens.
    app.clock.advance(Duration::from_secs(3600 - 61));
    let res = get(&app, "/protected", Some(&cookie), false).await;
    assert_eq!(res.status(), 200);
    assert_eq!(idp.token_requests(), before, "not due yet");
    assert!(
        session_value(&app, res.headers()).is_none(),
        "nothing re-issued"
    );
    app.clock.advance(Duration::from_secs(2));
    let res = get(&app, "/protected", Some(&cookie), false).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        idp.token_requests(),
        before + 1,
        "one refresh inside the margin"
    );
    let renewed = session_value(&app, res.headers()).expect("the refreshed session is written");
    let old = app.hallpass.decode_session(&value).unwrap();
    let new = app.hallpass.decode_session(&renewed).unwrap();
    assert!(new.tokens.unwrap().expires_at > old.tokens.unwrap().expires_at);
}

#[tokio::test]
async fn guards_have_their_own_fallbacks() {
    let app = spawn_app().await;
    let staff = cookie_for(&app, &token(&app, &["staff"], 3600));
    let nobody = cookie_for(&app, &token(&app, &[], 3600));
    let mut beta = token(&app, &[], 3600);
    beta.extra.insert("beta".into(), json!(true));
    let beta = cookie_for(&app, &beta);

    // require_any_group: a member of one of the groups passes, others get 403 (page or JSON).
    assert_eq!(get(&app, "/staff", Some(&staff), false).await.status(), 200);
    let res = get(&app, "/staff", Some(&nobody), true).await;
    assert_eq!(res.status(), 403);
    let page = res.text().await.unwrap();
    assert!(page.contains("staff") && page.contains("admin"), "{page}");
    let res = get(&app, "/staff", Some(&nobody), false).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "forbidden");
    // Signed out, a page request goes where the configuration says (here: home).
    let res = get(&app, "/staff", None, true).await;
    assert_eq!(
        (
            res.status().as_u16(),
            res.headers()["location"].to_str().unwrap()
        ),
        (302, "/")
    );

    // require(predicate).redirect_to: refused and signed-out users both go to its page.
    assert_eq!(get(&app, "/beta", Some(&beta), false).await.status(), 200);
    for cookie in [Some(nobody.as_str()), None] {
        let res = get(&app, "/beta", cookie, false).await;
        assert_eq!(res.status(), 302);
        assert_eq!(res.headers()["location"], "/no-beta");
    }

    // require_session().unauthorized(): a 401 even for a page request.
    let res = get(&app, "/strict", None, true).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unauthenticated"
    );
    assert_eq!(
        get(&app, "/strict", Some(&nobody), true).await.status(),
        200
    );
}

#[tokio::test]
async fn an_unknown_key_is_refetched_at_most_once_per_ten_seconds_of_the_clock() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await;
    let signed_in =
        |res: &reqwest::Response| res.headers()["location"] == app.at("/protected").as_str();
    sign_in(&app, &idp).await;
    assert_eq!(idp.jwks_hits(), 1, "the first sign-in loads the keys");

    // The provider signs with a key it does not publish yet: one re-fetch, refused.
    idp.set_behaviour(|b| b.signing = Signing::Rotated);
    let (url, jar) = start(&app, "").await;
    let res = callback(&app, &query(&idp.approve(&url)), &jar).await;
    assert!(!signed_in(&res));
    assert_eq!(idp.jwks_hits(), 2);

    // It publishes the key now, but 9 s after the last fetch the cache does not ask again.
    idp.set_behaviour(|b| b.published = vec![Published::Primary, Published::Rotated]);
    app.clock.advance(Duration::from_secs(9));
    let (url, jar) = start(&app, "").await;
    let res = callback(&app, &query(&idp.approve(&url)), &jar).await;
    assert_refused(&app, &res, "OAuthCallback", "no key");
    assert_eq!(idp.jwks_hits(), 2, "inside the window: no request");

    // Ten seconds after it, the unknown kid is fetched again and the sign-in goes through.
    app.clock.advance(Duration::from_secs(1));
    let (url, jar) = start(&app, "").await;
    let res = callback(&app, &query(&idp.approve(&url)), &jar).await;
    assert!(signed_in(&res), "{:?}", res.headers().get("location"));
    assert_eq!(idp.jwks_hits(), 3);
}

/// Security review finding 2: the refresh single flight was keyed by `jti`, so two sessions with an
/// empty (or equal) `jti` received each other's refreshed tokens.
#[tokio::test]
async fn sessions_that_share_a_jti_never_receive_each_others_refreshed_tokens() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| b.expires_in = 30); // inside the refresh margin at once
    let app = app_for(&idp, None).await;
    let mut cookies = Vec::new();
    let mut old = Vec::new();
    for _ in 0..2 {
        let value = sign_in(&app, &idp).await;
        let mut token = app.hallpass.decode_session(&value).unwrap();
        token.jti = String::new(); // as `SessionToken::default()` leaves it
        old.push(token.tokens.clone().unwrap());
        cookies.push(cookie_for(&app, &token));
    }
    assert_ne!(old[0].refresh_token, old[1].refresh_token);
    let before = idp.token_requests();
    let mut renewed = Vec::new();
    for cookie in &cookies {
        let res = get(&app, "/api/auth/session", Some(cookie), false).await;
        let value = session_value(&app, res.headers()).expect("a re-issued session");
        renewed.push(app.hallpass.decode_session(&value).unwrap().tokens.unwrap());
    }
    assert_eq!(
        idp.token_requests(),
        before + 2,
        "one refresh per refresh token"
    );
    assert_ne!(renewed[0].access_token, renewed[1].access_token);
    for (new, old) in renewed.iter().zip(&old) {
        assert_eq!(
            new.refresh_token, old.refresh_token,
            "each kept its own refresh token"
        );
    }
}

/// A handler that reads the session (an unusable cookie: resolving it queues its clearing) and then
/// signs the user in: the browser keeps the new session, the queued clearing does not undo it.
#[tokio::test]
async fn a_sign_in_after_an_unusable_cookie_is_not_cleared_by_the_layer() {
    use axum::response::IntoResponse;
    use tower::ServiceExt;

    async fn login(
        hallpass: Hallpass,
        session: Option<hallpass::Session>,
        headers: http::HeaderMap,
    ) -> axum::response::Response {
        assert!(session.is_none(), "the cookie is unusable");
        let sign_in = hallpass::provider::SignIn {
            profile: Profile::new("user-1").with_name("Grace"),
            tokens: None,
        };
        match hallpass.sign_in(&headers, "dev", sign_in).await {
            Ok(cookies) => (cookies, "signed in").into_response(),
            Err(e) => e.into_response(),
        }
    }
    let config = Config::builder()
        .url("http://localhost:3000")
        .secret(SECRET)
        .build()
        .unwrap();
    let auth = Hallpass::builder(config).build().unwrap();
    let app = axum::Router::new()
        .route("/login", axum::routing::post(login))
        .layer(auth.layer());
    let name = auth.session_cookie_name().to_string();
    let req = http::Request::post("/login")
        .header("cookie", format!("{name}=not-a-session"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let sets: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let prefix = format!("{name}=");
    let session: Vec<&String> = sets.iter().filter(|c| c.starts_with(&prefix)).collect();
    assert_eq!(session.len(), 1, "one session cookie: {sets:?}");
    assert!(!session[0].contains("Max-Age=0"), "{sets:?}");
    let value = session[0][prefix.len()..].split(';').next().unwrap();
    assert_eq!(
        auth.decode_session(value).unwrap().name.as_deref(),
        Some("Grace")
    );
}
