//! Every cookie Hallpass reads or writes: names, flags, chunking, and the encrypted check cookies.

use std::borrow::Cow;

use axum::response::{IntoResponseParts, ResponseParts};
use http::header::{HeaderMap, HeaderValue, COOKIE, SET_COOKIE};
use serde::{Deserialize, Serialize};

use crate::config::{Compat, Config};
use crate::jwe::KeyRing;

/// NextAuth's chunk size: a 4096-byte cookie less an estimate of its name and attributes.
pub(crate) const CHUNK_SIZE: usize = 4096 - 163;
/// Check cookies (state, PKCE verifier, nonce, callback URL) live 15 minutes.
pub(crate) const CHECK_MAX_AGE: i64 = 15 * 60;

/// The kinds of cookie, each with its own name and (for the encrypted ones) its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    State,
    PkceVerifier,
    Nonce,
    CallbackUrl,
}

impl Check {
    pub(crate) const ALL: [Check; 4] = [
        Check::State,
        Check::PkceVerifier,
        Check::Nonce,
        Check::CallbackUrl,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Check::State => "state",
            Check::PkceVerifier => "pkce.code_verifier",
            Check::Nonce => "nonce",
            Check::CallbackUrl => "callback-url",
        }
    }
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

/// Cookie names and keys, computed once from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Cookies {
    pub(crate) session_name: String,
    pub(crate) csrf_name: String,
    check_names: [String; 4],
    pub(crate) session_keys: KeyRing,
    check_keys: [KeyRing; 4],
    secure: bool,
}

/// What an encrypted check cookie holds: the value, the provider it was made for, and when it dies.
#[derive(Serialize, Deserialize)]
struct CheckPayload<'a> {
    value: Cow<'a, str>,
    provider: Cow<'a, str>,
    exp: i64,
}

impl Cookies {
    pub(crate) fn new(config: &Config) -> Self {
        let secure = config.is_secure();
        let prefix = if secure { "__Secure-" } else { "" };
        let (stem, info) = match config.compat() {
            Compat::Hallpass => ("hallpass", "Hallpass Generated Encryption Key"),
            Compat::NextAuthV4 => ("next-auth", "NextAuth.js Generated Encryption Key"),
        };
        let session_name = format!("{prefix}{stem}.session-token");
        let csrf_name = format!("{}{stem}.csrf-token", if secure { "__Host-" } else { "" });
        let secrets = config.secret_bytes();
        let session_keys = match config.compat() {
            // NextAuth v4 derives the session key with an empty salt and no cookie name.
            Compat::NextAuthV4 => KeyRing::derive(&secrets, "", info),
            Compat::Hallpass => {
                KeyRing::derive(&secrets, &session_name, &format!("{info} ({session_name})"))
            }
        };
        let check_names = Check::ALL.map(|c| format!("{prefix}{stem}.{}", c.suffix()));
        // One key per cookie name, so that no cookie can be passed off as another (or as a session).
        let check_keys = Check::ALL.map(|c| c as usize).map(|i| {
            KeyRing::derive(
                &secrets,
                &check_names[i],
                &format!("{info} ({})", check_names[i]),
            )
        });
        Self {
            session_name,
            csrf_name,
            check_names,
            session_keys,
            check_keys,
            secure,
        }
    }

    pub(crate) fn check_name(&self, check: Check) -> &str {
        &self.check_names[check as usize]
    }

    /// A `Set-Cookie` value with Hallpass's flags: HttpOnly, SameSite=Lax, Path=/, Secure on https.
    /// `max_age` None means a browser-session cookie; `Some(0)` expires it.
    pub(crate) fn set(&self, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
        let mut c = cookie::Cookie::build((name, value))
            .http_only(true)
            .same_site(cookie::SameSite::Lax)
            .path("/")
            .secure(self.secure);
        if let Some(age) = max_age {
            c = c.max_age(time::Duration::seconds(age.max(0)));
            if age <= 0 {
                c = c.expires(time::OffsetDateTime::UNIX_EPOCH);
            }
        }
        // Every value Hallpass writes is already cookie-safe (base64url JWE, hex `token|hash`), so
        // it is written as is: percent-encoding a 4 KB cookie byte by byte cost more than the
        // encryption.
        debug_assert!(
            value.bytes().all(is_cookie_octet),
            "cookie value needs encoding"
        );
        HeaderValue::try_from(c.build().to_string())
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
        let mut out = SetCookies::new();
        if value.len() <= CHUNK_SIZE {
            out.push(self.set(name, value, Some(max_age)));
            for (i, _) in request.chunks(name) {
                out.push(self.expire(&format!("{name}.{i}")));
            }
            return out;
        }
        let chunks: Vec<&str> = value
            .as_bytes()
            .chunks(CHUNK_SIZE)
            // The value is base64url and dots: ASCII, so any byte boundary is a char boundary.
            .map(|c| std::str::from_utf8(c).expect("ASCII"))
            .collect();
        for (i, chunk) in chunks.iter().enumerate() {
            out.push(self.set(&format!("{name}.{i}"), chunk, Some(max_age)));
        }
        if request.get(name).is_some() {
            out.push(self.expire(name));
        }
        for (i, _) in request.chunks(name) {
            if i >= chunks.len() {
                out.push(self.expire(&format!("{name}.{i}")));
            }
        }
        out
    }

    /// Expires the session cookie and every chunk of it the request carried.
    pub(crate) fn clear_session(&self, request: &RequestCookies<'_>) -> SetCookies {
        let name = &self.session_name;
        let mut out = SetCookies::from(self.expire(name));
        for (i, _) in request.chunks(name) {
            out.push(self.expire(&format!("{name}.{i}")));
        }
        out
    }

    /// An encrypted, provider-bound check cookie that lives 15 minutes.
    pub(crate) fn set_check(
        &self,
        check: Check,
        value: &str,
        provider: &str,
        now: i64,
    ) -> HeaderValue {
        let payload = CheckPayload {
            value: value.into(),
            provider: provider.into(),
            exp: now + CHECK_MAX_AGE,
        };
        let json = serde_json::to_vec(&payload).expect("serialising a small struct cannot fail");
        let token = self.check_keys[check as usize].encrypt(&json);
        self.set(self.check_name(check), &token, Some(CHECK_MAX_AGE))
    }

    /// Opens a check cookie; `Err` says why it is unusable (for the debug log and the error page).
    pub(crate) fn read_check(
        &self,
        check: Check,
        request: &RequestCookies<'_>,
        provider: &str,
        now: i64,
    ) -> Result<String, CheckError> {
        let raw = request
            .get(self.check_name(check))
            .ok_or(CheckError::Missing)?;
        let plain = self.check_keys[check as usize]
            .decrypt(raw)
            .map_err(|_| CheckError::Invalid)?;
        let payload: CheckPayload<'_> =
            serde_json::from_slice(&plain).map_err(|_| CheckError::Invalid)?;
        if payload.provider != provider {
            return Err(CheckError::OtherProvider);
        }
        if payload.exp < now {
            return Err(CheckError::Expired);
        }
        Ok(payload.value.into_owned())
    }
}

/// RFC 6265 `cookie-octet`: what a cookie value may hold without quoting or encoding.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Why a check cookie (state, PKCE verifier, nonce, callback URL) could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// Not sent by the browser.
    #[error("the cookie is missing (was the sign-in started on this site and URL? Does a proxy drop `__Secure-` cookies, or is AUTH_URL's scheme or host different from the browser's?)")]
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
}

/// The cookies of one request, parsed lazily from every `Cookie` header without copying.
///
/// A repeated name resolves to its first occurrence (browsers send the most specific path first).
/// Headers that are not valid UTF-8 are skipped rather than failing the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestCookies<'a> {
    headers: &'a HeaderMap,
}

impl<'a> RequestCookies<'a> {
    pub(crate) fn new(headers: &'a HeaderMap) -> Self {
        Self { headers }
    }

    fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .flat_map(|h| h.split(';'))
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                Some((name.trim(), value))
            })
    }

    /// The raw value of cookie `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The percent-decoded value of cookie `name` (NextAuth writes `|` as `%7C`).
    pub(crate) fn get_decoded(&self, name: &str) -> Option<Cow<'a, str>> {
        let raw = self.get(name)?;
        percent_encoding::percent_decode_str(raw).decode_utf8().ok()
    }

    /// `(index, value)` of every `name.N` chunk, in index order.
    pub(crate) fn chunks(&self, name: &str) -> Vec<(usize, &'a str)> {
        let mut chunks: Vec<(usize, &'a str)> = self
            .pairs()
            .filter_map(|(n, v)| Some((chunk_index(n, name)?, v)))
            .collect();
        chunks.sort_by_key(|(i, _)| *i);
        chunks.dedup_by_key(|(i, _)| *i);
        chunks
    }

    /// The pieces of a possibly chunked cookie, in one pass over the header: `[value]` of `name`
    /// itself, else the values of `name.0`, `name.1`, … when they run from 0 without a gap (a gap
    /// means a lost chunk: the value is unusable). Joined, they are the cookie's value.
    pub(crate) fn get_parts(&self, name: &str) -> Option<Vec<&'a str>> {
        let mut chunks: Vec<(usize, &'a str)> = Vec::new();
        for (n, v) in self.pairs() {
            if n == name {
                return Some(vec![v]);
            }
            if let Some(i) = chunk_index(n, name) {
                chunks.push((i, v));
            }
        }
        chunks.sort_by_key(|(i, _)| *i);
        chunks.dedup_by_key(|(i, _)| *i);
        if chunks.is_empty() || chunks.iter().enumerate().any(|(i, (idx, _))| i != *idx) {
            return None;
        }
        Some(chunks.into_iter().map(|(_, v)| v).collect())
    }

    /// [`RequestCookies::get_parts`], joined.
    pub(crate) fn get_chunked(&self, name: &str) -> Option<Cow<'a, str>> {
        let parts = self.get_parts(name)?;
        Some(match parts.as_slice() {
            [one] => Cow::Borrowed(*one),
            _ => Cow::Owned(parts.concat()),
        })
    }
}

/// `Some(N)` when `cookie` is `name.N` with a plain decimal N: "+1" or "01" would let two names
/// claim one slot.
fn chunk_index(cookie: &str, name: &str) -> Option<usize> {
    let idx = cookie.strip_prefix(name)?.strip_prefix('.')?;
    if idx.is_empty() || idx.len() > 3 || !idx.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if idx.len() > 1 && idx.starts_with('0') {
        return None;
    }
    idx.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for c in cookies {
            h.append(COOKIE, HeaderValue::from_str(c).unwrap());
        }
        h
    }

    #[test]
    fn reads_first_of_repeated_and_across_headers() {
        let h = headers(&["a=1; b=2", "a=3; c=\"4\""]);
        let r = RequestCookies::new(&h);
        assert_eq!(r.get("a"), Some("1"));
        assert_eq!(r.get("c"), Some("4"));
        assert_eq!(r.get("d"), None);
    }

    #[test]
    fn chunks_join_in_order_and_gaps_are_refused() {
        let h = headers(&["s.1=bb; s.0=aa; s.2=cc; s.x=zz; s.01=yy"]);
        assert_eq!(RequestCookies::new(&h).get_chunked("s").unwrap(), "aabbcc");
        let h = headers(&["s.0=aa; s.2=cc"]);
        assert_eq!(RequestCookies::new(&h).get_chunked("s"), None);
    }
}
