//! Queries behind the admin and self-service operations on users: attributes, enabling,
//! deleting, group membership and listing.

use std::collections::BTreeMap;

use sqlx::Row;

use super::database::{user_from_row, Store, UserRow};
use crate::error::Error;

impl Store {
    /// Replaces a user's e-mail, verified flag and other attributes.
    pub async fn update_user_attributes(
        &self,
        sub: &str,
        email: &str,
        email_verified: bool,
        attributes: &BTreeMap<String, String>,
        now: i64,
    ) -> Result<(), Error> {
        let attrs =
            serde_json::to_string(attributes).map_err(|e| Error::Internal(e.to_string()))?;
        let res = sqlx::query(
            "UPDATE users SET email = ?, email_verified = ?, attributes = ?, updated_at = ? WHERE sub = ?",
        )
        .bind(email)
        .bind(email_verified as i64)
        .bind(attrs)
        .bind(now)
        .bind(sub)
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if super::database::is_unique_violation(&e) => Err(Error::UserExists),
            Err(e) => Err(e.into()),
        }
    }

    /// Enables or disables a user.
    pub async fn set_enabled(&self, sub: &str, enabled: bool, now: i64) -> Result<(), Error> {
        sqlx::query("UPDATE users SET enabled = ?, updated_at = ? WHERE sub = ?")
            .bind(enabled as i64)
            .bind(now)
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes a user, their codes and groups (by cascade), sign-ins and sessions.
    pub async fn delete_user(&self, pool_id: &str, sub: &str) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "UPDATE sign_ins SET revoked = 1 WHERE pool_id = ? AND sub = ?",
            "DELETE FROM sessions WHERE pool_id = ? AND sub = ?",
            "DELETE FROM users WHERE pool_id = ? AND sub = ?",
        ] {
            sqlx::query(sql)
                .bind(pool_id)
                .bind(sub)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the pool has a group of that name.
    pub async fn group_exists(&self, pool_id: &str, name: &str) -> Result<bool, Error> {
        let row = sqlx::query("SELECT 1 FROM groups WHERE pool_id = ? AND name = ?")
            .bind(pool_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Creates a group; false when it already exists.
    pub async fn create_group(&self, pool_id: &str, name: &str, now: i64) -> Result<bool, Error> {
        let r = sqlx::query(
            "INSERT OR IGNORE INTO groups (pool_id, name, created_at) VALUES (?, ?, ?)",
        )
        .bind(pool_id)
        .bind(name)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// `(name, created_at)` of every group of the pool, by name.
    pub async fn groups_with_dates(&self, pool_id: &str) -> Result<Vec<(String, i64)>, Error> {
        let rows =
            sqlx::query("SELECT name, created_at FROM groups WHERE pool_id = ? ORDER BY name")
                .bind(pool_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    pub async fn remove_from_group(&self, sub: &str, group: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM user_groups WHERE sub = ? AND group_name = ?")
            .bind(sub)
            .bind(group)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The members of a group, by e-mail.
    pub async fn users_in_group(&self, pool_id: &str, group: &str) -> Result<Vec<UserRow>, Error> {
        let rows = sqlx::query(
            "SELECT u.* FROM users u JOIN user_groups g ON g.sub = u.sub
             WHERE g.pool_id = ? AND g.group_name = ? ORDER BY u.email",
        )
        .bind(pool_id)
        .bind(group)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
    }
}
