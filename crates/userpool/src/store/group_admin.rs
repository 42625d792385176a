//! Removing a group (`DeleteGroup`): its memberships go with it, so the next token of a
//! member no longer names it. And removing a user's software token (`AdminDeleteSoftwareToken`).

use super::database::Store;
use crate::error::Error;

impl Store {
    /// Deletes the group, its memberships and its details; whether it existed.
    pub async fn delete_group(&self, pool_id: &str, name: &str) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM user_groups WHERE pool_id = ? AND group_name = ?")
            .bind(pool_id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM pool_documents WHERE pool_id = ? AND kind = 'group' AND key = ?")
            .bind(pool_id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM groups WHERE pool_id = ? AND name = ?")
            .bind(pool_id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}

impl Store {
    /// `AdminDeleteSoftwareToken`: the user's TOTP secret, pending or verified, is gone and
    /// TOTP MFA is off.
    pub async fn delete_software_token(&self, sub: &str) -> Result<(), Error> {
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_enabled = 0,
             totp_preferred = 0 WHERE sub = ?",
        )
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
