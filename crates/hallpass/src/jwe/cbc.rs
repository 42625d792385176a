//! JWE compact serialisation with `alg: dir` and `enc: A256CBC-HS512` (RFC 7518 §5.2.5): the format
//! of Auth.js v5's session token (`authjs.session-token`).
//!
//! The 64-byte key is HKDF-SHA256(ikm = secret, salt = the cookie's name, info = `Auth.js Generated
//! Encryption Key ({salt})`); its first half is the HMAC-SHA-512 key, its second the AES-256-CBC
//! key. Auth.js names the key in the header's `kid` (its RFC 7638 SHA-512 thumbprint) and picks
//! the secret by it, so the `kid` is written exactly as Auth.js writes it.

use aes::Aes256;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::error::JweError;

const IV_LEN: usize = 16;
const TAG_LEN: usize = 32;

/// One A256CBC-HS512 key, with the protected header that names it.
#[derive(Clone)]
pub(crate) struct CbcKey {
    mac_key: [u8; 32],
    enc_key: [u8; 32],
    kid: String,
    header_b64: String,
}

impl std::fmt::Debug for CbcKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CbcKey([redacted])")
    }
}

#[derive(serde::Deserialize)]
struct Header<'a> {
    alg: &'a str,
    enc: &'a str,
    kid: Option<String>,
}

impl CbcKey {
    /// Auth.js v5's session key for the cookie named `salt`.
    pub(crate) fn derive(secret: &[u8], salt: &str) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(salt.as_bytes()), secret);
        let mut okm = [0u8; 64];
        hk.expand(
            format!("Auth.js Generated Encryption Key ({salt})").as_bytes(),
            &mut okm,
        )
        .expect("64 bytes is a valid HKDF-SHA256 output length");
        // RFC 7638 thumbprint of the key as an `oct` JWK, members in lexicographic order.
        let jwk = format!(r#"{{"k":"{}","kty":"oct"}}"#, URL_SAFE_NO_PAD.encode(okm));
        let kid = URL_SAFE_NO_PAD.encode(Sha512::digest(jwk.as_bytes()));
        let header = format!(r#"{{"alg":"dir","enc":"A256CBC-HS512","kid":"{kid}"}}"#);
        let (mac_key, enc_key) = okm.split_at(32);
        Self {
            mac_key: mac_key.try_into().expect("32 bytes"),
            enc_key: enc_key.try_into().expect("32 bytes"),
            kid,
            header_b64: URL_SAFE_NO_PAD.encode(header),
        }
    }

    /// The authentication tag: HMAC-SHA-512 over AAD ‖ IV ‖ ciphertext ‖ AAD length in bits,
    /// truncated to its first 32 bytes.
    fn tag(&self, aad: &[u8], iv: &[u8], ciphertext: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = Hmac::<Sha512>::new_from_slice(&self.mac_key).expect("any key length");
        mac.update(aad);
        mac.update(iv);
        mac.update(ciphertext);
        mac.update(&((aad.len() as u64) * 8).to_be_bytes());
        let full = mac.finalize().into_bytes();
        full[..TAG_LEN].try_into().expect("64-byte HMAC output")
    }

    /// Encrypts `plaintext` into a compact JWE with a fresh random IV.
    pub(crate) fn encrypt(&self, plaintext: &[u8]) -> String {
        let mut iv = [0u8; IV_LEN];
        rand::thread_rng().fill_bytes(&mut iv);
        self.seal(plaintext, iv)
    }

    /// Encrypts with the given IV: the body of [`CbcKey::encrypt`].
    pub(crate) fn seal(&self, plaintext: &[u8], iv: [u8; IV_LEN]) -> String {
        let ciphertext = cbc::Encryptor::<Aes256>::new(&self.enc_key.into(), &iv.into())
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
        let tag = self.tag(self.header_b64.as_bytes(), &iv, &ciphertext);
        let mut out = self.header_b64.clone();
        out.push_str("..");
        URL_SAFE_NO_PAD.encode_string(iv, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&ciphertext, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut out);
        out
    }

    /// Opens a token made by [`CbcKey::encrypt`] or by Auth.js v5 with any of `keys`: the one its
    /// `kid` names, or each in turn when it names none. The tag is checked (in constant time)
    /// before anything is decrypted.
    pub(crate) fn decrypt_with(keys: &[CbcKey], token: &str) -> Result<Vec<u8>, JweError> {
        let mut it = token.split('.');
        let (Some(header_b64), Some(""), Some(iv), Some(ciphertext), Some(tag), None) = (
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
        ) else {
            return Err(JweError::Malformed);
        };
        let raw_header = URL_SAFE_NO_PAD
            .decode(header_b64)
            .map_err(|_| JweError::Malformed)?;
        let header: Header =
            serde_json::from_slice(&raw_header).map_err(|_| JweError::Malformed)?;
        if header.alg != "dir" || header.enc != "A256CBC-HS512" {
            return Err(JweError::UnsupportedHeader);
        }
        let mut iv_buf = [0u8; IV_LEN];
        match URL_SAFE_NO_PAD.decode_slice(iv, &mut iv_buf) {
            Ok(IV_LEN) => {}
            _ => return Err(JweError::Malformed),
        }
        let ciphertext = URL_SAFE_NO_PAD
            .decode(ciphertext)
            .map_err(|_| JweError::Malformed)?;
        let mut tag_buf = [0u8; TAG_LEN];
        match URL_SAFE_NO_PAD.decode_slice(tag, &mut tag_buf) {
            Ok(TAG_LEN) => {}
            _ => return Err(JweError::Malformed),
        }
        for key in keys {
            if header.kid.as_deref().is_some_and(|kid| kid != key.kid) {
                continue;
            }
            let expected = key.tag(header_b64.as_bytes(), &iv_buf, &ciphertext);
            if bool::from(expected.ct_eq(&tag_buf)) {
                return cbc::Decryptor::<Aes256>::new(&key.enc_key.into(), &iv_buf.into())
                    .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
                    .map_err(|_| JweError::Decrypt);
            }
        }
        Err(JweError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The v5 entries of the shared vectors, made by `@auth/core`'s own `encode`.
    fn vectors() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/fixtures/nextauth-jwt.json")).unwrap()
    }

    #[test]
    fn opens_what_authjs_v5_encoded() {
        let v = vectors();
        let secret = v["secret"].as_str().unwrap().as_bytes();
        let entries = v["v5"].as_array().unwrap();
        assert!(!entries.is_empty());
        for e in entries {
            let key = CbcKey::derive(secret, e["salt"].as_str().unwrap());
            let plain = CbcKey::decrypt_with(&[key], e["token"].as_str().unwrap())
                .expect("Auth.js's token opens");
            let got: serde_json::Value = serde_json::from_slice(&plain).unwrap();
            assert_eq!(got, e["decoded"], "{}", e["cookie_name"]);
        }
    }

    #[test]
    fn reproduces_authjs_tokens_byte_for_byte() {
        let v = vectors();
        let secret = v["secret"].as_str().unwrap().as_bytes();
        for e in v["v5"].as_array().unwrap() {
            let token = e["token"].as_str().unwrap();
            let key = CbcKey::derive(secret, e["salt"].as_str().unwrap());
            let plain = CbcKey::decrypt_with(std::slice::from_ref(&key), token).unwrap();
            let iv = URL_SAFE_NO_PAD
                .decode(token.split('.').nth(2).unwrap())
                .unwrap();
            assert_eq!(key.seal(&plain, iv.try_into().unwrap()), token);
        }
    }

    #[test]
    fn writes_the_kid_authjs_picks_its_secret_by() {
        let v = vectors();
        let secret = v["secret"].as_str().unwrap().as_bytes();
        for e in v["v5"].as_array().unwrap() {
            let token = e["token"].as_str().unwrap();
            let theirs = token.split('.').next().unwrap();
            let key = CbcKey::derive(secret, e["salt"].as_str().unwrap());
            assert_eq!(key.header_b64, theirs, "{}", e["cookie_name"]);
            let header: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(theirs).unwrap()).unwrap();
            assert_eq!(header["kid"].as_str(), Some(key.kid.as_str()));
            assert_eq!(key.kid.len(), 86, "a base64url SHA-512 thumbprint");
        }
        // The kid names the key: another secret or cookie name gives another one.
        let a = CbcKey::derive(secret, "authjs.session-token");
        assert_ne!(
            a.kid,
            CbcKey::derive(secret, "__Secure-authjs.session-token").kid
        );
        assert_ne!(
            a.kid,
            CbcKey::derive(b"another-secret-another-secret-xx", "authjs.session-token").kid
        );
    }

    #[test]
    fn round_trip_tamper_and_other_keys() {
        let key = CbcKey::derive(b"0123456789abcdef0123456789abcdef", "authjs.session-token");
        let token = key.encrypt(br#"{"a":1}"#);
        assert_eq!(
            CbcKey::decrypt_with(std::slice::from_ref(&key), &token).unwrap(),
            br#"{"a":1}"#
        );
        // One flipped ciphertext character fails the tag.
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        let flipped = if parts[3].starts_with('A') { "B" } else { "A" };
        parts[3].replace_range(0..1, flipped);
        assert_eq!(
            CbcKey::decrypt_with(std::slice::from_ref(&key), &parts.join(".")),
            Err(JweError::Decrypt)
        );
        // Another cookie name (salt) or secret cannot open it.
        let other = CbcKey::derive(b"0123456789abcdef0123456789abcdef", "other");
        assert_eq!(
            CbcKey::decrypt_with(&[other], &token),
            Err(JweError::Decrypt)
        );
        assert_eq!(
            CbcKey::decrypt_with(std::slice::from_ref(&key), &token[..token.len() - 2]),
            Err(JweError::Malformed)
        );
        assert_eq!(
            CbcKey::decrypt_with(&[key], "a.b.c.d.e.f"),
            Err(JweError::Malformed)
        );
    }

    #[test]
    fn rotation_finds_the_key_by_kid() {
        let old = CbcKey::derive(b"old-secret-old-secret-old-secret", "authjs.session-token");
        let new = CbcKey::derive(b"new-secret-new-secret-new-secret", "authjs.session-token");
        let token = old.encrypt(b"x");
        assert_eq!(CbcKey::decrypt_with(&[new, old], &token).unwrap(), b"x");
    }
}
