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
use crate::triggers::{self, MessageSource};

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
    if pool.find_user(pool_id, email).await?.is_some() {
        return page().error(USER_EXISTS).ok();
    }
    let pc = pool.pool_config(pool_id)?;
    let client_id = Some(form.auth.client_id.as_str());
    let source = "PreSignUp_SignUp";
    let answer = triggers::pre_sign_up(
        &pool,
        pc,
        source,
        client_id,
        &sub,
        email,
        &attributes,
        None,
        None,
    );
    let answer = match answer.await {
        Ok(a) => a,
        Err(Error::Trigger(t)) => return page().error(&t.to_string()).ok(),
        Err(e) => return Err(e.into()),
    };
    let record = pool.password_record(pool_id, &sub, password).await?;
    let inserted = pool
        .store()
        .insert_user(
            pool_id,
            &sub,
            email,
            &record,
            answer.auto_confirm,
            answer.auto_verify_email,
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
    if answer.auto_confirm {
        // Confirmed by the pre sign-up trigger: signed in at once, as after a code.
        let user = pool.store().user_by_sub(pool_id, &sub).await?;
        return mfa::after_password(&pool, &form, user.ok_or(Error::NoSuchUser)?).await;
    }
    let source = MessageSource::SignUp;
    pool.send_code_as(pool_id, &sub, email, "confirm", source, client_id)
        .await?;
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
    let pc = pool.pool_config(pool_id)?;
    let (source, client_id) = ("PostConfirmation_ConfirmSignUp", &form.auth.client_id);
    if let Err(e) =
        triggers::post_confirmation(&pool, pc, source, Some(client_id), &user, None).await
    {
        return match e {
            Error::Trigger(t) => page().error(&t.to_string()).ok(),
            e => Err(e.into()),
        };
    }
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
                let (source, client_id) = (MessageSource::ResendCode, &form.auth.client_id);
                pool.send_code_as(
                    pool_id,
                    &user.sub,
                    &user.email,
                    "confirm",
                    source,
                    Some(client_id),
                )
                .await?;
            }
        }
    }
    Ok(form.redirect(&pool, "/confirmUser", &[("username", username)]))
}
