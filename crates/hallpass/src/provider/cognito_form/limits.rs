//! Attempt limits for the form sign-in: per username and per client address, for each action
//! (sign-in, sign-up, code entry, reset), in memory. The map is bounded: when it is full, expired
//! windows are dropped, and if none has expired the attempt is refused (fail closed) rather than
//! the map growing.

use std::collections::HashMap;
use std::sync::Mutex;

/// Most keys kept at once.
const CAPACITY: usize = 10_000;

/// How many attempts a key may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Attempts per window.
    pub attempts: u32,
    /// The window, seconds.
    pub window_secs: i64,
}

/// The limits per username and per client address (defaults: 10 and 50 attempts per 15 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimits {
    /// Per username and action.
    pub per_username: Limit,
    /// Per client address and action.
    pub per_address: Limit,
}

impl Default for AttemptLimits {
    fn default() -> Self {
        Self {
            per_username: Limit {
                attempts: 10,
                window_secs: 15 * 60,
            },
            per_address: Limit {
                attempts: 50,
                window_secs: 15 * 60,
            },
        }
    }
}

/// The counters.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    limits: AttemptLimits,
    /// key → (attempts, window start).
    windows: Mutex<HashMap<String, (u32, i64)>>,
}

impl Limiter {
    pub(crate) fn new(limits: AttemptLimits) -> Self {
        Self {
            limits,
            windows: Mutex::default(),
        }
    }

    /// Counts an attempt of `action` by `username` from `address`; false when either is over its
    /// limit (the attempt is then not made).
    pub(crate) fn allow(&self, action: &str, username: &str, address: &str, now: i64) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let user_key = format!("u\0{action}\0{}", username.to_lowercase());
        let addr_key = format!("a\0{action}\0{address}");
        let user_ok = count(&mut windows, user_key, self.limits.per_username, now);
        let addr_ok = count(&mut windows, addr_key, self.limits.per_address, now);
        user_ok && addr_ok
    }

    /// Forgets `username`'s attempts at `action` (after a success).
    pub(crate) fn reset(&self, action: &str, username: &str) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        windows.remove(&format!("u\0{action}\0{}", username.to_lowercase()));
    }
}

fn count(windows: &mut HashMap<String, (u32, i64)>, key: String, limit: Limit, now: i64) -> bool {
    if !windows.contains_key(&key) && windows.len() >= CAPACITY {
        windows.retain(|_, (_, start)| now - *start < limit.window_secs);
        if windows.len() >= CAPACITY {
            return false;
        }
    }
    let entry = windows.entry(key).or_insert((0, now));
    if now - entry.1 >= limit.window_secs {
        *entry = (0, now);
    }
    entry.0 = entry.0.saturating_add(1);
    entry.0 <= limit.attempts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_username_and_address_and_windows_reset() {
        let l = Limiter::new(AttemptLimits {
            per_username: Limit {
                attempts: 2,
                window_secs: 60,
            },
            per_address: Limit {
                attempts: 3,
                window_secs: 60,
            },
        });
        assert!(l.allow("signin", "Ada", "1.2.3.4", 0));
        assert!(l.allow("signin", "ada", "1.2.3.4", 1));
        assert!(
            !l.allow("signin", "ADA", "5.6.7.8", 2),
            "per username, any case"
        );
        assert!(l.allow("signup", "ada", "1.2.3.4", 2), "another action");
        assert!(
            l.allow("signin", "bob", "1.2.3.4", 3),
            "the address's third"
        );
        assert!(
            !l.allow("signin", "carol", "1.2.3.4", 3),
            "the address is over"
        );
        assert!(l.allow("signin", "ada", "9.9.9.9", 61), "a new window");
        l.reset("signin", "ada");
        assert!(l.allow("signin", "ada", "9.9.9.9", 62));
    }

    #[test]
    fn a_full_map_refuses_new_keys_until_windows_expire() {
        let l = Limiter::new(AttemptLimits::default());
        for i in 0..CAPACITY / 2 {
            assert!(l.allow("signin", &format!("user{i}"), &format!("addr{i}"), 0));
        }
        assert!(!l.allow("signin", "one-more", "addr-new", 1));
        assert!(l.allow("signin", "one-more", "addr-new", 15 * 60 + 1));
    }
}
