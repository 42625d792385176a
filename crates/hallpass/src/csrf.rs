//! Double-submit CSRF tokens bound to the secret, NextAuth v4's format:
//! cookie = `{token}|{sha256_hex(token + secret)}`, the form sends `csrfToken = token`.
//! Both comparisons are constant-time.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A fresh token and the cookie value that vouches for it (hashed with the first secret).
pub(crate) fn generate(secret: &[u8]) -> (String, String) {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex(&raw);
    let cookie = format!("{token}|{}", hash(&token, secret));
    (token, cookie)
}

/// The token inside a CSRF cookie, if the cookie was made with one of `secrets`.
pub(crate) fn token_from_cookie<'a>(cookie: &'a str, secrets: &[&[u8]]) -> Option<&'a str> {
    let (token, mac) = cookie.split_once('|')?;
    if token.len() != 64 || mac.len() != 64 {
        return None;
    }
    secrets
        .iter()
        .any(|s| bool::from(hash(token, s).as_bytes().ct_eq(mac.as_bytes())))
        .then_some(token)
}

/// True when `submitted` equals the token of a valid CSRF cookie.
pub(crate) fn verify(cookie: Option<&str>, submitted: Option<&str>, secrets: &[&[u8]]) -> bool {
    let (Some(cookie), Some(submitted)) = (cookie, submitted) else {
        return false;
    };
    match token_from_cookie(cookie, secrets) {
        Some(token) => token.as_bytes().ct_eq(submitted.as_bytes()).into(),
        None => false,
    }
}

fn hash(token: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(token.as_bytes());
    h.update(secret);
    hex(&h.finalize())
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

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn generated_tokens_verify_and_forgeries_do_not() {
        let (token, cookie) = generate(SECRET);
        assert_eq!(token.len(), 64);
        assert!(verify(Some(&cookie), Some(&token), &[SECRET]));
        assert!(!verify(Some(&cookie), Some(&token[1..]), &[SECRET]));
        assert!(!verify(Some(&cookie), None, &[SECRET]));
        assert!(!verify(None, Some(&token), &[SECRET]));
        assert!(!verify(
            Some(&cookie),
            Some(&token),
            &[b"another-secret-another-secret-xx"]
        ));
        // An attacker who can set a cookie still needs the secret to make a matching hash.
        let forged = format!("{token}|{}", "0".repeat(64));
        assert!(!verify(Some(&forged), Some(&token), &[SECRET]));
    }
}
