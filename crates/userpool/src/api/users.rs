//! The public (unsigned) operations by which users sign up, confirm, and reset a forgotten
//! password: `SignUp`, `ConfirmSignUp`, `ResendConfirmationCode`, `ForgotPassword`,
//! `ConfirmForgotPassword`. With `PreventUserExistenceErrors` on (the default), an unknown
//! user is answered as a wrong code or as a sent one, so the answers reveal no account.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::secret_hash::check_secret_hash;
use super::shapes::{client, find_user, parse_attributes, Attribute, CodeDelivery};
use super::sign_up_session::{self, Kind, Owner};
use super::{ApiError, Call, Exception};
use crate::config::{valid_email, AuthFlow, ClientConfig};
use crate::error::Error;
use crate::limits::LIMIT_MESSAGE;
use crate::outbox::MessageKind;
use crate::store::{CodeProblem, UserRow};
use crate::triggers::{self, MessageSource};

const BAD_CODE: &str = "Invalid verification code provided, please try again.";
const EXPIRED_CODE: &str = "Invalid code provided, please request a code again.";

/// The user whose `purpose` code is given, or the answer for an unknown one: with
/// `PreventUserExistenceErrors` a wrong code's, as many times as a real code takes guesses, then
/// a used-up code's, as for a real user.
async fn user_or_unknown(
    call: &Call,
    pool_id: &str,
    client: &ClientConfig,
    username: &str,
    purpose: &'static str,
) -> Result<UserRow, ApiError> {
    match find_user(&call.pool, pool_id, username).await? {
        Some(u) => Ok(u),
        None if client.prevent_user_existence_errors => {
            let problem = if call.pool.limits().ghost_guess(pool_id, purpose, username) {
                CodeProblem::Mismatch
            } else {
                CodeProblem::TooManyGuesses
            };
            Err(code_error(problem))
        }
        None => Err(ApiError::new(
            Exception::UserNotFoundException,
            "Username/client id combination not found.",
        )),
    }
}

pub(crate) fn code_error(problem: CodeProblem) -> ApiError {
    match problem {
        CodeProblem::Mismatch => ApiError::new(Exception::CodeMismatchException, BAD_CODE),
        CodeProblem::Expired => ApiError::new(Exception::ExpiredCodeException, EXPIRED_CODE),
        CodeProblem::TooManyGuesses => {
            ApiError::new(Exception::LimitExceededException, LIMIT_MESSAGE)
        }
    }
}

fn password_error(message: String) -> ApiError {
    ApiError::new(Exception::InvalidPasswordException, message)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SignUpRequest {
    client_id: String,
    secret_hash: Option<String>,
    username: String,
    password: String,
    #[serde(default)]
    user_attributes: Vec<Attribute>,
    #[serde(default)]
    validation_data: Option<Vec<Attribute>>,
    #[serde(default)]
    client_metadata: Option<HashMap<String, String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SignUpResponse {
    user_confirmed: bool,
    user_sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_delivery_details: Option<CodeDelivery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<String>,
}

pub(crate) async fn sign_up(call: &Call, req: SignUpRequest) -> Result<SignUpResponse, ApiError> {
    let (pc, client) = client(&call.pool, &req.client_id)?;
    check_secret_hash(client, &req.username, req.secret_hash.as_deref())?;
    let email = req.username.trim();
    if !valid_email(email) {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "Username should be an email.",
        ));
    }
    call.pool
        .check_new_password(&pc.id, &req.password)?
        .map_err(password_error)?;
    let attrs = parse_attributes(&req.user_attributes)?;
    let sub = uuid::Uuid::new_v4().to_string();
    if call.pool.find_user(&pc.id, email).await?.is_some() {
        return Err(user_exists());
    }
    let validation = req.validation_data.as_deref().map(pairs);
    let answer = triggers::pre_sign_up(
        &call.pool,
        pc,
        "PreSignUp_SignUp",
        Some(&client.id),
        &sub,
        email,
        &attrs.others,
        validation.as_ref(),
        req.client_metadata.as_ref(),
    )
    .await?;
    let record = call
        .pool
        .password_record(&pc.id, &sub, &req.password)
        .await?;
    let now = call.pool.now();
    call.pool
        .store()
        .insert_user(
            &pc.id,
            &sub,
            email,
            &record,
            answer.auto_confirm,
            answer.auto_verify_email,
            &attrs.others,
            now,
        )
        .await
        .map_err(|e| match e {
            Error::UserExists => user_exists(),
            e => e.into(),
        })?;
    tracing::info!(pool = %pc.id, sub = %sub, "signed up through the JSON API");
    let session = session_for(call, &pc.id, client, &sub, Kind::SignedUp).await?;
    if answer.auto_confirm {
        // Confirmed by the pre sign-up trigger: no code (and, as in Cognito, no post
        // confirmation).
        return Ok(SignUpResponse {
            user_confirmed: true,
            user_sub: sub,
            code_delivery_details: None,
            session,
        });
    }
    let (source, client_id) = (MessageSource::SignUp, Some(client.id.as_str()));
    call.pool
        .send_code_as(&pc.id, &sub, email, "confirm", source, client_id)
        .await?;
    Ok(SignUpResponse {
        user_confirmed: false,
        user_sub: sub,
        code_delivery_details: Some(CodeDelivery::email(email)),
        session,
    })
}

/// A sign-up session, which Cognito gives only to a client allowed `USER_AUTH` (the flow it is
/// for).
async fn session_for(
    call: &Call,
    pool_id: &str,
    client: &ClientConfig,
    sub: &str,
    kind: Kind,
) -> Result<Option<String>, ApiError> {
    if !client.allows_auth(AuthFlow::UserAuth) {
        return Ok(None);
    }
    let owner = Owner {
        pool_id,
        client_id: &client.id,
        sub,
    };
    Ok(Some(sign_up_session::issue(&call.pool, owner, kind).await?))
}

fn user_exists() -> ApiError {
    ApiError::new(Exception::UsernameExistsException, "User already exists")
}

/// `ValidationData` as the pre sign-up event carries it: a map.
fn pairs(list: &[Attribute]) -> HashMap<String, String> {
    list.iter()
        .map(|a| (a.name.clone(), a.value.clone().unwrap_or_default()))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConfirmSignUpRequest {
    client_id: String,
    secret_hash: Option<String>,
    username: String,
    confirmation_code: String,
    #[serde(default)]
    client_metadata: Option<HashMap<String, String>>,
    /// `SignUp`'s session (optional).
    #[serde(default)]
    session: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConfirmSignUpResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Empty {}

pub(crate) async fn confirm_sign_up(
    call: &Call,
    req: ConfirmSignUpRequest,
) -> Result<ConfirmSignUpResponse, ApiError> {
    let (pc, client) = client(&call.pool, &req.client_id)?;
    check_secret_hash(client, &req.username, req.secret_hash.as_deref())?;
    let user = user_or_unknown(call, &pc.id, client, &req.username, "confirm").await?;
    if user.confirmed {
        return Err(ApiError::new(
            Exception::NotAuthorizedException,
            "User cannot be confirmed. Current status is CONFIRMED",
        ));
    }
    // `SignUp`'s session, when given, must be this user's (and this client's) and live.
    let signed_up = match req.session.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => {
            let taken =
                sign_up_session::take(&call.pool, &pc.id, &client.id, Kind::SignedUp, s).await?;
            if taken.sub() != user.sub {
                return Err(sign_up_session::invalid());
            }
            Some(taken)
        }
        None => None,
    };
    let now = call.pool.now();
    let used = call
        .pool
        .store()
        .use_user_code(&user.sub, "confirm", req.confirmation_code.trim(), now)
        .await?;
    if let Err(problem) = used {
        // A wrong code leaves `SignUp`'s session for the next try.
        if let Some(taken) = signed_up {
            taken.put_back(&call.pool).await?;
        }
        return Err(code_error(problem));
    }
    call.pool.store().confirm_user(&user.sub, now).await?;
    let source = "PostConfirmation_ConfirmSignUp";
    let metadata = req.client_metadata.as_ref();
    triggers::post_confirmation(&call.pool, pc, source, Some(&client.id), &user, metadata).await?;
    let session = session_for(call, &pc.id, client, &user.sub, Kind::Confirmed).await?;
    Ok(ConfirmSignUpResponse { session })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SendCodeRequest {
    client_id: String,
    secret_hash: Option<String>,
    username: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SendCodeResponse {
    code_delivery_details: CodeDelivery,
}

pub(crate) async fn resend_confirmation_code(
    call: &Call,
    req: SendCodeRequest,
) -> Result<SendCodeResponse, ApiError> {
    send_code(call, req, "confirm").await
}

pub(crate) async fn forgot_password(
    call: &Call,
    req: SendCodeRequest,
) -> Result<SendCodeResponse, ApiError> {
    send_code(call, req, "reset").await
}

async fn send_code(
    call: &Call,
    req: SendCodeRequest,
    purpose: &'static str,
) -> Result<SendCodeResponse, ApiError> {
    let (pc, client) = client(&call.pool, &req.client_id)?;
    check_secret_hash(client, &req.username, req.secret_hash.as_deref())?;
    let kind = if purpose == "reset" {
        MessageKind::Reset
    } else {
        MessageKind::Confirm
    };
    let mut found = find_user(&call.pool, &pc.id, &req.username).await?;
    if found.is_none() && purpose == "reset" {
        let migrated =
            triggers::user_migration(&call.pool, pc, &client.id, &req.username, None, None).await?;
        found = migrated.map(|m| m.user);
    }
    let user = match found {
        Some(u) => u,
        None if client.prevent_user_existence_errors => {
            // The same replies as for a real user: a code was "sent", with its guesses, and
            // the sixth request in the window is refused.
            call.pool.count_send(&pc.id, kind, &req.username)?;
            call.pool.send_no_code(purpose).await?;
            call.pool
                .limits()
                .ghost_code_sent(&pc.id, purpose, &req.username);
            return Ok(SendCodeResponse {
                code_delivery_details: CodeDelivery::email(&req.username),
            });
        }
        None => {
            return Err(ApiError::new(
                Exception::UserNotFoundException,
                "Username/client id combination not found.",
            ))
        }
    };
    if purpose == "confirm" && user.confirmed {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "User is already confirmed.",
        ));
    }
    call.pool.count_send(&pc.id, kind, &user.email)?;
    let source = match purpose {
        "reset" => MessageSource::ForgotPassword,
        _ => MessageSource::ResendCode,
    };
    call.pool
        .send_code_as(
            &pc.id,
            &user.sub,
            &user.email,
            purpose,
            source,
            Some(&client.id),
        )
        .await?;
    Ok(SendCodeResponse {
        code_delivery_details: CodeDelivery::email(&user.email),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConfirmForgotPasswordRequest {
    client_id: String,
    secret_hash: Option<String>,
    username: String,
    confirmation_code: String,
    password: String,
}

pub(crate) async fn confirm_forgot_password(
    call: &Call,
    req: ConfirmForgotPasswordRequest,
) -> Result<Empty, ApiError> {
    let (pc, client) = client(&call.pool, &req.client_id)?;
    check_secret_hash(client, &req.username, req.secret_hash.as_deref())?;
    call.pool
        .check_new_password(&pc.id, &req.password)?
        .map_err(password_error)?;
    let user = user_or_unknown(call, &pc.id, client, &req.username, "reset").await?;
    let now = call.pool.now();
    call.pool
        .store()
        .use_user_code(&user.sub, "reset", req.confirmation_code.trim(), now)
        .await?
        .map_err(code_error)?;
    call.pool
        .set_user_password(&pc.id, &user.sub, &req.password, now)
        .await?;
    // The code went to the e-mail: an unconfirmed user (perhaps pre-registered by someone
    // else, with their password) is now confirmed, with that e-mail verified, and theirs.
    if !user.confirmed {
        call.pool.store().confirm_user(&user.sub, now).await?;
    }
    call.pool.store().retire_user_codes(&user.sub).await?;
    // A reset ends every sign-in and challenge: whoever knew the old password is signed out.
    call.pool
        .store()
        .end_user_sign_ins(&pc.id, &user.sub)
        .await?;
    tracing::info!(pool = %pc.id, sub = %user.sub, "password reset through the JSON API");
    let source = "PostConfirmation_ConfirmForgotPassword";
    triggers::post_confirmation(&call.pool, pc, source, Some(&client.id), &user, None).await?;
    Ok(Empty {})
}
