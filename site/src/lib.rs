//! The example website: the Next.js + NextAuth + Cognito tutorial's site, in Rust with Hallpass.
//!
//! `/` greets the visitor and offers Sign In (straight to the hosted UI) or Sign Out; `/protected`
//! is for signed-in users only; `/admin` for the `admin` group. With `COGNITO_*` set it signs in with
//! real Cognito; otherwise it starts the embedded local user pool and prints the demo credentials.
//! Built only on Hallpass's public API.

#![forbid(unsafe_code)]

mod pages;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use axum::routing::get;
use axum::Router;
use hallpass::provider::Cognito;
use hallpass::{Config, Hallpass};
use tokio::net::TcpListener;
use url::Url;
use userpool::{PasswordHashCost, RunningUserPool, Seed, UserPool};

/// Anything that stops the site from starting; the message says what to fix.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How the site is started. [`Settings::from_env`] reads the environment (after `.env.local` and
/// `.env`); tests build one by hand with port 0.
#[derive(Debug, Clone)]
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
    /// Fast password hashing for the embedded pool (tests, benchmarks); never for real users.
    pub fast_password_hashing: bool,
    /// Sign in with real Cognito (`COGNITO_CLIENT_ID` is set) instead of the embedded pool.
    pub use_cognito: bool,
    /// Read `AUTH_*` variables for Hallpass (off in tests, which pass `auth_secret`).
    pub read_auth_env: bool,
    /// A fixed secret (tests); otherwise `AUTH_SECRET` or a generated development secret.
    pub auth_secret: Option<String>,
}

fn env_port(name: &str, default: u16) -> Result<u16, Error> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a port number (0-65535)").into()),
        _ => Ok(default),
    }
}

impl Settings {
    /// Loads `.env.local` then `.env` (the process environment wins) and reads `PORT`,
    /// `USERPOOL_PORT`, `USERPOOL_DB`, `USERPOOL_CODES_FILE` and whether `COGNITO_CLIENT_ID` is set.
    pub fn from_env() -> Result<Settings, Error> {
        for file in [".env.local", ".env"] {
            let _ = dotenvy::from_filename(file);
        }
        Ok(Settings {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: env_port("PORT", 3000)?,
            userpool_port: env_port("USERPOOL_PORT", 9229)?,
            userpool_db: Some(
                std::env::var("USERPOOL_DB")
                    .ok()
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| ".userpool.db".into())
                    .into(),
            ),
            userpool_codes_file: std::env::var("USERPOOL_CODES_FILE")
                .ok()
                .filter(|v| !v.is_empty())
                .map(Into::into),
            fast_password_hashing: false,
            use_cognito: std::env::var("COGNITO_CLIENT_ID").is_ok_and(|v| !v.is_empty()),
            read_auth_env: true,
            auth_secret: None,
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
            fast_password_hashing: true,
            use_cognito: false,
            read_auth_env: false,
            auth_secret: Some(secret.to_string()),
        }
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
        let url = Url::parse(&format!("http://localhost:{port}"))?;

        let mut config = Config::builder().url(url.as_str());
        if let Some(secret) = &settings.auth_secret {
            config = config.secret(secret.as_str());
        }
        if settings.read_auth_env {
            config = config.with_env()?;
        }
        let config = config.build()?;

        let (provider, pool) = if settings.use_cognito {
            let provider = Cognito::from_env()?
                .ok_or("COGNITO_CLIENT_ID is set but the Cognito provider is not configured")?;
            (provider, None)
        } else {
            let pool = start_pool(&settings, config.origin()).await?;
            let issuer = pool.issuer(userpool::DEMO_POOL_ID);
            let provider = Cognito::builder()
                .client_id(userpool::DEMO_CLIENT_ID)
                .client_secret(userpool::DEMO_CLIENT_SECRET.to_string().into())
                .issuer(issuer.as_str())
                .federated_sign_out(true)
                .build()?;
            (provider, Some(pool))
        };
        let hallpass = Hallpass::builder(config).provider(provider).build()?;
        let app = app(&hallpass);
        Ok(Site {
            url,
            pool,
            hallpass,
            listener,
            app,
        })
    }

    /// Serves until `shutdown` completes, then stops the pool.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        axum::serve(self.listener, self.app)
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
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("site server failed: {e}");
            }
        });
        (url, pool)
    }
}

async fn start_pool(settings: &Settings, site_origin: &Url) -> Result<RunningUserPool, Error> {
    let listener = TcpListener::bind(SocketAddr::new(settings.bind, settings.userpool_port))
        .await
        .map_err(|e| {
            format!(
                "cannot start the local user pool on port {} ({e}); set USERPOOL_PORT to a free port",
                settings.userpool_port
            )
        })?;
    let mut builder = UserPool::builder()
        .seed(Seed::demo(site_origin))
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
    Ok(builder.build().await?.serve(listener).await?)
}

/// The site's routes on top of Hallpass.
pub fn app(hallpass: &Hallpass) -> Router {
    let protected = Router::new()
        .route("/protected", get(pages::protected))
        .route_layer(hallpass.require_session());
    let admin = Router::new()
        .route("/admin", get(pages::admin))
        .route_layer(hallpass.require_group("admin"));
    Router::new()
        .route("/", get(pages::home))
        .route("/static/site.css", get(pages::css))
        .route("/static/session-sync.js", get(pages::script))
        .route("/static/logo.svg", get(pages::logo))
        .merge(protected)
        .merge(admin)
        .merge(hallpass.router())
        .layer(hallpass.layer())
        .layer(hallpass::SecurityHeaders::new())
}
