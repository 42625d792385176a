//! ID-token verification with the keys already in hand: the same parse, key choice and checks as a
//! sign-in, without the provider's network. For the benchmarks (`benches/idtoken.rs`), through
//! `hallpass::provider::IdTokenVerifier`, which is not part of the documented API.

use std::time::Duration;

use serde_json::{Map, Value};
use url::Url;

use super::idtoken::{self, Expect, IdTokenError, Nonce};
use super::jwks::{self, JwksCache};
use super::jws;

/// Verifies ID tokens from one issuer for one client against a JWKS document, as a provider does
/// once its keys are cached.
pub struct IdTokenVerifier {
    keys: JwksCache,
    issuer: String,
    client_id: String,
    required: Vec<(String, String)>,
    skew: Duration,
}

impl IdTokenVerifier {
    /// A verifier with the keys of `jwks` (`{"keys": [...]}`), the default clock skew (15 s) and
    /// no required claims.
    pub fn new(jwks: &Value, issuer: &str, client_id: &str) -> Self {
        // Never fetched: every key is loaded up front, and `verify` only reads the cache.
        let url = Url::parse("http://jwks.invalid/").expect("a constant URL");
        Self {
            keys: JwksCache::loaded(url, jwks),
            issuer: issuer.to_string(),
            client_id: client_id.to_string(),
            required: Vec::new(),
            skew: Duration::from_secs(15),
        }
    }

    /// A claim that must have exactly this value (Cognito's preset requires `token_use` = `id`).
    pub fn require(mut self, claim: &str, value: &str) -> Self {
        self.required.push((claim.to_string(), value.to_string()));
        self
    }

    /// The claims of `id_token` when it passes every check a sign-in makes at `now` (Unix
    /// seconds): `nonce` when the authorization request sent one, `access_token` for `at_hash`.
    pub fn verify(
        &self,
        id_token: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
        now: i64,
    ) -> Result<Map<String, Value>, IdTokenError> {
        let token = jws::parse_unverified(id_token)?;
        let alg = token.alg;
        let kid = token.kid.as_deref();
        let key = self
            .keys
            .cached(kid, alg)?
            .ok_or_else(|| jwks::unknown(kid, true))?;
        idtoken::verify(
            token,
            &key,
            &Expect {
                issuer: &self.issuer,
                client_id: &self.client_id,
                nonce: nonce.map_or(Nonce::NotSent, Nonce::Sent),
                access_token,
                alg,
                skew: self.skew,
                required: &self.required,
                now,
            },
        )
    }
}
