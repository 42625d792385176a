//! Making, changing and removing the pools made at run time (see `runtime_pools` for where
//! they are kept).

use super::UserPool;
use crate::config::{PoolConfig, Seed};
use crate::error::Error;
use crate::keys;

/// Checks a configuration as the seed's are checked; problems are invalid parameters.
fn validate(config: &PoolConfig) -> Result<(), Error> {
    let seed = Seed {
        pools: vec![config.clone()],
        cors_origins: None,
    };
    seed.validate().map_err(|e| match e {
        Error::Config(m) => Error::InvalidParameter(m),
        e => e,
    })
}

impl UserPool {
    /// Loads the run-time pools stored in the database (at start).
    pub(crate) async fn load_runtime_pools(&self) -> Result<(), Error> {
        for json in self.store().runtime_pools().await? {
            let config: PoolConfig = serde_json::from_str(&json)
                .map_err(|e| Error::Config(format!("a stored run-time pool: {e}")))?;
            self.runtime_pools().put(config)?;
        }
        Ok(())
    }

    /// Whether a pool or client id is taken, by the seed or at run time.
    pub(crate) fn id_taken(&self, id: &str) -> bool {
        self.pool_config(id).is_ok() || self.client(id).is_some()
    }

    /// Makes a new pool: stores its configuration and generates its keys.
    pub(crate) async fn create_runtime_pool(
        &self,
        config: PoolConfig,
    ) -> Result<&PoolConfig, Error> {
        validate(&config)?;
        if self.id_taken(&config.id) {
            return Err(Error::InvalidParameter("The pool id is taken.".into()));
        }
        let now = self.now();
        let json = serde_json::to_string(&config).map_err(|e| Error::Internal(e.to_string()))?;
        let new_keys = keys::generate_pair(now).await?;
        self.store()
            .replace_keys(&config.id, &new_keys, now)
            .await?;
        self.store()
            .save_runtime_pool(&config.id, &json, now)
            .await?;
        self.runtime_pools().put(config)
    }

    /// Replaces a run-time pool's configuration (a client added, changed or removed).
    pub(crate) async fn update_runtime_pool(
        &self,
        config: PoolConfig,
    ) -> Result<&PoolConfig, Error> {
        validate(&config)?;
        let json = serde_json::to_string(&config).map_err(|e| Error::Internal(e.to_string()))?;
        self.store()
            .save_runtime_pool(&config.id, &json, self.now())
            .await?;
        self.runtime_pools().put(config)
    }

    /// Removes a run-time pool with its users, clients and keys.
    pub(crate) async fn delete_runtime_pool(&self, pool_id: &str) -> Result<(), Error> {
        self.store().delete_pool_data(pool_id).await?;
        self.runtime_pools().remove(pool_id);
        Ok(())
    }
}
