//! Tokens already verified, so that a repeated token costs a short hash, a lookup and a compare
//! instead of a signature check.
//!
//! An entry is found by a keyed hash of the token's last bytes (its signature: unique per token,
//! and cheap to hash where hashing the whole ~1 KB token was most of a cached request's cost) and
//! counts only when the whole token equals the one verified (compared in constant time), so a token that shares the signature
//! of a verified one but differs anywhere else is a miss, never a hit. Only verified tokens enter,
//! so no request can fill a bucket with chosen keys. Each entry ends with its token's `exp`; each
//! shard keeps two generations and drops the older one when the newer fills (by count or by bytes),
//! so memory stays bounded without a scan.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::token::AccessToken;

const SHARDS: usize = 16;
/// How many of the token's last bytes are hashed: 16 base64url characters of its signature, 96
/// bits no two tokens share but by chance.
const HASHED_TAIL: usize = 16;
/// The bytes a generation may hold per entry on average (a Cognito access token is ~1 KB); a
/// pool that puts large custom claims in its tokens fills the cache by bytes before count.
const BYTES_PER_ENTRY: usize = 2048;

/// Where a token would be: its keyed hash.
#[derive(Clone, Copy)]
pub(crate) struct Slot(u64);

pub(crate) struct VerifiedCache {
    shards: Vec<Mutex<Shard>>,
    /// The hash's random key, chosen per cache.
    key: [u64; 2],
    /// Entries per generation of a shard.
    per_generation: usize,
}

#[derive(Default)]
struct Shard {
    current: Generation,
    previous: Generation,
}

#[derive(Default)]
struct Generation {
    entries: HashMap<u64, (Box<str>, AccessToken), BuildHasherDefault<SlotHasher>>,
    bytes: usize,
}

/// The map's hasher: a slot is already a keyed hash, so it is used as it is.
#[derive(Default)]
struct SlotHasher(u64);

impl Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; anything else still hashes, slowly.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl VerifiedCache {
    /// A cache of at most `capacity` tokens (0: no cache).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            key: rand::random(),
            per_generation: capacity / SHARDS / 2,
        }
    }

    /// The token's slot: its last 16 bytes and its length, mixed with the key by one folded
    /// multiply (foldhash's step). Enough here: only verified tokens enter, and their tails are
    /// signature bytes no caller can choose, so what matters is spread, for a few instructions
    /// where SipHash cost ~300 of a cached request's.
    pub(crate) fn slot(&self, bytes: &[u8]) -> Slot {
        let mut tail = [0u8; HASHED_TAIL];
        let from = bytes.len().saturating_sub(HASHED_TAIL);
        tail[HASHED_TAIL - (bytes.len() - from)..].copy_from_slice(&bytes[from..]);
        let (a, b) = tail.split_at(8);
        let a = u64::from_le_bytes(a.try_into().expect("8 bytes"));
        let b = u64::from_le_bytes(b.try_into().expect("8 bytes"));
        let folded = |x: u64, y: u64| {
            let p = u128::from(x) * u128::from(y);
            (p as u64) ^ ((p >> 64) as u64)
        };
        let len = bytes.len() as u64;
        Slot(folded(
            folded(a ^ self.key[0], b ^ self.key[1]) ^ len,
            0x9e37_79b9_7f4a_7c15,
        ))
    }

    fn shard(&self, slot: Slot) -> std::sync::MutexGuard<'_, Shard> {
        // The map's buckets come from the low bits (and its tags from the top 7); the shard from
        // bits 56-59, which neither uses alone.
        self.shards[(slot.0 >> 56) as usize % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The verified token equal to `token` while it has not expired (`now` beyond `exp` + skew).
    pub(crate) fn get(&self, slot: Slot, token: &[u8], now: i64, skew: i64) -> Option<AccessToken> {
        if self.per_generation == 0 {
            return None;
        }
        let mut shard = self.shard(slot);
        let found = match shard.current.entries.get(&slot.0) {
            Some((t, found)) if same(t, token) => found.clone(),
            Some(_) => return None,
            None => {
                let (t, found) = shard.previous.take(slot, token)?;
                shard.insert(slot, t, found.clone(), self.per_generation);
                found
            }
        };
        if now > found.expires_at().saturating_add(skew) {
            shard.current.remove(slot);
            return None;
        }
        Some(found)
    }

    /// Remembers a verified token (replacing whatever was in its slot).
    pub(crate) fn insert(&self, slot: Slot, token: &str, verified: AccessToken) {
        if self.per_generation > 0 {
            self.shard(slot)
                .insert(slot, token.into(), verified, self.per_generation);
        }
    }
}

impl Shard {
    fn insert(
        &mut self,
        slot: Slot,
        token: Box<str>,
        verified: AccessToken,
        per_generation: usize,
    ) {
        let full = self.current.entries.len() >= per_generation
            || self.current.bytes + token.len() > per_generation * BYTES_PER_ENTRY;
        if full {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.bytes += token.len();
        if let Some((old, _)) = self.current.entries.insert(slot.0, (token, verified)) {
            self.current.bytes -= old.len();
        }
    }
}

/// Whether two tokens are equal, in time that depends on their length only: a token is a secret.
/// (An OR of XORs the compiler turns into wide vector operations: ~200 instructions for 1 KB.)
fn same(a: &str, b: &[u8]) -> bool {
    let a = a.as_bytes();
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

impl Generation {
    fn take(&mut self, slot: Slot, token: &[u8]) -> Option<(Box<str>, AccessToken)> {
        if self
            .entries
            .get(&slot.0)
            .is_some_and(|(t, _)| same(t, token))
        {
            return self.remove(slot);
        }
        None
    }

    fn remove(&mut self, slot: Slot) -> Option<(Box<str>, AccessToken)> {
        let removed = self.entries.remove(&slot.0)?;
        self.bytes -= removed.0.len();
        Some(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::token::verified_for_tests;

    const EXP: i64 = 1_700_000_000;

    #[test]
    fn only_the_whole_verified_token_is_a_hit() {
        let cache = VerifiedCache::new(64);
        let token = format!("{}.payload.{}", "h".repeat(20), "SIGNATURE-TAIL-0123456789");
        let slot = cache.slot(token.as_bytes());
        cache.insert(slot, &token, verified_for_tests("s", None, EXP));
        assert!(cache.get(slot, token.as_bytes(), EXP, 0).is_some());
        // Same length and signature tail, another payload: the same slot, never a hit.
        let forged = token.replacen("payload", "PAYLOAD", 1);
        assert_eq!(cache.slot(forged.as_bytes()).0, slot.0);
        assert!(cache.get(slot, forged.as_bytes(), EXP, 0).is_none());
        // Past `exp` (and the skew): gone.
        assert!(cache.get(slot, token.as_bytes(), EXP + 1, 0).is_none());
        assert!(cache.get(slot, token.as_bytes(), EXP, 0).is_none());
    }

    #[test]
    fn slots_spread_and_depend_on_the_key() {
        let (a, b) = (VerifiedCache::new(64), VerifiedCache::new(64));
        let tokens: Vec<String> = (0..1000).map(|i| format!("x.y.sig{i:016}")).collect();
        let slots: std::collections::HashSet<u64> =
            tokens.iter().map(|t| a.slot(t.as_bytes()).0).collect();
        assert_eq!(slots.len(), tokens.len(), "no two of 1000 tails collide");
        let shards: std::collections::HashSet<u64> = slots.iter().map(|s| (s >> 56) % 16).collect();
        assert_eq!(shards.len(), 16, "every shard is used");
        let t = tokens[0].as_bytes();
        assert_ne!(a.slot(t).0, b.slot(t).0, "another cache, another key");
        assert_ne!(a.slot(b"short").0, a.slot(b"shorter").0);
    }
}
