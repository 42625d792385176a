//! Double-submit CSRF tokens bound to the secret and to the browser's session.
//!
//! The cookie keeps NextAuth v4's format, `{token}|{sha256_hex(token + secret)}`, so only the server
//! can make one. Auth.js v5 writes the same format, but hashes `${token}${secret}` with its list of
//! secrets, which JavaScript prints comma-joined: with one secret that is v4's cookie, with several
//! it is one hash over `a,b` ([`CookieHashKeys`]). The form does not post the cookie's token itself but
//! `hmac_sha256(secret, token, binding)`, where the binding names the session the request carries
//! (its `sub`, or the stored session's id; empty when signed out). A pair fetched by someone else (an
//! anonymous `GET csrf`, or an attacker's own session) therefore fails next to a victim's session
//! cookie. All comparisons are constant-time.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::shared::hex;

/// What a CSRF cookie's hash is made with: each secret alone (Hallpass, NextAuth v4), or for
/// Auth.js v5 the secret list joined by commas. The first makes new cookies; any one verifies.
#[derive(Clone)]
pub(crate) struct CookieHashKeys(Vec<Vec<u8>>);

impl std::fmt::Debug for CookieHashKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieHashKeys([redacted])")
    }
}

impl CookieHashKeys {
    /// `joined`: Auth.js v5 hashes with all its secrets joined by `,` (one key); NextAuth v4 and
    /// Hallpass with each secret (one key per secret).
    pub(crate) fn new(secrets: &[&[u8]], joined: bool) -> Self {
        Self(if joined {
            vec![secrets.join(&b","[..])]
        } else {
            secrets.iter().map(|s| s.to_vec()).collect()
        })
    }

    /// The keys, newest first.
    pub(crate) fn as_slices(&self) -> Vec<&[u8]> {
        self.0.iter().map(Vec::as_slice).collect()
    }
}

/// A fresh token and the cookie value that vouches for it (hashed with the first of
/// [`CookieHashKeys`]).
pub(crate) fn generate(hash_key: &[u8]) -> (String, String) {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex(&raw);
    let cookie = format!("{token}|{}", hash(&token, hash_key));
    (token, cookie)
}

/// The token inside a CSRF cookie, if the cookie was made with one of `hash_keys`.
pub(crate) fn token_from_cookie<'a>(cookie: &'a str, hash_keys: &[&[u8]]) -> Option<&'a str> {
    let (token, mac) = cookie.split_once('|')?;
    if token.len() != 64 || mac.len() != 64 {
        return None;
    }
    hash_keys
        .iter()
        .any(|s| bool::from(hash(token, s).as_bytes().ct_eq(mac.as_bytes())))
        .then_some(token)
}

/// What a form posts for the cookie token `token` in a request bound to `binding`.
pub(crate) fn form_token(token: &str, binding: &str, secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"hallpass csrf v1\0");
    mac.update(token.as_bytes());
    mac.update(b"\0");
    mac.update(binding.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// True when `submitted` is the form token of a valid CSRF cookie (made with one of `hash_keys`)
/// for `binding`.
pub(crate) fn verify(
    cookie: Option<&str>,
    submitted: Option<&str>,
    binding: &str,
    hash_keys: &[&[u8]],
    secrets: &[&[u8]],
) -> bool {
    let (Some(cookie), Some(submitted)) = (cookie, submitted) else {
        return false;
    };
    let Some(token) = token_from_cookie(cookie, hash_keys) else {
        return false;
    };
    // Any secret that could have made the cookie may have made the form token (rotation).
    secrets.iter().fold(false, |ok, s| {
        let expected = form_token(token, binding, s);
        ok | bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
    })
}

fn hash(token: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(token.as_bytes());
    h.update(secret);
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn generated_tokens_verify_and_forgeries_do_not() {
        let (raw, cookie) = generate(SECRET);
        assert_eq!(raw.len(), 64);
        let token = form_token(&raw, "sub:a", SECRET);
        assert!(verify(
            Some(&cookie),
            Some(&token),
            "sub:a",
            &[SECRET],
            &[SECRET]
        ));
        assert!(!verify(
            Some(&cookie),
            Some(&token),
            "sub:b",
            &[SECRET],
            &[SECRET]
        ));
        assert!(!verify(
            Some(&cookie),
            Some(&token),
            "",
            &[SECRET],
            &[SECRET]
        ));
        assert!(!verify(
            Some(&cookie),
            Some(&raw),
            "sub:a",
            &[SECRET],
            &[SECRET]
        ));
        assert!(!verify(
            Some(&cookie),
            Some(&token[1..]),
            "sub:a",
            &[SECRET],
            &[SECRET]
        ));
        assert!(!verify(Some(&cookie), None, "sub:a", &[SECRET], &[SECRET]));
        assert!(!verify(None, Some(&token), "sub:a", &[SECRET], &[SECRET]));
        let other: &[u8] = b"another-secret-another-secret-xx";
        assert!(!verify(
            Some(&cookie),
            Some(&token),
            "sub:a",
            &[other],
            &[other]
        ));
        // An attacker who can set a cookie still needs the secret to make a matching hash.
        let forged = format!("{raw}|{}", "0".repeat(64));
        assert!(!verify(
            Some(&forged),
            Some(&token),
            "sub:a",
            &[SECRET],
            &[SECRET]
        ));
    }

    #[test]
    fn authjs_hashes_its_secret_list_joined_by_commas() {
        let other: &[u8] = b"another-secret-another-secret-xx";
        // One secret: the same cookie as NextAuth v4's.
        let one = CookieHashKeys::new(&[SECRET], true);
        assert_eq!(
            one.as_slices(),
            CookieHashKeys::new(&[SECRET], false).as_slices()
        );
        // Several: one hash over `a,b`, as `${token}${["a", "b"]}` prints in JavaScript.
        let two = CookieHashKeys::new(&[SECRET, other], true);
        let mut joined = SECRET.to_vec();
        joined.push(b',');
        joined.extend_from_slice(other);
        assert_eq!(two.as_slices(), [joined.as_slice()]);
        let (raw, cookie) = generate(two.as_slices()[0]);
        assert_eq!(cookie, format!("{raw}|{}", hash(&raw, &joined)));
        assert_eq!(
            token_from_cookie(&cookie, &two.as_slices()),
            Some(raw.as_str())
        );
        assert_eq!(token_from_cookie(&cookie, &[SECRET, other]), None);
        assert!(!format!("{two:?}").contains("secret"));
    }
}
