//! SQLite storage: users, groups, codes, sign-ins, refresh tokens, sessions and keys.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
};
use sqlx::Row;

use crate::error::Error;

/// The schema, created at start. `IF NOT EXISTS` keeps existing data.
const SCHEMA: &str = include_str!("schema.sql");

/// A user as stored.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub sub: String,
    pub email: String,
    pub password_hash: String,
    pub confirmed: bool,
    pub email_verified: bool,
    pub attributes: BTreeMap<String, String>,
    pub locked_until: i64,
}

/// A stored signing key.
#[derive(Debug, Clone)]
pub(crate) struct KeyRow {
    pub kid: String,
    pub purpose: String,
    pub private_der: Vec<u8>,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// An authorization code's grant, as stored.
#[derive(Debug, Clone)]
pub(crate) struct AuthCodeRow {
    pub pool_id: String,
    pub client_id: String,
    pub sub: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: i64,
    pub expires_at: i64,
    pub used: bool,
}

/// One sign-in: every token issued from one authentication shares its `origin_jti`.
#[derive(Debug, Clone)]
pub(crate) struct SignInRow {
    pub origin_jti: String,
    pub pool_id: String,
    pub client_id: String,
    pub sub: String,
    pub event_id: String,
    pub auth_time: i64,
    pub scope: String,
    pub revoked: bool,
}

/// Handle on the database.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pool: SqlitePool,
}

fn user_from_row(r: &SqliteRow) -> Result<UserRow, sqlx::Error> {
    let attrs: String = r.try_get("attributes")?;
    Ok(UserRow {
        sub: r.try_get("sub")?,
        email: r.try_get("email")?,
        password_hash: r.try_get("password_hash")?,
        confirmed: r.try_get::<i64, _>("confirmed")? != 0,
        email_verified: r.try_get::<i64, _>("email_verified")? != 0,
        attributes: serde_json::from_str(&attrs).unwrap_or_default(),
        locked_until: r.try_get("locked_until")?,
    })
}

/// Whether an error is a UNIQUE / PRIMARY KEY violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Opens (creating if needed) the database and its schema.
    /// `url` is `sqlite::memory:`, a `sqlite:` URL, or a plain file path.
    pub async fn open(url: &str) -> Result<Store, Error> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let opts = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let mut opts = opts
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if !memory {
            opts = opts.journal_mode(SqliteJournalMode::Wal);
        }
        // An in-memory database lives as long as its one connection: keep exactly one,
        // forever, or each new connection would see an empty database.
        let pool_opts = if memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        };
        let pool = pool_opts.connect_with(opts).await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        Ok(Store { pool })
    }

    // ---- users -------------------------------------------------------------------------

    /// Inserts a user; `Err(UserExists)` when the email is taken (the UNIQUE constraint
    /// decides, so two concurrent sign-ups cannot both win).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_user(
        &self,
        pool_id: &str,
        sub: &str,
        email: &str,
        password_hash: &str,
        confirmed: bool,
        email_verified: bool,
        attributes: &BTreeMap<String, String>,
        now: i64,
    ) -> Result<(), Error> {
        let attrs =
            serde_json::to_string(attributes).map_err(|e| Error::Internal(e.to_string()))?;
        let res = sqlx::query(
            "INSERT INTO users (sub, pool_id, email, password_hash, confirmed, email_verified, attributes, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(sub)
        .bind(pool_id)
        .bind(email)
        .bind(password_hash)
        .bind(confirmed as i64)
        .bind(email_verified as i64)
        .bind(attrs)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::UserExists),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user_by_email(
        &self,
        pool_id: &str,
        email: &str,
    ) -> Result<Option<UserRow>, Error> {
        let row = sqlx::query("SELECT * FROM users WHERE pool_id = ? AND email = ?")
            .bind(pool_id)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<UserRow>, Error> {
        let row = sqlx::query("SELECT * FROM users WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn users(&self, pool_id: &str) -> Result<Vec<UserRow>, Error> {
        let rows = sqlx::query("SELECT * FROM users WHERE pool_id = ? ORDER BY email")
            .bind(pool_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
    }

    /// Records a wrong password; returns the new count of failures in a row.
    /// Locks the user until `lock_until` when `lock_after` is reached.
    pub async fn record_failed_password(
        &self,
        sub: &str,
        lock_after: i64,
        lock_until: i64,
    ) -> Result<i64, Error> {
        let row = sqlx::query(
            "UPDATE users SET failed_attempts = failed_attempts + 1,
                    locked_until = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE locked_until END
             WHERE sub = ? RETURNING failed_attempts",
        )
        .bind(lock_after)
        .bind(lock_until)
        .bind(sub)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn reset_failed_passwords(&self, sub: &str) -> Result<(), Error> {
        sqlx::query("UPDATE users SET failed_attempts = 0, locked_until = 0 WHERE sub = ?")
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn confirm_user(&self, sub: &str, now: i64) -> Result<(), Error> {
        sqlx::query(
            "UPDATE users SET confirmed = 1, email_verified = 1, updated_at = ? WHERE sub = ?",
        )
        .bind(now)
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets a new password and unlocks the user.
    pub async fn set_password(&self, sub: &str, hash: &str, now: i64) -> Result<(), Error> {
        sqlx::query(
            "UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = 0, updated_at = ? WHERE sub = ?",
        )
        .bind(hash)
        .bind(now)
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- groups ------------------------------------------------------------------------

    pub async fn ensure_group(&self, pool_id: &str, name: &str, now: i64) -> Result<(), Error> {
        sqlx::query("INSERT OR IGNORE INTO groups (pool_id, name, created_at) VALUES (?, ?, ?)")
            .bind(pool_id)
            .bind(name)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn add_to_group(
        &self,
        pool_id: &str,
        sub: &str,
        group: &str,
        now: i64,
    ) -> Result<(), Error> {
        self.ensure_group(pool_id, group, now).await?;
        sqlx::query(
            "INSERT OR IGNORE INTO user_groups (pool_id, sub, group_name) VALUES (?, ?, ?)",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(group)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn groups_of(&self, sub: &str) -> Result<Vec<String>, Error> {
        let rows =
            sqlx::query("SELECT group_name FROM user_groups WHERE sub = ? ORDER BY group_name")
                .bind(sub)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    pub async fn groups(&self, pool_id: &str) -> Result<Vec<String>, Error> {
        let rows = sqlx::query("SELECT name FROM groups WHERE pool_id = ? ORDER BY name")
            .bind(pool_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    // ---- confirmation and reset codes --------------------------------------------------

    /// Stores a new code; older unused codes of the same purpose stop working.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_user_code(
        &self,
        pool_id: &str,
        sub: &str,
        email: &str,
        purpose: &str,
        code: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE user_codes SET used = 1 WHERE sub = ? AND purpose = ? AND used = 0")
            .bind(sub)
            .bind(purpose)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO user_codes (pool_id, sub, email, purpose, code, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(email)
        .bind(purpose)
        .bind(code)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks and consumes a code. `Ok(Err(msg))` is a user-facing refusal.
    pub async fn use_user_code(
        &self,
        sub: &str,
        purpose: &str,
        code: &str,
        now: i64,
    ) -> Result<Result<(), CodeProblem>, Error> {
        let row = sqlx::query(
            "SELECT id, code, expires_at, failed FROM user_codes
             WHERE sub = ? AND purpose = ? AND used = 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(sub)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Err(CodeProblem::Expired));
        };
        let id: i64 = row.try_get("id")?;
        let stored: String = row.try_get("code")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at <= now {
            return Ok(Err(CodeProblem::Expired));
        }
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(stored.as_bytes(), code.as_bytes()).into();
        if !matches {
            // A code survives a few wrong guesses, then dies: 6 digits must not be brute-forced.
            sqlx::query(
                "UPDATE user_codes SET failed = failed + 1, used = (failed + 1 >= 5) WHERE id = ?",
            )
            .bind(id)
            .execute(&self.pool)
            .await?;
            return Ok(Err(CodeProblem::Mismatch));
        }
        let done = sqlx::query("UPDATE user_codes SET used = 1 WHERE id = ? AND used = 0")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            Ok(Ok(()))
        } else {
            Ok(Err(CodeProblem::Expired))
        }
    }

    /// The newest code sent to an email, in any pool.
    pub async fn latest_user_code(&self, email: &str) -> Result<Option<String>, Error> {
        let row =
            sqlx::query("SELECT code FROM user_codes WHERE email = ? ORDER BY id DESC LIMIT 1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    // ---- authorization codes ------------------------------------------------------------

    pub async fn insert_auth_code(&self, code_hash: &str, c: &AuthCodeRow) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO auth_codes (code_hash, pool_id, client_id, sub, redirect_uri, scope, nonce, code_challenge, auth_time, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(code_hash)
        .bind(&c.pool_id)
        .bind(&c.client_id)
        .bind(&c.sub)
        .bind(&c.redirect_uri)
        .bind(&c.scope)
        .bind(&c.nonce)
        .bind(&c.code_challenge)
        .bind(c.auth_time)
        .bind(c.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks a code used and returns it; `used` is true when it had been used before.
    /// One statement, so two concurrent exchanges cannot both see it unused.
    pub async fn take_auth_code(&self, code_hash: &str) -> Result<Option<AuthCodeRow>, Error> {
        let row =
            sqlx::query("UPDATE auth_codes SET used = used + 1 WHERE code_hash = ? RETURNING *")
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some(AuthCodeRow {
            pool_id: r.try_get("pool_id")?,
            client_id: r.try_get("client_id")?,
            sub: r.try_get("sub")?,
            redirect_uri: r.try_get("redirect_uri")?,
            scope: r.try_get("scope")?,
            nonce: r.try_get("nonce")?,
            code_challenge: r.try_get("code_challenge")?,
            auth_time: r.try_get("auth_time")?,
            expires_at: r.try_get("expires_at")?,
            used: r.try_get::<i64, _>("used")? > 1,
        }))
    }

    // ---- sign-ins and refresh tokens -------------------------------------------------

    pub async fn insert_sign_in(
        &self,
        s: &SignInRow,
        now: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO sign_ins (origin_jti, pool_id, client_id, sub, event_id, auth_time, scope, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.origin_jti)
        .bind(&s.pool_id)
        .bind(&s.client_id)
        .bind(&s.sub)
        .bind(&s.event_id)
        .bind(s.auth_time)
        .bind(&s.scope)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn sign_in(&self, origin_jti: &str) -> Result<Option<SignInRow>, Error> {
        let row = sqlx::query("SELECT * FROM sign_ins WHERE origin_jti = ?")
            .bind(origin_jti)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SignInRow {
            origin_jti: r.try_get("origin_jti")?,
            pool_id: r.try_get("pool_id")?,
            client_id: r.try_get("client_id")?,
            sub: r.try_get("sub")?,
            event_id: r.try_get("event_id")?,
            auth_time: r.try_get("auth_time")?,
            scope: r.try_get("scope")?,
            revoked: r.try_get::<i64, _>("revoked")? != 0,
        }))
    }

    pub async fn revoke_sign_in(&self, origin_jti: &str) -> Result<(), Error> {
        sqlx::query("UPDATE sign_ins SET revoked = 1 WHERE origin_jti = ?")
            .bind(origin_jti)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn insert_refresh(
        &self,
        token_hash: &str,
        origin_jti: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        sqlx::query("INSERT INTO refresh_tokens (token_hash, origin_jti, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(origin_jti)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `(origin_jti, expires_at, replaced)` of a refresh token.
    pub async fn refresh(&self, token_hash: &str) -> Result<Option<(String, i64, bool)>, Error> {
        let row = sqlx::query(
            "SELECT origin_jti, expires_at, replaced FROM refresh_tokens WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get::<i64, _>(2)? != 0,
        )))
    }

    /// Retires a rotated refresh token; false if it was already retired (a replay).
    pub async fn retire_refresh(&self, token_hash: &str) -> Result<bool, Error> {
        let r = sqlx::query(
            "UPDATE refresh_tokens SET replaced = 1 WHERE token_hash = ? AND replaced = 0",
        )
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    // ---- hosted-UI sessions --------------------------------------------------------------

    pub async fn insert_session(
        &self,
        id_hash: &str,
        pool_id: &str,
        sub: &str,
        auth_time: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        sqlx::query("INSERT INTO sessions (id_hash, pool_id, sub, auth_time, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(id_hash)
            .bind(pool_id)
            .bind(sub)
            .bind(auth_time)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `(sub, auth_time)` of a live session of that pool.
    pub async fn session(
        &self,
        id_hash: &str,
        pool_id: &str,
        now: i64,
    ) -> Result<Option<(String, i64)>, Error> {
        let row = sqlx::query("SELECT sub, auth_time FROM sessions WHERE id_hash = ? AND pool_id = ? AND expires_at > ?")
            .bind(id_hash)
            .bind(pool_id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((r.try_get(0)?, r.try_get(1)?)))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Drops expired codes, sessions and refresh tokens.
    pub async fn purge_expired(&self, now: i64) -> Result<(), Error> {
        for sql in [
            "DELETE FROM auth_codes WHERE expires_at < ?",
            "DELETE FROM sessions WHERE expires_at < ?",
            "DELETE FROM refresh_tokens WHERE expires_at < ?",
            "DELETE FROM user_codes WHERE expires_at < ?",
        ] {
            sqlx::query(sql).bind(now).execute(&self.pool).await?;
        }
        Ok(())
    }

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

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Why a confirmation or reset code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeProblem {
    /// Wrong digits.
    Mismatch,
    /// Expired, used up, or never sent.
    Expired,
}
