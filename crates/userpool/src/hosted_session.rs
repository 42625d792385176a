//! The hosted-UI session: started when a user signs in on the hosted UI, read by
//! `/oauth2/authorize` to skip the form, ended by `/logout`; and the builder of every
//! hosted-UI cookie.

use axum::http::{header, HeaderMap, HeaderValue};

use crate::error::Error;
use crate::pool::UserPool;
use crate::tokens;

/// Hosted-UI session lifetime (Cognito: 1 hour).
pub(crate) const SESSION_SECS: i64 = 60 * 60;
/// Longest cookie value looked up (ours are 43 characters).
const MAX_SESSION_ID: usize = 128;

/// The cookie's name: one per pool, since one host serves several pools.
fn cookie_name(pool_id: &str) -> String {
    format!("cognito_{pool_id}")
}

/// A `Set-Cookie` value for one of the hosted UI's cookies (the session, the anti-CSRF token,
/// a pending second factor): `HttpOnly`, `SameSite=Lax`, `Secure` on https, scoped to the
/// public URL's path; `max_age_secs` `None` makes a browser-session cookie, `Some(0)` clears it.
/// Every hosted-UI cookie is built here, so the one that sets it and the one that clears it
/// carry the same flags.
pub(crate) fn pool_cookie(
    pool: &UserPool,
    name: String,
    value: String,
    max_age_secs: Option<i64>,
) -> Result<HeaderValue, Error> {
    let path = match pool.base_path() {
        p if p.is_empty() => "/".to_string(),
        p => p,
    };
    let mut c = cookie::Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .secure(pool.is_https())
        .same_site(cookie::SameSite::Lax);
    if let Some(secs) = max_age_secs {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).map_err(|e| Error::Internal(e.to_string()))
}

/// The values of the cookie `name` in the request (a browser may send several, for
/// several paths).
pub(crate) fn sent_cookies(headers: &HeaderMap, name: &str) -> Vec<String> {
    let mut out = vec![];
    for h in headers.get_all(header::COOKIE) {
        let Ok(s) = h.to_str() else { continue };
        for c in cookie::Cookie::split_parse(s).flatten() {
            if c.name() == name {
                out.push(c.value().to_string());
            }
        }
    }
    out
}

fn set_cookie(
    pool: &UserPool,
    pool_id: &str,
    value: String,
    max_age_secs: i64,
) -> Result<HeaderValue, Error> {
    pool_cookie(pool, cookie_name(pool_id), value, Some(max_age_secs))
}

/// The values of this pool's session cookie in the request.
fn sent_ids(headers: &HeaderMap, pool_id: &str) -> Vec<String> {
    sent_cookies(headers, &cookie_name(pool_id))
}

/// Starts a session (1 h) for `sub`; returns the `Set-Cookie` value that carries it.
pub(crate) async fn start(
    pool: &UserPool,
    pool_id: &str,
    sub: &str,
    auth_time: i64,
) -> Result<HeaderValue, Error> {
    let id = tokens::random_secret(32);
    pool.store()
        .insert_session(
            &tokens::hash_secret(&id),
            pool_id,
            sub,
            auth_time,
            auth_time + SESSION_SECS,
        )
        .await?;
    set_cookie(pool, pool_id, id, SESSION_SECS)
}

/// The `(sub, auth_time)` of the browser's live session with this pool, if its user
/// still exists, is confirmed and is enabled.
pub(crate) async fn current(
    pool: &UserPool,
    headers: &HeaderMap,
    pool_id: &str,
) -> Result<Option<(String, i64)>, Error> {
    for id in sent_ids(headers, pool_id) {
        if id.len() > MAX_SESSION_ID {
            continue;
        }
        let found = pool
            .store()
            .session(&tokens::hash_secret(&id), pool_id, pool.now())
            .await?;
        if let Some((sub, auth_time)) = found {
            // The user may have been deleted, unconfirmed or disabled since.
            if pool
                .store()
                .user_by_sub(pool_id, &sub)
                .await?
                .is_some_and(|u| u.confirmed && u.enabled)
            {
                return Ok(Some((sub, auth_time)));
            }
        }
    }
    Ok(None)
}

/// Deletes the browser's sessions with the pool, if any; returns the `Set-Cookie` value
/// that clears the cookie.
pub(crate) async fn end(
    pool: &UserPool,
    headers: &HeaderMap,
    pool_id: &str,
) -> Result<HeaderValue, Error> {
    for id in sent_ids(headers, pool_id) {
        pool.store()
            .delete_session(&tokens::hash_secret(&id))
            .await?;
    }
    set_cookie(pool, pool_id, String::new(), 0)
}
