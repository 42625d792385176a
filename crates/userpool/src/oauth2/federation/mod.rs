//! Sign-in through a pool's identity providers: OpenID Connect, and the social types
//! (`Google`, `Facebook`, `LoginWithAmazon`, `SignInWithApple`) as OIDC-shaped configurations.
//! `provider` checks a provider's configuration; `upstream` talks to it (discovery, token,
//! JWKS, userInfo) and verifies its ID token; `start` sends the browser there; `callback` is
//! `/oauth2/idpresponse`; `users` makes or finds the pool's user of an upstream identity.

pub(crate) mod callback;
pub(crate) mod provider;
pub(crate) mod start;
mod upstream;
pub(crate) mod users;

use axum::routing::get;
use axum::Router;

use crate::pool::UserPool;

/// How long a sign-in may stay at the provider (Cognito's federation state: 10 minutes).
const STATE_SECS: i64 = 10 * 60;
/// The cookie binding a federated sign-in to the browser that started it.
const BROWSER_COOKIE: &str = "userpool-federation";

pub(crate) fn router(pool: UserPool) -> Router {
    Router::new()
        .route("/oauth2/idpresponse", get(callback::idp_response))
        .with_state(pool)
}

/// Why a federated sign-in failed (never shown with secrets or tokens in it).
#[derive(Debug, thiserror::Error)]
pub(crate) enum FederationError {
    /// The provider's configuration is incomplete or unusable.
    #[error("identity provider configuration: {0}")]
    Config(String),
    /// The provider could not be reached or answered badly.
    #[error("identity provider unreachable or invalid answer: {0}")]
    Upstream(String),
    /// The provider's ID token failed verification.
    #[error("invalid ID token from the identity provider: {0}")]
    Token(String),
}
