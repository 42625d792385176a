//! Queries on what a sign-in grants: authorization codes, sign-ins, refresh tokens and
//! hosted-UI sessions.

use sqlx::Row;

use super::database::{AuthCodeRow, SignInRow, Store};
use crate::error::Error;

impl Store {
    // ---- authorization codes ------------------------------------------------------------

    pub async fn insert_auth_code(&self, code_hash: &str, c: &AuthCodeRow) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO auth_codes (code_hash, pool_id, client_id, sub, redirect_uri, scope, nonce, code_challenge, auth_time, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(code_hash)
        .bind(&c.pool_id)
        .bind(&c.client_id)
        .bind(&c.sub)
        .bind(&c.redirect_uri)
        .bind(&c.scope)
        .bind(&c.nonce)
        .bind(&c.code_challenge)
        .bind(c.auth_time)
        .bind(c.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks a code used and returns it; `used` is true when it had been used before.
    /// One statement, so two concurrent exchanges cannot both see it unused.
    pub async fn take_auth_code(&self, code_hash: &str) -> Result<Option<AuthCodeRow>, Error> {
        let row =
            sqlx::query("UPDATE auth_codes SET used = used + 1 WHERE code_hash = ? RETURNING *")
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some(AuthCodeRow {
            pool_id: r.try_get("pool_id")?,
            client_id: r.try_get("client_id")?,
            sub: r.try_get("sub")?,
            redirect_uri: r.try_get("redirect_uri")?,
            scope: r.try_get("scope")?,
            nonce: r.try_get("nonce")?,
            code_challenge: r.try_get("code_challenge")?,
            auth_time: r.try_get("auth_time")?,
            expires_at: r.try_get("expires_at")?,
            used: r.try_get::<i64, _>("used")? > 1,
        }))
    }

    /// Records the sign-in a code was redeemed for; returns whether the code was presented
    /// again meanwhile (a replay racing the first redemption, which must then be revoked).
    pub async fn record_redemption(
        &self,
        code_hash: &str,
        origin_jti: &str,
        expires_at: i64,
    ) -> Result<bool, Error> {
        sqlx::query(
            "INSERT OR IGNORE INTO code_redemptions (code_hash, origin_jti, expires_at)
             VALUES (?, ?, ?)",
        )
        .bind(code_hash)
        .bind(origin_jti)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        let used: Option<i64> =
            sqlx::query_scalar("SELECT used FROM auth_codes WHERE code_hash = ?")
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(used.is_some_and(|n| n > 1))
    }

    /// The sign-in a code was redeemed for, if it was.
    pub async fn redemption(&self, code_hash: &str) -> Result<Option<String>, Error> {
        Ok(
            sqlx::query_scalar("SELECT origin_jti FROM code_redemptions WHERE code_hash = ?")
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    // ---- sign-ins and refresh tokens -------------------------------------------------

    pub async fn insert_sign_in(
        &self,
        s: &SignInRow,
        now: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO sign_ins (origin_jti, pool_id, client_id, sub, event_id, auth_time, scope, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.origin_jti)
        .bind(&s.pool_id)
        .bind(&s.client_id)
        .bind(&s.sub)
        .bind(&s.event_id)
        .bind(s.auth_time)
        .bind(&s.scope)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn sign_in(&self, origin_jti: &str) -> Result<Option<SignInRow>, Error> {
        let row = sqlx::query("SELECT * FROM sign_ins WHERE origin_jti = ?")
            .bind(origin_jti)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SignInRow {
            origin_jti: r.try_get("origin_jti")?,
            pool_id: r.try_get("pool_id")?,
            client_id: r.try_get("client_id")?,
            sub: r.try_get("sub")?,
            event_id: r.try_get("event_id")?,
            auth_time: r.try_get("auth_time")?,
            scope: r.try_get("scope")?,
            revoked: r.try_get::<i64, _>("revoked")? != 0,
        }))
    }

    pub async fn revoke_sign_in(&self, origin_jti: &str) -> Result<(), Error> {
        sqlx::query("UPDATE sign_ins SET revoked = 1 WHERE origin_jti = ?")
            .bind(origin_jti)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a refresh token's hash; storing one already there changes nothing (a rotated
    /// token's successor is the same for every use within the grace period).
    pub async fn insert_refresh(
        &self,
        token_hash: &str,
        origin_jti: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        sqlx::query("INSERT OR IGNORE INTO refresh_tokens (token_hash, origin_jti, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(origin_jti)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `(origin_jti, expires_at, replaced_at)` of a refresh token; `replaced_at` is `None`
    /// while it is current (0 for one rotated out before the time was kept).
    pub async fn refresh(
        &self,
        token_hash: &str,
    ) -> Result<Option<(String, i64, Option<i64>)>, Error> {
        let row = sqlx::query(
            "SELECT origin_jti, expires_at,
                    CASE WHEN replaced = 0 THEN NULL ELSE COALESCE(replaced_at, 0) END
             FROM refresh_tokens WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
    }

    /// Retires a rotated refresh token at `now`; false if it was already retired more than
    /// `grace` seconds ago (a replay). With `grace` 0, a second use is always a replay.
    pub async fn retire_refresh(
        &self,
        token_hash: &str,
        now: i64,
        grace: i64,
    ) -> Result<bool, Error> {
        let r = sqlx::query(
            "UPDATE refresh_tokens SET replaced = 1, replaced_at = COALESCE(replaced_at, ?)
             WHERE token_hash = ? AND (replaced = 0 OR (? > 0 AND replaced_at >= ?))",
        )
        .bind(now)
        .bind(token_hash)
        .bind(grace)
        .bind(now - grace)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    // ---- hosted-UI sessions --------------------------------------------------------------

    pub async fn insert_session(
        &self,
        id_hash: &str,
        pool_id: &str,
        sub: &str,
        auth_time: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        sqlx::query("INSERT INTO sessions (id_hash, pool_id, sub, auth_time, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(id_hash)
            .bind(pool_id)
            .bind(sub)
            .bind(auth_time)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `(sub, auth_time)` of a live session of that pool.
    pub async fn session(
        &self,
        id_hash: &str,
        pool_id: &str,
        now: i64,
    ) -> Result<Option<(String, i64)>, Error> {
        let row = sqlx::query("SELECT sub, auth_time FROM sessions WHERE id_hash = ? AND pool_id = ? AND expires_at > ?")
            .bind(id_hash)
            .bind(pool_id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((r.try_get(0)?, r.try_get(1)?)))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every sign-in of a user (their refresh and access tokens stop working), every
    /// hosted-UI session (the next authorize asks for the password again), and every challenge
    /// in progress (an SRP exchange begun with the old password must not finish after a reset).
    pub async fn end_user_sign_ins(&self, pool_id: &str, sub: &str) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE sign_ins SET revoked = 1 WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM auth_challenges WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
