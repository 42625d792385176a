//! A user's passkeys (`webauthn_credentials`): stored by `CompleteWebAuthnRegistration`,
//! listed, deleted, their counter moved on by each sign-in; gone with their user (the foreign
//! key cascades, as for devices).

use sqlx::Row;

use super::database::{is_unique_violation, Store};
use crate::error::Error;

/// A stored passkey.
#[derive(Debug, Clone)]
pub(crate) struct PasskeyRow {
    /// The credential id, base64url without padding.
    pub credential_id: String,
    pub sub: String,
    pub relying_party_id: String,
    /// The COSE public key, as the authenticator encoded it.
    pub public_key: Vec<u8>,
    pub algorithm: i64,
    pub sign_count: u32,
    pub transports: Vec<String>,
    pub attachment: Option<String>,
    pub friendly_name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "credential_id, sub, relying_party_id, public_key, algorithm, sign_count, \
                       transports, attachment, friendly_name, created_at, last_used_at";

fn passkey(r: &sqlx::sqlite::SqliteRow) -> Result<PasskeyRow, Error> {
    let transports: String = r.try_get("transports")?;
    let count: i64 = r.try_get("sign_count")?;
    Ok(PasskeyRow {
        credential_id: r.try_get("credential_id")?,
        sub: r.try_get("sub")?,
        relying_party_id: r.try_get("relying_party_id")?,
        public_key: r.try_get("public_key")?,
        algorithm: r.try_get("algorithm")?,
        sign_count: u32::try_from(count).map_err(|e| Error::Internal(e.to_string()))?,
        transports: serde_json::from_str(&transports).unwrap_or_default(),
        attachment: r.try_get("attachment")?,
        friendly_name: r.try_get("friendly_name")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

impl Store {
    /// Stores a new passkey of the user; false when the pool has a credential of that id
    /// already (this user's or another's).
    pub async fn insert_passkey(&self, pool_id: &str, row: &PasskeyRow) -> Result<bool, Error> {
        let transports =
            serde_json::to_string(&row.transports).map_err(|e| Error::Internal(e.to_string()))?;
        let done = sqlx::query(&format!(
            "INSERT INTO webauthn_credentials (pool_id, {COLUMNS})
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(pool_id)
        .bind(&row.credential_id)
        .bind(&row.sub)
        .bind(&row.relying_party_id)
        .bind(&row.public_key)
        .bind(row.algorithm)
        .bind(i64::from(row.sign_count))
        .bind(transports)
        .bind(&row.attachment)
        .bind(&row.friendly_name)
        .bind(row.created_at)
        .bind(row.last_used_at)
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The user's passkeys, oldest first.
    pub async fn user_passkeys(&self, pool_id: &str, sub: &str) -> Result<Vec<PasskeyRow>, Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webauthn_credentials WHERE pool_id = ? AND sub = ?
             ORDER BY created_at, credential_id"
        ))
        .bind(pool_id)
        .bind(sub)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(passkey).collect()
    }

    /// The pool's passkey of that id, whoever's it is.
    pub async fn passkey(
        &self,
        pool_id: &str,
        credential_id: &str,
    ) -> Result<Option<PasskeyRow>, Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webauthn_credentials WHERE pool_id = ? AND credential_id = ?"
        ))
        .bind(pool_id)
        .bind(credential_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(passkey).transpose()
    }

    /// A sign-in with the passkey: its new counter, if the stored one is still `previous`
    /// (false when a concurrent sign-in moved it first).
    pub async fn use_passkey(
        &self,
        pool_id: &str,
        credential_id: &str,
        previous: u32,
        sign_count: u32,
        now: i64,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE webauthn_credentials SET sign_count = ?, last_used_at = ?
             WHERE pool_id = ? AND credential_id = ? AND sign_count = ?",
        )
        .bind(i64::from(sign_count))
        .bind(now)
        .bind(pool_id)
        .bind(credential_id)
        .bind(i64::from(previous))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the user's passkey; false when the user has none of that id.
    pub async fn delete_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "DELETE FROM webauthn_credentials WHERE pool_id = ? AND sub = ? AND credential_id = ?",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(credential_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether the user has a passkey (for `USER_AUTH`'s choices and the auth factors).
    pub async fn has_passkey(&self, pool_id: &str, sub: &str) -> Result<bool, Error> {
        let row = sqlx::query("SELECT 1 FROM webauthn_credentials WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}
