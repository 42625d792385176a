//! The core over HTTP: endpoints, cookies, CSRF, guards, bad input.

use hallpass::{Config, SessionToken};
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::support::app::{spawn_app, spawn_app_with, TestApp, SECRET};

fn jane(groups: &[&str]) -> SessionToken {
    SessionToken {
        sub: Some("sub-jane".into()),
        name: Some("Jane Doe".into()),
        email: Some("jane@example.com".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: hallpass_now(),
        exp: hallpass_now() + 3600,
        jti: "j".into(),
        ..Default::default()
    }
}

fn hallpass_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn session_cookie(app: &TestApp, token: &SessionToken) -> String {
    format!(
        "{}={}",
        app.hallpass.session_cookie_name(),
        app.hallpass.encode_session(token)
    )
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

async fn csrf(app: &TestApp) -> (String, String) {
    let res = app
        .client
        .get(app.at("/api/auth/csrf"))
        .send()
        .await
        .unwrap();
    let cookie = set_cookies(res.headers())[0]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body: Value = res.json().await.unwrap();
    (body["csrfToken"].as_str().unwrap().to_string(), cookie)
}

#[tokio::test]
async fn csrf_endpoint_sets_a_bound_cookie() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.at("/api/auth/csrf"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookies = set_cookies(res.headers());
    assert_eq!(cookies.len(), 1);
    let c = &cookies[0];
    assert!(c.starts_with("hallpass.csrf-token="), "{c}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(c.contains(flag), "{c} lacks {flag}");
    }
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));
    let body: Value = res.json().await.unwrap();
    let token = body["csrfToken"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    // The form's token is derived from the cookie's and the session's (none here), not a copy.
    assert!(!c.contains(token));
}

#[tokio::test]
async fn state_changing_posts_need_csrf() {
    let app = spawn_app().await;
    let (token, cookie) = csrf(&app).await;
    let cookie_jar = format!("{cookie}; {}", session_cookie(&app, &jane(&[])));
    // No token, wrong token, token without cookie: refused.
    for (form, with_cookie) in [
        (vec![], true),
        (vec![("csrfToken", "0".repeat(64))], true),
        (vec![("csrfToken", token.clone())], false),
    ] {
        let mut req = app.client.post(app.at("/api/auth/signout")).form(&form);
        if with_cookie {
            req = req.header("cookie", &cookie_jar);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 302);
        assert_eq!(
            res.headers()["location"],
            app.at("/api/auth/signout?csrf=true").as_str()
        );
        assert!(
            set_cookies(res.headers()).is_empty(),
            "a refused sign-out clears nothing"
        );
    }
    let res = app
        .client
        .post(app.at("/api/auth/signin/cognito"))
        .form(&[("csrfToken", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        app.at("/api/auth/signin?csrf=true").as_str()
    );
    // json=true answers with the URL instead of a redirect.
    let res = app
        .client
        .post(app.at("/api/auth/signin/cognito"))
        .form(&[("csrfToken", "nope"), ("json", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["url"],
        app.at("/api/auth/signin?csrf=true")
    );
    let res = app
        .client
        .post(app.at("/api/auth/session"))
        .header("cookie", &cookie_jar)
        .json(&serde_json::json!({"data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn sign_out_clears_every_chunk_and_redirects_safely() {
    let app = spawn_app().await;
    let (token, cookie) = csrf(&app).await;
    let name = app.hallpass.session_cookie_name().to_string();
    let jar = format!("{cookie}; {name}.0=a; {name}.1=b");
    let res = app
        .client
        .post(app.at("/api/auth/signout"))
        .header("cookie", jar)
        .form(&[
            ("csrfToken", token.as_str()),
            ("callbackUrl", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], app.at("/").as_str());
    let cookies = set_cookies(res.headers());
    for n in [name.clone(), format!("{name}.0"), format!("{name}.1")] {
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with(&format!("{n}=;")) && c.contains("Max-Age=0")),
            "{n} not expired in {cookies:?}"
        );
    }
}

#[tokio::test]
async fn session_endpoint_shapes_and_rolls() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["cache-control"],
        "private, no-cache, no-store"
    );
    assert_eq!(res.headers()["pragma"], "no-cache");
    assert_eq!(res.headers()["expires"], "0");
    assert_eq!(res.json::<Value>().await.unwrap(), serde_json::json!({}));

    let mut old = jane(&["admin"]);
    old.exp = hallpass_now() + 60; // about to expire: GET session must push it 30 days out
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header("cookie", session_cookie(&app, &old))
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(res.headers());
    assert!(cookies[0].contains("Max-Age=2592000"), "{cookies:?}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["user"],
        serde_json::json!({"name": "Jane Doe", "email": "jane@example.com", "image": null, "groups": ["admin"]})
    );
    let expires = body["expires"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.contains('T'), "{expires}");
    let value = cookies[0]
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1;
    let renewed = app.hallpass.decode_session(value).unwrap();
    assert!(renewed.exp > hallpass_now() + 29 * 24 * 3600);
    assert_ne!(renewed.jti, old.jti);
}

#[tokio::test]
async fn pages_do_not_reencrypt_until_update_age() {
    let app = spawn_app().await;
    let fresh = jane(&[]);
    let res = app
        .client
        .get(app.at("/protected"))
        .header("cookie", session_cookie(&app, &fresh))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        set_cookies(res.headers()).is_empty(),
        "a fresh session costs one decrypt, no write"
    );
    let mut day_old = jane(&[]);
    day_old.iat = hallpass_now() - 25 * 3600;
    let res = app
        .client
        .get(app.at("/protected"))
        .header("cookie", session_cookie(&app, &day_old))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookies = set_cookies(res.headers());
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].starts_with("hallpass.session-token="));
}

#[tokio::test]
async fn big_sessions_are_chunked_and_stale_chunks_expired() {
    let app = spawn_app().await;
    let mut big = jane(&[]);
    big.extra
        .insert("blob".into(), Value::String("x".repeat(5000)));
    let name = app.hallpass.session_cookie_name().to_string();
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header(
            "cookie",
            format!("{}; {name}.2=stale", session_cookie(&app, &big)),
        )
        .send()
        .await
        .unwrap();
    let cookies = set_cookies(res.headers());
    assert!(cookies.iter().any(|c| c.starts_with(&format!("{name}.0="))));
    assert!(cookies.iter().any(|c| c.starts_with(&format!("{name}.1="))));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("{name}=;")) && c.contains("Max-Age=0")),
        "unchunked name expired"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("{name}.2=;")) && c.contains("Max-Age=0")),
        "stale chunk expired"
    );
    for c in &cookies {
        assert!(c.len() <= 4096, "each cookie fits a browser's 4 KiB limit");
    }
    // The chunks, sent back, are the session.
    let jar: Vec<String> = cookies
        .iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap().to_string())
        .collect();
    let res = app
        .client
        .get(app.at("/protected"))
        .header("cookie", jar.join("; "))
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "Protected for Jane Doe");
    // A lost chunk means signed out, not a garbled session.
    let res = app
        .client
        .get(app.at("/api/me"))
        .header("cookie", jar[1].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn guards_redirect_pages_and_refuse_apis() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.at("/protected"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/");
    let res = app.client.get(app.at("/api/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unauthenticated");
    let res = app.client.get(app.at("/maybe")).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "signed out");

    let member = session_cookie(&app, &jane(&["staff"]));
    let res = app
        .client
        .get(app.at("/admin"))
        .header("cookie", &member)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("admin"));
    let res = app
        .client
        .get(app.at("/admin"))
        .header("cookie", &member)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "forbidden");
    let admin = session_cookie(&app, &jane(&["admin"]));
    let res = app
        .client
        .get(app.at("/admin"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "Admin for Jane Doe");
    let res = app
        .client
        .get(app.at("/maybe"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "signed in as Jane Doe");

    // A Bearer session token works like the cookie (getToken's header form).
    let bearer = app.hallpass.encode_session(&jane(&["admin"]));
    let res = app
        .client
        .get(app.at("/api/me"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["sub"], "sub-jane");
}

#[tokio::test]
async fn the_signed_in_extractor_answers_as_the_default_guard_does() {
    let app = spawn_app().await;
    let get = |path: &'static str, html: bool, cookie: Option<String>| {
        let mut req = app.client.get(app.at(path));
        if html {
            req = req.header("accept", "text/html");
        }
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    for html in [true, false] {
        let guarded = get("/protected", html, None).await.unwrap();
        let extracted = get("/signed-in", html, None).await.unwrap();
        assert_eq!(extracted.status(), guarded.status(), "html: {html}");
        assert_eq!(
            extracted.headers().get("location"),
            guarded.headers().get("location")
        );
        assert_eq!(
            extracted.text().await.unwrap(),
            guarded.text().await.unwrap()
        );
    }
    assert_eq!(get("/signed-in", true, None).await.unwrap().status(), 302);
    let cookie = session_cookie(&app, &jane(&[]));
    let res = get("/signed-in", true, Some(cookie)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "Protected for Jane Doe");
}

#[tokio::test]
async fn guard_can_send_to_the_sign_in_page_with_a_callback() {
    let app = spawn_app_with(
        Config::builder()
            .secret(SECRET)
            .unauthenticated(hallpass::Unauthenticated::SignIn),
        vec![],
        None,
    )
    .await;
    let res = app
        .client
        .get(app.at("/protected?x=1"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        "/api/auth/signin?callbackUrl=%2Fprotected%3Fx%3D1"
    );
}

#[tokio::test]
async fn bad_session_input_means_signed_out_never_500() {
    let app = spawn_app().await;
    let good = app.hallpass.encode_session(&jane(&["admin"]));
    let other = spawn_app_with(
        Config::builder().secret("another-secret-another-secret-0123"),
        vec![],
        None,
    )
    .await;
    let foreign = other.hallpass.encode_session(&jane(&["admin"]));
    let mut expired = jane(&["admin"]);
    expired.exp = hallpass_now() - 60;
    let expired = app.hallpass.encode_session(&expired);
    let mut tampered = good.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).unwrap();
    let name = app.hallpass.session_cookie_name();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", format!("{name}=garbage").into_bytes()),
        (
            "truncated",
            format!("{name}={}", &good[..good.len() - 10]).into_bytes(),
        ),
        ("tampered", format!("{name}={tampered}").into_bytes()),
        ("foreign secret", format!("{name}={foreign}").into_bytes()),
        ("expired", format!("{name}={expired}").into_bytes()),
        ("five dots", format!("{name}=....").into_bytes()),
        ("empty", format!("{name}=").into_bytes()),
        (
            "non-utf8",
            [format!("{name}=").into_bytes(), vec![0xff, 0xfe]].concat(),
        ),
        (
            "chunk gap",
            format!("{name}.0={}; {name}.2=x", &good[..100]).into_bytes(),
        ),
        (
            "huge",
            format!("{name}={}", "A".repeat(60_000)).into_bytes(),
        ),
    ];
    for (what, cookie) in cases {
        let res = app
            .client
            .get(app.at("/api/me"))
            .header(
                "cookie",
                reqwest::header::HeaderValue::from_bytes(&cookie).unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{what}");
        let res = app
            .client
            .get(app.at("/api/auth/session"))
            .header(
                "cookie",
                reqwest::header::HeaderValue::from_bytes(&cookie).unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{what}");
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            serde_json::json!({}),
            "{what}"
        );
    }
    // A cached session does not vouch for a tampered copy that keeps its IV and tag.
    let res = app
        .client
        .get(app.at("/api/me"))
        .header("cookie", format!("{name}={good}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "the good cookie, now in the decode cache"
    );
    assert_eq!(
        good.rsplit('.').next(),
        tampered.rsplit('.').next(),
        "same tag"
    );
    let res = app
        .client
        .get(app.at("/api/me"))
        .header("cookie", format!("{name}={tampered}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Repeated cookie: the first one counts; a bad first one is not rescued by a good second one.
    let res = app
        .client
        .get(app.at("/api/me"))
        .header("cookie", format!("{name}=bad; {name}={good}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    for header in [
        "Bearer %",
        "Bearer",
        "Basic Zm9vOmJhcg==",
        "Bearer a b c",
        "bearer ......",
    ] {
        let res = app
            .client
            .get(app.at("/api/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{header}");
    }
}

#[tokio::test]
async fn endpoints_answer_with_nextauth_status_codes() {
    let app = spawn_app().await;
    for (code, status) in [
        ("Configuration", 500),
        ("AccessDenied", 403),
        ("Verification", 403),
        ("OAuthCallback", 200),
        ("<script>", 200),
    ] {
        let res = app
            .client
            .get(app.at(&format!("/api/auth/error?error={code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{code}");
        let html = res.text().await.unwrap();
        assert!(!html.contains("<script>"), "nothing is echoed raw");
    }
    // No such endpoint: Hallpass's own 404, JSON for an API client, a page for a browser.
    let res = app
        .client
        .get(app.at("/api/auth/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "NotFound");
    let res = app
        .client
        .get(app.at("/api/auth/nope%3Cb%3E"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Page not found") && html.contains("<main>"),
        "{html}"
    );
    assert!(!html.contains("nope"), "the path is not echoed");
    let res = app
        .client
        .get(app.at("/api/auth/signin/cognito"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405, "a GET where POST is required");
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "MethodNotAllowed"
    );
    let res = app
        .client
        .get(app.at("/api/auth/signin/unknown"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.text().await.unwrap().contains("Use the sign-in page"));
    let res = app
        .client
        .get(app.at("/api/auth/providers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), serde_json::json!({}));
    let res = app
        .client
        .post(app.at("/api/auth/signin/nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "no CSRF: back to the sign-in page");
    let (token, cookie) = csrf(&app).await;
    let res = app
        .client
        .post(app.at("/api/auth/signin/nobody"))
        .header("cookie", &cookie)
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let loc = res.headers()["location"].to_str().unwrap();
    assert!(
        loc.starts_with(&app.at("/api/auth/error?error=Configuration")),
        "{loc}"
    );
    let res = app
        .client
        .post(app.at("/api/auth/session"))
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app
        .client
        .post(app.at("/api/auth/signout"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "oversized bodies are refused");
}

#[tokio::test]
async fn sign_in_and_sign_out_pages_render_forms() {
    // Discovery is lazy: listing a provider needs no network.
    let provider = hallpass::provider::OAuthProvider::new(
        hallpass::provider::OAuthConfig::new(
            "corp",
            url::Url::parse("https://idp.example/").unwrap(),
            "client",
        )
        .name("Corp <SSO>"),
    )
    .unwrap();
    let app = spawn_app_with(
        Config::builder().secret(SECRET),
        vec![provider.into()],
        None,
    )
    .await;
    let res = app
        .client
        .get(app.at("/api/auth/providers"))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["corp"]["signinUrl"], app.at("/api/auth/signin/corp"));
    assert_eq!(
        body["corp"]["callbackUrl"],
        app.at("/api/auth/callback/corp")
    );
    assert_eq!(body["corp"]["type"], "oidc");
    let res = app
        .client
        .get(app.at("/api/auth/signin?callbackUrl=%2Fprotected&error=OAuthCallback"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookies = set_cookies(res.headers());
    assert!(cookies[0].starts_with("hallpass.csrf-token="));
    let html = res.text().await.unwrap();
    assert!(html.contains("name=\"csrfToken\""));
    assert!(
        html.contains(&format!("value=\"{}/protected\"", app.url)),
        "{html}"
    );
    assert!(html.contains("role=\"alert\""));
    assert!(
        html.contains("Sign in with Corp &#60;SSO&#62;")
            || html.contains("Sign in with Corp &lt;SSO&gt;"),
        "{html}"
    );
    assert!(html.contains(&format!("action=\"{}/api/auth/signin/corp\"", app.url)));
    let res = app
        .client
        .get(app.at("/api/auth/signout"))
        .send()
        .await
        .unwrap();
    // Nobody is signed in: nothing to confirm, a way back instead.
    let html = res.text().await.unwrap();
    assert!(html.contains("You are signed out"), "{html}");
    assert!(!html.contains("Are you sure"), "{html}");
    assert!(!html.contains(&format!("action=\"{}/api/auth/signout\"", app.url)));
}

#[tokio::test]
async fn every_open_redirect_payload_ends_on_the_site() {
    let app = spawn_app().await;
    let (token, cookie) = csrf(&app).await;
    let corpus = include_str!("../fixtures/openredirects.txt");
    let origin = url::Url::parse(&app.url).unwrap();
    let mut n = 0;
    for line in corpus.lines() {
        n += 1;
        // Unit level: the checker itself.
        let target = hallpass::redirect::callback_url(line, &origin);
        let parsed = url::Url::parse(&target).unwrap();
        assert_eq!(parsed.origin(), origin.origin(), "{line:?} -> {target}");
        // Over HTTP: as a sign-out callbackUrl.
        let res = app
            .client
            .post(app.at("/api/auth/signout"))
            .header("cookie", &cookie)
            .form(&[("csrfToken", token.as_str()), ("callbackUrl", line)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302, "{line:?}");
        let loc = res.headers()["location"].to_str().unwrap();
        let parsed = url::Url::parse(loc).unwrap();
        assert_eq!(parsed.origin(), origin.origin(), "{line:?} -> {loc}");
        assert!(parsed.username().is_empty() && parsed.password().is_none());
    }
    assert!(n >= 558, "the whole corpus ran ({n} lines)");
}

/// Security review finding 7: the built-in pages could be framed (clickjacking) and sniffed.
#[tokio::test]
async fn built_in_pages_refuse_framing_scripts_and_sniffing() {
    let app = spawn_app().await;
    for path in [
        "/api/auth/signin",
        "/api/auth/signout",
        "/api/auth/error?error=AccessDenied",
    ] {
        let res = app.client.get(app.at(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{path}: {csp}"
        );
    }
}
