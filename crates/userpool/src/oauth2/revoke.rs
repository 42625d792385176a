//! `/oauth2/revoke`: revoking a refresh token ends every token of its sign-in.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::client_auth::{authenticate_client, form_body};
use crate::error::HttpError;
use crate::http::{cors, no_store};
use crate::pool::UserPool;
use crate::tokens;

pub(super) async fn revoke(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    let form = form_body(&headers, &body)?;
    let (_, client) = authenticate_client(&pool, &headers, &form)?;
    let Some(token) = form.get("token") else {
        return Err(HttpError::oauth("invalid_request"));
    };
    // Only refresh tokens can be revoked; a JWT here is an access or ID token.
    if token.split('.').count() == 3 && token.starts_with("eyJ") {
        return Err(HttpError::oauth("unsupported_token_type"));
    }
    if let Some((origin_jti, _, _)) = pool.store().refresh(&tokens::hash_secret(token)).await? {
        if let Some(origin) = pool.store().sign_in(&origin_jti).await? {
            if origin.client_id != client.id {
                return Err(HttpError::oauth("unauthorized_client"));
            }
            pool.store().revoke_sign_in(&origin_jti).await?;
        }
    }
    let mut resp = StatusCode::OK.into_response();
    no_store(&mut resp);
    cors(&mut resp);
    Ok(resp)
}
