//! The sign-in operations: `InitiateAuth`, `AdminInitiateAuth`, `RespondToAuthChallenge`,
//! `AdminRespondToAuthChallenge` and `GetTokensFromRefreshToken`. Shapes as in the AWS API
//! reference; the flows themselves are in `sign_in`, `srp_flow` and `challenge`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::challenge::{self, Challenge};
use super::client_check::{self, ClientCall};
use super::{custom_auth, sign_in, srp_flow, ApiError, Call, Exception};
use crate::config::AuthFlow;

/// `InitiateAuth`'s request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InitiateAuthRequest {
    auth_flow: String,
    #[serde(default)]
    auth_parameters: HashMap<String, String>,
    client_id: String,
    /// Passed to the Lambda triggers (`CUSTOM_AUTH`'s).
    #[serde(default)]
    client_metadata: HashMap<String, String>,
    /// `ConfirmSignUp`'s session, for `USER_AUTH`.
    #[serde(default)]
    session: Option<String>,
}

/// `AdminInitiateAuth`'s request: `InitiateAuth`'s and the pool.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AdminInitiateAuthRequest {
    user_pool_id: String,
    auth_flow: String,
    #[serde(default)]
    auth_parameters: HashMap<String, String>,
    client_id: String,
    /// Passed to the Lambda triggers (`CUSTOM_AUTH`'s).
    #[serde(default)]
    client_metadata: HashMap<String, String>,
    /// `ConfirmSignUp`'s session, for `USER_AUTH`.
    #[serde(default)]
    session: Option<String>,
}

/// `RespondToAuthChallenge`'s request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RespondRequest {
    client_id: String,
    challenge_name: String,
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    challenge_responses: HashMap<String, String>,
    /// Passed to the Lambda triggers (`CUSTOM_AUTH`'s).
    #[serde(default)]
    client_metadata: HashMap<String, String>,
}

/// `AdminRespondToAuthChallenge`'s request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AdminRespondRequest {
    user_pool_id: String,
    client_id: String,
    challenge_name: String,
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    challenge_responses: HashMap<String, String>,
    /// Passed to the Lambda triggers (`CUSTOM_AUTH`'s).
    #[serde(default)]
    client_metadata: HashMap<String, String>,
}

/// `GetTokensFromRefreshToken`'s request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RefreshRequest {
    refresh_token: String,
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
}

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

/// `GetTokensFromRefreshToken`'s reply.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RefreshReply {
    authentication_result: AuthenticationResult,
}

pub(crate) async fn initiate_auth(
    call: &Call,
    req: InitiateAuthRequest,
) -> Result<AuthReply, ApiError> {
    let cc = client_check::client(call, None, &req.client_id)?.with_metadata(&req.client_metadata);
    let session = req.session.as_deref();
    initiate(&cc, &req.auth_flow, &req.auth_parameters, session, false).await
}

pub(crate) async fn admin_initiate_auth(
    call: &Call,
    req: AdminInitiateAuthRequest,
) -> Result<AuthReply, ApiError> {
    call.require_signed()?;
    let cc = client_check::client(call, Some(&req.user_pool_id), &req.client_id)?
        .with_metadata(&req.client_metadata);
    let session = req.session.as_deref();
    initiate(&cc, &req.auth_flow, &req.auth_parameters, session, true).await
}

pub(crate) async fn respond_to_auth_challenge(
    call: &Call,
    req: RespondRequest,
) -> Result<AuthReply, ApiError> {
    let cc = client_check::client(call, None, &req.client_id)?.with_metadata(&req.client_metadata);
    let answer = Answer {
        name: &req.challenge_name,
        session: req.session.as_deref(),
        responses: &req.challenge_responses,
    };
    challenge::respond(&cc, answer).await
}

pub(crate) async fn admin_respond_to_auth_challenge(
    call: &Call,
    req: AdminRespondRequest,
) -> Result<AuthReply, ApiError> {
    call.require_signed()?;
    let cc = client_check::client(call, Some(&req.user_pool_id), &req.client_id)?
        .with_metadata(&req.client_metadata);
    let answer = Answer {
        name: &req.challenge_name,
        session: req.session.as_deref(),
        responses: &req.challenge_responses,
    };
    challenge::respond(&cc, answer).await
}

pub(crate) async fn get_tokens_from_refresh_token(
    call: &Call,
    req: RefreshRequest,
) -> Result<RefreshReply, ApiError> {
    let cc = client_check::client(call, None, &req.client_id)?;
    cc.require_flow(AuthFlow::RefreshTokenAuth, "REFRESH_TOKEN")?;
    cc.check_client_secret(req.client_secret.as_deref())?;
    let authentication_result = sign_in::refresh(&cc, &req.refresh_token, None).await?;
    Ok(RefreshReply {
        authentication_result,
    })
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

/// Runs an `AuthFlow`; `session` is `ConfirmSignUp`'s, which only `USER_AUTH` takes.
async fn initiate(
    cc: &ClientCall<'_>,
    flow: &str,
    params: &HashMap<String, String>,
    session: Option<&str>,
    admin: bool,
) -> Result<AuthReply, ApiError> {
    let cc = &ClientCall {
        device_key: params.get("DEVICE_KEY").map(String::as_str),
        ..*cc
    };
    match (flow, admin) {
        ("USER_PASSWORD_AUTH", false)
        | ("ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH", true) => {
            let allowed = if admin {
                AuthFlow::AdminUserPasswordAuth
            } else {
                AuthFlow::UserPasswordAuth
            };
            cc.require_flow(allowed, flow)?;
            let username = param(params, "USERNAME")?;
            cc.check_secret_hash(params, &[username])?;
            sign_in::with_password(cc, username, param(params, "PASSWORD")?).await
        }
        ("USER_SRP_AUTH", _) => {
            cc.require_flow(AuthFlow::UserSrpAuth, flow)?;
            let username = param(params, "USERNAME")?;
            cc.check_secret_hash(params, &[username])?;
            srp_flow::start(cc, username, param(params, "SRP_A")?).await
        }
        ("REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN", _) => {
            cc.require_flow(AuthFlow::RefreshTokenAuth, flow)?;
            let result =
                sign_in::refresh(cc, param(params, "REFRESH_TOKEN")?, Some(params)).await?;
            Ok(AuthReply {
                authentication_result: Some(result),
                ..AuthReply::default()
            })
        }
        ("CUSTOM_AUTH", _) => {
            cc.require_flow(AuthFlow::CustomAuth, flow)?;
            let username = param(params, "USERNAME")?;
            cc.check_secret_hash(params, &[username])?;
            custom_auth::start(cc, username, params).await
        }
        ("USER_AUTH", _) => {
            cc.require_flow(AuthFlow::UserAuth, flow)?;
            let username = param(params, "USERNAME")?;
            cc.check_secret_hash(params, &[username])?;
            match session.filter(|s| !s.is_empty()) {
                Some(session) => sign_in::after_sign_up(cc, username, session).await,
                None => sign_in::choice(cc, username, params).await,
            }
        }
        _ => Err(ApiError::new(
            Exception::InvalidParameterException,
            "Initiate Auth method not supported.",
        )),
    }
}

impl Challenge {
    /// Cognito's name of the challenge.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Challenge::PasswordVerifier => "PASSWORD_VERIFIER",
            Challenge::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Challenge::SelectChallenge => "SELECT_CHALLENGE",
            Challenge::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Challenge::MfaSetup => "MFA_SETUP",
            Challenge::EmailOtp => "EMAIL_OTP",
            Challenge::CustomChallenge => "CUSTOM_CHALLENGE",
            Challenge::DeviceSrpAuth => "DEVICE_SRP_AUTH",
            Challenge::DevicePasswordVerifier => "DEVICE_PASSWORD_VERIFIER",
            Challenge::WebAuthn => "WEB_AUTHN",
        }
    }
}
