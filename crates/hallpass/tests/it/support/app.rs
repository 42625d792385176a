//! `spawn_app()`: a real axum app with Hallpass on a loopback port the OS picks.

use std::net::SocketAddr;

use axum::routing::get;
use axum::{Json, Router};
use hallpass::provider::Provider;
use hallpass::{ConfigBuilder, Hallpass, Session};

/// A running test app.
pub struct TestApp {
    /// `http://127.0.0.1:{port}`.
    pub url: String,
    /// The socket address.
    #[allow(dead_code)]
    pub addr: SocketAddr,
    /// The Hallpass instance the app runs, for minting cookies.
    pub hallpass: Hallpass,
    /// A client that follows no redirect and keeps no cookies: tests send exactly what they mean.
    pub client: reqwest::Client,
}

impl TestApp {
    /// `{url}{path}`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

async fn protected(session: Session) -> String {
    format!("Protected for {}", session.display_name())
}

async fn admin(session: Session) -> String {
    format!("Admin for {}", session.display_name())
}

async fn me(session: Session) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "sub": session.sub(), "groups": session.groups() }))
}

async fn maybe(session: Option<Session>) -> String {
    match session {
        Some(s) => format!("signed in as {}", s.display_name()),
        None => "signed out".into(),
    }
}

/// Starts the app with `config` (its URL is set here) and `providers`.
pub async fn spawn_app_with(
    config: ConfigBuilder,
    providers: Vec<Provider>,
    hooks: Option<Box<dyn FnOnce(hallpass::HallpassBuilder) -> hallpass::HallpassBuilder>>,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://127.0.0.1:{}", addr.port());
    let config = config.url(url.clone()).build().expect("test config");
    let mut builder = Hallpass::builder(config);
    for p in providers {
        builder = builder.provider(p);
    }
    if let Some(f) = hooks {
        builder = f(builder);
    }
    let hallpass = builder.build().expect("test instance");
    let app = Router::new()
        .route("/protected", get(protected))
        .route("/api/me", get(me))
        .route_layer(hallpass.require_session())
        .merge(
            Router::new()
                .route("/admin", get(admin))
                .route_layer(hallpass.require_group("admin")),
        )
        .route("/maybe", get(maybe))
        .route("/", get(|| async { "home" }))
        .merge(hallpass.router())
        .layer(hallpass.layer());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        url,
        addr,
        hallpass,
        client,
    }
}

/// A 32+ byte test secret.
pub const SECRET: &str = "hallpass-test-secret-0123456789abcdef";

/// An app with one secret and no provider.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(hallpass::Config::builder().secret(SECRET), Vec::new(), None).await
}
