//! Sign-ins that ended: their `origin_jti` (or `jti`), each kept until the last token it could
//! cover expires. Fed by Hallpass's own sign-outs and by the app
//! ([`AccessTokenVerifier::revoke`](crate::AccessTokenVerifier::revoke)); checked on every
//! verification, cached or not.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// More ids than this and the expired ones are dropped first; still more and the oldest go (a
/// token whose id is dropped was issued long ago and expires soon).
const MAX_IDS: usize = 100_000;

#[derive(Default)]
pub(crate) struct Revocations {
    ids: Mutex<HashMap<String, i64>>,
    /// Lets a verification skip the lock while nothing was ever revoked.
    any: AtomicBool,
}

impl Revocations {
    /// Remembers `id` as revoked until `until` (Unix seconds).
    pub(crate) fn add(&self, id: &str, until: i64, now: i64) {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        if ids.len() >= MAX_IDS {
            ids.retain(|_, t| *t >= now);
        }
        if ids.len() >= MAX_IDS {
            if let Some(oldest) = ids.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone()) {
                ids.remove(&oldest);
            }
        }
        let t = ids.entry(id.to_string()).or_insert(until);
        *t = (*t).max(until);
        self.any.store(true, Ordering::Release);
    }

    /// Whether any of `ids` was revoked.
    pub(crate) fn any_of<'a>(&self, mut ids: impl Iterator<Item = &'a str>) -> bool {
        if !self.any.load(Ordering::Acquire) {
            return false;
        }
        let revoked = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.any(|id| revoked.contains_key(id))
    }
}
