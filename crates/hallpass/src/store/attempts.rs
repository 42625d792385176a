//! Attempt counters in the session store, so that every instance sharing the store shares the
//! limits (the own form's sign-in attempts per username and per address).
//!
//! What both stores' counters share (key checks, counts, how long rows live) and the handle the
//! limiter keeps; SQL's counters are in `sql/attempts.rs`, Redis's in `redis_attempts.rs`. The
//! window follows the `now` the caller passes (the instance's clock) on every store.

use std::sync::Arc;

use super::record::RecordStore;
use crate::attempts::AttemptCounter;
use crate::shared::{BoxFuture, StoreError};

/// How long a row outlives its window before a hit deletes it (windows up to a day are kept
/// whole, whatever window the deleting hit counts in). Redis expires its keys itself.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const KEEP_SECS: i64 = 24 * 3600;

/// Keys are the caller's hashes: short, and only characters that need no quoting anywhere.
pub(crate) fn checked(key: &str) -> Result<&str, StoreError> {
    let ok = !key.is_empty()
        && key.len() <= 128
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'));
    ok.then_some(key)
        .ok_or_else(|| StoreError::Backend("an attempt key must be 1-128 of [A-Za-z0-9:_-]".into()))
}

/// A count as returned, never negative or past `u32`.
pub(crate) fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The counter of the store a [`Hallpass`](crate::Hallpass) uses, owned (the limiter keeps it).
struct Shared(Arc<dyn RecordStore>);

impl Shared {
    fn counter(&self) -> &dyn AttemptCounter {
        self.0
            .attempts()
            .expect("checked in StoredSessions::attempt_counter")
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

impl super::StoredSessions {
    /// The store's attempt counters, when it keeps them (the built-in SQL and Redis stores do):
    /// instances that share the store share the counts.
    pub(crate) fn attempt_counter(&self) -> Option<Arc<dyn AttemptCounter>> {
        let store = self.shared_store();
        store.attempts()?;
        Some(Arc::new(Shared(store)))
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
