//! Guards for `route_layer`: a session is required (and optionally a group).
//!
//! Signed-out page requests (those that accept `text/html`) are redirected, as configured by
//! [`crate::Unauthenticated`]; API requests get `401` JSON. A signed-in user outside the group gets
//! `403` (an HTML page or JSON, likewise).

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::header::ACCEPT;
use http::request::Parts;
use http::StatusCode;
use tower::{Layer, Service};

use crate::axum::extract::SessionRejection;
use crate::axum::{found, pages};
use crate::config::Unauthenticated;
use crate::session::BoxFuture;
use crate::Hallpass;

/// A guard layer. Made by [`Hallpass::require_session`] and [`Hallpass::require_group`].
#[derive(Clone, Debug)]
pub struct RequireSession {
    group: Option<Arc<str>>,
}

impl Hallpass {
    /// A `route_layer` that lets only signed-in users through.
    pub fn require_session(&self) -> RequireSession {
        RequireSession { group: None }
    }

    /// A `route_layer` that lets only members of `group` through (e.g. Cognito's `admin` group).
    pub fn require_group(&self, group: &str) -> RequireSession {
        RequireSession {
            group: Some(group.into()),
        }
    }
}

impl<S> Layer<S> for RequireSession {
    type Service = RequireSessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireSessionService {
            inner,
            group: self.group.clone(),
        }
    }
}

/// The service made by [`RequireSession`].
#[derive(Clone, Debug)]
pub struct RequireSessionService<S> {
    inner: S,
    group: Option<Arc<str>>,
}

impl<S> Service<Request> for RequireSessionService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The clone is ready only after `poll_ready`; keep the ready one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let group = self.group.clone();
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let Some(hallpass) = parts.extensions.get::<Hallpass>().cloned() else {
                return Ok(SessionRejection::MissingLayer.into_response());
            };
            let Some(session) = hallpass.resolve(&parts).await else {
                return Ok(hallpass.unauthenticated(&parts));
            };
            if let Some(group) = &group {
                if !session.in_group(group) {
                    return Ok(forbidden(&parts, group));
                }
            }
            inner.call(Request::from_parts(parts, body)).await
        })
    }
}

fn wants_html(parts: &Parts) -> bool {
    parts
        .headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

impl Hallpass {
    fn unauthenticated(&self, parts: &Parts) -> Response {
        if !wants_html(parts) {
            return SessionRejection::SignedOut.into_response();
        }
        match &self.inner.config.unauthenticated {
            Unauthenticated::RedirectTo(path) => found(path),
            Unauthenticated::SignIn => {
                let here = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = format!(
                    "{}/signin?{}",
                    self.inner.config.base_path,
                    serde_urlencoded::to_string([("callbackUrl", here)]).unwrap_or_default()
                );
                found(&target)
            }
        }
    }
}

fn forbidden(parts: &Parts, group: &str) -> Response {
    if wants_html(parts) {
        pages::forbidden(group)
    } else {
        (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "error": "forbidden",
                "message": format!("This route is for members of the `{group}` group."),
            })),
        )
            .into_response()
    }
}
