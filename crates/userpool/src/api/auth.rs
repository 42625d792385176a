//! The sign-in operations: `InitiateAuth`, `AdminInitiateAuth`, `RespondToAuthChallenge`,
//! `AdminRespondToAuthChallenge` and `GetTokensFromRefreshToken`. Shapes as in the AWS API
//! reference; the flows themselves are in `sign_in`, `srp_flow`, `user_auth`, ..., and an
//! answer goes through `respond`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::auth_reply::{param, Answer, AuthReply, AuthenticationResult};
use super::client_check::{self, ClientCall};
use super::{custom_auth, respond, sign_in, srp_flow, user_auth, ApiError, Call, Exception};
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
    respond::respond(&cc, answer).await
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
    respond::respond(&cc, answer).await
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
                None => user_auth::choice(cc, username, params).await,
            }
        }
        _ => Err(ApiError::new(
            Exception::InvalidParameterException,
            "Initiate Auth method not supported.",
        )),
    }
}
