//! One real session store per test: a SQLite file in a temporary directory, a Postgres schema
//! `hp_<random>` (dropped after), or a Redis key prefix (deleted after). A service that is not
//! running fails the test when `CI` is set; elsewhere it prints `NOT RUN: <store>` and the test
//! returns.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hallpass::store::{RecordStore, RedisStore, SqlStore, StoreOptions};
use hallpass::HallpassBuilder;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
    Redis,
}

pub const POSTGRES: &str = "127.0.0.1:5432";
pub const REDIS: &str = "127.0.0.1:6379";

/// A test's own store.
pub struct Fixture {
    pub kind: Kind,
    /// SQLite: the database file; Postgres: the schema; Redis: the key prefix.
    pub place: String,
    dir: Option<std::path::PathBuf>,
}

fn random() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

impl Fixture {
    /// The store's URL, at `port` instead of the service's own (a proxy in front of it).
    pub fn url(&self, port: Option<u16>) -> String {
        match self.kind {
            Kind::Sqlite => format!("sqlite://{}", self.place),
            // A password (ignored by the trust authentication here) that must never be logged.
            Kind::Postgres => format!(
                "postgres://postgres:sekret-pw@127.0.0.1:{}/test",
                port.unwrap_or(5432)
            ),
            Kind::Redis => format!("redis://127.0.0.1:{}", port.unwrap_or(6379)),
        }
    }

    /// The real service's address (for a proxy).
    pub fn target(&self) -> Option<SocketAddr> {
        match self.kind {
            Kind::Sqlite => None,
            Kind::Postgres => Some(POSTGRES.parse().unwrap()),
            Kind::Redis => Some(REDIS.parse().unwrap()),
        }
    }

    pub fn options(&self, timeout: Duration) -> StoreOptions {
        let o = StoreOptions::default().timeout(timeout);
        match self.kind {
            Kind::Sqlite => o,
            Kind::Postgres => o.schema(&self.place),
            Kind::Redis => o.key_prefix(&self.place),
        }
    }

    /// A store on this fixture (through `port` if given), as a separate instance would open it.
    pub fn store_at(&self, port: Option<u16>, timeout: Duration) -> AnyStore {
        let url = self.url(port);
        match self.kind {
            Kind::Redis => AnyStore::Redis(RedisStore::open(&url, self.options(timeout)).unwrap()),
            _ => AnyStore::Sql(SqlStore::connect_lazy(&url, self.options(timeout)).unwrap()),
        }
    }

    /// A builder step installing a store on this fixture.
    pub fn install(
        &self,
        port: Option<u16>,
        timeout: Duration,
    ) -> Box<dyn FnOnce(HallpassBuilder) -> HallpassBuilder> {
        let store = self.store_at(port, timeout);
        Box::new(move |b| match store {
            AnyStore::Sql(s) => b.record_store(s),
            AnyStore::Redis(s) => b.record_store(s),
        })
    }

    /// A store to inspect rows with.
    pub fn inspector(&self) -> AnyStore {
        self.store_at(None, Duration::from_secs(5))
    }
}

pub enum AnyStore {
    Sql(SqlStore),
    Redis(RedisStore),
}

impl AnyStore {
    pub fn records(&self) -> &dyn RecordStore {
        match self {
            AnyStore::Sql(s) => s,
            AnyStore::Redis(s) => s,
        }
    }
}

fn unavailable(what: &str, why: impl std::fmt::Display) -> Option<Fixture> {
    if std::env::var_os("CI").is_some() {
        panic!(
            "{what} is required in CI (is it running on {}?): {why}",
            match what {
                "postgres" => POSTGRES,
                _ => REDIS,
            }
        );
    }
    println!("NOT RUN: {what} ({why})");
    None
}

async fn postgres_admin() -> Result<sqlx::PgPool, sqlx::Error> {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect("postgres://postgres@127.0.0.1:5432/test")
        .await
}

async fn redis_admin() -> redis::RedisResult<redis::aio::MultiplexedConnection> {
    let client = redis::Client::open("redis://127.0.0.1:6379")?;
    tokio::time::timeout(
        Duration::from_secs(5),
        client.get_multiplexed_async_connection(),
    )
    .await
    .unwrap_or_else(|_| Err((redis::ErrorKind::IoError, "timed out").into()))
}

impl Fixture {
    async fn create(kind: Kind) -> Option<Fixture> {
        match kind {
            Kind::Sqlite => {
                let dir = std::env::temp_dir().join(format!("hallpass-store-{}", random()));
                std::fs::create_dir_all(&dir).unwrap();
                Some(Fixture {
                    kind,
                    place: dir.join("sessions.db").display().to_string(),
                    dir: Some(dir),
                })
            }
            Kind::Postgres => {
                let pool = match postgres_admin().await {
                    Ok(p) => p,
                    Err(e) => return unavailable("postgres", e),
                };
                let schema = format!("hp_{}", random());
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&pool)
                    .await
                    .unwrap();
                Some(Fixture {
                    kind,
                    place: schema,
                    dir: None,
                })
            }
            Kind::Redis => {
                if let Err(e) = redis_admin().await {
                    return unavailable("redis", e);
                }
                Some(Fixture {
                    kind,
                    place: format!("hp_test_{}:", random()),
                    dir: None,
                })
            }
        }
    }

    async fn drop_all(self) {
        match self.kind {
            Kind::Sqlite => {
                if let Some(dir) = self.dir {
                    let _ = std::fs::remove_dir_all(dir);
                }
            }
            Kind::Postgres => {
                let pool = postgres_admin().await.unwrap();
                sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.place))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            Kind::Redis => {
                let mut c = redis_admin().await.unwrap();
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg(format!("{}*", self.place))
                    .query_async(&mut c)
                    .await
                    .unwrap();
                if !keys.is_empty() {
                    redis::cmd("DEL")
                        .arg(&keys)
                        .query_async::<()>(&mut c)
                        .await
                        .unwrap();
                }
            }
        }
    }
}

/// Removes the store when dropped, also while a failed test unwinds (on a thread of its own: a
/// `Drop` cannot await).
struct Cleanup(Option<std::sync::Arc<Fixture>>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(f) = self
            .0
            .take()
            .and_then(|f| std::sync::Arc::try_unwrap(f).ok())
        {
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(f.drop_all())
            })
            .join();
        }
    }
}

/// Runs `test` on a fresh store of `kind`, then removes the store (also when the test fails).
pub async fn run<F, Fut>(kind: Kind, test: F)
where
    F: FnOnce(std::sync::Arc<Fixture>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(fixture) = Fixture::create(kind).await else {
        return;
    };
    let cleanup = Cleanup(Some(std::sync::Arc::new(fixture)));
    let fixture = cleanup.0.clone().expect("just set");
    // On success or while a failure unwinds, the test's future (and its handle on the fixture)
    // goes first, then `cleanup` removes the store.
    test(fixture).await;
}
