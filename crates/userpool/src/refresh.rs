//! Refreshing a sign-in's tokens: the one implementation behind the token endpoint's
//! `refresh_token` grant and the JSON API's `REFRESH_TOKEN_AUTH` / `GetTokensFromRefreshToken`.

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
            // Used before, beyond the grace period: a replay.
            return Ok(None);
        }
        let scopes: Vec<&str> = origin.scope.split(' ').filter(|s| !s.is_empty()).collect();
        let t = self
            .issue_user_tokens(TokenRequest {
                pool: pc,
                client_id: &client.id,
                user: &user,
                scopes: &scopes,
                auth_time: origin.auth_time,
                nonce: None,
                origin: Some(&origin),
                with_refresh: client.refresh_token_rotation,
                source: crate::triggers::TokenSource::RefreshTokens,
            })
            .await?;
        Ok(Some(t))
    }

    /// The user and sign-in of a usable refresh token, with the token's hash.
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
        let now = self.now();
        let grace = i64::from(client.refresh_token_grace_seconds);
        let rotated_out = replaced_at.is_some_and(|at| grace == 0 || at < now - grace);
        if rotated_out || expires_at <= now {
            return Ok(None);
        }
        let Some(origin) = self.store().sign_in(&origin_jti).await? else {
            return Ok(None);
        };
        if origin.revoked || origin.client_id != client.id || origin.pool_id != pc.id {
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
