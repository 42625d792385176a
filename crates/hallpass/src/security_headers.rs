//! Response headers against clickjacking, MIME sniffing and leaky referrers for a whole site, as
//! Hallpass's own pages send them: `Content-Security-Policy: frame-ancestors 'none'`,
//! `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff` and
//! `Referrer-Policy: strict-origin-when-cross-origin`, plus `Strict-Transport-Security` from
//! [`Hallpass::security_headers`](crate::Hallpass::security_headers) when `AUTH_URL` is https. A
//! header the handler already set is kept, so a page that needs a stricter policy (the built-in
//! pages) or a different one sets its own.
//!
//! ```
//! use axum::{routing::get, Router};
//! use hallpass::SecurityHeaders;
//!
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "home" }))
//!     // Defaults; or e.g. `.frame_ancestors("'self'")` for a site that frames its own pages.
//!     .layer(SecurityHeaders::new());
//! ```

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use http::{HeaderName, HeaderValue};
use tower::{Layer, Service};

use crate::shared::BoxFuture;

/// The referrer policy every page gets: full URLs stay on the site (they can hold a
/// `callbackUrl`), other origins see only the origin, and none over a downgrade.
pub(crate) const REFERRER: &str = "strict-origin-when-cross-origin";
/// Two years of https only, without `includeSubDomains`.
pub(crate) const HSTS: &str = "max-age=63072000";

/// The layer; see the module docs. Each header can be changed or turned off.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        Self::new()
    }
}

impl SecurityHeaders {
    /// `frame-ancestors 'none'`, `X-Frame-Options: DENY`, `nosniff`,
    /// `strict-origin-when-cross-origin`.
    pub fn new() -> Self {
        Self {
            headers: vec![
                (
                    CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("frame-ancestors 'none'"),
                ),
                (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
                (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                (REFERRER_POLICY, HeaderValue::from_static(REFERRER)),
            ],
        }
    }

    /// Who may frame the pages, as a CSP `frame-ancestors` source list (`'self'`,
    /// `https://a.example`); `X-Frame-Options` becomes `SAMEORIGIN` for `'self'` and is dropped
    /// otherwise (it cannot name other origins). Values that are not header text are ignored.
    pub fn frame_ancestors(mut self, sources: &str) -> Self {
        let Ok(csp) = HeaderValue::try_from(format!("frame-ancestors {sources}")) else {
            return self;
        };
        self.set(CONTENT_SECURITY_POLICY, Some(csp));
        let xfo = (sources.trim() == "'self'").then(|| HeaderValue::from_static("SAMEORIGIN"));
        self.set(X_FRAME_OPTIONS, xfo);
        self
    }

    /// A whole `Content-Security-Policy` instead of the framing rule alone (`None`: send none).
    pub fn content_security_policy(mut self, policy: Option<HeaderValue>) -> Self {
        self.set(CONTENT_SECURITY_POLICY, policy);
        self
    }

    /// `X-Frame-Options` (`None`: send none).
    pub fn frame_options(mut self, value: Option<HeaderValue>) -> Self {
        self.set(X_FRAME_OPTIONS, value);
        self
    }

    /// Whether to send `X-Content-Type-Options: nosniff`.
    pub fn nosniff(mut self, on: bool) -> Self {
        let value = on.then(|| HeaderValue::from_static("nosniff"));
        self.set(X_CONTENT_TYPE_OPTIONS, value);
        self
    }

    /// `Referrer-Policy` (`None`: send none).
    pub fn referrer_policy(mut self, value: Option<HeaderValue>) -> Self {
        self.set(REFERRER_POLICY, value);
        self
    }

    /// `Strict-Transport-Security` (`None`: send none, the default; an https site wants
    /// [`SecurityHeaders::hsts`]).
    pub fn strict_transport_security(mut self, value: Option<HeaderValue>) -> Self {
        self.set(STRICT_TRANSPORT_SECURITY, value);
        self
    }

    /// `Strict-Transport-Security: max-age=63072000` (two years), for a site served over https
    /// only; subdomains are left to decide for themselves.
    pub fn hsts(self) -> Self {
        self.strict_transport_security(Some(HeaderValue::from_static(HSTS)))
    }

    fn set(&mut self, name: HeaderName, value: Option<HeaderValue>) {
        self.headers.retain(|(n, _)| *n != name);
        if let Some(v) = value {
            self.headers.push((name, v));
        }
    }
}

impl<S> Layer<S> for SecurityHeaders {
    type Service = SecurityHeadersService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecurityHeadersService {
            inner,
            // Shared: axum clones the service for every request.
            headers: self.headers.clone().into(),
        }
    }
}

/// The service made by [`SecurityHeaders`].
#[derive(Clone, Debug)]
pub struct SecurityHeadersService<S> {
    inner: S,
    headers: Arc<[(HeaderName, HeaderValue)]>,
}

impl<S> Service<Request> for SecurityHeadersService<S>
where
    S: Service<Request, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let fut = self.inner.call(req);
        let headers = Arc::clone(&self.headers);
        Box::pin(async move {
            let mut res = fut.await?;
            let h = res.headers_mut();
            for (name, value) in headers.iter() {
                // A header the handler set wins.
                h.entry(name).or_insert_with(|| value.clone());
            }
            Ok(res)
        })
    }
}
