//! What every successful hosted-UI sign-in ends with (password, MFA, federation): the post
//! authentication trigger, the hosted session's cookie, and the redirect to the app.

use axum::http::header;
use axum::response::Response;

use crate::error::HttpError;
use crate::hosted_session;
use crate::oauth2::authorize::complete_sign_in;
use crate::oauth2::params::Authorized;
use crate::pool::UserPool;
use crate::triggers;

/// Signs the user in: session cookie, then the redirect to the callback.
pub(super) async fn signed_in(
    pool: &UserPool,
    auth: &Authorized,
    sub: &str,
) -> Result<Response, HttpError> {
    let now = pool.now();
    if let Some(user) = pool.store().user_by_sub(&auth.pool_id, sub).await? {
        let pc = pool.pool_config(&auth.pool_id)?;
        triggers::post_authentication(pool, pc, &auth.client_id, &user, None).await?;
    }
    let cookie = hosted_session::start(pool, &auth.pool_id, sub, now).await?;
    let mut resp = complete_sign_in(pool, auth, sub, now).await?;
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}
