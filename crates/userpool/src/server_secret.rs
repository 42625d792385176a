//! The pool's own secret key: 32 random bytes made once and kept in the database, from which
//! values that must be stable yet unguessable are derived by HMAC: the stand-in `sub`, salt
//! and verifier of an unknown user's SRP challenge, and a rotated refresh token's successor.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha512;

use crate::srp::{SrpError, Verifier};

/// Bytes of a refresh token (as `tokens::random_secret(64)` makes them).
const REFRESH_TOKEN_BYTES: usize = 64;
/// Bytes of a stand-in verifier: one less than the 3072-bit group's modulus, so it is below it.
const FAKE_VERIFIER_BYTES: usize = 383;

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

    /// The stand-in `sub` of an unknown user: UUID-shaped (version 4, like a real one) and the
    /// same for the same name, as a real user's is.
    pub(crate) fn fake_sub(&self, pool_id: &str, name: &str) -> String {
        let name = name.trim().to_lowercase();
        let bytes = self.derive("fake-sub", &[pool_id, &name], 16);
        let mut b = [0u8; 16];
        b.copy_from_slice(&bytes);
        uuid::Builder::from_random_bytes(b)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// A stand-in SRP verifier for `user_id`, stable, made without the exponentiation a real
    /// one needs: it is never shown, only used to answer, and so costs what a stored one does.
    pub(crate) fn fake_verifier(&self, pool_id: &str, user_id: &str) -> Result<Verifier, SrpError> {
        let mut salt = self.derive("fake-srp-salt", &[pool_id, user_id], 16);
        // As `srp`'s own salts: a first byte in 0x01..=0x7f.
        salt[0] = 1 + salt[0] % 0x7f;
        let mut v = self.derive(
            "fake-srp-verifier",
            &[pool_id, user_id],
            FAKE_VERIFIER_BYTES,
        );
        v[0] |= 1;
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        Verifier::from_hex(&hex(&salt), &hex(&v))
    }

    /// The token that replaces `refresh_token` when it is rotated: derived from it, so every use
    /// within the grace period gets the same one, and unguessable without the key.
    pub(crate) fn refresh_successor(&self, refresh_token: &str) -> String {
        let bytes = self.derive("refresh-successor", &[refresh_token], REFRESH_TOKEN_BYTES);
        URL_SAFE_NO_PAD.encode(bytes)
    }
}
