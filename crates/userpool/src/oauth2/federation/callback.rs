//! `/oauth2/idpresponse`: the provider sends the browser back here with a code. The state is
//! taken (single use) and must belong to this browser; the code is redeemed, the ID token
//! verified, the user found or made; then the app gets the pool's own code, as after a native
//! sign-in on the hosted UI.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use serde_json::{Map, Value};

use super::start::callback_url;
use super::users::{federated_user, Refused};
use super::{upstream, FederationError, BROWSER_COOKIE};
use crate::error::{Error, HttpError};
use crate::hosted_session::{self, pool_cookie, sent_cookies};
use crate::http::{append_query, found, MAX_PARAM};
use crate::oauth2::authorize::complete_sign_in;
use crate::oauth2::params::{error_page_query, Authorized};
use crate::pool::UserPool;
use crate::store::{FederationState, ProviderRow};
use crate::tokens;

/// The app's callback with an OAuth error (Cognito sends `error_description` first).
fn to_app(auth: &Authorized, error: &str, description: &str) -> Response {
    let mut pairs = vec![("error_description", description), ("error", error)];
    if let Some(s) = &auth.state {
        pairs.push(("state", s));
    }
    found(&append_query(&auth.redirect_uri, &pairs))
}

fn error_page(pool: &UserPool, error: &str) -> Response {
    found(&format!(
        "{}/error?{}",
        pool.base_path(),
        error_page_query(error, None)
    ))
}

/// Takes the state named by the query, if it is live and this browser's.
async fn take_state(
    pool: &UserPool,
    headers: &HeaderMap,
    state: &str,
) -> Result<Option<FederationState>, Error> {
    let Some(row) = pool
        .store()
        .take_federation_state(&tokens::hash_secret(state), pool.now())
        .await?
    else {
        return Ok(None);
    };
    let ours = sent_cookies(headers, BROWSER_COOKIE)
        .iter()
        .any(|b| b.len() <= MAX_PARAM && tokens::hash_secret(b) == row.browser_hash);
    Ok(ours.then_some(row))
}

pub(crate) async fn idp_response(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let Some(state) = q
        .get("state")
        .filter(|s| !s.is_empty() && s.len() <= MAX_PARAM)
    else {
        return Ok(error_page(&pool, "invalid_request"));
    };
    let Some(row) = take_state(&pool, &headers, state).await? else {
        return Ok(error_page(&pool, "invalid_state"));
    };
    let auth: Authorized =
        serde_json::from_str(&row.request).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(e) = q.get("error") {
        let error = if e == "access_denied" {
            "access_denied"
        } else {
            "invalid_request"
        };
        return Ok(to_app(
            &auth,
            error,
            "The identity provider refused the sign-in",
        ));
    }
    let Some(code) = q
        .get("code")
        .filter(|c| !c.is_empty() && c.len() <= MAX_PARAM)
    else {
        return Ok(to_app(
            &auth,
            "invalid_request",
            "No code from the identity provider",
        ));
    };
    let Some(provider) = pool
        .store()
        .provider(&row.pool_id, &row.provider_name)
        .await?
    else {
        return Ok(to_app(
            &auth,
            "invalid_request",
            "Unknown identity provider",
        ));
    };
    let claims = match upstream_claims(&pool, &provider, &row, code).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(provider = %provider.name, error = %e, "federated sign-in refused");
            let why = match e {
                FederationError::Token(_) => "Invalid id_token from the identity provider",
                _ => "The identity provider could not be used",
            };
            return Ok(to_app(&auth, "invalid_request", why));
        }
    };
    let user = match federated_user(&pool, &provider, &claims).await? {
        Ok(u) => u,
        Err(Refused::Disabled) => return Ok(to_app(&auth, "invalid_request", "User is disabled.")),
    };
    let now = pool.now();
    let session = hosted_session::start(&pool, &auth.pool_id, &user.sub, now).await?;
    let mut resp = complete_sign_in(&pool, &auth, &user.sub, now).await?;
    resp.headers_mut().append(header::SET_COOKIE, session);
    // The binding cookie has served its purpose.
    let gone = pool_cookie(&pool, BROWSER_COOKIE.to_string(), String::new(), Some(0))?;
    resp.headers_mut().append(header::SET_COOKIE, gone);
    Ok(resp)
}

/// Redeems the code and verifies the ID token; its claims, with userInfo's added.
async fn upstream_claims(
    pool: &UserPool,
    provider: &ProviderRow,
    row: &FederationState,
    code: &str,
) -> Result<Map<String, Value>, FederationError> {
    let endpoints = upstream::endpoints(provider).await?;
    let callback = callback_url(pool);
    let tokens =
        upstream::exchange(provider, &endpoints, code, &callback, &row.code_verifier).await?;
    let mut claims =
        upstream::verify_id_token(provider, &endpoints, &tokens.id_token, &row.nonce).await?;
    if let Some(access) = &tokens.access_token {
        let sub = claims["sub"].as_str().unwrap_or_default().to_string();
        let info = upstream::user_info(provider, &endpoints, access, &sub).await?;
        for (k, v) in info {
            // The ID token's own claims (iss, aud, nonce, …) are not overwritten.
            claims.entry(k).or_insert(v);
        }
    }
    Ok(claims)
}
