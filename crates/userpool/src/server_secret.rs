//! The pool's own secret key: 32 random bytes made once and kept in the database, from which
//! values that must be stable yet unguessable are derived by HMAC: a rotated refresh token's
//! successor.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha512;

/// Bytes of a refresh token (as `tokens::random_secret(64)` makes them).
const REFRESH_TOKEN_BYTES: usize = 64;

/// The key. `Debug` does not show it.
#[derive(Clone)]
pub(crate) struct ServerSecret([u8; 32]);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(..)")
    }
}

impl ServerSecret {
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        ServerSecret(bytes)
    }

    /// `len` bytes of HMAC-SHA512 in counter mode over `purpose`, then each part (separated,
    /// so that no two lists of parts give the same input).
    fn derive(&self, purpose: &str, parts: &[&str], len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 64);
        let mut counter: u32 = 0;
        while out.len() < len {
            let mut mac =
                <Hmac<Sha512> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key");
            mac.update(purpose.as_bytes());
            mac.update(&counter.to_be_bytes());
            for p in parts {
                mac.update(&u64::try_from(p.len()).unwrap_or(u64::MAX).to_be_bytes());
                mac.update(p.as_bytes());
            }
            out.extend_from_slice(&mac.finalize().into_bytes());
            counter += 1;
        }
        out.truncate(len);
        out
    }

    /// The token that replaces `refresh_token` when it is rotated: derived from it, so every use
    /// within the grace period gets the same one, and unguessable without the key.
    pub(crate) fn refresh_successor(&self, refresh_token: &str) -> String {
        let bytes = self.derive("refresh-successor", &[refresh_token], REFRESH_TOKEN_BYTES);
        URL_SAFE_NO_PAD.encode(bytes)
    }
}
