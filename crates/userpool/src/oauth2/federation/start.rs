//! Sending the browser to an identity provider: `identity_provider=` / `idp_identifier=` on
//! `/oauth2/authorize`, and the hosted UI's buttons (which are links to that).

use axum::http::header;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::{upstream, BROWSER_COOKIE, STATE_SECS};
use crate::error::{Error, HttpError};
use crate::hosted_session::pool_cookie;
use crate::http::{append_query, found};
use crate::oauth2::params::Authorized;
use crate::pool::UserPool;
use crate::store::{FederationState, ProviderRow};
use crate::tokens;

/// Which provider an authorization request names, if any: `Ok(None)` for the pool's own
/// directory (`identity_provider=COGNITO`, or neither parameter).
pub(crate) async fn named_provider(
    pool: &UserPool,
    pool_id: &str,
    identity_provider: Option<&str>,
    idp_identifier: Option<&str>,
) -> Result<Result<Option<ProviderRow>, ()>, Error> {
    if let Some(name) = identity_provider {
        if name == "COGNITO" {
            return Ok(Ok(None));
        }
        return Ok(pool
            .store()
            .provider(pool_id, name)
            .await?
            .map(Some)
            .ok_or(()));
    }
    let Some(id) = idp_identifier else {
        return Ok(Ok(None));
    };
    let all = pool.store().providers(pool_id).await?;
    // Identifiers match case-insensitively, as e-mail domains do.
    Ok(all
        .into_iter()
        .find(|p| p.idp_identifiers.iter().any(|i| i.eq_ignore_ascii_case(id)))
        .map(Some)
        .ok_or(()))
}

/// Where the provider sends the browser back.
pub(crate) fn callback_url(pool: &UserPool) -> String {
    format!("{}/oauth2/idpresponse", pool.base())
}

/// Redirects to the provider's authorization endpoint with a fresh state, nonce and (when it
/// supports it) PKCE challenge, bound to this browser by a cookie.
pub(crate) async fn redirect_to_provider(
    pool: &UserPool,
    auth: &Authorized,
    provider: &ProviderRow,
) -> Result<Response, HttpError> {
    let endpoints = match upstream::endpoints(provider).await {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(provider = %provider.name, error = %e, "identity provider unusable");
            let to = append_query(
                &auth.redirect_uri,
                &[
                    ("error_description", "identity provider unreachable"),
                    ("error", "server_error"),
                ]
                .into_iter()
                .chain(auth.state.as_deref().map(|s| ("state", s)))
                .collect::<Vec<_>>(),
            );
            return Ok(found(&to));
        }
    };
    let state = tokens::random_secret(32);
    let nonce = tokens::random_secret(32);
    let code_verifier = tokens::random_secret(48);
    let browser = tokens::random_secret(32);
    let request = serde_json::to_string(auth).map_err(|e| Error::Internal(e.to_string()))?;
    let row = FederationState {
        browser_hash: tokens::hash_secret(&browser),
        pool_id: auth.pool_id.clone(),
        provider_name: provider.name.clone(),
        request,
        nonce: nonce.clone(),
        code_verifier: code_verifier.clone(),
    };
    let now = pool.now();
    pool.store()
        .insert_federation_state(&tokens::hash_secret(&state), &row, now + STATE_SECS)
        .await?;
    let client_id = provider
        .details
        .get("client_id")
        .cloned()
        .unwrap_or_default();
    let scopes = provider
        .details
        .get("authorize_scopes")
        .cloned()
        .unwrap_or_else(|| "openid".into());
    let callback = callback_url(pool);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()));
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", callback.as_str()),
        ("scope", scopes.as_str()),
        ("state", state.as_str()),
        ("nonce", nonce.as_str()),
    ];
    if endpoints.pkce {
        pairs.extend([
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]);
    }
    let mut resp = found(&append_query(endpoints.authorize.as_str(), &pairs));
    let cookie = pool_cookie(pool, BROWSER_COOKIE.to_string(), browser, Some(STATE_SECS))?;
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}
