//! Attributes and settings of one user: `AdminDeleteUserAttributes`, `DeleteUserAttributes`,
//! `GetUserAttributeVerificationCode`, `VerifyUserAttribute`, `AdminResetUserPassword`,
//! `AdminSetUserMFAPreference`, `SetUserSettings`, `AdminSetUserSettings`.

use serde_json::{json, Value};

use super::me::signed_in_user;
use super::shapes::{existing_user, pool_config, CodeDelivery};
use super::stored::text;
use super::users::code_error;
use super::{ApiError, Call, Exception};
use crate::store::UserRow;
use crate::triggers::MessageSource;

fn names(req: &Value) -> Vec<&str> {
    req["UserAttributeNames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Removes the named attributes; `email` (the pool's username) and `sub` cannot go.
async fn delete_attributes(call: &Call, user: &UserRow, names: &[&str]) -> Result<(), ApiError> {
    if let Some(n) = names.iter().find(|n| matches!(**n, "sub" | "email")) {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            format!("Cannot delete a required or immutable attribute: {n}"),
        ));
    }
    let mut attrs = user.attributes.clone();
    let mut verified = user.email_verified;
    for n in names {
        attrs.remove(*n);
        if *n == "email_verified" {
            verified = false;
        }
    }
    let now = call.pool.now();
    call.pool
        .store()
        .update_user_attributes(&user.sub, &user.email, verified, &attrs, now)
        .await?;
    Ok(())
}

pub(crate) async fn admin_delete_user_attributes(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    delete_attributes(call, &user, &names(&req)).await?;
    Ok(json!({}))
}

pub(crate) async fn delete_user_attributes(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (_, user) = signed_in_user(call, text(&req, "AccessToken")).await?;
    delete_attributes(call, &user, &names(&req)).await?;
    Ok(json!({}))
}

/// Only `email` can be verified here (no SMS leaves a local pool).
fn verifiable(name: &str) -> Result<(), ApiError> {
    if name == "email" {
        Ok(())
    } else {
        Err(ApiError::new(
            Exception::InvalidParameterException,
            format!(
                "Attribute {} cannot be verified on a local pool: only email can.",
                name.escape_debug()
            ),
        ))
    }
}

pub(crate) async fn get_user_attribute_verification_code(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let (token, user) = signed_in_user(call, text(&req, "AccessToken")).await?;
    verifiable(text(&req, "AttributeName"))?;
    let pool_id = &token.pool_id;
    call.pool
        .count_send(pool_id, crate::outbox::MessageKind::Confirm, &user.email)?;
    call.pool
        .send_code_as(
            pool_id,
            &user.sub,
            &user.email,
            "confirm",
            MessageSource::VerifyUserAttribute,
            None,
        )
        .await?;
    Ok(json!({ "CodeDeliveryDetails": CodeDelivery::email(&user.email) }))
}

pub(crate) async fn verify_user_attribute(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (_, user) = signed_in_user(call, text(&req, "AccessToken")).await?;
    verifiable(text(&req, "AttributeName"))?;
    let now = call.pool.now();
    let store = call.pool.store();
    store
        .use_user_code(&user.sub, "confirm", text(&req, "Code"), now)
        .await?
        .map_err(code_error)?;
    store
        .update_user_attributes(&user.sub, &user.email, true, &user.attributes, now)
        .await?;
    Ok(json!({}))
}

/// Sends the user a reset code, as `ForgotPassword` does (the current password keeps
/// working until the code is used: a difference from Cognito, which refuses it at once).
pub(crate) async fn admin_reset_user_password(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    call.pool
        .count_send(&pc.id, crate::outbox::MessageKind::Reset, &user.email)?;
    call.pool
        .send_code_as(
            &pc.id,
            &user.sub,
            &user.email,
            "reset",
            MessageSource::ForgotPassword,
            None,
        )
        .await?;
    Ok(json!({}))
}

/// `SoftwareTokenMfaSettings` of a user, as `SetUserMFAPreference` sets it for oneself.
pub(crate) async fn admin_set_user_mfa_preference(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    let settings = &req["SoftwareTokenMfaSettings"];
    if settings.is_object() {
        let enabled = settings["Enabled"].as_bool().unwrap_or(false);
        let preferred = settings["PreferredMfa"].as_bool().unwrap_or(false);
        if enabled && user.totp_secret.is_none() {
            return Err(ApiError::new(
                Exception::InvalidParameterException,
                "User has not verified software token mfa",
            ));
        }
        call.pool
            .store()
            .set_totp_preference(&user.sub, enabled, preferred)
            .await?;
    }
    Ok(json!({}))
}

/// `MFAOptions` are SMS settings (deprecated by Cognito); a local pool has no SMS, so the
/// user is checked and nothing changes.
pub(crate) async fn set_user_settings(call: &Call, req: Value) -> Result<Value, ApiError> {
    signed_in_user(call, text(&req, "AccessToken")).await?;
    Ok(json!({}))
}

pub(crate) async fn admin_set_user_settings(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    Ok(json!({}))
}
