//! What a server-side store keeps per session ([`Record`]), the calls Hallpass makes on it
//! ([`RecordStore`]), and what a "your sessions" page shows ([`SessionInfo`], [`SessionHandle`]).

use std::fmt;
use std::str::FromStr;

use crate::shared::{BoxFuture, StoreError};

/// One stored session. `key` is the hex SHA-256 of the cookie's id (the id itself is never stored),
/// `payload` the session's claims and tokens, encrypted by Hallpass (a JWE bound to `key`); the other
/// fields are in clear so that sessions can be listed, expired and revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Hex SHA-256 of the session id.
    pub key: String,
    /// The provider the user signed in with (the door: `cognito`, `cognito-form`, …).
    pub provider: String,
    /// Who vouches for `sub`: the verified ID token's `iss`, else the provider id. A user is the
    /// account (`issuer`, `sub`), whichever provider (door) they came through.
    pub issuer: String,
    /// The user's id at the provider.
    pub sub: String,
    /// The encrypted session (opaque to the store).
    pub payload: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; updated at most once a minute.
    pub last_seen_at: i64,
    /// Unix seconds; rolled forward by `update_age`.
    pub expires_at: i64,
    /// The browser's `User-Agent` at sign-in (truncated, sanitised).
    pub user_agent: Option<String>,
    /// A keyed hash (hex HMAC-SHA256, the key derived from the secret) of the lowercased e-mail
    /// the account signs in with: what ends its sessions after a password reset, which knows only
    /// the address. `None` without an e-mail.
    pub login: Option<String>,
    /// Bumped by every payload write: other instances notice a refresh by it.
    pub version: i64,
}

/// The storage calls behind server-side sessions, implemented by [`SqlStore`](super::SqlStore) and
/// [`RedisStore`](super::RedisStore). Hallpass does the hashing, encryption, caching and timing;
/// a store only keeps rows. Every call should give up after the store's timeout with
/// [`StoreError::Backend`].
pub trait RecordStore: Send + Sync + 'static {
    /// The store, as logs may name it (no password).
    fn describe(&self) -> &str;
    /// Inserts a new session.
    fn insert<'a>(&'a self, record: &'a Record) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The session stored under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Record>, StoreError>>;
    /// Rolls expiry and/or `last_seen_at` forward (no payload change, no version bump).
    fn touch<'a>(
        &'a self,
        key: &'a str,
        expires_at: i64,
        last_seen_at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Replaces the payload and bumps the version. With `fence`, only if the row's fence still is
    /// that (the writer's lease is the latest), and the lease is released; returns whether it wrote.
    fn write<'a>(
        &'a self,
        key: &'a str,
        payload: &'a str,
        fence: Option<i64>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Takes the refresh lease on `key` until `until_ms` (Unix milliseconds) if no lease is live
    /// at `now_ms`; returns the new fence, or `None` when another holder has it (or no row).
    fn lease<'a>(
        &'a self,
        key: &'a str,
        now_ms: i64,
        until_ms: i64,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>>;
    /// Deletes the session; true if there was one.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Every session of the account (`issuer`, `sub`), or of `sub` at any issuer when `None`.
    fn list<'a>(
        &'a self,
        issuer: Option<&'a str>,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Record>, StoreError>>;
    /// Deletes every session of the account (as in [`RecordStore::list`]); returns how many.
    fn delete_user<'a>(
        &'a self,
        issuer: Option<&'a str>,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;
    /// Deletes every session whose [`Record::login`] is one of `logins`; returns how many. The
    /// built-in stores do; the default refuses (a store that cannot must not pretend it did).
    fn delete_login<'a>(&'a self, logins: &'a [String]) -> BoxFuture<'a, Result<u64, StoreError>> {
        let _ = logins;
        Box::pin(async {
            Err(StoreError::Backend(
                "this store cannot end sessions by login (RecordStore::delete_login)".into(),
            ))
        })
    }
    /// The store's attempt counters, when it keeps them (the built-in stores do): the own form's
    /// attempt limits then hold across every instance sharing the store.
    fn attempts(&self) -> Option<&dyn super::AttemptCounter> {
        None
    }
}

/// The public handle of a stored session: safe to show and to post back in a form, useless as a
/// cookie (a hash of the stored key, which is itself a hash of the secret id).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionHandle(String);

impl SessionHandle {
    /// The handle of the session stored under `key`.
    pub(crate) fn of_key(key: &str) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("hallpass-session-handle:{key}").as_bytes());
        Self(crate::shared::hex(&digest[..16]))
    }
}

impl fmt::Display for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionHandle({})", self.0)
    }
}

/// A string that is not a session handle (32 lowercase hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a session handle")]
pub struct BadHandle;

impl FromStr for SessionHandle {
    type Err = BadHandle;

    fn from_str(s: &str) -> Result<Self, BadHandle> {
        let ok = s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        ok.then(|| Self(s.to_string())).ok_or(BadHandle)
    }
}

/// One of the user's sessions, as [`Hallpass::sessions`](crate::Hallpass::sessions) lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// The handle to revoke it with.
    pub id: SessionHandle,
    /// The provider (door) the session signed in through, e.g. `cognito` (hosted UI) or
    /// `cognito-form` (the own pages).
    pub provider: String,
    /// Signed in at (Unix seconds).
    pub created_at: i64,
    /// Last used at (Unix seconds, to the minute).
    pub last_seen_at: i64,
    /// Expires at (Unix seconds), unless used again.
    pub expires_at: i64,
    /// The browser's `User-Agent` at sign-in, truncated and sanitised.
    pub user_agent: Option<String>,
    /// True for the session of the request that asked.
    pub current: bool,
}

/// How much of a `User-Agent` is kept.
const USER_AGENT_CHARS: usize = 200;

/// A `User-Agent` as stored: printable ASCII only (no control characters, no markup surprises
/// beyond what HTML escaping handles), at most 200 characters.
pub(crate) fn clean_user_agent(raw: Option<&str>) -> Option<String> {
    let ua: String = raw?
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(USER_AGENT_CHARS)
        .collect();
    let ua = ua.trim();
    (!ua.is_empty()).then(|| ua.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip_and_reject_anything_else() {
        let h = SessionHandle::of_key("abc");
        assert_eq!(h.to_string().parse::<SessionHandle>().unwrap(), h);
        assert_ne!(h.to_string(), "abc");
        for bad in ["", "xyz", &"A".repeat(32), &"a".repeat(33)] {
            assert!(bad.parse::<SessionHandle>().is_err(), "{bad}");
        }
    }

    #[test]
    fn user_agents_are_cleaned() {
        assert_eq!(
            clean_user_agent(Some("a\nb\u{1b}[31m c")),
            Some("ab[31m c".into())
        );
        assert_eq!(clean_user_agent(Some(&"x".repeat(500))).unwrap().len(), 200);
        assert_eq!(clean_user_agent(Some("\n")), None);
    }
}
