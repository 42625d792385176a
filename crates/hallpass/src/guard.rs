//! Guards for `route_layer`, in the style of axum-login: a rule about the session and a fallback
//! for the requests it turns away.
//!
//! | guard | lets through | default fallback |
//! | --- | --- | --- |
//! | [`Hallpass::require_session`] | any signed-in user | signed out: [`crate::Unauthenticated`] for pages, 401 JSON for APIs |
//! | [`Hallpass::require_group`] | members of one group | signed out: as above; signed in: 403 page or JSON |
//! | [`Hallpass::require_any_group`] | members of any of the groups | as above |
//! | [`Hallpass::require`] | sessions a predicate accepts | as above |
//!
//! A guard's fallback can be changed: [`Guard::redirect_to`], [`Guard::sign_in`],
//! [`Guard::unauthorized`], [`Guard::forbidden`]. "Pages" are requests that accept `text/html`.
//!
//! For one handler, the [`SignedIn`] extractor is `require_session()` without the layer: the same
//! check and default fallback, for less per request (axum clones a `route_layer`'s boxed route
//! and boxes more futures on every request; an extractor adds neither).
//!
//! ```
//! # fn f(auth: hallpass::Hallpass) {
//! use axum::{routing::get, Router};
//!
//! let app: Router = Router::new()
//!     .route("/admin", get(|| async { "admin" }))
//!     .route_layer(auth.require_any_group(["admin", "staff"]).redirect_to("/no-access"))
//!     .route("/beta", get(|| async { "beta" }))
//!     .route_layer(auth.require(|s| s.token().extra.contains_key("custom:beta")))
//!     .layer(auth.layer());
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::header::ACCEPT;
use http::request::Parts;
use tower::{Layer, Service};

use crate::config::Unauthenticated;
use crate::endpoints::pages::refused;
use crate::error::Error;
use crate::extract::RequestAuth;
use crate::redirect::found;
use crate::session::Session;
use crate::Hallpass;
pub use future::GuardFuture;
use future::GuardFutureProj;

type Predicate = dyn Fn(&Session) -> bool + Send + Sync;

/// What a guard checks beyond "signed in".
#[derive(Clone)]
enum Rule {
    SignedIn,
    AnyGroup(Arc<[String]>),
    Custom(Arc<Predicate>),
}

/// What a guard answers instead of running the route.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Fallback {
    /// Signed out: the configured [`Unauthenticated`] (pages) or 401 (APIs); refused: 403.
    Default,
    /// `302` to this path, signed out or refused.
    Redirect(String),
    /// The sign-in page with `callbackUrl` set to the page asked for (pages), 401 (APIs).
    SignIn,
    /// `401` JSON.
    Unauthorized,
    /// `403` (a page or JSON).
    Forbidden,
}

/// A guard layer for `route_layer`. Made by [`Hallpass::require_session`] and its siblings.
#[derive(Clone)]
#[must_use]
pub struct Guard {
    rule: Rule,
    fallback: Fallback,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rule = match &self.rule {
            Rule::SignedIn => "signed in".to_string(),
            Rule::AnyGroup(g) => format!("any of the groups {g:?}"),
            Rule::Custom(_) => "a custom predicate".to_string(),
        };
        f.debug_struct("Guard")
            .field("rule", &rule)
            .field("fallback", &self.fallback)
            .finish()
    }
}

impl Guard {
    /// Sends everyone it turns away to `path` (`302`).
    pub fn redirect_to(mut self, path: impl Into<String>) -> Self {
        self.fallback = Fallback::Redirect(path.into());
        self
    }

    /// Sends signed-out page requests to the sign-in page with `callbackUrl` set to the page asked
    /// for; API requests get 401.
    pub fn sign_in(mut self) -> Self {
        self.fallback = Fallback::SignIn;
        self
    }

    /// Answers `401` JSON to everyone it turns away.
    pub fn unauthorized(mut self) -> Self {
        self.fallback = Fallback::Unauthorized;
        self
    }

    /// Answers `403` (a page for page requests, JSON otherwise) to everyone it turns away.
    pub fn forbidden(mut self) -> Self {
        self.fallback = Fallback::Forbidden;
        self
    }

    fn allows(&self, session: &Session) -> bool {
        match &self.rule {
            Rule::SignedIn => true,
            Rule::AnyGroup(groups) => groups.iter().any(|g| session.in_group(g)),
            Rule::Custom(p) => p(session),
        }
    }

    fn refused_message(&self) -> String {
        match &self.rule {
            Rule::AnyGroup(groups) if groups.len() == 1 => {
                format!(
                    "This page is only for members of the “{}” group.",
                    groups[0]
                )
            }
            Rule::AnyGroup(groups) => format!(
                "This page is only for members of one of the groups {}.",
                groups
                    .iter()
                    .map(|g| format!("“{g}”"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "You do not have access to this page.".to_string(),
        }
    }

    /// The answer for a request turned away: `signed_in` tells a refused user from a signed-out one.
    fn turn_away(&self, hallpass: &Hallpass, parts: &Parts, signed_in: bool) -> Response {
        let html = wants_html(parts);
        match (&self.fallback, signed_in) {
            // A store that is down: pages are signed out, APIs answer 503 (never "signed in").
            (_, false) if !html && crate::extract::store_unavailable(parts) => {
                crate::extract::SessionRejection::StoreUnavailable.into_response()
            }
            (Fallback::Redirect(path), _) => found(path),
            (Fallback::Unauthorized, _) => Error::SignedOut.into_response(),
            (Fallback::Forbidden, _) | (Fallback::Default | Fallback::SignIn, true) => {
                refused(hallpass.config(), html, self.refused_message())
            }
            (_, false) if !html => Error::SignedOut.into_response(),
            (Fallback::SignIn, false) => sign_in_page(hallpass, parts),
            (Fallback::Default, false) => match &hallpass.config().unauthenticated {
                Unauthenticated::RedirectTo(path) => found(path),
                Unauthenticated::SignIn => sign_in_page(hallpass, parts),
            },
        }
    }
}

/// The signed-in session, as an extractor that turns a request away exactly as
/// [`Hallpass::require_session`]'s default fallback does: pages get the configured
/// [`Unauthenticated`] answer (a redirect, or the sign-in page with a `callbackUrl`), APIs a 401
/// (503 while the session store is down).
///
/// ```
/// use hallpass::SignedIn;
///
/// async fn protected(SignedIn(session): SignedIn) -> String {
///     format!("Hello, {}", session.display_name())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SignedIn(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(hallpass) = parts
            .extensions
            .get::<RequestAuth>()
            .map(|a| a.hallpass.clone())
        else {
            return Err(Error::MissingLayer.into_response());
        };
        match hallpass.resolve(parts).await {
            Some(session) => Ok(SignedIn(session)),
            None => Err(hallpass
                .require_session()
                .turn_away(&hallpass, parts, false)),
        }
    }
}

impl Hallpass {
    /// Lets only signed-in users through.
    pub fn require_session(&self) -> Guard {
        Guard {
            rule: Rule::SignedIn,
            fallback: Fallback::Default,
        }
    }

    /// Lets only members of `group` through (e.g. Cognito's `admin` group).
    pub fn require_group(&self, group: &str) -> Guard {
        self.require_any_group([group])
    }

    /// Lets only members of at least one of `groups` through.
    pub fn require_any_group<I, G>(&self, groups: I) -> Guard
    where
        I: IntoIterator<Item = G>,
        G: Into<String>,
    {
        Guard {
            rule: Rule::AnyGroup(groups.into_iter().map(Into::into).collect()),
            fallback: Fallback::Default,
        }
    }

    /// Lets through the signed-in users whose session `allow` accepts.
    pub fn require(&self, allow: impl Fn(&Session) -> bool + Send + Sync + 'static) -> Guard {
        Guard {
            rule: Rule::Custom(Arc::new(allow)),
            fallback: Fallback::Default,
        }
    }
}

fn wants_html(parts: &Parts) -> bool {
    parts
        .headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// `{base}/signin?callbackUrl={the page asked for}`.
fn sign_in_page(hallpass: &Hallpass, parts: &Parts) -> Response {
    let here = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let target = format!(
        "{}/signin?{}",
        hallpass.config().base_path,
        serde_urlencoded::to_string([("callbackUrl", here)]).unwrap_or_default()
    );
    found(&target)
}

impl<S> Layer<S> for Guard {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            // Shared: axum clones the service for every request.
            guard: Arc::new(self.clone()),
        }
    }
}

/// The service made by [`Guard`].
#[derive(Clone, Debug)]
pub struct GuardService<S> {
    inner: S,
    guard: Arc<Guard>,
}

impl<S> Service<Request> for GuardService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let Some(auth) = req.extensions().get::<RequestAuth>() else {
            return GuardFuture::Answer {
                response: Some(Error::MissingLayer.into_response()),
            };
        };
        // The hot path: a session known without waiting (resolved before, or the cookie's
        // decode cache) that the rule lets through runs the route at once: nothing cloned, nothing
        // boxed.
        if let Some(session) = auth.known_session(req.headers()) {
            if self.guard.allows(&session) {
                return GuardFuture::Route {
                    inner: self.inner.call(req),
                };
            }
        }
        // The clone is ready only after `poll_ready`; keep the ready one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = Arc::clone(&self.guard);
        GuardFuture::Waiting {
            waiting: Box::pin(async move {
                let (parts, body) = req.into_parts();
                let Some(hallpass) = parts
                    .extensions
                    .get::<RequestAuth>()
                    .map(|a| a.hallpass.clone())
                else {
                    return Ok(Error::MissingLayer.into_response());
                };
                match hallpass.resolve(&parts).await {
                    Some(session) if guard.allows(&session) => {
                        inner.call(Request::from_parts(parts, body)).await
                    }
                    session => Ok(guard.turn_away(&hallpass, &parts, session.is_some())),
                }
            }),
        }
    }
}

// pin-project-lite takes no docs on variants' fields; the enum's doc says what each is.
#[allow(missing_docs)]
mod future {
    use std::convert::Infallible;

    use axum::response::Response;

    use crate::shared::BoxFuture;

    pin_project_lite::pin_project! {
        /// The response future of [`GuardService`]: the route's own future when the session was known
        /// at once (`Route`), else a boxed one that resolves the session first (`Waiting`), or an
        /// answer made at once (`Answer`: no layer).
        #[project = GuardFutureProj]
        pub enum GuardFuture<F> {
            Route { #[pin] inner: F },
            Waiting { waiting: BoxFuture<'static, Result<Response, Infallible>> },
            Answer { response: Option<Response> },
        }
    }
}

impl<F> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardFutureProj::Route { inner } => inner.poll(cx),
            GuardFutureProj::Waiting { waiting } => waiting.as_mut().poll(cx),
            GuardFutureProj::Answer { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| Error::MissingLayer.into_response()))),
        }
    }
}
