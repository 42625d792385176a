//! The per-attempt values that bind a callback to the sign-in attempt that started it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// Fresh `state`, `nonce` and PKCE verifier for one sign-in attempt.
///
/// Each value is 32 bytes (256 bits) from the operating system's CSPRNG, base64url without
/// padding (43 characters), so the PKCE verifier is within RFC 7636's 43–128 characters and
/// uses only its unreserved alphabet. Never reuse one across attempts: generate, store in the
/// encrypted check cookies, use once.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationChecks {
    /// The OAuth 2.0 `state` (CSRF protection of the callback).
    pub state: String,
    /// The OpenID Connect `nonce`, echoed in the ID token (replay protection).
    pub nonce: String,
    /// The PKCE `code_verifier`; only its S256 challenge goes to the browser.
    pub pkce_verifier: String,
}

impl AuthorizationChecks {
    /// Generates fresh random values from `OsRng`.
    pub fn generate() -> Self {
        Self {
            state: random_token(),
            nonce: random_token(),
            pkce_verifier: random_token(),
        }
    }

    /// The PKCE S256 `code_challenge`: base64url(SHA-256(verifier)), no padding.
    pub fn pkce_challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.pkce_verifier.as_bytes()))
    }
}

impl std::fmt::Debug for AuthorizationChecks {
    // The values are short-lived secrets: a log line must not let anyone finish the attempt.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationChecks")
            .field("state", &"[redacted]")
            .field("nonce", &"[redacted]")
            .field("pkce_verifier", &"[redacted]")
            .finish()
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_long_distinct_and_url_safe() {
        let a = AuthorizationChecks::generate();
        let b = AuthorizationChecks::generate();
        for v in [&a.state, &a.nonce, &a.pkce_verifier] {
            assert_eq!(v.len(), 43);
            assert!(v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        }
        assert_ne!(a.state, a.nonce);
        assert_ne!(a.state, b.state);
        assert_ne!(a.pkce_verifier, b.pkce_verifier);
        assert!(!format!("{a:?}").contains(&a.state));
    }

    #[test]
    fn pkce_challenge_matches_rfc7636_appendix_b() {
        let checks = AuthorizationChecks {
            state: String::new(),
            nonce: String::new(),
            pkce_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
        };
        assert_eq!(
            checks.pkce_challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
