//! After sign-in: the refresh token used (the new ID token checked to be about the same user),
//! revoked, and the provider's end-session URL for federated sign-out.

use serde_json::{Map, Value};
use url::Url;

use super::idtoken::Nonce;
use super::idtoken_error::IdTokenError;
use super::jws;
use super::{profile, token, token_set, LogoutStyle, OAuthProvider};
use crate::provider::http::{self, sanitize};
use crate::provider::{ProviderError, TokenSet};

impl OAuthProvider {
    /// Uses the refresh token. Keeps the old refresh token (and ID token) when the reply has
    /// none; a new ID token must be valid and have the same `iss`, `sub` and `aud` (no nonce).
    /// `invalid_grant` becomes [`ProviderError::RefreshTokenDead`].
    pub async fn refresh(
        &self,
        tokens: &TokenSet,
        sub: &str,
        now: i64,
    ) -> Result<TokenSet, ProviderError> {
        Ok(self.refresh_with_profile(tokens, sub, now).await?.0)
    }

    /// [`OAuthProvider::refresh`], also returning the profile of the new ID token when the
    /// provider sent one (verified, same user), so that changed claims (`cognito:groups`, name,
    /// email) reach the session.
    pub(crate) async fn refresh_with_profile(
        &self,
        tokens: &TokenSet,
        sub: &str,
        now: i64,
    ) -> Result<(TokenSet, Option<crate::provider::Profile>), ProviderError> {
        let refresh_token = tokens
            .refresh_token
            .as_ref()
            .ok_or(ProviderError::NoRefreshToken)?;
        let token_url = Self::required(self.endpoints().await?.token, "token")?;
        let form = vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", refresh_token.expose().into()),
        ];
        let reply = match token::request(&self.inner.cfg, &self.inner.http, &token_url, form).await
        {
            Err(ProviderError::TokenEndpoint { error, .. }) if error == "invalid_grant" => {
                return Err(ProviderError::RefreshTokenDead)
            }
            other => other?,
        };
        let mut expires_claims = Map::new();
        let mut refreshed_profile = None;
        if let Some(raw) = reply
            .id_token
            .as_deref()
            .filter(|_| self.inner.cfg.is_oidc())
        {
            let claims = self
                .verify_id_token(raw, Nonce::NotSent, &reply.access_token, now)
                .await?;
            same_identity(&claims, sub, tokens)?;
            refreshed_profile = Some(profile::profile(&self.inner.cfg.claims, claims.clone()));
            expires_claims = claims;
        }
        let expires_at = token::expires_at(reply.expires_in, &expires_claims, now);
        Ok((
            token_set(reply, expires_at, Some(tokens)),
            refreshed_profile,
        ))
    }

    /// Revokes the refresh token at the revocation endpoint (with client authentication), which
    /// for some providers also ends the access and ID tokens of that sign-in. `Ok` without doing
    /// anything when there is no refresh token or no revocation endpoint.
    pub async fn revoke(&self, tokens: &TokenSet) -> Result<(), ProviderError> {
        let Some(refresh_token) = &tokens.refresh_token else {
            return Ok(());
        };
        let Some(url) = self.endpoints().await?.revocation else {
            tracing::debug!(provider = %self.inner.cfg.id, "no revocation endpoint; refresh token not revoked");
            return Ok(());
        };
        let form = vec![
            ("token", refresh_token.expose().to_string()),
            ("token_type_hint", "refresh_token".into()),
        ];
        let req = token::authenticated_post(&self.inner.cfg, &self.inner.http, &url, form);
        let reply = http::send_json("revocation endpoint", &url, req).await?;
        if reply.status.is_success() {
            return Ok(());
        }
        let detail = reply
            .body
            .ok()
            .and_then(|b| b.get("error").and_then(Value::as_str).map(sanitize))
            .unwrap_or_default();
        Err(http::http_error(
            "revocation endpoint",
            &url,
            format!(
                "HTTP {} {detail}; the refresh token may still be valid",
                reply.status
            ),
        ))
    }

    /// Where to send the browser to end the provider session, or `None` when federated sign-out
    /// is off (or the provider has no such endpoint). [`LogoutStyle::LogoutUri`]:
    /// `{end_session}?client_id=…&logout_uri=…`; RP-initiated:
    /// `{end_session}?client_id=…&id_token_hint=…&post_logout_redirect_uri=…`.
    pub async fn end_session_url(
        &self,
        tokens: Option<&TokenSet>,
        post_logout_redirect: &Url,
    ) -> Result<Option<Url>, ProviderError> {
        let cfg = &self.inner.cfg;
        if !cfg.federated_sign_out {
            return Ok(None);
        }
        let Some(mut url) = self.endpoints().await?.end_session else {
            tracing::warn!(provider = %cfg.id, "federated sign-out is on but the provider has no end_session_endpoint; only the local session ends");
            return Ok(None);
        };
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &cfg.client_id);
            match cfg.logout {
                LogoutStyle::LogoutUri => {
                    q.append_pair("logout_uri", post_logout_redirect.as_str());
                }
                LogoutStyle::RpInitiated => {
                    if let Some(id_token) = tokens.and_then(|t| t.id_token.as_ref()) {
                        q.append_pair("id_token_hint", id_token.expose());
                    }
                    q.append_pair("post_logout_redirect_uri", post_logout_redirect.as_str());
                }
            }
        }
        Ok(Some(url))
    }
}

/// A refreshed ID token must be about the same user, from the same issuer, for the same client.
pub(super) fn same_identity(
    claims: &Map<String, Value>,
    sub: &str,
    old: &TokenSet,
) -> Result<(), ProviderError> {
    if claims.get("sub").and_then(Value::as_str) != Some(sub) {
        return Err(IdTokenError::Changed("sub").into());
    }
    if let Some(prev) = old
        .id_token
        .as_ref()
        .and_then(|t| jws::parse_unverified(t.expose()).ok())
    {
        // The old token was verified when it was issued; compare what it said.
        if prev.claims.get("iss") != claims.get("iss") {
            return Err(IdTokenError::Changed("iss").into());
        }
        if prev.claims.get("aud") != claims.get("aud") {
            return Err(IdTokenError::Changed("aud").into());
        }
    }
    Ok(())
}
