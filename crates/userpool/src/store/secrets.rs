//! The pool's own secret key (`server_secret.rs`).

use rand::RngCore;

use super::database::Store;
use crate::error::Error;

impl Store {
    /// The database's secret key: made at the first start, the same ever after.
    pub async fn server_secret(&self) -> Result<[u8; 32], Error> {
        let mut fresh = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut fresh);
        sqlx::query("INSERT OR IGNORE INTO server_secret (id, value) VALUES (1, ?)")
            .bind(&fresh[..])
            .execute(&self.pool)
            .await?;
        let value: Vec<u8> = sqlx::query_scalar("SELECT value FROM server_secret WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        value
            .try_into()
            .map_err(|_| Error::Internal("the stored server secret is not 32 bytes".into()))
    }
}
