//! Refreshing a sign-in's tokens: the one implementation behind the token endpoint's
//! `refresh_token` grant and the JSON API's `REFRESH_TOKEN_AUTH` / `GetTokensFromRefreshToken`.
//!
//! With rotation, a refresh token is replaced by a successor derived from it with the pool's
//! secret key, so every use within the client's grace period (retries, racing tabs) gets the
//! same successor rather than one more live token each; a use after the grace period is a
//! replay (the token was stolen, or its holder's copy was), and ends the whole sign-in: every
//! refresh token of it, the successor included, and its access tokens.

use crate::config::{ClientConfig, PoolConfig};
use crate::error::Error;
use crate::pool::UserPool;
use crate::store::UserRow;
use crate::tokens;
use crate::user_tokens::{TokenRequest, UserTokens};

impl UserPool {
    /// New tokens for a refresh token of `client`, or `None` when it is unknown, expired,
    /// revoked, for another client, its user is gone or unconfirmed, or (with rotation) it
    /// was rotated out longer ago than the client's grace period.
    pub(crate) async fn refresh_user_tokens(
        &self,
        pc: &PoolConfig,
        client: &ClientConfig,
        refresh_token: &str,
    ) -> Result<Option<UserTokens>, Error> {
        self.count_refresh();
        let Some((user, origin, hash)) = self.refresh_origin(pc, client, refresh_token).await?
        else {
            return Ok(None);
        };
        let now = self.now();
        let grace = i64::from(client.refresh_token_grace_seconds);
        if client.refresh_token_rotation && !self.store().retire_refresh(&hash, now, grace).await? {
            // Used before, beyond the grace period (a replay racing this one's check).
            self.store().revoke_sign_in(&origin.origin_jti).await?;
            return Ok(None);
        }
        let scopes: Vec<&str> = origin.scope.split(' ').filter(|s| !s.is_empty()).collect();
        let mut t = self
            .issue_user_tokens(TokenRequest {
                pool: pc,
                client_id: &client.id,
                user: &user,
                scopes: &scopes,
                auth_time: origin.auth_time,
                nonce: None,
                origin: Some(&origin),
                with_refresh: false,
                source: crate::triggers::TokenSource::RefreshTokens,
            })
            .await?;
        if client.refresh_token_rotation {
            let successor = self.secret().refresh_successor(refresh_token);
            let expires = now + 60 * i64::from(pc.token_validity.refresh_token_minutes);
            self.store()
                .insert_refresh(
                    &tokens::hash_secret(&successor),
                    &t.origin_jti,
                    now,
                    expires,
                )
                .await?;
            t.refresh_token = Some(successor);
        }
        Ok(Some(t))
    }

    /// The user and sign-in of a usable refresh token, with the token's hash. A rotated-out
    /// token presented after its grace period revokes its sign-in (see the module's comment).
    pub(crate) async fn refresh_origin(
        &self,
        pc: &PoolConfig,
        client: &ClientConfig,
        refresh_token: &str,
    ) -> Result<Option<(UserRow, crate::store::SignInRow, String)>, Error> {
        let hash = tokens::hash_secret(refresh_token);
        let Some((origin_jti, expires_at, replaced_at)) = self.store().refresh(&hash).await? else {
            return Ok(None);
        };
        let Some(origin) = self.store().sign_in(&origin_jti).await? else {
            return Ok(None);
        };
        if origin.revoked || origin.client_id != client.id || origin.pool_id != pc.id {
            return Ok(None);
        }
        let now = self.now();
        let grace = i64::from(client.refresh_token_grace_seconds);
        if replaced_at.is_some_and(|at| grace == 0 || at < now - grace) {
            tracing::warn!(
                pool = %pc.id,
                client = %client.id,
                sub = %origin.sub,
                "a rotated-out refresh token was used again after its grace period; its sign-in is revoked"
            );
            self.store().revoke_sign_in(&origin_jti).await?;
            return Ok(None);
        }
        if expires_at <= now {
            return Ok(None);
        }
        let user = self
            .store()
            .user_by_sub(&pc.id, &origin.sub)
            .await?
            .filter(|u| u.confirmed);
        Ok(user.map(|u| (u, origin, hash)))
    }
}
