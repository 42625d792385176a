//! The example website: the Next.js + NextAuth + Cognito tutorial's site, in Rust with Hallpass.
//!
//! `/` greets the visitor and offers Sign In (straight to the hosted UI) or Sign Out; `/protected`
//! is for signed-in users only; `/admin` for the `admin` group (a signed-out visit goes through
//! sign-in and comes back). With `COGNITO_*` set it signs in with real Cognito, with `AUTH_OIDC_*`
//! with any OpenID Connect provider (beside Cognito or alone); with neither it starts the embedded
//! local user pool and prints the demo credentials.
//! Built only on Hallpass's public API.

#![forbid(unsafe_code)]

mod account;
mod pages;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use axum::routing::{get, post};
use axum::Router;
use hallpass::clock::ManualClock;
use hallpass::provider::{Cognito, OAuthConfig, OAuthProvider, Provider, SignInMode};
use hallpass::{Config, ConfigBuilder, Hallpass, Pages, Theme, Unauthenticated};
use tokio::net::TcpListener;
use url::Url;
use userpool::{MfaSetting, PasswordHashCost, RunningUserPool, Seed, UserPool};

/// The site's own pages load their stylesheet, script and images from the site and nothing
/// else, run no inline script, and are framed by nobody. (Hallpass's built-in pages send their
/// own, stricter policy.)
const SITE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'";

/// Anything that stops the site from starting; the message says what to fix.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How the site is started. [`Settings::from_env`] reads the environment (after `.env.local` and
/// `.env`); [`Settings::from_vars`] the same variables from any lookup (tests pass a map, so that
/// they never race each other over the process environment); [`Settings::for_tests`] is loopback,
/// free ports and an embedded in-memory pool.
#[derive(Clone)]
pub struct Settings {
    /// Address to bind (default 127.0.0.1).
    pub bind: IpAddr,
    /// The site's port (`PORT`, default 3000; 0 picks a free one).
    pub port: u16,
    /// The embedded pool's port (`USERPOOL_PORT`, default 9229; 0 picks a free one).
    pub userpool_port: u16,
    /// The embedded pool's SQLite database (`USERPOOL_DB`, default `.userpool.db`; `None` = in memory).
    pub userpool_db: Option<PathBuf>,
    /// Where the embedded pool appends confirmation codes (`USERPOOL_CODES_FILE`).
    pub userpool_codes_file: Option<PathBuf>,
    /// The embedded pool's MFA (`USERPOOL_MFA`: `off`, `optional` or `on`); `None` keeps the
    /// demo's `optional` (or what `SetUserPoolMfaConfig` last set in its database).
    pub userpool_mfa: Option<MfaSetting>,
    /// Fast password hashing for the embedded pool (tests, benchmarks); never for real users.
    pub fast_password_hashing: bool,
    /// Real Cognito, from `COGNITO_*` when `COGNITO_CLIENT_ID` is set: the hosted-UI provider,
    /// and the form provider with `COGNITO_SIGNIN=form|both`.
    pub cognito: Vec<Provider>,
    /// How the embedded pool signs in (`COGNITO_SIGNIN`, default `both`: the hosted UI and the
    /// site's own pages).
    pub embedded_sign_in: SignInMode,
    /// A clock for Hallpass that tests move (the embedded pool's is moved with
    /// `UserPool::advance_clock`); `None` is the system clock.
    pub clock: Option<ManualClock>,
    /// A generic OpenID Connect provider, from `AUTH_OIDC_*` when `AUTH_OIDC_ISSUER` is set.
    pub oidc: Option<OAuthConfig>,
    /// `COGNITO_USERINFO=true`: the embedded pool's provider also calls `/oauth2/userInfo`.
    pub cognito_userinfo: bool,
    /// Passkeys on the site's own pages with the embedded pool (`COGNITO_PASSKEYS`, default on):
    /// the pool's relying party is the site's host (`localhost`). Real Cognito reads
    /// `COGNITO_PASSKEYS` itself (`Cognito::providers_from_env`).
    pub passkeys: bool,
    /// Hallpass's configuration so far (`AUTH_*` applied; the site's URL is added at start).
    pub auth: ConfigBuilder,
    /// Whether `AUTH_URL` (or `NEXTAUTH_URL`) was given; otherwise the URL is `http://localhost:{port}`.
    pub auth_url_given: bool,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `auth` may hold a secret: not shown.
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("userpool_port", &self.userpool_port)
            .field("cognito", &self.cognito.len())
            .field("oidc", &self.oidc.is_some())
            .finish_non_exhaustive()
    }
}

fn port_var(var: &dyn Fn(&str) -> Option<String>, name: &str, default: u16) -> Result<u16, Error> {
    match var(name) {
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a port number (0-65535)").into()),
        None => Ok(default),
    }
}

fn bool_var(var: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<bool, Error> {
    match var(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(_) => Err(format!("{name} must be true or false").into()),
    }
}

/// The site's name, as in `templates/base.html`'s titles.
pub const SITE_NAME: &str = "Example Hallpass";

/// The site's brand for Hallpass's built-in pages (sign-in, sign-out, error, 403), so that they
/// look like the site: its name, its logo badge and `static/site.css`'s accent on the buttons.
/// `AUTH_THEME_*` still override it part by part.
pub fn theme() -> Theme {
    Theme::new()
        .name(SITE_NAME)
        .logo("/static/brand.svg")
        .brand_color("#4f46e5")
        .button_text("#ffffff")
}

impl Settings {
    /// Loads `.env.local` then `.env` (the process environment wins), then [`Settings::from_vars`]
    /// with the process environment.
    pub fn from_env() -> Result<Settings, Error> {
        Config::load_env_files();
        Settings::from_vars(|k| std::env::var(k).ok())
    }

    /// Reads `PORT`, `USERPOOL_PORT`, `USERPOOL_DB`, `USERPOOL_CODES_FILE`, `USERPOOL_MFA`, `COGNITO_*`,
    /// `AUTH_OIDC_*` and Hallpass's `AUTH_*` from `var` (empty values count as unset).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Settings, Error> {
        let var = move |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let cognito = match var("COGNITO_CLIENT_ID") {
            Some(_) => Cognito::providers_from_env_with(&var)?,
            None => Vec::new(),
        };
        let embedded_sign_in = match var("COGNITO_SIGNIN") {
            Some(v) => {
                SignInMode::parse(&v).ok_or("COGNITO_SIGNIN must be hosted, form or both")?
            }
            None => SignInMode::Both,
        };
        Ok(Settings {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: port_var(&var, "PORT", 3000)?,
            userpool_port: port_var(&var, "USERPOOL_PORT", 9229)?,
            userpool_db: Some(
                var("USERPOOL_DB")
                    .unwrap_or_else(|| ".userpool.db".into())
                    .into(),
            ),
            userpool_codes_file: var("USERPOOL_CODES_FILE").map(Into::into),
            userpool_mfa: match var("USERPOOL_MFA") {
                Some(v) => {
                    Some(MfaSetting::parse(&v).ok_or("USERPOOL_MFA must be off, optional or on")?)
                }
                None => None,
            },
            fast_password_hashing: false,
            cognito,
            embedded_sign_in,
            clock: None,
            oidc: OAuthConfig::from_env_with(&var)?,
            cognito_userinfo: bool_var(&var, "COGNITO_USERINFO")?,
            passkeys: var("COGNITO_PASSKEYS").is_none() || bool_var(&var, "COGNITO_PASSKEYS")?,
            auth: Config::builder().theme(theme()).with_vars(&var)?,
            auth_url_given: var("AUTH_URL").or_else(|| var("NEXTAUTH_URL")).is_some(),
        })
    }

    /// Settings for tests: loopback, free ports, in-memory pool, fast hashing, a fixed secret.
    pub fn for_tests(secret: &str) -> Settings {
        Settings {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            userpool_port: 0,
            userpool_db: None,
            userpool_codes_file: None,
            userpool_mfa: None,
            fast_password_hashing: true,
            cognito: Vec::new(),
            embedded_sign_in: SignInMode::Both,
            clock: None,
            oidc: None,
            cognito_userinfo: false,
            passkeys: false,
            auth: Config::builder().theme(theme()).secret(secret),
            auth_url_given: false,
        }
    }

    /// True when the site signs in with the embedded local pool (no Cognito, no OpenID provider).
    pub fn uses_embedded_pool(&self) -> bool {
        self.cognito.is_empty() && self.oidc.is_none()
    }
}

/// A started site (and its embedded pool, if any).
pub struct Site {
    /// `http://localhost:{port}`.
    pub url: Url,
    /// The embedded pool, when the site is not using real Cognito.
    pub pool: Option<RunningUserPool>,
    /// The Hallpass instance.
    pub hallpass: Hallpass,
    listener: TcpListener,
    app: Router,
}

impl Site {
    /// Binds the ports, starts the embedded pool if needed, and builds the app (not serving yet).
    pub async fn start(settings: Settings) -> Result<Site, Error> {
        let listener = TcpListener::bind(SocketAddr::new(settings.bind, settings.port))
            .await
            .map_err(|e| {
                format!(
                    "cannot listen on {}:{} ({e}); set PORT to a free port",
                    settings.bind, settings.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let mut config = settings.auth.clone();
        if !settings.auth_url_given {
            config = config.url(format!("http://localhost:{port}"));
        }
        // Deep links survive sign-in: a signed-out visit to /admin comes back to /admin. The
        // Cognito form's steps are the site's own pages under /account.
        let config = config
            .unauthenticated(Unauthenticated::SignIn)
            .pages(Pages {
                cognito: Some("/account".into()),
                ..Pages::default()
            })
            .build()?;
        let url = config.origin().clone();

        let mut builder = Hallpass::builder(config.clone());
        if let Some(clock) = &settings.clock {
            builder = builder.clock(clock.clone());
        }
        let mut pool = None;
        if settings.uses_embedded_pool() {
            // A passkey's relying party is a domain name: a site on an IP address goes without.
            let passkeys = settings.passkeys && is_domain(config.origin());
            if settings.passkeys && !passkeys {
                tracing::warn!(
                    "passkeys are off: the site is not on a domain name (use http://localhost:…)"
                );
            }
            let running = start_pool(&settings, config.origin(), passkeys).await?;
            // The pool serves Cognito's JSON API at its root, which is where the form goes.
            let providers = Cognito::builder()
                .client_id(userpool::DEMO_CLIENT_ID)
                .client_secret(userpool::DEMO_CLIENT_SECRET.to_string().into())
                .issuer(running.issuer(userpool::DEMO_POOL_ID).as_str())
                .federated_sign_out(true)
                .userinfo(settings.cognito_userinfo)
                .passkeys(passkeys)
                .sign_in_mode(settings.embedded_sign_in)
                .build_providers()?;
            for p in providers {
                builder = builder.provider(p);
            }
            pool = Some(running);
        }
        for cognito in settings.cognito {
            builder = builder.provider(cognito);
        }
        if let Some(oidc) = settings.oidc {
            builder = builder.provider(OAuthProvider::new(oidc)?);
        }
        let hallpass = builder.build()?;
        let app = app(&hallpass);
        Ok(Site {
            url,
            pool,
            hallpass,
            listener,
            app,
        })
    }

    /// The address the site listens on (its port, when it was started with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then stops the pool.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let app = self.app.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        if let Some(pool) = self.pool {
            pool.shutdown().await;
        }
        Ok(())
    }

    /// Serves in a background task (tests). Returns the site's URL and the pool.
    pub fn spawn(self) -> (Url, Option<RunningUserPool>) {
        let url = self.url.clone();
        let pool = self.pool;
        let (listener, app) = (self.listener, self.app);
        tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("site server failed: {e}");
            }
        });
        (url, pool)
    }
}

/// Whether `url`'s host is a domain name (not an IP address).
fn is_domain(url: &Url) -> bool {
    matches!(url.host(), Some(url::Host::Domain(_)))
}

async fn start_pool(
    settings: &Settings,
    site_origin: &Url,
    passkeys: bool,
) -> Result<RunningUserPool, Error> {
    let listener = TcpListener::bind(SocketAddr::new(settings.bind, settings.userpool_port))
        .await
        .map_err(|e| {
            format!(
                "cannot start the local user pool on port {} ({e}); set USERPOOL_PORT to a free port",
                settings.userpool_port
            )
        })?;
    let mut seed = Seed::demo(site_origin);
    if let Some(mfa) = settings.userpool_mfa {
        seed = seed.with_mfa(mfa);
    }
    let mut builder =
        UserPool::builder()
            .seed(seed)
            .password_hash_cost(if settings.fast_password_hashing {
                PasswordHashCost::Testing
            } else {
                PasswordHashCost::Default
            });
    if let Some(db) = &settings.userpool_db {
        builder = builder.database_url(&db.to_string_lossy());
    }
    if let Some(codes) = &settings.userpool_codes_file {
        builder = builder.codes_file(codes.clone());
    }
    let pool = builder.build().await?;
    if let Some(mfa) = settings.userpool_mfa {
        // The variable wins over a setting the database kept from an earlier run.
        pool.set_mfa(userpool::DEMO_POOL_ID, mfa).await?;
    }
    if passkeys {
        // The site's host is the passkeys' relying party (`http://localhost` is a secure context).
        let host = site_origin.host_str().unwrap_or("localhost");
        pool.set_passkeys(userpool::DEMO_POOL_ID, host).await?;
    }
    Ok(pool.serve(listener).await?)
}

/// The site's routes on top of Hallpass.
pub fn app(hallpass: &Hallpass) -> Router {
    // `/protected` takes the `SignedIn` extractor: the default guard's check and answers, without
    // a `route_layer` (cheaper per request); the routes below show the guards.
    let protected = Router::new().route("/protected", get(pages::protected));
    let admin = Router::new()
        .route("/admin", get(pages::admin))
        .route_layer(hallpass.require_group("admin"));
    // The user's sessions (server-side stores): list, sign out one, sign out everywhere.
    let account = Router::new()
        .route("/account", get(account::sessions))
        .route("/account/sessions/revoke", post(account::revoke))
        .route("/account/sessions/revoke-all", post(account::revoke_all))
        .route_layer(hallpass.require_session());
    Router::new()
        .route("/", get(pages::home))
        .route("/static/site.css", get(pages::css))
        .route("/static/session-sync.js", get(pages::script))
        .route("/static/logo.svg", get(pages::logo))
        .route("/account/{step}", get(pages::account))
        .route("/static/brand.svg", get(pages::brand))
        .merge(protected)
        .merge(admin)
        .merge(account)
        .merge(hallpass.router())
        .fallback(pages::not_found)
        .layer(hallpass.layer())
        .layer(
            hallpass
                .security_headers()
                .content_security_policy(Some(axum::http::HeaderValue::from_static(SITE_CSP))),
        )
        // Turns every handler into its finished route once, here, instead of on every request
        // (axum keeps handlers of a router whose state is not yet given in a to-be-built form).
        .with_state(())
}
