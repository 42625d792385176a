//! The whole sign-in flow through Hallpass's router, against an in-test provider that misbehaves on
//! purpose: every misbehaviour ends on the error page with no session; the happy path signs in.

use std::time::Duration;

use hallpass::hooks::{Event, HookError, Hooks, JwtTrigger, SignInDecision};
use hallpass::provider::Profile;
use hallpass::BoxFuture;
use hallpass::{Config, HallpassBuilder, SessionToken};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use url::Url;

use crate::support::app::{spawn_app_with, TestApp, SECRET};
use crate::support::mock_idp::{self, MockIdp, Published, Refresh, Signing, TokenEndpoint};

pub(crate) fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// `name=value` pairs of the cookies a response sets (not the expirations).
pub(crate) fn live_cookies(headers: &HeaderMap) -> Vec<String> {
    set_cookies(headers)
        .into_iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap().to_string())
        .collect()
}

pub(crate) fn session_value(app: &TestApp, headers: &HeaderMap) -> Option<String> {
    let prefix = format!("{}=", app.hallpass.session_cookie_name());
    live_cookies(headers)
        .into_iter()
        .find_map(|c| c.strip_prefix(&prefix).map(str::to_string))
}

pub(crate) async fn app_for(
    idp: &MockIdp,
    hooks: Option<Box<dyn FnOnce(HallpassBuilder) -> HallpassBuilder>>,
) -> TestApp {
    let provider = idp
        .cognito()
        .userinfo(true)
        .federated_sign_out(true)
        .build()
        .unwrap();
    spawn_app_with(
        Config::builder().secret(SECRET).debug(true),
        vec![provider.into()],
        hooks,
    )
    .await
}

/// A CSRF cookie (`name=value`) and its token, for a signed-out browser.
pub(crate) async fn csrf(app: &TestApp) -> (String, String) {
    csrf_for(app, "").await
}

/// A CSRF cookie (`name=value`) and its token, for a browser sending `cookies` (its session).
pub(crate) async fn csrf_for(app: &TestApp, cookies: &str) -> (String, String) {
    let res = app
        .client
        .get(app.at("/api/auth/csrf"))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap();
    let cookie = live_cookies(res.headers()).remove(0);
    let token = res.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    (cookie, token)
}

/// Starts a sign-in: returns the authorize URL and the cookie header the browser now holds.
pub(crate) async fn start(app: &TestApp, extra_query: &str) -> (Url, String) {
    start_with(app, "cognito", extra_query).await
}

/// [`start`] with another provider.
pub(crate) async fn start_with(app: &TestApp, provider: &str, extra_query: &str) -> (Url, String) {
    let (csrf_cookie, token) = csrf(app).await;
    let res = app
        .client
        .post(app.at(&format!("/api/auth/signin/{provider}{extra_query}")))
        .header("cookie", &csrf_cookie)
        .form(&[("csrfToken", token.as_str()), ("callbackUrl", "/protected")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let url = Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let mut jar = live_cookies(res.headers());
    jar.push(csrf_cookie);
    (url, jar.join("; "))
}

pub(crate) async fn callback(app: &TestApp, query: &str, cookies: &str) -> reqwest::Response {
    app.client
        .get(app.at(&format!("/api/auth/callback/cognito?{query}")))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap()
}

pub(crate) fn query(cb: &mock_idp::Callback) -> String {
    let mut q = vec![("code", cb.code.clone()), ("state", cb.state.clone())];
    if let Some(iss) = &cb.iss {
        q.push(("iss", iss.clone()));
    }
    serde_urlencoded::to_string(q).unwrap()
}

/// The full happy path; returns the session cookie value.
pub(crate) async fn sign_in(app: &TestApp, idp: &MockIdp) -> String {
    let (url, jar) = start(app, "").await;
    let cb = idp.approve(&url);
    let res = callback(app, &query(&cb), &jar).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], app.at("/protected").as_str());
    session_value(app, res.headers()).expect("a session cookie")
}

/// Asserts a refused callback: the error page with `code` and nothing else in its URL, the cause
/// (debug mode) in the debug header only, and no session.
pub(crate) fn assert_refused(app: &TestApp, res: &reqwest::Response, code: &str, cause_part: &str) {
    assert_eq!(res.status(), 302);
    let loc = Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(loc.path(), "/api/auth/error", "{loc}");
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["error"], code, "{loc}");
    assert_eq!(q.len(), 1, "only the code travels in the URL: {loc}");
    let cause = res
        .headers()
        .get(hallpass::DEBUG_CAUSE_HEADER)
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        cause
            .as_deref()
            .is_some_and(|c| c.to_lowercase().contains(&cause_part.to_lowercase())),
        "cause {cause:?} lacks {cause_part:?}"
    );
    assert!(
        session_value(app, res.headers()).is_none(),
        "no session on a refused sign-in"
    );
    let cookies = set_cookies(res.headers());
    assert!(
        !cookies
            .iter()
            .any(|c| c.starts_with("hallpass.check.") && !c.contains("Max-Age=0")),
        "a refused callback starts no attempt: {cookies:?}"
    );
}

#[tokio::test]
async fn happy_path_signs_in_with_everything_checked() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| {
        b.user_claims
            .insert("cognito:groups".into(), json!(["admin"]));
        b.user_claims.insert("custom:tenant".into(), json!("acme"));
    });
    let app = app_for(&idp, None).await;
    let (url, jar) = start(
        &app,
        "?identity_provider=Google&login_hint=ada%40example.com&evil=1",
    )
    .await;
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["identity_provider"], "Google");
    assert_eq!(q["login_hint"], "ada@example.com");
    assert!(
        !q.contains_key("evil"),
        "only allow-listed parameters go to the provider"
    );
    assert!(
        q["state"].len() >= 22 && q["nonce"].len() >= 22,
        "≥128-bit state and nonce"
    );
    assert_eq!(q["redirect_uri"], app.at("/api/auth/callback/cognito"));

    let cb = idp.approve(&url);
    let res = callback(&app, &query(&cb), &jar).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], app.at("/protected").as_str());
    // The attempt's cookie (the only one the jar holds) is expired: single use.
    let attempt = jar
        .split("; ")
        .find(|c| c.starts_with("hallpass.check."))
        .expect("an attempt cookie")
        .split('=')
        .next()
        .unwrap();
    let cookies = set_cookies(res.headers());
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("{attempt}=;")) && c.contains("Max-Age=0")),
        "{attempt} expired: {cookies:?}"
    );
    let value = session_value(&app, res.headers()).unwrap();
    let token = app.hallpass.decode_session(&value).unwrap();
    assert_eq!(token.sub.as_deref(), Some(mock_idp::SUB));
    assert_eq!(token.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(token.groups, vec!["admin".to_string()]);
    assert_eq!(token.extra["custom:tenant"], "acme");
    assert!(token.tokens.as_ref().unwrap().refresh_token.is_some());

    // The token request: client_secret_basic with form-urlencoded id:secret, the PKCE verifier and
    // the exact redirect_uri.
    let req = idp.last_token_request().unwrap();
    let basic = req.authorization.unwrap();
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.strip_prefix("Basic ").unwrap())
        .unwrap();
    let decoded = String::from_utf8(decoded).unwrap();
    let (id, secret) = decoded.split_once(':').unwrap();
    assert_eq!(id, mock_idp::CLIENT_ID);
    assert_eq!(
        url::form_urlencoded::parse(format!("s={secret}").as_bytes())
            .next()
            .unwrap()
            .1,
        mock_idp::CLIENT_SECRET
    );
    assert!(req.form["code_verifier"].len() >= 43);
    assert_eq!(
        req.form["redirect_uri"],
        app.at("/api/auth/callback/cognito")
    );
    assert!(
        !req.form.contains_key("client_secret"),
        "the secret is not also in the body"
    );

    // The session works on pages.
    let res = app
        .client
        .get(app.at("/admin"))
        .header(
            "cookie",
            format!("{}={value}", app.hallpass.session_cookie_name()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "Admin for Ada Lovelace");
}

#[tokio::test]
async fn every_misbehaviour_is_refused_without_a_session() {
    type Setup = fn(&mut mock_idp::Behaviour);
    let cases: Vec<(&str, Setup, &str)> = vec![
        (
            "bad signature",
            |b| b.signing = Signing::Attacker,
            "signature",
        ),
        (
            "wrong iss",
            |b| {
                b.id_token_set
                    .insert("iss".into(), json!("https://evil.example/us-east-1_X"));
            },
            "iss",
        ),
        (
            "wrong aud",
            |b| {
                b.id_token_set.insert("aud".into(), json!("someone-else"));
            },
            "aud",
        ),
        (
            "wrong nonce",
            |b| {
                b.id_token_set
                    .insert("nonce".into(), json!("not-the-nonce"));
            },
            "nonce",
        ),
        ("missing sub", |b| b.id_token_remove.push("sub"), "sub"),
        ("missing iat", |b| b.id_token_remove.push("iat"), "iat"),
        (
            "expired",
            |b| {
                b.id_token_set.insert("exp".into(), json!(1_000_000_000));
            },
            "exp",
        ),
        ("alg none", |b| b.signing = Signing::AlgNone, "alg"),
        (
            "HS256 with the public key",
            |b| b.signing = Signing::Hs256WithPublicKey,
            "alg",
        ),
        ("unknown kid", |b| b.signing = Signing::Rotated, "no key"),
        (
            "userinfo with another sub",
            |b| b.userinfo_sub = Some("another-sub".into()),
            "sub",
        ),
        (
            "token endpoint 500",
            |b| b.token_endpoint = TokenEndpoint::Status(500),
            "500",
        ),
        (
            "token endpoint not JSON",
            |b| b.token_endpoint = TokenEndpoint::NonJson,
            "json",
        ),
        (
            "token endpoint timeout",
            |b| b.token_endpoint = TokenEndpoint::Delay(Duration::from_secs(5)),
            "time",
        ),
        (
            "token_use access",
            |b| {
                b.id_token_set.insert("token_use".into(), json!("access"));
            },
            "token_use",
        ),
        ("no id token", |b| b.omit_id_token = true, "id_token"),
    ];
    for (what, setup, cause) in cases {
        let idp = MockIdp::start().await;
        idp.set_behaviour(setup);
        let app = app_for(&idp, None).await;
        let (url, jar) = start(&app, "").await;
        let cb = idp.approve(&url);
        let res = callback(&app, &query(&cb), &jar).await;
        eprintln!("{what}: {:?}", res.headers().get("location"));
        assert_refused(&app, &res, "OAuthCallback", cause);
    }
}

#[tokio::test]
async fn state_is_checked_before_any_token_request() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await;
    let (url, jar) = start(&app, "").await;
    let cb = idp.approve(&url);
    // A forged state.
    let forged =
        serde_urlencoded::to_string([("code", cb.code.as_str()), ("state", "forged")]).unwrap();
    let res = callback(&app, &forged, &jar).await;
    assert_refused(&app, &res, "OAuthCallback", "state");
    // No check cookies at all (a proxy dropped them, or another browser).
    let res = callback(&app, &query(&cb), "").await;
    assert_refused(&app, &res, "OAuthCallback", "missing");
    assert_eq!(
        idp.token_requests(),
        0,
        "no token request before the state is known good"
    );
    // The right callback works once; replayed, it is refused.
    let res = callback(&app, &query(&cb), &jar).await;
    assert!(session_value(&app, res.headers()).is_some());
    let replay = callback(&app, &query(&cb), &jar).await;
    assert_refused(&app, &replay, "OAuthCallback", "");
}

#[tokio::test]
async fn check_cookies_are_bound_to_their_provider() {
    let idp = MockIdp::start().await;
    let cognito = idp.cognito().build().unwrap();
    let other = hallpass::provider::OAuthProvider::new(idp.oidc_config()).unwrap();
    let app = spawn_app_with(
        Config::builder().secret(SECRET).debug(true),
        vec![cognito.into(), other.into()],
        None,
    )
    .await;
    let (url, jar) = start(&app, "").await;
    let cb = idp.approve(&url);
    let res = app
        .client
        .get(app.at(&format!("/api/auth/callback/oidc?{}", query(&cb))))
        .header("cookie", &jar)
        .send()
        .await
        .unwrap();
    assert_refused(&app, &res, "OAuthCallback", "another provider");
}

#[tokio::test]
async fn provider_errors_reach_the_error_page_escaped() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await;
    let (url, jar) = start(&app, "").await;
    let cb = idp.approve(&url);
    let q = serde_urlencoded::to_string([
        ("error", "access_denied"),
        ("error_description", "<script>alert(1)</script>"),
        ("state", cb.state.as_str()),
    ])
    .unwrap();
    let res = callback(&app, &q, &jar).await;
    assert_refused(&app, &res, "AccessDenied", "access_denied");
    assert!(
        res.headers()[hallpass::DEBUG_CAUSE_HEADER]
            .to_str()
            .unwrap()
            .contains("<script>alert(1)</script>"),
        "the description reaches the developer"
    );
    let page = app
        .client
        .get(res.headers()["location"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("script") && !html.contains("alert(1)"),
        "the provider's text never reaches the page, escaped or not: {html}"
    );
}

#[tokio::test]
async fn rfc9207_iss_is_checked_when_sent() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| b.callback_iss = Some(Some("https://evil.example".into())));
    let app = app_for(&idp, None).await;
    let (url, jar) = start(&app, "").await;
    let cb = idp.approve(&url);
    let res = callback(&app, &query(&cb), &jar).await;
    assert_refused(&app, &res, "OAuthCallback", "iss");
}

struct AppHooks;

// Written as plain `async fn`s, as an application would.
impl Hooks for AppHooks {
    async fn sign_in(&self, profile: &Profile, _provider: &str) -> SignInDecision {
        match profile.email.as_deref() {
            Some("ada@example.com") => SignInDecision::Allow,
            Some("redirect@example.com") => SignInDecision::Redirect("/waitlist".into()),
            _ => SignInDecision::Deny,
        }
    }
    async fn jwt(
        &self,
        mut token: SessionToken,
        trigger: JwtTrigger<'_>,
    ) -> Result<SessionToken, HookError> {
        match trigger {
            JwtTrigger::SignIn { .. } => {
                token.extra.insert("role".into(), json!("reader"));
            }
            JwtTrigger::Update { data } => {
                token.extra.insert("role".into(), data["role"].clone());
            }
            _ => {}
        }
        Ok(token)
    }
    async fn session(&self, mut session: Value, token: &SessionToken) -> Value {
        session["role"] = token.extra["role"].clone();
        session
    }
    // The boxed-future form still works.
    #[allow(refining_impl_trait)]
    fn event<'a>(&'a self, _event: Event<'a>) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async { Err("the analytics service is down".into()) })
    }
}

#[tokio::test]
async fn hooks_decide_shape_and_never_break_sign_in_through_events() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, Some(Box::new(|b| b.hooks(AppHooks)))).await;
    // Allowed; jwt adds a claim; session shows it; a failing event hook changes nothing.
    let value = sign_in(&app, &idp).await;
    let cookie = format!("{}={value}", app.hallpass.session_cookie_name());
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["role"], "reader");
    // Update through POST session (CSRF required, bound to this session), trigger "update".
    let (csrf_cookie, token) = csrf_for(&app, &cookie).await;
    let res = app
        .client
        .post(app.at("/api/auth/session"))
        .header("cookie", format!("{cookie}; {csrf_cookie}"))
        .json(&json!({"csrfToken": token, "data": {"role": "editor"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let renewed = session_value(&app, res.headers()).unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["role"], "editor");
    assert_eq!(
        app.hallpass.decode_session(&renewed).unwrap().extra["role"],
        "editor"
    );

    // Denied → AccessDenied; redirected → the hook's same-origin target, no session either way.
    for (email, expect) in [
        ("mallory@example.com", "AccessDenied"),
        ("redirect@example.com", "/waitlist"),
    ] {
        idp.set_behaviour(|b| {
            b.user_claims.insert("email".into(), json!(email));
            b.userinfo_claims.insert("email".into(), json!(email));
        });
        let (url, jar) = start(&app, "").await;
        let cb = idp.approve(&url);
        let res = callback(&app, &query(&cb), &jar).await;
        let loc = res.headers()["location"].to_str().unwrap().to_string();
        assert!(loc.contains(expect), "{email}: {loc}");
        assert!(session_value(&app, res.headers()).is_none());
    }
}

#[tokio::test]
async fn access_tokens_refresh_once_for_concurrent_requests() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| b.expires_in = 30); // inside the refresh margin at once
    let app = app_for(&idp, None).await;
    let value = sign_in(&app, &idp).await;
    let before = app.hallpass.decode_session(&value).unwrap();
    let old = before.tokens.clone().unwrap();
    idp.set_behaviour(|b| b.expires_in = 3600);
    let requests_before = idp.token_requests();
    let cookie = format!("{}={value}", app.hallpass.session_cookie_name());
    let responses = futures_join(&app, &cookie, 6).await;
    assert_eq!(
        idp.token_requests(),
        requests_before + 1,
        "one refresh for six concurrent requests"
    );
    let mut renewed = Vec::new();
    for headers in &responses {
        let v = session_value(&app, headers).expect("each response carries the refreshed session");
        renewed.push(app.hallpass.decode_session(&v).unwrap());
    }
    let new = renewed[0].tokens.clone().unwrap();
    assert_ne!(new.access_token.expose(), old.access_token.expose());
    assert!(new.expires_at > old.expires_at);
    assert_eq!(
        new.refresh_token.as_ref().unwrap().expose(),
        old.refresh_token.as_ref().unwrap().expose(),
        "Cognito returns no new refresh token: the old one is kept"
    );
    for t in &renewed {
        assert_eq!(
            t.tokens.as_ref().unwrap().access_token.expose(),
            new.access_token.expose()
        );
    }
}

async fn futures_join(app: &TestApp, cookie: &str, n: usize) -> Vec<HeaderMap> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let client = app.client.clone();
        let url = app.at("/api/me");
        let cookie = cookie.to_string();
        handles.push(tokio::spawn(async move {
            let res = client
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.headers().clone()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_dead_refresh_token_ends_the_session_once() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| b.expires_in = 30);
    let app = app_for(&idp, None).await;
    let value = sign_in(&app, &idp).await;
    idp.set_behaviour(|b| b.refresh = Refresh::InvalidGrant);
    let cookie = format!("{}={value}", app.hallpass.session_cookie_name());
    let res = app
        .client
        .get(app.at("/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a dead refresh token is signed out");
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let cleared = set_cookies(res.headers());
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"error": "RefreshAccessTokenError"})
    );
    assert!(
        cleared.iter().any(|c| c.contains("Max-Age=0")),
        "the cookie is cleared: {cleared:?}"
    );
    // With the cleared cookie the browser is simply signed out: no loop.
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!({}));
}

#[tokio::test]
async fn sign_out_ends_the_provider_session_and_revokes() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await;
    let value = sign_in(&app, &idp).await;
    let refresh = app
        .hallpass
        .decode_session(&value)
        .unwrap()
        .tokens
        .unwrap()
        .refresh_token
        .unwrap();
    assert!(idp.refresh_token_valid(refresh.expose()));
    let session = format!("{}={value}", app.hallpass.session_cookie_name());
    let (csrf_cookie, token) = csrf_for(&app, &session).await;
    let res = app
        .client
        .post(app.at("/api/auth/signout"))
        .header(
            "cookie",
            format!(
                "{}={value}; {csrf_cookie}",
                app.hallpass.session_cookie_name()
            ),
        )
        .form(&[("csrfToken", token.as_str()), ("callbackUrl", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let loc = Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(loc.path(), "/logout");
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], mock_idp::CLIENT_ID);
    assert_eq!(q["logout_uri"], app.at("/"));
    assert!(
        !idp.refresh_token_valid(refresh.expose()),
        "the refresh token was revoked"
    );
    assert!(set_cookies(res.headers())
        .iter()
        .any(|c| c.starts_with("hallpass.session-token=;")));
}

#[tokio::test]
async fn a_cold_jwks_cache_fetches_once_for_a_rotated_key() {
    let idp = MockIdp::start().await;
    idp.set_behaviour(|b| {
        b.signing = Signing::Rotated;
        b.published = vec![Published::Primary, Published::Rotated];
    });
    let app = app_for(&idp, None).await;
    // A kid unknown to a cold cache is fetched once and then verified.
    sign_in(&app, &idp).await;
    assert_eq!(idp.jwks_hits(), 1);
}
