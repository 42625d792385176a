//! A store that is down should not cost every request the full store timeout, nor write a log line
//! per request: a small circuit breaker in front of every store call ([`Guarded`]), opened by
//! failures that took their time (timeouts, hanging connections), and a throttle for the lines that
//! say the store is unavailable.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::record::{Record, RecordStore};
pub(crate) use crate::logsafe::Throttle;
use crate::shared::{BoxFuture, StoreError};

/// The breaker opens after this many failed calls in a row.
const TRIP_AFTER: u32 = 3;
/// While open, calls fail at once for this long; then one call probes the store.
const BACK_OFF: Duration = Duration::from_secs(5);
/// Only a failure that took this long counts: a store that fails quickly (a refused connection, a
/// missing SQLite directory) costs a request little, and is seen again as soon as it is back.
const SLOW: Duration = Duration::from_millis(100);

/// Closed (calls go through), open (calls fail fast until `open_until`), or half-open (one probe
/// is under way; the others still fail fast).
#[derive(Debug, Default)]
struct State {
    failures: u32,
    open_until: Option<Instant>,
    /// When the probe under way started: a probe whose request was dropped must not keep the
    /// breaker open for ever, so another may go after a back-off.
    probe: Option<Instant>,
}

#[derive(Debug, Default)]
pub(crate) struct Breaker(Mutex<State>);

impl Breaker {
    /// Whether a call may go to the store at `now` (closed; or open, past the back-off and no
    /// probe under way: this call is the probe).
    pub(crate) fn admit(&self, now: Instant) -> bool {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match s.open_until {
            None => true,
            Some(until) if now < until => false,
            Some(_) => {
                if s.probe.is_some_and(|p| now < p + BACK_OFF) {
                    return false;
                }
                s.probe = Some(now);
                true
            }
        }
    }

    /// Records a call's outcome; true when this failure opened the breaker.
    pub(crate) fn record(&self, ok: bool, now: Instant) -> bool {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if ok {
            *s = State::default();
            return false;
        }
        s.failures = s.failures.saturating_add(1);
        s.probe = None;
        let was_open = s.open_until.is_some();
        if was_open || s.failures >= TRIP_AFTER {
            s.open_until = Some(now + BACK_OFF);
        }
        !was_open && s.open_until.is_some()
    }
}

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
    fn the_breaker_opens_after_three_failures_then_probes_once() {
        let b = Breaker::default();
        let t0 = Instant::now();
        let s = |n: u64| t0 + Duration::from_millis(n);
        assert!(b.admit(t0));
        assert!(!b.record(false, s(1)));
        assert!(!b.record(false, s(2)));
        // A success in between starts the count again.
        assert!(!b.record(true, s(3)));
        assert!(!b.record(false, s(4)));
        assert!(!b.record(false, s(5)));
        assert!(b.admit(s(6)), "closed until the third failure");
        assert!(b.record(false, s(6)), "the third failure in a row opens it");
        assert!(!b.admit(s(7)), "fails fast");
        assert!(!b.admit(s(5_005)), "for the whole back-off");
        // After it: one probe, the others still fail fast.
        assert!(b.admit(s(5_006)));
        assert!(!b.admit(s(5_007)));
        // A failed probe opens it for another back-off (and says nothing new).
        assert!(!b.record(false, s(5_300)));
        assert!(!b.admit(s(10_299)));
        assert!(b.admit(s(10_300)));
        // A probe that never reports (its request dropped) does not hold it open for ever.
        assert!(!b.admit(s(15_299)));
        assert!(b.admit(s(15_300)));
        // A good probe closes it.
        assert!(!b.record(true, s(15_400)));
        assert!(b.admit(s(15_401)));
        assert!(b.admit(s(15_402)));
    }

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
