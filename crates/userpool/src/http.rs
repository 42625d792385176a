//! Small HTTP helpers shared by every endpoint: redirects, CORS, caching, form parsing and
//! body limits. Imports no other module of the crate, so anything may use it.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Largest request body accepted anywhere.
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// Largest single parameter (state, redirect_uri, ...).
pub(crate) const MAX_PARAM: usize = 4096;

/// A 302 redirect, as Cognito answers (axum's `Redirect::to` is a 303).
pub(crate) fn found(location: &str) -> Response {
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// Lets any origin read the response (the token, userInfo and discovery endpoints).
pub(crate) fn cors(resp: &mut Response) {
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}

/// Token responses must never be cached (RFC 6749 §5.1).
pub(crate) fn no_store(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The answer to a CORS preflight of the token, userInfo and revoke endpoints.
pub(crate) async fn preflight() -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "Authorization, Content-Type",
            ),
            (header::ACCESS_CONTROL_MAX_AGE, "600"),
        ],
    )
        .into_response()
}

/// Parses `application/x-www-form-urlencoded`; `None` when a name repeats or a value is
/// too long (RFC 6749 §3.1: parameters must not be repeated).
pub(crate) fn parse_form(body: &[u8]) -> Option<HashMap<String, String>> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if v.len() > MAX_PARAM || out.insert(k.into_owned(), v.into_owned()).is_some() {
            return None;
        }
    }
    Some(out)
}

/// Whether the request says its body is `application/x-www-form-urlencoded`.
pub(crate) fn is_form_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
}

/// Appends `pairs` to a URI's query.
pub(crate) fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    let q = s.finish();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{q}")
}
