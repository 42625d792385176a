//! Tokens already verified, so that a repeated token costs a hash and a lookup instead of a
//! signature check. Keyed by the SHA-256 of the token (the cache never holds a token), each entry
//! ending with its token's `exp`; at most `capacity` entries: each shard keeps two generations and
//! drops the older one when the newer fills, so memory stays bounded without a scan.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest as _, Sha256};

use super::token::AccessToken;

const SHARDS: usize = 16;

/// The cache key: SHA-256 of the token.
pub(crate) type Key = [u8; 32];

pub(crate) fn key(token: &str) -> Key {
    Sha256::digest(token.as_bytes()).into()
}

pub(crate) struct VerifiedCache {
    shards: Vec<Mutex<Shard>>,
    /// Entries per generation of a shard.
    per_generation: usize,
}

#[derive(Default)]
struct Shard {
    current: HashMap<Key, AccessToken>,
    previous: HashMap<Key, AccessToken>,
}

impl VerifiedCache {
    /// A cache of at most `capacity` tokens (0: no cache).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_generation: capacity / SHARDS / 2,
        }
    }

    fn shard(&self, key: &Key) -> std::sync::MutexGuard<'_, Shard> {
        self.shards[usize::from(key[0]) % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The verified token under `key` while it has not expired (`now` beyond `exp` + skew).
    pub(crate) fn get(&self, key: &Key, now: i64, skew: i64) -> Option<AccessToken> {
        if self.per_generation == 0 {
            return None;
        }
        let mut shard = self.shard(key);
        let found = match shard.current.get(key) {
            Some(t) => t.clone(),
            None => {
                let t = shard.previous.remove(key)?;
                shard.insert(*key, t.clone(), self.per_generation);
                t
            }
        };
        if now > found.expires_at().saturating_add(skew) {
            shard.current.remove(key);
            return None;
        }
        Some(found)
    }

    pub(crate) fn insert(&self, key: Key, token: AccessToken) {
        if self.per_generation > 0 {
            self.shard(&key).insert(key, token, self.per_generation);
        }
    }
}

impl Shard {
    fn insert(&mut self, key: Key, token: AccessToken, per_generation: usize) {
        if self.current.len() >= per_generation {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key, token);
    }
}
