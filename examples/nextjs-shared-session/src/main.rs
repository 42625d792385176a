//! A Rust service sharing one sign-in with a Next.js app (`next/`, next-auth v4): with
//! `AUTH_COMPAT=next-auth-v4` and the same secret, Hallpass reads (and writes) the
//! `next-auth.session-token` cookie exactly as next-auth does, so a user signed in on the Next.js
//! app is signed in here too. Both apps must sit on one site (one cookie domain): the README shows
//! how to run them behind one origin. `cargo run -p example-nextjs-shared-session`.

use axum::{routing::get, Json, Router};
use hallpass::{Config, Hallpass, Session};
use serde_json::{json, Value};

/// Who is signed in, as the Next.js app's session says.
async fn whoami(session: Session) -> Json<Value> {
    Json(json!({
        "sub": session.sub(),
        "name": session.display_name(),
        "email": session.user().email,
        "groups": session.groups(),
    }))
}

/// The service's routes: a JSON API under `/service`, 401 JSON when signed out.
fn app(auth: &Hallpass) -> Router {
    Router::new()
        .route("/service/whoami", get(whoami))
        .route_layer(auth.require_session().unauthorized())
        .layer(auth.layer())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    // AUTH_COMPAT=next-auth-v4, AUTH_SECRET (= the Next.js app's NEXTAUTH_SECRET), AUTH_URL.
    let config = Config::from_env()?;
    if config.compat() != hallpass::Compat::NextAuthV4 {
        return Err("set AUTH_COMPAT=next-auth-v4 to share the Next.js app's session".into());
    }
    let auth = Hallpass::builder(config).build()?;
    let port = std::env::var("SERVICE_PORT").unwrap_or_else(|_| "4000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    // The client's address reaches Hallpass (attempt limits per address).
    let app = app(&auth).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
