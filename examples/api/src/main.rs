//! A JSON API behind Hallpass: every route answers 401 JSON without a session, and accepts the
//! session either as the browser's cookie or as `Authorization: Bearer <token>` (the same encrypted
//! value, for scripts and other services). A signed-in browser gets its token from `GET /api/token`.
//! `cargo run -p example-api`; sign in at <http://localhost:3000/api/auth/signin> (`COGNITO_*`).

use axum::{routing::get, Json, Router};
use hallpass::{provider::Cognito, Config, Hallpass, Session};
use serde_json::{json, Value};

async fn me(session: Session) -> Json<Value> {
    Json(json!({
        "sub": session.sub(),
        "name": session.display_name(),
        "groups": session.groups(),
    }))
}

/// The session as a Bearer token, to hand to a script (it expires with the session).
async fn token(auth: Hallpass, session: Session) -> Json<Value> {
    Json(json!({ "token": auth.encode_session(session.token()), "type": "Bearer" }))
}

/// The API: `/api/me` and `/api/token`, 401 JSON for anyone signed out (never a redirect).
fn app(auth: &Hallpass) -> Router {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/token", get(token))
        .route_layer(auth.require_session().unauthorized())
        .merge(auth.router())
        .layer(auth.layer())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let cognito = Cognito::from_env()?.ok_or("set COGNITO_CLIENT_ID and COGNITO_ISSUER")?;
    let auth = Hallpass::builder(Config::from_env()?)
        .provider(cognito)
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    // The client's address reaches Hallpass (attempt limits per address).
    let app = app(&auth).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
