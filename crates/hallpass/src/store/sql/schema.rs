//! The sessions table: created on first use, and brought up to date from an older version.

use sqlx::Row;

use super::{Pool, SqlStore};

/// The schema version this code writes (kept in `{table}_schema`).
const SCHEMA_VERSION: i64 = 3;

/// What brings a table of version `n - 1` to version `n` (`{t}` is the table).
const MIGRATIONS: &[(i64, &[&str])] = &[
    (
        2,
        &[
            "ALTER TABLE {t} ADD COLUMN issuer TEXT NOT NULL DEFAULT ''",
            // Before v2 a user was (provider, sub): the provider id stands for the issuer.
            "UPDATE {t} SET issuer = provider WHERE issuer = ''",
        ],
    ),
    // Older rows have no login: a reset does not find them, a refresh or re-check still ends them.
    (3, &["ALTER TABLE {t} ADD COLUMN login_hash TEXT"]),
];

/// The statements that create sessions table `t` (with its version row and the attempts table),
/// and its indexes (made after the migrations, which may add their columns).
fn statements(t: &str) -> (Vec<String>, [String; 3]) {
    let create = [
        format!(
            "CREATE TABLE IF NOT EXISTS {t} (key_hash TEXT PRIMARY KEY, provider TEXT NOT NULL, \
             sub TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL, \
             last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, user_agent TEXT, \
             version BIGINT NOT NULL DEFAULT 0, fence BIGINT NOT NULL DEFAULT 0, \
             lease_until BIGINT NOT NULL DEFAULT 0, issuer TEXT NOT NULL DEFAULT '', \
             login_hash TEXT)"
        ),
        format!("CREATE TABLE IF NOT EXISTS {t}_schema (version BIGINT NOT NULL)"),
        // A new table is created at the current version; an older one keeps its row.
        format!(
            "INSERT INTO {t}_schema (version) SELECT {SCHEMA_VERSION} \
             WHERE NOT EXISTS (SELECT 1 FROM {t}_schema)"
        ),
    ];
    let indexes = [
        format!("CREATE INDEX IF NOT EXISTS {t}_user ON {t} (sub, provider)"),
        format!("CREATE INDEX IF NOT EXISTS {t}_account ON {t} (sub, issuer)"),
        format!("CREATE INDEX IF NOT EXISTS {t}_login ON {t} (login_hash)"),
    ];
    let create = [create.as_slice(), &[super::attempts::sql_schema(t)]].concat();
    (create, indexes)
}

impl SqlStore {
    /// The table, its indexes and the version row, and the migrations an older table needs;
    /// idempotent, serialised across instances (Postgres: an advisory lock, as concurrent
    /// `CREATE … IF NOT EXISTS` can collide there; SQLite: the write lock of `BEGIN IMMEDIATE`
    /// around a migration).
    pub(super) async fn create_schema(&self) -> Result<(), sqlx::Error> {
        let t = &self.table;
        let (create, indexes) = statements(t);
        let postgres = self.is_postgres();
        let check = format!("SELECT MAX(version) AS v FROM {t}_schema");
        let too_new = |version: i64| {
            sqlx::Error::Protocol(format!(
                "table {t} has schema version {version}, newer than this hallpass ({SCHEMA_VERSION})"
            ))
        };
        on_pool!(&self.pool, p => {
            let mut conn = p.acquire().await?;
            // Postgres: one transaction under an advisory lock. SQLite: statement by statement
            // (each waits for the database lock; a deferred transaction that reads and then writes
            // would fail at once with "database is locked" when another instance wrote in between).
            let begin = if postgres { "BEGIN" } else { "BEGIN IMMEDIATE" };
            if postgres {
                sqlx::query(begin).execute(&mut *conn).await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7406120412)")
                    .execute(&mut *conn)
                    .await?;
            }
            let run = async {
                for sql in &create {
                    sqlx::query(sql).execute(&mut *conn).await?;
                }
                let mut version: i64 =
                    sqlx::query(&check).fetch_one(&mut *conn).await?.try_get("v")?;
                if version < SCHEMA_VERSION && !postgres {
                    sqlx::query(begin).execute(&mut *conn).await?;
                    // Another instance may have migrated while this one waited for the lock.
                    version = sqlx::query(&check).fetch_one(&mut *conn).await?.try_get("v")?;
                }
                for (to, statements) in MIGRATIONS {
                    if version < *to {
                        for sql in *statements {
                            sqlx::query(&sql.replace("{t}", t)).execute(&mut *conn).await?;
                        }
                        sqlx::query(&format!("UPDATE {t}_schema SET version = {to}"))
                            .execute(&mut *conn)
                            .await?;
                        version = *to;
                    }
                }
                for sql in &indexes {
                    sqlx::query(sql).execute(&mut *conn).await?;
                }
                Ok::<_, sqlx::Error>(version)
            };
            let version = match run.await {
                Ok(v) => v,
                Err(e) => {
                    // Postgres' transaction, or a SQLite migration's (a no-op without one).
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    return Err(e);
                }
            };
            // Ends Postgres' transaction or a SQLite migration's; without one SQLite says there
            // is no transaction, which is fine.
            if let Err(e) = sqlx::query("COMMIT").execute(&mut *conn).await {
                if postgres {
                    return Err(e);
                }
            }
            if version > SCHEMA_VERSION {
                return Err(too_new(version));
            }
            Ok(())
        })
    }

    #[allow(unreachable_patterns)]
    fn is_postgres(&self) -> bool {
        match self.pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => true,
            _ => false,
        }
    }
}
