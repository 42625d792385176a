//! The example site's router driven in process, without sockets: the scenarios that
//! `bench/instructions.sh` (instructions per request) and the `allocs` binary (allocations per
//! request) measure. The site is the real `hallpass_site::app` in NextAuth v4 compatibility with a
//! Cognito provider that is never contacted (a cookie-only request needs no network), as
//! `bench/run.sh` starts it, and each request carries the `Cookie` header the load benchmark sends.
//! The API scenarios (`api-bare`, `bearer`) are `examples/api`'s `/api/me` with a Bearer token
//! instead (see [`crate::bearer`]).

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hallpass::provider::Cognito;
use hallpass::{Compat, Config, Hallpass};
use tower::ServiceExt;

/// Every scenario's name, in the order they are reported.
pub const SCENARIOS: [&str; 12] = [
    "bare",
    "site-bare",
    "protected-small",
    "protected-tokens",
    "session-small",
    "session-tokens",
    "api-bare",
    "bearer",
    "api-layer",
    "bearer-api",
    "bearer-state",
    "bearer-wrapped",
];

const SECRET: &str = "inprocess-benchmark-secret-0123456789abcdef";

/// One scenario: the router, the path it asks for, and the request's `Cookie` header.
pub struct Scenario {
    /// The app under test.
    pub app: App,
    /// The path of every request.
    pub path: &'static str,
    /// The `Cookie` header of every request.
    pub cookie: String,
    /// The `Authorization` header of every request, if any.
    pub authorization: Option<String>,
    /// What the answer must contain (the signed-in user).
    pub expect: &'static str,
}

/// What serves a scenario's requests: a router, or a router wrapped once by Hallpass's layer
/// (`auth.layer().layer(router)`, outside the routing, as `axum::serve` can take it).
#[derive(Clone)]
pub enum App {
    /// A router (with whatever layers it has inside).
    Router(Router),
    /// A router inside Hallpass's layer.
    Wrapped(hallpass::HallpassService<Router>),
}

async fn bare_page() -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(crate::protected_html(crate::NAME)),
    )
        .into_response()
}

/// The example site's shape without Hallpass: its routes (the same paths, `/api/auth` nested
/// with its own fallback, the top-level fallback) and its security-headers layer, every handler
/// the bare page. What `/protected` costs beyond this is what auth costs (layer, guard, cookie),
/// apart from the site's structure, which the one-route "bare" router does not have.
fn site_without_auth() -> Router {
    const API: [&str; 8] = [
        "/signin",
        "/signin/{provider}",
        "/callback/{provider}",
        "/signout",
        "/session",
        "/csrf",
        "/providers",
        "/error",
    ];
    const PAGES: [&str; 9] = [
        "/",
        "/static/site.css",
        "/static/session-sync.js",
        "/static/logo.svg",
        "/account/{step}",
        "/static/brand.svg",
        "/protected",
        "/admin",
        "/account",
    ];
    let page = || get(bare_page);
    let api = API
        .into_iter()
        .fold(Router::new(), |r, path| {
            r.route(path, page().post(bare_page))
        })
        .fallback(bare_page);
    PAGES
        .into_iter()
        .fold(Router::new(), |r, path| r.route(path, page()))
        .route("/account/sessions/revoke", post(bare_page))
        .route("/account/sessions/revoke-all", post(bare_page))
        .nest("/api/auth", api)
        .fallback(bare_page)
        .layer(hallpass::SecurityHeaders::new())
        .with_state(())
}

fn site() -> (Router, Hallpass) {
    let config = Config::builder()
        .url("http://localhost:3000")
        .secret(SECRET)
        .compat(Compat::NextAuthV4)
        .build()
        .expect("valid config");
    let cognito = Cognito::builder()
        .client_id("inprocess-bench")
        .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench")
        .build()
        .expect("valid provider");
    let hallpass = Hallpass::builder(config)
        .provider(cognito)
        .build()
        .expect("valid instance");
    (hallpass_site::app(&hallpass), hallpass)
}

impl Scenario {
    /// The scenario called `name` (one of [`SCENARIOS`]).
    pub fn new(name: &str) -> Option<Scenario> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        if let "api-bare" | "bearer" | "api-layer" | "bearer-api" | "bearer-state"
        | "bearer-wrapped" = name
        {
            let (app, authorization) = match name {
                "api-layer" | "bearer-api" => {
                    let (app, a) = crate::bearer::token_only(name == "api-layer", now);
                    (App::Router(app), a)
                }
                "bearer-state" => {
                    let (app, a) = crate::bearer::token_state(now);
                    (App::Router(app), a)
                }
                "bearer-wrapped" => {
                    let (app, a) = crate::bearer::wrapped(now);
                    (App::Wrapped(app), a)
                }
                _ => {
                    let (app, a) = crate::bearer::scenario(name == "api-bare", now);
                    (App::Router(app), a)
                }
            };
            return Some(Scenario {
                app,
                path: "/api/me",
                cookie: String::new(),
                authorization: Some(authorization),
                expect: crate::bearer::SUB,
            });
        }
        let (path, tokens) = match name {
            // The bare handler gets the tokens cookie too, so header parsing costs the same.
            "bare" | "site-bare" => ("/protected", true),
            "protected-small" => ("/protected", false),
            "protected-tokens" => ("/protected", true),
            "session-small" => ("/api/auth/session", false),
            "session-tokens" => ("/api/auth/session", true),
            _ => return None,
        };
        let (app, hallpass) = site();
        let value = hallpass.encode_session(&crate::session(now, tokens));
        let cookie = crate::cookie_header("next-auth.session-token", &value);
        let app = match name {
            "bare" => Router::new().route("/protected", get(bare_page)),
            "site-bare" => site_without_auth(),
            _ => app,
        };
        Some(Scenario {
            app: App::Router(app),
            path,
            cookie,
            authorization: None,
            expect: crate::NAME,
        })
    }

    /// One request, its whole body read. Panics unless it is a 200 (a broken scenario must not
    /// produce a figure).
    pub async fn request(&self) -> Bytes {
        let mut req = Request::get(self.path).header(header::HOST, "localhost:3000");
        if !self.cookie.is_empty() {
            req = req.header(header::COOKIE, self.cookie.as_str());
        }
        if let Some(authorization) = &self.authorization {
            req = req.header(header::AUTHORIZATION, authorization.as_str());
        }
        let req = req.body(Body::empty()).expect("valid request");
        let resp = match &self.app {
            App::Router(r) => r.clone().oneshot(req).await,
            App::Wrapped(w) => w.clone().oneshot(req).await,
        }
        .expect("infallible");
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{} must answer 200",
            self.path
        );
        axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body")
    }

    /// Twenty requests outside any measurement (lazy statics, the decode cache, the allocator's
    /// pools), then a check that the answer is the signed-in one: a figure of a cheaper,
    /// signed-out answer would be wrong.
    pub async fn warm_up(&self) -> Result<Bytes, String> {
        let mut body = Bytes::new();
        for _ in 0..20 {
            body = self.request().await;
        }
        if String::from_utf8_lossy(&body).contains(self.expect) {
            Ok(body)
        } else {
            Err(format!(
                "{}: the answer does not name the signed-in user",
                self.path
            ))
        }
    }
}
