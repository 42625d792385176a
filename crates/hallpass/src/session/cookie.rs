//! The default backend: the session is the cookie, an encrypted JWE ([`JwtStore`](super::jwt)),
//! re-issued at most once a minute ([`ReissueCache`]). Nothing is stored; a protected page costs one
//! cached lookup of the cookie's bytes.

use http::header::HeaderMap;

use super::account::Account;
use super::backend::{resolve_in_process, stamp_and_save, Resolved, SessionBackend};
use super::context::{refresh_due, Ctx};
use super::reissue::{Reissue, ReissueCache};
use super::{Session, SessionToken};
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::shared::StoreError;

/// Cookie sessions: the cookies re-issued this minute, shared by the requests that bring them.
#[derive(Default)]
pub(crate) struct CookieSessions {
    reissues: ReissueCache,
}

impl SessionBackend for CookieSessions {
    /// The common case, cheaply: a session cookie decrypted before (looked up on its raw bytes,
    /// see `JwtStore::cached`) with nothing due and no error. `None` sends the request down the
    /// full path.
    fn resolve_cached(&self, ctx: &Ctx, headers: &HeaderMap) -> Option<Session> {
        let request = RequestCookies::new(headers);
        let raw = request.get_parts_raw(&ctx.cookies.session_name)?;
        let now = ctx.now();
        let session = ctx.jwt.cached(raw.as_slice(), now)?;
        let token = session.token();
        let due = token.tokens.as_ref().is_some_and(|t| refresh_due(t, now))
            || ctx.reissue_due(token, now);
        (!due && token.error.is_none()).then_some(session)
    }

    async fn resolve(&self, ctx: &Ctx, headers: &HeaderMap) -> Resolved {
        if let Some(session) = self.resolve_cached(ctx, headers) {
            return Resolved {
                session: Some(session),
                ..Resolved::default()
            };
        }
        resolve_in_process(self, ctx, headers).await
    }

    async fn load(&self, ctx: &Ctx, parts: &[&str], now: i64) -> Result<Session, StoreError> {
        ctx.jwt.decode_cached(parts, now)
    }

    async fn maintain(&self, ctx: &Ctx, token: SessionToken, now: i64) -> (SessionToken, bool) {
        ctx.refresh_in_process(token, now).await
    }

    async fn save(
        &self,
        ctx: &Ctx,
        token: &SessionToken,
        _: &Account,
        _: &RequestCookies<'_>,
    ) -> Result<String, Error> {
        Ok(ctx.jwt.encode(token))
    }

    /// NextAuth's rolling expiry, but encrypted at most once a minute when the claims did not
    /// change (see [`super::reissue`]).
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
        let set = |value: &str, exp: i64| ctx.cookies.set_session(value, exp - now, request);
        match self.reissues.plan(&token, incoming, parts, fresh_exp) {
            // Set again (not skipped) so that stale chunks are still expired as on any issue.
            Reissue::KeepIncoming => {
                let value = match parts {
                    [one] => std::borrow::Cow::Borrowed(*one),
                    _ => std::borrow::Cow::Owned(parts.concat()),
                };
                let kept = SessionToken {
                    iat: incoming.iat,
                    exp: incoming.exp,
                    jti: incoming.jti.clone(),
                    ..token
                };
                Ok((kept, set(&value, incoming.exp)))
            }
            Reissue::Reuse(done) => Ok((done.token.clone(), set(&done.value, done.token.exp))),
            Reissue::Encrypt => {
                let account = Account::default();
                let (token, value) = stamp_and_save(self, ctx, token, &account, request).await?;
                self.reissues.remember(parts, &token, &value);
                let exp = token.exp;
                Ok((token, set(&value, exp)))
            }
        }
    }

    /// Nothing to delete: the cookie is the session (the caller clears it).
    async fn end(&self, ctx: &Ctx, raw: &str) -> Result<Option<SessionToken>, Error> {
        Ok(ctx
            .jwt
            .decode_cached(&[raw], ctx.now())
            .ok()
            .map(|s| s.token().clone()))
    }

    /// The session's `sub`, stable across re-issues.
    fn csrf_binding(&self, ctx: &Ctx, parts: &[&str]) -> String {
        match ctx.jwt.decode_cached(parts, ctx.now()) {
            Ok(s) => format!("sub:{}", s.sub().unwrap_or("")),
            Err(_) => String::new(),
        }
    }
}
