//! `/oauth2/userInfo`: the signed-in user's attributes, for a valid access token.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use crate::error::HttpError;
use crate::http::{cors, no_store};
use crate::keys::Purpose;
use crate::pool::UserPool;
use crate::tokens;

/// Verifies an access token of any pool: signature (current or still-published key), issuer,
/// expiry on the pool's clock, `token_use`, and that its sign-in was not revoked.
async fn verify_access_token(
    pool: &UserPool,
    token: &str,
) -> Result<(String, Map<String, Value>), HttpError> {
    let invalid = HttpError::InvalidToken;
    let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("Invalid token"))?;
    if header.alg != Algorithm::RS256 {
        return Err(invalid("Invalid token"));
    }
    let kid = header.kid.ok_or(invalid("Invalid token"))?;
    for pc in pool.pools() {
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
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &v)
            .map_err(|_| invalid("Invalid token"))?;
        let claims = data.claims;
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= pool.now() {
            return Err(invalid("Access token has expired"));
        }
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return Err(invalid("Invalid token"));
        }
        return Ok((pc.id.clone(), claims));
    }
    Err(invalid("Invalid token"))
}

pub(super) async fn userinfo(
    State(pool): State<UserPool>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let invalid = HttpError::InvalidToken;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| {
            s.strip_prefix("Bearer ")
                .or_else(|| s.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(invalid("Access token is missing"))?;
    let (pool_id, claims) = verify_access_token(&pool, token).await?;
    let scope = claims.get("scope").and_then(Value::as_str).unwrap_or("");
    let scopes: Vec<&str> = scope.split(' ').collect();
    if !scopes.contains(&"openid") && !scopes.contains(&"aws.cognito.signin.user.admin") {
        return Err(invalid("Access token does not have the openid scope"));
    }
    let origin = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .unwrap_or("");
    match pool.store().sign_in(origin).await? {
        Some(s) if !s.revoked => {}
        _ => return Err(invalid("Access token has been revoked")),
    }
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let Some(user) = pool.store().user_by_sub(&pool_id, sub).await? else {
        return Err(invalid("User does not exist."));
    };
    let mut body = tokens::visible_attributes(&user, &scopes, true);
    body.insert("sub".into(), user.sub.clone().into());
    body.insert("username".into(), user.sub.clone().into());
    let mut resp = Json(Value::Object(body)).into_response();
    no_store(&mut resp);
    cors(&mut resp);
    Ok(resp)
}
