//! A user's devices (`devices`): made unconfirmed with a sign-in's `NewDeviceMetadata`,
//! confirmed with an SRP verifier by `ConfirmDevice`, remembered or not, forgotten.

use sqlx::Row;

use super::database::Store;
use crate::error::Error;

/// A stored device.
#[derive(Debug, Clone)]
pub(crate) struct DeviceRow {
    pub device_key: String,
    pub group_key: String,
    pub name: Option<String>,
    /// The SRP salt and verifier (hex), once confirmed. Secret like a password hash.
    pub srp: Option<(String, String)>,
    pub remembered: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_auth_at: Option<i64>,
}

impl DeviceRow {
    /// Whether `ConfirmDevice` gave it a verifier: only then does it exist for the API.
    pub fn confirmed(&self) -> bool {
        self.srp.is_some()
    }
}

/// How long a device handed out in `NewDeviceMetadata` waits for `ConfirmDevice`.
const UNCONFIRMED_DEVICE_SECS: i64 = 24 * 60 * 60;

const COLUMNS: &str = "device_key, group_key, name, srp_salt, srp_verifier, remembered, \
                       created_at, updated_at, last_auth_at";

fn device(r: &sqlx::sqlite::SqliteRow) -> Result<DeviceRow, Error> {
    let salt: Option<String> = r.try_get("srp_salt")?;
    let verifier: Option<String> = r.try_get("srp_verifier")?;
    Ok(DeviceRow {
        device_key: r.try_get("device_key")?,
        group_key: r.try_get("group_key")?,
        name: r.try_get("name")?,
        srp: salt.zip(verifier),
        remembered: r.try_get::<i64, _>("remembered")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        last_auth_at: r.try_get("last_auth_at")?,
    })
}

impl Store {
    /// Records a device handed out in `NewDeviceMetadata` (unconfirmed). The user's devices
    /// handed out over a day ago and never confirmed go: every sign-in makes one.
    pub async fn insert_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
        group_key: &str,
        now: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "DELETE FROM devices WHERE sub = ? AND srp_verifier IS NULL AND created_at < ?",
        )
        .bind(sub)
        .bind(now - UNCONFIRMED_DEVICE_SECS)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "INSERT INTO devices (device_key, pool_id, sub, group_key, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(device_key)
        .bind(pool_id)
        .bind(sub)
        .bind(group_key)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The device `device_key` of the user `sub` in the pool, confirmed or not.
    pub async fn user_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> Result<Option<DeviceRow>, Error> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM devices WHERE device_key = ? AND pool_id = ? AND sub = ?"
        ))
        .bind(device_key)
        .bind(pool_id)
        .bind(sub)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(device).transpose()
    }

    /// The user's confirmed devices, oldest first.
    pub async fn user_devices(&self, pool_id: &str, sub: &str) -> Result<Vec<DeviceRow>, Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM devices
             WHERE pool_id = ? AND sub = ? AND srp_verifier IS NOT NULL
             ORDER BY created_at, device_key"
        ))
        .bind(pool_id)
        .bind(sub)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device).collect()
    }

    /// `ConfirmDevice`: the device's name, verifier and first remembered status, once; false
    /// if it was confirmed already (or is gone).
    pub async fn confirm_device(
        &self,
        device_key: &str,
        name: Option<&str>,
        srp: (&str, &str),
        remembered: bool,
        now: i64,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE devices SET name = ?, srp_salt = ?, srp_verifier = ?, remembered = ?,
                    updated_at = ?
             WHERE device_key = ? AND srp_verifier IS NULL",
        )
        .bind(name)
        .bind(srp.0)
        .bind(srp.1)
        .bind(remembered)
        .bind(now)
        .bind(device_key)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// `UpdateDeviceStatus`.
    pub async fn set_device_remembered(
        &self,
        device_key: &str,
        remembered: bool,
        now: i64,
    ) -> Result<(), Error> {
        sqlx::query("UPDATE devices SET remembered = ?, updated_at = ? WHERE device_key = ?")
            .bind(remembered)
            .bind(now)
            .bind(device_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A device sign-in: its last authentication.
    pub async fn touch_device(&self, device_key: &str, now: i64) -> Result<(), Error> {
        sqlx::query("UPDATE devices SET last_auth_at = ? WHERE device_key = ?")
            .bind(now)
            .bind(device_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `ForgetDevice`: the device is gone; its key no longer signs in.
    pub async fn forget_device(&self, device_key: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM devices WHERE device_key = ?")
            .bind(device_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
