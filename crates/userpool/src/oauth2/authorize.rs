//! `/oauth2/authorize`: reuse the hosted-UI session or send the user to the sign-in page;
//! and, once the user is authenticated, the redirect back to the client with a code.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::federation;
use super::params::{check_authorize, Authorized, OAuthParams, Refusal};
use crate::error::HttpError;
use crate::hosted_session;
use crate::http::{append_query, found, MAX_PARAM};
use crate::pool::UserPool;
use crate::store::AuthCodeRow;
use crate::tokens;
use crate::user_tokens::TokenRequest;

/// Authorization code lifetime (Cognito: 5 minutes).
const AUTH_CODE_SECS: i64 = 5 * 60;

/// A refused `redirect_uri` is the classic first-run mistake (the app on another port than its
/// `AUTH_URL`): log what was received beside what is registered. `{:?}` escapes control characters.
fn log_redirect_mismatch(pool: &UserPool, params: &OAuthParams) {
    let Some((_, client)) = params.client_id.as_deref().and_then(|c| pool.client(c)) else {
        return;
    };
    if let Some(uri) = params
        .redirect_uri
        .as_deref()
        .filter(|r| !client.callback_urls.iter().any(|c| c == r))
    {
        tracing::warn!(
            client_id = %client.id,
            "redirect_mismatch: received redirect_uri {uri:?}; registered callback URLs: {:?} \
             (the demo pool registers {{site}}/api/auth/callback/cognito: start it with \
             `--site-origin http://localhost:PORT` for an app on another port; a seed file \
             lists `callback_urls`)",
            client.callback_urls
        );
    }
}

pub(super) async fn authorize(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, HttpError> {
    let mut m = HashMap::new();
    for (k, v) in q {
        if v.len() > MAX_PARAM {
            return Ok(found(&format!(
                "{}/error?error=invalid_request",
                pool.base_path()
            )));
        }
        m.entry(k).or_insert(v);
    }
    let params = OAuthParams::from_map(&m);
    let auth = match check_authorize(&pool, &params) {
        Ok(a) => a,
        Err(r) => {
            log_redirect_mismatch(&pool, &params);
            return Ok(r.into_response(&pool));
        }
    };
    let refuse = |error| {
        Refusal::Callback {
            redirect_uri: auth.redirect_uri.clone(),
            error,
            state: auth.state.clone(),
        }
        .into_response(&pool)
    };
    // An identity provider named: the browser goes there (no session reuse, as in Cognito).
    let named = federation::start::named_provider(
        &pool,
        &auth.pool_id,
        m.get("identity_provider").map(String::as_str),
        m.get("idp_identifier").map(String::as_str),
    )
    .await?;
    match named {
        Ok(Some(provider)) => {
            return federation::start::redirect_to_provider(&pool, &auth, &provider).await
        }
        Ok(None) => {}
        Err(()) => return Ok(refuse("invalid_request")),
    }
    let prompt = m.get("prompt").map(String::as_str).unwrap_or("");
    let prompts: Vec<&str> = prompt.split(' ').collect();
    let session = if prompts.contains(&"login") {
        None
    } else {
        hosted_session::current(&pool, &headers, &auth.pool_id).await?
    };
    match session {
        Some((sub, auth_time)) => complete_sign_in(&pool, &auth, &sub, auth_time).await,
        None if prompts.contains(&"none") => Ok(refuse("login_required")),
        None => {
            let mut extra = vec![];
            if let Some(h) = m.get("login_hint") {
                extra.push(("login_hint", h.as_str()));
            }
            if let Some(l) = m.get("lang") {
                extra.push(("lang", l.as_str()));
            }
            let to = format!("{}/login?{}", pool.base_path(), params.query(&extra));
            Ok(found(&to))
        }
    }
}

/// The user is authenticated: redirect to the callback with a code (or, for the implicit
/// flow, tokens in the fragment).
pub(crate) async fn complete_sign_in(
    pool: &UserPool,
    auth: &Authorized,
    sub: &str,
    auth_time: i64,
) -> Result<Response, HttpError> {
    let now = pool.now();
    if auth.implicit {
        let pc = pool.pool_config(&auth.pool_id)?;
        let user = pool
            .store()
            .user_by_sub(&auth.pool_id, sub)
            .await?
            .ok_or_else(|| HttpError::oauth("invalid_grant"))?;
        let scopes: Vec<&str> = auth.scopes.iter().map(String::as_str).collect();
        let tokens = pool
            .issue_user_tokens(TokenRequest {
                pool: pc,
                client_id: &auth.client_id,
                user: &user,
                scopes: &scopes,
                auth_time,
                nonce: auth.nonce.as_deref(),
                origin: None,
                with_refresh: false,
                source: crate::triggers::TokenSource::HostedAuth,
            })
            .await?;
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if let Some(id) = &tokens.id_token {
            s.append_pair("id_token", id);
        }
        s.append_pair("access_token", &tokens.access_token);
        s.append_pair("expires_in", &tokens.expires_in.to_string());
        s.append_pair("token_type", "Bearer");
        if let Some(st) = &auth.state {
            s.append_pair("state", st);
        }
        return Ok(found(&format!("{}#{}", auth.redirect_uri, s.finish())));
    }
    // Cognito's codes are UUIDs; only the hash is stored.
    let code = uuid::Uuid::new_v4().to_string();
    pool.store()
        .insert_auth_code(
            &tokens::hash_secret(&code),
            &AuthCodeRow {
                pool_id: auth.pool_id.clone(),
                client_id: auth.client_id.clone(),
                sub: sub.to_string(),
                redirect_uri: auth.redirect_uri.clone(),
                scope: auth.scopes.join(" "),
                nonce: auth.nonce.clone(),
                code_challenge: auth.code_challenge.clone(),
                auth_time,
                expires_at: now + AUTH_CODE_SECS,
                used: false,
            },
        )
        .await?;
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &auth.state {
        pairs.push(("state", s));
    }
    Ok(found(&append_query(&auth.redirect_uri, &pairs)))
}
