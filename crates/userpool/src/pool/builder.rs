//! [`UserPoolBuilder`]: the pool's settings, and `build`, which opens the database and puts the
//! pool's parts together.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use url::Url;

use super::{Inner, UserPool};
use crate::config::Seed;
use crate::cors::AllowedOrigins;
use crate::credentials::VerificationCounter;
use crate::error::Error;
use crate::keys::KeyCache;
use crate::lambda::{self, Invoker};
use crate::limits::Limits;
use crate::outbox::Outbox;
use crate::password::{hash_password, PasswordHashCost};
use crate::runtime_pools::RuntimePools;
use crate::server_secret::ServerSecret;
use crate::store::Store;

/// Builds a [`UserPool`].
#[derive(Debug, Default)]
pub struct UserPoolBuilder {
    seed: Option<Seed>,
    database_url: Option<String>,
    cost: PasswordHashCost,
    codes_file: Option<PathBuf>,
    public_url: Option<Url>,
    cors_origins: Option<Vec<String>>,
    lambda_endpoint: Option<Url>,
    lambda_time_limit: Option<Duration>,
}

impl UserPoolBuilder {
    /// Where the Lambda Invoke API runs the triggers named by ARN (`cargo lambda watch`:
    /// `http://127.0.0.1:9000`; `sam local start-lambda`: `http://127.0.0.1:3001`).
    pub fn lambda_endpoint(mut self, url: Url) -> Self {
        self.lambda_endpoint = Some(url);
        self
    }

    /// How long a trigger may take (default 5 s, Cognito's limit); tests shorten it.
    pub fn lambda_time_limit(mut self, limit: Duration) -> Self {
        self.lambda_time_limit = Some(limit);
        self
    }

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

    /// The web origins whose pages may call the JSON API's public operations (CORS):
    /// `scheme://host[:port]`, `:*` for any port, or `*`. Default: the seed's `cors_origins`,
    /// else [`crate::DEFAULT_CORS_ORIGINS`] (http and https on `localhost` and `127.0.0.1`,
    /// any port). Signed (admin) operations answer no origin.
    pub fn cors_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cors_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Opens the database, creates the schema, keys and seed users as needed.
    pub async fn build(self) -> Result<UserPool, Error> {
        let seed = self.seed.unwrap_or_default();
        seed.validate()?;
        let cors_origins = match self.cors_origins.as_ref().or(seed.cors_origins.as_ref()) {
            Some(list) => AllowedOrigins::parse(list).map_err(Error::Config)?,
            None => AllowedOrigins::default(),
        };
        let store = Store::open(self.database_url.as_deref().unwrap_or("sqlite::memory:")).await?;
        let secret = ServerSecret::new(store.server_secret().await?);
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
                runtime: RuntimePools::default(),
                store,
                cost,
                outbox: Outbox::new(self.codes_file),
                public_url: RwLock::new(self.public_url),
                clock_offset: AtomicI64::new(0),
                key_cache: KeyCache::default(),
                dummy_hash,
                verifications: VerificationCounter::default(),
                refreshes: AtomicU64::new(0),
                cors_origins,
                limits: Limits::default(),
                secret,
                invoker: Invoker::new(
                    self.lambda_endpoint,
                    self.lambda_time_limit.unwrap_or(lambda::TIME_LIMIT),
                ),
            }),
        };
        pool.init().await?;
        pool.load_runtime_pools().await?;
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
