//! The API scenarios of `bench/instructions.sh`: `GET /api/me` of `examples/api` (the `Caller`
//! extractor behind `Hallpass::layer`, a verifier of Cognito access tokens) with a user's RS256
//! access token in `Authorization: Bearer`, and the same route with no auth at all answering the
//! same JSON (`api-bare`), sent the same header. The verifier has the issuer's keys loaded (no
//! network); the first request verifies the token, every later one is answered from the verifier's
//! cache of verified tokens, which is what a repeated Bearer request costs.

use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hallpass::{AccessToken, AccessTokenVerifier, Caller, Config, Hallpass, UserCaller};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Value};

const RSA_PEM: &str = include_str!("../../crates/hallpass/tests/fixtures/rsa_primary.pem");
const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench";
const CLIENT_ID: &str = "4f3b2a1c0d9e8f7a6b5c4d3e2f";
const SECRET: &str = "inprocess-benchmark-secret-0123456789abcdef";
/// The user's `sub`, which `/api/me` answers with (the warm-up checks it).
pub const SUB: &str = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f";

/// `examples/api`'s `/api/me`.
async fn me(caller: Caller) -> Json<Value> {
    Json(match caller {
        Caller::User(UserCaller::Session(s)) => json!({ "kind": "session", "sub": s.sub() }),
        Caller::User(user) => json!({ "kind": "user", "sub": user.sub() }),
        Caller::Machine(token) => json!({ "kind": "machine", "client_id": token.client_id() }),
        _ => json!({ "kind": "unknown" }),
    })
}

/// The same answer without auth.
async fn me_bare() -> Json<Value> {
    Json(json!({ "kind": "user", "sub": SUB }))
}

/// A Cognito user's access token (~1.1 KB), valid for an hour from `now`, and the JWKS with its key.
fn token(now: i64) -> (String, Value) {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PEM).expect("fixture key");
    let public = key.to_public_key();
    let jwks = json!({"keys": [{"kid": "rsa-1", "kty": "RSA", "alg": "RS256", "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be())}]});
    let claims = json!({
        "sub": SUB,
        "cognito:groups": ["admin", "users"],
        "iss": ISSUER,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": "0f6a2b8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
        "event_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
        "username": SUB,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let encoding = EncodingKey::from_rsa_pem(RSA_PEM.as_bytes()).expect("fixture key");
    let token = jsonwebtoken::encode(&header, &claims, &encoding).expect("signs");
    (token, jwks)
}

/// The public half of the key that signs the benchmark's access tokens, as PEM (for a verifier
/// that takes a key rather than a JWKS, such as `jwt-authorizer` in `bench/jwt-authorizer/`).
pub fn public_key_pem() -> String {
    use rsa::pkcs8::EncodePublicKey as _;
    rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PEM)
        .expect("fixture key")
        .to_public_key()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .expect("encodes")
}

/// The issuer of the benchmark's access tokens.
pub const TOKEN_ISSUER: &str = ISSUER;

/// An API without website sessions: the [`AccessToken`] extractor, the verifier an `Extension`
/// (no `Hallpass` instance or layer).
async fn me_token(token: AccessToken) -> Json<Value> {
    Json(json!({ "kind": "user", "sub": token.sub() }))
}

/// The router of scenario `bearer-api` (see [`me_token`]), or with `bare` of `api-layer` (the
/// bare route under the same `Extension` layer: what the layer alone costs), and the
/// `Authorization` header value.
pub fn token_only(bare: bool, now: i64) -> (Router, String) {
    let (token, jwks) = token(now);
    let verifier = AccessTokenVerifier::builder(ISSUER)
        .client_id(CLIENT_ID)
        .build_with_jwks(&jwks)
        .expect("valid verifier");
    let app = match bare {
        true => Router::new().route("/api/me", get(me_bare)),
        false => Router::new().route("/api/me", get(me_token)),
    };
    (
        app.layer(axum::Extension(verifier)),
        format!("Bearer {token}"),
    )
}

/// The router of scenario `bearer-state`: [`me_token`] on a router whose state is the verifier,
/// so that no layer runs at all; and the `Authorization` header value.
pub fn token_state(now: i64) -> (Router, String) {
    let (token, jwks) = token(now);
    let verifier = AccessTokenVerifier::builder(ISSUER)
        .client_id(CLIENT_ID)
        .build_with_jwks(&jwks)
        .expect("valid verifier");
    let app = Router::new()
        .route("/api/me", get(me_token))
        .with_state(verifier);
    (app, format!("Bearer {token}"))
}

/// The instance of scenarios `bearer` and `bearer-wrapped`: a site's Hallpass with the verifier.
fn instance(jwks: &Value) -> Hallpass {
    let verifier = AccessTokenVerifier::builder(ISSUER)
        .client_id(CLIENT_ID)
        .build_with_jwks(jwks)
        .expect("valid verifier");
    let config = Config::builder()
        .url("http://localhost:3000")
        .secret(SECRET)
        .build()
        .expect("valid config");
    Hallpass::builder(config)
        .access_tokens(verifier)
        .build()
        .expect("valid instance")
}

/// The router of scenario `api-bare` (`bare`) or `bearer`, and the `Authorization` header value.
pub fn scenario(bare: bool, now: i64) -> (Router, String) {
    let (token, jwks) = token(now);
    let authorization = format!("Bearer {token}");
    if bare {
        return (Router::new().route("/api/me", get(me_bare)), authorization);
    }
    let app = Router::new()
        .route("/api/me", get(me))
        .layer(instance(&jwks).layer());
    (app, authorization)
}

/// Scenario `bearer-wrapped`: `bearer`'s route with Hallpass's layer around the whole router
/// (`auth.layer().layer(router)`) instead of `Router::layer`, which re-boxes each route.
pub fn wrapped(now: i64) -> (hallpass::HallpassService<Router>, String) {
    use tower::Layer as _;
    let (token, jwks) = token(now);
    let app = Router::new().route("/api/me", get(me));
    (
        instance(&jwks).layer().layer(app),
        format!("Bearer {token}"),
    )
}
