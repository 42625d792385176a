//! Auth.js v5 compatibility (`AUTH_COMPAT=authjs-v5`), proved with tokens made by the real
//! `@auth/core@0.41.3` (the `v5` entries of the shared vectors) and with an Auth.js decoder written
//! here from the spec, independently of Hallpass's own JWE code.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hallpass::clock::ManualClock;
use hallpass::{Compat, Config, Hallpass, Session};
use serde_json::{json, Value};

use crate::support::app::{spawn_app_with, TestApp};

pub(crate) fn vectors() -> Value {
    serde_json::from_str(include_str!("../fixtures/nextauth-jwt.json")).unwrap()
}

fn v5_config(v: &Value) -> hallpass::ConfigBuilder {
    Config::builder()
        .with_vars(|k| match k {
            "AUTH_SECRET" => v["secret"].as_str().map(String::from),
            "AUTH_COMPAT" => Some("authjs-v5".into()),
            _ => None,
        })
        .unwrap()
}

/// An app at `url` (an https one is served over plain http on loopback: only the cookie names and
/// flags depend on the scheme) with the session endpoint and a route showing the whole session.
async fn spawn_at(config: hallpass::ConfigBuilder, url: &str) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let clock = ManualClock::starting_now();
    let hallpass = Hallpass::builder(config.url(url).build().unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let app = axum::Router::new()
        .route(
            "/api/me",
            axum::routing::get(|s: Session| async move {
                axum::Json(json!({"sub": s.sub(), "groups": s.groups()}))
            }),
        )
        .route_layer(hallpass.require_session().unauthorized())
        .merge(hallpass.router())
        .layer(hallpass.layer());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    TestApp {
        url: format!("http://{addr}"),
        addr,
        hallpass,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        clock,
    }
}

/// The app for a vector: http for `authjs.session-token`, https for the `__Secure-` one.
async fn app_for(v: &Value, entry: &Value) -> TestApp {
    let name = entry["cookie_name"].as_str().unwrap();
    let url = if name.starts_with("__Secure-") {
        "https://app.example.com"
    } else {
        "http://127.0.0.1:3000"
    };
    let app = spawn_at(v5_config(v), url).await;
    assert_eq!(app.hallpass.session_cookie_name(), name);
    app
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.at(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// The value of the `name=` cookie among `set`, if set (not expired).
fn set_value(set: &[String], name: &str) -> Option<String> {
    set.iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap().to_string())
}

fn cleared(set: &[String], name: &str) -> bool {
    set.iter()
        .any(|c| c.starts_with(&format!("{name}=;")) && c.contains("Max-Age=0"))
}

#[tokio::test]
async fn every_authjs_vector_signs_the_user_in_with_exactly_its_claims() {
    let v = vectors();
    let entries = v["v5"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "both cookie names are covered");
    for entry in entries {
        let app = app_for(&v, entry).await;
        let name = app.hallpass.session_cookie_name().to_string();
        let cookie = format!("{name}={}", entry["token"].as_str().unwrap());
        let want = &entry["decoded"];

        let res = get(&app, "/api/auth/session", &cookie).await;
        assert_eq!(res.status(), 200);
        let reissued = set_value(&set_cookies(&res), &name).expect("the session rolls");
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body["user"],
            json!({
                "name": want["name"],
                "email": want["email"],
                "image": want["picture"],
                "groups": want["cognito:groups"],
            }),
            "{name}"
        );
        let res = get(&app, "/api/me", &cookie).await;
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({"sub": want["sub"], "groups": want["cognito:groups"]})
        );

        // Every claim, none more.
        let token = app
            .hallpass
            .decode_session(entry["token"].as_str().unwrap())
            .unwrap();
        let mut got = serde_json::to_value(&token).unwrap();
        let groups = got.as_object_mut().unwrap().remove("groups").unwrap();
        got["cognito:groups"] = groups;
        assert_eq!(&got, want, "{name}");

        // The re-issued cookie is Auth.js's format with the same claims and a later expiry.
        let again = authjs_decode(v["secret"].as_str().unwrap(), &name, &reissued);
        assert_eq!(again["sub"], want["sub"]);
        // Hallpass writes the groups as `groups` (and reads either name).
        assert_eq!(again["groups"], want["cognito:groups"]);
        assert!(again["exp"].as_i64() > again["iat"].as_i64());
    }
}

#[tokio::test]
async fn an_expired_authjs_token_is_refused() {
    let v = vectors();
    let entry = &v["v5"][0];
    let app = app_for(&v, entry).await;
    let name = app.hallpass.session_cookie_name().to_string();
    let cookie = format!("{name}={}", entry["token"].as_str().unwrap());
    let exp = entry["decoded"]["exp"].as_i64().unwrap();

    // Auth.js allows 15 s of clock skew; so does Hallpass.
    app.clock.set(exp + 14);
    let res = get(&app, "/api/auth/session", &cookie).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["user"]["name"],
        "Jane Doe"
    );

    app.clock.set(exp + 16);
    let res = get(&app, "/api/auth/session", &cookie).await;
    assert!(cleared(&set_cookies(&res), &name), "the dead cookie goes");
    assert_eq!(res.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(get(&app, "/api/me", &cookie).await.status(), 401);
}

#[tokio::test]
async fn hallpass_writes_authjs_tokens_byte_for_byte() {
    let v = vectors();
    let secret = v["secret"].as_str().unwrap();
    for entry in v["v5"].as_array().unwrap() {
        let app = app_for(&v, entry).await;
        let name = app.hallpass.session_cookie_name();
        let theirs = entry["token"].as_str().unwrap();
        let parts: Vec<&str> = theirs.split('.').collect();
        // The payload as Auth.js serialised it, and its IV: the rest must follow from the secret.
        let payload = authjs_open(secret, name, theirs);
        let iv = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let ours = app
            .hallpass
            .encode_session_payload_with_iv(&payload, &iv)
            .unwrap();
        assert_eq!(ours, theirs, "{name}");
        // The header Hallpass writes is Auth.js's, `kid` included.
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "dir");
        assert_eq!(header["enc"], "A256CBC-HS512");
        assert_eq!(header["kid"], authjs_kid(secret, name));
    }
}

#[tokio::test]
async fn v4_and_v5_cookies_are_not_taken_for_each_other() {
    let v = vectors();
    let v4_token = v["v4"][0]["token"].as_str().unwrap();
    let v5_token = v["v5"][0]["token"].as_str().unwrap();

    // A NextAuth v4 token under the Auth.js cookie name: wrong cipher and key.
    let app = app_for(&v, &v["v5"][0]).await;
    let name = "authjs.session-token";
    let res = get(&app, "/api/auth/session", &format!("{name}={v4_token}")).await;
    assert!(cleared(&set_cookies(&res), name));
    assert_eq!(res.json::<Value>().await.unwrap(), json!({}));
    // And the v4 cookie name means nothing in v5 mode.
    let res = get(
        &app,
        "/api/auth/session",
        &format!("next-auth.session-token={v4_token}"),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({}));

    // An Auth.js token in NextAuth v4 mode.
    let v4 = spawn_app_with(
        Config::builder()
            .secret(v["secret"].as_str().unwrap())
            .compat(Compat::NextAuthV4),
        vec![],
        None,
    )
    .await;
    let name = "next-auth.session-token";
    let res = get(&v4, "/api/auth/session", &format!("{name}={v5_token}")).await;
    assert!(cleared(&set_cookies(&res), name));
    assert_eq!(res.json::<Value>().await.unwrap(), json!({}));

    // And in Hallpass's own mode, under its cookie name.
    let own = spawn_app_with(
        Config::builder().secret(v["secret"].as_str().unwrap()),
        vec![],
        None,
    )
    .await;
    let name = own.hallpass.session_cookie_name().to_string();
    let res = get(&own, "/api/auth/session", &format!("{name}={v5_token}")).await;
    assert!(cleared(&set_cookies(&res), &name));
    assert_eq!(res.json::<Value>().await.unwrap(), json!({}));
}

#[tokio::test]
async fn authjs_cookie_names_and_flags() {
    let v = vectors();
    let secure = spawn_at(v5_config(&v), "https://app.example.com").await;
    assert_eq!(
        secure.hallpass.session_cookie_name(),
        "__Secure-authjs.session-token"
    );
    assert_eq!(
        secure.hallpass.csrf_cookie_name(),
        "__Host-authjs.csrf-token"
    );
    let res = get(&secure, "/api/auth/csrf", "").await;
    let set = set_cookies(&res);
    let csrf = set
        .iter()
        .find(|c| c.starts_with("__Host-authjs.csrf-token="))
        .expect("a CSRF cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(csrf.contains(flag), "{csrf}");
    }
    let plain = spawn_at(v5_config(&v), "http://localhost:3000").await;
    assert_eq!(plain.hallpass.session_cookie_name(), "authjs.session-token");
    assert_eq!(plain.hallpass.csrf_cookie_name(), "authjs.csrf-token");
}

#[tokio::test]
async fn a_big_authjs_session_is_chunked_and_read_back() {
    let v = vectors();
    let app = app_for(&v, &v["v5"][0]).await;
    let name = app.hallpass.session_cookie_name().to_string();
    let mut token: hallpass::SessionToken =
        serde_json::from_value(v["v5"][0]["decoded"].clone()).unwrap();
    token.extra.insert("blob".into(), json!("x".repeat(4000)));
    let value = app.hallpass.encode_session(&token);
    let (a, b) = value.split_at(3933);
    let cookie = format!("{name}.0={a}; {name}.1={b}");
    let res = get(&app, "/api/auth/session", &cookie).await;
    let set = set_cookies(&res);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["name"], "Jane Doe");
    let chunks: Vec<String> = (0..2)
        .map(|i| set_value(&set, &format!("{name}.{i}")).expect("re-issued in chunks"))
        .collect();
    let joined = chunks.concat();
    let decoded = authjs_decode(v["secret"].as_str().unwrap(), &name, &joined);
    assert_eq!(decoded["blob"].as_str().map(str::len), Some(4000));
}

/// The CSRF cookie Auth.js makes with one secret is NextAuth v4's format: Hallpass keeps it.
#[tokio::test]
async fn an_authjs_csrf_cookie_is_kept() {
    let v = vectors();
    let app = app_for(&v, &v["v5"][0]).await;
    let value = v["csrf"]["cookie_value"].as_str().unwrap();
    for spelled in [value.to_string(), value.replace('|', "%7C")] {
        let res = get(
            &app,
            "/api/auth/csrf",
            &format!("authjs.csrf-token={spelled}"),
        )
        .await;
        assert!(set_cookies(&res).is_empty(), "a valid cookie is kept");
    }
    let res = get(&app, "/api/auth/csrf", "authjs.csrf-token=forged|0000").await;
    assert!(set_value(&set_cookies(&res), "authjs.csrf-token").is_some());
}

/// Auth.js's key for the cookie `salt`: HKDF-SHA256(secret, salt, "Auth.js Generated Encryption Key
/// (salt)"), 64 bytes.
fn authjs_key(secret: &str, salt: &str) -> [u8; 64] {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt.as_bytes()), secret.as_bytes());
    let mut key = [0u8; 64];
    hk.expand(
        format!("Auth.js Generated Encryption Key ({salt})").as_bytes(),
        &mut key,
    )
    .unwrap();
    key
}

/// `calculateJwkThumbprint({kty: "oct", k}, "sha512")`, as Auth.js names its key.
fn authjs_kid(secret: &str, salt: &str) -> String {
    use sha2::Digest;
    let jwk = format!(
        r#"{{"k":"{}","kty":"oct"}}"#,
        URL_SAFE_NO_PAD.encode(authjs_key(secret, salt))
    );
    URL_SAFE_NO_PAD.encode(sha2::Sha512::digest(jwk.as_bytes()))
}

/// [`authjs_open`], parsed.
fn authjs_decode(secret: &str, salt: &str, token: &str) -> Value {
    serde_json::from_slice(&authjs_open(secret, salt, token)).unwrap()
}

/// Decrypts a session token as `@auth/core/jwt`'s `decode` does (RFC 7518 §5.2.2.2: HMAC-SHA-512
/// over AAD ‖ IV ‖ ciphertext ‖ AAD bit length, truncated to 32 bytes, then AES-256-CBC), to the
/// payload's bytes as they were encrypted.
fn authjs_open(secret: &str, salt: &str, token: &str) -> Vec<u8> {
    use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
    use hmac::Mac;
    let key = authjs_key(secret, salt);
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 5);
    assert_eq!(parts[1], "", "dir has no encrypted key");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(
        header["kid"],
        authjs_kid(secret, salt),
        "the kid names the key"
    );
    let iv = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let ciphertext = URL_SAFE_NO_PAD.decode(parts[3]).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(&key[..32]).unwrap();
    mac.update(parts[0].as_bytes());
    mac.update(&iv);
    mac.update(&ciphertext);
    mac.update(&((parts[0].len() as u64) * 8).to_be_bytes());
    let tag = mac.finalize().into_bytes();
    assert_eq!(
        URL_SAFE_NO_PAD.encode(&tag[..32]),
        parts[4],
        "the tag verifies"
    );
    cbc::Decryptor::<aes::Aes256>::new_from_slices(&key[32..], &iv)
        .unwrap()
        .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
        .unwrap()
}
