//! "Sign in with a passkey" on the hosted UI, for a pool with a relying party. The sign-in page
//! loads `/passkey.js` (a file: no inline script); the script posts the form's fields (its
//! anti-CSRF token included) to `POST /login/passkey/options`, which answers the request
//! options as JSON and keeps the challenge as a pending step of this browser (as the second
//! factor's is, in `auth_challenges` under the hash of a cookie's random value: single use,
//! 3 minutes, bound to the pool and client); the browser's authenticator signs it, and the
//! script posts the assertion with the form to `POST /login/passkey`, which checks it as the
//! JSON API's `WEB_AUTHN` does, then goes on as after a password (TOTP, or the sign-in).

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::form::{HostedForm, MAX_USERNAME};
use super::mfa;
use super::page::{BAD_CREDENTIALS, LOCKED, SESSION_EXPIRED};
use crate::credentials::USER_DISABLED;
use crate::error::{Error, HttpError};
use crate::hosted_session::{pool_cookie, sent_cookies};
use crate::passkey_config::relying_party;
use crate::passkey_sign_in::{self, Refusal};
use crate::pool::UserPool;
use crate::store::{ChallengeRow, CHALLENGE_VALIDITY_SECS};
use crate::tokens;

/// The pending step's challenge name, apart from the JSON API's.
const STEP: &str = "HOSTED_UI_WEB_AUTHN";
/// Longest pending-step cookie looked up (ours are 43 characters).
const MAX_PENDING_ID: usize = 128;
/// The longest `credential` field read (an assertion is well under 2 KiB).
const MAX_CREDENTIAL: usize = 4096;
/// A refused passkey, told apart from nothing else.
const PASSKEY_REFUSED: &str =
    "The passkey was not accepted. Try again, or sign in with your password.";

/// The script the sign-in page loads.
const SCRIPT: &str = include_str!("passkey.js");

/// The pending-step cookie's name: one per pool.
fn cookie_name(pool_id: &str) -> String {
    format!("cognito_passkey_{pool_id}")
}

/// `GET /passkey.js`.
pub(super) async fn script() -> Response {
    let mut resp = SCRIPT.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}

/// A JSON refusal for the script to show.
fn json_error(status: StatusCode, message: &str) -> Response {
    let mut resp = (status, axum::Json(json!({ "message": message }))).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /login/passkey/options`: request options for the user named in the form. An unknown
/// user, or one without passkeys, gets options too (listing none): the answer does not tell
/// who has an account, and the sign-in can only fail.
pub(super) async fn options(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let pool_id = &form.auth.pool_id;
    let Some(rp) = relying_party(&pool, pool_id).await? else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "This sign-in page does not offer passkeys.",
        ));
    };
    let username = form.field("username").trim();
    if username.is_empty() || username.len() > MAX_USERNAME {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "Enter your email, then sign in with your passkey.",
        ));
    }
    let user = pool.find_user(pool_id, username).await?;
    let (challenge, options) =
        passkey_sign_in::request_options(&pool, pool_id, &rp, user.as_ref()).await?;
    let id = tokens::random_secret(32);
    let row = ChallengeRow {
        pool_id: pool_id.clone(),
        client_id: form.auth.client_id.clone(),
        sub: user.map(|u| u.sub).unwrap_or_default(),
        challenge: STEP.to_string(),
        state: challenge,
        expires_at: pool.now() + CHALLENGE_VALIDITY_SECS,
    };
    pool.store()
        .insert_challenge(&tokens::hash_secret(&id), &row)
        .await?;
    let cookie = pool_cookie(
        &pool,
        cookie_name(pool_id),
        id,
        Some(CHALLENGE_VALIDITY_SECS),
    )?;
    let mut resp = axum::Json(options).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.append(header::SET_COOKIE, cookie);
    Ok(resp)
}

/// Takes this browser's pending passkey step of this pool and client, if one is live.
async fn take(pool: &UserPool, form: &HostedForm) -> Result<Option<ChallengeRow>, Error> {
    for id in sent_cookies(&form.headers, &cookie_name(&form.auth.pool_id)) {
        if id.is_empty() || id.len() > MAX_PENDING_ID {
            continue;
        }
        let taken = pool
            .store()
            .take_challenge(&tokens::hash_secret(&id), pool.now())
            .await?
            .filter(|r| {
                r.challenge == STEP
                    && r.pool_id == form.auth.pool_id
                    && r.client_id == form.auth.client_id
            });
        if taken.is_some() {
            return Ok(taken);
        }
    }
    Ok(None)
}

/// `POST /login/passkey`: the assertion (`credential`, an `AuthenticationResponseJSON`) over
/// this browser's pending challenge.
pub(super) async fn sign_in(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let pool_id = &form.auth.pool_id;
    let username = form.field("username").trim();
    let clear = pool_cookie(&pool, cookie_name(pool_id), String::new(), Some(0))?;
    let refuse = |message: &str| {
        form.page(&pool, "login", "Sign in")
            .user(username)
            .passkey(true)
            .error(message)
            .cookie(clear.clone())
            .ok()
    };
    let (Some(row), Some(rp)) = (
        take(&pool, &form).await?,
        relying_party(&pool, pool_id).await?,
    ) else {
        return refuse(SESSION_EXPIRED);
    };
    let credential = form.field("credential");
    let user = pool.store().user_by_sub(pool_id, &row.sub).await?;
    let Some(user) = user.filter(|u| u.confirmed && credential.len() <= MAX_CREDENTIAL) else {
        return refuse(PASSKEY_REFUSED);
    };
    match passkey_sign_in::check(&pool, pool_id, &rp, &row.state, user, credential).await? {
        Ok(user) => {
            let mut resp = mfa::after_password(&pool, &form, user).await?;
            resp.headers_mut().append(header::SET_COOKIE, clear);
            Ok(resp)
        }
        Err(Refusal::Disabled) => refuse(USER_DISABLED),
        Err(Refusal::Locked) if form.hides_users(&pool) => refuse(BAD_CREDENTIALS),
        Err(Refusal::Locked) => refuse(LOCKED),
        Err(_) => refuse(PASSKEY_REFUSED),
    }
}
