//! Helpers shared by the load benchmark's binaries (`bare`, `mint`): the benchmark's session, the
//! protected page's HTML as the example site renders it, and the `Cookie` header that carries a
//! (possibly chunked) session cookie. [`flow`] is the browser-like full sign-in that the `signin`
//! and `signin_compare` binaries drive.
//!
//! See `bench/run.sh` and `BENCHMARKS.md` at the repository root.

#![forbid(unsafe_code)]

pub mod bearer;
pub mod flow;
pub mod inprocess;

use hallpass::provider::{Secret, TokenSet};
use hallpass::SessionToken;

/// The signed-in user's display name in the benchmark session (and on the bare page).
pub const NAME: &str = "Bench User";

/// NextAuth v4's (and Hallpass's) session cookie chunk size: 4096 bytes less an estimate of the
/// cookie's name and attributes.
pub const CHUNK_SIZE: usize = 4096 - 163;

/// `len` deterministic base64url characters (a stand-in for token material: random-looking, so
/// nothing downstream compresses it better than a real token).
pub fn token_chars(len: usize, seed: u64) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            B64[(x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 58) as usize] as char
        })
        .collect()
}

/// A JWT-shaped string of about `len` characters (three dot-separated base64url parts).
pub fn jwt_like(len: usize, seed: u64) -> String {
    let header = "eyJraWQiOiJiZW5jaCIsImFsZyI6IlJTMjU2In0";
    let sig = token_chars(342, seed ^ 0x5151);
    let body = token_chars(len.saturating_sub(header.len() + sig.len() + 2), seed);
    format!("{header}.{body}.{sig}")
}

/// The tokens Cognito hands out, at their usual sizes: a ~1 KB access token, a ~1 KB ID token and a
/// ~1.7 KB refresh token (a JWE), the access token valid for an hour after `now`.
pub fn cognito_tokens(now: i64) -> TokenSet {
    let refresh = format!(
        "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.{}.{}.{}.{}",
        token_chars(342, 11),
        token_chars(22, 12),
        token_chars(1280, 13),
        token_chars(22, 14)
    );
    TokenSet {
        access_token: Secret::new(jwt_like(1050, 1)),
        id_token: Some(Secret::new(jwt_like(1100, 2))),
        refresh_token: Some(Secret::new(refresh)),
        expires_at: now + 3600,
    }
}

/// A typical Cognito session as Hallpass stores it after a sign-in: name, email, sub, groups,
/// provider and (when `with_tokens`) the provider's tokens. Valid for 30 days from `now`.
pub fn session(now: i64, with_tokens: bool) -> SessionToken {
    SessionToken {
        sub: Some("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f".into()),
        name: Some(NAME.into()),
        email: Some("bench.user@example.com".into()),
        picture: None,
        groups: vec!["admin".into(), "users".into()],
        provider: Some("cognito".into()),
        tokens: with_tokens.then(|| cognito_tokens(now)),
        iat: now,
        exp: now + 30 * 24 * 60 * 60,
        jti: format!(
            "{:08x}-bench-4000-8000-{:012x}",
            now as u32,
            now as u64 ^ 0x00c0_ffee
        ),
        ..SessionToken::default()
    }
}

/// The `Cookie` header value that carries session cookie `name` = `value`, split into `name.0`,
/// `name.1`, ... when longer than [`CHUNK_SIZE`] (what both NextAuth and Hallpass write).
pub fn cookie_header(name: &str, value: &str) -> String {
    if value.len() <= CHUNK_SIZE {
        return format!("{name}={value}");
    }
    value
        .as_bytes()
        .chunks(CHUNK_SIZE)
        .enumerate()
        .map(|(i, c)| format!("{name}.{i}={}", String::from_utf8_lossy(c)))
        .collect::<Vec<_>>()
        .join("; ")
}

const LOGO: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="4" y="10" width="16" height="11" rx="2"/><path d="M8 10V7a4 4 0 0 1 8 0v3"/><circle cx="12" cy="15.5" r="1.5"/></svg>"#;

/// The example site's signed-in `/protected` page for a user called `name` (HTML-escaped here).
pub fn protected_html(name: &str) -> String {
    let mut who = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '&' => who.push_str("&amp;"),
            '<' => who.push_str("&lt;"),
            '>' => who.push_str("&gt;"),
            '"' => who.push_str("&#34;"),
            '\'' => who.push_str("&#39;"),
            c => who.push(c),
        }
    }
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Protected · Example Hallpass Sign In</title>
<link rel="stylesheet" href="/static/site.css">
<link rel="icon" href="/static/logo.svg" type="image/svg+xml">
</head>
<body data-signed-in="true">
<main class="card">
<div class="logo">{LOGO}</div>
<h1>Protected</h1>
<p>Signed in as <span class="who">{who}</span>.</p>
<div class="prose">
<p>This page is checked on the server: without a session the request never reaches this handler and the
browser is sent home. The session is one encrypted cookie, read once per request, with no call to the
identity provider.</p>
</div>
<div class="actions"><a class="button secondary" href="/">Back home</a></div>
</main>
<footer>Built with Hallpass · Rust + axum</footer>
<script src="/static/session-sync.js" defer></script>
</body>
</html>"#
    )
}

// ---- reading the forms of a sign-in page, as a browser would -------------------------------

/// Undoes the HTML escaping of an attribute value.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The action and fields of the first form in `html` whose action contains `part`.
pub fn html_form(
    html: &str,
    page: &reqwest::Url,
    part: &str,
) -> Result<(reqwest::Url, Vec<(String, String)>), String> {
    for chunk in html.split("<form").skip(1) {
        let (tag, rest) = chunk.split_once('>').ok_or("unterminated form tag")?;
        let action = attr(tag, "action").unwrap_or_default();
        if !action.contains(part) {
            continue;
        }
        let body = rest.split("</form>").next().unwrap_or_default();
        let fields = body
            .split("<input")
            .skip(1)
            .filter_map(|i| {
                let tag = i.split('>').next()?;
                Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
            })
            .collect();
        let action = page.join(&action).map_err(|e| e.to_string())?;
        return Ok((action, fields));
    }
    Err(format!("no form posting to {part} on {page}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_only_above_the_limit() {
        assert_eq!(cookie_header("a", "xyz"), "a=xyz");
        let long = "x".repeat(CHUNK_SIZE + 1);
        let h = cookie_header("a", &long);
        assert!(h.starts_with("a.0=") && h.contains("; a.1=x"), "{h}");
    }

    #[test]
    fn the_name_is_escaped() {
        assert!(protected_html("<b>").contains(r#"<span class="who">&lt;b&gt;</span>"#));
    }
}
