//! A circuit breaker for a service that is down (a session store, the user pool's API): after a
//! few failed calls in a row, calls fail at once for a while instead of each waiting out its
//! timeout, then one call probes the service.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The breaker opens after this many failed calls in a row.
pub(crate) const TRIP_AFTER: u32 = 3;
/// While open, calls fail at once for this long; then one call probes the service.
pub(crate) const BACK_OFF: Duration = Duration::from_secs(5);

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
    /// Whether a call may go to the service at `now` (closed; or open, past the back-off and no
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
}
