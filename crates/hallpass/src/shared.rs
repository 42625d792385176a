//! Pieces every layer of the crate shares, importing nothing of it but the JWE error: the boxed
//! future behind `dyn` traits, the session-storage error, hex encoding.

use std::future::Future;
use std::pin::Pin;

/// A boxed future, as stored behind a `dyn` trait.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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
    /// The backing store failed or did not answer in time (database strategies). The cookie is kept
    /// (the store may come back); APIs answer 503.
    #[error("session store failed: {0}")]
    Backend(String),
    /// No such stored session: signed out, revoked, never issued, or a malformed id.
    #[error("no such session (signed out, revoked or never issued)")]
    NotFound,
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
