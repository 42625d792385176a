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
//!     .build();
//! let app = Router::new()
//!     .route("/protected", get(protected))
//!     .route_layer(auth.require_session())
//!     .merge(auth.router())
//!     .layer(auth.layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Sessions are encrypted cookies (JWE `dir` + `A256GCM`), byte-compatible with NextAuth v4 when
//! [`Compat::NextAuthV4`] is on. A protected page costs one cookie decrypt and no network.
//!
//! ```
//! use hallpass::{Compat, Config, Hallpass, SessionToken};
//!
//! let config = Config::builder()
//!     .url("https://app.example.com")
//!     .secret("a secret of at least thirty-two bytes!")
//!     .compat(Compat::NextAuthV4)
//!     .build()?;
//! let auth = Hallpass::builder(config).build();
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

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod axum;
pub mod config;
mod cookies;
mod csrf;
pub mod error;
pub mod hooks;
pub mod jwe;
pub mod provider;
pub mod redirect;
mod refresh;
pub mod session;

use std::sync::Arc;

pub use crate::axum::extract::{SessionRejection, SessionSlot};
pub use crate::axum::guard::RequireSession;
pub use crate::axum::layer::HallpassLayer;
pub use crate::axum::CsrfToken;
pub use config::{Compat, Config, ConfigBuilder, ConfigError, Pages, Unauthenticated};
pub use error::{Error, ErrorCode};
pub use hooks::{DefaultHooks, Hooks};
pub use provider::OidcProvider;
pub use session::{Session, SessionStore, SessionToken};

use cookies::Cookies;
use session::JwtStore;

/// The Hallpass instance: configuration, providers, hooks. Cheap to clone (an `Arc`).
#[derive(Clone)]
pub struct Hallpass {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) cookies: Cookies,
    pub(crate) jwt: JwtStore,
    pub(crate) store: Option<Arc<dyn SessionStore>>,
    pub(crate) providers: Vec<Arc<OidcProvider>>,
    pub(crate) hooks: Arc<dyn Hooks>,
    pub(crate) refresh: refresh::RefreshCoordinator,
}

impl std::fmt::Debug for Hallpass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hallpass")
            .field("config", &self.inner.config)
            .field(
                "providers",
                &self
                    .inner
                    .providers
                    .iter()
                    .map(|p| p.id())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Builds a [`Hallpass`].
pub struct HallpassBuilder {
    config: Config,
    providers: Vec<Arc<OidcProvider>>,
    hooks: Arc<dyn Hooks>,
    store: Option<Arc<dyn SessionStore>>,
}

impl HallpassBuilder {
    /// Adds a provider; its id must be unique.
    pub fn provider(mut self, provider: OidcProvider) -> Self {
        self.providers.push(Arc::new(provider));
        self
    }

    /// Sets the hooks (default: [`DefaultHooks`]).
    pub fn hooks(mut self, hooks: impl Hooks) -> Self {
        self.hooks = Arc::new(hooks);
        self
    }

    /// Keeps sessions in `store` instead of in the cookie (the default is the encrypted cookie).
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Finishes the instance.
    pub fn build(self) -> Hallpass {
        let cookies = Cookies::new(&self.config);
        let jwt = JwtStore::new(cookies.session_keys.clone());
        Hallpass {
            inner: Arc::new(Inner {
                config: self.config,
                cookies,
                jwt,
                store: self.store,
                providers: self.providers,
                hooks: self.hooks,
                refresh: refresh::RefreshCoordinator::default(),
            }),
        }
    }
}

impl Hallpass {
    /// Starts a builder from a validated configuration.
    pub fn builder(config: Config) -> HallpassBuilder {
        HallpassBuilder {
            config,
            providers: Vec::new(),
            hooks: Arc::new(DefaultHooks),
            store: None,
        }
    }

    /// Everything from the environment: [`Config::from_env`], then the Cognito provider when
    /// `COGNITO_CLIENT_ID` is set and the generic OIDC provider when `AUTH_OIDC_ISSUER` is set.
    pub fn from_env() -> Result<Hallpass, Error> {
        let config = Config::from_env()?;
        let mut builder = Hallpass::builder(config);
        if let Some(cognito) = provider::Cognito::from_env()? {
            builder = builder.provider(cognito);
        }
        if let Some(oidc) = provider::OidcConfig::from_env()? {
            builder = builder.provider(OidcProvider::new(oidc)?);
        }
        Ok(builder.build())
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The configured providers.
    pub fn providers(&self) -> impl Iterator<Item = &OidcProvider> {
        self.inner.providers.iter().map(|p| p.as_ref())
    }

    pub(crate) fn provider(&self, id: &str) -> Option<&Arc<OidcProvider>> {
        self.inner.providers.iter().find(|p| p.id() == id)
    }

    /// The session cookie's name (`hallpass.session-token`, `next-auth.session-token`, with the
    /// `__Secure-` prefix on https).
    pub fn session_cookie_name(&self) -> &str {
        &self.inner.cookies.session_name
    }

    /// The CSRF cookie's name.
    pub fn csrf_cookie_name(&self) -> &str {
        &self.inner.cookies.csrf_name
    }

    /// Encrypts a session token the way the session cookie holds it (for tests, tools and interop).
    pub fn encode_session(&self, token: &SessionToken) -> String {
        self.inner.jwt.encode(token)
    }

    /// Decrypts and checks a session cookie value (for tests, tools and interop; handlers use the
    /// [`Session`] extractor).
    pub fn decode_session(&self, value: &str) -> Result<SessionToken, session::StoreError> {
        self.inner.jwt.decode(value, session::now())
    }
}
