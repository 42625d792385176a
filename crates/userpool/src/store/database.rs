//! Opening the database, the handle on it, and the rows as stored.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
};
use sqlx::Row;

use crate::error::Error;

/// The schema, created at start. `IF NOT EXISTS` keeps existing data.
const SCHEMA: &str = include_str!("../schema.sql");

/// Columns added to existing tables since the first schema: `(table, column, declaration)`.
/// SQLite has no `ADD COLUMN IF NOT EXISTS`, so each is added at start when missing.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("users", "srp_salt", "TEXT"),
    ("users", "srp_verifier", "TEXT"),
    ("users", "password_temporary", "INTEGER NOT NULL DEFAULT 0"),
    ("users", "totp_secret", "TEXT"),
    ("users", "totp_enabled", "INTEGER NOT NULL DEFAULT 0"),
    ("users", "totp_last_step", "INTEGER"),
    ("users", "totp_pending", "TEXT"),
    ("refresh_tokens", "replaced_at", "INTEGER"),
    ("users", "enabled", "INTEGER NOT NULL DEFAULT 1"),
    ("users", "totp_preferred", "INTEGER NOT NULL DEFAULT 0"),
    ("users", "username", "TEXT"),
];

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
    /// The SRP salt and verifier (hex); `None` for a user whose password predates them.
    pub srp: Option<(String, String)>,
    /// The password was set by an admin: the next sign-in must choose a new one.
    pub password_temporary: bool,
    /// The software-token (TOTP) secret, base32, once verified.
    pub totp_secret: Option<String>,
    /// Whether TOTP is the user's MFA (asked for at each sign-in).
    pub totp_enabled: bool,
    /// Whether TOTP was set as the preferred MFA (`PreferredMfa`); shown only while enabled.
    pub totp_preferred: bool,
    /// The last TOTP step accepted: a code is not accepted twice.
    pub totp_last_step: Option<i64>,
    /// `false` after `AdminDisableUser`: no sign-in anywhere.
    pub enabled: bool,
    /// When the user was made, epoch seconds.
    pub created_at: i64,
    /// When the user last changed, epoch seconds.
    pub updated_at: i64,
    /// A federated user's username (`{ProviderName}_{sub}`); `None` for a native user, whose
    /// username is the `sub`. A federated user's `email` column holds this username too (a
    /// unique key that no e-mail address can take); its e-mail, if any, is an attribute.
    pub username: Option<String>,
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
    pub(super) pool: SqlitePool,
}

pub(super) fn user_from_row(r: &SqliteRow) -> Result<UserRow, sqlx::Error> {
    let attrs: String = r.try_get("attributes")?;
    Ok(UserRow {
        sub: r.try_get("sub")?,
        email: r.try_get("email")?,
        password_hash: r.try_get("password_hash")?,
        confirmed: r.try_get::<i64, _>("confirmed")? != 0,
        email_verified: r.try_get::<i64, _>("email_verified")? != 0,
        attributes: serde_json::from_str(&attrs).unwrap_or_default(),
        locked_until: r.try_get("locked_until")?,
        srp: match (
            r.try_get::<Option<String>, _>("srp_salt")?,
            r.try_get::<Option<String>, _>("srp_verifier")?,
        ) {
            (Some(salt), Some(verifier)) => Some((salt, verifier)),
            _ => None,
        },
        password_temporary: r.try_get::<i64, _>("password_temporary")? != 0,
        totp_secret: r.try_get("totp_secret")?,
        totp_enabled: r.try_get::<i64, _>("totp_enabled")? != 0,
        totp_preferred: r.try_get::<i64, _>("totp_preferred")? != 0,
        totp_last_step: r.try_get("totp_last_step")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        username: r.try_get("username")?,
    })
}

/// Whether an error is a UNIQUE / PRIMARY KEY violation.
pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
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
        add_missing_columns(&pool).await?;
        Ok(Store { pool })
    }

    /// Drops expired codes, sessions and refresh tokens.
    pub async fn purge_expired(&self, now: i64) -> Result<(), Error> {
        for sql in [
            "DELETE FROM auth_codes WHERE expires_at < ?",
            "DELETE FROM code_redemptions WHERE expires_at < ?",
            "DELETE FROM sessions WHERE expires_at < ?",
            "DELETE FROM refresh_tokens WHERE expires_at < ?",
            "DELETE FROM user_codes WHERE expires_at < ?",
            "DELETE FROM auth_challenges WHERE expires_at < ?",
            "DELETE FROM federation_states WHERE expires_at < ?",
        ] {
            sqlx::query(sql).bind(now).execute(&self.pool).await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Adds each of [`ADDED_COLUMNS`] that the table lacks (a database from an older version).
async fn add_missing_columns(pool: &SqlitePool) -> Result<(), Error> {
    for (table, column, declaration) in ADDED_COLUMNS {
        let present = sqlx::query("SELECT 1 FROM pragma_table_info(?) WHERE name = ?")
            .bind(table)
            .bind(column)
            .fetch_optional(pool)
            .await?
            .is_some();
        if !present {
            // Names and declarations are the constants above, never input.
            sqlx::raw_sql(&format!(
                "ALTER TABLE {table} ADD COLUMN {column} {declaration}"
            ))
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

/// Guesses one confirmation or reset code takes (then it takes none: 6 digits must not be
/// brute-forced).
pub(crate) const GUESSES_PER_CODE: i64 = 5;

/// Why a confirmation or reset code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeProblem {
    /// Wrong digits.
    Mismatch,
    /// Expired, used up, or never sent.
    Expired,
    /// Guessed at too often: the code takes no more guesses (a new one must be sent).
    TooManyGuesses,
}
