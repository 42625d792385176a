//! Review findings 5, 6, 8, 9 and 11 of issue 13, each attacked over HTTP as the review did: CSRF
//! pairs bound to the session, login CSRF with planted attempt cookies, forged log lines, attacker
//! text on the error page, and two sign-ins in two tabs.

use hallpass::{Config, SessionToken};
use serde_json::{json, Value};
use url::Url;

use crate::flow::{app_for, csrf, csrf_for, live_cookies, query, session_value, set_cookies};
use crate::support::app::{spawn_app, TestApp};
use crate::support::logs;
use crate::support::mock_idp::MockIdp;

/// The debug header (its literal name, so that the test also compiles against older code).
const CAUSE: &str = "x-hallpass-debug-cause";

fn session_of(app: &TestApp, sub: &str) -> String {
    let now = hallpass::clock::Clock::now(&app.clock);
    let token = SessionToken {
        sub: Some(sub.into()),
        name: Some(sub.into()),
        iat: now,
        exp: now + 3600,
        jti: sub.into(),
        ..Default::default()
    };
    format!(
        "{}={}",
        app.hallpass.session_cookie_name(),
        app.hallpass.encode_session(&token)
    )
}

async fn sign_out(app: &TestApp, cookies: &str, token: &str) -> reqwest::Response {
    app.client
        .post(app.at("/api/auth/signout"))
        .header("cookie", cookies)
        .form(&[("csrfToken", token), ("callbackUrl", "/bye")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_csrf_pair_made_for_another_session_does_not_sign_a_victim_out() {
    let app = spawn_app().await;
    let victim = session_of(&app, "victim");
    // An anonymous pair, and a pair the attacker made with their own session.
    let anonymous = csrf(&app).await;
    let attackers = csrf_for(&app, &session_of(&app, "attacker")).await;
    for (cookie, token) in [anonymous, attackers] {
        let res = sign_out(&app, &format!("{victim}; {cookie}"), &token).await;
        assert_eq!(
            res.headers()["location"],
            app.at("/api/auth/signout?csrf=true").as_str()
        );
        assert!(set_cookies(res.headers()).is_empty(), "the session stays");
    }
    // The victim's own pair works.
    let (cookie, token) = csrf_for(&app, &victim).await;
    let res = sign_out(&app, &format!("{victim}; {cookie}"), &token).await;
    assert_eq!(res.headers()["location"], app.at("/bye").as_str());
}

#[tokio::test]
async fn post_session_takes_json_or_a_form_and_refuses_text_plain() {
    let app = spawn_app().await;
    let victim = session_of(&app, "victim");
    let (cookie, token) = csrf_for(&app, &victim).await;
    let body = json!({ "csrfToken": token, "data": { "role": "admin" } }).to_string();
    let post = |content_type: &'static str| {
        app.client
            .post(app.at("/api/auth/session"))
            .header("cookie", format!("{victim}; {cookie}"))
            .header("content-type", content_type)
            .body(body.clone())
            .send()
    };
    let res = post("text/plain;charset=UTF-8").await.unwrap();
    assert_eq!(res.status(), 415);
    assert!(set_cookies(res.headers()).is_empty(), "nothing re-issued");
    let res = post("application/json").await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["user"].is_object());
}

#[tokio::test]
async fn https_sites_use_host_prefixed_cookies_and_compat_keeps_next_auth_names() {
    let idp = MockIdp::start().await;
    let config = Config::builder()
        .url("https://app.example.com")
        .secret(crate::support::app::SECRET)
        .build()
        .unwrap();
    let auth = hallpass::Hallpass::builder(config)
        .provider(idp.cognito().build().unwrap())
        .build()
        .unwrap();
    assert_eq!(auth.session_cookie_name(), "__Host-hallpass.session-token");
    assert_eq!(auth.csrf_cookie_name(), "__Host-hallpass.csrf-token");
    let names = crate::support::oneshot::sign_in_start_cookies(&auth).await;
    assert!(!names.is_empty());
    for set in names {
        assert!(set.starts_with("__Host-hallpass.check."), "{set}");
        assert!(set.contains("Secure") && set.contains("Path=/") && !set.contains("Domain"));
    }
    let compat = Config::builder()
        .url("https://app.example.com")
        .secret(crate::support::app::SECRET)
        .compat(hallpass::Compat::NextAuthV4)
        .build()
        .unwrap();
    let compat = hallpass::Hallpass::builder(compat).build().unwrap();
    assert_eq!(
        compat.session_cookie_name(),
        "__Secure-next-auth.session-token"
    );
}

/// A browser: the `name=value` cookies it holds.
#[derive(Default, Clone)]
struct Jar(Vec<String>);

impl Jar {
    fn header(&self) -> String {
        self.0.join("; ")
    }

    /// Applies a response's `Set-Cookie`s: live ones replace by name, expirations remove.
    fn update(&mut self, res: &reqwest::Response) {
        for set in set_cookies(res.headers()) {
            let pair = set.split(';').next().unwrap().to_string();
            let name = pair.split('=').next().unwrap().to_string();
            self.0.retain(|c| !c.starts_with(&format!("{name}=")));
            if !set.contains("Max-Age=0") {
                self.0.push(pair);
            }
        }
    }
}

/// A browser starts a sign-in (fetching a CSRF token first); returns the authorize URL.
async fn start_in(app: &TestApp, jar: &mut Jar) -> Url {
    let res = app
        .client
        .get(app.at("/api/auth/csrf"))
        .header("cookie", jar.header())
        .send()
        .await
        .unwrap();
    jar.update(&res);
    let token = res.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .post(app.at("/api/auth/signin/cognito"))
        .header("cookie", jar.header())
        .form(&[("csrfToken", token.as_str()), ("callbackUrl", "/protected")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    jar.update(&res);
    Url::parse(res.headers()["location"].to_str().unwrap()).unwrap()
}

async fn callback_in(app: &TestApp, jar: &mut Jar, query: &str) -> reqwest::Response {
    let res = app
        .client
        .get(app.at(&format!("/api/auth/callback/cognito?{query}")))
        .header("cookie", jar.header())
        .send()
        .await
        .unwrap();
    jar.update(&res);
    res
}

#[tokio::test]
async fn a_planted_sign_in_attempt_does_not_sign_the_victim_into_the_attackers_account() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await;
    // The attacker starts a sign-in in their own browser and stops at the callback URL.
    let mut attacker = Jar::default();
    let url = start_in(&app, &mut attacker).await;
    let cb = idp.approve(&url);
    let planted: Vec<String> = attacker
        .0
        .iter()
        .filter(|c| !c.contains("csrf-token"))
        .cloned()
        .collect();
    assert!(!planted.is_empty());
    // The victim's browser, with its own CSRF cookie, and without any: the planted attempt and the
    // attacker's callback URL sign nobody in.
    let (victims_csrf, _) = csrf(&app).await;
    for own in [vec![victims_csrf], vec![]] {
        let mut victim = Jar([own, planted.clone()].concat());
        let res = callback_in(&app, &mut victim, &query(&cb)).await;
        assert!(session_value(&app, res.headers()).is_none(), "signed in!");
        let cause = res.headers()[CAUSE].to_str().unwrap().to_string();
        assert!(cause.contains("another browser"), "{cause}");
    }
    assert_eq!(idp.token_requests(), 0, "the code was never redeemed");
    // The attacker's own browser still completes it: the binding is to the browser, nothing else.
    let res = callback_in(&app, &mut attacker, &query(&cb)).await;
    assert!(session_value(&app, res.headers()).is_some());
}

#[tokio::test]
async fn two_tabs_sign_in_independently_and_a_failed_callback_spoils_only_its_own() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await;
    let mut browser = Jar::default();
    let first = start_in(&app, &mut browser).await;
    let second = start_in(&app, &mut browser).await;
    // Tab one comes back with an error: refused, and tab two's attempt is untouched.
    let state = |u: &Url| {
        u.query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned()
    };
    let q = serde_urlencoded::to_string([("error", "access_denied"), ("state", &state(&first))])
        .unwrap();
    let before = browser.0.len();
    let res = callback_in(&app, &mut browser, &q).await;
    assert!(session_value(&app, res.headers()).is_none());
    assert_eq!(
        set_cookies(res.headers()).len(),
        1,
        "only its own attempt expires"
    );
    assert_eq!(browser.0.len(), before - 1);
    // Tab two completes.
    let cb = idp.approve(&second);
    let res = callback_in(&app, &mut browser, &query(&cb)).await;
    assert_eq!(res.headers()["location"], app.at("/protected").as_str());
    assert!(session_value(&app, res.headers()).is_some());
    // A third and later tabs: the browser never holds more than a handful of attempts.
    for _ in 0..8 {
        start_in(&app, &mut browser).await;
    }
    let attempts = browser.0.iter().filter(|c| c.contains(".check.")).count();
    assert!((1..=5).contains(&attempts), "{attempts} attempts kept");
}

#[tokio::test]
async fn request_text_cannot_forge_log_lines() {
    let captured = logs::capture();
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await;
    // The provider id from the path, then the IdP's error parameter, each carrying a newline.
    let res = app
        .client
        .get(app.at("/api/auth/callback/x%0aERROR%20forged-by-path%0a?code=c&state=s"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let mut browser = Jar::default();
    let url = start_in(&app, &mut browser).await;
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let q = serde_urlencoded::to_string([
        ("error", "x\r\nERROR forged-by-error"),
        ("error_description", "y\nERROR forged-by-description"),
        ("state", &state),
    ])
    .unwrap();
    let res = callback_in(&app, &mut browser, &q).await;
    assert_eq!(res.status(), 302);
    for marker in ["forged-by-path", "forged-by-error", "forged-by-description"] {
        let lines = captured.lines_containing(marker);
        assert!(!lines.is_empty(), "{marker} logged");
        for line in lines {
            assert!(line.contains("sign-in failed"), "a forged line: {line:?}");
        }
    }
}

#[tokio::test]
async fn the_error_page_never_shows_a_cause_from_the_url() {
    let idp = MockIdp::start().await;
    let app = app_for(&idp, None).await; // debug mode on
    let res =
        app.client
            .get(app.at(
                "/api/auth/error?error=OAuthCallback&cause=Call%20ATTACKER-TEXT%20at%20%2B1-555",
            ))
            .send()
            .await
            .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("Unable to sign in"));
    assert!(!html.contains("ATTACKER-TEXT"), "{html}");
    // A refused callback puts no cause in the URL either; the developer gets the header.
    let res = callback_in(&app, &mut Jar::default(), "code=c&state=s").await;
    let loc = res.headers()["location"].to_str().unwrap();
    assert!(!loc.contains("cause"), "{loc}");
    assert!(res.headers()[CAUSE].to_str().unwrap().contains("missing"));
    let _ = live_cookies(res.headers());
}

#[tokio::test]
async fn site_pages_forbid_framing_and_sniffing_and_built_in_pages_keep_their_stricter_policy() {
    let app = spawn_app().await; // its router ends in `.layer(SecurityHeaders::new())`
    for path in ["/", "/maybe", "/protected"] {
        let res = app.client.get(app.at(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(
            h["content-security-policy"], "frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    }
    let res = app
        .client
        .get(app.at("/api/auth/signin"))
        .send()
        .await
        .unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(
        res.headers()
            .get_all("content-security-policy")
            .iter()
            .count(),
        1
    );
}

#[tokio::test]
async fn security_headers_are_configurable() {
    use axum::routing::get;
    use tower::ServiceExt;
    let app = axum::Router::new().route("/", get(|| async { "x" })).layer(
        hallpass::SecurityHeaders::new()
            .frame_ancestors("'self'")
            .nosniff(false),
    );
    let res = app
        .oneshot(
            http::Request::get("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let h = res.headers();
    assert_eq!(h["content-security-policy"], "frame-ancestors 'self'");
    assert_eq!(h["x-frame-options"], "SAMEORIGIN");
    assert!(h.get("x-content-type-options").is_none());
}
