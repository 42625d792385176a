//! # Hallpass
//!
//! Drop-in authentication for Rust web apps: what NextAuth.js is for Next.js, for axum. Mount one
//! router at `/api/auth`, add a provider (AWS Cognito, or any OpenID Connect provider), and handlers
//! can ask who is signed in.
//!
//! ## An app with Cognito's sign-in on its own pages
//!
//! The form on the app's pages (`COGNITO_SIGNIN=form`; `both` adds the hosted UI's button),
//! sessions kept in SQLite so that a user can see and end them, and a protected page.
//! [`Cognito::providers_from_env`](provider::Cognito::providers_from_env) reads every `COGNITO_*`
//! variable:
//!
//! ```no_run
//! use axum::{extract::{Path, RawQuery}, http::HeaderMap, response::Html, routing::get, Router};
//! use hallpass::{provider::Cognito, Config, Hallpass, PageStep, Pages, Session};
//!
//! async fn protected(session: Session) -> String {
//!     format!("Welcome, {}", session.display_name())
//! }
//!
//! /// `/account/{signin,signup,confirm,forgot,reset,challenge}`: Hallpass's page model of each
//! /// step (fields, error, notice, where the form posts, the CSRF token), in the app's own HTML.
//! async fn account(auth: Hallpass, Path(step): Path<String>, RawQuery(q): RawQuery,
//!                  headers: HeaderMap) -> Html<String> {
//!     let step = PageStep::from_path(&step).unwrap_or(PageStep::SignIn);
//!     match auth.cognito_page(&headers, step, q.as_deref()).await {
//!         // A real app renders `page` with its templates (askama, …) and returns `_cookies`.
//!         Some((page, _cookies)) => Html(format!("<h1>{}</h1>", page.title)),
//!         None => Html("<a href=\"/account/signin\">Start again</a>".into()),
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // COGNITO_CLIENT_ID, COGNITO_CLIENT_SECRET, COGNITO_ISSUER, COGNITO_SIGNIN=form (.env.local)
//! let config = Config::builder()
//!     .with_env()?
//!     .session_store("sqlite://sessions.db")   // or AUTH_SESSION_STORE; postgres://, redis://
//!     .pages(Pages { cognito: Some("/account".into()), ..Pages::default() })
//!     .build()?;
//! let mut builder = Hallpass::builder(config);
//! for provider in Cognito::providers_from_env()? {
//!     builder = builder.provider(provider);
//! }
//! let auth = builder.build()?;
//! let app = Router::new()
//!     .route("/protected", get(protected))
//!     .route_layer(auth.require_session())
//!     .route("/account/{step}", get(account))
//!     .merge(auth.router())
//!     .layer(auth.layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! // The client's address, for the form sign-in's attempt limits (see `AUTH_TRUSTED_PROXIES`).
//! let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Without `Pages::cognito`, Hallpass serves the same steps as its own pages under
//! `/api/auth/cognito/…`. A signed-in user's MFA page (an authenticator app's set-up, preferred,
//! off) is the `mfa` step: [`Hallpass::cognito_mfa_page`].
//!
//! With passkeys on (`COGNITO_PASSKEYS=true`), the sign-in page's model carries
//! [`CognitoPage::passkey`], a [`PasskeyStep`]: the form that Hallpass's one script
//! (`{base}/cognito/passkey.js`, no inline script) takes over to ask Cognito for a passkey, and the
//! `data-` attributes to render on it. The `passkeys` step is the signed-in user's passkeys (list,
//! add, delete): [`Hallpass::cognito_passkeys_page`], whose model carries [`CognitoPage::passkeys`].
//!
//! ## A local user pool
//!
//! The `userpool` crate of this repository is a Cognito look-alike (hosted UI, OAuth 2.0 /
//! OpenID Connect, the JSON API the form talks to) for development and tests, offline.
//! `cargo install --locked --path crates/userpool`, then `userpool serve` starts the demo pool on
//! `http://localhost:9229` (`USERPOOL_MFA=off|optional|on` sets its MFA) and prints what goes in
//! `.env.local`:
//!
//! ```sh
//! COGNITO_CLIENT_ID=4hallpassdemo0local0client
//! COGNITO_CLIENT_SECRET=dev0only0hallpass0demo0secret0not0for0production0use
//! COGNITO_ISSUER=http://localhost:9229/us-east-1_HallpassDemo
//! COGNITO_SIGNIN=form
//! ```
//!
//! Nothing is e-mailed: sign-up, reset and sign-in codes wait in its outbox,
//! `http://localhost:9229/_outbox`. The demo user is `demo@example.com` / `Passw0rd!`.
//!
//! ## Sessions
//!
//! Without a store, sessions are encrypted cookies (JWE `dir` + `A256GCM`), byte-compatible with
//! NextAuth v4 when [`Compat::NextAuthV4`] is on, or with Auth.js v5 (`A256CBC-HS512`) when
//! [`Compat::AuthJsV5`] is. A protected page costs one cookie decrypt and no network.
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
//! With a store ([`ConfigBuilder::session_store`], `AUTH_SESSION_STORE`: SQLite, PostgreSQL or
//! Redis), the cookie holds only a session id: sessions can be listed
//! ([`Hallpass::sessions`]) and signed out one by one or everywhere, on every instance.
//!
//! The public types are re-exported here, except the providers ([`provider`]), the hooks
//! ([`hooks`]), the stores ([`store`]) and the clock ([`clock`]).

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

mod access;
mod attempts;
mod breaker;
mod caller;
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
mod token_error;
mod token_guard;

pub use access::{
    AccessToken, AccessTokenVerifier, AccessTokenVerifierBuilder, TokenUse, MAX_TOKEN_BYTES,
};
pub use caller::{Caller, UserCaller};
pub use config::theme::{ColorScheme, Theme};
pub use config::{Compat, Config, ConfigBuilder, ConfigError, Pages, Unauthenticated};
pub use cookies::SetCookies;
pub use endpoints::cognito::model::{
    CognitoPage, ExtraForm, PageChoice, PageField, PageLink, PageStep, PasskeyList, PasskeyRow,
    PasskeyStep, TotpSetup,
};
pub use endpoints::csrf_form::{CsrfForm, CsrfRejection};
pub use error::{CheckError, Error, ErrorCode, TokenError, DEBUG_CAUSE_HEADER};
pub use extract::{CsrfToken, SessionRejection};
pub use guard::{Guard, GuardFuture, GuardService, SignedIn};
pub use hallpass::{Hallpass, HallpassBuilder};
pub use layer::{HallpassLayer, HallpassService, WithCookies};
pub use security_headers::{SecurityHeaders, SecurityHeadersService};
pub use session::{Session, SessionStore, SessionToken, User, CLOCK_TOLERANCE_SECS};
pub use shared::{BoxFuture, StoreError};
pub use store::{SessionHandle, SessionInfo};
pub use token_guard::{TokenGuard, TokenGuardService};
