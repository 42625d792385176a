//! A stored session's token refresh, once across every instance sharing the store: the instance
//! that takes the row's lease asks the token endpoint (through this process's single-flight) and
//! writes the result fenced; the others read the row until the result is there or the budget is
//! spent.

use std::sync::Arc;
use std::time::Duration;

use super::engine::{wall_ms, Loaded, StoredSessions};
use crate::provider::{Profile, ProviderError, TokenSet};
use crate::refresh::Outcome;
use crate::session::context::{dead, refresh_due, Ctx};
use crate::session::SessionToken;
use crate::shared::StoreError;

/// A refresh lease outlives the refresh budget by this much (ms), so that a holder that died
/// frees it soon after.
const LEASE_GRACE_MS: i64 = 5_000;
/// `AUTH_SESSION_RECHECK`'s default with a store.
const DEFAULT_RECHECK: Duration = Duration::from_secs(300);
/// How often an instance waiting for another's refresh reads the row again.
const POLL_EVERY: Duration = Duration::from_millis(25);

/// Whether a stored session's tokens must be refreshed before it counts: the access token is about
/// to expire, or the provider last vouched for them more than the re-check period ago.
pub(super) fn due(ctx: &Ctx, loaded: &Loaded, now: i64) -> bool {
    let Some(tokens) = loaded.token.tokens.as_ref() else {
        return false;
    };
    if refresh_due(tokens, now) {
        return true;
    }
    let period = ctx
        .config
        .session_recheck
        .unwrap_or(DEFAULT_RECHECK)
        .as_secs() as i64;
    if period == 0 || now - loaded.checked_at < period {
        return false;
    }
    if tokens.refresh_token.is_none() {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            tracing::debug!(
                "AUTH_SESSION_RECHECK: a session without a refresh token cannot be re-checked; it is trusted until its access token expires"
            )
        });
        return false;
    }
    true
}

/// Refreshes `loaded`'s provider tokens (see the module docs); returns the session as it is after.
pub(super) async fn refresh(
    server: &Arc<StoredSessions>,
    ctx: &Ctx,
    loaded: Loaded,
    now: i64,
) -> Result<Loaded, StoreError> {
    let token = &loaded.token;
    let provider = token.provider.as_deref().and_then(|id| ctx.provider(id));
    let (Some(provider), Some(tokens)) = (provider.cloned(), token.tokens.clone()) else {
        return Ok(loaded);
    };
    let Some(refresh_token) = tokens.refresh_token.clone() else {
        return Ok(loaded);
    };
    let budget = ctx.config.refresh_budget;
    let now_ms = wall_ms();
    let until = now_ms + budget.as_millis() as i64 + LEASE_GRACE_MS;
    let lease = server
        .records()
        .lease(&loaded.key, now_ms, until)
        .await
        .inspect_err(|e| server.warn(e))?;
    let Some(fence) = lease else {
        return wait_for_refresh(server, ctx, loaded, budget, now).await;
    };
    // Another instance may have written a refresh between our read and our lease.
    let fresh = server.fetch(&loaded.key).await?;
    if fresh.version != loaded.version || !due(ctx, &fresh, now) {
        // Release the lease by writing the row back as it is.
        let payload = server.seal(&fresh.key, &fresh.token, fresh.checked_at);
        let _ = server
            .records()
            .write(&fresh.key, &payload, Some(fence))
            .await;
        server.forget(&fresh.key);
        return Ok(fresh);
    }
    let (owned, key, base) = (Arc::clone(server), fresh.key.clone(), fresh.token.clone());
    let sub = base.sub.clone().unwrap_or_default();
    let provider_id = provider.id().to_string();
    let run = move || async move {
        let result = provider.refresh_with_profile(&tokens, &sub, now).await;
        let next = match &result {
            Ok((new, profile)) => Some(refreshed(base, new.clone(), profile.as_ref())),
            Err(ProviderError::RefreshTokenDead) => Some(dead(base)),
            // A passing failure: the lease runs out and a later request tries again.
            Err(_) => None,
        };
        if let Some(next) = next {
            // In this task, so that the result is stored even when no request waits.
            owned.write_fenced(&key, &next, now, fence).await;
        }
        result.map(|(new, _)| new)
    };
    let outcome = ctx
        .refresh
        .run(&provider_id, refresh_token.expose(), now, budget, run)
        .await;
    let mut out = fresh;
    match outcome {
        // The row has the new tokens and the new ID token's claims: read it back.
        Outcome::Refreshed(new) => match server.fetch(&out.key).await {
            Ok(written) => out = written,
            Err(_) => out.token = refreshed(out.token, new, None),
        },
        Outcome::Dead => out.token = dead(out.token),
        Outcome::Failed | Outcome::Late => {}
    }
    Ok(out)
}

impl StoredSessions {
    /// Writes a refresh's result under the lease `fence` (dropped when the lease was taken over).
    async fn write_fenced(&self, key: &str, next: &SessionToken, now: i64, fence: i64) {
        let payload = self.seal(key, next, now);
        match self.records().write(key, &payload, Some(fence)).await {
            Ok(true) => {}
            Ok(false) => tracing::debug!("a refresh result was dropped: its lease was taken over"),
            Err(e) => self.warn(&e),
        }
        self.forget(key);
    }
}

/// Another instance holds the refresh lease: read the row every 25 ms until its version moves (the
/// refresh is written) or the budget is spent (then go on with the session as it was).
async fn wait_for_refresh(
    server: &StoredSessions,
    ctx: &Ctx,
    loaded: Loaded,
    budget: Duration,
    now: i64,
) -> Result<Loaded, StoreError> {
    let deadline = tokio::time::Instant::now() + budget;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(POLL_EVERY).await;
        let fresh = server.fetch(&loaded.key).await?;
        if fresh.version != loaded.version || !due(ctx, &fresh, now) {
            return Ok(fresh);
        }
    }
    Ok(loaded)
}

/// The session with a refresh's new tokens and, when the provider sent a new ID token, its
/// claims: group changes at the provider show on the next refresh, on every instance.
fn refreshed(mut token: SessionToken, new: TokenSet, profile: Option<&Profile>) -> SessionToken {
    token.tokens = Some(new);
    token.error = None;
    if let Some(p) = profile {
        token.groups = p.groups.clone();
        if p.name.is_some() {
            token.name = p.name.clone();
        }
        if p.email.is_some() {
            token.email = p.email.clone();
        }
        if p.picture.is_some() {
            token.picture = p.picture.clone();
        }
    }
    token
}
