//! Restart persistence and key rotation.

use std::time::Duration;

use crate::*;

#[tokio::test]
async fn a_file_database_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("userpool-it-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("pool.db");
    let db = db.to_str().unwrap();

    let t = spawn_with(test_seed(), db).await;
    let jwks_before = t.jwks(POOL).await;
    let form = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
        ("username", "kim@example.com"),
        ("password", "K1m!password"),
        ("name", "Kim"),
    ];
    let r = t.post_form("/signup", &form).await;
    assert_eq!(location(&r).path(), "/confirmUser");
    let code = t.pool().latest_code("kim@example.com").await.unwrap();
    let r = t
        .post_form(
            "/confirmUser",
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
                ("username", "kim@example.com"),
                ("code", &code),
            ],
        )
        .await;
    assert!(param(&location(&r), "code").is_some());
    let tokens = t.alice_tokens().await;
    let port = t.running.local_addr().port();
    t.running.shutdown().await;

    // Same file and port (so the same issuer), fresh in-memory state.
    let t = spawn_at(test_seed(), db, port).await;
    assert_eq!(
        t.jwks(POOL).await,
        jwks_before,
        "keys are persisted, not regenerated"
    );
    let params = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
        ("scope", "openid profile"),
    ];
    let cb = t.sign_in(&params, "kim@example.com", "K1m!password").await;
    let code = param(&cb, "code").unwrap();
    let body: Value = t
        .token_basic(
            CONF,
            CONF_SECRET,
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
    assert_eq!(
        t.verify(POOL, body["id_token"].as_str().unwrap()).await["name"],
        "Kim"
    );
    // Tokens from before the restart still work: refresh and userInfo.
    let r = t
        .token_basic(
            CONF,
            CONF_SECRET,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        t.userinfo(tokens["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    // Seed users are not duplicated or reset.
    let list = t.pool().list().await.unwrap();
    let users = &list.iter().find(|p| p.id == POOL).unwrap().users;
    assert_eq!(users.iter().filter(|u| u.email == ALICE).count(), 1);
    t.running.shutdown().await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn key_rotation_keeps_old_keys_until_their_tokens_expire() {
    let t = spawn_pool().await;
    let before = t.alice_tokens().await;
    let old_id_kid = jwt_header(before["id_token"].as_str().unwrap())["kid"].clone();
    let old_access_kid = jwt_header(before["access_token"].as_str().unwrap())["kid"].clone();

    t.pool().rotate_keys(Some(POOL)).await.unwrap();
    let jwks = t.jwks(POOL).await;
    let kids: Vec<Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(kids.len(), 4);
    assert!(kids.contains(&old_id_kid) && kids.contains(&old_access_kid));

    let after = t.alice_tokens().await;
    let new_id_kid = jwt_header(after["id_token"].as_str().unwrap())["kid"].clone();
    let new_access_kid = jwt_header(after["access_token"].as_str().unwrap())["kid"].clone();
    assert_ne!(new_id_kid, old_id_kid);
    assert_ne!(new_access_kid, old_access_kid);
    assert!(kids.contains(&new_id_kid) && kids.contains(&new_access_kid));
    // Old tokens still verify and still work.
    t.verify(POOL, before["id_token"].as_str().unwrap()).await;
    assert_eq!(
        t.userinfo(before["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    // The other pool's keys did not change.
    assert_eq!(t.jwks(POOL2).await["keys"].as_array().unwrap().len(), 2);

    // Once every token the old keys signed has expired (the longest lifetime: 1 h), they go.
    t.pool().advance_clock(Duration::from_secs(3600 + 1));
    let jwks = t.jwks(POOL).await;
    let kids: Vec<Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&new_id_kid) && kids.contains(&new_access_kid));
    assert!(!kids.contains(&old_id_kid) && !kids.contains(&old_access_kid));
}
