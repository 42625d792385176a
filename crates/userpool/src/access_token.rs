//! Verifying an access token presented to the pool (`/oauth2/userInfo`, the JSON API's
//! `GetUser` & co): the one place that decides whether an access token still counts.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::keys::Purpose;
use crate::pool::UserPool;

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessRefusal {
    /// Not a token of any pool: bad signature, issuer, type, or unreadable.
    Invalid,
    /// Past its `exp` on the pool's clock.
    Expired,
    /// Its sign-in was revoked (sign-out, password reset, ...).
    Revoked,
}

/// A verified access token.
#[derive(Debug)]
pub(crate) struct AccessToken {
    pub pool_id: String,
    pub sub: String,
    pub claims: Map<String, Value>,
}

impl AccessToken {
    /// The token's scopes.
    pub(crate) fn scopes(&self) -> Vec<&str> {
        self.claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split(' ')
            .collect()
    }
}

/// Verifies an access token of any pool: signature (current or still-published key),
/// issuer, expiry on the pool's clock, `token_use`, and that its sign-in was not revoked.
pub(crate) async fn verify(
    pool: &UserPool,
    token: &str,
) -> Result<Result<AccessToken, AccessRefusal>, Error> {
    let Some(kid) = jsonwebtoken::decode_header(token)
        .ok()
        .filter(|h| h.alg == Algorithm::RS256)
        .and_then(|h| h.kid)
    else {
        return Ok(Err(AccessRefusal::Invalid));
    };
    for pc in pool.all_pools() {
        let keys = pool.published_keys(pc).await?;
        let Some((_, key)) = keys
            .iter()
            .find(|(p, k)| *p == Purpose::Access && k.kid == kid)
        else {
            continue;
        };
        let mut v = Validation::new(Algorithm::RS256);
        // Expiry is checked below against the pool's clock; Cognito access tokens have no aud.
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v.set_issuer(&[format!("{}/{}", pool.base(), pc.id)]);
        let Ok(data) = jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &v) else {
            return Ok(Err(AccessRefusal::Invalid));
        };
        let claims = data.claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
        if text("token_use").as_deref() != Some("access") {
            return Ok(Err(AccessRefusal::Invalid));
        }
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= pool.now() {
            return Ok(Err(AccessRefusal::Expired));
        }
        let (Some(sub), Some(origin_jti)) = (text("sub"), text("origin_jti")) else {
            return Ok(Err(AccessRefusal::Invalid));
        };
        match pool.store().sign_in(&origin_jti).await? {
            Some(s) if !s.revoked => {}
            _ => return Ok(Err(AccessRefusal::Revoked)),
        }
        return Ok(Ok(AccessToken {
            pool_id: pc.id.clone(),
            sub,
            claims,
        }));
    }
    Ok(Err(AccessRefusal::Invalid))
}
