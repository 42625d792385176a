//! Tokens that did not come from the token endpoint but from Cognito's JSON API (`InitiateAuth`,
//! `RespondToAuthChallenge`, a refresh): the same ID-token checks and profile mapping as a
//! redirect sign-in, with [`Nonce::NotSent`] said explicitly, since no authorization request
//! carried one.

use super::after_sign_in::same_identity;
use super::idtoken::Nonce;
use super::{profile, token, OAuthProvider};
use crate::provider::{ProviderError, Secret, SignIn, TokenSet};

/// The tokens of one API reply.
pub(crate) struct ApiTokens<'a> {
    pub(crate) id_token: &'a Secret,
    pub(crate) access_token: &'a Secret,
    pub(crate) refresh_token: Option<&'a Secret>,
    pub(crate) expires_in: i64,
}

impl OAuthProvider {
    /// A sign-in from API tokens: the ID token verified (JWKS, `iss`, `aud`, `token_use`, `exp`, …)
    /// and mapped to the profile exactly as after the hosted UI.
    pub(crate) async fn sign_in_with_api_tokens(
        &self,
        t: ApiTokens<'_>,
        now: i64,
    ) -> Result<SignIn, ProviderError> {
        let claims = self
            .verify_id_token(
                t.id_token.expose(),
                Nonce::NotSent,
                t.access_token.expose(),
                now,
            )
            .await?;
        let profile = profile::profile(&self.inner.cfg.claims, claims);
        let expires_at = token::expires_at(Some(t.expires_in), &profile.claims, now);
        Ok(SignIn {
            profile,
            tokens: Some(TokenSet {
                access_token: t.access_token.clone(),
                id_token: Some(t.id_token.clone()),
                refresh_token: t.refresh_token.cloned(),
                expires_at,
            }),
        })
    }

    /// The session's tokens after an API refresh: the new ID token verified and about the same
    /// user, issuer and client; a refresh token the reply lacks is kept.
    pub(crate) async fn refreshed_api_tokens(
        &self,
        old: &TokenSet,
        sub: &str,
        t: ApiTokens<'_>,
        now: i64,
    ) -> Result<TokenSet, ProviderError> {
        let claims = self
            .verify_id_token(
                t.id_token.expose(),
                Nonce::NotSent,
                t.access_token.expose(),
                now,
            )
            .await?;
        same_identity(&claims, sub, old)?;
        Ok(TokenSet {
            access_token: t.access_token.clone(),
            id_token: Some(t.id_token.clone()),
            refresh_token: t
                .refresh_token
                .cloned()
                .or_else(|| old.refresh_token.clone()),
            expires_at: token::expires_at(Some(t.expires_in), &claims, now),
        })
    }
}
