//! Access-token refresh, one at a time per session.
//!
//! Concurrent requests carrying the same refresh token (of the same provider) share one refresh: the
//! first one calls the provider, the others wait for its result. The key is the provider id and a
//! SHA-256 of the refresh token, never the session's `jti` (which a hand-made session may leave empty
//! or share): an outcome only ever goes to a session holding the very refresh token that earned it. The result is kept for a minute, so that
//! requests still carrying the old cookie reuse it instead of spending the refresh token again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::provider::{ProviderError, TokenSet};

/// Refresh when the access token has less than this left.
pub(crate) const REFRESH_MARGIN_SECS: i64 = 60;
/// How long (seconds, by the instance clock) an outcome is kept for requests with the old cookie.
const KEEP_RESULT_SECS: i64 = 60;

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

/// `{provider}:{sha256(refresh token) in hex}`: the token itself is not kept in memory twice.
fn key(provider: &str, refresh_token: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "{provider}:{}",
        crate::csrf::hex(&Sha256::digest(refresh_token.as_bytes()))
    )
}

#[derive(Default)]
pub(crate) struct RefreshCoordinator {
    in_flight: Mutex<HashMap<String, (i64, Cell)>>,
}

impl RefreshCoordinator {
    /// Runs `refresh` once for this provider and refresh token, or waits for the run under way.
    pub(crate) async fn run<F, Fut>(
        &self,
        provider: &str,
        refresh_token: &str,
        now: i64,
        refresh: F,
    ) -> Outcome
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<TokenSet, ProviderError>>,
    {
        let cell = {
            let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            map.retain(|_, (t, _)| now - *t < KEEP_RESULT_SECS);
            map.entry(key(provider, refresh_token))
                .or_insert_with(|| (now, Arc::new(OnceCell::new())))
                .1
                .clone()
        };
        cell.get_or_init(|| async {
            match refresh().await {
                Ok(tokens) => Outcome::Refreshed(tokens),
                Err(ProviderError::RefreshTokenDead) => Outcome::Dead,
                Err(e) => {
                    tracing::warn!(
                        "token refresh failed, keeping the session for now: {}",
                        crate::logsafe::clean(&e)
                    );
                    Outcome::Failed
                }
            }
        })
        .await
        .clone()
    }
}
