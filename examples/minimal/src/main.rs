//! The smallest Hallpass app: a public home page and a protected page, signing in with Cognito or
//! the local user pool (`COGNITO_*` in the environment or `.env.local`). `cargo run -p example-minimal`.

use axum::{routing::get, Router};
use hallpass::{provider::Cognito, Config, Hallpass, Session};

async fn protected(session: Session) -> String {
    format!("Hello, {}", session.display_name())
}

/// The routes: `/protected` for signed-in users (others are sent to `/`), Hallpass's `/api/auth`.
fn app(auth: &Hallpass) -> Router {
    Router::new()
        .route("/protected", get(protected))
        .route_layer(auth.require_session())
        .route(
            "/",
            get(|| async { "Sign in at /api/auth/signin, then open /protected." }),
        )
        .merge(auth.router())
        .layer(auth.layer())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init(); // without a subscriber Hallpass's warnings are lost
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
