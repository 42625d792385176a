//! Reading the cookies of one request: the `Cookie` headers scanned byte-wise, chunked cookies
//! put back together.

use std::borrow::Cow;

use http::header::{HeaderMap, COOKIE};

/// The most chunks of one cookie that are read or expired: 16 × 4 KB is far above any session
/// Hallpass writes (`max_cookie_bytes`), and a request with 300 fake chunks gets 16
/// `Set-Cookie`s back, not 300.
pub(crate) const MAX_CHUNKS: usize = 16;

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

    /// The request's headers (the session store records the `User-Agent` at sign-in).
    pub(crate) fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// Every `(name, value)` pair that is UTF-8, in header order.
    #[cfg(test)]
    fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.pairs_named(|_| true)
    }

    /// The UTF-8 pairs whose name passes `keep`, in header order. Only a kept pair's value is
    /// checked for UTF-8: a 5.7 KB session value is not re-validated by every lookup of another
    /// cookie (the result is the same as checking every pair, then filtering).
    fn pairs_named<'k>(
        &self,
        keep: impl Fn(&str) -> bool + 'k,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'k
    where
        'a: 'k,
    {
        self.headers
            .get_all(COOKIE)
            .iter()
            .flat_map(|h| RawPairs(h.as_bytes()))
            .filter_map(move |(name, value)| {
                let name = std::str::from_utf8(name).ok().filter(|n| keep(n))?;
                Some((name, std::str::from_utf8(value).ok()?))
            })
    }

    /// The raw value of cookie `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs_named(|n| n == name).next().map(|(_, v)| v)
    }

    /// The percent-decoded value of cookie `name` (NextAuth writes `|` as `%7C`).
    pub(crate) fn get_decoded(&self, name: &str) -> Option<Cow<'a, str>> {
        let raw = self.get(name)?;
        percent_encoding::percent_decode_str(raw).decode_utf8().ok()
    }

    /// `(name, value)` of every cookie whose name starts with `prefix`, first occurrence of each.
    pub(crate) fn with_prefix(&self, prefix: &str) -> Vec<(&'a str, &'a str)> {
        let mut seen: Vec<(&'a str, &'a str)> = Vec::new();
        for (n, v) in self.pairs_named(|n| n.starts_with(prefix)) {
            if !seen.iter().any(|(s, _)| *s == n) {
                seen.push((n, v));
            }
        }
        seen
    }

    /// Which forms of cookie `name` the request carries, by name only (no value is read): the
    /// cookie itself, and a bit per `name.N` chunk below [`MAX_CHUNKS`].
    pub(crate) fn names_of(&self, name: &str) -> (bool, u32) {
        let (mut whole, mut chunks) = (false, 0u32);
        for h in self.headers.get_all(COOKIE) {
            for (n, _) in RawPairs(h.as_bytes()) {
                let Ok(n) = std::str::from_utf8(n) else {
                    continue;
                };
                if n == name {
                    whole = true;
                } else if let Some(i) = chunk_index(n, name).filter(|i| *i < MAX_CHUNKS) {
                    chunks |= 1 << i;
                }
            }
        }
        (whole, chunks)
    }

    /// The pieces of a possibly chunked cookie, in one pass over the header: `[value]` of `name`
    /// itself, else the values of `name.0`, `name.1`, … when they run from 0 without a gap (a gap
    /// means a lost chunk: the value is unusable). Joined, they are the cookie's value.
    pub(crate) fn get_parts(&self, name: &str) -> Option<Vec<&'a str>> {
        let mut chunks: Vec<(usize, &'a str)> = Vec::new();
        for (n, v) in self.pairs_named(|n| n == name || chunk_index(n, name).is_some()) {
            if n == name {
                return Some(vec![v]);
            }
            if let Some(i) = chunk_index(n, name) {
                chunks.push((i, v));
            }
        }
        in_order(chunks)
    }

    /// [`RequestCookies::get_parts`] as raw bytes, on the stack, for the session cache's hot path:
    /// the same pieces whenever they are all UTF-8 and at most [`MAX_CHUNKS`] (a piece that is not
    /// UTF-8 can never hit that cache; `None` sends the caller to `get_parts`).
    pub(crate) fn get_parts_raw(&self, name: &str) -> Option<RawParts<'a>> {
        let mut slots: [Option<&'a [u8]>; MAX_CHUNKS] = [None; MAX_CHUNKS];
        let mut len = 0;
        let pairs = self
            .headers
            .get_all(COOKIE)
            .iter()
            .flat_map(|h| RawPairs(h.as_bytes()));
        for (n, v) in pairs {
            if n == name.as_bytes() {
                let mut one = RawParts::default();
                one.items[0] = v;
                one.len = 1;
                return Some(one);
            }
            let Some(i) = std::str::from_utf8(n)
                .ok()
                .and_then(|n| chunk_index(n, name))
            else {
                continue;
            };
            let slot = slots.get_mut(i)?;
            if slot.is_none() {
                *slot = Some(v);
                len = len.max(i + 1);
            }
        }
        let mut parts = RawParts {
            len,
            ..RawParts::default()
        };
        for (item, slot) in parts.items.iter_mut().zip(&slots[..len]) {
            // A gap means a lost chunk: the value is unusable.
            *item = (*slot)?;
        }
        (len > 0).then_some(parts)
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

/// The chunks' values in index order (the first of each index), `None` for none or a gap.
/// The pieces of a cookie as [`RequestCookies::get_parts_raw`] finds them, without allocating.
#[derive(Debug, Default)]
pub(crate) struct RawParts<'a> {
    items: [&'a [u8]; MAX_CHUNKS],
    len: usize,
}

impl<'a> RawParts<'a> {
    pub(crate) fn as_slice(&self) -> &[&'a [u8]] {
        &self.items[..self.len]
    }
}

fn in_order<V>(mut chunks: Vec<(usize, V)>) -> Option<Vec<V>> {
    chunks.sort_by_key(|(i, _)| *i);
    chunks.dedup_by_key(|(i, _)| *i);
    if chunks.is_empty() || chunks.iter().enumerate().any(|(i, (idx, _))| i != *idx) {
        return None;
    }
    Some(chunks.into_iter().map(|(_, v)| v).collect())
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

/// The `name=value` pairs of one `Cookie` header as bytes, trimmed, quotes around a value removed.
///
/// Byte-wise with SIMD search: a Cognito session makes the header 4-6 KB, and scanning it is most
/// of what a signed-in request costs. The lookups skip a pair that is not UTF-8 alone, where
/// `HeaderValue::to_str` would drop the whole header (signing the user out over some other app's
/// cookie); our own values are ASCII and checked again by their decoders.
struct RawPairs<'a>(&'a [u8]);

impl<'a> Iterator for RawPairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.0.is_empty() {
            let (pair, rest) = match memchr::memchr(b';', self.0) {
                Some(i) => (&self.0[..i], &self.0[i + 1..]),
                None => (self.0, &[][..]),
            };
            self.0 = rest;
            let Some(eq) = memchr::memchr(b'=', pair) else {
                continue;
            };
            let value = pair[eq + 1..].trim_ascii();
            let value = value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value);
            return Some((pair[..eq].trim_ascii(), value));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::HeaderValue;

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
    fn names_of_sees_the_cookie_and_its_chunks_by_name_alone() {
        let mut h = headers(&["s.1=bb; s.0=aa; s=x; s.x=zz; s.01=yy; s.16=far; t.2=no"]);
        h.append(COOKIE, HeaderValue::from_bytes(b"s.3=\xff").unwrap());
        assert_eq!(
            RequestCookies::new(&h).names_of("s"),
            (true, 0b1011),
            "0, 1 and 3 (even with a value that is not UTF-8); 16 is past MAX_CHUNKS"
        );
        assert_eq!(
            RequestCookies::new(&headers(&["other=1"])).names_of("s"),
            (false, 0)
        );
    }

    #[test]
    fn chunks_join_in_order_and_gaps_are_refused() {
        let h = headers(&["s.1=bb; s.0=aa; s.2=cc; s.x=zz; s.01=yy"]);
        assert_eq!(RequestCookies::new(&h).get_chunked("s").unwrap(), "aabbcc");
        let h = headers(&["s.0=aa; s.2=cc"]);
        assert_eq!(RequestCookies::new(&h).get_chunked("s"), None);
    }

    #[test]
    fn a_pair_that_is_not_utf8_is_skipped_alone() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_bytes(b"a=1; other=\xff\xfe; b = \"2\" ;noequals; c=3").unwrap(),
        );
        let rc = RequestCookies::new(&headers);
        let pairs: Vec<_> = rc.pairs().collect();
        assert_eq!(pairs, [("a", "1"), ("b", "2"), ("c", "3")]);
    }

    #[test]
    fn raw_parts_are_the_same_pieces_whenever_they_are_utf8() {
        for header in [
            "s=one",
            " s = \"quoted\" ; t=2",
            "s.1=bb; s.0=aa; s.2=cc; s.x=zz; s.01=yy",
            "s.0=aa; s.2=cc",
            "s.0=aa; s.0=dup; s.1=bb",
            "other=1",
            "s.0=aa; s=whole",
        ] {
            let h = headers(&[header]);
            let r = RequestCookies::new(&h);
            let raw = r.get_parts_raw("s").map(|p| {
                p.as_slice()
                    .iter()
                    .map(|b| std::str::from_utf8(b).unwrap())
                    .collect::<Vec<_>>()
            });
            assert_eq!(raw, r.get_parts("s"), "{header}");
        }
        // Not UTF-8: the raw pieces keep the pair (it cannot hit the cache); get_parts skips it.
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_bytes(b"s=\xff; s=ok").unwrap());
        let r = RequestCookies::new(&h);
        assert_eq!(
            r.get_parts_raw("s").map(|p| p.as_slice().to_vec()),
            Some(vec![&b"\xff"[..]])
        );
        assert_eq!(r.get_parts("s"), Some(vec!["ok"]));
    }
}
