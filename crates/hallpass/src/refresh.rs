//! Access-token refresh, one at a time per session.
//!
//! Concurrent requests carrying the same refresh token (of the same provider) share one refresh: the
//! first one starts it in a task of its own, and every request waits for its result at most the
//! configured refresh budget (then goes on without it; the refresh still completes and is kept). The key is the provider id and a
//! SHA-256 of the refresh token, never the session's `jti` (which a hand-made session may leave empty
//! or share): an outcome only ever goes to a session holding the very refresh token that earned it.
//! The result is kept for a minute, so that
//! requests still carrying the old cookie reuse it instead of spending the refresh token again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;

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
    /// Not done within the request's budget; it goes on in the background.
    Late,
}

type Slot = watch::Receiver<Option<Outcome>>;

/// `{provider}:{sha256(refresh token) in hex}`: the token itself is not kept in memory twice.
fn key(provider: &str, refresh_token: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "{provider}:{}",
        crate::shared::hex(&Sha256::digest(refresh_token.as_bytes()))
    )
}

#[derive(Default)]
pub(crate) struct RefreshCoordinator {
    in_flight: Mutex<HashMap<String, (i64, Slot)>>,
}

impl RefreshCoordinator {
    /// Runs `refresh` once for this provider and refresh token (in a task of its own, so that it
    /// finishes even when no request waits any more), or joins the run under way; waits at most
    /// `budget` for the outcome.
    pub(crate) async fn run<F, Fut>(
        &self,
        provider: &str,
        refresh_token: &str,
        now: i64,
        budget: Duration,
        refresh: F,
    ) -> Outcome
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<TokenSet, ProviderError>> + Send + 'static,
    {
        let mut slot = {
            let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            map.retain(|_, (t, _)| now - *t < KEEP_RESULT_SECS);
            let key = key(provider, refresh_token);
            match map.get(&key) {
                Some((_, slot)) => slot.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    let run = refresh();
                    tokio::spawn(async move {
                        let outcome = match run.await {
                            Ok(tokens) => Outcome::Refreshed(tokens),
                            Err(ProviderError::RefreshTokenDead) => Outcome::Dead,
                            Err(e) => {
                                tracing::warn!(
                                    "token refresh failed: {}",
                                    crate::logsafe::clean(&e)
                                );
                                Outcome::Failed
                            }
                        };
                        let _ = tx.send(Some(outcome));
                    });
                    map.insert(key, (now, rx.clone()));
                    rx
                }
            }
        };
        let waited = tokio::time::timeout(budget, async {
            match slot.wait_for(Option::is_some).await {
                Ok(done) => done.clone().unwrap_or(Outcome::Failed),
                // The task ended without an answer (it panicked): a passing failure.
                Err(_) => Outcome::Failed,
            }
        })
        .await;
        waited.unwrap_or(Outcome::Late)
    }
}
