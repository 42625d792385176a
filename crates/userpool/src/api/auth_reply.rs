//! What the sign-in flows share: the reply of the initiate and respond operations (tokens or
//! the next challenge), a challenge answer as sent, its parameters, and the refusals every
//! flow gives alike. A leaf of the sign-in modules (see the layers in `api/mod.rs`).

use std::collections::HashMap;

use serde::Serialize;

use super::{ApiError, Exception};
use crate::credentials::USER_DISABLED;

/// Tokens, as `AuthenticationResult`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AuthenticationResult {
    pub access_token: String,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: &'static str,
    /// A sign-in on a new device, in a pool that tracks devices: the device to confirm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_device_metadata: Option<NewDeviceMetadata>,
}

/// `NewDeviceMetadataType`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NewDeviceMetadata {
    pub device_key: String,
    pub device_group_key: String,
}

/// The reply of the initiate and respond operations: tokens, or the next challenge.
#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AuthReply {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_name: Option<String>,
    pub challenge_parameters: HashMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_result: Option<AuthenticationResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_challenges: Option<Vec<String>>,
}

/// A challenge answer, as sent.
pub(crate) struct Answer<'a> {
    pub name: &'a str,
    pub session: Option<&'a str>,
    pub responses: &'a HashMap<String, String>,
}

/// One of a map's parameters, or Cognito's complaint that it is missing.
pub(crate) fn param<'a>(map: &'a HashMap<String, String>, name: &str) -> Result<&'a str, ApiError> {
    map.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                Exception::InvalidParameterException,
                format!("Missing required parameter {name}"),
            )
        })
}

/// What Cognito answers for a wrong password and, with `PreventUserExistenceErrors`, for an
/// unknown user.
pub(crate) fn incorrect() -> ApiError {
    ApiError::new(
        Exception::NotAuthorizedException,
        "Incorrect username or password.",
    )
}

/// An unknown user, when the client does not hide that.
pub(crate) fn not_found() -> ApiError {
    ApiError::new(Exception::UserNotFoundException, "User does not exist.")
}

/// A locked-out user.
pub(crate) fn locked() -> ApiError {
    ApiError::new(
        Exception::NotAuthorizedException,
        "Password attempts exceeded",
    )
}

/// A disabled user who gave the right password.
pub(crate) fn disabled() -> ApiError {
    ApiError::new(Exception::NotAuthorizedException, USER_DISABLED)
}
