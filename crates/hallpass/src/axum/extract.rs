//! The [`Session`] extractor, and resolving a request's session exactly once.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use http::request::Parts;
use http::StatusCode;

use crate::cookies::RequestCookies;
use crate::refresh::{Outcome, REFRESH_MARGIN_SECS};
use crate::session::{now, Session, SessionToken, StoreError};
use crate::{Error, Hallpass};

/// Per-request memo of the session, so that a guard and a handler share one decrypt, and the
/// `Set-Cookie` headers that resolving it produced. Put in the request by [`crate::HallpassLayer`].
#[derive(Clone, Default, Debug)]
pub struct SessionSlot(Arc<Mutex<SlotState>>);

#[derive(Default, Debug)]
struct SlotState {
    resolved: Option<Option<Session>>,
    set_cookies: Vec<HeaderValue>,
}

impl SessionSlot {
    fn get(&self) -> Option<Option<Session>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .resolved
            .clone()
    }

    fn set(&self, session: Option<Session>, cookies: Vec<HeaderValue>) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.resolved = Some(session);
        s.set_cookies.extend(cookies);
    }

    pub(crate) fn push_set_cookie(&self, cookie: HeaderValue) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .set_cookies
            .push(cookie);
    }

    pub(crate) fn take_set_cookies(&self) -> Vec<HeaderValue> {
        std::mem::take(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()).set_cookies)
    }
}

/// Why the [`Session`] extractor refused the request.
#[derive(Debug)]
pub enum SessionRejection {
    /// Nobody is signed in (or the session is unreadable, expired, or its tokens are dead).
    SignedOut,
    /// The app is not wrapped in [`Hallpass::layer`]: a programming error, reported as a 500.
    MissingLayer,
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        match self {
            SessionRejection::SignedOut => (
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({
                    "error": "unauthenticated",
                    "message": "Sign in first: this route needs a session (session cookie or `Authorization: Bearer <session token>`).",
                })),
            )
                .into_response(),
            SessionRejection::MissingLayer => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Hallpass is not installed on this router: add `.layer(hallpass.layer())` to the app",
            )
                .into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let hallpass = parts
            .extensions
            .get::<Hallpass>()
            .cloned()
            .ok_or(SessionRejection::MissingLayer)?;
        hallpass
            .resolve(parts)
            .await
            .ok_or(SessionRejection::SignedOut)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let hallpass = parts
            .extensions
            .get::<Hallpass>()
            .cloned()
            .ok_or(SessionRejection::MissingLayer)?;
        Ok(hallpass.resolve(parts).await)
    }
}

/// The token of `Authorization: Bearer <token>`, if the header is well-formed; anything else is "no
/// token" (never an error: a malformed header means signed out).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_graphic()))
    .then_some(token)
}

impl Hallpass {
    /// The request's session, resolved once per request (memoised in the [`SessionSlot`]).
    pub(crate) async fn resolve(&self, parts: &Parts) -> Option<Session> {
        let slot = parts.extensions.get::<SessionSlot>();
        if let Some(done) = slot.and_then(SessionSlot::get) {
            return done;
        }
        let (session, cookies) = self.load_and_maintain(&parts.headers).await;
        if let Some(slot) = slot {
            slot.set(session.clone(), cookies);
        }
        session
    }

    /// Reads the session from the cookie (or a Bearer token), refreshes provider tokens when due,
    /// and re-issues the cookie when it is older than `update_age`. Returns the session, if the
    /// request is signed in, and the cookies to set.
    async fn load_and_maintain(&self, headers: &HeaderMap) -> (Option<Session>, Vec<HeaderValue>) {
        let cookies = RequestCookies::new(headers);
        let from_cookie = cookies.get_parts(&self.inner.cookies.session_name);
        let is_cookie = from_cookie.is_some();
        let Some(parts) = from_cookie.or_else(|| bearer(headers).map(|b| vec![b])) else {
            return (None, Vec::new());
        };
        let now = now();
        let session = match self.load_session(&parts, now).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!("signed out: {e}");
                return (None, Vec::new());
            }
        };
        let token = session.token();
        let refresh_due = token.tokens.as_ref().is_some_and(|t| {
            t.refresh_token.is_some() && t.expires_at - REFRESH_MARGIN_SECS <= now
        });
        let reissue_due = is_cookie && now - token.iat >= self.inner.config.session_update_age;
        if !refresh_due && !reissue_due {
            // The common case: one (cached) decrypt, nothing to write.
            return (token.error.is_none().then_some(session), Vec::new());
        }
        let (token, changed) = self.maintain_tokens(token.clone(), now).await;
        let mut set = Vec::new();
        if is_cookie && (changed || reissue_due) {
            match self.issue(token.clone(), now, &cookies).await {
                Ok((_, headers)) => set = headers,
                Err(e) => tracing::warn!("could not re-issue the session cookie: {e}"),
            }
        }
        let signed_in = token.error.is_none();
        (signed_in.then(|| Session::new(token)), set)
    }

    /// The session behind a cookie value: the configured store, or the cached JWT decode.
    pub(crate) async fn load_session(
        &self,
        parts: &[&str],
        now: i64,
    ) -> Result<Session, StoreError> {
        match &self.inner.store {
            Some(store) => store.load(&parts.concat(), now).await.map(Session::new),
            None => self.inner.jwt.decode_cached(parts, now),
        }
    }

    /// Refreshes the provider's access token when it is about to expire. Returns the token and
    /// whether it changed.
    pub(crate) async fn maintain_tokens(
        &self,
        mut token: SessionToken,
        now: i64,
    ) -> (SessionToken, bool) {
        let Some(tokens) = token.tokens.as_ref() else {
            return (token, false);
        };
        if tokens.expires_at - REFRESH_MARGIN_SECS > now || tokens.refresh_token.is_none() {
            return (token, false);
        }
        let Some(provider) = token
            .provider
            .as_deref()
            .and_then(|id| self.provider(id))
            .cloned()
        else {
            return (token, false);
        };
        let sub = token.sub.clone().unwrap_or_default();
        let outcome = self
            .inner
            .refresh
            .run(&token.jti, || provider.refresh(tokens, &sub))
            .await;
        match outcome {
            Outcome::Refreshed(new) => {
                tracing::debug!("refreshed the access token of a session");
                token.tokens = Some(new);
                token.error = None;
                (token, true)
            }
            Outcome::Dead => {
                tracing::info!("the refresh token is no longer valid: ending the session");
                token.tokens = None;
                token.error = Some("RefreshAccessTokenError".into());
                (token, true)
            }
            Outcome::Failed => (token, false),
        }
    }

    /// Stamps `iat`/`exp`/`jti`, stores the token and returns it with the `Set-Cookie` headers that
    /// write it (chunked when needed, stale chunks expired).
    pub(crate) async fn issue(
        &self,
        mut token: SessionToken,
        now: i64,
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, Vec<HeaderValue>), Error> {
        let max_age = self.inner.config.session_max_age;
        token.iat = now;
        token.exp = now + max_age;
        token.jti = uuid::Builder::from_random_bytes(rand::random())
            .into_uuid()
            .to_string();
        let value = match &self.inner.store {
            Some(store) => store.save(&token).await?,
            None => self.inner.jwt.encode(&token),
        };
        let budget = self.inner.config.max_cookie_bytes;
        if value.len() > budget {
            return Err(Error::CookieTooLarge {
                bytes: value.len(),
                budget,
            });
        }
        let headers = self.inner.cookies.set_session(&value, max_age, request);
        Ok((token, headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing_never_fails_loudly() {
        let mut h = HeaderMap::new();
        for (v, want) in [
            ("Bearer abc", Some("abc")),
            ("bearer  abc ", Some("abc")),
            ("Bearer %", Some("%")),
            ("Bearer", None),
            ("Bearer ", None),
            ("Basic abc", None),
            ("Bearer a b", None),
        ] {
            h.insert(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            assert_eq!(bearer(&h), want, "{v:?}");
        }
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
        );
        assert_eq!(bearer(&h), None);
    }
}
