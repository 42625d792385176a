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
    r.headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap_or("").starts_with(&format!("cognito_{POOL}=")))
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
    assert!(r.headers().get("location").is_none(), "no redirect, no code");
    // The browser is still signed out: authorize shows the form.
    let r = t.authorize(&OAUTH).await;
    assert_eq!(location(&r).path(), "/login");
}
