//! Cognito access tokens from `Authorization: Bearer`, for the JSON APIs behind a browser app, a
//! mobile app or another service: the checks `aws-jwt-verify`'s `CognitoJwtVerifier` makes, with
//! the ID tokens' parser and JWKS cache (keys by `kid`, an unknown `kid` re-fetched at most once
//! per 10 s), plus what it leaves to the caller: sign-ins ended here (revocations), an optional
//! re-check with the user pool for sign-ins ended elsewhere, and a cache of tokens already
//! verified so that a repeated token costs a hash and a lookup.

mod cache;
mod header;
mod recheck;
mod revoked;
mod token;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use url::Url;

pub use token::{AccessToken, TokenUse};

use crate::clock::{Clock, SystemClock};
use crate::config::ConfigError;
use crate::provider::cognito_api::CognitoApi;
use crate::provider::{http_client, jwks::JwksCache, jws};
use crate::token_error::TokenError;
use cache::VerifiedCache;
use recheck::Recheck;
use revoked::Revocations;
use token::Expect;

/// Tokens longer than this are refused unread (Cognito's are a few KB, with many groups).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Verifies Cognito access tokens (or ID tokens, [`TokenUse::Id`]) of one user pool for a set of
/// app clients. Cheap to clone; give it to [`HallpassBuilder::access_tokens`](crate::HallpassBuilder::access_tokens)
/// so that the [`AccessToken`] and [`Caller`](crate::Caller) extractors and the scope guards use it.
///
/// ```
/// use hallpass::AccessTokenVerifier;
///
/// let verifier = AccessTokenVerifier::builder("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc")
///     .client_id("web-app-client-id")
///     .client_id("machine-client-id")
///     .build()?;
/// # let _ = verifier;
/// # Ok::<(), hallpass::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct AccessTokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    client_ids: Vec<String>,
    token_use: TokenUse,
    skew: i64,
    jwks: JwksCache,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    cache: VerifiedCache,
    revoked: Revocations,
    recheck: Option<Recheck>,
}

impl std::fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenVerifier")
            .field("issuer", &self.inner.issuer)
            .field("client_ids", &self.inner.client_ids)
            .field("token_use", &self.inner.token_use)
            .finish_non_exhaustive()
    }
}

/// Builds an [`AccessTokenVerifier`]; from [`AccessTokenVerifier::builder`].
#[must_use]
pub struct AccessTokenVerifierBuilder {
    issuer: String,
    client_ids: Vec<String>,
    token_use: TokenUse,
    skew: Duration,
    cache_capacity: usize,
    revocation_capacity: usize,
    clock: Arc<dyn Clock>,
    timeout: Duration,
    recheck_every: Option<Duration>,
    pool_api: Option<Url>,
}

impl std::fmt::Debug for AccessTokenVerifierBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenVerifierBuilder")
            .field("issuer", &self.issuer)
            .field("client_ids", &self.client_ids)
            .finish_non_exhaustive()
    }
}

impl AccessTokenVerifierBuilder {
    /// An app client whose tokens are accepted (`client_id` of access tokens, `aud` of ID
    /// tokens): the site's, a browser app's, a machine client's. At least one.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_ids.push(id.into());
        self
    }

    /// Which tokens to take (default [`TokenUse::Access`]).
    pub fn token_use(mut self, token_use: TokenUse) -> Self {
        self.token_use = token_use;
        self
    }

    /// Clock skew allowed on `exp`, `nbf` and `iat` (default 5 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// How many verified tokens are remembered (default 8192; 0 turns the cache off).
    pub fn cache_capacity(mut self, tokens: usize) -> Self {
        self.cache_capacity = tokens;
        self
    }

    /// How many revoked sign-ins are remembered (default 100,000). A full list never forgets
    /// one: it refuses the tokens that expire soonest instead (and logs a warning).
    pub fn revocation_capacity(mut self, ids: usize) -> Self {
        self.revocation_capacity = ids;
        self
    }

    /// Asks the user pool (`GetUser`) whether a user's token is still good: when first seen, then
    /// at most once per `every` (zero: every request). Catches what no signature can: a sign-in
    /// ended on another instance of the site (its sign-out revokes the refresh token; with the
    /// hosted UI only when `COGNITO_FEDERATED_SIGNOUT` is on, the default), by `RevokeToken` or
    /// `GlobalSignOut`, and a user disabled or deleted. Off by default; a token can then be used
    /// until it expires (an hour by default) unless it was revoked here.
    ///
    /// Needs user tokens with the `aws.cognito.signin.user.admin` scope (what `InitiateAuth`
    /// gives, and the hosted UI when the client asks for it); others are refused. Machine tokens
    /// are not asked about: Cognito cannot end them early. When the pool cannot be asked, the
    /// token is refused with a 503 (fail closed). Access tokens only.
    pub fn recheck_users_every(mut self, every: Duration) -> Self {
        self.recheck_every = Some(every);
        self
    }

    /// Where the pool's JSON API is, for the re-check (default: the issuer's origin, which is
    /// Cognito's regional endpoint and a local pool's root).
    pub fn user_pool_api(mut self, url: Url) -> Self {
        self.pool_api = Some(url);
        self
    }

    /// The clock (default: the system's); tests pass a [`ManualClock`](crate::clock::ManualClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Timeout of a JWKS fetch (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the settings: the issuer an https URL (http only on loopback), a client id.
    pub fn build(self) -> Result<AccessTokenVerifier, ConfigError> {
        self.finish(None)
    }

    /// [`build`](Self::build) with the issuer's keys already loaded from `jwks` (a JWKS document,
    /// `{"keys": [...]}`), as after a first fetch: for the benchmarks, which measure verification
    /// without a network. Not part of the documented API.
    #[doc(hidden)]
    pub fn build_with_jwks(self, jwks: &Value) -> Result<AccessTokenVerifier, ConfigError> {
        self.finish(Some(jwks))
    }

    fn finish(self, jwks: Option<&Value>) -> Result<AccessTokenVerifier, ConfigError> {
        let issuer = self.issuer.trim_end_matches('/').to_string();
        let url = Url::parse(&issuer).map_err(|e| ConfigError::InvalidUrl {
            var: "COGNITO_ISSUER",
            reason: e.to_string(),
        })?;
        if !private_enough(&url) {
            return Err(ConfigError::InvalidUrl {
                var: "COGNITO_ISSUER",
                reason: "the issuer must be https (http only on loopback)".into(),
            });
        }
        if self.client_ids.is_empty() {
            return Err(ConfigError::InvalidValue {
                var: "COGNITO_CLIENT_ID",
                reason: "an access-token verifier needs at least one allowed client id".into(),
            });
        }
        let jwks_url = Url::parse(&format!("{issuer}/.well-known/jwks.json")).map_err(|e| {
            ConfigError::InvalidUrl {
                var: "COGNITO_ISSUER",
                reason: e.to_string(),
            }
        })?;
        let http = http_client(self.timeout).map_err(|e| ConfigError::InvalidValue {
            var: "COGNITO_ISSUER",
            reason: e.to_string(),
        })?;
        let recheck = match self.recheck_every {
            None => None,
            Some(_) if self.token_use == TokenUse::Id => {
                return Err(ConfigError::InvalidValue {
                    var: "COGNITO_TOKEN_RECHECK_SECONDS",
                    reason: "only access tokens can be re-checked with the user pool (GetUser)"
                        .into(),
                })
            }
            Some(every) => {
                let endpoint = match self.pool_api {
                    // Tokens are sent there.
                    Some(api) if !private_enough(&api) => {
                        return Err(ConfigError::InvalidUrl {
                            var: "AccessTokenVerifierBuilder::user_pool_api",
                            reason: "the pool's API must be https (http only on loopback)".into(),
                        })
                    }
                    Some(api) => api,
                    None => Url::parse(&format!("{}/", url.origin().ascii_serialization()))
                        .map_err(|e| ConfigError::InvalidUrl {
                            var: "COGNITO_ISSUER",
                            reason: e.to_string(),
                        })?,
                };
                let api = CognitoApi::new(http.clone(), endpoint, "", None);
                let every = i64::try_from(every.as_secs()).unwrap_or(i64::MAX);
                Some(Recheck::new(api, every))
            }
        };
        Ok(AccessTokenVerifier {
            inner: Arc::new(Inner {
                issuer,
                client_ids: self.client_ids,
                token_use: self.token_use,
                skew: i64::try_from(self.skew.as_secs()).unwrap_or(i64::MAX),
                jwks: match jwks {
                    Some(document) => JwksCache::loaded(jwks_url, document),
                    None => JwksCache::new(jwks_url),
                },
                http,
                clock: self.clock,
                cache: VerifiedCache::new(self.cache_capacity),
                revoked: Revocations::new(self.revocation_capacity),
                recheck,
            }),
        })
    }
}

impl AccessTokenVerifier {
    /// A verifier for the pool whose issuer is `issuer` (`COGNITO_ISSUER`:
    /// `https://cognito-idp.REGION.amazonaws.com/POOL_ID`).
    pub fn builder(issuer: impl Into<String>) -> AccessTokenVerifierBuilder {
        AccessTokenVerifierBuilder {
            issuer: issuer.into(),
            client_ids: Vec::new(),
            token_use: TokenUse::Access,
            skew: Duration::from_secs(5),
            cache_capacity: 8192,
            revocation_capacity: revoked::DEFAULT_CAPACITY,
            clock: Arc::new(SystemClock),
            timeout: Duration::from_secs(5),
            recheck_every: None,
            pool_api: None,
        }
    }

    /// From the site's Cognito settings: `COGNITO_ISSUER`, `COGNITO_CLIENT_ID`,
    /// `COGNITO_API_CLIENT_IDS` (more clients, comma-separated: a browser app's, machines'),
    /// and `COGNITO_TOKEN_RECHECK_SECONDS` ([`recheck_users_every`](AccessTokenVerifierBuilder::recheck_users_every)).
    /// `Ok(None)` without `COGNITO_ISSUER`.
    pub fn from_env() -> Result<Option<AccessTokenVerifier>, ConfigError> {
        let Ok(issuer) = std::env::var("COGNITO_ISSUER") else {
            return Ok(None);
        };
        let mut builder = Self::builder(issuer);
        let ids = std::env::var("COGNITO_CLIENT_ID").into_iter().chain(
            std::env::var("COGNITO_API_CLIENT_IDS")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .collect::<Vec<_>>(),
        );
        for id in ids.filter(|id| !id.is_empty()) {
            builder = builder.client_id(id);
        }
        let recheck = std::env::var("COGNITO_TOKEN_RECHECK_SECONDS").unwrap_or_default();
        if !recheck.trim().is_empty() {
            let seconds = recheck
                .trim()
                .parse()
                .map_err(|_| ConfigError::InvalidValue {
                    var: "COGNITO_TOKEN_RECHECK_SECONDS",
                    reason: "a whole number of seconds".into(),
                })?;
            builder = builder.recheck_users_every(Duration::from_secs(seconds));
        }
        builder.build().map(Some)
    }

    /// The token if it passes every check: from the cache when it was verified before (and its
    /// sign-in not revoked since), else its header, key (the issuer's JWKS, by `kid`), signature
    /// and claims; then, when the verifier re-checks users, the pool's answer when one is due.
    pub async fn verify(&self, token: &str) -> Result<AccessToken, TokenError> {
        let now = self.inner.clock.now();
        let t = self.verified(token, now).await?;
        let Some(recheck) = &self.inner.recheck else {
            return Ok(t);
        };
        match recheck.ensure(token, &t, now).await {
            Ok(()) => Ok(t),
            Err(TokenError::EndedAtPool) => {
                // The pool's answer holds for every token of that sign-in, here at once.
                for id in t.revocation_ids() {
                    self.revoke(id, t.expires_at());
                }
                Err(TokenError::EndedAtPool)
            }
            Err(e) => Err(e),
        }
    }

    /// Every check but the pool's.
    async fn verified(&self, token: &str, now: i64) -> Result<AccessToken, TokenError> {
        let i = &self.inner;
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Oversize);
        }
        let slot = i.cache.slot(token.as_bytes());
        if let Some(t) = i.cache.get(slot, token.as_bytes(), now, i.skew) {
            return self.not_revoked(t);
        }
        header::check(token)?;
        let parsed = jws::parse_unverified(token)?;
        let decoding = i
            .jwks
            .key_for(&i.http, parsed.kid.as_deref(), parsed.alg, now)
            .await?;
        let claims = parsed.verify_signature(&decoding)?;
        let verified = token::check(
            claims,
            &Expect {
                issuer: &i.issuer,
                client_ids: &i.client_ids,
                token_use: i.token_use,
                skew: i.skew,
                now,
            },
        )?;
        i.cache.insert(slot, token, verified.clone());
        self.not_revoked(verified)
    }

    /// The token when it was verified before and is still good, without waiting: the guards'
    /// fast path. `None`: verify it (also when the pool is to be asked about it).
    pub(crate) fn verify_cached(&self, token: &[u8]) -> Option<AccessToken> {
        let i = &self.inner;
        let now = i.clock.now();
        let t = i.cache.get(i.cache.slot(token), token, now, i.skew)?;
        if i.recheck.as_ref().is_some_and(|r| !r.fresh(&t, now)) {
            return None;
        }
        self.not_revoked(t).ok()
    }

    fn not_revoked(&self, t: AccessToken) -> Result<AccessToken, TokenError> {
        let until = t.expires_at().saturating_add(self.inner.skew);
        if self.inner.revoked.any_of(t.revocation_ids(), until) {
            return Err(TokenError::Revoked);
        }
        Ok(t)
    }

    /// Refuses from now on the tokens of a sign-in: `id` is its `origin_jti` (what Cognito's
    /// `RevokeToken` ends), or a token's `jti`, remembered until `until` (Unix seconds, the last
    /// such token's `exp`). Hallpass calls it when a user signs out of the site; call it too for
    /// sign-outs another instance reports.
    pub fn revoke(&self, id: &str, until: i64) {
        let now = self.inner.clock.now();
        // Kept as long as such a token still passes the `exp` check, skew included.
        let until = until.saturating_add(self.inner.skew);
        self.inner.revoked.add(id, until, now);
    }

    /// A site session's access token that ends (sign-out): its sign-in is revoked. The token came
    /// from the token endpoint to this server, so its payload is read without a signature check.
    pub(crate) fn revoke_issued(&self, access_token: &str) {
        let Some(claims) = payload(access_token) else {
            return;
        };
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        for claim in ["origin_jti", "jti"] {
            if let Some(id) = claims.get(claim).and_then(Value::as_str) {
                self.revoke(id, exp);
            }
        }
    }

    /// The issuer this verifier trusts.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }
}

/// https, or http on loopback (a local pool).
fn private_enough(url: &Url) -> bool {
    let loopback = url.host_str().is_some_and(|h| {
        h == "localhost"
            || h.parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

/// The payload of a compact JWS, unverified.
fn payload(token: &str) -> Option<serde_json::Map<String, Value>> {
    use base64::Engine as _;
    let part = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_access_tokens_can_be_rechecked() {
        let builder = || {
            AccessTokenVerifier::builder("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_A")
                .client_id("web")
                .recheck_users_every(Duration::from_secs(60))
        };
        assert!(builder().build().is_ok());
        let refused = builder().token_use(TokenUse::Id).build().unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("COGNITO_TOKEN_RECHECK_SECONDS"),
            "{refused}"
        );
    }
}
