//! axum extractors: [`Session`], `Option<Session>`, [`CsrfToken`] and [`Hallpass`] itself. They need
//! the app wrapped in [`Hallpass::layer`](crate::Hallpass::layer), which resolves each request's
//! session at most once and writes the cookies that resolving it produced.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::cookies::SetCookies;
use crate::error::Error;
use crate::session::backend::Resolved;
use crate::session::Session;
use crate::Hallpass;

/// What the layer gives each request, in one extension: the instance, and a slot for the
/// request's session (resolved at most once, shared by a guard and the handler's extractors) and
/// the cookies resolving it produced, which the layer writes on the response.
#[derive(Clone, Debug)]
pub(crate) struct RequestAuth {
    pub(crate) hallpass: Hallpass,
    pub(crate) slot: SessionSlot,
}

impl RequestAuth {
    /// The request's signed-in session when it is known without waiting: resolved before in
    /// this request, or from the cookie backend's decode cache (then remembered for the handler).
    pub(crate) fn known_session(&self, headers: &http::HeaderMap) -> Option<Session> {
        if let Some(done) = self.slot.get() {
            return done;
        }
        let session = self.hallpass.lifecycle().resolve_cached(headers)?;
        self.slot.set(Resolved {
            session: Some(session.clone()),
            ..Resolved::default()
        });
        Some(session)
    }
}

/// The instance a request carries: the layer's, or the one [`Hallpass::router`] puts on its own
/// routes (so that the endpoints work without the app's layer).
pub(crate) fn instance(extensions: &http::Extensions) -> Option<Hallpass> {
    instance_ref(extensions).cloned()
}

/// [`instance`], borrowed.
pub(crate) fn instance_ref(extensions: &http::Extensions) -> Option<&Hallpass> {
    match extensions.get::<RequestAuth>() {
        Some(auth) => Some(&auth.hallpass),
        None => extensions.get::<Hallpass>(),
    }
}

/// See [`RequestAuth`]. Shared with the layer, which reads the cookies after the handler.
#[derive(Clone, Default, Debug)]
pub(crate) struct SessionSlot(Arc<Mutex<SlotState>>);

#[derive(Default, Debug)]
struct SlotState {
    resolved: Option<Option<Session>>,
    set_cookies: SetCookies,
    /// The session store failed while resolving: APIs answer 503, not 401.
    store_unavailable: bool,
}

impl SessionSlot {
    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self) -> Option<Option<Session>> {
        self.lock().resolved.clone()
    }

    fn set(&self, resolved: Resolved) {
        let mut s = self.lock();
        s.resolved = Some(resolved.session);
        s.set_cookies.extend(resolved.cookies);
        s.store_unavailable = resolved.unavailable;
    }

    fn add_cookies(&self, cookies: SetCookies) {
        if !cookies.is_empty() {
            self.lock().set_cookies.extend(cookies);
        }
    }

    pub(crate) fn store_unavailable(&self) -> bool {
        self.lock().store_unavailable
    }

    pub(crate) fn take_set_cookies(&self) -> SetCookies {
        std::mem::take(&mut self.lock().set_cookies)
    }
}

/// Why an extractor refused the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionRejection {
    /// Nobody is signed in (or the session is unreadable, expired, or its tokens are dead): 401.
    #[error("no session: the request is signed out")]
    SignedOut,
    /// The app is not wrapped in `Hallpass::layer`: a programming error, reported as a 500.
    #[error("Hallpass is not installed on this router: add `.layer(hallpass.layer())` to the app")]
    MissingLayer,
    /// The session store failed or did not answer in time: 503 (the request is not signed in).
    #[error("the session store is unavailable")]
    StoreUnavailable,
}

impl From<SessionRejection> for Error {
    fn from(r: SessionRejection) -> Self {
        match r {
            SessionRejection::SignedOut => Error::SignedOut,
            SessionRejection::MissingLayer => Error::MissingLayer,
            SessionRejection::StoreUnavailable => Error::Store(crate::shared::StoreError::Backend(
                "the session store is unavailable".into(),
            )),
        }
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        Error::from(self).into_response()
    }
}

impl Hallpass {
    /// The request's session, resolved once per request (memoised in the slot the layer put there).
    pub(crate) async fn resolve(&self, parts: &Parts) -> Option<Session> {
        let slot = parts.extensions.get::<RequestAuth>().map(|a| &a.slot);
        if let Some(done) = slot.and_then(SessionSlot::get) {
            return done;
        }
        let resolved = self.lifecycle().resolve(&parts.headers).await;
        let session = resolved.session.clone();
        if let Some(slot) = slot {
            slot.set(resolved);
        }
        session
    }
}

/// True when resolving the request's session failed because the session store is down.
pub(crate) fn store_unavailable(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<RequestAuth>()
        .is_some_and(|a| a.slot.store_unavailable())
}

/// The instance, from the request (handlers can call [`Hallpass::sign_in`] and friends with it).
impl<S: Send + Sync> FromRequestParts<S> for Hallpass {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        instance(&parts.extensions).ok_or(SessionRejection::MissingLayer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let hallpass = Hallpass::from_request_parts(parts, state).await?;
        match hallpass.resolve(parts).await {
            Some(session) => Ok(session),
            None if store_unavailable(parts) => Err(SessionRejection::StoreUnavailable),
            None => Err(SessionRejection::SignedOut),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let hallpass = Hallpass::from_request_parts(parts, state).await?;
        Ok(hallpass.resolve(parts).await)
    }
}

/// A CSRF token for a form, from the request's valid CSRF cookie or freshly made (then the layer
/// sets the cookie on the response). Use it to build sign-in and sign-out forms in your own pages:
/// post it as `csrfToken`.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let hallpass = Hallpass::from_request_parts(parts, state).await?;
        let (token, cookies) = hallpass.csrf_token(&parts.headers);
        if let Some(auth) = parts.extensions.get::<RequestAuth>() {
            auth.slot.add_cookies(cookies);
        }
        Ok(CsrfToken(token))
    }
}
