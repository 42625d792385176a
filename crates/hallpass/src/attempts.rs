//! The in-memory attempt counter: how many times a key (a hashed username or client address, per
//! action) was counted in its current window, when no session store keeps the counts (the
//! built-in stores implement [`AttemptCounter`] too, so that instances share them).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::shared::{BoxFuture, StoreError};

/// Counts attempts per key in fixed windows. Implemented by [`SqlStore`](crate::store::SqlStore) and
/// [`RedisStore`](crate::store::RedisStore) (see [`RecordStore::attempts`](crate::store::RecordStore::attempts)).
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

/// Most keys the in-memory counter keeps (about 100 bytes each: 5 MB).
const CAPACITY: usize = 50_000;

/// The in-memory counter. Bounded: when full it drops ended windows, then the oldest eighth of
/// the rest. It never refuses a new key, so filling it locks nobody out; what filling it can do is
/// forget old counts early, which takes 6,250 new keys, and new keys are themselves limited per
/// client address.
#[derive(Debug)]
pub(crate) struct MemoryCounter {
    capacity: usize,
    /// key → (count, window start).
    windows: Mutex<HashMap<String, (u32, i64)>>,
}

impl Default for MemoryCounter {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl MemoryCounter {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(8),
            windows: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, i64)>> {
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of keys held (tests: the map stays bounded).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn make_room(&self, windows: &mut HashMap<String, (u32, i64)>, window_secs: i64, now: i64) {
        windows.retain(|_, (_, start)| now - *start < window_secs);
        if windows.len() < self.capacity {
            return;
        }
        let mut starts: Vec<i64> = windows.values().map(|(_, s)| *s).collect();
        let cut = starts.len() / 8;
        let (_, oldest_kept, _) = starts.select_nth_unstable(cut);
        let oldest_kept = *oldest_kept;
        windows.retain(|_, (_, start)| *start >= oldest_kept);
        // Many equal starts can keep more than we meant: drop arbitrary ones down to 7/8.
        let excess = windows
            .len()
            .saturating_sub(self.capacity - self.capacity / 8);
        let drop: Vec<String> = windows.keys().take(excess).cloned().collect();
        for k in drop {
            windows.remove(&k);
        }
    }

    fn hit_now(&self, key: &str, window_secs: i64, now: i64) -> u32 {
        let mut windows = self.lock();
        if !windows.contains_key(key) && windows.len() >= self.capacity {
            self.make_room(&mut windows, window_secs, now);
        }
        let entry = windows.entry(key.to_string()).or_insert((0, now));
        if now - entry.1 >= window_secs {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
        entry.0
    }

    fn peek_now(&self, key: &str, window_secs: i64, now: i64) -> u32 {
        match self.lock().get(key) {
            Some((count, start)) if now - *start < window_secs => *count,
            _ => 0,
        }
    }
}

impl AttemptCounter for MemoryCounter {
    fn hit<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        let n = self.hit_now(key, window_secs, now);
        Box::pin(async move { Ok(n) })
    }

    fn peek<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        let n = self.peek_now(key, window_secs, now);
        Box::pin(async move { Ok(n) })
    }

    fn undo<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        if let Some(entry) = self.lock().get_mut(key) {
            entry.0 = entry.0.saturating_sub(1);
        }
        Box::pin(async { Ok(()) })
    }

    fn clear<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.lock().remove(key);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_and_roll_over() {
        let c = MemoryCounter::default();
        assert_eq!(c.hit_now("k", 60, 0), 1);
        assert_eq!(c.hit_now("k", 60, 59), 2);
        assert_eq!(c.peek_now("k", 60, 59), 2);
        assert_eq!(c.peek_now("k", 60, 60), 0, "the window ended");
        assert_eq!(c.hit_now("k", 60, 60), 1, "a new window");
    }

    #[test]
    fn a_full_map_makes_room_instead_of_refusing_and_stays_bounded() {
        let c = MemoryCounter::with_capacity(1_000);
        for i in 0..10_050 {
            assert_eq!(c.hit_now(&format!("key{i}"), 900, i / 100), 1);
            assert!(c.len() <= 1_000);
        }
        // A key counted recently survives the churn of older ones.
        assert_eq!(c.hit_now("key10049", 900, 101), 2);
    }
}
