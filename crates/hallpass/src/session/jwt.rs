//! The session cookie's codec: the whole session in the cookie as an encrypted JWE (NextAuth's "jwt"
//! strategy), with a cache of the values already decrypted.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::{Session, SessionToken, CLOCK_TOLERANCE_SECS};
use crate::jwe::KeyRing;
use crate::shared::StoreError;

/// The session cookie's codec: the JWE (`dir` + `A256GCM`, or Auth.js v5's `A256CBC-HS512`).
#[derive(Debug, Clone)]
pub(crate) struct JwtStore {
    keys: KeyRing,
    cache: Arc<DecodeCache>,
}

/// How many decrypted sessions [`JwtStore`] keeps (a few MB at most with 5 KB Cognito cookies).
const DECODE_CACHE_ENTRIES: usize = 1024;

/// Sessions already decrypted, looked up by their exact cookie value.
///
/// A browser sends the same cookie on every request until it is re-issued, so the decrypt and JSON
/// parse of a 4-6 KB Cognito session (about 14 µs) is done once, not per page. Entries are keyed by
/// the JWE's authentication tag and hold the whole value, which must be equal byte for byte: only a
/// value that was decrypted and verified before can hit. `exp` is checked on every hit. When full,
/// the cache starts over (bounded memory, no bookkeeping on the hot path).
#[derive(Debug, Default)]
struct DecodeCache {
    /// Tag → (the whole cookie value, its session).
    map: RwLock<HashMap<Box<str>, CacheEntry>>,
}

type CacheEntry = (Box<str>, Session);

impl DecodeCache {
    fn get<P: AsRef<[u8]>>(&self, tag: &str, parts: &[P]) -> Option<Session> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        match map.get(tag) {
            Some((v, session)) if equals_joined(v, parts) => Some(session.clone()),
            _ => None,
        }
    }

    fn insert(&self, tag: &str, value: &str, session: Session) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= DECODE_CACHE_ENTRIES {
            map.clear();
        }
        map.insert(tag.into(), (value.into(), session));
    }
}

/// The key of both caches: the last JWE segment, the GCM tag, unique per encryption (taken from the
/// last chunk, the same way on lookup and insert).
pub(super) fn jwe_tag<'a>(parts: &[&'a str]) -> &'a str {
    parts
        .last()
        .and_then(|p| p.rsplit('.').next())
        .unwrap_or_default()
}

/// `value == parts.concat()`, without the concatenation (on bytes: see [`JwtStore::cached`]).
pub(super) fn equals_joined<P: AsRef<[u8]>>(value: &str, parts: &[P]) -> bool {
    let mut rest = value.as_bytes();
    for part in parts {
        match rest.strip_prefix(part.as_ref()) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

impl JwtStore {
    pub(crate) fn new(keys: KeyRing) -> Self {
        Self {
            keys,
            cache: Arc::default(),
        }
    }

    /// [`JwtStore::decode`] through the decode cache: the per-request path. `parts` are the cookie's
    /// chunks in order (one part when it is not chunked), so a hit costs no concatenation.
    pub(crate) fn decode_cached(&self, parts: &[&str], now: i64) -> Result<Session, StoreError> {
        let tag = jwe_tag(parts);
        let session = match self.cache.get(tag, parts) {
            Some(session) => session,
            None => {
                let value = parts.concat();
                let session = Session::new(self.decode(&value, now)?);
                self.cache.insert(tag, &value, session.clone());
                session
            }
        };
        if session.token.exp + CLOCK_TOLERANCE_SECS < now {
            return Err(StoreError::Expired);
        }
        Ok(session)
    }

    /// The session of a cookie decrypted before, from its raw bytes (`parts` as in
    /// [`JwtStore::decode_cached`]), if it has not expired: the hot path, which skips the UTF-8
    /// check of 4-6 KB of cookie, because only bytes equal to a value that was valid and verified
    /// can hit. `None` says nothing about the cookie: the caller takes the full path.
    pub(crate) fn cached(&self, parts: &[&[u8]], now: i64) -> Option<Session> {
        let last = parts.last()?;
        let tag = last.rsplit(|b| *b == b'.').next()?;
        let session = self.cache.get(std::str::from_utf8(tag).ok()?, parts)?;
        (session.token.exp + CLOCK_TOLERANCE_SECS >= now).then_some(session)
    }

    /// Synchronous decode: the whole cost of a protected page.
    pub(crate) fn decode(&self, value: &str, now: i64) -> Result<SessionToken, StoreError> {
        let plain = self.keys.decrypt(value)?;
        let token: SessionToken = serde_json::from_slice(&plain)?;
        if token.exp + CLOCK_TOLERANCE_SECS < now {
            return Err(StoreError::Expired);
        }
        Ok(token)
    }

    /// Synchronous encode.
    pub(crate) fn encode(&self, token: &SessionToken) -> String {
        let json = serde_json::to_vec(token).expect("session claims always serialise");
        self.keys.encrypt(&json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_sessions_still_expire() {
        let store = JwtStore::new(KeyRing::derive(
            &[b"0123456789abcdef0123456789abcdef"],
            "s",
            "i",
        ));
        let token = SessionToken {
            exp: 1_000,
            ..Default::default()
        };
        let value = store.encode(&token);
        assert!(store.decode_cached(&[&value], 900).is_ok());
        assert!(store.decode_cached(&[&value], 900).is_ok(), "a hit");
        let (a, b) = value.split_at(40);
        assert!(
            store.decode_cached(&[a, b], 900).is_ok(),
            "the same value in chunks"
        );
        assert!(matches!(
            store.decode_cached(&[&value], 1_016),
            Err(StoreError::Expired)
        ));
        // The raw-bytes lookup: a hit only for the exact bytes, and never once expired.
        let (ra, rb) = value.as_bytes().split_at(40);
        assert!(store.cached(&[ra, rb], 900).is_some());
        assert!(store.cached(&[rb, ra], 900).is_none());
        assert!(store.cached(&[ra], 900).is_none());
        assert!(store.cached(&[value.as_bytes()], 1_016).is_none());
        let other = store.encode(&token);
        assert!(
            store.cached(&[other.as_bytes()], 900).is_none(),
            "never decoded"
        );
        assert!(store
            .decode_cached(&[&value[..value.len() - 1]], 900)
            .is_err());
        assert!(
            store.decode_cached(&[b, a], 900).is_err(),
            "chunks out of order"
        );
    }

    #[test]
    fn joined_comparison() {
        assert!(equals_joined("abcdef", &["ab", "cd", "ef"]));
        assert!(!equals_joined("abcdef", &["ab", "cd"]));
        assert!(!equals_joined("abcd", &["ab", "cd", "ef"]));
        assert!(!equals_joined("abcdef", &["ab", "dc", "ef"]));
    }
}
