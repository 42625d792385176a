//! Software-token MFA: a user's TOTP secret (pending until verified, then in use), the last
//! step accepted, and each pool's MFA setting as changed at run time.

use sqlx::Row;

use super::database::Store;
use crate::error::Error;

impl Store {
    /// Records that the TOTP `step` was used; false when it (or a later one) already was.
    pub async fn use_totp_step(&self, sub: &str, step: u64) -> Result<bool, Error> {
        let step = i64::try_from(step).map_err(|e| Error::Internal(e.to_string()))?;
        let r = sqlx::query(
            "UPDATE users SET totp_last_step = ?
             WHERE sub = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
        )
        .bind(step)
        .bind(sub)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// A new secret awaiting its first code (`AssociateSoftwareToken`).
    pub async fn set_totp_pending(&self, sub: &str, secret_base32: &str) -> Result<(), Error> {
        sqlx::query("UPDATE users SET totp_pending = ? WHERE sub = ?")
            .bind(secret_base32)
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The secret awaiting its first code.
    pub async fn totp_pending(&self, sub: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT totp_pending FROM users WHERE sub = ?")
            .bind(sub)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.flatten())
    }

    /// A verified secret becomes the user's, `step` its first used code.
    pub async fn set_totp_secret(
        &self,
        sub: &str,
        secret_base32: &str,
        step: u64,
    ) -> Result<(), Error> {
        let step = i64::try_from(step).map_err(|e| Error::Internal(e.to_string()))?;
        sqlx::query(
            "UPDATE users SET totp_secret = ?, totp_pending = NULL, totp_last_step = ? WHERE sub = ?",
        )
        .bind(secret_base32)
        .bind(step)
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Turns the user's TOTP MFA on or off.
    pub async fn set_totp_enabled(&self, sub: &str, enabled: bool) -> Result<(), Error> {
        // Off drops a preference too, so that turning TOTP on again does not bring it back.
        sqlx::query(
            "UPDATE users SET totp_enabled = ?, totp_preferred = totp_preferred AND ?
             WHERE sub = ?",
        )
        .bind(enabled as i64)
        .bind(enabled as i64)
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `SetUserMFAPreference`'s software-token settings: on or off, and preferred or not (a
    /// preference of a method that is off is dropped).
    pub async fn set_totp_preference(
        &self,
        sub: &str,
        enabled: bool,
        preferred: bool,
    ) -> Result<(), Error> {
        sqlx::query("UPDATE users SET totp_enabled = ?, totp_preferred = ? WHERE sub = ?")
            .bind(enabled as i64)
            .bind((enabled && preferred) as i64)
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The pool's MFA setting if changed at run time (Cognito's name).
    pub async fn pool_mfa(&self, pool_id: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT mfa FROM pool_mfa WHERE pool_id = ?")
            .bind(pool_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    pub async fn set_pool_mfa(&self, pool_id: &str, mfa: &str) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO pool_mfa (pool_id, mfa) VALUES (?, ?)
             ON CONFLICT (pool_id) DO UPDATE SET mfa = excluded.mfa",
        )
        .bind(pool_id)
        .bind(mfa)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
