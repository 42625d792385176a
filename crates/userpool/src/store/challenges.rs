//! Challenges in progress (the JSON API's `Session`): stored by the hash of the session
//! value, taken exactly once.

use sqlx::Row;

use super::database::Store;
use crate::error::Error;

/// How long a challenge in progress lasts, whichever front door started it (Cognito's default
/// `AuthSessionValidity`: 3 minutes).
pub(crate) const CHALLENGE_VALIDITY_SECS: i64 = 3 * 60;

/// A stored challenge.
#[derive(Debug, Clone)]
pub(crate) struct ChallengeRow {
    pub pool_id: String,
    pub client_id: String,
    pub sub: String,
    pub challenge: String,
    /// What the next step needs (the SRP state, ...); secret, never sent.
    pub state: Vec<u8>,
    /// When the session stops working, epoch seconds by the pool's clock.
    pub expires_at: i64,
}

impl Store {
    /// Stores a challenge until its `expires_at`; also puts a taken one back, under the same
    /// session, when its challenge allows another answer (a wrong e-mail code).
    pub async fn insert_challenge(
        &self,
        session_hash: &str,
        row: &ChallengeRow,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO auth_challenges (session_hash, pool_id, client_id, sub, challenge, state, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session_hash)
        .bind(&row.pool_id)
        .bind(&row.client_id)
        .bind(&row.sub)
        .bind(&row.challenge)
        .bind(&row.state)
        .bind(row.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes (deletes and returns) an unexpired challenge: a session works once, so two
    /// answers racing on one session cannot both get it.
    pub async fn take_challenge(
        &self,
        session_hash: &str,
        now: i64,
    ) -> Result<Option<ChallengeRow>, Error> {
        let row = sqlx::query(
            "DELETE FROM auth_challenges WHERE session_hash = ?
             RETURNING pool_id, client_id, sub, challenge, state, expires_at",
        )
        .bind(session_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let expires_at: i64 = r.try_get("expires_at")?;
        if expires_at <= now {
            return Ok(None);
        }
        Ok(Some(ChallengeRow {
            pool_id: r.try_get("pool_id")?,
            client_id: r.try_get("client_id")?,
            sub: r.try_get("sub")?,
            challenge: r.try_get("challenge")?,
            state: r.try_get("state")?,
            expires_at,
        }))
    }
}
