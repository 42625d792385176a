//! Guards for APIs that take Cognito tokens in `Authorization: Bearer`, for `route_layer` as the
//! session guards are: a rule about the verified token, answered as RFC 6750 says.
//!
//! | guard | lets through | turned away |
//! | --- | --- | --- |
//! | [`Hallpass::require_token`] | any valid token | 401 `invalid_token` (no token: 401 `Bearer`) |
//! | [`Hallpass::require_scope`] | tokens with the scope | as above; valid without it: 403 `insufficient_scope` |
//! | [`Hallpass::require_any_scope`] | tokens with one of the scopes | as above |
//! | [`Hallpass::require_token_group`] | users in one of the groups (`cognito:groups`) | as above |
//!
//! The verified token goes to the handler's [`AccessToken`] or [`Caller`](crate::Caller)
//! extractor without a second check. A token seen before costs a hash and a lookup.
//!
//! ```
//! # fn f(auth: hallpass::Hallpass) {
//! use axum::{routing::{get, post}, Router};
//!
//! let api: Router = Router::new()
//!     .route("/api/orders", get(|| async { "[]" }))
//!     .route_layer(auth.require_scope("orders/read"))
//!     .route("/api/admin", post(|| async { "ok" }))
//!     .route_layer(auth.require_token_group("admin"))
//!     .layer(auth.layer());
//! # }
//! ```

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::access::{AccessToken, AccessTokenVerifier};
use crate::error::Error;
use crate::guard::GuardFuture;
use crate::session::context::{bearer_value, visible};
use crate::token_error::TokenError;
use crate::Hallpass;

/// What a token guard checks beyond "valid".
#[derive(Clone, Debug)]
enum Rule {
    Valid,
    AnyScope(Arc<[String]>),
    AnyGroup(Arc<[String]>),
}

impl Rule {
    fn check(&self, token: &AccessToken) -> Result<(), TokenError> {
        match self {
            Rule::Valid => Ok(()),
            Rule::AnyScope(s) if s.iter().any(|s| token.has_scope(s)) => Ok(()),
            Rule::AnyScope(s) => Err(TokenError::InsufficientScope(s.join(" "))),
            Rule::AnyGroup(g) if g.iter().any(|g| token.in_group(g)) => Ok(()),
            Rule::AnyGroup(g) => Err(TokenError::InsufficientGroup(g.join(" "))),
        }
    }
}

/// A guard layer for Bearer tokens. Made by [`Hallpass::require_scope`] and its siblings.
#[derive(Clone, Debug)]
#[must_use]
pub struct TokenGuard {
    rule: Rule,
    verifier: Option<AccessTokenVerifier>,
}

impl Hallpass {
    fn token_guard(&self, rule: Rule) -> TokenGuard {
        TokenGuard {
            rule,
            verifier: self.access_tokens().cloned(),
        }
    }

    /// Lets through requests with a valid Bearer token.
    pub fn require_token(&self) -> TokenGuard {
        self.token_guard(Rule::Valid)
    }

    /// Lets through requests whose token carries `scope` (e.g. a resource server's
    /// `orders/read`).
    pub fn require_scope(&self, scope: &str) -> TokenGuard {
        self.require_any_scope([scope])
    }

    /// Lets through requests whose token carries at least one of `scopes`.
    pub fn require_any_scope<I, S>(&self, scopes: I) -> TokenGuard
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.token_guard(Rule::AnyScope(scopes.into_iter().map(Into::into).collect()))
    }

    /// Lets through requests whose token's user is in `group` (`cognito:groups`; machines are in
    /// none).
    pub fn require_token_group(&self, group: &str) -> TokenGuard {
        self.token_guard(Rule::AnyGroup(Arc::from([group.to_string()])))
    }
}

impl<S> Layer<S> for TokenGuard {
    type Service = TokenGuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TokenGuardService {
            inner,
            guard: Arc::new(self.clone()),
        }
    }
}

/// The service of a [`TokenGuard`].
#[derive(Clone, Debug)]
pub struct TokenGuardService<S> {
    inner: S,
    guard: Arc<TokenGuard>,
}

impl<S> Service<Request> for TokenGuardService<S>
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

    fn call(&mut self, mut req: Request) -> Self::Future {
        let answer = |e: Error| GuardFuture::Answer {
            response: Some(e.into_response()),
        };
        let verifier = match &self.guard.verifier {
            Some(v) => v.clone(),
            None => match crate::caller::verifier(req.extensions()) {
                Ok(v) => v,
                Err(e) => return answer(e),
            },
        };
        let Some(raw) = bearer_value(req.headers()) else {
            return answer(TokenError::Missing.into());
        };
        // The hot path: a token verified before runs the route at once, nothing boxed.
        if let Some(token) = verifier.verify_cached(raw) {
            return match self.guard.rule.check(&token) {
                Ok(()) => {
                    req.extensions_mut().insert(token);
                    GuardFuture::Route {
                        inner: self.inner.call(req),
                    }
                }
                Err(e) => answer(e.into()),
            };
        }
        let Some(raw) = visible(raw) else {
            return answer(TokenError::Missing.into());
        };
        let raw = raw.to_string();
        // The clone is ready only after `poll_ready`; keep the ready one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = Arc::clone(&self.guard);
        GuardFuture::Waiting {
            waiting: Box::pin(async move {
                let checked = match verifier.verify(&raw).await {
                    Ok(t) => guard.rule.check(&t).map(|()| t),
                    Err(e) => Err(e),
                };
                match checked {
                    Ok(token) => {
                        req.extensions_mut().insert(token);
                        inner.call(req).await
                    }
                    Err(e) => Ok(Error::from(e).into_response()),
                }
            }),
        }
    }
}
