//! Queries on the pools' signing keys.

use sqlx::Row;

use super::database::{KeyRow, Store};
use crate::error::Error;

impl Store {
    // ---- keys ------------------------------------------------------------------------------

    /// Retires every current key of the pool and inserts the new ones, atomically.
    pub async fn replace_keys(&self, pool_id: &str, new: &[KeyRow], now: i64) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE signing_keys SET retired_at = ? WHERE pool_id = ? AND retired_at IS NULL",
        )
        .bind(now)
        .bind(pool_id)
        .execute(&mut *tx)
        .await?;
        for k in new {
            sqlx::query("INSERT INTO signing_keys (kid, pool_id, purpose, private_der, created_at) VALUES (?, ?, ?, ?, ?)")
                .bind(&k.kid)
                .bind(pool_id)
                .bind(&k.purpose)
                .bind(&k.private_der)
                .bind(k.created_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// All keys of a pool, newest first.
    pub async fn keys(&self, pool_id: &str) -> Result<Vec<KeyRow>, Error> {
        let rows = sqlx::query(
            "SELECT kid, purpose, private_der, created_at, retired_at FROM signing_keys
             WHERE pool_id = ? ORDER BY created_at DESC, rowid DESC",
        )
        .bind(pool_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(KeyRow {
                    kid: r.try_get(0)?,
                    purpose: r.try_get(1)?,
                    private_der: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    retired_at: r.try_get(4)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
