//! Bad Bearer tokens (issue 29): each refused with 401 `WWW-Authenticate: Bearer
//! error="invalid_token"`, never a 500. Tokens with a valid signature but bad claims are signed
//! with the pool's own access-token key, read from its SQLite database.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};
use sqlx::Row as _;
use userpool::{RunningUserPool, DEMO_POOL_ID, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::api::{
    app, call, machine_token, pool, user_tokens, BROWSER_APP, MACHINE, STRANGER,
};
use crate::support::cognito::KeepTokens;

/// The pool's current access-token key: its kid and private key (also for the aws-jwt-verify
/// parity test).
pub(crate) async fn access_key(db: &str) -> (String, EncodingKey) {
    use sqlx::ConnectOptions as _;
    let mut conn = db
        .parse::<sqlx::sqlite::SqliteConnectOptions>()
        .unwrap()
        .connect()
        .await
        .unwrap();
    let row = sqlx::query(
        "SELECT kid, private_der FROM signing_keys
         WHERE pool_id = ? AND purpose = 'access' AND retired_at IS NULL
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(DEMO_POOL_ID)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let der: Vec<u8> = row.get(1);
    (row.get(0), EncodingKey::from_rsa_der(&der))
}

/// A compact JWS of exactly this header text and these claims, RS256 with `key`.
pub(crate) fn signed(header: &str, claims: &Value, key: &EncodingKey) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), key, Algorithm::RS256).unwrap();
    format!("{input}.{sig}")
}

pub(crate) fn good_claims(pool: &RunningUserPool) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"sub": MACHINE, "iss": pool.issuer(DEMO_POOL_ID).as_str().trim_end_matches('/'),
           "client_id": MACHINE, "token_use": "access", "scope": "orders/read",
           "exp": now + 600, "iat": now, "version": 2, "jti": "crafted"})
}

#[tokio::test]
async fn every_bad_token_is_refused_as_invalid_token() {
    let dir = std::env::temp_dir().join(format!("hallpass-bad-tokens-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.join("pool.db").display());
    let pool = pool(Some(&db)).await;
    let app = app(&pool, KeepTokens::default()).await;
    // The access key exists once a token was signed with it.
    let (status, _) = machine_token(&pool, MACHINE, None).await;
    assert_eq!(status, 200);
    let user = user_tokens(&pool, BROWSER_APP, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    let stranger = user_tokens(&pool, STRANGER, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    // Read while the pool is idle: one writer at a time on its database file.
    let (kid, key) = access_key(&db).await;
    let claims = good_claims(&pool);
    let header = format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#);
    // The control: a token made this way passes.
    let good = signed(&header, &claims, &key);
    let (status, _, body) = call(&app, "GET", "/api/me", &good).await;
    assert_eq!(status, 200, "the crafted control token: {body}");
    let mut cases = malformed(&good);
    cases.extend(forged(&kid, &key, &claims));
    cases.extend(forged_headers(&kid, &key, &claims));
    cases.push(("an ID token", user["IdToken"].as_str().unwrap().into()));
    cases.push((
        "another client's id",
        stranger["AccessToken"].as_str().unwrap().into(),
    ));
    for (what, token) in &cases {
        let (status, www, body) = call(&app, "GET", "/api/me", token).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert!(
            www.starts_with("Bearer error=\"invalid_token\""),
            "{what}: WWW-Authenticate {www:?}"
        );
        assert_eq!(body["error"], "invalid_token", "{what}");
    }
    // Made-up kids do not make a JWKS request each: they are refused at once, again and again.
    let start = std::time::Instant::now();
    for i in 0..50 {
        let t = signed(
            &format!(r#"{{"alg":"RS256","kid":"made-up-{i}"}}"#),
            &claims,
            &key,
        );
        assert_eq!(call(&app, "GET", "/api/me", &t).await.0, 401);
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Tokens that are not a signed JWS at all.
fn malformed(good: &str) -> Vec<(&'static str, String)> {
    vec![
        ("one part", "abc".into()),
        ("two parts", "abc.def".into()),
        ("four parts", format!("{good}.x")),
        ("not base64url", "a$b.c$d.e$f".into()),
    ]
}

/// Tokens made with the pool's own key (or none) whose header or claims are wrong.
fn forged(kid: &str, key: &EncodingKey, claims: &Value) -> Vec<(&'static str, String)> {
    let header = format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#);
    let with = |name: &str, value: Value| {
        let mut c = claims.clone();
        c[name] = value;
        signed(&header, &c, key)
    };
    let mut no_exp = claims.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    let body64 = URL_SAFE_NO_PAD.encode(claims.to_string());
    let hmac_header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#));
    vec![
        (
            "unknown kid",
            signed(r#"{"alg":"RS256","kid":"no-such-key"}"#, claims, key),
        ),
        (
            "alg none",
            format!(
                "{}.{body64}.",
                URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","kid":"{kid}"}}"#))
            ),
        ),
        ("HS256 with the public key as secret", {
            let input = format!("{hmac_header}.{body64}");
            let secret = EncodingKey::from_secret(kid.as_bytes());
            let sig =
                jsonwebtoken::crypto::sign(input.as_bytes(), &secret, Algorithm::HS256).unwrap();
            format!("{input}.{sig}")
        }),
        (
            "another pool's issuer",
            with("iss", json!("http://127.0.0.1:1/us-east-1_Other")),
        ),
        (
            "a client id the API does not take",
            with("client_id", json!("someone-else")),
        ),
        ("missing exp", signed(&header, &no_exp, key)),
        ("expired", with("exp", json!(1_000_000_000))),
        (
            "issued in the future",
            with("iat", json!(4_000_000_000_i64)),
        ),
        ("token_use id", with("token_use", json!("id"))),
        ("tampered payload", {
            let good = signed(&header, claims, key);
            let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
            parts[1] = URL_SAFE_NO_PAD.encode(with_scope(claims));
            parts.join(".")
        }),
        ("oversize", with("pad", json!("x".repeat(17 * 1024)))),
    ]
}

/// Tokens signed with the pool's key whose header names another key type, its own keys, or a
/// member twice.
fn forged_headers(kid: &str, key: &EncodingKey, claims: &Value) -> Vec<(&'static str, String)> {
    vec![
        (
            "kid of an RSA key for ES256",
            signed(&format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#), claims, key),
        ),
        (
            "jku",
            signed(
                &format!(r#"{{"alg":"RS256","kid":"{kid}","jku":"https://evil.example/jwks"}}"#),
                claims,
                key,
            ),
        ),
        (
            "x5u",
            signed(
                &format!(r#"{{"alg":"RS256","kid":"{kid}","x5u":"https://evil.example/cert"}}"#),
                claims,
                key,
            ),
        ),
        (
            "duplicate kid",
            signed(
                &format!(r#"{{"alg":"RS256","kid":"{kid}","kid":"{kid}"}}"#),
                claims,
                key,
            ),
        ),
        (
            "duplicate typ",
            signed(
                &format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}","typ":"JWT"}}"#),
                claims,
                key,
            ),
        ),
    ]
}

fn with_scope(claims: &Value) -> String {
    let mut c = claims.clone();
    c["scope"] = json!("orders/read orders/admin");
    c.to_string()
}
