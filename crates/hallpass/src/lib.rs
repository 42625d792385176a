//! # Hallpass
//!
//! Drop-in authentication for Rust web apps: what NextAuth.js is for Next.js, for axum. Mount one
//! router at `/api/auth`, add a provider (AWS Cognito, or any OpenID Connect provider), and handlers
//! can ask who is signed in.
//!
//! ```no_run
//! use axum::{routing::get, Router};
//! use hallpass::{Config, Hallpass, Session};
//! use hallpass::provider::Cognito;
//!
//! async fn protected(session: Session) -> String {
//!     format!("Welcome, {}", session.display_name())
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = Hallpass::builder(Config::from_env()?)
//!     .provider(Cognito::from_env()?.expect("COGNITO_* variables are set"))
//!     .build()?;
//! let app = Router::new()
//!     .route("/protected", get(protected))
//!     .route_layer(auth.require_session())
//!     .merge(auth.router())
//!     .layer(auth.layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! // With the client's address, for the form sign-in's attempt limits (see `AUTH_TRUSTED_PROXIES`).
//! let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Sessions are encrypted cookies (JWE `dir` + `A256GCM`), byte-compatible with NextAuth v4 when
//! [`Compat::NextAuthV4`] is on, or with Auth.js v5 (`A256CBC-HS512`) when [`Compat::AuthJsV5`] is. A protected page costs one cookie decrypt and no network.
//!
//! ```
//! use hallpass::{Compat, Config, Hallpass, SessionToken};
//!
//! let config = Config::builder()
//!     .url("https://app.example.com")
//!     .secret("a secret of at least thirty-two bytes!")
//!     .compat(Compat::NextAuthV4)
//!     .build()?;
//! let auth = Hallpass::builder(config).build()?;
//! assert_eq!(auth.session_cookie_name(), "__Secure-next-auth.session-token");
//!
//! // What `getToken` / `encode` do in next-auth: the cookie value is a JWE of the claims.
//! let token = SessionToken {
//!     sub: Some("user-1".into()),
//!     name: Some("Jane".into()),
//!     groups: vec!["admin".into()],
//!     exp: 4_000_000_000,
//!     ..Default::default()
//! };
//! let cookie = auth.encode_session(&token);
//! assert_eq!(auth.decode_session(&cookie)?.name.as_deref(), Some("Jane"));
//! assert!(auth.decode_session(&cookie[..cookie.len() - 2]).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//!
//! # Modules
//!
//! The instance and its builder live in `hallpass.rs`; the session lifecycle (load, refresh, issue,
//! sign in, sign out, CSRF) in `lifecycle.rs`; the `/api/auth` endpoints in `endpoints/`; the axum
//! pieces in `extract.rs` and `csrf_form.rs` (extractors), `guard.rs` (guards) and `layer.rs`; every
//! error becomes a response in `error.rs` (API answers) and `error/failure.rs` (browser flows). Public types are re-exported here, except the provider types
//! ([`provider`]), the hooks ([`hooks`]) and the clock ([`clock`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Logs a step of a flow: at debug level, or at info level when `AUTH_DEBUG` is on, so that debug
/// mode shows the steps with an ordinary `info` log filter.
macro_rules! step {
    ($hallpass:expr, $($arg:tt)+) => {
        if $hallpass.config().debug() {
            ::tracing::info!($($arg)+)
        } else {
            ::tracing::debug!($($arg)+)
        }
    };
}
pub(crate) use step;

mod attempts;
pub mod client_ip;
pub mod clock;
mod config;
mod cookies;
mod csrf;
mod endpoints;
mod error;
mod extract;
#[doc(hidden)]
pub mod fuzzing;
mod guard;
mod hallpass;
pub mod hooks;
mod jwe;
mod layer;
mod lifecycle;
mod logsafe;
pub mod provider;
pub mod redirect;
mod refresh;
mod security_headers;
mod session;
mod shared;
pub mod store;

pub use config::theme::{ColorScheme, Theme};
pub use config::{Compat, Config, ConfigBuilder, ConfigError, Pages, Unauthenticated};
pub use cookies::SetCookies;
pub use endpoints::cognito::model::{
    CognitoPage, ExtraForm, PageChoice, PageField, PageLink, PageStep, TotpSetup,
};
pub use endpoints::csrf_form::{CsrfForm, CsrfRejection};
pub use error::{CheckError, Error, ErrorCode, DEBUG_CAUSE_HEADER};
pub use extract::{CsrfToken, SessionRejection};
pub use guard::{Guard, GuardFuture, GuardService};
pub use hallpass::{Hallpass, HallpassBuilder};
pub use layer::{HallpassLayer, HallpassService, WithCookies};
pub use security_headers::{SecurityHeaders, SecurityHeadersService};
pub use session::{Session, SessionStore, SessionToken, User, CLOCK_TOLERANCE_SECS};
pub use shared::{BoxFuture, StoreError};
pub use store::{SessionHandle, SessionInfo};
