//! The clock every time-dependent step reads: session `iat`/`exp`, refresh, check cookies, and the
//! `now` handed to providers (ID-token checks, the JWKS re-fetch window).
//!
//! Production uses [`SystemClock`]. Tests give Hallpass a [`ManualClock`] and move it forward instead
//! of waiting:
//!
//! ```
//! use std::time::Duration;
//! use hallpass::clock::{Clock, ManualClock};
//!
//! let clock = ManualClock::new(1_700_000_000);
//! let seen_by_hallpass = clock.clone();
//! clock.advance(Duration::from_secs(15 * 60));
//! assert_eq!(seen_by_hallpass.now(), 1_700_000_900);
//! ```

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A source of the current time, in Unix seconds.
pub trait Clock: Send + Sync + 'static {
    /// Now, in Unix seconds.
    fn now(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// A clock that only moves when told to; clones share one time. For tests.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock standing at `unix` seconds.
    pub fn new(unix: i64) -> Self {
        Self(Arc::new(AtomicI64::new(unix)))
    }

    /// A clock standing at the system's current time.
    pub fn starting_now() -> Self {
        Self::new(SystemClock.now())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.0.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets the clock to `unix` seconds.
    pub fn set(&self, unix: i64) {
        self.0.store(unix, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
