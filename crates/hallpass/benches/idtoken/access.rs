//! Access-token verification (`Authorization: Bearer`, issue 29) with the issuer's keys already
//! loaded, per call on one core.
//!
//! `cargo bench -p hallpass --bench idtoken -- access` (a module of the ID-token bench, whose keys and
//! issuer it shares). The token is a typical Cognito access token (the
//! claims Cognito puts in a user's token, with groups, ~1.1 KB), RS256 (Cognito's algorithm) or
//! ES256.
//!
//! - `first_*`: a token the verifier has not seen: Hallpass's `AccessTokenVerifier::verify` with
//!   its cache of verified tokens turned off (`cache_capacity(0)`), so every call does what the
//!   first sight of a token does (size cap, SHA-256 cache key, strict header, key by `kid`,
//!   signature, every claim check) except the final cache insert.
//! - `jsonwebtoken_decode_*`: `jsonwebtoken::decode` alone on the same token and key (signature,
//!   `exp`, JSON into a claims map), the target's yardstick: `first_rs256` within 2× of it.
//! - `repeated`: a token verified before, answered from the cache (hash, lookup, revocation check).
//!
//! `verify` is async only for a JWKS fetch; with the keys loaded it never waits, so it is polled
//! once with a no-op waker (and the bench asserts it was ready): no runtime in the figures.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use hallpass::{AccessToken, AccessTokenVerifier, TokenError};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Map, Value};

use super::{ec_jwk, now, rsa_jwk, CLIENT_ID, EC_PEM, ISSUER, RSA_PEM};

/// The claims of a Cognito user's access token after a hosted-UI sign-in.
fn claims(now: i64) -> Value {
    json!({
        "sub": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
        "cognito:groups": ["admin", "users", "beta-testers"],
        "iss": ISSUER,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": "0f6a2b8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
        "event_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        "token_use": "access",
        "scope": "openid profile email orders/read",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
        "username": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
    })
}

struct Case {
    verifier: AccessTokenVerifier,
    token: String,
    key: DecodingKey,
    alg: Algorithm,
}

/// A verifier with both keys loaded (cache of `capacity` tokens) and a token signed with `alg`.
fn case(alg: Algorithm, capacity: usize) -> Case {
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
    let verifier = AccessTokenVerifier::builder(ISSUER)
        .client_id(CLIENT_ID)
        .cache_capacity(capacity)
        .build_with_jwks(&json!({"keys": [rsa_jwk(), ec_jwk()]}))
        .expect("valid settings");
    let c = Case {
        verifier,
        token,
        key,
        alg,
    };
    // A benchmark of a refusal would be worthless: check the happy path first.
    let verified = c.verify().expect("the bench token verifies");
    assert!(verified.in_group("admin") && verified.has_scope("orders/read"));
    assert_eq!(
        c.decode().expect("jsonwebtoken decodes")["sub"],
        verified.sub()
    );
    c
}

impl Case {
    /// `verify`, polled once: with the keys loaded it never waits.
    fn verify(&self) -> Result<AccessToken, TokenError> {
        let mut fut = pin!(self.verifier.verify(&self.token));
        match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(r) => r,
            Poll::Pending => panic!("verify waited with the keys loaded"),
        }
    }

    /// `jsonwebtoken::decode` alone: signature, `exp`, claims into a map.
    fn decode(&self) -> Result<Map<String, Value>, jsonwebtoken::errors::Error> {
        let validation = Validation::new(self.alg);
        jsonwebtoken::decode::<Map<String, Value>>(&self.token, &self.key, &validation)
            .map(|d| d.claims)
    }
}

#[divan::bench]
fn first_rs256(bencher: divan::Bencher) {
    let c = case(Algorithm::RS256, 0);
    bencher.bench_local(|| black_box(c.verify()).is_ok());
}

#[divan::bench]
fn jsonwebtoken_decode_rs256(bencher: divan::Bencher) {
    let c = case(Algorithm::RS256, 0);
    bencher.bench_local(|| black_box(c.decode()).is_ok());
}

#[divan::bench]
fn first_es256(bencher: divan::Bencher) {
    let c = case(Algorithm::ES256, 0);
    bencher.bench_local(|| black_box(c.verify()).is_ok());
}

#[divan::bench]
fn jsonwebtoken_decode_es256(bencher: divan::Bencher) {
    let c = case(Algorithm::ES256, 0);
    bencher.bench_local(|| black_box(c.decode()).is_ok());
}

#[divan::bench]
fn repeated(bencher: divan::Bencher) {
    let c = case(Algorithm::RS256, 8192);
    bencher.bench_local(|| black_box(c.verify()).is_ok());
}
