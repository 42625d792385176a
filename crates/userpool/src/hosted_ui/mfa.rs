//! The hosted UI's second factor. After a right password, a user with TOTP on gives the code
//! of their authenticator app; in a pool where MFA is required, a user without TOTP sets it up
//! on the page (the new secret is shown there) and proves it with a first code. Both answer at
//! `POST /mfa`.
//!
//! The pending step is a row of `auth_challenges` (the JSON API's challenge store), keyed by the
//! hash of a random value that only this browser holds, in a cookie: it is bound to the browser
//! (and to the pool and client of the sign-in), is taken by one `DELETE … RETURNING` at each
//! answer (a right answer cannot be replayed; a wrong one puts it back until its deadline), and
//! lasts 3 minutes. Its clock is the pool's, the same one the TOTP check reads.

use axum::extract::State;
use axum::response::Response;

use super::form::{HostedForm, MAX_CODE};
use super::page::{Page, BAD_CREDENTIALS, BAD_TOTP, LOCKED, SESSION_EXPIRED};
use super::signed_in::signed_in;
use crate::config::MfaSetting;
use crate::credentials::{PasswordCheck, USER_DISABLED};
use crate::error::{Error, HttpError};
use crate::hosted_session::{pool_cookie, sent_cookies};
use crate::pool::UserPool;
use crate::store::{ChallengeRow, UserRow, CHALLENGE_VALIDITY_SECS};
use crate::tokens;
use crate::totp::TotpSecret;

/// The challenge names of the pending steps, apart from the JSON API's.
const TOTP_STEP: &str = "HOSTED_UI_SOFTWARE_TOKEN_MFA";
const SETUP_STEP: &str = "HOSTED_UI_MFA_SETUP";
/// Longest pending-step cookie looked up (ours are 43 characters).
const MAX_PENDING_ID: usize = 128;

/// The pending-step cookie's name: one per pool, like the session cookie.
fn cookie_name(pool_id: &str) -> String {
    format!("cognito_mfa_{pool_id}")
}

/// What the pending step waits for.
enum Step {
    /// A code of the user's TOTP secret.
    Totp,
    /// A first code of this new secret (base32), which then becomes the user's.
    Setup(String),
}

/// A pending step as stored: the step, and its deadline (kept so that a wrong answer puts the
/// step back with the same deadline, not a new one).
struct Pending {
    step: Step,
    deadline: i64,
}

impl Pending {
    fn challenge(&self) -> &'static str {
        match self.step {
            Step::Totp => TOTP_STEP,
            Step::Setup(_) => SETUP_STEP,
        }
    }

    /// The state column: `{deadline}` or `{deadline}:{secret}`. Secret: it never leaves
    /// the server but on the set-up page.
    fn state(&self) -> Vec<u8> {
        match &self.step {
            Step::Totp => self.deadline.to_string().into_bytes(),
            Step::Setup(secret) => format!("{}:{secret}", self.deadline).into_bytes(),
        }
    }

    fn from_row(row: &ChallengeRow) -> Option<Pending> {
        let state = std::str::from_utf8(&row.state).ok()?;
        let (deadline, secret) = match state.split_once(':') {
            Some((d, s)) => (d, Some(s)),
            None => (state, None),
        };
        let deadline = deadline.parse().ok()?;
        let step = match (row.challenge.as_str(), secret) {
            (TOTP_STEP, None) => Step::Totp,
            (SETUP_STEP, Some(s)) => Step::Setup(s.to_string()),
            _ => return None,
        };
        Some(Pending { step, deadline })
    }
}

/// After a right password (or a confirmation code) of a confirmed user: the second factor
/// the pool asks for, or the sign-in. The same rules as the JSON API's sign-in.
pub(super) async fn after_password(
    pool: &UserPool,
    form: &HostedForm,
    user: UserRow,
) -> Result<Response, HttpError> {
    let pc = pool.pool_config(&form.auth.pool_id)?;
    let step = if pool.totp_required(pc, &user).await? {
        Step::Totp
    } else if pool.mfa_setting(pc).await? == MfaSetting::On {
        Step::Setup(TotpSecret::generate().base32())
    } else {
        return signed_in(pool, &form.auth, &user.sub).await;
    };
    let pending = Pending {
        step,
        deadline: pool.now() + CHALLENGE_VALIDITY_SECS,
    };
    let id = tokens::random_secret(32);
    store(pool, form, &user.sub, &id, &pending).await?;
    let cookie = pool_cookie(
        pool,
        cookie_name(&form.auth.pool_id),
        id,
        Some(CHALLENGE_VALIDITY_SECS),
    )?;
    step_page(pool, form, &user, &pending).cookie(cookie).ok()
}

/// `GET /mfa` (a bookmark, a reload): the step is answered by POST only; back to sign-in.
pub(super) async fn mfa_page(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    Ok(form.redirect(&pool, "/login", &[]))
}

/// `POST /mfa`: the answer to the pending step of this browser.
pub(super) async fn answer(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let pool_id = &form.auth.pool_id;
    let Some((id, row, pending)) = take(&pool, &form).await? else {
        return back_to_login(&pool, &form, SESSION_EXPIRED);
    };
    let Some(user) = pool.store().user_by_sub(pool_id, &row.sub).await? else {
        return back_to_login(&pool, &form, SESSION_EXPIRED);
    };
    let code = form.field("code").trim();
    let code = if code.len() <= MAX_CODE { code } else { "" };
    match &pending.step {
        Step::Totp => {
            // A code is a guess like a password: reserved and counted before it is checked.
            let Some(attempt) = pool.reserve_attempt(&user).await? else {
                return back_to_login(&pool, &form, locked_message(&pool, &form));
            };
            let ok = pool.use_totp_code(&user, code).await?;
            let user = match pool.finish_attempt(pool_id, user, attempt, ok).await? {
                PasswordCheck::Accepted(user) => user,
                PasswordCheck::Refused => {
                    return ask_again(&pool, &form, &id, &row, &pending).await
                }
                PasswordCheck::Locked => {
                    return back_to_login(&pool, &form, locked_message(&pool, &form))
                }
                PasswordCheck::Disabled => return back_to_login(&pool, &form, USER_DISABLED),
            };
            finish(&pool, &form, &user).await
        }
        Step::Setup(secret_base32) => {
            if !user.enabled {
                return back_to_login(&pool, &form, USER_DISABLED);
            }
            // The secret is on the page, so a wrong first code guesses nothing: not counted.
            let secret = TotpSecret::from_base32(secret_base32)
                .map_err(|e| Error::Internal(e.to_string()))?;
            let Some(step) = pool.totp_step(&secret, code, None) else {
                return ask_again(&pool, &form, &id, &row, &pending).await;
            };
            pool.store()
                .set_totp_secret(&user.sub, secret_base32, step)
                .await?;
            pool.store().set_totp_enabled(&user.sub, true).await?;
            tracing::info!(pool = %pool_id, sub = %user.sub, "TOTP set up on the hosted UI");
            finish(&pool, &form, &user).await
        }
    }
}

/// The second factor is proven: the sign-in, and the pending cookie cleared.
async fn finish(pool: &UserPool, form: &HostedForm, user: &UserRow) -> Result<Response, HttpError> {
    let mut resp = signed_in(pool, &form.auth, &user.sub).await?;
    resp.headers_mut()
        .append(axum::http::header::SET_COOKIE, clear_cookie(pool, form)?);
    Ok(resp)
}

/// A wrong code: the step goes back (same key, same deadline) and is asked again.
async fn ask_again(
    pool: &UserPool,
    form: &HostedForm,
    id: &str,
    row: &ChallengeRow,
    pending: &Pending,
) -> Result<Response, HttpError> {
    store(pool, form, &row.sub, id, pending).await?;
    let user = pool
        .store()
        .user_by_sub(&form.auth.pool_id, &row.sub)
        .await?
        .ok_or(Error::NoSuchUser)?;
    step_page(pool, form, &user, pending).error(BAD_TOTP).ok()
}

/// The page of a pending step.
fn step_page(pool: &UserPool, form: &HostedForm, user: &UserRow, pending: &Pending) -> Page {
    match &pending.step {
        Step::Totp => form
            .page(pool, "mfa", "Enter your authentication code")
            .info("Enter the 6-digit code that your authenticator app shows."),
        Step::Setup(secret_base32) => {
            let issuer = pool
                .pool_config(&form.auth.pool_id)
                .ok()
                .and_then(|p| p.name.clone())
                .unwrap_or_else(|| form.auth.pool_id.clone());
            let otpauth = TotpSecret::from_base32(secret_base32)
                .map(|s| s.otpauth_uri(&issuer, &user.email))
                .unwrap_or_default();
            form.page(pool, "mfa_setup", "Set up two-step sign-in")
                .info(
                    "This app requires a second step at sign-in: a code from an authenticator app.",
                )
                .totp_setup(secret_base32, otpauth)
        }
    }
}

/// The sign-in page with `message`, the pending cookie cleared.
fn back_to_login(pool: &UserPool, form: &HostedForm, message: &str) -> Result<Response, HttpError> {
    form.page(pool, "login", "Sign in")
        .error(message)
        .cookie(clear_cookie(pool, form)?)
        .ok()
}

/// A lockout reached at the second step. The user gave the right password, but the answer
/// still follows the client's `PreventUserExistenceErrors`, as at the first step.
fn locked_message(pool: &UserPool, form: &HostedForm) -> &'static str {
    if form.hides_users(pool) {
        BAD_CREDENTIALS
    } else {
        LOCKED
    }
}

fn clear_cookie(pool: &UserPool, form: &HostedForm) -> Result<axum::http::HeaderValue, Error> {
    pool_cookie(
        pool,
        cookie_name(&form.auth.pool_id),
        String::new(),
        Some(0),
    )
}

async fn store(
    pool: &UserPool,
    form: &HostedForm,
    sub: &str,
    id: &str,
    pending: &Pending,
) -> Result<(), Error> {
    let row = ChallengeRow {
        pool_id: form.auth.pool_id.clone(),
        client_id: form.auth.client_id.clone(),
        sub: sub.to_string(),
        challenge: pending.challenge().to_string(),
        state: pending.state(),
        expires_at: pending.deadline,
    };
    pool.store()
        .insert_challenge(&tokens::hash_secret(id), &row)
        .await
}

/// Takes this browser's pending step of this pool and client, if one is live.
async fn take(
    pool: &UserPool,
    form: &HostedForm,
) -> Result<Option<(String, ChallengeRow, Pending)>, Error> {
    for id in sent_cookies(&form.headers, &cookie_name(&form.auth.pool_id)) {
        if id.is_empty() || id.len() > MAX_PENDING_ID {
            continue;
        }
        let Some(row) = pool
            .store()
            .take_challenge(&tokens::hash_secret(&id), pool.now())
            .await?
        else {
            continue;
        };
        // Bound to the sign-in it belongs to: another client's form does not finish it.
        if row.pool_id != form.auth.pool_id || row.client_id != form.auth.client_id {
            continue;
        }
        if let Some(pending) = Pending::from_row(&row) {
            return Ok(Some((id, row, pending)));
        }
    }
    Ok(None)
}
