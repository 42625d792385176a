//! The sign-in page and form.

use axum::extract::State;
use axum::response::Response;

use super::form::{HostedForm, MAX_USERNAME};
use super::mfa;
use super::page::{BAD_CREDENTIALS, LOCKED};
use crate::credentials::{PasswordCheck, MAX_PASSWORD, USER_DISABLED};
use crate::error::{Error, HttpError};
use crate::passkey_config::relying_party;
use crate::pool::UserPool;
use crate::triggers::{self, BeforePassword, MessageSource, SignInAttempt, Trigger, TriggerError};

pub(super) async fn login_page(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let hint = form
        .fields
        .get("username")
        .or_else(|| form.fields.get("login_hint"))
        .map(String::as_str)
        .unwrap_or("");
    let providers = pool.store().providers(&form.auth.pool_id).await?;
    let names = providers.into_iter().map(|p| p.name).collect();
    let passkey = relying_party(&pool, &form.auth.pool_id).await?.is_some();
    let mut page = form
        .page(&pool, "login", "Sign in")
        .user(hint)
        .providers(names, &form.params)
        .passkey(passkey);
    if form.fields.contains_key("reset") {
        page = page.info("Your password has been reset. Sign in with the new password.");
    }
    page.ok()
}

pub(super) async fn login(
    State(pool): State<UserPool>,
    form: HostedForm,
) -> Result<Response, HttpError> {
    let username = form.field("username").trim();
    let password = form.field("password");
    let passkey = relying_party(&pool, &form.auth.pool_id).await?.is_some();
    let page = || {
        form.page(&pool, "login", "Sign in")
            .user(username)
            .passkey(passkey)
    };
    if username.is_empty()
        || password.is_empty()
        || username.len() > MAX_USERNAME
        || password.len() > MAX_PASSWORD
    {
        return page().error(BAD_CREDENTIALS).ok();
    }
    let pool_id = &form.auth.pool_id;
    let pc = pool.pool_config(pool_id)?;
    let client_id = &form.auth.client_id;
    let attempt = SignInAttempt {
        client_id,
        username,
        password: Some(password),
        hides_users: form.hides_users(&pool),
        client_metadata: None,
    };
    match triggers::before_password(&pool, pc, attempt).await {
        Ok(BeforePassword::ResetRequired) => {
            return page().error("Password reset required for the user").ok()
        }
        Ok(_) => {}
        // A migration function's refusal reads as a wrong password.
        Err(Error::Trigger(TriggerError::Validation {
            trigger: Trigger::UserMigration,
            ..
        })) => return page().error(BAD_CREDENTIALS).ok(),
        Err(Error::Trigger(t)) => return page().error(&t.to_string()).ok(),
        Err(e) => return Err(e.into()),
    }
    let user = match pool.check_password(pool_id, username, password).await? {
        PasswordCheck::Accepted(user) => user,
        // Same answer for a wrong password and an unknown user: existence is not revealed.
        PasswordCheck::Refused => return page().error(BAD_CREDENTIALS).ok(),
        // A lockout only happens to a user who exists, so it is told apart only when the
        // client does not hide users (`PreventUserExistenceErrors` off).
        PasswordCheck::Locked if form.hides_users(&pool) => {
            return page().error(BAD_CREDENTIALS).ok()
        }
        PasswordCheck::Locked => return page().error(LOCKED).ok(),
        PasswordCheck::Disabled => return page().error(USER_DISABLED).ok(),
    };
    if !user.confirmed {
        // Cognito's hosted UI sends a fresh code and asks for it.
        let source = MessageSource::ResendCode;
        pool.send_code_as(
            pool_id,
            &user.sub,
            &user.email,
            "confirm",
            source,
            Some(client_id),
        )
        .await?;
        return Ok(form.redirect(&pool, "/confirmUser", &[("username", &user.email)]));
    }
    mfa::after_password(&pool, &form, user).await
}
