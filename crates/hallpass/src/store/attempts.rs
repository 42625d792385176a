//! Attempt counters in the session store, so that every instance sharing the store shares the
//! limits (the own form's sign-in attempts per username and per address).
//!
//! SQL: a table `hallpass_attempts` (`{prefix}_attempts` for a sessions table `{prefix}_sessions`,
//! else `{table}_attempts`) created with the sessions table; one atomic
//! `INSERT … ON CONFLICT (key) DO UPDATE … RETURNING count` per hit. Redis: a hash `{p}att:{key}`
//! (`c` the count, `s` the window's start) changed by one Lua script, expiring after the window.
//! The window follows the `now` the caller passes (the instance's clock) on every store.

use std::sync::Arc;

use super::record::RecordStore;
use crate::session::{BoxFuture, SessionStore, StoreError};

/// Counts attempts per key in fixed windows. Implemented by [`SqlStore`](super::SqlStore) and
/// [`RedisStore`](super::RedisStore) (see [`RecordStore::attempts`]).
pub trait AttemptCounter: Send + Sync {
    /// Adds one to `key` (a new window if the last one ended at `now`); the count after.
    fn hit<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>>;
    /// `key`'s count in its current window, 0 when none.
    fn peek<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>>;
    /// Takes one off `key`'s count, never below 0 (an attempt that turned out not to count).
    fn undo<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Forgets `key`.
    fn clear<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// How long a row outlives its window before a hit deletes it (windows up to a day are kept
/// whole, whatever window the deleting hit counts in).
pub(super) const KEEP_SECS: i64 = 24 * 3600;

/// Keys are the caller's hashes: short, and only characters that need no quoting anywhere.
pub(super) fn checked(key: &str) -> Result<&str, StoreError> {
    let ok = !key.is_empty()
        && key.len() <= 128
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'));
    ok.then_some(key)
        .ok_or_else(|| StoreError::Backend("an attempt key must be 1-128 of [A-Za-z0-9:_-]".into()))
}

/// A count as returned, never negative or past `u32`.
pub(super) fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The attempts table that goes with sessions table `t`.
pub(super) fn sql_table(t: &str) -> String {
    match t.strip_suffix("_sessions") {
        Some(prefix) => format!("{prefix}_attempts"),
        None => format!("{t}_attempts"),
    }
}

/// Created with the sessions table.
pub(super) fn sql_schema(t: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (key TEXT PRIMARY KEY, count BIGINT NOT NULL, \
         window_start BIGINT NOT NULL)",
        sql_table(t)
    )
}

/// `$1` key, `$2` now, `$3` the start at or before which a window has ended. Every `SET`
/// expression reads the row as it was, so `count` and `window_start` agree.
pub(super) fn sql_hit(t: &str) -> String {
    let a = sql_table(t);
    format!(
        "INSERT INTO {a} (key, count, window_start) VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE \
         SET count = CASE WHEN {a}.window_start <= $3 THEN 1 ELSE {a}.count + 1 END, \
         window_start = CASE WHEN {a}.window_start <= $3 THEN $2 ELSE {a}.window_start END \
         RETURNING count"
    )
}

/// `$1` key, `$2` the start at or before which a window has ended.
pub(super) fn sql_peek(t: &str) -> String {
    format!(
        "SELECT count FROM {} WHERE key = $1 AND window_start > $2",
        sql_table(t)
    )
}

/// `$1` key.
pub(super) fn sql_undo(t: &str) -> String {
    format!(
        "UPDATE {a} SET count = count - 1 WHERE key = $1 AND count > 0 RETURNING count",
        a = sql_table(t)
    )
}

pub(super) fn sql_clear(t: &str) -> String {
    format!("DELETE FROM {} WHERE key = $1", sql_table(t))
}

/// `$1` the start before which rows are deleted.
pub(super) fn sql_prune(t: &str) -> String {
    format!("DELETE FROM {} WHERE window_start < $1", sql_table(t))
}

/// ARGV: now, window. A new window when there is none or the last one ended.
pub(super) const REDIS_HIT: &str = r"
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = tonumber(redis.call('HGET', KEYS[1], 's') or '')
local n = 1
if start == nil or start <= now - window then
  redis.call('HSET', KEYS[1], 'c', 1, 's', now)
else
  n = redis.call('HINCRBY', KEYS[1], 'c', 1)
end
redis.call('EXPIRE', KEYS[1], window + 60)
return n";

/// ARGV: now, window.
pub(super) const REDIS_PEEK: &str = r"
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = tonumber(redis.call('HGET', KEYS[1], 's') or '')
if start == nil or start <= now - window then return 0 end
return tonumber(redis.call('HGET', KEYS[1], 'c') or '0')";

/// One less, never below 0, on a counter that exists.
pub(super) const REDIS_UNDO: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[1], 'c', -1)
if n < 0 then redis.call('HSET', KEYS[1], 'c', 0) end
return 0";

/// The counter of the store a [`Hallpass`](crate::Hallpass) uses, owned (the limiter keeps it).
struct Shared(Arc<dyn SessionStore>);

impl Shared {
    fn counter(&self) -> &dyn AttemptCounter {
        self.0
            .records()
            .and_then(RecordStore::attempts)
            .expect("checked in Hallpass::attempt_counter")
    }
}

impl AttemptCounter for Shared {
    fn hit<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        self.counter().hit(key, window_secs, now)
    }
    fn peek<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        self.counter().peek(key, window_secs, now)
    }
    fn undo<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.counter().undo(key)
    }
    fn clear<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.counter().clear(key)
    }
}

impl crate::Hallpass {
    /// The attempt counters of the configured store: `Some` with a built-in SQL or Redis store
    /// (instances that share it share the counts), `None` with cookie sessions or a custom store.
    pub(crate) fn attempt_counter(&self) -> Option<Arc<dyn AttemptCounter>> {
        let store = self.server()?.shared_store();
        store.records()?.attempts()?;
        Some(Arc::new(Shared(store)))
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl AttemptCounter for super::SqlStore {
    fn hit<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let sql = sql_hit(self.table());
            let n = self
                .counter_query(sql, checked(key)?, &[now, now - window_secs])
                .await?;
            Ok(count(n.unwrap_or(0)))
        })
    }

    fn peek<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let sql = sql_peek(self.table());
            let n = self
                .counter_query(sql, checked(key)?, &[now - window_secs])
                .await?;
            Ok(count(n.unwrap_or(0)))
        })
    }

    fn undo<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let sql = sql_undo(self.table());
            self.counter_query(sql, checked(key)?, &[])
                .await
                .map(|_| ())
        })
    }

    fn clear<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let sql = sql_clear(self.table());
            self.counter_query(sql, checked(key)?, &[])
                .await
                .map(|_| ())
        })
    }
}

#[cfg(feature = "redis")]
impl AttemptCounter for super::RedisStore {
    fn hit<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let n = self
                .counter_script(REDIS_HIT, checked(key)?, &[now, window_secs.max(1)])
                .await?;
            Ok(count(n))
        })
    }

    fn peek<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let n = self
                .counter_script(REDIS_PEEK, checked(key)?, &[now, window_secs.max(1)])
                .await?;
            Ok(count(n))
        })
    }

    fn undo<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.counter_script(REDIS_UNDO, checked(key)?, &[])
                .await
                .map(|_| ())
        })
    }

    fn clear<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let del = "return redis.call('DEL', KEYS[1])";
            self.counter_script(del, checked(key)?, &[])
                .await
                .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_tables_named() {
        assert!(checked(&"ab12".repeat(20)).is_ok());
        for bad in ["", "a b", "a'b", &"a".repeat(129), "é"] {
            assert!(checked(bad).is_err(), "{bad}");
        }
        assert_eq!(sql_table("hallpass_sessions"), "hallpass_attempts");
        assert_eq!(sql_table("auth"), "auth_attempts");
        assert_eq!(count(-1), 0);
        assert_eq!(count(i64::MAX), u32::MAX);
    }

    #[tokio::test]
    async fn an_instance_with_a_built_in_store_has_a_counter() {
        let config = |store: Option<&str>| {
            let b = crate::Config::builder()
                .url("http://localhost:3000")
                .secret("0123456789abcdef0123456789abcdef");
            let b = match store {
                Some(s) => b.session_store(s),
                None => b,
            };
            crate::Hallpass::builder(b.build().unwrap())
                .build()
                .unwrap()
        };
        assert!(config(None).attempt_counter().is_none());
        let h = config(Some("sqlite::memory:"));
        let c = h.attempt_counter().expect("a counter");
        assert_eq!(c.hit("k1", 60, 1_000).await.unwrap(), 1);
        assert_eq!(c.hit("k1", 60, 1_001).await.unwrap(), 2);
        assert_eq!(c.peek("k1", 60, 1_002).await.unwrap(), 2);
    }
}
