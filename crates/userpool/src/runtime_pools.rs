//! Pools made at run time (`CreateUserPool`, `CreateUserPoolClient`, `DeleteUserPool`).
//!
//! The rest of the crate borrows a pool's configuration (`&PoolConfig`) for as long as it
//! borrows the [`UserPool`](crate::UserPool). To keep those signatures, a run-time configuration is
//! allocated once and never freed (`Box::leak`): a change (a new client) leaks a new copy,
//! and a deleted pool's copies stay allocated. That is a few kilobytes per change, so a
//! process may make at most [`MAX_RUNTIME_CONFIGS`] of them: a local test pool, not a
//! service that runs for months.

use std::collections::HashMap;
use std::sync::RwLock;

use crate::config::PoolConfig;
use crate::error::Error;

/// How many run-time configurations a process may allocate (each is leaked, see above).
pub(crate) const MAX_RUNTIME_CONFIGS: usize = 10_000;

/// The run-time pools, by id, and their clients' pool ids.
#[derive(Default)]
pub(crate) struct RuntimePools {
    state: RwLock<State>,
    /// Held across a read-modify-write of a pool (a client added), so none is lost.
    changes: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    pools: HashMap<String, &'static PoolConfig>,
    /// client_id → pool id.
    clients: HashMap<String, String>,
    /// Configurations allocated so far (never freed).
    allocated: usize,
}

impl RuntimePools {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Serialises changes to run-time pools.
    pub(crate) async fn lock_changes(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.changes.lock().await
    }

    /// A run-time pool by id.
    pub(crate) fn pool(&self, pool_id: &str) -> Option<&'static PoolConfig> {
        self.read().pools.get(pool_id).copied()
    }

    /// The run-time pool that has this client.
    pub(crate) fn pool_of_client(&self, client_id: &str) -> Option<&'static PoolConfig> {
        let state = self.read();
        let pool_id = state.clients.get(client_id)?;
        state.pools.get(pool_id).copied()
    }

    /// Every run-time pool.
    pub(crate) fn all(&self) -> Vec<&'static PoolConfig> {
        self.read().pools.values().copied().collect()
    }

    /// Adds or replaces a pool (and its clients); refused once the cap is reached.
    pub(crate) fn put(&self, config: PoolConfig) -> Result<&'static PoolConfig, Error> {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.allocated >= MAX_RUNTIME_CONFIGS {
            return Err(Error::LimitExceeded(format!(
                "this process has made {MAX_RUNTIME_CONFIGS} pool configurations; restart it"
            )));
        }
        state.allocated += 1;
        let leaked: &'static PoolConfig = Box::leak(Box::new(config));
        state.clients.retain(|_, p| *p != leaked.id);
        for c in &leaked.clients {
            state.clients.insert(c.id.clone(), leaked.id.clone());
        }
        state.pools.insert(leaked.id.clone(), leaked);
        Ok(leaked)
    }

    pub(crate) fn remove(&self, pool_id: &str) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.pools.remove(pool_id);
        state.clients.retain(|_, p| p != pool_id);
    }
}
