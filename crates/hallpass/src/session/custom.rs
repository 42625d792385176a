//! Sessions in an app's own store: the [`SessionStore`] trait (three calls, as small as
//! tower-sessions' store) and the backend that drives one.
//!
//! Given the session cookie's value, a store finds the session; given a session, it makes the
//! cookie's value (typically a random id) and keeps the session under it. Hallpass does the rest:
//! refreshing the provider's tokens in this process, rolling expiry, CSRF binding. For sessions that
//! every instance can list, revoke and refresh once, use a record store ([`crate::store`]) instead.

use std::sync::Arc;

use http::header::HeaderMap;

use super::account::Account;
use super::backend::{id_binding, issue, resolve_in_process, Resolved, SessionBackend};
use super::context::Ctx;
use super::reissue::keeps_incoming;
use super::{Session, SessionToken};
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::shared::{BoxFuture, StoreError};

/// Where an app keeps sessions. See the module docs; install one with
/// [`HallpassBuilder::session_store`](crate::HallpassBuilder::session_store).
pub trait SessionStore: Send + Sync + 'static {
    /// The session that cookie value `value` stands for, if it is valid at `now` (Unix seconds).
    fn load<'a>(
        &'a self,
        value: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<SessionToken, StoreError>>;
    /// Stores `token` and returns the value to put in the session cookie.
    fn save<'a>(&'a self, token: &'a SessionToken) -> BoxFuture<'a, Result<String, StoreError>>;
    /// Forgets the session behind `value` (sign-out).
    fn delete<'a>(&'a self, value: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// The backend over an app's [`SessionStore`].
pub(crate) struct CustomSessions(pub(crate) Arc<dyn SessionStore>);

impl SessionBackend for CustomSessions {
    async fn resolve(&self, ctx: &Ctx, headers: &HeaderMap) -> Resolved {
        resolve_in_process(self, ctx, headers).await
    }

    async fn load(&self, _: &Ctx, parts: &[&str], now: i64) -> Result<Session, StoreError> {
        self.0.load(&parts.concat(), now).await.map(Session::new)
    }

    async fn maintain(&self, ctx: &Ctx, token: SessionToken, now: i64) -> (SessionToken, bool) {
        ctx.refresh_in_process(token, now).await
    }

    async fn save(
        &self,
        _: &Ctx,
        token: &SessionToken,
        _: &Account,
        _: &RequestCookies<'_>,
    ) -> Result<String, Error> {
        Ok(self.0.save(token).await?)
    }

    /// The incoming value again while it is fresh and the claims are unchanged (as cookie sessions
    /// do, so that polling the session endpoint writes nothing); otherwise a new value, and the old
    /// one deleted so that a store keeps one entry per session.
    async fn reissue(
        &self,
        ctx: &Ctx,
        token: SessionToken,
        incoming: &SessionToken,
        parts: &[&str],
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, SetCookies), Error> {
        let now = ctx.now();
        let fresh_exp = now + ctx.config.session_max_age;
        if keeps_incoming(&token, incoming, fresh_exp) {
            let value = parts.concat();
            let cookies = ctx.cookies.set_session(&value, incoming.exp - now, request);
            return Ok((incoming.clone(), cookies));
        }
        let issued = issue(self, ctx, token, &Account::default(), request).await?;
        if let Err(e) = self.0.delete(&parts.concat()).await {
            tracing::warn!(
                "the session store kept a replaced session: {}",
                crate::logsafe::clean(&e)
            );
        }
        Ok(issued)
    }

    async fn end(&self, ctx: &Ctx, raw: &str) -> Result<Option<SessionToken>, Error> {
        let token = self.0.load(raw, ctx.now()).await.ok();
        self.0.delete(raw).await?;
        Ok(token)
    }

    fn csrf_binding(&self, _: &Ctx, parts: &[&str]) -> String {
        id_binding(parts)
    }
}
