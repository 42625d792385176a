//! The backend an instance was built with, and the one `match` on it: every step goes to the
//! cookie, custom or stored backend here, so that the lifecycle never asks which it has.

use std::sync::Arc;

use http::header::HeaderMap;

use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::session::account::Account;
use crate::session::backend::{Resolved, SessionBackend};
use crate::session::context::Ctx;
use crate::session::cookie::CookieSessions;
use crate::session::custom::CustomSessions;
use crate::session::{Session, SessionToken};
use crate::shared::StoreError;
use crate::store::StoredSessions;

/// Where an instance keeps its sessions.
pub(crate) enum Backend {
    /// In the cookie (the default).
    Cookie(CookieSessions),
    /// In an app's [`SessionStore`](crate::SessionStore).
    Custom(CustomSessions),
    /// In a record store (SQL, Redis, or an app's [`RecordStore`](crate::store::RecordStore)).
    Stored(Arc<StoredSessions>),
}

impl Backend {
    /// Where sessions are kept, for a start-up line (a store's URL without its password).
    pub(crate) fn describe(&self) -> String {
        match self {
            Backend::Cookie(_) => "in an encrypted cookie (no server-side store)".into(),
            Backend::Custom(_) => "in the app's own session store".into(),
            Backend::Stored(s) => format!("in {}", s.records().describe()),
        }
    }

    /// The record-store engine, for what only stored sessions can do (list, revoke, shared
    /// attempt counters).
    pub(crate) fn stored(&self) -> Option<&Arc<StoredSessions>> {
        match self {
            Backend::Stored(s) => Some(s),
            Backend::Cookie(_) | Backend::Custom(_) => None,
        }
    }
}

/// Runs `$call` on whichever backend `$self` is.
macro_rules! each {
    ($self:expr, $b:ident => $call:expr) => {
        match $self {
            Backend::Cookie($b) => $call,
            Backend::Custom($b) => $call,
            Backend::Stored($b) => $call,
        }
    };
}

impl SessionBackend for Backend {
    fn resolve_cached(&self, ctx: &Ctx, headers: &HeaderMap) -> Option<Session> {
        each!(self, b => b.resolve_cached(ctx, headers))
    }

    async fn resolve(&self, ctx: &Ctx, headers: &HeaderMap) -> Resolved {
        each!(self, b => b.resolve(ctx, headers).await)
    }

    async fn load(&self, ctx: &Ctx, parts: &[&str], now: i64) -> Result<Session, StoreError> {
        each!(self, b => b.load(ctx, parts, now).await)
    }

    async fn maintain(&self, ctx: &Ctx, token: SessionToken, now: i64) -> (SessionToken, bool) {
        each!(self, b => b.maintain(ctx, token, now).await)
    }

    async fn save(
        &self,
        ctx: &Ctx,
        token: &SessionToken,
        account: &Account,
        request: &RequestCookies<'_>,
    ) -> Result<String, Error> {
        each!(self, b => b.save(ctx, token, account, request).await)
    }

    async fn reissue(
        &self,
        ctx: &Ctx,
        token: SessionToken,
        incoming: &SessionToken,
        parts: &[&str],
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, SetCookies), Error> {
        each!(self, b => b.reissue(ctx, token, incoming, parts, request).await)
    }

    async fn end(&self, ctx: &Ctx, raw: &str) -> Result<Option<SessionToken>, Error> {
        each!(self, b => b.end(ctx, raw).await)
    }

    fn csrf_binding(&self, ctx: &Ctx, parts: &[&str]) -> String {
        each!(self, b => b.csrf_binding(ctx, parts))
    }
}
