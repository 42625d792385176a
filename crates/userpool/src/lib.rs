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

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use tokio::io::AsyncWriteExt;
use url::Url;

pub mod cli;
pub mod config;
mod error;
mod hosted_session;
mod hosted_ui;
mod http;
mod keys;
mod oauth2;
mod store;
mod tokens;

pub use config::{
    ClientConfig, OAuthFlow, PasswordPolicy, PoolConfig, Seed, TokenValidity, UserSeed,
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_POOL_ID, DEMO_USER_EMAIL, DEMO_USER_PASSWORD,
    DEMO_USER_SUB,
};
pub use error::Error;

use keys::{KeyCache, LoadedKey, Purpose};
use store::Store;

/// How expensive password hashing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordHashCost {
    /// Argon2id with its recommended parameters (19 MiB, 2 passes).
    #[default]
    Default,
    /// Argon2id with minimal parameters: fast, for tests and benchmarks only.
    Testing,
}

impl PasswordHashCost {
    fn argon2(self) -> Argon2<'static> {
        match self {
            PasswordHashCost::Default => Argon2::default(),
            PasswordHashCost::Testing => Argon2::new(
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x13,
                argon2::Params::new(8, 1, 1, None).expect("valid argon2 params"),
            ),
        }
    }
}

/// Failed passwords in a row before a user is locked out.
pub const LOCKOUT_AFTER: i64 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_DURATION: Duration = Duration::from_secs(15 * 60);
/// Authorization code lifetime (Cognito: 5 minutes).
const AUTH_CODE_SECS: i64 = 5 * 60;
/// Sign-up confirmation code lifetime (Cognito: 24 hours).
const CONFIRM_CODE_SECS: i64 = 24 * 60 * 60;
/// Password reset code lifetime (Cognito: 1 hour).
const RESET_CODE_SECS: i64 = 60 * 60;

/// A new user for [`UserPool::add_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Email, the sign-in name.
    pub email: String,
    /// Password; checked against the pool's policy.
    pub password: String,
    /// Attributes such as `name` or `custom:tenant`.
    pub attributes: BTreeMap<String, String>,
    /// Whether the user may sign in without entering a code first.
    pub confirmed: bool,
}

/// A user as listed by [`UserPool::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    /// The user's `sub` (also their `cognito:username`).
    pub sub: String,
    /// Email.
    pub email: String,
    /// Whether the sign-up is confirmed.
    pub confirmed: bool,
    /// Groups the user is in.
    pub groups: Vec<String>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
}

/// A pool as listed by [`UserPool::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSummary {
    /// Pool id.
    pub id: String,
    /// App client ids.
    pub clients: Vec<String>,
    /// Groups.
    pub groups: Vec<String>,
    /// Users.
    pub users: Vec<UserSummary>,
    /// Kids of the keys in the JWKS (current and not yet expired).
    pub kids: Vec<String>,
}

pub(crate) struct Inner {
    pools: Vec<PoolConfig>,
    /// client_id → index in `pools`: the hosted UI finds the pool from the client.
    clients: HashMap<String, usize>,
    store: Store,
    cost: PasswordHashCost,
    codes_file: Option<PathBuf>,
    codes_file_lock: tokio::sync::Mutex<()>,
    public_url: RwLock<Option<Url>>,
    /// Added to the wall clock; lets tests expire things without sleeping.
    clock_offset: AtomicI64,
    key_cache: KeyCache,
    /// Verified against when the user does not exist, so timing does not reveal it.
    dummy_hash: String,
}

/// A running-or-ready user pool. Cheap to clone: clones share everything.
#[derive(Clone)]
pub struct UserPool {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for UserPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPool")
            .field(
                "pools",
                &self.inner.pools.iter().map(|p| &p.id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Builds a [`UserPool`].
#[derive(Debug, Default)]
pub struct UserPoolBuilder {
    seed: Option<Seed>,
    database_url: Option<String>,
    cost: PasswordHashCost,
    codes_file: Option<PathBuf>,
    public_url: Option<Url>,
}

impl UserPoolBuilder {
    /// The pools, clients and users (default: none).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    /// `sqlite::memory:` (the default), a `sqlite:` URL, or a file path (created if missing).
    pub fn database_url(mut self, url: &str) -> Self {
        self.database_url = Some(url.to_string());
        self
    }

    /// Password hashing cost (default: [`PasswordHashCost::Default`]).
    pub fn password_hash_cost(mut self, cost: PasswordHashCost) -> Self {
        self.cost = cost;
        self
    }

    /// A file to which confirmation and reset codes are appended, one a line.
    pub fn codes_file(mut self, path: PathBuf) -> Self {
        self.codes_file = Some(path);
        self
    }

    /// The hosted-UI base URL; issuers are `{public_url}/{pool_id}`. Default:
    /// `http://localhost:{port}`, with the port of the listener given to [`UserPool::serve`].
    pub fn public_url(mut self, url: Url) -> Self {
        self.public_url = Some(url);
        self
    }

    /// Opens the database, creates the schema, keys and seed users as needed.
    pub async fn build(self) -> Result<UserPool, Error> {
        let seed = self.seed.unwrap_or(Seed { pools: vec![] });
        seed.validate()?;
        let store = Store::open(self.database_url.as_deref().unwrap_or("sqlite::memory:")).await?;
        let cost = self.cost;
        let dummy_hash = hash_password(cost, "not a real password".into()).await?;
        let mut clients = HashMap::new();
        for (i, p) in seed.pools.iter().enumerate() {
            for c in &p.clients {
                clients.insert(c.id.clone(), i);
            }
        }
        if let Some(u) = &self.public_url {
            check_public_url(u)?;
        }
        let pool = UserPool {
            inner: Arc::new(Inner {
                pools: seed.pools,
                clients,
                store,
                cost,
                codes_file: self.codes_file,
                codes_file_lock: tokio::sync::Mutex::new(()),
                public_url: RwLock::new(self.public_url),
                clock_offset: AtomicI64::new(0),
                key_cache: KeyCache::default(),
                dummy_hash,
            }),
        };
        pool.init().await?;
        Ok(pool)
    }
}

fn check_public_url(u: &Url) -> Result<(), Error> {
    if !matches!(u.scheme(), "http" | "https") || u.host().is_none() || u.query().is_some() {
        return Err(Error::Config(format!(
            "public URL {u} must be http(s)://host[:port][/path]"
        )));
    }
    Ok(())
}

async fn hash_password(cost: PasswordHashCost, password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        cost.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

impl UserPool {
    /// Starts building a pool.
    pub fn builder() -> UserPoolBuilder {
        UserPoolBuilder::default()
    }

    /// The HTTP routes: discovery, JWKS, `/oauth2/*`, `/logout` and the hosted-UI pages.
    /// Mount it at the root of the host named by the public URL (or nest it under its path).
    pub fn router(&self) -> axum::Router {
        oauth2::router(self.clone()).merge(hosted_ui::router(self.clone()))
    }

    /// Serves on `listener` in a spawned task. Without an explicit public URL, the issuer
    /// becomes `http://localhost:{listener's port}/{pool_id}`.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> Result<RunningUserPool, Error> {
        let addr = listener.local_addr()?;
        {
            let mut url = self.inner.public_url.write().expect("public url lock");
            if url.is_none() {
                *url = Some(
                    Url::parse(&format!("http://localhost:{}", addr.port()))
                        .map_err(|e| Error::Config(e.to_string()))?,
                );
            }
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = self.router();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "user pool server failed");
            }
        });
        // Expired codes and sessions go away now and then; nothing depends on it being prompt.
        let purger = {
            let pool = self.clone();
            tokio::spawn(async move {
                loop {
                    if let Err(e) = pool.inner.store.purge_expired(pool.now()).await {
                        tracing::warn!(error = %e, "purging expired rows failed");
                    }
                    tokio::time::sleep(Duration::from_secs(600)).await;
                }
            })
        };
        Ok(RunningUserPool {
            addr,
            pool: self,
            shutdown: Some(tx),
            task,
            purger,
        })
    }

    /// The newest confirmation or password-reset code sent to this email (for tests).
    pub async fn latest_code(&self, email: &str) -> Option<String> {
        self.inner
            .store
            .latest_user_code(email)
            .await
            .ok()
            .flatten()
    }

    /// Moves this pool's clock forward, so tests can expire codes, tokens and lockouts
    /// without sleeping. Affects only this pool's own checks.
    pub fn advance_clock(&self, by: Duration) {
        self.inner
            .clock_offset
            .fetch_add(by.as_secs() as i64, Ordering::SeqCst);
    }

    /// The hosted-UI base URL (no trailing slash), once known.
    pub fn public_url(&self) -> Option<Url> {
        self.inner
            .public_url
            .read()
            .expect("public url lock")
            .clone()
    }

    /// The issuer of a pool: `{public_url}/{pool_id}`.
    pub fn issuer(&self, pool_id: &str) -> Option<Url> {
        Url::parse(&format!("{}/{pool_id}", self.base())).ok()
    }

    /// Creates a user (admin: no code is sent). Returns the new user's `sub`.
    pub async fn add_user(&self, pool_id: &str, user: NewUser) -> Result<String, Error> {
        let pool = self.pool_config(pool_id)?;
        if !config::valid_email(&user.email) {
            return Err(Error::InvalidParameter(format!(
                "{:?} is not an email address",
                user.email
            )));
        }
        pool.password_policy
            .check(&user.password)
            .map_err(Error::InvalidParameter)?;
        let sub = uuid::Uuid::new_v4().to_string();
        let hash = hash_password(self.inner.cost, user.password).await?;
        self.inner
            .store
            .insert_user(
                pool_id,
                &sub,
                &user.email,
                &hash,
                user.confirmed,
                user.confirmed,
                &user.attributes,
                self.now(),
            )
            .await?;
        Ok(sub)
    }

    /// Adds a user (by email) to a group, creating the group if needed.
    pub async fn add_to_group(&self, pool_id: &str, email: &str, group: &str) -> Result<(), Error> {
        self.pool_config(pool_id)?;
        let user = self
            .inner
            .store
            .user_by_email(pool_id, email)
            .await?
            .ok_or(Error::NoSuchUser)?;
        self.inner
            .store
            .add_to_group(pool_id, &user.sub, group, self.now())
            .await
    }

    /// Makes new ID and access keys for the pool (or every pool). Old public keys stay in
    /// the JWKS until tokens they signed have expired.
    pub async fn rotate_keys(&self, pool_id: Option<&str>) -> Result<(), Error> {
        let ids: Vec<String> = match pool_id {
            Some(id) => vec![self.pool_config(id)?.id.clone()],
            None => self.inner.pools.iter().map(|p| p.id.clone()).collect(),
        };
        for id in ids {
            let now = self.now();
            let new = keys::generate_pair(now).await?;
            self.inner.store.replace_keys(&id, &new, now).await?;
            tracing::info!(pool = %id, "signing keys rotated");
        }
        Ok(())
    }

    /// Pools, clients, groups, users and published key ids.
    pub async fn list(&self) -> Result<Vec<PoolSummary>, Error> {
        let mut out = vec![];
        for p in &self.inner.pools {
            let mut users = vec![];
            for u in self.inner.store.users(&p.id).await? {
                users.push(UserSummary {
                    groups: self.inner.store.groups_of(&u.sub).await?,
                    sub: u.sub,
                    email: u.email,
                    confirmed: u.confirmed,
                    attributes: u.attributes,
                });
            }
            let kids = self
                .published_keys(p)
                .await?
                .into_iter()
                .map(|(_, k)| k.kid.clone())
                .collect();
            out.push(PoolSummary {
                id: p.id.clone(),
                clients: p.clients.iter().map(|c| c.id.clone()).collect(),
                groups: self.inner.store.groups(&p.id).await?,
                users,
                kids,
            });
        }
        Ok(out)
    }

    /// Closes the database.
    pub async fn close(&self) {
        self.inner.store.close().await;
    }

    // ---- internals shared by the handlers -------------------------------------------------

    /// Creates missing keys, seed groups and seed users. Existing rows are left alone.
    async fn init(&self) -> Result<(), Error> {
        let now = self.now();
        for p in &self.inner.pools {
            let rows = self.inner.store.keys(&p.id).await?;
            let has = |purpose: &str| {
                rows.iter()
                    .any(|r| r.purpose == purpose && r.retired_at.is_none())
            };
            if !has("id") || !has("access") {
                let new = keys::generate_pair(now).await?;
                self.inner.store.replace_keys(&p.id, &new, now).await?;
            }
            for g in &p.groups {
                self.inner.store.ensure_group(&p.id, g, now).await?;
            }
            for u in &p.users {
                let sub = u
                    .sub
                    .clone()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                if self
                    .inner
                    .store
                    .user_by_email(&p.id, &u.email)
                    .await?
                    .is_none()
                {
                    let hash = hash_password(self.inner.cost, u.password.clone()).await?;
                    match self
                        .inner
                        .store
                        .insert_user(
                            &p.id,
                            &sub,
                            &u.email,
                            &hash,
                            u.confirmed,
                            u.email_verified.unwrap_or(u.confirmed),
                            &u.attributes,
                            now,
                        )
                        .await
                    {
                        Ok(()) | Err(Error::UserExists) => {}
                        Err(e) => return Err(e),
                    }
                }
                let user = self
                    .inner
                    .store
                    .user_by_email(&p.id, &u.email)
                    .await?
                    .ok_or(Error::NoSuchUser)?;
                for g in &u.groups {
                    self.inner
                        .store
                        .add_to_group(&p.id, &user.sub, g, now)
                        .await?;
                }
            }
        }
        Ok(())
    }

    pub(crate) fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
            + self.inner.clock_offset.load(Ordering::SeqCst)
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The public base URL without a trailing slash.
    pub(crate) fn base(&self) -> String {
        self.public_url()
            .map(|u| u.as_str().trim_end_matches('/').to_string())
            .unwrap_or_else(|| "http://localhost".to_string())
    }

    /// The path part of the base URL, e.g. "" or "/auth": prefixes form actions and links.
    pub(crate) fn base_path(&self) -> String {
        self.public_url()
            .map(|u| u.path().trim_end_matches('/').to_string())
            .unwrap_or_default()
    }

    pub(crate) fn is_https(&self) -> bool {
        self.public_url().is_some_and(|u| u.scheme() == "https")
    }

    pub(crate) fn pool_config(&self, pool_id: &str) -> Result<&PoolConfig, Error> {
        self.inner
            .pools
            .iter()
            .find(|p| p.id == pool_id)
            .ok_or_else(|| Error::NoSuchPool(pool_id.to_string()))
    }

    /// The configured pools.
    pub fn pools(&self) -> &[PoolConfig] {
        &self.inner.pools
    }

    /// The pool and client for a client id.
    pub(crate) fn client(&self, client_id: &str) -> Option<(&PoolConfig, &ClientConfig)> {
        let pool = &self.inner.pools[*self.inner.clients.get(client_id)?];
        Some((pool, pool.client(client_id)?))
    }

    /// Keys in the JWKS, newest first.
    pub(crate) async fn published_keys(
        &self,
        pool: &PoolConfig,
    ) -> Result<Vec<(Purpose, Arc<LoadedKey>)>, Error> {
        let now = self.now();
        let t = pool.token_validity;
        let max_life = 60 * i64::from(t.id_token_minutes.max(t.access_token_minutes));
        let mut out = vec![];
        for row in self.inner.store.keys(&pool.id).await? {
            if keys::published(&row, now, max_life) {
                let purpose = if row.purpose == "id" {
                    Purpose::Id
                } else {
                    Purpose::Access
                };
                out.push((purpose, self.inner.key_cache.load(&row)?));
            }
        }
        Ok(out)
    }

    /// The current signing key for a purpose.
    pub(crate) async fn signing_key(
        &self,
        pool: &PoolConfig,
        purpose: Purpose,
    ) -> Result<Arc<LoadedKey>, Error> {
        let rows = self.inner.store.keys(&pool.id).await?;
        let row = rows
            .iter()
            .find(|r| r.purpose == purpose.as_str() && r.retired_at.is_none())
            .ok_or_else(|| {
                Error::Keys(format!(
                    "pool {} has no current {} key",
                    pool.id,
                    purpose.as_str()
                ))
            })?;
        self.inner.key_cache.load(row)
    }

    pub(crate) async fn hash_password(&self, password: &str) -> Result<String, Error> {
        hash_password(self.inner.cost, password.to_string()).await
    }

    /// Verifies a password; with no user, verifies against a dummy hash to take as long.
    pub(crate) async fn verify_password(&self, hash: Option<&str>, password: &str) -> bool {
        let ok = verify_password(
            hash.unwrap_or(&self.inner.dummy_hash).to_string(),
            password.to_string(),
        )
        .await;
        ok && hash.is_some()
    }

    /// Makes a 6-digit code, stores it, and "sends" it: a log line and the codes file.
    pub(crate) async fn send_code(
        &self,
        pool_id: &str,
        sub: &str,
        email: &str,
        purpose: &str,
    ) -> Result<(), Error> {
        use rand::Rng;
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let now = self.now();
        let life = if purpose == "reset" {
            RESET_CODE_SECS
        } else {
            CONFIRM_CODE_SECS
        };
        self.inner
            .store
            .insert_user_code(pool_id, sub, email, purpose, &code, now, now + life)
            .await?;
        let what = if purpose == "reset" {
            "password reset code"
        } else {
            "confirmation code"
        };
        // The one deliberate log of a secret: no mail leaves the machine, this is the mail.
        tracing::info!(pool = %pool_id, email = %email, code = %code, "{what}");
        if let Some(path) = &self.inner.codes_file {
            let _guard = self.inner.codes_file_lock.lock().await;
            let line = format!("{now}\t{pool_id}\t{email}\t{purpose}\t{code}\n");
            let mut f = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .await?;
            f.write_all(line.as_bytes()).await?;
        }
        Ok(())
    }
}

/// A pool serving HTTP in a background task.
#[derive(Debug)]
pub struct RunningUserPool {
    addr: SocketAddr,
    pool: UserPool,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    purger: tokio::task::JoinHandle<()>,
}

impl RunningUserPool {
    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The hosted-UI base URL, e.g. `http://localhost:9229/`.
    pub fn base_url(&self) -> Url {
        self.pool.public_url().expect("set by serve")
    }

    /// The issuer of a pool, e.g. `http://localhost:9229/us-east-1_HallpassDemo`.
    pub fn issuer(&self, pool_id: &str) -> Url {
        self.pool.issuer(pool_id).expect("valid issuer URL")
    }

    /// The pool (a handle sharing its state: admin methods, `latest_code`, ...).
    pub fn pool(&self) -> &UserPool {
        &self.pool
    }

    /// Stops accepting connections, finishes open requests, and closes the database.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.purger.abort();
        let _ = (&mut self.task).await;
        self.pool.close().await;
    }
}
