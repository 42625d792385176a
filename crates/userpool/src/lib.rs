//! A local AWS Cognito user pool: the hosted UI and the OAuth 2.0 / OpenID Connect
//! endpoints, with Cognito-shaped tokens, on SQLite. It runs offline, so an app that signs
//! in with Cognito can be developed and tested without an AWS account.
//!
//! ```no_run
//! # async fn demo() -> Result<(), userpool::Error> {
//! use userpool::{PasswordHashCost, Seed, UserPool};
//! let site = url::Url::parse("http://localhost:3000").unwrap();
//! let pool = UserPool::builder()
//!     .seed(Seed::demo(&site))
//!     .database_url("sqlite::memory:")
//!     .password_hash_cost(PasswordHashCost::Testing)
//!     .build()
//!     .await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9229").await?;
//! let running = pool.serve(listener).await?;
//! println!("issuer: {}", running.issuer(userpool::DEMO_POOL_ID));
//! # Ok(()) }
//! ```

mod access_token;
mod admin;
mod api;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
mod cors;
mod credentials;
mod error;
mod guard;
mod home;
mod hosted_session;
mod hosted_ui;
mod http;
mod keys;
mod limits;
mod mfa;
mod oauth2;
mod outbox;
mod passkey;
mod passkey_config;
mod passkey_sign_in;
mod password;
mod pool;
mod refresh;
mod runtime_pools;
mod server;
mod server_secret;
pub mod srp;
mod store;
mod tokens;
pub mod totp;
mod triggers;
mod user_password;
mod user_tokens;

pub use admin::{NewUser, PoolSummary, UserSummary};
pub use config::{
    AuthFlow, ClientConfig, DeviceConfiguration, MfaSetting, OAuthFlow, PasswordPolicy, PoolConfig,
    Seed, TokenValidity, UserSeed, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_POOL_ID,
    DEMO_USER_EMAIL, DEMO_USER_PASSWORD, DEMO_USER_SUB,
};
pub use cors::DEFAULT_CORS_ORIGINS;
pub use credentials::{PasswordVerifications, LOCKOUT_AFTER, LOCKOUT_DURATION};
pub use error::Error;
pub use limits::{SENDS_PER_WINDOW, SEND_WINDOW_SECS};
pub use outbox::{MessageKind, SentMessage, OUTBOX_CAPACITY};
pub use password::PasswordHashCost;
pub use pool::{UserPool, UserPoolBuilder};
pub use server::RunningUserPool;
pub use triggers::config::{LambdaConfig, VersionedTrigger};
