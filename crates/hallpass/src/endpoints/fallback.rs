//! What a path under the base path that is no endpoint answers: Hallpass's own 404 (no such
//! endpoint) or 405 (a GET of a POST-only endpoint, say `GET signin/{provider}`), as a page in the
//! built-in pages' look for a browser (`Accept: text/html`), as JSON for anything else. The path
//! is never echoed.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::header::ACCEPT;
use http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::Hallpass;

/// Whether the client is a browser asking for a page.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn answer(h: &Hallpass, headers: &HeaderMap, status: StatusCode, page: (&str, &str)) -> Response {
    if wants_html(headers) {
        let theme = &h.config().theme;
        // "Back to the site": the site's root, never the path asked for.
        let home = h.config().origin.as_str().to_string();
        return super::pages::error(theme, status, page, &home);
    }
    let code = if status == StatusCode::NOT_FOUND {
        "NotFound"
    } else {
        "MethodNotAllowed"
    };
    let mut res = (status, Json(json!({ "error": code, "message": page.1 }))).into_response();
    super::no_store(&mut res);
    res
}

/// No endpoint at this path: 404.
pub(super) async fn not_found(State(h): State<Hallpass>, headers: HeaderMap) -> Response {
    crate::step!(h, "no auth endpoint at the requested path: 404");
    answer(
        &h,
        &headers,
        StatusCode::NOT_FOUND,
        ("Page not found", "There is nothing at this address."),
    )
}

/// An endpoint asked with a method it does not take: 405.
pub(super) async fn method_not_allowed(State(h): State<Hallpass>, headers: HeaderMap) -> Response {
    answer(
        &h,
        &headers,
        StatusCode::METHOD_NOT_ALLOWED,
        (
            "Use the sign-in page",
            "This address takes a form from a sign-in page, not a visit. Start again from the site.",
        ),
    )
}
