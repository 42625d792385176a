//! axum integration: the `/api/auth` router, the session layer, extractors and guards.
//!
//! - [`Hallpass::router`](crate::Hallpass::router): the auth endpoints under the base path.
//! - [`Hallpass::layer`](crate::Hallpass::layer): wrap the whole app; it lets extractors find Hallpass and
//!   writes re-issued session cookies.
//! - [`Session`](crate::Session) / `Option<Session>`: extractors.
//! - [`Hallpass::require_session`](crate::Hallpass::require_session) and
//!   [`Hallpass::require_group`](crate::Hallpass::require_group): guards for `route_layer`.

pub mod extract;
pub mod guard;
pub mod layer;
mod pages;
mod router;

pub use router::CsrfToken;

/// A `302 Found` to `location` (NextAuth's and the tutorial's redirect status; axum's `Redirect::to`
/// is a 303).
pub(crate) fn found(location: &str) -> ::axum::response::Response {
    use ::axum::response::IntoResponse;
    match http::HeaderValue::try_from(location) {
        Ok(loc) => (http::StatusCode::FOUND, [(http::header::LOCATION, loc)]).into_response(),
        Err(_) => (http::StatusCode::BAD_REQUEST, "invalid redirect target").into_response(),
    }
}
