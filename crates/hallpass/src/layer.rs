//! The layer that wraps an app: it gives each request one extension (the instance and a slot for
//! its session), and writes the `Set-Cookie` headers that resolving the session queued (rolling
//! renewal, refreshed tokens, an unusable cookie cleared) unless the handler set that cookie itself.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use tower::{Layer, Service};

use crate::extract::{RequestAuth, SessionSlot};
use crate::Hallpass;

/// See the module docs. Made by [`Hallpass::layer`].
#[derive(Clone, Debug)]
pub struct HallpassLayer {
    hallpass: Hallpass,
}

impl Hallpass {
    /// The layer to wrap the whole app with (`.layer(auth.layer())`, outermost of Hallpass's pieces).
    pub fn layer(&self) -> HallpassLayer {
        HallpassLayer {
            hallpass: self.clone(),
        }
    }

    /// [`SecurityHeaders`](crate::SecurityHeaders) for this site: the defaults, plus
    /// `Strict-Transport-Security` when `AUTH_URL` is https.
    pub fn security_headers(&self) -> crate::SecurityHeaders {
        let headers = crate::SecurityHeaders::new();
        if self.config().is_secure() {
            headers.hsts()
        } else {
            headers
        }
    }
}

impl<S> Layer<S> for HallpassLayer {
    type Service = HallpassService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HallpassService {
            inner,
            hallpass: self.hallpass.clone(),
        }
    }
}

/// The service made by [`HallpassLayer`].
#[derive(Clone, Debug)]
pub struct HallpassService<S> {
    inner: S,
    hallpass: Hallpass,
}

impl<S> Service<Request> for HallpassService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = WithCookies<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let slot = SessionSlot::default();
        self.hallpass.check_request_host(req.headers());
        req.extensions_mut().insert(RequestAuth {
            hallpass: self.hallpass.clone(),
            slot: slot.clone(),
        });
        WithCookies {
            inner: self.inner.call(req),
            slot,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`HallpassService`]: the app's, then the `Set-Cookie` headers that
    /// resolving the session produced (unboxed: a signed-in request allocates nothing here).
    pub struct WithCookies<F> {
        #[pin]
        inner: F,
        slot: SessionSlot,
    }
}

impl<F> Future for WithCookies<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = std::task::ready!(this.inner.poll(cx))?;
        this.slot
            .take_set_cookies()
            .append_unless_set(res.headers_mut());
        Poll::Ready(Ok(res))
    }
}
