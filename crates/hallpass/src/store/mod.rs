//! Server-side session stores: SQLite and Postgres ([`SqlStore`]) and Redis ([`RedisStore`]).
//!
//! With a store, the session cookie holds only a random id (32 bytes, base64url); the session is a
//! row stored under the id's SHA-256, its claims and provider tokens encrypted with the instance's
//! secret. Sessions can then be listed and revoked ([`Hallpass::sessions`](crate::Hallpass::sessions),
//! [`Hallpass::revoke_session`](crate::Hallpass::revoke_session),
//! [`Hallpass::sign_out_everywhere`](crate::Hallpass::sign_out_everywhere),
//! [`Hallpass::revoke_user_sessions`](crate::Hallpass::revoke_user_sessions)), and token refresh is
//! single-flight across instances that share the store. Choose one with `AUTH_SESSION_STORE` (or
//! [`ConfigBuilder::session_store`](crate::ConfigBuilder::session_store)), or build one here and
//! pass it to [`HallpassBuilder::record_store`](crate::HallpassBuilder::record_store).

// With every store feature off, the wiring below has nothing to wire.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "redis")),
    allow(unused)
)]

mod account;
mod attempts;
mod backend;
mod breaker;
mod engine;
mod record;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_attempts;
mod refresh;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;

use std::sync::Arc;
use std::time::Duration;

pub use crate::attempts::AttemptCounter;
pub(crate) use engine::StoredSessions;
pub use record::{BadHandle, Record, RecordStore, SessionHandle, SessionInfo};
#[cfg(feature = "redis")]
pub use redis::RedisStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::SqlStore;

use crate::config::store_url as url;
use crate::shared::StoreError;

/// Where and how a store keeps sessions.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoreOptions {
    /// SQL: the table (`hallpass_sessions`); `[A-Za-z0-9_]+`.
    pub table: String,
    /// Postgres: the schema to use (`search_path`); `None` for the connection's default.
    pub schema: Option<String>,
    /// Redis: the prefix of every key (`hallpass:`).
    pub key_prefix: String,
    /// How long one call may take (1 s).
    pub timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            table: "hallpass_sessions".into(),
            schema: None,
            key_prefix: "hallpass:".into(),
            timeout: Duration::from_secs(1),
        }
    }
}

impl StoreOptions {
    /// SQL: the table name.
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// Postgres: the schema (`search_path`), e.g. one per test.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Redis: the key prefix.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long one store call may take before it counts as failed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    fn checked_table(&self) -> Result<String, StoreError> {
        identifier("table", &self.table).map(str::to_string)
    }

    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    fn checked_schema(&self) -> Result<Option<&str>, StoreError> {
        self.schema
            .as_deref()
            .map(|s| identifier("schema", s))
            .transpose()
    }
}

/// SQL names are written into statements: letters, digits and `_` only.
fn identifier<'a>(what: &str, name: &'a str) -> Result<&'a str, StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 48
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    ok.then_some(name).ok_or_else(|| {
        StoreError::Backend(format!("the {what} name must be [A-Za-z_][A-Za-z0-9_]*"))
    })
}

/// The store a checked configuration URL names, connecting lazily.
pub(crate) fn from_url(
    url: &url::StoreUrl,
    timeout: Duration,
) -> Result<Arc<dyn RecordStore>, StoreError> {
    let mut options = StoreOptions::default().timeout(timeout);
    // Hallpass's own URL parameters (`?schema=` for Postgres, `?prefix=` for Redis), taken off
    // before the driver sees the URL, so that several apps or tests can share one server.
    let (connect, ours) = url::take_params(url.expose(), &["schema", "prefix"]);
    for (name, value) in ours {
        options = match name {
            "schema" => options.schema(value),
            _ => options.key_prefix(value),
        };
    }
    // Only the network stores connect with the parameters taken off.
    #[cfg(not(any(feature = "postgres", feature = "redis")))]
    let _ = connect;
    match url.kind {
        #[cfg(feature = "sqlite")]
        url::StoreKind::Sqlite => Ok(Arc::new(SqlStore::connect_lazy(url.expose(), options)?)),
        #[cfg(feature = "postgres")]
        url::StoreKind::Postgres => Ok(Arc::new(SqlStore::connect_lazy(&connect, options)?)),
        #[cfg(feature = "redis")]
        url::StoreKind::Redis => Ok(Arc::new(RedisStore::open(&connect, options)?)),
        #[allow(unreachable_patterns)]
        _ => Err(StoreError::Backend(format!(
            "{}: this store's cargo feature is off",
            url.redacted()
        ))),
    }
}
