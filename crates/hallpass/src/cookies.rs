//! Every cookie Hallpass reads or writes: names, flags, chunking, and the encrypted check cookies.

use axum::response::{IntoResponseParts, ResponseParts};
use http::header::{HeaderMap, HeaderValue, SET_COOKIE};
use serde::{Deserialize, Serialize};

use crate::config::{Compat, Config};
use crate::csrf::CookieHashKeys;
use crate::jwe::KeyRing;

mod request;

pub(crate) use request::{RequestCookies, MAX_CHUNKS};

/// NextAuth's chunk size: a 4096-byte cookie less an estimate of its name and attributes.
pub(crate) const CHUNK_SIZE: usize = 4096 - 163;
/// A sign-in attempt's cookie lives 15 minutes.
pub(crate) const CHECK_MAX_AGE: i64 = 15 * 60;
/// At most this many sign-in attempts (tabs) are kept per browser: starting another one expires the
/// oldest, so the `Cookie` header stays small.
pub(crate) const MAX_ATTEMPTS: usize = 5;

/// One sign-in attempt's checks (state, PKCE verifier, nonce, callback URL), in its own encrypted
/// cookie named after its state, so that two tabs signing in at once do not disturb each other. It is
/// bound to the provider it was made for and to the browser that started it.
#[derive(Serialize, Deserialize)]
pub(crate) struct Attempt {
    pub(crate) state: String,
    pub(crate) pkce_verifier: String,
    pub(crate) nonce: String,
    pub(crate) callback_url: String,
    pub(crate) provider: String,
    /// The browser that started it: `Hallpass::browser_id`, a hash of its CSRF cookie's token.
    pub(crate) browser: String,
    pub(crate) exp: i64,
}

/// `Set-Cookie` headers for a response, in order. Return it beside a body from a handler, e.g.
/// `(cookies, Redirect::to("/"))`: it implements [`IntoResponseParts`].
#[derive(Debug, Default, Clone)]
#[must_use = "the cookies only take effect when they are part of a response"]
pub struct SetCookies(Vec<HeaderValue>);

impl SetCookies {
    /// No cookies.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when there is nothing to set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `Set-Cookie` header values.
    pub fn iter(&self) -> impl Iterator<Item = &HeaderValue> {
        self.0.iter()
    }

    pub(crate) fn push(&mut self, cookie: HeaderValue) {
        self.0.push(cookie);
    }

    pub(crate) fn extend(&mut self, other: SetCookies) {
        self.0.extend(other.0);
    }

    /// Appends the cookies to `headers` (after any already there).
    pub(crate) fn append_to(self, headers: &mut HeaderMap) {
        for c in self.0 {
            headers.append(SET_COOKIE, c);
        }
    }

    /// Appends the cookies that the response does not set itself: what a handler returned wins
    /// over what resolving the request's session queued (a sign-in after an unusable cookie was
    /// cleared must not be cleared in turn). This is how the layer writes the queued cookies.
    pub(crate) fn append_unless_set(self, headers: &mut HeaderMap) {
        if self.0.is_empty() {
            return;
        }
        let set: Vec<&[u8]> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| cookie_name(v.as_bytes()))
            .collect();
        let queued: Vec<HeaderValue> = self
            .0
            .into_iter()
            .filter(|c| cookie_name(c.as_bytes()).is_some_and(|n| !set.contains(&n)))
            .collect();
        for c in queued {
            headers.append(SET_COOKIE, c);
        }
    }
}

/// The name of a `Set-Cookie` value (before its `=`).
fn cookie_name(set_cookie: &[u8]) -> Option<&[u8]> {
    let end = set_cookie.iter().position(|b| *b == b'=')?;
    Some(set_cookie[..end].trim_ascii())
}

impl From<HeaderValue> for SetCookies {
    fn from(cookie: HeaderValue) -> Self {
        Self(vec![cookie])
    }
}

impl IntoResponseParts for SetCookies {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        self.append_to(res.headers_mut());
        Ok(res)
    }
}

/// Hallpass's cookie flags as the `cookie` crate writes them (after `name=value`).
fn flags(secure: bool) -> String {
    let probe = cookie::Cookie::build(("n", ""))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .secure(secure)
        .build()
        .to_string();
    probe.strip_prefix("n=").unwrap_or_default().to_string()
}

/// `name=value`, the flags, and the age as the `cookie` crate writes it (`Max-Age`, and `Expires`
/// in the past for an age of 0 or less).
fn set_cookie_text(name: &str, value: &str, flags: &str, max_age: Option<i64>) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(name.len() + value.len() + flags.len() + 64);
    text.push_str(name);
    text.push('=');
    text.push_str(value);
    text.push_str(flags);
    if let Some(age) = max_age {
        let _ = write!(text, "; Max-Age={}", age.max(0));
        if age <= 0 {
            text.push_str("; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        }
    }
    text
}

/// Cookie names and keys, computed once from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Cookies {
    pub(crate) session_name: String,
    pub(crate) csrf_name: String,
    /// What the CSRF cookie's hash is made with (per mode, see [`CookieHashKeys`]).
    pub(crate) csrf_hash_keys: CookieHashKeys,
    /// `{prefix}{stem}.check`: each attempt's cookie is this and `.` and a hash of its state.
    attempt_stem: String,
    pub(crate) session_keys: KeyRing,
    attempt_keys: KeyRing,
    /// The Cognito form sign-in's step cookie: its own name and key.
    pub(crate) flow_name: String,
    flow_keys: KeyRing,
    /// `; HttpOnly; SameSite=Lax; Secure; Path=/` as the `cookie` crate writes Hallpass's flags,
    /// made once: a `Set-Cookie` is then the name, the value, these and the age, joined.
    flags: String,
}

impl Cookies {
    pub(crate) fn new(config: &Config) -> Self {
        let secure = config.is_secure();
        // On https, `__Host-`: a cookie only this host can set (Secure, Path=/, no Domain), so a
        // sibling subdomain cannot plant one. NextAuth v4's and Auth.js v5's session cookies keep
        // their own `__Secure-` names. The sign-in attempt and Cognito-form cookies are Hallpass's
        // own in every mode (a sign-in started here ends here), so they stay `__Host-` and
        // A256GCM; only their stem follows the mode.
        let host = if secure { "__Host-" } else { "" };
        let next_prefix = if secure { "__Secure-" } else { "" };
        let (stem, info, session_prefix) = match config.compat() {
            Compat::Hallpass => ("hallpass", "Hallpass Generated Encryption Key", host),
            Compat::NextAuthV4 => (
                "next-auth",
                "NextAuth.js Generated Encryption Key",
                next_prefix,
            ),
            Compat::AuthJsV5 => ("authjs", "Auth.js Generated Encryption Key", next_prefix),
        };
        let session_name = format!("{session_prefix}{stem}.session-token");
        let csrf_name = format!("{host}{stem}.csrf-token");
        let secrets = config.secret_bytes();
        let session_keys = match config.compat() {
            // NextAuth v4 derives the session key with an empty salt and no cookie name.
            Compat::NextAuthV4 => KeyRing::derive(&secrets, "", info),
            Compat::Hallpass => {
                KeyRing::derive(&secrets, &session_name, &format!("{info} ({session_name})"))
            }
            // A256CBC-HS512, salted with the cookie name, a `kid` naming the key.
            Compat::AuthJsV5 => KeyRing::derive_authjs(&secrets, &session_name),
        };
        let attempt_stem = format!("{host}{stem}.check");
        // Its own key, so that an attempt cannot be passed off as a session or the reverse.
        let attempt_keys =
            KeyRing::derive(&secrets, &attempt_stem, &format!("{info} ({attempt_stem})"));
        let flow_name = format!("{host}{stem}.cognito-flow");
        let flow_keys = KeyRing::derive(&secrets, &flow_name, &format!("{info} ({flow_name})"));
        Self {
            session_name,
            csrf_name,
            csrf_hash_keys: CookieHashKeys::new(&secrets, config.compat() == Compat::AuthJsV5),
            attempt_stem,
            session_keys,
            attempt_keys,
            flow_name,
            flow_keys,
            flags: flags(secure),
        }
    }

    /// A `Set-Cookie` value with Hallpass's flags: HttpOnly, SameSite=Lax, Path=/, Secure on https.
    /// `max_age` None means a browser-session cookie; `Some(0)` expires it.
    pub(crate) fn set(&self, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
        // Every value Hallpass writes is already cookie-safe (base64url JWE, hex `token|hash`), so
        // it is written as is: percent-encoding a 4 KB cookie byte by byte cost more than the
        // encryption, and formatting it through `Display` more than the rest of the request.
        debug_assert!(
            value.bytes().all(is_cookie_octet),
            "cookie value needs encoding"
        );
        HeaderValue::try_from(set_cookie_text(name, value, &self.flags, max_age))
            .expect("cookie names and values are valid header text")
    }

    /// Expires a cookie.
    pub(crate) fn expire(&self, name: &str) -> HeaderValue {
        self.set(name, "", Some(0))
    }

    /// Writes `value` as the session cookie, in chunks when it is too big for one cookie, and expires
    /// every chunk of the previous value that the new one does not overwrite.
    pub(crate) fn set_session(
        &self,
        value: &str,
        max_age: i64,
        request: &RequestCookies<'_>,
    ) -> SetCookies {
        let name = &self.session_name;
        let (whole, present) = request.names_of(name);
        let mut out = SetCookies::new();
        let expire_chunks_from = |out: &mut SetCookies, first: usize| {
            for i in (first..MAX_CHUNKS).filter(|i| present & (1 << i) != 0) {
                out.push(self.expire(&format!("{name}.{i}")));
            }
        };
        if value.len() <= CHUNK_SIZE {
            out.push(self.set(name, value, Some(max_age)));
            expire_chunks_from(&mut out, 0);
            return out;
        }
        let mut count = 0;
        // The value is base64url and dots: ASCII, so every byte boundary is a char boundary.
        for (i, start) in (0..value.len()).step_by(CHUNK_SIZE).enumerate() {
            let end = (start + CHUNK_SIZE).min(value.len());
            let chunk = value.get(start..end).unwrap_or_default();
            out.push(self.set(&format!("{name}.{i}"), chunk, Some(max_age)));
            count = i + 1;
        }
        if whole {
            out.push(self.expire(name));
        }
        expire_chunks_from(&mut out, count);
        out
    }

    /// Expires the session cookie and every chunk of it the request carried.
    pub(crate) fn clear_session(&self, request: &RequestCookies<'_>) -> SetCookies {
        let name = &self.session_name;
        let mut out = SetCookies::from(self.expire(name));
        let (_, present) = request.names_of(name);
        for i in (0..MAX_CHUNKS).filter(|i| present & (1 << i) != 0) {
            out.push(self.expire(&format!("{name}.{i}")));
        }
        out
    }

    /// The Cognito form's step cookie holding `json`, encrypted, for `max_age` seconds.
    pub(crate) fn set_flow(&self, json: &[u8], max_age: i64) -> HeaderValue {
        self.set(
            &self.flow_name,
            &self.flow_keys.encrypt(json),
            Some(max_age),
        )
    }

    /// The decrypted step cookie of the request, if any opens.
    pub(crate) fn read_flow(&self, request: &RequestCookies<'_>) -> Option<Vec<u8>> {
        self.flow_keys.decrypt(request.get(&self.flow_name)?).ok()
    }

    /// The cookie name of the attempt with `state`.
    pub(crate) fn attempt_name(&self, state: &str) -> String {
        use sha2::{Digest, Sha256};
        let hash = crate::shared::hex(&Sha256::digest(state.as_bytes()));
        format!("{}.{}", self.attempt_stem, &hash[..16])
    }

    /// The encrypted cookie of a new attempt (it dies at `attempt.exp`).
    pub(crate) fn set_attempt(&self, attempt: &Attempt) -> HeaderValue {
        let json = serde_json::to_vec(attempt).expect("serialising a small struct cannot fail");
        let token = self.attempt_keys.encrypt(&json);
        self.set(
            &self.attempt_name(&attempt.state),
            &token,
            Some(CHECK_MAX_AGE),
        )
    }

    fn open_attempt(&self, raw: &str) -> Option<Attempt> {
        let plain = self.attempt_keys.decrypt(raw).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    /// The attempt the callback's `state` names, if it is this provider's, alive, and started by
    /// `browser`; `Err` says why not (for the log and the debug header).
    pub(crate) fn read_attempt(
        &self,
        request: &RequestCookies<'_>,
        state: &str,
        provider: &str,
        browser: Option<&str>,
        now: i64,
    ) -> Result<Attempt, CheckError> {
        use subtle::ConstantTimeEq;
        let raw = request
            .get(&self.attempt_name(state))
            .ok_or(CheckError::Missing)?;
        let attempt = self.open_attempt(raw).ok_or(CheckError::Invalid)?;
        if attempt.provider != provider {
            return Err(CheckError::OtherProvider);
        }
        if attempt.exp < now {
            return Err(CheckError::Expired);
        }
        let same_browser =
            browser.is_some_and(|b| bool::from(b.as_bytes().ct_eq(attempt.browser.as_bytes())));
        if !same_browser {
            return Err(CheckError::OtherBrowser);
        }
        Ok(attempt)
    }

    /// Expirations for the attempts a new one crowds out: unreadable or dead ones, then the oldest
    /// beyond [`MAX_ATTEMPTS`] less one (room for the new attempt).
    pub(crate) fn crowded_out_attempts(
        &self,
        request: &RequestCookies<'_>,
        now: i64,
    ) -> SetCookies {
        let prefix = format!("{}.", self.attempt_stem);
        let mut live: Vec<(i64, &str)> = Vec::new();
        let mut out = SetCookies::new();
        for (name, raw) in request.with_prefix(&prefix) {
            match self.open_attempt(raw) {
                Some(a) if a.exp >= now => live.push((a.exp, name)),
                _ => out.push(self.expire(name)),
            }
        }
        live.sort_unstable();
        let excess = live.len().saturating_sub(MAX_ATTEMPTS - 1);
        for (_, name) in &live[..excess] {
            out.push(self.expire(name));
        }
        out
    }
}

/// RFC 6265 `cookie-octet`: what a cookie value may hold without quoting or encoding.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Why a sign-in attempt's cookie (state, PKCE verifier, nonce, callback URL) could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// Not sent by the browser.
    #[error("the cookie is missing (was the sign-in started on this site and URL? Does a proxy drop `__Host-` cookies, or is AUTH_URL's scheme or host different from the browser's?)")]
    Missing,
    /// Unreadable.
    #[error("the cookie is not readable (tampered, or made with another secret)")]
    Invalid,
    /// Made for another provider.
    #[error("the cookie was made for another provider")]
    OtherProvider,
    /// Too old.
    #[error("the cookie is older than 15 minutes")]
    Expired,
    /// Started in another browser: its CSRF cookie is not the one this browser holds (a sign-in
    /// attempt planted by someone else, login CSRF).
    #[error("the sign-in was started in another browser (or this browser's CSRF cookie is gone)")]
    OtherBrowser,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-joined header is what the `cookie` crate writes for the same cookie.
    #[test]
    fn set_cookie_text_matches_the_cookie_crate() {
        for secure in [false, true] {
            for age in [None, Some(0), Some(-5), Some(3600)] {
                let mut c = cookie::Cookie::build(("hallpass.session-token", "a.b-c_d"))
                    .http_only(true)
                    .same_site(cookie::SameSite::Lax)
                    .path("/")
                    .secure(secure);
                if let Some(age) = age {
                    c = c.max_age(time::Duration::seconds(age.max(0)));
                    if age <= 0 {
                        c = c.expires(time::OffsetDateTime::UNIX_EPOCH);
                    }
                }
                let text =
                    set_cookie_text("hallpass.session-token", "a.b-c_d", &flags(secure), age);
                assert_eq!(text, c.build().to_string(), "secure {secure}, age {age:?}");
            }
        }
    }
}
