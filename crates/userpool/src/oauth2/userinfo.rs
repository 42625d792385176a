//! `/oauth2/userInfo`: the signed-in user's attributes, for a valid access token.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::access_token::{self, AccessRefusal};
use crate::error::HttpError;
use crate::http::{cors, no_store};
use crate::pool::UserPool;
use crate::tokens;

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
    let token = match access_token::verify(&pool, token).await? {
        Ok(t) => t,
        Err(AccessRefusal::Invalid) => return Err(invalid("Invalid token")),
        Err(AccessRefusal::Expired) => return Err(invalid("Access token has expired")),
        Err(AccessRefusal::Revoked) => return Err(invalid("Access token has been revoked")),
    };
    let scopes = token.scopes();
    if !scopes.contains(&"openid") && !scopes.contains(&"aws.cognito.signin.user.admin") {
        return Err(invalid("Access token does not have the openid scope"));
    }
    let Some(user) = pool.store().user_by_sub(&token.pool_id, &token.sub).await? else {
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
