//! `spawn_app()`: a real axum app with Hallpass on a loopback port the OS picks.

use std::net::SocketAddr;

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Json, Router};
use hallpass::clock::ManualClock;
use hallpass::provider::{Profile, Provider, SignIn};
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
    /// The instance's clock: it stands still until a test moves it.
    pub clock: ManualClock,
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

/// A sign-in the application checked itself (say, a magic link), through the public lifecycle API.
async fn handler_sign_in(hallpass: Hallpass, headers: HeaderMap) -> axum::response::Response {
    let profile = Profile::new("local-7")
        .with_name("Grace Hopper")
        .with_groups(["staff"]);
    match hallpass
        .sign_in(
            &headers,
            "local",
            SignIn {
                profile,
                tokens: None,
            },
        )
        .await
    {
        Ok(cookies) => (cookies, Redirect::to("/protected")).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `/protected` with the `SignedIn` extractor instead of a guard layer.
async fn signed_in(hallpass::SignedIn(session): hallpass::SignedIn) -> String {
    format!("Protected for {}", session.display_name())
}

async fn handler_sign_out(hallpass: Hallpass, headers: HeaderMap) -> impl IntoResponse {
    (hallpass.sign_out(&headers).await, Redirect::to("/"))
}

/// Starts the app with `config` (its URL is set here) and `providers`, served with each
/// connection's peer address (`into_make_service_with_connect_info`), as the README says.
pub async fn spawn_app_with(
    config: ConfigBuilder,
    providers: Vec<Provider>,
    hooks: Option<Box<dyn FnOnce(hallpass::HallpassBuilder) -> hallpass::HallpassBuilder>>,
) -> TestApp {
    spawn_app_served(config, providers, hooks, true).await
}

/// [`spawn_app_with`], served with plain `axum::serve`: no client address reaches Hallpass.
pub async fn spawn_app_without_peer_address(
    config: ConfigBuilder,
    providers: Vec<Provider>,
) -> TestApp {
    spawn_app_served(config, providers, None, false).await
}

async fn spawn_app_served(
    config: ConfigBuilder,
    providers: Vec<Provider>,
    hooks: Option<Box<dyn FnOnce(hallpass::HallpassBuilder) -> hallpass::HallpassBuilder>>,
    peer_address: bool,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://127.0.0.1:{}", addr.port());
    let config = config.url(url.clone()).build().expect("test config");
    let clock = ManualClock::starting_now();
    let mut builder = Hallpass::builder(config).clock(clock.clone());
    for p in providers {
        builder = builder.provider(p);
    }
    if let Some(f) = hooks {
        builder = f(builder);
    }
    let hallpass = builder.build().expect("test instance");
    let app = Router::new()
        .route("/signed-in", get(signed_in))
        .merge(
            Router::new()
                .route("/protected", get(protected))
                .route("/api/me", get(me))
                .route_layer(hallpass.require_session()),
        )
        .merge(
            Router::new()
                .route("/admin", get(admin))
                .route_layer(hallpass.require_group("admin")),
        )
        .merge(
            Router::new()
                .route("/staff", get(protected))
                .route_layer(hallpass.require_any_group(["staff", "admin"])),
        )
        .merge(
            Router::new().route("/beta", get(protected)).route_layer(
                hallpass
                    .require(|s| s.token().extra.contains_key("beta"))
                    .redirect_to("/no-beta"),
            ),
        )
        .merge(
            Router::new()
                .route("/strict", get(protected))
                .route_layer(hallpass.require_session().unauthorized()),
        )
        .route("/handler/sign-in", axum::routing::post(handler_sign_in))
        .route("/handler/sign-out", axum::routing::post(handler_sign_out))
        .route("/maybe", get(maybe))
        .route("/", get(|| async { "home" }))
        .merge(hallpass.router())
        .layer(hallpass.layer())
        .layer(hallpass::SecurityHeaders::new());
    tokio::spawn(async move {
        if peer_address {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app).await.unwrap()
        } else {
            axum::serve(listener, app).await.unwrap()
        }
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        url,
        addr,
        hallpass,
        client,
        clock,
    }
}

/// A 32+ byte test secret.
pub const SECRET: &str = "hallpass-test-secret-0123456789abcdef";

/// An app with one secret and no provider.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(hallpass::Config::builder().secret(SECRET), Vec::new(), None).await
}
