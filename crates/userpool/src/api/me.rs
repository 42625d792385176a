//! The operations a signed-in user calls with their access token: `GetUser`,
//! `ChangePassword`, `UpdateUserAttributes`, `DeleteUser`, `GlobalSignOut`, and
//! `RevokeToken` (by refresh token and client).

use serde::{Deserialize, Serialize};

use super::shapes::{attributes_of, parse_attributes, Attribute};
use super::users::Empty;
use super::{ApiError, Call, Exception};
use crate::access_token::{self, AccessRefusal, AccessToken};
use crate::config::valid_email;
use crate::credentials::{PasswordCheck, USER_DISABLED};
use crate::store::UserRow;
use crate::tokens;

/// The scope Cognito requires of an access token for these operations.
const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The user of a valid access token with the scope these operations need.
pub(crate) async fn signed_in_user(
    call: &Call,
    token: &str,
) -> Result<(AccessToken, UserRow), ApiError> {
    let refused = |m: &str| ApiError::new(Exception::NotAuthorizedException, m);
    let token = match access_token::verify(&call.pool, token).await? {
        Ok(t) => t,
        Err(AccessRefusal::Invalid) => return Err(refused("Invalid Access Token")),
        Err(AccessRefusal::Expired) => return Err(refused("Access Token has expired")),
        Err(AccessRefusal::Revoked) => return Err(refused("Access Token has been revoked")),
    };
    if !token.scopes().contains(&ADMIN_SCOPE) {
        return Err(refused("Access Token does not have required scopes"));
    }
    let user = call
        .pool
        .store()
        .user_by_sub(&token.pool_id, &token.sub)
        .await?
        .ok_or_else(|| ApiError::new(Exception::UserNotFoundException, "User does not exist."))?;
    if !user.enabled {
        return Err(refused(USER_DISABLED));
    }
    Ok((token, user))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AccessTokenRequest {
    access_token: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GetUserResponse {
    username: String,
    user_attributes: Vec<Attribute>,
    #[serde(rename = "UserMFASettingList")]
    user_mfa_setting_list: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preferred_mfa_setting: Option<&'static str>,
}

pub(crate) async fn get_user(
    call: &Call,
    req: AccessTokenRequest,
) -> Result<GetUserResponse, ApiError> {
    let (_, user) = signed_in_user(call, &req.access_token).await?;
    Ok(GetUserResponse {
        username: user.username().to_string(),
        user_attributes: attributes_of(&user),
        user_mfa_setting_list: super::shapes::setting_list(&user),
        preferred_mfa_setting: super::shapes::preferred_setting(&user),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ChangePasswordRequest {
    access_token: String,
    previous_password: String,
    proposed_password: String,
}

pub(crate) async fn change_password(
    call: &Call,
    req: ChangePasswordRequest,
) -> Result<Empty, ApiError> {
    let (token, user) = signed_in_user(call, &req.access_token).await?;
    let pool_id = &token.pool_id;
    call.pool
        .check_new_password(pool_id, &req.proposed_password)?
        .map_err(|m| ApiError::new(Exception::InvalidPasswordException, m))?;
    match call
        .pool
        .check_password(pool_id, &user.email, &req.previous_password)
        .await?
    {
        PasswordCheck::Accepted(_) => {}
        PasswordCheck::Refused => {
            return Err(ApiError::new(
                Exception::NotAuthorizedException,
                "Incorrect username or password.",
            ))
        }
        PasswordCheck::Locked => {
            return Err(ApiError::new(
                Exception::LimitExceededException,
                "Attempt limit exceeded, please try after some time.",
            ))
        }
        PasswordCheck::Disabled => {
            return Err(ApiError::new(
                Exception::NotAuthorizedException,
                USER_DISABLED,
            ))
        }
    }
    let now = call.pool.now();
    call.pool
        .set_user_password(pool_id, &user.sub, &req.proposed_password, now)
        .await?;
    // Cognito leaves the user's tokens valid (the app calls `GlobalSignOut` for that); a pool
    // may ask for the stricter way, every sign-in ended, this one included. A reset (not this
    // operation) ends them always.
    if call.pool.pool_config(pool_id)?.change_password_signs_out {
        call.pool
            .store()
            .end_user_sign_ins(pool_id, &user.sub)
            .await?;
    }
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UpdateUserAttributesRequest {
    access_token: String,
    user_attributes: Vec<Attribute>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UpdateUserAttributesResponse {
    code_delivery_details_list: Vec<super::shapes::CodeDelivery>,
}

pub(crate) async fn update_user_attributes(
    call: &Call,
    req: UpdateUserAttributesRequest,
) -> Result<UpdateUserAttributesResponse, ApiError> {
    let (_, user) = signed_in_user(call, &req.access_token).await?;
    let update = parse_attributes(&req.user_attributes)?;
    if update.email_verified.is_some() {
        return Err(ApiError::new(
            Exception::NotAuthorizedException,
            "A client attempted to write unauthorized attribute",
        ));
    }
    store_attributes(call, &user, update).await?;
    Ok(UpdateUserAttributesResponse {
        code_delivery_details_list: vec![],
    })
}

/// Applies an attribute update: a new e-mail must be one and is not verified yet.
pub(crate) async fn store_attributes(
    call: &Call,
    user: &UserRow,
    update: super::shapes::AttributeUpdate,
) -> Result<(), ApiError> {
    let (email, mut verified) = match update.email {
        Some(e) if !e.eq_ignore_ascii_case(&user.email) => {
            if !valid_email(&e) {
                return Err(ApiError::new(
                    Exception::InvalidParameterException,
                    "Invalid email address format.",
                ));
            }
            (e, false)
        }
        _ => (user.email.clone(), user.email_verified),
    };
    if let Some(v) = update.email_verified {
        verified = v;
    }
    let mut attrs = user.attributes.clone();
    for (k, v) in update.others {
        if v.is_empty() {
            attrs.remove(&k);
        } else {
            attrs.insert(k, v);
        }
    }
    call.pool
        .store()
        .update_user_attributes(&user.sub, &email, verified, &attrs, call.pool.now())
        .await
        .map_err(|e| match e {
            crate::error::Error::UserExists => ApiError::new(
                Exception::AliasExistsException,
                "An account with the given email already exists.",
            ),
            e => e.into(),
        })?;
    Ok(())
}

pub(crate) async fn delete_user(call: &Call, req: AccessTokenRequest) -> Result<Empty, ApiError> {
    let (token, user) = signed_in_user(call, &req.access_token).await?;
    call.pool
        .store()
        .delete_user(&token.pool_id, &user.sub)
        .await?;
    tracing::info!(pool = %token.pool_id, sub = %user.sub, "user deleted itself");
    Ok(Empty {})
}

pub(crate) async fn global_sign_out(
    call: &Call,
    req: AccessTokenRequest,
) -> Result<Empty, ApiError> {
    let (token, user) = signed_in_user(call, &req.access_token).await?;
    call.pool
        .store()
        .end_user_sign_ins(&token.pool_id, &user.sub)
        .await?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RevokeTokenRequest {
    token: String,
    client_id: String,
    client_secret: Option<String>,
}

pub(crate) async fn revoke_token(call: &Call, req: RevokeTokenRequest) -> Result<Empty, ApiError> {
    // RevokeToken declares `UnauthorizedException` (not `ResourceNotFoundException` nor
    // `NotAuthorizedException`) for a client it cannot authenticate: unknown, or a wrong or
    // missing secret, told apart by neither exception nor message.
    let unauthorized = || {
        ApiError::new(
            Exception::UnauthorizedException,
            "Client is not authorized to revoke this token.",
        )
    };
    let (_, client) = call.pool.client(&req.client_id).ok_or_else(unauthorized)?;
    if let Some(secret) = &client.secret {
        let given = req.client_secret.as_deref().unwrap_or("");
        let ok: bool = subtle::ConstantTimeEq::ct_eq(secret.as_bytes(), given.as_bytes()).into();
        if !ok {
            return Err(unauthorized());
        }
    }
    let store = call.pool.store();
    if let Some((origin_jti, _, _)) = store.refresh(&tokens::hash_secret(&req.token)).await? {
        if let Some(origin) = store.sign_in(&origin_jti).await? {
            if origin.client_id != client.id {
                return Err(ApiError::new(
                    Exception::UnauthorizedException,
                    "Refresh token was not issued to this client.",
                ));
            }
            store.revoke_sign_in(&origin_jti).await?;
        }
    }
    Ok(Empty {})
}
