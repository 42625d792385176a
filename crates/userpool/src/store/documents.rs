//! What the JSON API stores as it was given (`pool_documents`): one JSON body per pool, kind
//! and key, e.g. `("tags", "")` or `("terms", id)`. The operations decide the shapes.

use serde_json::Value;
use sqlx::Row;

use super::database::Store;
use crate::error::Error;

/// A stored body with its times (epoch seconds).
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub pool_id: String,
    pub key: String,
    pub body: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

fn document(r: &sqlx::sqlite::SqliteRow) -> Result<Document, Error> {
    let body: String = r.try_get("body")?;
    Ok(Document {
        pool_id: r.try_get("pool_id")?,
        key: r.try_get("key")?,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const COLUMNS: &str = "pool_id, key, body, created_at, updated_at";

impl Store {
    /// Stores `body` under (pool, kind, key), replacing what was there (its creation time
    /// kept).
    pub async fn put_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
        body: &Value,
        now: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO pool_documents (pool_id, kind, key, body, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (pool_id, kind, key)
             DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(pool_id)
        .bind(kind)
        .bind(key)
        .bind(body.to_string())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores `body` only if nothing is stored under the key; whether it was stored.
    pub async fn insert_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
        body: &Value,
        now: i64,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO pool_documents
             (pool_id, kind, key, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(pool_id)
        .bind(kind)
        .bind(key)
        .bind(body.to_string())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<Option<Document>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM pool_documents WHERE pool_id = ? AND kind = ? AND key = ?"
        );
        let row = sqlx::query(&sql)
            .bind(pool_id)
            .bind(kind)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(document).transpose()
    }

    /// A kind's documents of one pool, oldest first.
    pub async fn documents(&self, pool_id: &str, kind: &str) -> Result<Vec<Document>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM pool_documents WHERE pool_id = ? AND kind = ?
             ORDER BY created_at, key"
        );
        let rows = sqlx::query(&sql)
            .bind(pool_id)
            .bind(kind)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(document).collect()
    }

    /// The document of a kind under `key` in any pool (a domain names its pool).
    pub async fn document_anywhere(
        &self,
        kind: &str,
        key: &str,
    ) -> Result<Option<Document>, Error> {
        let sql = format!("SELECT {COLUMNS} FROM pool_documents WHERE kind = ? AND key = ?");
        let row = sqlx::query(&sql)
            .bind(kind)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(document).transpose()
    }

    /// Removes a document; whether there was one.
    pub async fn delete_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<bool, Error> {
        let done =
            sqlx::query("DELETE FROM pool_documents WHERE pool_id = ? AND kind = ? AND key = ?")
                .bind(pool_id)
                .bind(kind)
                .bind(key)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}
