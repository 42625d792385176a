//! `GET /api/me` behind `jwt-authorizer`: an RS256 access token checked against the PEM public key
//! given as the first argument (signature, `exp`, `nbf`, `iss`), its claims extracted, and the
//! same JSON answered as `hallpass-bench`'s `api` binary. Listens on `127.0.0.1:$PORT`.
//!
//!   bench-jwt-authorizer PUBLIC_KEY.pem ISSUER

use axum::routing::get;
use axum::{Json, Router};
use jwt_authorizer::{Authorizer, IntoLayer, JwtAuthorizer, JwtClaims, Validation};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Clone, Debug, Deserialize)]
struct Claims {
    sub: String,
    client_id: String,
    token_use: String,
    username: Option<String>,
}

async fn me(JwtClaims(claims): JwtClaims<Claims>) -> Json<Value> {
    Json(match claims.username {
        Some(_) => json!({ "kind": "user", "sub": claims.sub }),
        None => json!({ "kind": "machine", "client_id": claims.client_id }),
    })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [pem, issuer] = args.as_slice() else {
        eprintln!("usage: bench-jwt-authorizer PUBLIC_KEY.pem ISSUER");
        std::process::exit(2);
    };
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .expect("set PORT");
    let authorizer: Authorizer<Claims> = JwtAuthorizer::from_rsa_pem(pem)
        .validation(Validation::new().iss(&[issuer.as_str()]))
        .check(|c: &Claims| c.token_use == "access")
        .build()
        .await
        .expect("a valid key");
    let app = Router::new()
        .route("/api/me", get(me))
        .layer(authorizer.into_layer());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("listens");
    axum::serve(listener, app).await.expect("serves");
}
