//! The stored backend: sign-in inserts a row, a request reads it (and rolls it, NextAuth's
//! `update_age`), a refresh due is single-flight across instances (`refresh.rs`), sign-out deletes
//! it.

use std::sync::Arc;

use http::header::{HeaderMap, USER_AGENT};

use super::engine::{key_of, Loaded, StoredSessions};
use super::record::{clean_user_agent, Record};
use super::refresh;
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::session::account::Account;
use crate::session::backend::{id_binding, unusable, Resolved, SessionBackend};
use crate::session::context::{access_expired, bearer, Ctx};
use crate::session::{Session, SessionToken};
use crate::shared::StoreError;

/// `last_seen_at` is written at most this often (seconds).
const LAST_SEEN_EVERY: i64 = 60;

impl SessionBackend for Arc<StoredSessions> {
    async fn resolve(&self, ctx: &Ctx, headers: &HeaderMap) -> Resolved {
        let request = RequestCookies::new(headers);
        let from_cookie = request.get_chunked(&ctx.cookies.session_name);
        let is_cookie = from_cookie.is_some();
        let Some(id) = from_cookie.or_else(|| bearer(headers).map(Into::into)) else {
            return Resolved::default();
        };
        let now = ctx.now();
        let loaded = match self.load_refreshed(ctx, &id, now, true).await {
            Ok(l) => l,
            Err(e) => return unusable(ctx, &request, is_cookie, e),
        };
        let (loaded, cookies) = if is_cookie {
            self.roll(ctx, loaded, &id, now, &request).await
        } else {
            (loaded, SetCookies::new())
        };
        let token = loaded.token;
        let signed_in = token.error.is_none() && !access_expired(&token, now);
        Resolved {
            session: signed_in.then(|| Session::new(token)),
            cookies,
            unavailable: false,
        }
    }

    async fn load(&self, ctx: &Ctx, parts: &[&str], now: i64) -> Result<Session, StoreError> {
        let loaded = self.load_refreshed(ctx, &parts.concat(), now, true).await?;
        Ok(Session::new(loaded.token))
    }

    /// Loading refreshed the tokens already, single-flight across instances.
    async fn maintain(&self, _: &Ctx, token: SessionToken, _: i64) -> (SessionToken, bool) {
        (token, false)
    }

    /// A new row under a new id; the id is the cookie's value.
    async fn save(
        &self,
        ctx: &Ctx,
        token: &SessionToken,
        account: &Account,
        request: &RequestCookies<'_>,
    ) -> Result<String, Error> {
        let now = ctx.now();
        let (id, key) = StoredSessions::new_id();
        let user_agent = request
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let record = Record {
            payload: self.seal(&key, token, now),
            key,
            provider: token.provider.clone().unwrap_or_default(),
            issuer: match account.issuer.as_str() {
                // A session made without a sign-in's profile: its provider stands for the issuer.
                "" => token.provider.clone().unwrap_or_default(),
                issuer => issuer.to_string(),
            },
            sub: token.sub.clone().unwrap_or_default(),
            created_at: now,
            last_seen_at: now,
            expires_at: token.exp,
            user_agent: clean_user_agent(user_agent),
            login: account.login.as_deref().and_then(|l| self.login_hash(l)),
            version: 0,
        };
        self.records()
            .insert(&record)
            .await
            .inspect_err(|e| self.warn(e))?;
        Ok(id)
    }

    /// Writes claims the `jwt` hook changed, rolls, and sets the cookie again (same id: NextAuth's
    /// database strategy does so on every session read).
    async fn reissue(
        &self,
        ctx: &Ctx,
        token: SessionToken,
        incoming: &SessionToken,
        parts: &[&str],
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, SetCookies), Error> {
        let id = parts.concat();
        let now = ctx.now();
        let mut loaded = self.read(&id, now).await?;
        if token != *incoming {
            let payload = self.seal(&loaded.key, &token, loaded.checked_at);
            let written = self
                .records()
                .write(&loaded.key, &payload, None)
                .await
                .inspect_err(|e| self.warn(e))?;
            self.forget(&loaded.key);
            if !written {
                return Err(StoreError::NotFound.into());
            }
            loaded.token = SessionToken {
                exp: loaded.token.exp,
                iat: loaded.token.iat,
                ..token
            };
        }
        let (loaded, mut cookies) = self.roll(ctx, loaded, &id, now, request).await;
        if cookies.is_empty() {
            let max_age = loaded.token.exp - now;
            cookies = ctx.cookies.set_session(&id, max_age, request);
        }
        Ok((loaded.token, cookies))
    }

    /// Deletes the row. A store that cannot say whether the session lives, nor end it, is an error.
    async fn end(&self, ctx: &Ctx, raw: &str) -> Result<Option<SessionToken>, Error> {
        // No refresh on the way out.
        let token = match self.load_refreshed(ctx, raw, ctx.now(), false).await {
            Ok(l) => Some(l.token),
            Err(e @ StoreError::Backend(_)) => return Err(e.into()),
            Err(_) => None,
        };
        if let Some(key) = key_of(raw) {
            self.forget(&key);
            self.records()
                .delete(&key)
                .await
                .inspect_err(|e| self.warn(e))?;
        }
        Ok(token)
    }

    fn csrf_binding(&self, _: &Ctx, parts: &[&str]) -> String {
        id_binding(parts)
    }
}

impl StoredSessions {
    /// The stored session behind cookie (or Bearer) id `id`, with its provider tokens refreshed
    /// when due and `refresh` is set.
    pub(crate) async fn load_refreshed(
        self: &Arc<Self>,
        ctx: &Ctx,
        id: &str,
        now: i64,
        refresh: bool,
    ) -> Result<Loaded, StoreError> {
        let loaded = self.read(id, now).await?;
        if refresh && refresh::due(ctx, &loaded, now) {
            return refresh::refresh(self, ctx, loaded, now).await;
        }
        Ok(loaded)
    }

    /// NextAuth's rolling expiry: once `now > expires - max_age + update_age`, the row's expiry
    /// moves to `now + max_age` and the cookie is set again with the same id. `last_seen_at` is
    /// written with it, or on its own at most once a minute.
    async fn roll(
        &self,
        ctx: &Ctx,
        mut loaded: Loaded,
        id: &str,
        now: i64,
        request: &RequestCookies<'_>,
    ) -> (Loaded, SetCookies) {
        let config = &ctx.config;
        let roll = now > loaded.token.exp - config.session_max_age + config.session_update_age;
        let seen = now - loaded.last_seen_at >= LAST_SEEN_EVERY;
        if !roll && !seen {
            return (loaded, SetCookies::new());
        }
        let expires = if roll {
            now + config.session_max_age
        } else {
            loaded.token.exp
        };
        if let Err(e) = self.records().touch(&loaded.key, expires, now).await {
            self.warn(&e);
            return (loaded, SetCookies::new());
        }
        loaded.token.exp = expires;
        loaded.last_seen_at = now;
        self.forget(&loaded.key);
        let cookies = if roll {
            ctx.cookies.set_session(id, expires - now, request)
        } else {
            SetCookies::new()
        };
        (loaded, cookies)
    }
}
