//! ID-token verification with a cached JWKS, RS256 and ES256, per call on one core.
//!
//! `cargo bench -p hallpass --bench idtoken` (its `access` module: access tokens, issue 29; see
//! `idtoken/access.rs`). Each token is a typical Cognito ID token (the claims
//! Cognito puts in one after a hosted-UI sign-in, with `at_hash`, ~1.1 KB), verified the way a
//! sign-in verifies it: header and algorithm allow-list, the key from the cached set by `kid`, the
//! signature (jsonwebtoken, RustCrypto backend), then every claim check (issuer, audience, expiry,
//! `iat`, `sub`, nonce, `at_hash`, `token_use`), through `hallpass::provider::IdTokenVerifier`.
//! The `signature_only_*` rows call jsonwebtoken's own verification on the same bytes, so the
//! difference is Hallpass's share; `claims_only` parses the (already decoded) payload into the
//! claims map the verifier returns, which is what that share should be. divan's allocation
//! profiler counts allocations per call.

use std::hint::black_box;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hallpass::provider::IdTokenVerifier;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

const RSA_PEM: &str = include_str!("../tests/fixtures/rsa_primary.pem");
const EC_PEM: &str = include_str!("../tests/fixtures/ec_p256.pem");
const EC_PUBLIC: &str = include_str!("../tests/fixtures/ec_p256.public.json");
const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench";
const CLIENT_ID: &str = "4f3b2a1c0d9e8f7a6b5c4d3e2f";
const NONCE: &str = "kQ2v0c1m9VhJ3xY7tP4sL6wN8bR5eA0d";
const ACCESS_TOKEN: &str = "eyJraWQiOiJhY2Nlc3MifQ.the-access-token-the-at-hash-is-over.sig";

// Access tokens from `Authorization: Bearer`, verified with the same keys.
#[path = "idtoken/access.rs"]
mod access;

fn main() {
    divan::main();
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn rsa_jwk() -> Value {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PEM).expect("fixture key");
    let public = key.to_public_key();
    json!({"kid": "rsa-1", "kty": "RSA", "alg": "RS256", "use": "sig",
           "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
           "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be())})
}

fn ec_jwk() -> Value {
    let xy: Value = serde_json::from_str(EC_PUBLIC).expect("fixture JSON");
    json!({"kid": "ec-1", "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
           "x": xy["x"], "y": xy["y"]})
}

/// The claims of a Cognito ID token after a hosted-UI sign-in.
fn claims(now: i64) -> Value {
    let at_hash = URL_SAFE_NO_PAD.encode(&Sha256::digest(ACCESS_TOKEN.as_bytes())[..16]);
    json!({
        "at_hash": at_hash,
        "sub": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
        "cognito:groups": ["admin", "users", "beta-testers"],
        "email_verified": true,
        "iss": ISSUER,
        "cognito:username": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
        "nonce": NONCE,
        "origin_jti": "0f6a2b8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
        "aud": CLIENT_ID,
        "event_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        "token_use": "id",
        "auth_time": now,
        "name": "Bench User",
        "exp": now + 3600,
        "iat": now,
        "jti": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
        "email": "bench.user@example.com",
    })
}

struct Case {
    verifier: IdTokenVerifier,
    token: String,
    key: DecodingKey,
    alg: Algorithm,
}

fn case(alg: Algorithm) -> Case {
    let (jwk, kid, encoding) = match alg {
        Algorithm::ES256 => (
            ec_jwk(),
            "ec-1",
            EncodingKey::from_ec_pem(EC_PEM.as_bytes()).expect("fixture key"),
        ),
        _ => (
            rsa_jwk(),
            "rsa-1",
            EncodingKey::from_rsa_pem(RSA_PEM.as_bytes()).expect("fixture key"),
        ),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    let token = jsonwebtoken::encode(&header, &claims(now()), &encoding).expect("signs");
    let key = match alg {
        Algorithm::ES256 => DecodingKey::from_ec_components(
            jwk["x"].as_str().unwrap_or_default(),
            jwk["y"].as_str().unwrap_or_default(),
        ),
        _ => DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap_or_default(),
            jwk["e"].as_str().unwrap_or_default(),
        ),
    }
    .expect("the JWK's key");
    let verifier = IdTokenVerifier::new(&json!({"keys": [rsa_jwk(), ec_jwk()]}), ISSUER, CLIENT_ID)
        .require("token_use", "id");
    let c = Case {
        verifier,
        token,
        key,
        alg,
    };
    // A benchmark of a refusal would be worthless: check the happy path first.
    let verified = c.verify().expect("the bench token verifies");
    assert_eq!(verified["email"], "bench.user@example.com");
    c
}

impl Case {
    fn verify(&self) -> Result<serde_json::Map<String, Value>, hallpass::provider::IdTokenError> {
        self.verifier
            .verify(&self.token, Some(NONCE), Some(ACCESS_TOKEN), now())
    }

    fn signature_only(&self) -> bool {
        let (message, signature) = self.token.rsplit_once('.').unwrap_or_default();
        jsonwebtoken::crypto::verify(signature, message.as_bytes(), &self.key, self.alg)
            .unwrap_or(false)
    }
}

#[divan::bench]
fn verify_rs256(bencher: divan::Bencher) {
    let c = case(Algorithm::RS256);
    bencher.bench_local(|| black_box(c.verify()).is_ok());
}

#[divan::bench]
fn verify_es256(bencher: divan::Bencher) {
    let c = case(Algorithm::ES256);
    bencher.bench_local(|| black_box(c.verify()).is_ok());
}

#[divan::bench]
fn signature_only_rs256(bencher: divan::Bencher) {
    let c = case(Algorithm::RS256);
    assert!(c.signature_only());
    bencher.bench_local(|| black_box(c.signature_only()));
}

#[divan::bench]
fn signature_only_es256(bencher: divan::Bencher) {
    let c = case(Algorithm::ES256);
    assert!(c.signature_only());
    bencher.bench_local(|| black_box(c.signature_only()));
}

#[divan::bench]
fn claims_only(bencher: divan::Bencher) {
    let c = case(Algorithm::ES256);
    let payload = c.token.split('.').nth(1).unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    bencher.bench_local(|| {
        black_box(serde_json::from_slice::<serde_json::Map<String, Value>>(
            &bytes,
        ))
        .is_ok()
    });
}
