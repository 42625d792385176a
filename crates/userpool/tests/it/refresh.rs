//! Refresh tokens, rotation and revocation.

use crate::*;

async fn refresh(t: &TestPool, id: &str, secret: &str, rt: &str) -> reqwest::Response {
    t.token_basic(
        id,
        secret,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await
}

#[tokio::test]
async fn refresh_without_rotation_returns_no_refresh_token() {
    let t = spawn_pool().await;
    let first = t.alice_tokens().await;
    let rt = first["refresh_token"].as_str().unwrap();
    assert_eq!(t.pool().refreshes(), 0, "the code grant is not a refresh");
    let r = refresh(&t, CONF, CONF_SECRET, rt).await;
    assert_eq!(r.status(), 200);
    assert_eq!(t.pool().refreshes(), 1, "one redemption counted");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert!(
        body.get("refresh_token").is_none(),
        "no rotation by default"
    );
    assert_eq!(body["token_type"], "Bearer");
    let id = t.verify(POOL, body["id_token"].as_str().unwrap()).await;
    let old = claims(first["id_token"].as_str().unwrap());
    assert_eq!(id["origin_jti"], old["origin_jti"], "same sign-in");
    assert_eq!(id["auth_time"], old["auth_time"]);
    assert_ne!(id["jti"], old["jti"]);
    assert!(id.get("nonce").is_none());
    let u = t.userinfo(body["access_token"].as_str().unwrap()).await;
    assert_eq!(u.status(), 200);
    // The same refresh token keeps working.
    assert_eq!(refresh(&t, CONF, CONF_SECRET, rt).await.status(), 200);
    // ... but only for its own client, and not forged.
    let r = refresh(&t, ROT, ROT_SECRET, rt).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let r = refresh(&t, CONF, CONF_SECRET, &format!("{rt}x")).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    assert_eq!(t.pool().refreshes(), 4, "refused redemptions count too");
    let r = t
        .token_basic(CONF, CONF_SECRET, &[("grant_type", "refresh_token")])
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    // Refresh tokens expire (the seed: one day).
    t.pool()
        .advance_clock(std::time::Duration::from_secs(24 * 3600 + 1));
    let r = refresh(&t, CONF, CONF_SECRET, rt).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[tokio::test]
async fn refresh_with_rotation_returns_a_new_refresh_token() {
    let t = spawn_pool().await;
    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", ROT),
                ("redirect_uri", CB),
            ],
            ALICE,
            PASSWORD,
        )
        .await;
    let code = param(&cb, "code").unwrap();
    let first: Value = t
        .token_basic(
            ROT,
            ROT_SECRET,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let rt1 = first["refresh_token"].as_str().unwrap();
    let second: Value = refresh(&t, ROT, ROT_SECRET, rt1)
        .await
        .json()
        .await
        .unwrap();
    let rt2 = second["refresh_token"]
        .as_str()
        .expect("rotation on: a new refresh token");
    assert_ne!(rt1, rt2);
    // The new one works.
    let third: Value = refresh(&t, ROT, ROT_SECRET, rt2)
        .await
        .json()
        .await
        .unwrap();
    let rt3 = third["refresh_token"].as_str().unwrap();
    assert_eq!(
        claims(third["access_token"].as_str().unwrap())["origin_jti"],
        claims(first["access_token"].as_str().unwrap())["origin_jti"]
    );
    // The old one is spent (no grace period): using it again is a replay, which ends the
    // sign-in, its newest refresh token with it.
    let r = refresh(&t, ROT, ROT_SECRET, rt1).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let r = refresh(&t, ROT, ROT_SECRET, rt3).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[tokio::test]
async fn revoke_kills_every_token_of_the_sign_in() {
    let t = spawn_pool().await;
    let a = t.alice_tokens().await;
    let b = t.alice_tokens().await;
    let rt = a["refresh_token"].as_str().unwrap();
    let refreshed: Value = refresh(&t, CONF, CONF_SECRET, rt)
        .await
        .json()
        .await
        .unwrap();

    // Unknown token: 200 too. Access tokens cannot be revoked. Wrong secret: invalid_client.
    let revoke = |id: &'static str, secret: &'static str, token: String| {
        let http = t.http.clone();
        let url = t.url("/oauth2/revoke");
        async move {
            http.post(url)
                .basic_auth(id, Some(secret))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
        }
    };
    let r = revoke(CONF, CONF_SECRET, "not-a-token".into()).await;
    assert_eq!(r.status(), 200);
    let r = revoke(
        CONF,
        CONF_SECRET,
        a["access_token"].as_str().unwrap().into(),
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "unsupported_token_type"
    );
    let r = revoke(CONF, "wrong", rt.into()).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    let r = revoke(ROT, ROT_SECRET, rt.into()).await;
    assert_eq!(r.status(), 400, "another client may not revoke it");
    // Still alive after those.
    assert_eq!(
        t.userinfo(a["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );

    let r = revoke(CONF, CONF_SECRET, rt.into()).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().is_empty());
    let r = refresh(&t, CONF, CONF_SECRET, rt).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    for at in [&a["access_token"], &refreshed["access_token"]] {
        let r = t.userinfo(at.as_str().unwrap()).await;
        assert_eq!(
            r.status(),
            401,
            "access tokens of the revoked sign-in are refused"
        );
    }
    // The other sign-in is untouched.
    assert_eq!(
        t.userinfo(b["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    assert_eq!(
        refresh(&t, CONF, CONF_SECRET, b["refresh_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    // Revoking twice is fine.
    assert_eq!(revoke(CONF, CONF_SECRET, rt.into()).await.status(), 200);
}
