//! Issue 13, finding 6: every hosted-UI form carries an anti-CSRF token bound to the
//! browser, so a form posted from another site (or with another browser's token) is refused
//! with a 403 page and changes nothing.

use crate::*;

const OAUTH: [(&str, &str); 4] = [
    ("response_type", "code"),
    ("client_id", CONF),
    ("redirect_uri", CB),
    ("state", "st"),
];

/// Whether a response sets this pool's hosted-UI session cookie (a sign-in).
fn starts_a_session(r: &reqwest::Response) -> bool {
    r.headers().get_all("set-cookie").iter().any(|v| {
        v.to_str()
            .unwrap_or("")
            .starts_with(&format!("cognito_{POOL}="))
    })
}

/// A login CSRF: an attacker's page auto-submits a form to `/login` with the attacker's
/// credentials. The victim's browser has never seen the pool's pages (or holds only cookies
/// that `SameSite=Lax` keeps off a cross-site POST), so the post carries no token and no
/// cookie.
#[tokio::test]
async fn a_cross_site_login_post_does_not_sign_the_browser_in() {
    let t = spawn_pool().await;
    let mut form: Vec<(&str, &str)> = OAUTH.to_vec();
    form.extend([("username", ALICE), ("password", PASSWORD)]);
    let r = t
        .http
        .post(t.url("/login"))
        .header("origin", "https://evil.example.com")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a cross-site login post was accepted");
    assert!(!starts_a_session(&r), "no session cookie");
    assert!(
        r.headers().get("location").is_none(),
        "no redirect, no code"
    );
    // The browser is still signed out: authorize shows the form.
    let r = t.authorize(&OAUTH).await;
    assert_eq!(location(&r).path(), "/login");
}

/// A browser that has seen the pool's pages, posting with another browser's token (or none),
/// gets the 403 page, and nothing is done: no user, no code in the outbox, no sign-in.
#[tokio::test]
async fn another_browsers_token_or_none_is_refused_and_changes_nothing() {
    let t = spawn_pool().await;
    let attacker = browser();
    let page = attacker
        .get(t.url("/signup"))
        .query(&OAUTH)
        .send()
        .await
        .unwrap();
    let attackers_token = csrf_field(&page.text().await.unwrap());
    // The victim has the pool's cookie (it visited a page), but not this token.
    let victim = &t.http;
    let page = victim
        .get(t.url("/login"))
        .query(&OAUTH)
        .send()
        .await
        .unwrap();
    let victims_token = csrf_field(&page.text().await.unwrap());
    assert_ne!(victims_token, attackers_token, "a token per browser");

    let outbox_before = t.pool().outbox_messages().len();
    let cases: [(&str, Vec<(&str, &str)>); 6] = [
        ("/login", vec![("username", ALICE), ("password", PASSWORD)]),
        (
            "/signup",
            vec![("username", "new@example.com"), ("password", "Str0ng!pass")],
        ),
        (
            "/confirmUser",
            vec![("username", "bob@example.com"), ("code", "123456")],
        ),
        ("/forgotPassword", vec![("username", ALICE)]),
        (
            "/confirmForgotPassword",
            vec![
                ("username", ALICE),
                ("code", "123456"),
                ("password", "N3w!password"),
            ],
        ),
        ("/mfa", vec![("code", "123456")]),
    ];
    for (path, fields) in cases {
        for token in [Some(attackers_token.as_str()), Some(""), None] {
            let mut form: Vec<(&str, &str)> = OAUTH.to_vec();
            form.extend(fields.iter().copied());
            if let Some(token) = token {
                form.push(("_csrf", token));
            }
            let r = victim.post(t.url(path)).form(&form).send().await.unwrap();
            assert_eq!(r.status(), 403, "{path} with {token:?}");
            assert!(!starts_a_session(&r), "{path}");
            let html = r.text().await.unwrap();
            assert!(html.contains("security token"), "{path}: the 403 page");
            // The way back: the same form, fetched again (the OAuth parameters escaped).
            assert!(
                html.contains(&format!(r#"href="{path}?client_id={CONF}&"#)),
                "{path}: {html}"
            );
        }
    }
    assert_eq!(
        t.pool().outbox_messages().len(),
        outbox_before,
        "nothing sent"
    );
    let list = t.pool().list().await.unwrap();
    let users = &list.iter().find(|p| p.id == POOL).unwrap().users;
    assert!(
        users.iter().all(|u| u.email != "new@example.com"),
        "no user made"
    );
    assert_eq!(
        location(&t.authorize(&OAUTH).await).path(),
        "/login",
        "not signed in"
    );
    // The victim's own token still works.
    let mut form: Vec<(&str, &str)> = OAUTH.to_vec();
    form.extend([
        ("username", ALICE),
        ("password", PASSWORD),
        ("_csrf", &victims_token),
    ]);
    let r = victim
        .post(t.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(param(&location(&r), "code").is_some());
}

/// The token is one per browser: every page gives the same one, and a new browser's first
/// page sets it (`HttpOnly`, `SameSite=Lax`, for the pool's path).
#[tokio::test]
async fn every_form_carries_the_browsers_token() {
    let t = spawn_pool().await;
    let mut tokens = vec![];
    for path in [
        "/login",
        "/signup",
        "/confirmUser",
        "/forgotPassword",
        "/confirmForgotPassword",
    ] {
        let r = t.http.get(t.url(path)).query(&OAUTH).send().await.unwrap();
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let html = r.text().await.unwrap();
        let forms = html.matches("<form").count();
        assert_eq!(html.matches(r#"name="_csrf""#).count(), forms, "{path}");
        tokens.push(csrf_field(&html));
        if path == "/login" {
            let c = &cookies[0];
            assert!(c.starts_with("XSRF-TOKEN="), "{c}");
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"),
                "{c}"
            );
        } else {
            assert!(
                cookies.is_empty(),
                "{path}: the cookie is set once: {cookies:?}"
            );
        }
    }
    assert!(tokens.iter().all(|tk| *tk == tokens[0] && tk.len() >= 43));
}
