//! Bad requests at /oauth2/authorize and /oauth2/token: the documented error, nothing broken.

use crate::*;

async fn error_of(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let v: Value = r.json().await.unwrap();
    v["error"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn unknown_client_or_redirect_goes_to_the_error_page() {
    let t = spawn_pool().await;
    let cases = [
        vec![
            ("response_type", "code"),
            ("client_id", "nope"),
            ("redirect_uri", CB),
        ],
        vec![("response_type", "code"), ("redirect_uri", CB)],
        vec![
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", "https://evil.example.com/cb"),
        ],
        // Exact match: the registered URI has a trailing slash, this one does not.
        vec![
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", "https://app.example.com/cb"),
        ],
        vec![("response_type", "code"), ("client_id", CONF)],
        // Another client's callback is not this client's.
        vec![
            ("response_type", "code"),
            ("client_id", SECOND),
            ("redirect_uri", CB),
        ],
    ];
    for q in cases {
        let r = t.authorize(&q).await;
        let to = location(&r);
        assert_eq!(to.path(), "/error", "{q:?}");
        assert_eq!(param(&to, "error").as_deref(), Some("redirect_mismatch"));
        let page = t.http.get(to).send().await.unwrap();
        assert_eq!(page.status(), 400);
        assert!(page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(page.text().await.unwrap().contains("redirect_mismatch"));
    }
    // The registered one with its slash is fine.
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", "https://app.example.com/cb/"),
        ])
        .await;
    assert_eq!(location(&r).path(), "/login");
    // The error page escapes what it echoes.
    let r = t
        .http
        .get(t.url("/error?error=%3Cscript%3Ex"))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(escaped_in(&html, "<script>x"));
}

#[tokio::test]
async fn other_authorize_errors_go_back_to_the_callback() {
    let t = spawn_pool().await;
    let base = [("client_id", CONF), ("redirect_uri", CB), ("state", "st8")];
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[], "invalid_request"),
        (
            &[("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (
            &[
                ("response_type", "code"),
                (
                    "code_challenge",
                    "abcdefghijabcdefghijabcdefghijabcdefghij123",
                ),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (
            &[
                ("response_type", "code"),
                (
                    "code_challenge",
                    "abcdefghijabcdefghijabcdefghijabcdefghij123",
                ),
            ],
            "invalid_request",
        ),
        (
            &[("response_type", "code"), ("scope", "bogus")],
            "invalid_scope",
        ),
        (
            &[("response_type", "code"), ("identity_provider", "Google")],
            "invalid_request",
        ),
    ];
    for (extra, expected) in cases {
        let mut q = base.to_vec();
        q.extend_from_slice(extra);
        let cb = location(&t.authorize(&q).await);
        assert!(cb.as_str().starts_with(CB), "{q:?} → {cb}");
        assert_eq!(param(&cb, "error").as_deref(), Some(expected), "{q:?}");
        assert_eq!(param(&cb, "state").as_deref(), Some("st8"));
    }
}

#[tokio::test]
async fn client_authentication() {
    let t = spawn_pool().await;
    // Wrong secret by Basic and in the body; unknown client; missing secret.
    let code = t.alice_code(&[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
    ];
    assert_eq!(
        error_of(t.token_basic(CONF, "wrong", &form).await).await,
        "invalid_client"
    );
    assert_eq!(
        error_of(t.token_basic("nope", CONF_SECRET, &form).await).await,
        "invalid_client"
    );
    let mut body = form.to_vec();
    body.push(("client_id", CONF));
    assert_eq!(
        error_of(t.token_body(&body).await).await,
        "invalid_client",
        "secret missing"
    );
    body.push(("client_secret", "wrong"));
    assert_eq!(error_of(t.token_body(&body).await).await, "invalid_client");
    // Basic id and body client_id disagree.
    let mut f = form.to_vec();
    f.push(("client_id", PUBLIC));
    assert_eq!(
        error_of(t.token_basic(CONF, CONF_SECRET, &f).await).await,
        "invalid_client"
    );
    // A malformed Authorization header.
    let r = t
        .http
        .post(t.url("/oauth2/token"))
        .header("authorization", "Basic %%%")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, "invalid_client");
    // None of that burned the code: client_secret_post works now.
    let mut body = form.to_vec();
    body.push(("client_id", CONF));
    body.push(("client_secret", CONF_SECRET));
    let r = t.token_body(&body).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn code_misuse_is_invalid_grant() {
    let t = spawn_pool().await;
    let code = t.alice_code(&[]).await;
    let ok = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
    ];
    // Wrong redirect_uri: refused, and (as single-use) the code is spent.
    let wrong = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://app.example.com/cb/"),
    ];
    assert_eq!(
        error_of(t.token_basic(CONF, CONF_SECRET, &wrong).await).await,
        "invalid_grant"
    );
    assert_eq!(
        error_of(t.token_basic(CONF, CONF_SECRET, &ok).await).await,
        "invalid_grant"
    );

    // Reuse.
    let code = t.alice_code(&[]).await;
    let ok = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
    ];
    assert_eq!(t.token_basic(CONF, CONF_SECRET, &ok).await.status(), 200);
    assert_eq!(
        error_of(t.token_basic(CONF, CONF_SECRET, &ok).await).await,
        "invalid_grant"
    );

    // Made up.
    let fake = [
        ("grant_type", "authorization_code"),
        ("code", "00000000-0000-4000-8000-000000000000"),
        ("redirect_uri", CB),
    ];
    assert_eq!(
        error_of(t.token_basic(CONF, CONF_SECRET, &fake).await).await,
        "invalid_grant"
    );

    // Expired: codes live five minutes.
    let code = t.alice_code(&[]).await;
    t.pool()
        .advance_clock(std::time::Duration::from_secs(5 * 60 + 1));
    let ok = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
    ];
    assert_eq!(
        error_of(t.token_basic(CONF, CONF_SECRET, &ok).await).await,
        "invalid_grant"
    );

    // Missing code.
    let r = t
        .token_basic(
            CONF,
            CONF_SECRET,
            &[("grant_type", "authorization_code"), ("redirect_uri", CB)],
        )
        .await;
    assert_eq!(error_of(r).await, "invalid_request");
}

#[tokio::test]
async fn malformed_token_requests() {
    let t = spawn_pool().await;
    assert_eq!(
        error_of(t.token_basic(CONF, CONF_SECRET, &[]).await).await,
        "invalid_request"
    );
    assert_eq!(
        error_of(
            t.token_basic(CONF, CONF_SECRET, &[("grant_type", "password")])
                .await
        )
        .await,
        "unsupported_grant_type"
    );
    // JSON instead of a form.
    let r = t
        .http
        .post(t.url("/oauth2/token"))
        .json(&serde_json::json!({"grant_type": "client_credentials", "client_id": M2M}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, "invalid_request");
    // A repeated parameter.
    let r = t
        .http
        .post(t.url("/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=refresh_token&client_id=x")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, "invalid_request");
    // An oversized body is refused before it is read.
    let big = "a".repeat(100 * 1024);
    let r = t
        .http
        .post(t.url("/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials&x={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // An oversized field.
    let field = "b".repeat(5000);
    let r = t
        .token_basic(
            M2M,
            "m2m-secret",
            &[
                ("grant_type", "client_credentials"),
                ("scope", field.as_str()),
            ],
        )
        .await;
    assert_eq!(error_of(r).await, "invalid_request");
    // Non-UTF-8 and broken percent-encoding.
    let r = t
        .http
        .post(t.url("/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'g', b'=', 0xff, 0xfe, b'%', b'z'])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await, "invalid_request");
    // After all that, the pool still works.
    let r = t
        .token_basic(M2M, "m2m-secret", &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn preflight_allows_any_origin() {
    let t = spawn_pool().await;
    let r = t
        .http
        .request(reqwest::Method::OPTIONS, t.url("/oauth2/token"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

/// Issue 13, finding 4: a replayed code is refused, and the tokens of its first redemption end:
/// the access token no longer reads userInfo and the refresh token no longer refreshes.
#[tokio::test]
async fn a_replayed_code_revokes_its_first_tokens() {
    let t = spawn_pool().await;
    let code = t.alice_code(&[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
    ];
    let first: Value = t
        .token_basic(CONF, CONF_SECRET, &form)
        .await
        .json()
        .await
        .unwrap();
    let access = first["access_token"].as_str().unwrap();
    let refresh = first["refresh_token"].as_str().unwrap();
    assert_eq!(t.userinfo(access).await.status(), 200);

    let replay = t.token_basic(CONF, CONF_SECRET, &form).await;
    assert_eq!(error_of(replay).await, "invalid_grant");

    assert_eq!(t.userinfo(access).await.status(), 401);
    let r = t
        .token_basic(
            CONF,
            CONF_SECRET,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(error_of(r).await, "invalid_grant");
}
