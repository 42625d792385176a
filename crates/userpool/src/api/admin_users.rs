//! The signed `Admin*` operations on one user: create (with a temporary password), get,
//! delete, set a password, update attributes, confirm, sign out everywhere, disable, enable.

use serde::{Deserialize, Serialize};

use super::me::store_attributes;
use super::shapes::{
    attributes_of, existing_user, parse_attributes, pool_config, status_of, Attribute, UserType,
};
use super::users::Empty;
use super::{ApiError, Call, Exception};
use crate::config::valid_email;
use crate::error::Error;
use crate::outbox::{Message, MessageKind};
use crate::store::UserRow;
use crate::tokens;
use crate::triggers;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserRequest {
    user_pool_id: String,
    username: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AdminCreateUserRequest {
    user_pool_id: String,
    username: String,
    #[serde(default)]
    user_attributes: Vec<Attribute>,
    temporary_password: Option<String>,
    message_action: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AdminCreateUserResponse {
    user: UserType,
}

/// A random temporary password that meets any policy: letters of both cases, a digit, a
/// symbol, and long enough.
fn temporary_password(minimum_length: usize) -> String {
    let mut p = tokens::random_secret(minimum_length.max(12));
    p.push_str("Aa1!");
    p
}

pub(crate) async fn admin_create_user(
    call: &Call,
    req: AdminCreateUserRequest,
) -> Result<AdminCreateUserResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let resend = match req.message_action.as_deref() {
        None => false,
        Some("RESEND") => true,
        Some("SUPPRESS") => false,
        Some(_) => {
            return Err(ApiError::new(
                Exception::InvalidParameterException,
                "MessageAction must be RESEND or SUPPRESS.",
            ))
        }
    };
    let suppress = req.message_action.as_deref() == Some("SUPPRESS");
    let password = match &req.temporary_password {
        Some(p) => {
            call.pool
                .check_new_password(&pc.id, p)?
                .map_err(|m| ApiError::new(Exception::InvalidPasswordException, m))?;
            p.clone()
        }
        None => temporary_password(pc.password_policy.minimum_length),
    };
    let user = if resend {
        resend_temporary(call, &pc.id, &req.username, &password).await?
    } else {
        create(call, &pc.id, &req, &password).await?
    };
    if !suppress {
        let m = Message {
            pool_id: pc.id.clone(),
            to: user.email.clone(),
            kind: MessageKind::TemporaryPassword,
            code_or_password: password,
            subject: None,
            message: None,
        };
        let source = triggers::MessageSource::AdminCreateUser;
        triggers::custom_message(&call.pool, m, source, None, &user, None).await?;
    }
    Ok(AdminCreateUserResponse {
        user: UserType::of(&user),
    })
}

/// A new confirmed user whose password is temporary (`FORCE_CHANGE_PASSWORD`).
async fn create(
    call: &Call,
    pool_id: &str,
    req: &AdminCreateUserRequest,
    password: &str,
) -> Result<UserRow, ApiError> {
    let email = req.username.trim();
    if !valid_email(email) {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "Username should be an email.",
        ));
    }
    let attrs = parse_attributes(&req.user_attributes)?;
    let sub = uuid::Uuid::new_v4().to_string();
    let pc = call.pool.pool_config(pool_id)?;
    let answer = triggers::pre_sign_up(
        &call.pool,
        pc,
        "PreSignUp_AdminCreateUser",
        None,
        &sub,
        email,
        &attrs.others,
        None,
        None,
    )
    .await?;
    let record = call.pool.password_record(pool_id, &sub, password).await?;
    let verified = attrs.email_verified.unwrap_or(false) || answer.auto_verify_email;
    let store = call.pool.store();
    store
        .insert_user(
            pool_id,
            &sub,
            email,
            &record,
            true,
            verified,
            &attrs.others,
            call.pool.now(),
        )
        .await
        .map_err(|e| match e {
            Error::UserExists => ApiError::new(
                Exception::UsernameExistsException,
                "User account already exists",
            ),
            e => e.into(),
        })?;
    store.set_password_temporary(&sub, true).await?;
    tracing::info!(pool = %pool_id, sub = %sub, "user created through AdminCreateUser");
    existing_user(&call.pool, pool_id, &sub).await
}

/// `MessageAction: RESEND`: a user still on a temporary password gets a new one.
async fn resend_temporary(
    call: &Call,
    pool_id: &str,
    username: &str,
    password: &str,
) -> Result<UserRow, ApiError> {
    let user = existing_user(&call.pool, pool_id, username).await?;
    if !user.password_temporary {
        return Err(ApiError::new(
            Exception::UnsupportedUserStateException,
            "Resend not possible. User status is not FORCE_CHANGE_PASSWORD.",
        ));
    }
    call.pool
        .set_user_password(pool_id, &user.sub, password, call.pool.now())
        .await?;
    call.pool
        .store()
        .set_password_temporary(&user.sub, true)
        .await?;
    existing_user(&call.pool, pool_id, &user.sub).await
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AdminGetUserResponse {
    username: String,
    user_attributes: Vec<Attribute>,
    user_create_date: i64,
    user_last_modified_date: i64,
    enabled: bool,
    user_status: &'static str,
    #[serde(rename = "UserMFASettingList")]
    user_mfa_setting_list: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preferred_mfa_setting: Option<&'static str>,
}

pub(crate) async fn admin_get_user(
    call: &Call,
    req: UserRequest,
) -> Result<AdminGetUserResponse, ApiError> {
    let user = signed_user(call, &req).await?;
    Ok(AdminGetUserResponse {
        username: user.username().to_string(),
        user_attributes: attributes_of(&user),
        user_create_date: user.created_at,
        user_last_modified_date: user.updated_at,
        enabled: user.enabled,
        user_status: status_of(&user),
        user_mfa_setting_list: super::shapes::setting_list(&user),
        preferred_mfa_setting: super::shapes::preferred_setting(&user),
    })
}

/// The user of a signed admin request.
async fn signed_user(call: &Call, req: &UserRequest) -> Result<UserRow, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    existing_user(&call.pool, &pc.id, &req.username).await
}

pub(crate) async fn admin_delete_user(call: &Call, req: UserRequest) -> Result<Empty, ApiError> {
    let user = signed_user(call, &req).await?;
    call.pool
        .store()
        .delete_user(&req.user_pool_id, &user.sub)
        .await?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AdminSetUserPasswordRequest {
    user_pool_id: String,
    username: String,
    password: String,
    #[serde(default)]
    permanent: bool,
}

pub(crate) async fn admin_set_user_password(
    call: &Call,
    req: AdminSetUserPasswordRequest,
) -> Result<Empty, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let user = existing_user(&call.pool, &pc.id, &req.username).await?;
    call.pool
        .check_new_password(&pc.id, &req.password)?
        .map_err(|m| ApiError::new(Exception::InvalidPasswordException, m))?;
    let now = call.pool.now();
    let store = call.pool.store();
    call.pool
        .set_user_password(&pc.id, &user.sub, &req.password, now)
        .await?;
    if req.permanent {
        if !user.confirmed {
            store.confirm_user(&user.sub, now).await?;
        }
    } else {
        store.set_password_temporary(&user.sub, true).await?;
    }
    // A password set by an admin ends the user's sign-ins, as a reset does.
    store.end_user_sign_ins(&pc.id, &user.sub).await?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AdminUpdateUserAttributesRequest {
    user_pool_id: String,
    username: String,
    user_attributes: Vec<Attribute>,
}

pub(crate) async fn admin_update_user_attributes(
    call: &Call,
    req: AdminUpdateUserAttributesRequest,
) -> Result<Empty, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let user = existing_user(&call.pool, &pc.id, &req.username).await?;
    let update = parse_attributes(&req.user_attributes)?;
    store_attributes(call, &user, update).await?;
    Ok(Empty {})
}

pub(crate) async fn admin_confirm_sign_up(
    call: &Call,
    req: UserRequest,
) -> Result<Empty, ApiError> {
    let user = signed_user(call, &req).await?;
    if user.confirmed {
        return Err(ApiError::new(
            Exception::NotAuthorizedException,
            "User cannot be confirmed. Current status is CONFIRMED",
        ));
    }
    call.pool
        .store()
        .confirm_user(&user.sub, call.pool.now())
        .await?;
    let pc = call.pool.pool_config(&req.user_pool_id)?;
    let source = "PostConfirmation_ConfirmSignUp";
    triggers::post_confirmation(&call.pool, pc, source, None, &user, None).await?;
    Ok(Empty {})
}

pub(crate) async fn admin_user_global_sign_out(
    call: &Call,
    req: UserRequest,
) -> Result<Empty, ApiError> {
    let user = signed_user(call, &req).await?;
    call.pool
        .store()
        .end_user_sign_ins(&req.user_pool_id, &user.sub)
        .await?;
    Ok(Empty {})
}

pub(crate) async fn admin_disable_user(call: &Call, req: UserRequest) -> Result<Empty, ApiError> {
    let user = signed_user(call, &req).await?;
    let store = call.pool.store();
    store.set_enabled(&user.sub, false, call.pool.now()).await?;
    // Disabling ends every sign-in and session, as Cognito revokes the user's tokens.
    store
        .end_user_sign_ins(&req.user_pool_id, &user.sub)
        .await?;
    Ok(Empty {})
}

pub(crate) async fn admin_enable_user(call: &Call, req: UserRequest) -> Result<Empty, ApiError> {
    let user = signed_user(call, &req).await?;
    call.pool
        .store()
        .set_enabled(&user.sub, true, call.pool.now())
        .await?;
    Ok(Empty {})
}
