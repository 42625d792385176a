//! `/oauth2/token`: the authorization_code, refresh_token and client_credentials grants.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::client_auth::{authenticate_client, form_body};
use crate::config::{ClientConfig, OAuthFlow, PoolConfig};
use crate::error::HttpError;
use crate::http::{cors, no_store};
use crate::keys::Purpose;
use crate::pool::UserPool;
use crate::tokens;
use crate::triggers;
use crate::user_tokens::{TokenRequest, UserTokens};

pub(super) async fn token(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    let form = form_body(&headers, &body)?;
    let grant = form
        .get("grant_type")
        .cloned()
        .ok_or_else(|| HttpError::oauth("invalid_request"))?;
    if !matches!(
        grant.as_str(),
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return Err(HttpError::oauth("unsupported_grant_type"));
    }
    let (pc, client) = authenticate_client(&pool, &headers, &form)?;
    match grant.as_str() {
        "authorization_code" => code_grant(&pool, pc, client, &form).await,
        "refresh_token" => refresh_grant(&pool, pc, client, &form).await,
        _ => client_credentials_grant(&pool, pc, client, &form).await,
    }
}

async fn code_grant(
    pool: &UserPool,
    pc: &PoolConfig,
    client: &ClientConfig,
    form: &HashMap<String, String>,
) -> Result<Response, HttpError> {
    if !client.allows(OAuthFlow::Code) {
        return Err(HttpError::oauth("unauthorized_client"));
    }
    let (Some(code), Some(redirect_uri)) = (form.get("code"), form.get("redirect_uri")) else {
        return Err(HttpError::oauth("invalid_request"));
    };
    let grant = HttpError::oauth("invalid_grant");
    let code_hash = tokens::hash_secret(code);
    let Some(row) = pool.store().take_auth_code(&code_hash).await? else {
        return Err(grant);
    };
    if row.used {
        // A replay: whoever holds the code may have stolen it, so the first redemption's
        // tokens end too (RFC 6749 §4.1.2).
        if let Some(origin_jti) = pool.store().redemption(&code_hash).await? {
            pool.store().revoke_sign_in(&origin_jti).await?;
            tracing::warn!(pool = %pc.id, "authorization code replayed: its sign-in is revoked");
        }
        return Err(grant);
    }
    if row.expires_at <= pool.now() || row.client_id != client.id || row.pool_id != pc.id {
        return Err(grant);
    }
    if &row.redirect_uri != redirect_uri {
        return Err(grant);
    }
    match (&row.code_challenge, form.get("code_verifier")) {
        (None, None) => {}
        (Some(challenge), Some(verifier)) => {
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                return Err(grant);
            }
        }
        _ => return Err(grant),
    }
    let Some(user) = pool
        .store()
        .user_by_sub(&pc.id, &row.sub)
        .await?
        .filter(|u| u.confirmed)
    else {
        return Err(grant);
    };
    let scopes: Vec<&str> = row.scope.split(' ').filter(|s| !s.is_empty()).collect();
    let t = pool
        .issue_user_tokens(TokenRequest {
            pool: pc,
            client_id: &client.id,
            user: &user,
            scopes: &scopes,
            auth_time: row.auth_time,
            nonce: row.nonce.as_deref(),
            origin: None,
            with_refresh: true,
            source: crate::triggers::TokenSource::HostedAuth,
        })
        .await?;
    if pool
        .store()
        .record_redemption(&code_hash, &t.origin_jti, row.expires_at)
        .await?
    {
        // Replayed while these tokens were being made: the replay found nothing to revoke yet.
        pool.store().revoke_sign_in(&t.origin_jti).await?;
        return Err(grant);
    }
    Ok(user_tokens_response(t))
}

async fn refresh_grant(
    pool: &UserPool,
    pc: &PoolConfig,
    client: &ClientConfig,
    form: &HashMap<String, String>,
) -> Result<Response, HttpError> {
    let Some(rt) = form.get("refresh_token") else {
        return Err(HttpError::oauth("invalid_request"));
    };
    match pool.refresh_user_tokens(pc, client, rt).await? {
        Some(t) => Ok(user_tokens_response(t)),
        None => Err(HttpError::oauth_desc(
            "invalid_grant",
            "Invalid Refresh Token",
        )),
    }
}

async fn client_credentials_grant(
    pool: &UserPool,
    pc: &PoolConfig,
    client: &ClientConfig,
    form: &HashMap<String, String>,
) -> Result<Response, HttpError> {
    if !client.allows(OAuthFlow::ClientCredentials) || client.secret.is_none() {
        return Err(HttpError::oauth("unauthorized_client"));
    }
    let custom: Vec<&str> = client
        .allowed_scopes
        .iter()
        .map(String::as_str)
        .filter(|s| s.contains('/'))
        .collect();
    let scopes: Vec<&str> = match form.get("scope") {
        Some(s) => {
            let requested: Vec<&str> = s.split(' ').filter(|x| !x.is_empty()).collect();
            if requested.iter().any(|r| !custom.contains(r)) {
                return Err(HttpError::oauth("invalid_scope"));
            }
            requested
        }
        None => custom,
    };
    if scopes.is_empty() {
        return Err(HttpError::oauth("invalid_scope"));
    }
    let now = pool.now();
    let life = 60 * i64::from(pc.token_validity.access_token_minutes);
    let issuer = format!("{}/{}", pool.base(), pc.id);
    let key = pool.signing_key(pc, Purpose::Access).await?;
    let mut claims = tokens::client_access_claims(&issuer, &client.id, &scopes, now, life);
    let metadata = client_metadata(form)?;
    triggers::pre_token_generation_m2m(pool, pc, &client.id, &scopes, metadata)
        .await?
        .apply_access(&mut claims);
    let access_token = tokens::sign(&key, &claims)?;
    Ok(token_response(json!({
        "access_token": access_token,
        "expires_in": life,
        "token_type": "Bearer",
    })))
}

/// `aws_client_metadata`: a JSON object of strings for the Lambda triggers, as Cognito takes it.
fn client_metadata(form: &HashMap<String, String>) -> Result<Value, HttpError> {
    match form.get("aws_client_metadata") {
        None => Ok(json!({})),
        Some(text) => match serde_json::from_str::<HashMap<String, String>>(text) {
            Ok(m) => Ok(json!(m)),
            Err(_) => Err(HttpError::oauth("invalid_request")),
        },
    }
}

/// The token endpoint's reply for a user's tokens (authorization_code and refresh_token grants):
/// no `refresh_token` key when none was issued, as Cognito answers a refresh without rotation.
fn user_tokens_response(t: UserTokens) -> Response {
    let mut body = Map::new();
    if let Some(id) = t.id_token {
        body.insert("id_token".into(), id.into());
    }
    body.insert("access_token".into(), t.access_token.into());
    if let Some(r) = t.refresh_token {
        body.insert("refresh_token".into(), r.into());
    }
    body.insert("expires_in".into(), t.expires_in.into());
    body.insert("token_type".into(), "Bearer".into());
    token_response(Value::Object(body))
}

fn token_response(body: Value) -> Response {
    let mut resp = Json(body).into_response();
    no_store(&mut resp);
    cors(&mut resp);
    resp
}
