//! NextAuth v4 compatibility, proved with tokens made by the real `next-auth@4.24.15`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hallpass::{Compat, Config, SessionToken};
use serde_json::Value;

use crate::support::app::spawn_app_with;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../fixtures/nextauth-jwt.json")).unwrap()
}

fn v4_config(v: &Value) -> hallpass::ConfigBuilder {
    Config::builder()
        .secret(v["secret"].as_str().unwrap())
        .compat(Compat::NextAuthV4)
}

#[tokio::test]
async fn next_auth_v4_tokens_are_read() {
    let v = vectors();
    let app = spawn_app_with(v4_config(&v), vec![], None).await;
    assert_eq!(
        app.hallpass.session_cookie_name(),
        "next-auth.session-token"
    );
    let good = &v["v4"][0];
    let token = app
        .hallpass
        .decode_session(good["token"].as_str().unwrap())
        .unwrap();
    let want = &good["decoded"];
    assert_eq!(token.name.as_deref(), want["name"].as_str());
    assert_eq!(token.email.as_deref(), want["email"].as_str());
    assert_eq!(token.sub.as_deref(), want["sub"].as_str());
    assert_eq!(token.picture, None);
    assert_eq!(token.groups, vec!["admin".to_string(), "staff".to_string()]);
    assert_eq!(token.iat, want["iat"].as_i64().unwrap());
    assert_eq!(token.exp, want["exp"].as_i64().unwrap());
    assert_eq!(token.jti, want["jti"].as_str().unwrap());

    // Over HTTP: the cookie a Next.js app set signs the user in here.
    let cookie = format!(
        "next-auth.session-token={}",
        good["token"].as_str().unwrap()
    );
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["name"], "Jane Doe");
    assert_eq!(body["user"]["email"], "jane@example.com");
    let res = app
        .client
        .get(app.at("/protected"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "Protected for Jane Doe");
    let res = app
        .client
        .get(app.at("/admin"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "cognito:groups from next-auth reach the group guard"
    );
}

#[tokio::test]
async fn expired_next_auth_token_is_refused() {
    let v = vectors();
    let app = spawn_app_with(v4_config(&v), vec![], None).await;
    let expired = v["v4"][1]["token"].as_str().unwrap();
    assert!(matches!(
        app.hallpass.decode_session(expired),
        Err(hallpass::StoreError::Expired)
    ));
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header("cookie", format!("next-auth.session-token={expired}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), serde_json::json!({}));
}

/// Decrypts a session token exactly as `next-auth/jwt`'s `decode` does (HKDF-SHA256 with an empty
/// salt and NextAuth's info string, then A256GCM with the protected header as AAD), independently
/// of Hallpass's own JWE code.
fn next_auth_decode(secret: &str, token: &str) -> Value {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b""), secret.as_bytes());
    let mut key = [0u8; 32];
    hk.expand(b"NextAuth.js Generated Encryption Key", &mut key)
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 5);
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, serde_json::json!({"alg": "dir", "enc": "A256GCM"}));
    assert_eq!(parts[1], "", "dir has no encrypted key");
    let iv = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let mut sealed = URL_SAFE_NO_PAD.decode(parts[3]).unwrap();
    sealed.extend(URL_SAFE_NO_PAD.decode(parts[4]).unwrap());
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(&key).unwrap();
    let plain = cipher
        .decrypt(
            aes_gcm::Nonce::from_slice(&iv),
            Payload {
                msg: &sealed,
                aad: parts[0].as_bytes(),
            },
        )
        .expect("next-auth's key opens Hallpass's token");
    serde_json::from_slice(&plain).unwrap()
}

#[tokio::test]
async fn hallpass_tokens_are_next_auth_tokens() {
    let v = vectors();
    let secret = v["secret"].as_str().unwrap();
    // The reference decoder works: it opens the real next-auth vector.
    assert_eq!(
        next_auth_decode(secret, v["v4"][0]["token"].as_str().unwrap())["name"],
        "Jane Doe"
    );

    let app = spawn_app_with(v4_config(&v), vec![], None).await;
    let payload = &v["payload"];
    let mut token: SessionToken = serde_json::from_value(serde_json::json!({
        "name": payload["name"], "email": payload["email"], "picture": null, "sub": payload["sub"],
        "cognito:groups": payload["cognito:groups"], "exp": 0
    }))
    .unwrap();
    token.exp = 4_000_000_000;
    token.iat = 1_795_666_184;
    token.jti = "8810eaae-6700-4533-b71a-7c2bff97387a".into();
    let ours = app.hallpass.encode_session(&token);
    let decoded = next_auth_decode(secret, &ours);
    assert_eq!(decoded["name"], "Jane Doe");
    assert_eq!(decoded["email"], "jane@example.com");
    assert_eq!(decoded["sub"], payload["sub"]);
    assert_eq!(decoded["exp"], 4_000_000_000i64);
    assert_eq!(decoded["jti"], "8810eaae-6700-4533-b71a-7c2bff97387a");

    // And the cookie GET session writes is one next-auth reads, under next-auth's cookie name.
    let cookie = format!(
        "next-auth.session-token={}",
        v["v4"][0]["token"].as_str().unwrap()
    );
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let set = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let value = set
        .strip_prefix("next-auth.session-token=")
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let reissued = next_auth_decode(secret, value);
    assert_eq!(reissued["email"], "jane@example.com");
    assert!(reissued["exp"].as_i64().unwrap() > reissued["iat"].as_i64().unwrap());
}

#[tokio::test]
async fn next_auth_csrf_cookie_is_accepted() {
    let v = vectors();
    let app = spawn_app_with(v4_config(&v), vec![], None).await;
    let csrf = &v["csrf"];
    // next-auth URL-encodes the `|` in the cookie; both spellings are read.
    for cookie_value in [
        csrf["cookie_value"].as_str().unwrap().to_string(),
        csrf["cookie_value"].as_str().unwrap().replace('|', "%7C"),
    ] {
        let res = app
            .client
            .get(app.at("/api/auth/csrf"))
            .header("cookie", format!("next-auth.csrf-token={cookie_value}"))
            .send()
            .await
            .unwrap();
        assert!(
            res.headers().get("set-cookie").is_none(),
            "a valid cookie is kept"
        );
        let body: Value = res.json().await.unwrap();
        // The cookie is next-auth's; the form token is Hallpass's, bound to the session (none
        // here), so next-auth's raw token alone no longer passes (review finding 5).
        let bound = body["csrfToken"].as_str().unwrap().to_string();
        assert_ne!(bound, csrf["token"].as_str().unwrap());
        for (token, to) in [
            (
                csrf["token"].as_str().unwrap(),
                "/api/auth/signout?csrf=true",
            ),
            (bound.as_str(), "/bye"),
        ] {
            let res = app
                .client
                .post(app.at("/api/auth/signout"))
                .header("cookie", format!("next-auth.csrf-token={cookie_value}"))
                .form(&[("csrfToken", token), ("callbackUrl", "/bye")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 302);
            assert_eq!(res.headers()["location"], app.at(to).as_str());
        }
    }
}
