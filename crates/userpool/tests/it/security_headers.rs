//! Issue 25, item 12 (pool part): every response carries the pool's security headers, not only
//! the hosted-UI pages: the 404 of an unknown path, the redirects of the sign-in, the API.

use crate::*;

fn assert_security_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    assert_eq!(
        h.get("x-frame-options").map(|v| v.to_str().unwrap()),
        Some("DENY"),
        "{what}: X-Frame-Options"
    );
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}: X-Content-Type-Options"
    );
    let csp = h
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: Content-Security-Policy {csp:?}"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let t = spawn_pool().await;
    let r = t.http.get(t.url("/no-such-page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_security_headers(&r, "404");

    // The sign-in's redirect to the callback.
    let r = t
        .login_with(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
                ("scope", "openid"),
                ("state", "s"),
            ],
            ALICE,
            PASSWORD,
        )
        .await;
    assert_eq!(r.status(), 302);
    assert_security_headers(&r, "the /login redirect");

    // The authorize endpoint's redirect to /login, and the JSON API.
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", CB),
            ("prompt", "login"),
        ])
        .await;
    assert_eq!(r.status(), 302);
    assert_security_headers(&r, "the /oauth2/authorize redirect");
    let r = t
        .http
        .post(t.url("/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.Nope")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_security_headers(&r, "the JSON API");
}
