//! [`RedisStore`]: sessions in Redis, through one reconnecting [`ConnectionManager`].
//!
//! Keys (`{p}` is the key prefix, `hallpass:` by default; `{key}` the hex SHA-256 of the id):
//!
//! | key | type | holds |
//! | --- | --- | --- |
//! | `{p}s:{key}` | hash | `provider`, `issuer`, `sub`, `payload` (encrypted), `created_at`, `last_seen_at`, `expires_at`, `user_agent`, `version`, `fence`; expires with the session |
//! | `{p}lease:{key}` | string | the refresh lease (`SET NX PX`) |
//! | `{p}u:{sub}` | set | the user's session keys |
//! | `{p}l:{login}` | set | the session keys of a login (the hash of the e-mail) |
//! | `{p}att:{key}` | hash | an attempt counter: `c` the count, `s` its window's start (see `attempts`) |
//!
//! Writes that must not resurrect a deleted session, and the fenced write of a refresh, are Lua
//! scripts (atomic in Redis).

use std::collections::HashMap;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::record::{Record, RecordStore};
use super::StoreOptions;
use crate::shared::{BoxFuture, StoreError};

/// Rolls expiry if the session still exists (a plain HSET would recreate a revoked one).
const TOUCH: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'expires_at', ARGV[1], 'last_seen_at', ARGV[2])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return 1";

/// Replaces the payload; with a fence (ARGV[2]), only while it is still the row's, and releases
/// the lease.
const WRITE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[2] ~= '' then
  if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[2] then return 0 end
  redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], 'payload', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1";

/// Takes the lease (`SET NX PX`) and bumps the fence; 0 when held or when there is no session.
const LEASE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
  return redis.call('HINCRBY', KEYS[1], 'fence', 1)
end
return 0";

/// Deletes the session, its lease and its entries in the user's and the login's sets.
const DELETE: &str = r"
local sub = redis.call('HGET', KEYS[1], 'sub')
if not sub then return 0 end
local login = redis.call('HGET', KEYS[1], 'login')
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', ARGV[1] .. sub, ARGV[2])
if login and login ~= '' then redis.call('SREM', ARGV[3] .. login, ARGV[2]) end
return 1";

/// Server-side sessions in Redis (`redis://…`). Connects on first use and reconnects by itself
/// after the server goes away.
///
/// ```no_run
/// use hallpass::store::{RedisStore, StoreOptions};
/// # fn f(config: hallpass::Config) -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::open("redis://127.0.0.1:6379", StoreOptions::default().key_prefix("app:"))?;
/// let auth = hallpass::Hallpass::builder(config).record_store(store).build()?;
/// # Ok(()) }
/// ```
pub struct RedisStore {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    prefix: String,
    timeout: Duration,
    describe: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("store", &self.describe)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store for `url` (`redis://[:password@]host[:port][/db]`); nothing connects until the
    /// first session is read or written.
    pub fn open(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let parsed = crate::config::store_url::StoreUrl::parse("RedisStore::open", url)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let client = redis::Client::open(url).map_err(|e| {
            StoreError::Backend(format!("{}: unusable URL: {e}", parsed.redacted()))
        })?;
        Ok(Self {
            client,
            conn: OnceCell::new(),
            prefix: options.key_prefix.clone(),
            timeout: options.timeout,
            describe: parsed.redacted().to_string(),
        })
    }

    fn failed(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend(format!("{}: {e}", self.describe))
    }

    fn session_key(&self, key: &str) -> String {
        format!("{}s:{key}", self.prefix)
    }

    fn lease_key(&self, key: &str) -> String {
        format!("{}lease:{key}", self.prefix)
    }

    fn user_key(&self, sub: &str) -> String {
        format!("{}u:{sub}", self.prefix)
    }

    fn login_key(&self, login: &str) -> String {
        format!("{}l:{login}", self.prefix)
    }

    /// Runs [`DELETE`] for the session under `key`; true if there was one.
    async fn delete_one(&self, c: &mut ConnectionManager, key: &str) -> redis::RedisResult<bool> {
        eval(DELETE, &[&self.session_key(key), &self.lease_key(key)])
            .arg(self.user_key(""))
            .arg(key)
            .arg(self.login_key(""))
            .query_async::<i64>(c)
            .await
            .map(|n| n == 1)
    }

    /// `f` with a connection (made on first use; a failed first connect is tried again next
    /// time), given up after the timeout.
    async fn timed<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let run = async {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(self.timeout)
                .set_response_timeout(self.timeout)
                .set_number_of_retries(2)
                .set_max_delay(200);
            let conn = self
                .conn
                .get_or_try_init(|| ConnectionManager::new_with_config(self.client.clone(), config))
                .await
                .map_err(|e| self.failed(e))?;
            f(conn.clone()).await.map_err(|e| self.failed(e))
        };
        match tokio::time::timeout(self.timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(self.failed(format!("no answer within {:?}", self.timeout))),
        }
    }

    /// For the attempt counters: `script` on `{p}att:{key}` with `args`.
    pub(super) async fn counter_script(
        &self,
        script: &str,
        key: &str,
        args: &[i64],
    ) -> Result<i64, StoreError> {
        let k = format!("{}att:{key}", self.prefix);
        self.timed(move |mut c| async move {
            let mut cmd = eval(script, &[&k]);
            for a in args {
                cmd.arg(*a);
            }
            cmd.query_async::<i64>(&mut c).await
        })
        .await
    }

    /// The Redis expiry of a session key: the session's, plus the clock tolerance.
    fn expire_at(expires_at: i64) -> i64 {
        expires_at + crate::session::CLOCK_TOLERANCE_SECS + 60
    }
}

fn eval(script: &str, keys: &[&str]) -> redis::Cmd {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(script).arg(keys.len()).arg(keys);
    cmd
}

fn parse(key: &str, mut h: HashMap<String, String>) -> Option<Record> {
    let int = |h: &HashMap<String, String>, f: &str| h.get(f).and_then(|v| v.parse::<i64>().ok());
    Some(Record {
        key: key.to_string(),
        created_at: int(&h, "created_at")?,
        last_seen_at: int(&h, "last_seen_at")?,
        expires_at: int(&h, "expires_at")?,
        version: int(&h, "version").unwrap_or(0),
        // A hash written before the issuer was kept: the provider id stands for it, as it did.
        issuer: h.remove("issuer").or_else(|| h.get("provider").cloned())?,
        provider: h.remove("provider")?,
        sub: h.remove("sub")?,
        payload: h.remove("payload")?,
        user_agent: h.remove("user_agent").filter(|u| !u.is_empty()),
        login: h.remove("login").filter(|l| !l.is_empty()),
    })
}

impl RecordStore for RedisStore {
    fn describe(&self) -> &str {
        &self.describe
    }

    fn attempts(&self) -> Option<&dyn super::AttemptCounter> {
        Some(self)
    }

    fn insert<'a>(&'a self, r: &'a Record) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.timed(move |mut c| async move {
            let k = self.session_key(&r.key);
            let mut pipe = redis::pipe();
            pipe.atomic()
                .cmd("HSET")
                .arg(&k)
                .arg(&[
                    ("provider", r.provider.as_str()),
                    ("issuer", &r.issuer),
                    ("sub", &r.sub),
                    ("payload", &r.payload),
                    ("created_at", &r.created_at.to_string()),
                    ("last_seen_at", &r.last_seen_at.to_string()),
                    ("expires_at", &r.expires_at.to_string()),
                    ("user_agent", r.user_agent.as_deref().unwrap_or("")),
                    ("version", "0"),
                    ("fence", "0"),
                ])
                .ignore()
                .cmd("EXPIREAT")
                .arg(&k)
                .arg(Self::expire_at(r.expires_at))
                .ignore()
                .cmd("SADD")
                .arg(self.user_key(&r.sub))
                .arg(&r.key)
                .ignore();
            if let Some(login) = &r.login {
                pipe.cmd("HSET")
                    .arg(&k)
                    .arg("login")
                    .arg(login)
                    .ignore()
                    .cmd("SADD")
                    .arg(self.login_key(login))
                    .arg(&r.key)
                    .ignore();
            }
            pipe.query_async::<()>(&mut c).await
        }))
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        Box::pin(self.timed(move |mut c| async move {
            let h: HashMap<String, String> = redis::cmd("HGETALL")
                .arg(self.session_key(key))
                .query_async(&mut c)
                .await?;
            Ok(parse(key, h))
        }))
    }

    fn touch<'a>(
        &'a self,
        key: &'a str,
        expires_at: i64,
        last_seen_at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.timed(move |mut c| async move {
            eval(TOUCH, &[&self.session_key(key)])
                .arg(expires_at)
                .arg(last_seen_at)
                .arg(Self::expire_at(expires_at))
                .query_async::<i64>(&mut c)
                .await
                .map(|_| ())
        }))
    }

    fn write<'a>(
        &'a self,
        key: &'a str,
        payload: &'a str,
        fence: Option<i64>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.timed(move |mut c| async move {
            eval(WRITE, &[&self.session_key(key), &self.lease_key(key)])
                .arg(payload)
                .arg(fence.map(|f| f.to_string()).unwrap_or_default())
                .query_async::<i64>(&mut c)
                .await
                .map(|n| n == 1)
        }))
    }

    fn lease<'a>(
        &'a self,
        key: &'a str,
        now_ms: i64,
        until_ms: i64,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(self.timed(move |mut c| async move {
            let fence: i64 = eval(LEASE, &[&self.session_key(key), &self.lease_key(key)])
                .arg((until_ms - now_ms).max(1))
                .query_async(&mut c)
                .await?;
            Ok((fence > 0).then_some(fence))
        }))
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.timed(move |mut c| async move { self.delete_one(&mut c, key).await }))
    }

    fn list<'a>(
        &'a self,
        issuer: Option<&'a str>,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Record>, StoreError>> {
        Box::pin(self.timed(move |mut c| async move {
            let keys: Vec<String> = redis::cmd("SMEMBERS")
                .arg(self.user_key(sub))
                .query_async(&mut c)
                .await?;
            let mut pipe = redis::pipe();
            for k in &keys {
                pipe.cmd("HGETALL").arg(self.session_key(k));
            }
            let hashes: Vec<HashMap<String, String>> = if keys.is_empty() {
                Vec::new()
            } else {
                pipe.query_async(&mut c).await?
            };
            let mut out = Vec::new();
            let mut gone = Vec::new();
            for (k, h) in keys.iter().zip(hashes) {
                match parse(k, h) {
                    Some(r) if issuer.is_none_or(|i| i == r.issuer) => out.push(r),
                    Some(_) => {}
                    // Expired by Redis: drop it from the set too.
                    None => gone.push(k.clone()),
                }
            }
            if !gone.is_empty() {
                redis::cmd("SREM")
                    .arg(self.user_key(sub))
                    .arg(&gone)
                    .query_async::<()>(&mut c)
                    .await?;
            }
            out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.key.cmp(&b.key)));
            Ok(out)
        }))
    }

    fn delete_user<'a>(
        &'a self,
        issuer: Option<&'a str>,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let mine = self.list(issuer, sub).await?;
            self.timed(move |mut c| async move {
                let mut n = 0;
                for r in &mine {
                    n += u64::from(self.delete_one(&mut c, &r.key).await?);
                }
                Ok(n)
            })
            .await
        })
    }

    fn delete_login<'a>(&'a self, logins: &'a [String]) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.timed(move |mut c| async move {
            let mut n = 0;
            for login in logins.iter().filter(|l| !l.is_empty()) {
                let keys: Vec<String> = redis::cmd("SMEMBERS")
                    .arg(self.login_key(login))
                    .query_async(&mut c)
                    .await?;
                for key in &keys {
                    n += u64::from(self.delete_one(&mut c, key).await?);
                }
                redis::cmd("DEL")
                    .arg(self.login_key(login))
                    .query_async::<()>(&mut c)
                    .await?;
            }
            Ok(n)
        }))
    }
}
