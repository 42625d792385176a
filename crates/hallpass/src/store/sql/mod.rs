//! [`SqlStore`]: sessions in SQLite or Postgres, through sqlx (no macros: the schema and queries are
//! plain strings that both databases accept).
//!
//! ```sql
//! CREATE TABLE hallpass_sessions (
//!   key_hash     TEXT PRIMARY KEY,   -- hex SHA-256 of the cookie's session id
//!   provider     TEXT NOT NULL,      -- the door: `cognito`, `cognito-form`, …
//!   sub          TEXT NOT NULL,
//!   payload      TEXT NOT NULL,      -- the session, encrypted (JWE bound to key_hash)
//!   created_at   BIGINT NOT NULL,    -- Unix seconds
//!   last_seen_at BIGINT NOT NULL,
//!   expires_at   BIGINT NOT NULL,
//!   user_agent   TEXT,
//!   version      BIGINT NOT NULL DEFAULT 0,  -- bumped by every payload write
//!   fence        BIGINT NOT NULL DEFAULT 0,  -- bumped by every refresh lease
//!   lease_until  BIGINT NOT NULL DEFAULT 0,  -- Unix milliseconds
//!   issuer       TEXT NOT NULL DEFAULT ''    -- the account's issuer (v2)
//! );
//! CREATE INDEX hallpass_sessions_user ON hallpass_sessions (sub, provider);
//! CREATE INDEX hallpass_sessions_account ON hallpass_sessions (sub, issuer);
//! ```
//!
//! A table of an older schema version is brought up to date with `ALTER TABLE … ADD COLUMN`
//! (see `schema.rs`), once, under the same lock as the creation.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::Row;
use tokio::sync::OnceCell;

use super::record::{Record, RecordStore};
use super::StoreOptions;
use crate::shared::{BoxFuture, StoreError};

/// How often (at most) expired rows are deleted, on a sign-in.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

/// Runs `$body` with `$p` bound to the concrete pool (the two arms are compiled separately).
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite($p) => $body,
            #[cfg(feature = "postgres")]
            Pool::Postgres($p) => $body,
        }
    };
}

/// A [`Record`] from a row of `SELECT {COLUMNS}`.
macro_rules! record {
    ($row:expr) => {{
        let row = $row;
        Record {
            key: row.try_get("key_hash")?,
            provider: row.try_get("provider")?,
            issuer: row.try_get("issuer")?,
            sub: row.try_get("sub")?,
            payload: row.try_get("payload")?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            expires_at: row.try_get("expires_at")?,
            user_agent: row.try_get("user_agent")?,
            login: row.try_get("login_hash")?,
            version: row.try_get("version")?,
        }
    }};
}

const COLUMNS: &str = "key_hash, provider, issuer, sub, payload, created_at, last_seen_at, \
     expires_at, user_agent, version, login_hash";

// After the macros, which it uses.
mod attempts;
mod schema;

/// Server-side sessions in SQLite (`sqlite://PATH`, `sqlite::memory:`) or Postgres
/// (`postgres://…`). The pool connects on first use and the table is created then, once; a store
/// that is down is retried on the next request.
///
/// ```no_run
/// use hallpass::store::{SqlStore, StoreOptions};
/// # fn f(config: hallpass::Config) -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqlStore::connect_lazy(
///     "postgres://app@127.0.0.1:5432/app",
///     StoreOptions::default().schema("auth").timeout(std::time::Duration::from_millis(500)),
/// )?;
/// let auth = hallpass::Hallpass::builder(config).record_store(store).build()?;
/// # Ok(()) }
/// ```
pub struct SqlStore {
    pool: Pool,
    table: String,
    timeout: Duration,
    describe: String,
    ready: OnceCell<()>,
    last_purge: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("store", &self.describe)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl SqlStore {
    /// A store for `url` (`sqlite://PATH`, `sqlite::memory:`, `postgres://…`); nothing connects
    /// until the first session is read or written. Fails on a malformed URL, an unknown scheme, a
    /// store whose cargo feature is off, or a table or schema name that is not `[A-Za-z0-9_]+`.
    pub fn connect_lazy(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let parsed = crate::config::store_url::StoreUrl::parse("SqlStore::connect_lazy", url)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let table = options.checked_table()?;
        let timeout = options.timeout;
        let bad = |e: sqlx::Error| {
            StoreError::Backend(format!("{}: unusable URL: {e}", parsed.redacted()))
        };
        let pool = match parsed.kind {
            #[cfg(feature = "sqlite")]
            crate::config::store_url::StoreKind::Sqlite => {
                use std::str::FromStr;
                let memory = url.starts_with("sqlite::memory:");
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                    .map_err(bad)?
                    .create_if_missing(true)
                    .busy_timeout(timeout)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
                let pool = sqlx::pool::PoolOptions::new().acquire_timeout(timeout);
                // An in-memory database lives as long as its one connection: keep exactly one.
                let pool = if memory {
                    pool.max_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                } else {
                    pool.max_connections(4)
                };
                Pool::Sqlite(pool.connect_lazy_with(opts))
            }
            #[cfg(feature = "postgres")]
            crate::config::store_url::StoreKind::Postgres => {
                use std::str::FromStr;
                let mut opts = sqlx::postgres::PgConnectOptions::from_str(url).map_err(bad)?;
                if let Some(schema) = options.checked_schema()? {
                    opts = opts.options([("search_path", schema)]);
                }
                let pool = sqlx::pool::PoolOptions::new()
                    .acquire_timeout(timeout)
                    .max_connections(8)
                    .connect_lazy_with(opts);
                Pool::Postgres(pool)
            }
            #[allow(unreachable_patterns)]
            _ => {
                return Err(StoreError::Backend(format!(
                    "{} is not a SQL store (or its feature is off)",
                    parsed.redacted()
                )))
            }
        };
        Ok(Self {
            pool,
            table,
            timeout,
            describe: parsed.redacted().to_string(),
            ready: OnceCell::new(),
            last_purge: Mutex::new(None),
        })
    }

    fn failed(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend(format!("{}: {e}", self.describe))
    }

    /// `fut` after the schema is in place, given up after the timeout.
    async fn timed<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        let run = async {
            self.ready
                .get_or_try_init(|| self.create_schema())
                .await
                .map_err(|e| self.failed(e))?;
            fut.await.map_err(|e| self.failed(e))
        };
        match tokio::time::timeout(self.timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(self.failed(format!("no answer within {:?}", self.timeout))),
        }
    }

    /// Deletes rows expired before `now` (less often than once an hour).
    async fn purge_maybe(&self, now: i64) -> Result<(), sqlx::Error> {
        {
            let mut last = self.last_purge.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < PURGE_EVERY) {
                return Ok(());
            }
            *last = Some(Instant::now());
        }
        let sql = format!("DELETE FROM {} WHERE expires_at < $1", self.table);
        on_pool!(&self.pool, p => sqlx::query(&sql).bind(now).execute(p).await.map(|_| ()))?;
        let sql = attempts::sql_prune(&self.table);
        let before = now - crate::store::attempts::KEEP_SECS;
        on_pool!(&self.pool, p => sqlx::query(&sql).bind(before).execute(p).await.map(|_| ()))
    }

    pub(super) fn table(&self) -> &str {
        &self.table
    }

    /// For the attempt counters: `sql` with `key` and then `ints` bound in order; the first column
    /// of the row it returns, if any.
    pub(super) async fn counter_query(
        &self,
        sql: String,
        key: &str,
        ints: &[i64],
    ) -> Result<Option<i64>, StoreError> {
        self.timed(async {
            on_pool!(&self.pool, p => {
                let mut q = sqlx::query(&sql).bind(key);
                for i in ints {
                    q = q.bind(*i);
                }
                match q.fetch_optional(p).await? {
                    Some(row) => row.try_get::<i64, _>(0).map(Some),
                    None => Ok(None),
                }
            })
        })
        .await
    }
}

impl RecordStore for SqlStore {
    fn describe(&self) -> &str {
        &self.describe
    }

    fn attempts(&self) -> Option<&dyn super::AttemptCounter> {
        Some(self)
    }

    fn insert<'a>(&'a self, r: &'a Record) -> BoxFuture<'a, Result<(), StoreError>> {
        let sql = format!(
            "INSERT INTO {} (key_hash, provider, issuer, sub, payload, created_at, last_seen_at, \
             expires_at, user_agent, login_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            self.table
        );
        Box::pin(self.timed(async move {
            self.purge_maybe(r.created_at).await?;
            on_pool!(&self.pool, p => sqlx::query(&sql)
                .bind(&r.key)
                .bind(&r.provider)
                .bind(&r.issuer)
                .bind(&r.sub)
                .bind(&r.payload)
                .bind(r.created_at)
                .bind(r.last_seen_at)
                .bind(r.expires_at)
                .bind(&r.user_agent)
                .bind(&r.login)
                .execute(p)
                .await
                .map(|_| ()))
        }))
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        let sql = format!("SELECT {COLUMNS} FROM {} WHERE key_hash = $1", self.table);
        Box::pin(self.timed(async move {
            on_pool!(&self.pool, p => {
                match sqlx::query(&sql).bind(key).fetch_optional(p).await? {
                    Some(row) => Ok(Some(record!(row))),
                    None => Ok(None),
                }
            })
        }))
    }

    fn touch<'a>(
        &'a self,
        key: &'a str,
        expires_at: i64,
        last_seen_at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let sql = format!(
            "UPDATE {} SET expires_at = $1, last_seen_at = $2 WHERE key_hash = $3",
            self.table
        );
        Box::pin(self.timed(async move {
            on_pool!(&self.pool, p => sqlx::query(&sql)
                .bind(expires_at)
                .bind(last_seen_at)
                .bind(key)
                .execute(p)
                .await
                .map(|_| ()))
        }))
    }

    fn write<'a>(
        &'a self,
        key: &'a str,
        payload: &'a str,
        fence: Option<i64>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let t = &self.table;
        let sql = match fence {
            Some(_) => format!(
                "UPDATE {t} SET payload = $1, version = version + 1, lease_until = 0 \
                 WHERE key_hash = $2 AND fence = $3"
            ),
            None => {
                format!("UPDATE {t} SET payload = $1, version = version + 1 WHERE key_hash = $2")
            }
        };
        Box::pin(self.timed(async move {
            on_pool!(&self.pool, p => {
                let q = sqlx::query(&sql).bind(payload).bind(key);
                let q = match fence {
                    Some(f) => q.bind(f),
                    None => q,
                };
                q.execute(p).await.map(|r| r.rows_affected() == 1)
            })
        }))
    }

    fn lease<'a>(
        &'a self,
        key: &'a str,
        now_ms: i64,
        until_ms: i64,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        // One atomic conditional update: whoever changes the row holds the lease; no row lock is
        // held across the token request.
        let sql = format!(
            "UPDATE {} SET lease_until = $1, fence = fence + 1 \
             WHERE key_hash = $2 AND lease_until < $3 RETURNING fence",
            self.table
        );
        Box::pin(self.timed(async move {
            on_pool!(&self.pool, p => {
                let row = sqlx::query(&sql)
                    .bind(until_ms)
                    .bind(key)
                    .bind(now_ms)
                    .fetch_optional(p)
                    .await?;
                row.map(|r| r.try_get::<i64, _>("fence")).transpose()
            })
        }))
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let sql = format!("DELETE FROM {} WHERE key_hash = $1", self.table);
        Box::pin(self.timed(async move {
            on_pool!(&self.pool, p => sqlx::query(&sql)
                .bind(key)
                .execute(p)
                .await
                .map(|r| r.rows_affected() > 0))
        }))
    }

    fn list<'a>(
        &'a self,
        issuer: Option<&'a str>,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Record>, StoreError>> {
        let t = &self.table;
        let sql = match issuer {
            Some(_) => format!(
                "SELECT {COLUMNS} FROM {t} WHERE sub = $1 AND issuer = $2 \
                 ORDER BY created_at DESC, key_hash"
            ),
            None => {
                format!(
                    "SELECT {COLUMNS} FROM {t} WHERE sub = $1 ORDER BY created_at DESC, key_hash"
                )
            }
        };
        Box::pin(self.timed(async move {
            on_pool!(&self.pool, p => {
                let q = sqlx::query(&sql).bind(sub);
                let q = match issuer {
                    Some(issuer) => q.bind(issuer),
                    None => q,
                };
                let mut out = Vec::new();
                for row in q.fetch_all(p).await? {
                    out.push(record!(row));
                }
                Ok(out)
            })
        }))
    }

    fn delete_user<'a>(
        &'a self,
        issuer: Option<&'a str>,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        let t = &self.table;
        let sql = match issuer {
            Some(_) => format!("DELETE FROM {t} WHERE sub = $1 AND issuer = $2"),
            None => format!("DELETE FROM {t} WHERE sub = $1"),
        };
        Box::pin(self.timed(async move {
            on_pool!(&self.pool, p => {
                let q = sqlx::query(&sql).bind(sub);
                let q = match issuer {
                    Some(issuer) => q.bind(issuer),
                    None => q,
                };
                q.execute(p).await.map(|r| r.rows_affected())
            })
        }))
    }

    fn delete_login<'a>(&'a self, logins: &'a [String]) -> BoxFuture<'a, Result<u64, StoreError>> {
        let marks: Vec<String> = (1..=logins.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "DELETE FROM {} WHERE login_hash IN ({})",
            self.table,
            marks.join(", ")
        );
        Box::pin(async move {
            if logins.is_empty() {
                return Ok(0);
            }
            self.timed(async move {
                on_pool!(&self.pool, p => {
                    let mut q = sqlx::query(&sql);
                    for l in logins {
                        q = q.bind(l);
                    }
                    q.execute(p).await.map(|r| r.rows_affected())
                })
            })
            .await
        })
    }
}
