//! Who is calling an API: the [`AccessToken`] extractor (a verified Bearer token, nothing else),
//! and [`Caller`], which takes a site session or a Bearer token, and tells a machine
//! (client_credentials) from a user.

use std::any::Any;

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::access::{AccessToken, AccessTokenVerifier};
use crate::error::Error;
use crate::extract::instance_ref;
use crate::session::context::{bearer_value, visible};
use crate::session::Session;
use crate::shared::BoxFuture;
use crate::token_error::TokenError;
use crate::Hallpass;

/// The request's verifier: an `Extension` of its own (an API without sessions), else the one
/// given to the Hallpass instance of the layer.
pub(crate) fn verifier(extensions: &http::Extensions) -> Result<AccessTokenVerifier, Error> {
    verifier_ref(extensions, &()).cloned()
}

/// The verifier for a request to a router with state `state`: the state itself when it is the
/// verifier or the Hallpass instance (`.with_state(verifier)`: no layer, so nothing per request),
/// else [`verifier`]'s.
fn verifier_ref<'a, S: 'static>(
    extensions: &'a http::Extensions,
    state: &'a S,
) -> Result<&'a AccessTokenVerifier, Error> {
    let state = state as &dyn Any;
    if let Some(v) = state.downcast_ref::<AccessTokenVerifier>() {
        return Ok(v);
    }
    if let Some(v) = extensions.get::<AccessTokenVerifier>() {
        return Ok(v);
    }
    state
        .downcast_ref::<Hallpass>()
        .or_else(|| instance_ref(extensions))
        .ok_or(Error::MissingLayer)?
        .access_tokens()
        .ok_or(Error::Token(TokenError::NotConfigured))
}

/// A Cognito token (three dot-separated parts) rather than Hallpass's own session value (a JWE:
/// five parts), which the session extractor takes.
fn is_jws(token: &str) -> bool {
    memchr::memchr_iter(b'.', token.as_bytes()).take(3).count() == 2
}

/// What a request's `Authorization: Bearer` holds.
enum Sent<'a> {
    /// A token verified before (by a guard of this request, or earlier: from the cache, which
    /// holds only tokens that passed every check, so finding one equal is the check).
    Known(AccessToken),
    /// Something to verify.
    New(&'a str),
    Nothing,
}

/// The request's Bearer token, as far as it is known without waiting; `jws_only`: a value that
/// is not a JWS (Hallpass's own session value) counts as nothing.
fn sent<'a, S: 'static>(parts: &'a Parts, state: &'a S, jws_only: bool) -> Sent<'a> {
    if let Some(t) = parts.extensions.get::<AccessToken>() {
        return Sent::Known(t.clone());
    }
    let Some(raw) = bearer_value(&parts.headers) else {
        return Sent::Nothing;
    };
    let verifier = verifier_ref(&parts.extensions, state).ok();
    if let Some(t) = verifier.and_then(|v| v.verify_cached(raw)) {
        return Sent::Known(t);
    }
    match visible(raw) {
        Some(raw) if !jws_only || is_jws(raw) => Sent::New(raw),
        _ => Sent::Nothing,
    }
}

/// A token not in the cache, verified (keys, signature, claims, the pool's re-check). Boxed: it is
/// rare, and inline its future would make every request's extractor future (which axum boxes)
/// ~2 KB larger, to be allocated and moved on every cache hit too.
fn slow_path<'a>(
    verifier: &'a AccessTokenVerifier,
    raw: &'a str,
) -> BoxFuture<'a, Result<AccessToken, TokenError>> {
    Box::pin(verifier.verify(raw))
}

/// The verified Bearer token of a request: a guard's (already verified), else verified here.
/// Not kept in the request: a second extractor finds it in the verifier's cache, for less than an
/// extension insert costs every request.
async fn verified<S: 'static>(parts: &Parts, state: &S) -> Result<AccessToken, Error> {
    match sent(parts, state, false) {
        Sent::Known(t) => Ok(t),
        Sent::New(raw) => Ok(slow_path(verifier_ref(&parts.extensions, state)?, raw).await?),
        Sent::Nothing => Err(TokenError::Missing.into()),
    }
}

/// The verified Bearer token; 401 `WWW-Authenticate: Bearer error="invalid_token"` otherwise.
///
/// The verifier comes from the router's state when that is the [`AccessTokenVerifier`] (or the
/// [`Hallpass`] instance): no layer at all, the cheapest way for an API that serves no website.
/// Otherwise from an `Extension`, or from the instance of [`Hallpass::layer`].
///
/// ```
/// use axum::{routing::get, Router};
/// use hallpass::{AccessToken, AccessTokenVerifier};
///
/// async fn me(token: AccessToken) -> String {
///     match token.username() {
///         Some(user) => format!("{user}, scopes {:?}", token.scopes().collect::<Vec<_>>()),
///         None => format!("machine client {}", token.client_id()),
///     }
/// }
///
/// let verifier = AccessTokenVerifier::builder("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc")
///     .client_id("browser-app-client-id")
///     .build()?;
/// let api: Router = Router::new().route("/api/me", get(me)).with_state(verifier);
/// # Ok::<(), hallpass::ConfigError>(())
/// ```
impl<S: Send + Sync + 'static> FromRequestParts<S> for AccessToken {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        verified(parts, state).await
    }
}

/// Who calls: a person (signed in to the site, or with a user's access token) or a machine (a
/// client_credentials access token). A request with a Cognito token in `Authorization: Bearer` is
/// judged by the token alone; without one, by the site session, which needs [`Hallpass::layer`]
/// (an API without a website takes [`AccessToken`] instead, and needs no layer).
///
/// ```
/// use hallpass::{Caller, UserCaller};
///
/// async fn orders(caller: Caller) -> String {
///     match caller {
///         Caller::User(UserCaller::Session(s)) => format!("{} on the website", s.display_name()),
///         Caller::User(user) => format!("user {} with a token", user.sub().unwrap_or("?")),
///         Caller::Machine(token) => format!("service {}", token.client_id()),
///         _ => "someone else".into(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Caller {
    /// A person.
    User(UserCaller),
    /// A machine client (client_credentials): its token names no user.
    Machine(AccessToken),
}

/// How a person calls.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum UserCaller {
    /// Signed in to the site (session cookie, or Hallpass's own session value as Bearer).
    Session(Session),
    /// A user's Cognito access token (a browser app, a mobile app).
    Token(AccessToken),
}

impl UserCaller {
    /// The user's `sub`.
    pub fn sub(&self) -> Option<&str> {
        match self {
            UserCaller::Session(s) => s.token().sub.as_deref(),
            UserCaller::Token(t) => Some(t.sub()),
        }
    }

    /// Whether the user is in `group` (`cognito:groups`).
    pub fn in_group(&self, group: &str) -> bool {
        match self {
            UserCaller::Session(s) => s.in_group(group),
            UserCaller::Token(t) => t.in_group(group),
        }
    }
}

impl Caller {
    /// The token, for a caller that sent one.
    pub fn token(&self) -> Option<&AccessToken> {
        match self {
            Caller::User(UserCaller::Token(t)) | Caller::Machine(t) => Some(t),
            Caller::User(UserCaller::Session(_)) => None,
        }
    }

    /// Whether the caller's token carries `scope` (a site session has no scopes).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.token().is_some_and(|t| t.has_scope(scope))
    }
}

impl<S: Send + Sync + 'static> FromRequestParts<S> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let t = match sent(parts, state, true) {
            Sent::Known(t) => t,
            Sent::New(raw) => slow_path(verifier_ref(&parts.extensions, state)?, raw).await?,
            Sent::Nothing => {
                // Boxed for the same reason as `slow_path`: a session's future is large, and a
                // Bearer caller would carry it unboxed (a session costs one allocation more).
                return Box::pin(Session::from_request_parts(parts, state))
                    .await
                    .map(|s| Caller::User(UserCaller::Session(s)))
                    .map_err(Error::from);
            }
        };
        Ok(if t.is_machine() {
            Caller::Machine(t)
        } else {
            Caller::User(UserCaller::Token(t))
        })
    }
}
