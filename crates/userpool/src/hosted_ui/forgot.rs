//! Forgot password: ask for a reset code, then set a new password with it.

use axum::extract::State;
use axum::response::Response;

use super::form::{HostedForm, MAX_CODE, MAX_USERNAME};
use super::page::{code_message, Page, BAD_CODE, BAD_EMAIL};
use crate::config::valid_email;
use crate::error::{Error, HttpError};
use crate::outbox::MessageKind;
use crate::pool::UserPool;
use crate::triggers::{self, MessageSource};

fn forgot_form(pool: &UserPool, form: &HostedForm, username: &str) -> Page {
    form.page(pool, "forgot", "Forgot your password?")
        .user(username)
}

pub(super) async fn forgot_page(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    forgot_form(&pool, &form, form.field("username"))
        .info("Enter your email below to get a code that resets your password.")
        .ok()
}

pub(super) async fn forgot(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let username = form.field("username").trim();
    if !valid_email(username) {
        return forgot_form(&pool, &form, username).error(BAD_EMAIL).ok();
    }
    let pool_id = &form.auth.pool_id;
    // Over the limit, nothing is sent; the page is the same either way, so it tells neither
    // the limit nor the user's existence.
    let allowed = pool
        .count_send(pool_id, MessageKind::Reset, username)
        .is_ok();
    let mut user = pool.store().user_by_email(pool_id, username).await?;
    if user.is_none() && allowed {
        let (pc, client_id) = (pool.pool_config(pool_id)?, &form.auth.client_id);
        let migrated = triggers::user_migration(&pool, pc, client_id, username, None, None);
        user = match migrated.await {
            Ok(m) => m.map(|m| m.user),
            // A refusal is an unknown user's answer: the same page.
            Err(Error::Trigger(_)) => None,
            Err(e) => return Err(e.into()),
        };
    }
    match user {
        Some(user) if allowed => {
            let (source, client_id) = (MessageSource::ForgotPassword, &form.auth.client_id);
            pool.send_code_as(
                pool_id,
                &user.sub,
                &user.email,
                "reset",
                source,
                Some(client_id),
            )
            .await?;
        }
        // The same work for nobody, so the timing does not tell the address apart either.
        None if allowed => pool.send_no_code("reset").await?,
        _ => {}
    }
    // The same page whether or not the user exists.
    Ok(form.redirect(&pool, "/confirmForgotPassword", &[("username", username)]))
}

fn confirm_forgot_form(pool: &UserPool, form: &HostedForm, username: &str) -> Page {
    form.page(pool, "confirm_forgot", "Reset your password")
        .user(username)
        .info(
            "If the account exists, a reset code has been issued. Enter it below with a new password.",
        )
}

pub(super) async fn confirm_forgot_page(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    confirm_forgot_form(&pool, &form, form.field("username")).ok()
}

pub(super) async fn confirm_forgot(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let username = form.field("username").trim();
    let code = form.field("code").trim();
    let password = form.field("password");
    let page = || confirm_forgot_form(&pool, &form, username);
    if username.len() > MAX_USERNAME || code.is_empty() || code.len() > MAX_CODE {
        return page().error(BAD_CODE).ok();
    }
    let pool_id = &form.auth.pool_id;
    if let Err(msg) = pool.check_new_password(pool_id, password)? {
        return page().error(&msg).ok();
    }
    // An unknown user's answer is a wrong code's.
    let Some(user) = pool.store().user_by_email(pool_id, username).await? else {
        return page().error(BAD_CODE).ok();
    };
    let used = pool
        .store()
        .use_user_code(&user.sub, "reset", code, pool.now())
        .await?;
    if let Err(problem) = used {
        return page()
            .error(code_message(problem, form.hides_users(&pool)))
            .ok();
    }
    pool.set_user_password(pool_id, &user.sub, password, pool.now())
        .await?;
    // The code went to the user's email, so the email is verified now.
    if !user.confirmed {
        pool.store().confirm_user(&user.sub, pool.now()).await?;
    }
    // No code sent before the reset (a pre-registration's confirmation code) works after it.
    pool.store().retire_user_codes(&user.sub).await?;
    // A reset ends every sign-in and hosted-UI session (review finding 3): whoever knew the
    // old password, or holds its tokens, is signed out.
    pool.store().end_user_sign_ins(pool_id, &user.sub).await?;
    tracing::info!(pool = %pool_id, sub = %user.sub, "password reset");
    let pc = pool.pool_config(pool_id)?;
    let (source, client_id) = (
        "PostConfirmation_ConfirmForgotPassword",
        &form.auth.client_id,
    );
    triggers::post_confirmation(&pool, pc, source, Some(client_id), &user, None).await?;
    Ok(form.redirect(
        &pool,
        "/login",
        &[("username", &user.email), ("reset", "1")],
    ))
}
