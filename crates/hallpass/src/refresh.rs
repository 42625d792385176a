//! Access-token refresh, one at a time per session.
//!
//! Concurrent requests carrying the same session cookie (same `jti`) share one refresh: the first one
//! calls the provider, the others wait for its result. The result is kept for a minute, so that
//! requests still carrying the old cookie reuse it instead of spending the refresh token again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::provider::{ProviderError, TokenSet};

/// Refresh when the access token has less than this left.
pub(crate) const REFRESH_MARGIN_SECS: i64 = 60;
const KEEP_RESULT: Duration = Duration::from_secs(60);

/// The outcome of one refresh, shared by every request that waited for it.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    Refreshed(TokenSet),
    /// The refresh token is dead (`invalid_grant`): the session must end.
    Dead,
    /// A passing failure (network, 5xx): keep the session as it is and try again later.
    Failed,
}

type Cell = Arc<OnceCell<Outcome>>;

#[derive(Default)]
pub(crate) struct RefreshCoordinator {
    in_flight: Mutex<HashMap<String, (Instant, Cell)>>,
}

impl RefreshCoordinator {
    /// Runs `refresh` once for session `jti`, or waits for the run already under way.
    pub(crate) async fn run<F, Fut>(&self, jti: &str, refresh: F) -> Outcome
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<TokenSet, ProviderError>>,
    {
        let cell = {
            let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            map.retain(|_, (t, _)| now.duration_since(*t) < KEEP_RESULT);
            map.entry(jti.to_string())
                .or_insert_with(|| (now, Arc::new(OnceCell::new())))
                .1
                .clone()
        };
        cell.get_or_init(|| async {
            match refresh().await {
                Ok(tokens) => Outcome::Refreshed(tokens),
                Err(ProviderError::RefreshTokenDead) => Outcome::Dead,
                Err(e) => {
                    tracing::warn!("token refresh failed, keeping the session for now: {e}");
                    Outcome::Failed
                }
            }
        })
        .await
        .clone()
    }
}
