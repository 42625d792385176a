//! A JSON API behind a browser app (React/Amplify, a mobile app) and other services: it takes
//! Cognito access tokens in `Authorization: Bearer`, from a user signed in through the app, or from
//! a machine client (`client_credentials`), and guards routes by the token's scopes.
//!
//! Configured as the website is (`COGNITO_ISSUER`, `COGNITO_CLIENT_ID`), plus the other clients
//! whose tokens it takes (`COGNITO_API_CLIENT_IDS=browser-app-client,machine-client`), and
//! `COGNITO_TOKEN_RECHECK_SECONDS=60` to ask the pool about users' tokens at most once a minute
//! (sign-outs elsewhere, disabled users).
//! `cargo run -p example-api`; `userpool serve` is a local Cognito for it.

use axum::routing::{get, post};
use axum::{Json, Router};
use hallpass::{AccessTokenVerifier, Caller, Config, Hallpass, UserCaller};
use serde_json::{json, Value};

/// Who calls: a person (the site's session or a user's token) or a machine.
async fn me(caller: Caller) -> Json<Value> {
    Json(match caller {
        Caller::User(UserCaller::Session(s)) => json!({ "kind": "session", "sub": s.sub() }),
        Caller::User(user) => json!({ "kind": "user", "sub": user.sub() }),
        Caller::Machine(token) => json!({ "kind": "machine", "client_id": token.client_id() }),
        _ => json!({ "kind": "unknown" }),
    })
}

async fn list_orders(caller: Caller) -> Json<Value> {
    let who = caller.token().map(|t| t.sub().to_string());
    Json(json!({ "orders": [], "for": who }))
}

async fn create_order() -> Json<Value> {
    Json(json!({ "created": true }))
}

/// `/api/me` for any caller; `GET /api/orders` needs `orders/read`, `POST` needs `orders/write`.
fn app(auth: &Hallpass) -> Router {
    Router::new()
        .route("/api/me", get(me))
        .merge(
            Router::new()
                .route("/api/orders", get(list_orders))
                .route_layer(auth.require_scope("orders/read")),
        )
        .merge(
            Router::new()
                .route("/api/orders", post(create_order))
                .route_layer(auth.require_scope("orders/write")),
        )
        .merge(auth.router())
        .layer(auth.layer())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let verifier =
        AccessTokenVerifier::from_env()?.ok_or("set COGNITO_ISSUER and COGNITO_CLIENT_ID")?;
    let auth = Hallpass::builder(Config::from_env()?)
        .access_tokens(verifier)
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app(&auth)).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
