//! JWE compact serialisation with `alg: dir` and `enc: A256GCM`: the format of NextAuth v4's session
//! token, used for every encrypted cookie Hallpass writes, and [`KeyRing`], which also holds
//! Auth.js v5's `A256CBC-HS512` session keys (`cbc.rs`) so that callers need not know which.
//!
//! Keys are derived once, when the configuration is built, so that reading a cookie on a request costs
//! one base64 decode and one AES-GCM open: no HKDF, no allocation beyond the plaintext.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, Payload};
use aes_gcm::Aes256Gcm;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use sha2::Sha256;

mod cbc;
mod error;

use cbc::CbcKey;
pub use error::JweError;

/// `base64url({"alg":"dir","enc":"A256GCM"})`: the only protected header we write or accept.
const HEADER_B64: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// One AES-256-GCM key derived from a secret with HKDF-SHA256.
#[derive(Clone)]
pub struct JweKey {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for JweKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JweKey([redacted])")
    }
}

impl JweKey {
    /// Derives a 32-byte key: HKDF-SHA256(ikm = `secret`, salt, info).
    ///
    /// NextAuth v4's session key is `derive(secret, "", "NextAuth.js Generated Encryption Key")`.
    pub fn derive(secret: &[u8], salt: &str, info: &str) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(salt.as_bytes()), secret);
        let mut okm = [0u8; 32];
        hk.expand(info.as_bytes(), &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let cipher = Aes256Gcm::new_from_slice(&okm).expect("the key is 32 bytes");
        Self { cipher }
    }

    /// Encrypts `plaintext` into a compact JWE with a fresh random IV.
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        // thread_rng is a CSPRNG seeded from the OS: a random 96-bit IV without a syscall per cookie.
        let iv = Aes256Gcm::generate_nonce(&mut rand::thread_rng());
        self.seal(plaintext, iv.into())
    }

    /// Encrypts with the given IV: the body of [`JweKey::encrypt`].
    fn seal(&self, plaintext: &[u8], iv: [u8; IV_LEN]) -> String {
        let sealed = self
            .cipher
            .encrypt(
                aes_gcm::Nonce::from_slice(&iv),
                Payload {
                    msg: plaintext,
                    aad: HEADER_B64.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let (ciphertext, tag) = sealed.split_at(sealed.len() - TAG_LEN);
        let mut out =
            String::with_capacity(HEADER_B64.len() + 4 + (IV_LEN + sealed.len()) * 4 / 3 + 4);
        out.push_str(HEADER_B64);
        out.push_str("..");
        URL_SAFE_NO_PAD.encode_string(iv, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(ciphertext, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut out);
        out
    }

    #[cfg(test)]
    /// Opens a compact JWE made by [`JweKey::encrypt`] (or by NextAuth v4 with the same key).
    pub fn decrypt(&self, token: &str) -> Result<Vec<u8>, JweError> {
        let parts = split_compact(token)?;
        self.open(&parts)
    }

    fn open(&self, parts: &CompactParts) -> Result<Vec<u8>, JweError> {
        let iv = aes_gcm::Nonce::from_slice(&parts.iv);
        self.cipher
            .decrypt(
                iv,
                Payload {
                    msg: &parts.sealed,
                    aad: parts.header_b64.as_bytes(),
                },
            )
            .map_err(|_| JweError::Decrypt)
    }
}

/// A JWE split and base64-decoded once, so that several keys (secret rotation) can try it.
struct CompactParts<'a> {
    header_b64: &'a str,
    iv: [u8; IV_LEN],
    /// Ciphertext followed by the tag, as `aes-gcm` wants it.
    sealed: Vec<u8>,
}

fn split_compact(token: &str) -> Result<CompactParts<'_>, JweError> {
    let mut it = token.split('.');
    let (Some(header_b64), Some(enc_key), Some(iv), Some(ciphertext), Some(tag), None) = (
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
    ) else {
        return Err(JweError::Malformed);
    };
    if header_b64 != HEADER_B64 {
        // Parse it only to tell "another algorithm" from garbage.
        return Err(match URL_SAFE_NO_PAD.decode(header_b64) {
            Ok(raw) if serde_json::from_slice::<serde_json::Value>(&raw).is_ok() => {
                JweError::UnsupportedHeader
            }
            _ => JweError::Malformed,
        });
    }
    if !enc_key.is_empty() {
        return Err(JweError::UnsupportedHeader);
    }
    let mut iv_buf = [0u8; IV_LEN];
    match URL_SAFE_NO_PAD.decode_slice(iv, &mut iv_buf) {
        Ok(IV_LEN) => {}
        _ => return Err(JweError::Malformed),
    }
    let mut sealed = Vec::with_capacity(ciphertext.len() * 3 / 4 + TAG_LEN + 2);
    URL_SAFE_NO_PAD
        .decode_vec(ciphertext, &mut sealed)
        .map_err(|_| JweError::Malformed)?;
    let ct_len = sealed.len();
    URL_SAFE_NO_PAD
        .decode_vec(tag, &mut sealed)
        .map_err(|_| JweError::Malformed)?;
    if sealed.len() - ct_len != TAG_LEN {
        return Err(JweError::Malformed);
    }
    Ok(CompactParts {
        header_b64,
        iv: iv_buf,
        sealed,
    })
}

/// The keys of one cookie purpose: the first encrypts, all of them decrypt (secret rotation).
///
/// Either cipher produces a compact JWE whose last segment is its authentication tag, so the
/// session caches (keyed by the tag), chunking and the size budget work the same with both.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Keys,
}

#[derive(Clone, Debug)]
enum Keys {
    /// `A256GCM`: every Hallpass cookie, and NextAuth v4's session.
    Gcm(Vec<JweKey>),
    /// `A256CBC-HS512` with a `kid` header: Auth.js v5's session.
    Cbc(Vec<CbcKey>),
}

impl KeyRing {
    /// Derives one `A256GCM` key per secret with the same salt and info.
    pub fn derive<S: AsRef<[u8]>>(secrets: &[S], salt: &str, info: &str) -> Self {
        assert!(!secrets.is_empty(), "a key ring needs at least one secret");
        Self {
            keys: Keys::Gcm(
                secrets
                    .iter()
                    .map(|s| JweKey::derive(s.as_ref(), salt, info))
                    .collect(),
            ),
        }
    }

    /// Derives one Auth.js v5 session key (`A256CBC-HS512`, salted with `cookie_name`) per secret.
    pub(crate) fn derive_authjs<S: AsRef<[u8]>>(secrets: &[S], cookie_name: &str) -> Self {
        assert!(!secrets.is_empty(), "a key ring needs at least one secret");
        Self {
            keys: Keys::Cbc(
                secrets
                    .iter()
                    .map(|s| CbcKey::derive(s.as_ref(), cookie_name))
                    .collect(),
            ),
        }
    }

    /// Encrypts with the newest (first) key.
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        match &self.keys {
            Keys::Gcm(keys) => keys[0].encrypt(plaintext),
            Keys::Cbc(keys) => keys[0].encrypt(plaintext),
        }
    }

    /// [`KeyRing::encrypt`] with a given IV instead of a random one, so that interop tests can
    /// reproduce another implementation's token byte for byte. `None` when `iv` has the wrong
    /// length for the cipher (12 bytes for `A256GCM`, 16 for `A256CBC-HS512`). Never reuse an IV.
    pub(crate) fn encrypt_with_iv(&self, plaintext: &[u8], iv: &[u8]) -> Option<String> {
        Some(match &self.keys {
            Keys::Gcm(keys) => keys[0].seal(plaintext, iv.try_into().ok()?),
            Keys::Cbc(keys) => keys[0].seal(plaintext, iv.try_into().ok()?),
        })
    }

    /// Decrypts with whichever key opens the token.
    pub fn decrypt(&self, token: &str) -> Result<Vec<u8>, JweError> {
        let keys = match &self.keys {
            Keys::Gcm(keys) => keys,
            Keys::Cbc(keys) => return CbcKey::decrypt_with(keys, token),
        };
        let parts = split_compact(token)?;
        for key in keys {
            if let Ok(plain) = key.open(&parts) {
                return Ok(plain);
            }
        }
        Err(JweError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = JweKey::derive(b"0123456789abcdef0123456789abcdef", "", "info");
        let token = key.encrypt(b"{\"a\":1}");
        assert_eq!(key.decrypt(&token).unwrap(), b"{\"a\":1}");
        let mut bad = token.clone().into_bytes();
        let i = bad.len() - 30;
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            key.decrypt(std::str::from_utf8(&bad).unwrap()),
            Err(JweError::Decrypt)
        );
        assert_eq!(
            key.decrypt(&token[..token.len() - 3]),
            Err(JweError::Malformed)
        );
        assert_eq!(key.decrypt(""), Err(JweError::Malformed));
        assert_eq!(key.decrypt("a.b.c.d.e.f"), Err(JweError::Malformed));
    }

    #[test]
    fn other_key_or_salt_cannot_open() {
        let a = JweKey::derive(b"0123456789abcdef0123456789abcdef", "", "info");
        let b = JweKey::derive(b"0123456789abcdef0123456789abcdef", "x", "info");
        assert_eq!(b.decrypt(&a.encrypt(b"x")), Err(JweError::Decrypt));
    }

    #[test]
    fn other_algorithms_are_refused() {
        let key = JweKey::derive(b"0123456789abcdef0123456789abcdef", "", "info");
        let token = key.encrypt(b"x");
        // {"alg":"dir","enc":"A128GCM"}
        let swapped = token.replacen(HEADER_B64, "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0", 1);
        assert_eq!(key.decrypt(&swapped), Err(JweError::UnsupportedHeader));
    }

    #[test]
    fn key_ring_rotation() {
        let old = KeyRing::derive(&[b"old-secret-old-secret-old-secret"], "", "i");
        let both = KeyRing::derive(
            &[
                b"new-secret-new-secret-new-secret",
                b"old-secret-old-secret-old-secret",
            ],
            "",
            "i",
        );
        let t = old.encrypt(b"x");
        assert_eq!(both.decrypt(&t).unwrap(), b"x");
        assert!(old.decrypt(&both.encrypt(b"y")).is_err());
    }

    #[test]
    fn the_two_ciphers_refuse_each_others_tokens() {
        let secrets = [b"0123456789abcdef0123456789abcdef"];
        let gcm = KeyRing::derive(&secrets, "authjs.session-token", "i");
        let cbc = KeyRing::derive_authjs(&secrets, "authjs.session-token");
        assert_eq!(
            cbc.decrypt(&gcm.encrypt(b"x")),
            Err(JweError::UnsupportedHeader)
        );
        assert_eq!(
            gcm.decrypt(&cbc.encrypt(b"x")),
            Err(JweError::UnsupportedHeader)
        );
        assert_eq!(cbc.decrypt(&cbc.encrypt(b"x")).unwrap(), b"x");
    }

    #[test]
    fn an_injected_iv_is_used_and_checked() {
        let secrets = [b"0123456789abcdef0123456789abcdef"];
        let gcm = KeyRing::derive(&secrets, "", "i");
        let cbc = KeyRing::derive_authjs(&secrets, "authjs.session-token");
        let a = gcm.encrypt_with_iv(b"x", &[7; 12]).unwrap();
        assert_eq!(Some(a.clone()), gcm.encrypt_with_iv(b"x", &[7; 12]));
        assert_eq!(a.split('.').nth(2), Some("BwcHBwcHBwcHBwcH"));
        assert_eq!(gcm.decrypt(&a).unwrap(), b"x");
        assert_eq!(gcm.encrypt_with_iv(b"x", &[7; 16]), None);
        let b = cbc.encrypt_with_iv(b"x", &[7; 16]).unwrap();
        assert_eq!(cbc.decrypt(&b).unwrap(), b"x");
        assert_eq!(cbc.encrypt_with_iv(b"x", &[7; 12]), None);
    }
}
