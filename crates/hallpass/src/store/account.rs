//! An account's stored sessions: the calls a "your sessions" page and admin tools make (the
//! public methods are [`Hallpass::sessions`](crate::Hallpass::sessions) and its siblings, which
//! delegate here).

use std::sync::Arc;

use http::header::HeaderMap;

use super::engine::{Loaded, StoredSessions};
use super::record::{SessionHandle, SessionInfo};
use crate::cookies::RequestCookies;
use crate::error::Error;
use crate::session::context::Ctx;
use crate::session::CLOCK_TOLERANCE_SECS;
use crate::shared::StoreError;

impl StoredSessions {
    /// The request's stored session (no refresh): for the calls below.
    pub(crate) async fn current(
        self: &Arc<Self>,
        ctx: &Ctx,
        headers: &HeaderMap,
    ) -> Result<Loaded, Error> {
        let rc = RequestCookies::new(headers);
        let id = rc
            .get_chunked(&ctx.cookies.session_name)
            .ok_or(Error::SignedOut)?;
        match self.load_refreshed(ctx, &id, ctx.now(), false).await {
            Ok(l) => Ok(l),
            Err(e @ StoreError::Backend(_)) => Err(e.into()),
            Err(_) => Err(Error::SignedOut),
        }
    }

    /// The sessions of the request's account, the request's own marked `current`.
    pub(crate) async fn sessions(
        self: &Arc<Self>,
        ctx: &Ctx,
        headers: &HeaderMap,
    ) -> Result<Vec<SessionInfo>, Error> {
        let current = self.current(ctx, headers).await?;
        let server = self;
        let now = ctx.now();
        let records = server
            .records()
            .list(Some(&current.issuer), current.sub())
            .await
            .inspect_err(|e| server.warn(e))?;
        let mut list: Vec<SessionInfo> = records
            .into_iter()
            .filter(|r| r.expires_at + CLOCK_TOLERANCE_SECS >= now)
            .map(|r| SessionInfo {
                id: SessionHandle::of_key(&r.key),
                current: r.key == current.key,
                provider: r.provider,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                expires_at: r.expires_at,
                user_agent: r.user_agent,
            })
            .collect();
        // The request's own session first, then the others newest first (the store's order).
        list.sort_by_key(|s| !s.current);
        Ok(list)
    }

    /// Deletes one of the request's account's sessions by its handle; false when it has none such.
    pub(crate) async fn revoke(
        self: &Arc<Self>,
        ctx: &Ctx,
        headers: &HeaderMap,
        id: &SessionHandle,
    ) -> Result<bool, Error> {
        let current = self.current(ctx, headers).await?;
        let server = self;
        let records = server
            .records()
            .list(Some(&current.issuer), current.sub())
            .await
            .inspect_err(|e| server.warn(e))?;
        let Some(record) = records
            .iter()
            .find(|r| SessionHandle::of_key(&r.key) == *id)
        else {
            return Ok(false);
        };
        server.forget(&record.key);
        let deleted = server
            .records()
            .delete(&record.key)
            .await
            .inspect_err(|e| server.warn(e))?;
        Ok(deleted)
    }

    /// Deletes every session of the request's account; returns how many and the session that asked.
    pub(crate) async fn end_account(
        self: &Arc<Self>,
        ctx: &Ctx,
        headers: &HeaderMap,
    ) -> Result<(u64, Loaded), Error> {
        let current = self.current(ctx, headers).await?;
        let server = self;
        let n = server
            .records()
            .delete_user(Some(&current.issuer), current.sub())
            .await
            .inspect_err(|e| server.warn(e))?;
        server.forget_user(current.sub());
        Ok((n, current))
    }

    /// Deletes every session of the user `sub` (of any provider); returns how many.
    pub(crate) async fn revoke_user(&self, sub: &str) -> Result<u64, Error> {
        let server = self;
        let n = server
            .records()
            .delete_user(None, sub)
            .await
            .inspect_err(|e| server.warn(e))?;
        server.forget_user(sub);
        Ok(n)
    }

    /// Deletes every session of the account that signs in with `login`; returns how many.
    pub(crate) async fn revoke_login(&self, login: &str) -> Result<u64, Error> {
        let server = self;
        let hashes = server.login_hashes(login);
        if hashes.is_empty() {
            return Ok(0);
        }
        let n = server
            .records()
            .delete_login(&hashes)
            .await
            .inspect_err(|e| server.warn(e))?;
        server.forget_all();
        Ok(n)
    }
}
