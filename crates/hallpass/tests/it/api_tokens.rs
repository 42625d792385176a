//! Cognito access tokens in `Authorization: Bearer` (issue 29), against a real local pool: a
//! user's token from the JSON API, a machine's from `/oauth2/token`, scope and group guards with
//! RFC 6750 answers, a sign-out here revoking the session's token, a key rotation, expiry.

use std::time::Duration;

use hallpass::{AccessTokenVerifier, TokenError};
use userpool::{DEMO_POOL_ID, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::api::{
    app, call, machine_token, pool, site_sign_in, site_sign_in_with, site_sign_out, user_tokens,
    BROWSER_APP, MACHINE, REPORTS,
};
use crate::support::cognito::{Browser, KeepTokens};

#[tokio::test]
async fn a_user_token_and_a_machine_token_are_accepted_and_told_apart() {
    let pool = pool(None).await;
    let app = app(&pool, KeepTokens::default()).await;
    let user = user_tokens(&pool, BROWSER_APP, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    let user_at = user["AccessToken"].as_str().expect("signed in");
    let (status, _, me) = call(&app, "GET", "/api/me", user_at).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["machine"], false);
    assert_eq!(me["client_id"], BROWSER_APP);
    assert!(me["username"].is_string());
    let (_, _, who) = call(&app, "GET", "/api/who", user_at).await;
    assert_eq!(who["kind"], "user");

    let (status, body) = machine_token(&pool, MACHINE, None).await;
    assert_eq!(status, 200, "{body}");
    let machine_at = body["access_token"].as_str().unwrap();
    let (status, _, me) = call(&app, "GET", "/api/me", machine_at).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["machine"], true);
    assert_eq!(me["client_id"], MACHINE);
    assert_eq!(
        me["scopes"],
        serde_json::json!(["orders/read", "orders/write"])
    );
    let (_, _, who) = call(&app, "GET", "/api/who", machine_at).await;
    assert_eq!(
        (who["kind"].as_str(), who["client"].as_str()),
        (Some("machine"), Some(MACHINE))
    );

    // A second call is answered from the cache: the same answer.
    let (status, _, _) = call(&app, "GET", "/api/me", machine_at).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn scope_and_group_guards_answer_as_rfc_6750_says() {
    let pool = pool(None).await;
    let app = app(&pool, KeepTokens::default()).await;
    let (_, orders) = machine_token(&pool, MACHINE, None).await;
    let orders = orders["access_token"].as_str().unwrap().to_string();
    let (_, reports) = machine_token(&pool, REPORTS, None).await;
    let reports = reports["access_token"].as_str().unwrap().to_string();
    let user = user_tokens(&pool, BROWSER_APP, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    let user = user["AccessToken"].as_str().unwrap().to_string();

    assert_eq!(call(&app, "GET", "/api/orders", &orders).await.0, 200);
    assert_eq!(call(&app, "POST", "/api/orders", &orders).await.0, 200);
    for token in [&reports, &user] {
        let (status, www, body) = call(&app, "GET", "/api/orders", token).await;
        assert_eq!(status, 403, "{body}");
        assert!(
            www.starts_with("Bearer error=\"insufficient_scope\"")
                && www.contains("scope=\"orders/read\""),
            "{www}"
        );
        assert_eq!(body["error"], "insufficient_scope");
    }
    // Groups: the demo user is in `admin`; a machine is in no group.
    assert_eq!(call(&app, "GET", "/api/admin", &user).await.0, 200);
    let (status, www, _) = call(&app, "GET", "/api/admin", &orders).await;
    assert_eq!(status, 403);
    assert!(www.contains("insufficient_scope"), "{www}");

    // No token at all: 401 with a bare challenge (RFC 6750 §3.1).
    let res = app.client.get(app.at("/api/orders")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    // The client asks for a scope it was not given: Cognito's `invalid_scope`.
    let (status, body) = machine_token(&pool, REPORTS, Some("orders/read")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
}

#[tokio::test]
async fn the_token_of_a_session_signed_out_here_is_refused() {
    let pool = pool(None).await;
    let keep = KeepTokens::default();
    let app = app(&pool, keep.clone()).await;
    let (mut b, at) = site_sign_in(&app, &keep).await;
    assert_eq!(call(&app, "GET", "/api/me", &at).await.0, 200);
    // The browser itself: a site session, no token.
    let res = app
        .client
        .get(app.at("/api/who"))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    let who: serde_json::Value = res.json().await.unwrap();
    assert_eq!(who["kind"], "session");

    site_sign_out(&app, &mut b).await;
    let (status, www, body) = call(&app, "GET", "/api/me", &at).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        www.contains("error=\"invalid_token\"") && www.contains("revoked"),
        "{www}"
    );
}

#[tokio::test]
async fn a_key_rotation_at_the_pool_is_picked_up_and_expiry_is_kept() {
    let pool = pool(None).await;
    let app = app(&pool, KeepTokens::default()).await;
    let (_, before) = machine_token(&pool, MACHINE, None).await;
    let before = before["access_token"].as_str().unwrap().to_string();
    assert_eq!(call(&app, "GET", "/api/me", &before).await.0, 200);
    pool.pool().rotate_keys(Some(DEMO_POOL_ID)).await.unwrap();
    let (_, after) = machine_token(&pool, MACHINE, None).await;
    let after = after["access_token"].as_str().unwrap().to_string();
    assert_ne!(kid(&before), kid(&after), "a new key signs");
    let (status, _, body) = call(&app, "GET", "/api/me", &after).await;
    assert_eq!(status, 200, "the new key is fetched: {body}");

    // An hour later (Cognito's default lifetime) the cached token has expired.
    app.clock.advance(Duration::from_secs(3600 + 10));
    let (status, www, _) = call(&app, "GET", "/api/me", &after).await;
    assert_eq!(status, 401);
    assert!(www.contains("expired"), "{www}");
}

fn kid(jwt: &str) -> String {
    use base64::Engine as _;
    let header = jwt.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["kid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_full_revocation_list_refuses_more_instead_of_forgetting() {
    let pool = pool(None).await;
    let verifier = AccessTokenVerifier::builder(pool.issuer(DEMO_POOL_ID).as_str())
        .client_id(MACHINE)
        .revocation_capacity(2)
        .build()
        .expect("a verifier");
    let mut tokens = Vec::new();
    for i in 0..4 {
        if i == 3 {
            // The last one ends at least a second after the others.
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        let (_, body) = machine_token(&pool, MACHINE, None).await;
        let at = body["access_token"].as_str().unwrap().to_string();
        let t = verifier.verify(&at).await.expect("a fresh machine token");
        let jti = t.claims()["jti"].as_str().unwrap().to_string();
        tokens.push((at, jti, t.expires_at()));
    }
    // Three sign-ins revoked into a list of two: the first (ending soonest) makes room.
    let (a, b, c, fresh) = (&tokens[0], &tokens[1], &tokens[2], &tokens[3]);
    verifier.revoke(&a.1, a.2);
    verifier.revoke(&b.1, b.2 + 600);
    verifier.revoke(&c.1, c.2 + 1200);
    for (at, id, _) in [a, b, c] {
        let refused = verifier.verify(at).await;
        assert!(
            matches!(refused, Err(TokenError::Revoked)),
            "{id}: {refused:?}"
        );
    }
    assert!(fresh.2 > a.2);
    let (at, _, _) = fresh;
    assert!(
        verifier.verify(at).await.is_ok(),
        "a token ending after the forgotten sign-in's end is still good"
    );
}

#[tokio::test]
async fn sign_outs_from_several_addresses_at_once_each_revoke_their_token() {
    let pool = pool(None).await;
    let keep = KeepTokens::default();
    let app = app(&pool, keep.clone()).await;
    // Six sessions of one user, two from each of three addresses (signed in one by one, to
    // learn each session's access token).
    let mut sessions = Vec::new();
    for ip in ["127.0.0.1", "127.0.0.2", "127.0.0.3"].repeat(2) {
        let (b, at) = site_sign_in_with(Browser::from_ip(&app, ip), &keep).await;
        assert_eq!(call(&app, "GET", "/api/me", &at).await.0, 200);
        sessions.push((b, at));
    }
    // All six sign out at once.
    futures_util::future::join_all(sessions.iter_mut().map(|(b, _)| site_sign_out(&app, b))).await;
    for (_, at) in &sessions {
        let (status, www, _) = call(&app, "GET", "/api/me", at).await;
        assert_eq!(status, 401);
        assert!(www.contains("revoked"), "{www}");
    }
    // The user signs in again: the new sign-in is not caught by the old ones' revocations.
    let (_, at) = site_sign_in_with(Browser::from_ip(&app, "127.0.0.4"), &keep).await;
    assert_eq!(call(&app, "GET", "/api/me", &at).await.0, 200);
}

#[tokio::test]
async fn the_verifier_or_the_instance_as_router_state_needs_no_layer() {
    use axum::routing::get;
    use axum::Router;
    use hallpass::AccessToken;

    async fn sub(token: AccessToken) -> String {
        token.sub().to_string()
    }
    async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/sub", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }
    let pool = pool(None).await;
    let with_hallpass = app(&pool, KeepTokens::default()).await;
    let verifier = AccessTokenVerifier::builder(pool.issuer(DEMO_POOL_ID).as_str())
        .client_id(MACHINE)
        .build()
        .unwrap();
    let by_verifier = serve(
        Router::new()
            .route("/api/sub", get(sub))
            .with_state(verifier),
    )
    .await;
    let by_instance = serve(
        Router::new()
            .route("/api/sub", get(sub))
            .with_state(with_hallpass.hallpass.clone()),
    )
    .await;
    let (_, body) = machine_token(&pool, MACHINE, None).await;
    let at = body["access_token"].as_str().unwrap();
    let client = reqwest::Client::new();
    for url in [&by_verifier, &by_instance] {
        let res = client.get(url).bearer_auth(at).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(
            res.text().await.unwrap(),
            MACHINE,
            "a machine's sub is its client"
        );
        let res = client.get(url).bearer_auth("a.b.c").send().await.unwrap();
        assert_eq!(res.status(), 401, "{url}");
        let www = res.headers()["www-authenticate"].to_str().unwrap();
        assert!(www.contains("invalid_token"), "{www}");
    }
}
