//! Time-based one-time passwords (RFC 6238) for software-token MFA.
//!
//! Cognito's `AssociateSoftwareToken` hands out a base32 secret (RFC 4648, no padding) that
//! the user puts in an authenticator app, usually through an `otpauth://` QR code;
//! `VerifySoftwareToken` and the `SOFTWARE_TOKEN_MFA` challenge then take the app's 6-digit
//! code. The parameters are the ones every authenticator app assumes: HMAC-SHA1 (RFC 4226
//! HOTP with dynamic truncation), 30-second steps counted from the Unix epoch, 6 digits.
//! A code of the step before or after the current one is accepted too (clock drift, RFC 6238
//! §5.2), and a step once used is refused again (§5.2: a code is good for one sign-in).

use std::fmt;

use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rand::RngCore;
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Seconds per step (RFC 6238 `X`).
pub const STEP_SECS: u64 = 30;
/// Digits in a code.
pub const DIGITS: usize = 6;
/// Steps of drift accepted either way.
const DRIFT_STEPS: u64 = 1;
/// Bytes of a generated secret: 160 bits, RFC 4226's recommendation.
const SECRET_LEN: usize = 20;
/// Shortest secret accepted: 128 bits, RFC 4226's minimum.
const MIN_SECRET_LEN: usize = 16;
/// Characters left as they are in an `otpauth://` label and query: RFC 3986 unreserved.
const URI_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// Not base32 (RFC 4648 alphabet, no padding) or shorter than 128 bits.
    #[error("the TOTP secret is not base32 of at least 128 bits")]
    InvalidSecret,
}

/// A TOTP secret shared with the user's authenticator app. `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret {
    bytes: Vec<u8>,
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret { .. }")
    }
}

impl TotpSecret {
    /// A fresh random secret of 20 bytes (32 base32 characters).
    pub fn generate() -> TotpSecret {
        let mut bytes = vec![0u8; SECRET_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        TotpSecret { bytes }
    }

    /// A secret from its raw bytes (at least 16).
    pub fn from_bytes(bytes: &[u8]) -> Result<TotpSecret, TotpError> {
        if bytes.len() < MIN_SECRET_LEN {
            return Err(TotpError::InvalidSecret);
        }
        Ok(TotpSecret {
            bytes: bytes.to_vec(),
        })
    }

    /// A secret from base32 as [`TotpSecret::base32`] gives it (upper or lower case, no
    /// padding).
    pub fn from_base32(text: &str) -> Result<TotpSecret, TotpError> {
        let bytes = data_encoding::BASE32_NOPAD
            .decode(text.to_ascii_uppercase().as_bytes())
            .map_err(|_| TotpError::InvalidSecret)?;
        TotpSecret::from_bytes(&bytes)
    }

    /// The secret in base32, upper case, no padding: Cognito's `SecretCode`. Secret: show it
    /// only to the user who is setting up the app.
    pub fn base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.bytes)
    }

    /// The step (`T` of RFC 6238) that a Unix time falls in.
    pub fn step_at(unix_secs: u64) -> u64 {
        unix_secs / STEP_SECS
    }

    /// The code an authenticator app shows at `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.code_for_step(TotpSecret::step_at(unix_secs))
    }

    /// Checks a code typed at `now_unix`. Accepts the codes of the current step and of one
    /// step either side, but only of steps after `last_used_step` (the step this user's last
    /// accepted code had, if any), so a code cannot be replayed.
    ///
    /// Returns the step matched: store it as the new `last_used_step`. Anything but exactly
    /// six ASCII digits is refused.
    pub fn verify(&self, code: &str, now_unix: u64, last_used_step: Option<u64>) -> Option<u64> {
        if code.len() != DIGITS || !code.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let now = TotpSecret::step_at(now_unix);
        let first = now.saturating_sub(DRIFT_STEPS);
        let mut matched = None;
        // Every candidate is computed and compared, so the time taken does not tell which
        // step (if any) matched.
        for step in first..=now.saturating_add(DRIFT_STEPS) {
            let same = self.code_for_step(step).as_bytes().ct_eq(code.as_bytes());
            let unused = last_used_step.is_none_or(|last| step > last);
            if bool::from(same) && unused && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// The `otpauth://totp/{issuer}:{account}?secret=…&issuer=…` URI that authenticator apps
    /// read from a QR code. Issuer and account are percent-encoded, a `:` in them too.
    /// Secret, like [`TotpSecret::base32`].
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = utf8_percent_encode(issuer, URI_KEEP);
        let account = utf8_percent_encode(account, URI_KEEP);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}",
            self.base32()
        )
    }

    /// RFC 4226 HOTP of `step`, last [`DIGITS`] digits.
    fn code_for_step(&self, step: u64) -> String {
        let value = hotp_value(&self.bytes, step) % 10u32.pow(DIGITS as u32);
        format!("{value:0DIGITS$}")
    }
}

/// RFC 4226 §5.3: HMAC-SHA1 of the big-endian counter, dynamic truncation to 31 bits.
fn hotp_value(secret: &[u8], counter: u64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = [
        digest[offset],
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ];
    u32::from_be_bytes(word) & 0x7fff_ffff
}

#[cfg(test)]
#[path = "totp_tests.rs"]
mod tests;
