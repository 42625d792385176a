//! The pool itself: its configuration, database, keys and clock, how it is built and seeded,
//! and the internals the endpoints share. The endpoints live elsewhere (see `server`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use url::Url;

use crate::config::{ClientConfig, PoolConfig};
use crate::cors::AllowedOrigins;
use crate::credentials::{PasswordVerifications, VerificationCounter};
use crate::error::Error;
use crate::keys::{self, KeyCache, LoadedKey, Purpose};
use crate::lambda::Invoker;
use crate::limits::Limits;
use crate::outbox::{Message, MessageKind, Outbox, SentMessage};
use crate::password::{hash_password, verify_password, PasswordHashCost};
use crate::runtime_pools::RuntimePools;
use crate::server_secret::ServerSecret;
use crate::store::Store;

mod builder;
mod credentials;
mod runtime_pools;
mod user_password;

pub use builder::UserPoolBuilder;

pub(crate) struct Inner {
    pools: Vec<PoolConfig>,
    /// client_id → index in `pools`: the hosted UI finds the pool from the client.
    clients: HashMap<String, usize>,
    /// Pools made at run time (`CreateUserPool`).
    runtime: RuntimePools,
    store: Store,
    cost: PasswordHashCost,
    outbox: Outbox,
    public_url: RwLock<Option<Url>>,
    /// Added to the wall clock; lets tests expire things without sleeping.
    clock_offset: AtomicI64,
    key_cache: KeyCache,
    /// Verified against when the user does not exist, so timing does not reveal it.
    dummy_hash: String,
    verifications: VerificationCounter,
    /// Refresh-token redemptions, every front door (see [`UserPool::refreshes`]).
    refreshes: AtomicU64,
    /// Web origins whose pages may read the JSON API's public operations.
    cors_origins: AllowedOrigins,
    /// Per-user limits kept in memory (`limits.rs`).
    limits: Limits,
    /// The database's secret key, for derived values (`server_secret.rs`).
    secret: ServerSecret,
    /// Runs the Lambda triggers.
    invoker: Invoker,
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

impl UserPool {
    /// Starts building a pool.
    pub fn builder() -> UserPoolBuilder {
        UserPoolBuilder::default()
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

    /// Without an explicit public URL, `http://localhost:{port}` of the listener.
    pub(crate) fn default_public_url(&self, port: u16) -> Result<(), Error> {
        let mut url = self.inner.public_url.write().expect("public url lock");
        if url.is_none() {
            *url = Some(
                Url::parse(&format!("http://localhost:{port}"))
                    .map_err(|e| Error::Config(e.to_string()))?,
            );
        }
        Ok(())
    }

    /// The issuer of a pool: `{public_url}/{pool_id}`.
    pub fn issuer(&self, pool_id: &str) -> Option<Url> {
        Url::parse(&format!("{}/{pool_id}", self.base())).ok()
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
                    let record = self.password_record(&p.id, &sub, &u.password).await?;
                    match self
                        .inner
                        .store
                        .insert_user(
                            &p.id,
                            &sub,
                            &u.email,
                            &record,
                            u.confirmed,
                            u.email_verified.unwrap_or(u.confirmed),
                            &u.attributes,
                            now,
                        )
                        .await
                    {
                        Ok(()) if u.password_temporary => {
                            self.inner.store.set_password_temporary(&sub, true).await?;
                        }
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

    pub(crate) fn cors_origins(&self) -> &AllowedOrigins {
        &self.inner.cors_origins
    }

    pub(crate) fn secret(&self) -> &ServerSecret {
        &self.inner.secret
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub(crate) fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
            + self.inner.clock_offset.load(Ordering::SeqCst)
    }

    /// "Sends" a message through the outbox, by the pool's clock.
    pub(crate) async fn deliver(&self, m: Message) -> Result<(), Error> {
        self.inner.outbox.deliver(m, self.now()).await
    }

    /// The messages in the outbox, newest first (for tests and tools).
    pub fn outbox_messages(&self) -> Vec<SentMessage> {
        self.inner.outbox.newest_first()
    }

    /// Counts a message of `kind` to `name` by the pool's clock, or refuses it with
    /// `LimitExceeded` (see [`Limits::count_send`]).
    pub(crate) fn count_send(
        &self,
        pool_id: &str,
        kind: MessageKind,
        name: &str,
    ) -> Result<(), Error> {
        self.inner
            .limits
            .count_send(pool_id, kind, name, self.now())
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn invoker(&self) -> &Invoker {
        &self.inner.invoker
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

    /// A pool of the seed or made at run time.
    pub(crate) fn pool_config(&self, pool_id: &str) -> Result<&PoolConfig, Error> {
        self.inner
            .pools
            .iter()
            .find(|p| p.id == pool_id)
            .or_else(|| self.inner.runtime.pool(pool_id))
            .ok_or_else(|| Error::NoSuchPool(pool_id.to_string()))
    }

    /// The pools of the seed (those made at run time are not listed).
    pub fn pools(&self) -> &[PoolConfig] {
        &self.inner.pools
    }

    /// Every pool: the seed's and those made at run time.
    pub(crate) fn all_pools(&self) -> Vec<&PoolConfig> {
        let mut all: Vec<&PoolConfig> = self.inner.pools.iter().collect();
        all.extend(self.inner.runtime.all());
        all
    }

    pub(crate) fn runtime_pools(&self) -> &RuntimePools {
        &self.inner.runtime
    }

    /// The pool and client for a client id.
    pub(crate) fn client(&self, client_id: &str) -> Option<(&PoolConfig, &ClientConfig)> {
        let pool = match self.inner.clients.get(client_id) {
            Some(i) => &self.inner.pools[*i],
            None => self.inner.runtime.pool_of_client(client_id)?,
        };
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

    /// How many password verifications this pool has run, real and against the dummy hash.
    pub fn password_verifications(&self) -> PasswordVerifications {
        self.inner.verifications.get()
    }

    /// How many refresh-token redemptions this pool has processed (the token endpoint's
    /// `refresh_token` grant, `REFRESH_TOKEN_AUTH` and `GetTokensFromRefreshToken`; honoured or
    /// refused as unknown, expired or revoked). Lets a test count the token requests that many app
    /// instances make, without timing anything.
    pub fn refreshes(&self) -> u64 {
        self.inner.refreshes.load(Ordering::Relaxed)
    }

    pub(crate) fn count_refresh(&self) {
        self.inner.refreshes.fetch_add(1, Ordering::Relaxed);
    }

    /// Verifies a password; with no user, verifies against a dummy hash to take as long.
    pub(crate) async fn verify_password(&self, hash: Option<&str>, password: &str) -> bool {
        self.inner.verifications.count(hash.is_none());
        let ok = verify_password(
            hash.unwrap_or(&self.inner.dummy_hash).to_string(),
            password.to_string(),
        )
        .await;
        ok && hash.is_some()
    }
}
