//! Pools made at run time: their configuration as JSON, and removing a pool with
//! everything stored for it (`DeleteUserPool`).

use sqlx::Row;

use super::database::Store;
use crate::error::Error;

/// Tables whose rows belong to one pool by their `pool_id` column. Rows of `user_groups`,
/// `user_codes` go with their users (ON DELETE CASCADE); refresh tokens with their sign-ins.
const POOL_TABLES: &[&str] = &[
    "auth_challenges",
    "sessions",
    "auth_codes",
    "user_groups",
    "user_codes",
    "users",
    "groups",
    "signing_keys",
    "pool_mfa",
    "runtime_pools",
    "pool_documents",
];

impl Store {
    /// Stores (or replaces) a run-time pool's configuration.
    pub async fn save_runtime_pool(
        &self,
        pool_id: &str,
        config_json: &str,
        now: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO runtime_pools (pool_id, config, created_at) VALUES (?, ?, ?)
             ON CONFLICT (pool_id) DO UPDATE SET config = excluded.config",
        )
        .bind(pool_id)
        .bind(config_json)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every run-time pool's configuration JSON, oldest first.
    pub async fn runtime_pools(&self) -> Result<Vec<String>, Error> {
        let rows = sqlx::query("SELECT config FROM runtime_pools ORDER BY created_at, pool_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("config"))
            .collect::<Result<_, _>>()?)
    }

    /// Removes a pool's users, sign-ins, keys and configuration, all or nothing.
    pub async fn delete_pool_data(&self, pool_id: &str) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM refresh_tokens WHERE origin_jti IN
             (SELECT origin_jti FROM sign_ins WHERE pool_id = ?)",
        )
        .bind(pool_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sign_ins WHERE pool_id = ?")
            .bind(pool_id)
            .execute(&mut *tx)
            .await?;
        for table in POOL_TABLES {
            // The table names are the constants above, never request text.
            sqlx::query(&format!("DELETE FROM {table} WHERE pool_id = ?"))
                .bind(pool_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
