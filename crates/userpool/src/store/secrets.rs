//! The pool's own secret key (`server_secret.rs`), and the stand-in write of a code that an
//! unknown user's request makes so that it costs what a real one does.

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

    /// What [`Store::insert_user_code`] does, for nobody: the same statements in one
    /// transaction (retiring earlier codes matches no row; the code goes to a one-row table),
    /// so that a request for an unknown address takes as long as one for a real user.
    pub async fn insert_decoy_code(
        &self,
        purpose: &str,
        code: &str,
        now: i64,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE user_codes SET used = 1 WHERE sub = ? AND purpose = ? AND used = 0")
            .bind("")
            .bind(purpose)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT OR REPLACE INTO code_decoys (id, code, created_at) VALUES (1, ?, ?)")
            .bind(code)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
