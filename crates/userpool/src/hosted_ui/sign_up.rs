//! Sign-up, its confirmation code, and sending the code again.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;

use super::form::{HostedForm, MAX_CODE, MAX_NAME, MAX_USERNAME};
use super::mfa;
use super::page::{code_message, Page, BAD_CODE, BAD_EMAIL, USER_EXISTS};
use crate::config::valid_email;
use crate::error::{Error, HttpError};
use crate::outbox::MessageKind;
use crate::pool::UserPool;

pub(super) async fn signup_page(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    form.page(&pool, "signup", "Sign up").ok()
}

pub(super) async fn signup(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let email = form.field("username").trim();
    let password = form.field("password");
    let name = form.field("name").trim();
    let page = || form.page(&pool, "signup", "Sign up").user(email).name(name);
    if !valid_email(email) || email.len() > MAX_USERNAME {
        return page().error(BAD_EMAIL).ok();
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return page()
            .error("Invalid name: at most 2048 printable characters.")
            .ok();
    }
    let pool_id = &form.auth.pool_id;
    if let Err(msg) = pool.check_new_password(pool_id, password)? {
        return page().error(&msg).ok();
    }
    let mut attributes = BTreeMap::new();
    if !name.is_empty() {
        attributes.insert("name".to_string(), name.to_string());
    }
    let sub = uuid::Uuid::new_v4().to_string();
    let record = pool.password_record(pool_id, &sub, password).await?;
    let inserted = pool
        .store()
        .insert_user(
            pool_id,
            &sub,
            email,
            &record,
            false,
            false,
            &attributes,
            pool.now(),
        )
        .await;
    match inserted {
        Ok(()) => {}
        Err(Error::UserExists) => return page().error(USER_EXISTS).ok(),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(pool = %pool_id, sub = %sub, "user signed up");
    pool.send_code(pool_id, &sub, email, "confirm").await?;
    Ok(form.redirect(&pool, "/confirmUser", &[("username", email)]))
}

fn confirm_form(pool: &UserPool, form: &HostedForm, username: &str) -> Page {
    form.page(pool, "confirm", "Confirm your account")
        .user(username)
        .info("Enter the confirmation code to finish signing up.")
}

pub(super) async fn confirm_page(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    confirm_form(&pool, &form, form.field("username")).ok()
}

pub(super) async fn confirm(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let username = form.field("username").trim();
    let code = form.field("code").trim();
    let page = || confirm_form(&pool, &form, username);
    if username.len() > MAX_USERNAME || code.is_empty() || code.len() > MAX_CODE {
        return page().error(BAD_CODE).ok();
    }
    let pool_id = &form.auth.pool_id;
    let hides_users = form.hides_users(&pool);
    // An unknown user's answer is a wrong code's.
    let Some(user) = pool.store().user_by_email(pool_id, username).await? else {
        return page().error(BAD_CODE).ok();
    };
    if user.confirmed {
        // Only a user who exists can be confirmed already: hidden like the rest.
        let msg = if hides_users {
            BAD_CODE
        } else {
            "User cannot be confirmed. Current status is CONFIRMED"
        };
        return page().error(msg).ok();
    }
    let used = pool
        .store()
        .use_user_code(&user.sub, "confirm", code, pool.now())
        .await?;
    if let Err(problem) = used {
        return page().error(code_message(problem, hides_users)).ok();
    }
    pool.store().confirm_user(&user.sub, pool.now()).await?;
    tracing::info!(pool = %pool_id, sub = %user.sub, "user confirmed");
    // Cognito's hosted UI signs the user in once the code is accepted (after the second
    // factor, where the pool requires one).
    mfa::after_password(&pool, &form, user).await
}

pub(super) async fn resend_code(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let username = form.field("username").trim();
    let pool_id = &form.auth.pool_id;
    if username.len() <= MAX_USERNAME {
        // Over the limit nothing is sent, and the page is the same (as for an unknown user).
        let allowed = pool
            .count_send(pool_id, MessageKind::Confirm, username)
            .is_ok();
        if let Some(user) = pool.store().user_by_email(pool_id, username).await? {
            if !user.confirmed && allowed {
                pool.send_code(pool_id, &user.sub, &user.email, "confirm")
                    .await?;
            }
        }
    }
    Ok(form.redirect(&pool, "/confirmUser", &[("username", username)]))
}
