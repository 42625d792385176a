//! The seam between the session lifecycle and where sessions live. Three backends implement
//! [`SessionBackend`]: the cookie itself (`cookie.rs`), an app's [`SessionStore`](super::SessionStore)
//! (`custom.rs`) and the built-in record stores (`crate::store::backend`). The lifecycle calls one
//! step per operation and never asks which backend it has.

use std::future::Future;

use http::header::HeaderMap;

use super::account::Account;
use super::context::{access_expired, bearer, refresh_due, Ctx};
use super::{Session, SessionToken};
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::shared::StoreError;

/// A request's session after loading and maintaining it.
#[derive(Default)]
pub(crate) struct Resolved {
    /// `Some` when the request is signed in.
    pub(crate) session: Option<Session>,
    /// The cookies maintaining it produced (re-issued, rolled, or cleared).
    pub(crate) cookies: SetCookies,
    /// The store failed: signed out for now, APIs answer 503, the cookie is kept.
    pub(crate) unavailable: bool,
}

/// One way to keep sessions. Every step gets the instance's parts ([`Ctx`]).
pub(crate) trait SessionBackend: Send + Sync {
    /// The request's session (cookie or `Authorization: Bearer`), maintained: provider tokens
    /// refreshed when due, the cookie re-issued or the row rolled past `update_age`.
    fn resolve(&self, ctx: &Ctx, headers: &HeaderMap) -> impl Future<Output = Resolved> + Send;

    /// The request's signed-in session when the backend can tell without waiting and nothing is
    /// due (the cookie backend's decode cache); `None` says nothing: call [`SessionBackend::resolve`].
    fn resolve_cached(&self, _ctx: &Ctx, _headers: &HeaderMap) -> Option<Session> {
        None
    }

    /// The session behind a cookie value (its chunks in order), tokens as stored.
    fn load(
        &self,
        ctx: &Ctx,
        parts: &[&str],
        now: i64,
    ) -> impl Future<Output = Result<Session, StoreError>> + Send;

    /// Refreshes the provider's tokens when due; returns the token and whether it changed.
    fn maintain(
        &self,
        ctx: &Ctx,
        token: SessionToken,
        now: i64,
    ) -> impl Future<Output = (SessionToken, bool)> + Send;

    /// Stores a new session (stamped) and returns the session cookie's value.
    fn save(
        &self,
        ctx: &Ctx,
        token: &SessionToken,
        account: &Account,
        request: &RequestCookies<'_>,
    ) -> impl Future<Output = Result<String, Error>> + Send;

    /// Writes `token` again for a session the request brought (`incoming`, in cookie chunks
    /// `parts`): NextAuth's rolling expiry and `update()`.
    fn reissue(
        &self,
        ctx: &Ctx,
        token: SessionToken,
        incoming: &SessionToken,
        parts: &[&str],
        request: &RequestCookies<'_>,
    ) -> impl Future<Output = Result<(SessionToken, SetCookies), Error>> + Send;

    /// Ends the session behind cookie value `raw`; returns it when it was readable. A store that
    /// cannot end it is an error: the caller must not pretend it ended.
    fn end(
        &self,
        ctx: &Ctx,
        raw: &str,
    ) -> impl Future<Output = Result<Option<SessionToken>, Error>> + Send;

    /// What a CSRF token is bound to for the session in `parts`: stable across re-issues, empty
    /// when the request carries no usable session.
    fn csrf_binding(&self, ctx: &Ctx, parts: &[&str]) -> String;
}

/// Stamps `token` (`iat`, `exp`, a new `jti`), has the backend store it, and returns the token
/// with the cookie's value, refusing a value over the cookie budget.
pub(crate) async fn stamp_and_save<B: SessionBackend>(
    backend: &B,
    ctx: &Ctx,
    mut token: SessionToken,
    account: &Account,
    request: &RequestCookies<'_>,
) -> Result<(SessionToken, String), Error> {
    let now = ctx.now();
    token.iat = now;
    token.exp = now + ctx.config.session_max_age;
    token.jti = uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string();
    let value = backend.save(ctx, &token, account, request).await?;
    let budget = ctx.config.max_cookie_bytes;
    if value.len() > budget {
        return Err(Error::CookieTooLarge {
            bytes: value.len(),
            budget,
        });
    }
    Ok((token, value))
}

/// [`stamp_and_save`], and the cookies that write the value (chunked when needed, stale chunks
/// expired).
pub(crate) async fn issue<B: SessionBackend>(
    backend: &B,
    ctx: &Ctx,
    token: SessionToken,
    account: &Account,
    request: &RequestCookies<'_>,
) -> Result<(SessionToken, SetCookies), Error> {
    let (token, value) = stamp_and_save(backend, ctx, token, account, request).await?;
    let cookies = ctx
        .cookies
        .set_session(&value, ctx.config.session_max_age, request);
    Ok((token, cookies))
}

/// The CSRF binding of a session kept under an id (a custom or a record store): the id's hash.
pub(crate) fn id_binding(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
    }
    format!("id:{}", crate::shared::hex(&hash.finalize()))
}

/// [`SessionBackend::resolve`] for backends that refresh in this process (cookie and custom): load,
/// refresh the tokens when due, re-issue past `update_age`.
pub(crate) async fn resolve_in_process<B: SessionBackend>(
    backend: &B,
    ctx: &Ctx,
    headers: &HeaderMap,
) -> Resolved {
    let request = RequestCookies::new(headers);
    let now = ctx.now();
    let from_cookie = request.get_parts(&ctx.cookies.session_name);
    let is_cookie = from_cookie.is_some();
    let Some(parts) = from_cookie.or_else(|| bearer(headers).map(|b| vec![b])) else {
        return Resolved::default();
    };
    let session = match backend.load(ctx, &parts, now).await {
        Ok(s) => s,
        Err(e) => return unusable(ctx, &request, is_cookie, e),
    };
    let incoming = session.token();
    let refresh = incoming
        .tokens
        .as_ref()
        .is_some_and(|t| refresh_due(t, now));
    let reissue = is_cookie && ctx.reissue_due(incoming, now);
    if !refresh && !reissue {
        // The common case: one (cached) read, nothing to write.
        let signed_in = incoming.error.is_none();
        return Resolved {
            session: signed_in.then_some(session),
            ..Resolved::default()
        };
    }
    let (token, changed) = backend.maintain(ctx, incoming.clone(), now).await;
    let mut cookies = SetCookies::new();
    if is_cookie && (changed || reissue) {
        match backend
            .reissue(ctx, token.clone(), incoming, &parts, &request)
            .await
        {
            Ok((_, c)) => cookies = c,
            Err(e) => tracing::warn!(
                "could not re-issue the session cookie: {}",
                crate::logsafe::clean(&e)
            ),
        }
    }
    let signed_in = token.error.is_none() && !access_expired(&token, now);
    Resolved {
        session: signed_in.then(|| Session::new(token)),
        cookies,
        unavailable: false,
    }
}

/// A session that could not be loaded: signed out. A cookie that can never become valid is
/// cleared on this very response; a store that is down may recover, so its cookie is kept.
pub(crate) fn unusable(
    ctx: &Ctx,
    request: &RequestCookies<'_>,
    is_cookie: bool,
    e: StoreError,
) -> Resolved {
    tracing::debug!("signed out: {}", crate::logsafe::clean(&e));
    let unavailable = matches!(e, StoreError::Backend(_));
    let cookies = if is_cookie && !unavailable {
        ctx.cookies.clear_session(request)
    } else {
        SetCookies::new()
    };
    Resolved {
        session: None,
        cookies,
        unavailable,
    }
}
