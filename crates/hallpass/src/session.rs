//! Sessions: the claims Hallpass keeps, how they are stored, and the [`Session`] handlers see.
//!
//! Storage goes through [`SessionStore`]: given the session cookie's value, find the session; given a
//! session, make the cookie's value. The default, [`JwtStore`], keeps the whole session in the cookie as
//! an encrypted JWE (NextAuth's "jwt" strategy) and needs no database. A database strategy (SQLite,
//! Postgres, Redis) implements the same trait with a random session id as the cookie value.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::jwe::KeyRing;
use crate::provider::TokenSet;

/// NextAuth's clock tolerance when checking `exp`.
pub const CLOCK_TOLERANCE_SECS: i64 = 15;

/// A boxed future, as stored behind a `dyn` trait.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The claims of a session: what NextAuth calls the JWT.
///
/// Serialised flat, as NextAuth does: `name`, `email`, `picture`, `sub`, `iat`, `exp`, `jti`, and any
/// extra claims (for example `custom:*` attributes) at the top level.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionToken {
    /// The user's stable id at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Groups (Cognito's `cognito:groups`, which is also accepted when reading).
    #[serde(
        default,
        alias = "cognito:groups",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<String>,
    /// The id of the provider the user signed in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's tokens, when [`crate::ConfigBuilder::store_tokens`] is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenSet>,
    /// Set when the session can no longer refresh its tokens (`RefreshAccessTokenError`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Other claims, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Issued at (Unix seconds).
    #[serde(default)]
    pub iat: i64,
    /// Expires at (Unix seconds). Required: a token without it is refused.
    pub exp: i64,
    /// Unique id of this encoding of the session.
    #[serde(default)]
    pub jti: String,
}

/// Why a stored session could not be used. Logged at debug level; the request is "signed out".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Not readable: malformed, truncated, tampered, or another secret.
    #[error("session cookie unreadable: {0}")]
    Unreadable(#[from] crate::jwe::JweError),
    /// Readable but not a session.
    #[error("session cookie payload is not a session: {0}")]
    Payload(#[from] serde_json::Error),
    /// Past `exp` (with the 15 s tolerance).
    #[error("session expired")]
    Expired,
    /// The backing store failed (database strategies).
    #[error("session store failed: {0}")]
    Backend(String),
}

/// Where sessions live. See the module docs.
pub trait SessionStore: Send + Sync + 'static {
    /// The session that cookie value `value` stands for, if it is valid at `now` (Unix seconds).
    fn load<'a>(
        &'a self,
        value: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<SessionToken, StoreError>>;
    /// Stores `token` and returns the value to put in the session cookie.
    fn save<'a>(&'a self, token: &'a SessionToken) -> BoxFuture<'a, Result<String, StoreError>>;
    /// Forgets the session behind `value` (sign-out). The JWT store has nothing to forget.
    fn delete<'a>(&'a self, value: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// The default store: the session is the cookie, encrypted as a JWE (`dir` + `A256GCM`).
#[derive(Debug, Clone)]
pub struct JwtStore {
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
    fn get(&self, tag: &str, parts: &[&str]) -> Option<Session> {
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

/// `value == parts.concat()`, without the concatenation.
fn equals_joined(value: &str, parts: &[&str]) -> bool {
    let mut rest = value;
    for part in parts {
        match rest.strip_prefix(part) {
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
        // The last JWE segment is the GCM tag: unique per encryption, a cheap key (taken from the
        // last chunk, the same way on lookup and insert).
        let tag = parts
            .last()
            .and_then(|p| p.rsplit('.').next())
            .unwrap_or_default();
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

    /// Synchronous decode: the whole cost of a protected page.
    pub fn decode(&self, value: &str, now: i64) -> Result<SessionToken, StoreError> {
        let plain = self.keys.decrypt(value)?;
        let token: SessionToken = serde_json::from_slice(&plain)?;
        if token.exp + CLOCK_TOLERANCE_SECS < now {
            return Err(StoreError::Expired);
        }
        Ok(token)
    }

    /// Synchronous encode.
    pub fn encode(&self, token: &SessionToken) -> String {
        let json = serde_json::to_vec(token).expect("session claims always serialise");
        self.keys.encrypt(&json)
    }
}

impl SessionStore for JwtStore {
    fn load<'a>(
        &'a self,
        value: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<SessionToken, StoreError>> {
        Box::pin(std::future::ready(self.decode(value, now)))
    }
    fn save<'a>(&'a self, token: &'a SessionToken) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(std::future::ready(Ok(self.encode(token))))
    }
    fn delete<'a>(&'a self, _value: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// The signed-in user's session, as handlers see it (cheap to clone).
#[derive(Clone, Debug)]
pub struct Session {
    token: Arc<SessionToken>,
}

/// The user part of a session, NextAuth's `session.user`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct User<'a> {
    /// Display name.
    pub name: Option<&'a str>,
    /// Email.
    pub email: Option<&'a str>,
    /// Picture URL (NextAuth calls it `image`).
    pub image: Option<&'a str>,
}

impl Session {
    pub(crate) fn new(token: SessionToken) -> Self {
        Self {
            token: Arc::new(token),
        }
    }

    /// `session.user`.
    pub fn user(&self) -> User<'_> {
        User {
            name: self.token.name.as_deref(),
            email: self.token.email.as_deref(),
            image: self.token.picture.as_deref(),
        }
    }

    /// The name if there is one, else the email, else the subject: what to greet the user with.
    pub fn display_name(&self) -> &str {
        self.token
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.token.email.as_deref())
            .or(self.token.sub.as_deref())
            .unwrap_or("")
    }

    /// The user's id at the provider.
    pub fn sub(&self) -> Option<&str> {
        self.token.sub.as_deref()
    }

    /// The user's groups (Cognito's `cognito:groups`).
    pub fn groups(&self) -> &[String] {
        &self.token.groups
    }

    /// True when the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.token.groups.iter().any(|g| g == group)
    }

    /// The provider's access token, when tokens are stored in the session.
    pub fn access_token(&self) -> Option<&str> {
        self.token.tokens.as_ref().map(|t| t.access_token.expose())
    }

    /// An error the session carries, e.g. `RefreshAccessTokenError` when the refresh token is dead.
    pub fn error(&self) -> Option<&str> {
        self.token.error.as_deref()
    }

    /// When the session cookie expires (Unix seconds).
    pub fn expires_at(&self) -> i64 {
        self.token.exp
    }

    /// All claims.
    pub fn token(&self) -> &SessionToken {
        &self.token
    }
}

/// Formats Unix seconds as NextAuth's ISO 8601 `expires` (`2026-12-26T05:00:00.000Z`).
pub(crate) fn iso8601(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt).unwrap_or_default()
}

/// Now, in Unix seconds.
pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
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
