//! The one place where a user-supplied URL becomes a redirect target.
//!
//! NextAuth's rule, made strict: a path starting with `/` is joined to the site's origin, an absolute
//! URL is kept only when its origin is exactly the site's, anything else becomes the site's origin.
//! On top of that, values a browser could read differently from us are refused outright: control
//! characters, white space, backslashes, `//` prefixes and user-info. The output is always an absolute
//! URL serialised by the `url` crate, so what the browser sees is what we checked.

use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde_json::json;
use url::Url;

/// Returns a safe absolute redirect target for `candidate`, falling back to the site's origin.
pub fn callback_url(candidate: &str, origin: &Url) -> String {
    checked(candidate, origin).unwrap_or_else(|| origin.as_str().to_string())
}

/// Like [`callback_url`], but `None` when the candidate is refused.
pub fn checked(candidate: &str, origin: &Url) -> Option<String> {
    if candidate.is_empty() || candidate.len() > 2048 || !plain(candidate) {
        return None;
    }
    let url = if same_origin_path(candidate).is_some() {
        origin.join(candidate).ok()?
    } else {
        Url::parse(candidate).ok()?
    };
    if !matches!(url.scheme(), "http" | "https")
        || url.origin() != origin.origin()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    Some(url.into())
}

/// `Some(path)` when `path` is a same-origin path: it starts with one `/` and nothing a browser would
/// read as another host (`//`, `/\`).
pub fn same_origin_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    if rest.starts_with('/') || rest.starts_with('\\') || !plain(path) {
        return None;
    }
    Some(path)
}

/// Visible ASCII with no backslash: what a URL we produce may contain. Browsers strip tabs and
/// newlines and treat `\` as `/`, so accepting them would mean checking a different URL from the one
/// followed.
fn plain(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

/// A 302 to `url`, or `200 {"url": url}` when the client asked for JSON (NextAuth's `json=true`).
pub(crate) fn go(json: bool, url: &str) -> Response {
    if json {
        Json(json!({ "url": url })).into_response()
    } else {
        found(url)
    }
}

/// A `302 Found` to `location` (NextAuth's and the tutorial's redirect status; axum's `Redirect::to`
/// is a 303).
pub(crate) fn found(location: &str) -> Response {
    match http::HeaderValue::try_from(location) {
        Ok(loc) => (StatusCode::FOUND, [(http::header::LOCATION, loc)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "invalid redirect target").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Url {
        Url::parse("http://localhost:3000").unwrap()
    }

    #[test]
    fn relative_and_same_origin_are_kept() {
        assert_eq!(
            callback_url("/protected", &origin()),
            "http://localhost:3000/protected"
        );
        assert_eq!(
            callback_url("http://localhost:3000/a?b=c#d", &origin()),
            "http://localhost:3000/a?b=c#d"
        );
    }

    #[test]
    fn foreign_and_tricky_values_fall_back() {
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "https://localhost:3000.evil.com/",
            "http://localhost:3001/",
            "https://localhost:3000/",
            "http://user@localhost:3000/",
            "javascript:alert(1)",
            "/a\tb",
            "/a\nb",
            "",
            "evil.com",
        ] {
            assert_eq!(
                callback_url(bad, &origin()),
                "http://localhost:3000/",
                "{bad:?}"
            );
        }
    }
}
