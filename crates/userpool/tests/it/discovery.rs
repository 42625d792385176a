//! Discovery document and JWKS.

use crate::*;

#[tokio::test]
async fn discovery_has_exactly_cognitos_twelve_keys() {
    let t = spawn_pool().await;
    let issuer = t.running.issuer(POOL);
    assert_eq!(issuer.as_str(), t.url(&format!("/{POOL}")));
    assert_eq!(issuer.host_str(), Some("localhost"));
    let r = t
        .http
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "authorization_endpoint",
            "end_session_endpoint",
            "id_token_signing_alg_values_supported",
            "issuer",
            "jwks_uri",
            "response_types_supported",
            "revocation_endpoint",
            "scopes_supported",
            "subject_types_supported",
            "token_endpoint",
            "token_endpoint_auth_methods_supported",
            "userinfo_endpoint",
        ]
    );
    assert_eq!(d["issuer"], issuer.as_str());
    assert_eq!(d["jwks_uri"], format!("{issuer}/.well-known/jwks.json"));
    assert_eq!(d["authorization_endpoint"], t.url("/oauth2/authorize"));
    assert_eq!(d["token_endpoint"], t.url("/oauth2/token"));
    assert_eq!(d["userinfo_endpoint"], t.url("/oauth2/userInfo"));
    assert_eq!(d["revocation_endpoint"], t.url("/oauth2/revoke"));
    assert_eq!(d["end_session_endpoint"], t.url("/logout"));
    assert_eq!(
        d["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert_eq!(
        d["response_types_supported"],
        serde_json::json!(["code", "token"])
    );
    assert_eq!(
        d["scopes_supported"],
        serde_json::json!(["openid", "email", "phone", "profile"])
    );
    assert_eq!(d["subject_types_supported"], serde_json::json!(["public"]));
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post"])
    );
}

#[tokio::test]
async fn jwks_has_separate_id_and_access_keys() {
    let t = spawn_pool().await;
    let jwks = t.jwks(POOL).await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    for k in keys {
        assert_eq!(k["alg"], "RS256");
        assert_eq!(k["kty"], "RSA");
        assert_eq!(k["use"], "sig");
        assert_eq!(k["e"], "AQAB");
        // 2048-bit modulus: 256 bytes, 342 base64url characters.
        assert_eq!(k["n"].as_str().unwrap().len(), 342);
    }
    let tokens = t.alice_tokens().await;
    let id_kid = jwt_header(tokens["id_token"].as_str().unwrap())["kid"].clone();
    let access_kid = jwt_header(tokens["access_token"].as_str().unwrap())["kid"].clone();
    assert_ne!(
        id_kid, access_kid,
        "ID and access tokens use different keys"
    );
    // Each pool has its own keys.
    let other = t.jwks(POOL2).await;
    for k in other["keys"].as_array().unwrap() {
        assert!(!keys.iter().any(|x| x["kid"] == k["kid"]));
    }
}

#[tokio::test]
async fn unknown_pool_is_404() {
    let t = spawn_pool().await;
    for path in [
        "/us-east-1_Nope/.well-known/openid-configuration",
        "/us-east-1_Nope/.well-known/jwks.json",
    ] {
        let r = t.http.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn the_hosted_ui_root_is_not_an_issuer_and_says_so() {
    let t = spawn_pool().await;
    let r = t
        .http
        .get(t.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("not an issuer"));
    assert!(v["issuers"]
        .as_array()
        .unwrap()
        .contains(&Value::String(t.running.issuer(POOL).to_string())));
}
