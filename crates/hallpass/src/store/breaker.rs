//! A store that is down should not cost every request the full store timeout, nor write a log line
//! per request: the circuit breaker in front of every store call ([`Guarded`]), opened by
//! failures that took their time (timeouts, hanging connections), and a throttle for the lines that
//! say the store is unavailable.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::record::{Record, RecordStore};
use crate::breaker::{Breaker, BACK_OFF, TRIP_AFTER};
pub(crate) use crate::logsafe::Throttle;
use crate::shared::{BoxFuture, StoreError};

/// Only a failure that took this long counts: a store that fails quickly (a refused connection, a
/// missing SQLite directory) costs a request little, and is seen again as soon as it is back.
const SLOW: Duration = Duration::from_millis(100);

/// The store's [`RecordStore`] behind the breaker: what Hallpass calls.
pub(crate) struct Guarded {
    store: Arc<dyn RecordStore>,
    breaker: Breaker,
}

impl Guarded {
    pub(crate) fn new(store: Arc<dyn RecordStore>) -> Self {
        Self {
            store,
            breaker: Breaker::default(),
        }
    }

    /// The store itself, to share (the attempt counters).
    pub(crate) fn shared(&self) -> Arc<dyn RecordStore> {
        self.store.clone()
    }

    fn inner(&self) -> &dyn RecordStore {
        self.store.as_ref()
    }

    /// `call` unless the breaker is open; its outcome moves the breaker.
    fn guard<'a, T: Send + 'a>(
        &'a self,
        call: BoxFuture<'a, Result<T, StoreError>>,
    ) -> BoxFuture<'a, Result<T, StoreError>> {
        Box::pin(async move {
            if !self.breaker.admit(Instant::now()) {
                return Err(StoreError::Backend(format!(
                    "{}: failing fast after {TRIP_AFTER} failed calls in a row (one call probes every {}s)",
                    self.describe(),
                    BACK_OFF.as_secs()
                )));
            }
            let started = Instant::now();
            let result = call.await;
            let now = Instant::now();
            let slow_failure =
                matches!(result, Err(StoreError::Backend(_))) && now - started >= SLOW;
            if self.breaker.record(!slow_failure, now) {
                tracing::warn!(
                    "session store {}: {TRIP_AFTER} calls in a row failed; failing fast for {}s, then one call probes it",
                    self.describe(),
                    BACK_OFF.as_secs()
                );
            }
            result
        })
    }
}

impl RecordStore for Guarded {
    fn describe(&self) -> &str {
        self.inner().describe()
    }
    fn insert<'a>(&'a self, record: &'a Record) -> BoxFuture<'a, Result<(), StoreError>> {
        self.guard(self.inner().insert(record))
    }
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        self.guard(self.inner().get(key))
    }
    fn touch<'a>(
        &'a self,
        key: &'a str,
        expires_at: i64,
        last_seen_at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.guard(self.inner().touch(key, expires_at, last_seen_at))
    }
    fn write<'a>(
        &'a self,
        key: &'a str,
        payload: &'a str,
        fence: Option<i64>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.guard(self.inner().write(key, payload, fence))
    }
    fn lease<'a>(
        &'a self,
        key: &'a str,
        now_ms: i64,
        until_ms: i64,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        self.guard(self.inner().lease(key, now_ms, until_ms))
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.guard(self.inner().delete(key))
    }
    fn list<'a>(
        &'a self,
        issuer: Option<&'a str>,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Record>, StoreError>> {
        self.guard(self.inner().list(issuer, sub))
    }
    fn delete_user<'a>(
        &'a self,
        issuer: Option<&'a str>,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        self.guard(self.inner().delete_user(issuer, sub))
    }
    fn delete_login<'a>(&'a self, logins: &'a [String]) -> BoxFuture<'a, Result<u64, StoreError>> {
        self.guard(self.inner().delete_login(logins))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_lets_one_line_through_per_period_and_counts_the_rest() {
        let t = Throttle::new(Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(t.allow(t0), Some(0));
        for i in 1..=9 {
            assert_eq!(t.allow(t0 + Duration::from_millis(i * 100)), None);
        }
        assert_eq!(t.allow(t0 + Duration::from_secs(5)), Some(9));
        assert_eq!(t.allow(t0 + Duration::from_secs(6)), None);
    }
}
