//! Discovery, JWKS, and the OAuth 2.0 endpoints: authorize, token, userInfo, revoke, logout.
//! This module only routes; each endpoint has its own module, and what several share
//! (the authorization request's parameters, client authentication) has its own too.

use axum::routing::{get, post};
use axum::Router;

use crate::http::{preflight, MAX_BODY};
use crate::pool::UserPool;

pub(crate) mod authorize;
mod client_auth;
mod discovery;
pub(crate) mod federation;
mod logout;
pub(crate) mod params;
mod revoke;
mod token;
mod userinfo;

pub(crate) fn router(pool: UserPool) -> Router {
    Router::new()
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(discovery::discovery),
        )
        .route("/{pool_id}/.well-known/jwks.json", get(discovery::jwks))
        .route(
            "/.well-known/openid-configuration",
            get(discovery::not_the_issuer),
        )
        .route("/oauth2/authorize", get(authorize::authorize))
        .route("/oauth2/token", post(token::token).options(preflight))
        .route(
            "/oauth2/userInfo",
            get(userinfo::userinfo)
                .post(userinfo::userinfo)
                .options(preflight),
        )
        .route("/oauth2/revoke", post(revoke::revoke).options(preflight))
        .route("/logout", get(logout::logout))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(pool)
}
