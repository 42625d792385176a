//! A user's sign-ins as a list: the JSON API's user sessions and auth events.

use sqlx::Row;

use super::database::Store;
use crate::error::Error;

/// One sign-in as listed.
#[derive(Debug, Clone)]
pub(crate) struct SignInEntry {
    pub origin_jti: String,
    pub client_id: String,
    pub event_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked: bool,
}

impl Store {
    /// Every sign-in of the user still stored (expired ones are purged), newest first.
    pub async fn user_sign_ins(&self, pool_id: &str, sub: &str) -> Result<Vec<SignInEntry>, Error> {
        let rows = sqlx::query(
            "SELECT origin_jti, client_id, event_id, created_at, expires_at, revoked
             FROM sign_ins WHERE pool_id = ? AND sub = ? ORDER BY created_at DESC, origin_jti",
        )
        .bind(pool_id)
        .bind(sub)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SignInEntry {
                    origin_jti: r.try_get("origin_jti")?,
                    client_id: r.try_get("client_id")?,
                    event_id: r.try_get("event_id")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    revoked: r.try_get::<i64, _>("revoked")? != 0,
                })
            })
            .collect()
    }
}
