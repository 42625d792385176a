//! Answering a challenge (`RespondToAuthChallenge`): takes its session (once), checks it is
//! this client's, this challenge's and this user's, then hands the answer to the flow of
//! that challenge, by name.

use std::collections::HashMap;

use super::auth_reply::{incorrect, param, Answer, AuthReply};
use super::challenge::expired_session;
use super::client_check::ClientCall;
use super::device_srp::device_srp_alias;
use super::{
    custom_auth, email_otp, sign_in, srp_flow, user_auth, webauthn_sign_in, ApiError, Exception,
};
use crate::store::UserRow;
use crate::tokens;
use crate::triggers::TokenSource;

/// Answers a challenge: takes its session (once), checks it is this client's and this
/// challenge's, then runs the challenge's step.
pub(crate) async fn respond(
    cc: &ClientCall<'_>,
    answer: Answer<'_>,
) -> Result<AuthReply, ApiError> {
    let responses = answer.responses;
    let username = param(responses, "USERNAME")?;
    let cc = &ClientCall {
        device_key: responses.get("DEVICE_KEY").map(String::as_str),
        ..*cc
    };
    let device_alias = cc
        .device_key
        .map(|key| device_srp_alias(&cc.pc.id, &cc.client.id, key));
    let session = session_of(&answer, device_alias.as_deref())?;
    let session_hash = tokens::hash_secret(session);
    let row = cc
        .pool
        .store()
        .take_challenge(&session_hash, cc.pool.now())
        .await?
        .filter(|r| {
            r.pool_id == cc.pc.id && r.client_id == cc.client.id && r.challenge == answer.name
        })
        .ok_or_else(expired_session)?;
    let user = if row.sub.is_empty() {
        None
    } else {
        cc.pool.store().user_by_sub(&cc.pc.id, &row.sub).await?
    };
    // The session is bound to its user: the answer must name the same one.
    if let Some(u) = &user {
        if username != u.sub && !username.eq_ignore_ascii_case(&u.email) {
            return Err(expired_session());
        }
        cc.check_secret_hash(responses, &[username, &u.sub, &u.email])?;
    } else if let Err(e) = cc.check_secret_hash(responses, &[username]) {
        // An unknown user's password challenge can only fail, and fails as a known user's does:
        // a SECRET_HASH over the name first typed (not the stand-in `USER_ID_FOR_SRP`, which
        // only a known user's hash may also use) is not told apart from a wrong password.
        return Err(match answer.name {
            "PASSWORD_VERIFIER" => incorrect(),
            _ => e,
        });
    }
    match answer.name {
        "PASSWORD_VERIFIER" => {
            custom_auth::password_verifier(cc, session, &row, user, responses).await
        }
        "SELECT_CHALLENGE" => user_auth::select(cc, &row, user.as_ref(), responses).await,
        "NEW_PASSWORD_REQUIRED" => {
            let reply = new_password(cc, known(user)?, responses).await;
            // A password against the policy is not a guess: the step stands, for another try.
            if matches!(&reply, Err(e) if e.kind == Exception::InvalidPasswordException) {
                cc.pool
                    .store()
                    .insert_challenge(&session_hash, &row)
                    .await?;
            }
            reply
        }
        "SOFTWARE_TOKEN_MFA" => {
            super::mfa::answer_totp(cc, &session_hash, row, known(user)?, responses).await
        }
        "MFA_SETUP" => super::mfa::answer_setup(cc, &row, known(user)?).await,
        "EMAIL_OTP" => email_otp::answer(cc, &session_hash, row, user, responses).await,
        "CUSTOM_CHALLENGE" => custom_auth::answer(cc, &row, user, responses).await,
        "DEVICE_SRP_AUTH" => srp_flow::device_start(cc, &row, known(user)?, responses).await,
        "DEVICE_PASSWORD_VERIFIER" => {
            srp_flow::device_verify(cc, &row, known(user)?, responses).await
        }
        "WEB_AUTHN" => webauthn_sign_in::answer(cc, &row, known(user)?, responses).await,
        _ => Err(expired_session()),
    }
}

/// The answer's `Session`, or what stands for it when the client sends none. Cognito's own
/// examples (and pycognito) answer `PASSWORD_VERIFIER` without one: its `SECRET_BLOCK` is the
/// challenge's session (see `srp_flow::start`), a random secret of 256 bits, so it finds the
/// challenge, once, as the session would. pycognito answers the device's two steps without
/// one too (see `device_srp::device_challenge`): `device_alias` stands for the first.
fn session_of<'a>(answer: &Answer<'a>, device_alias: Option<&'a str>) -> Result<&'a str, ApiError> {
    let responses = answer.responses;
    let session = answer
        .session
        .filter(|s| !s.is_empty())
        .or_else(|| match answer.name {
            "PASSWORD_VERIFIER" | "DEVICE_PASSWORD_VERIFIER" => responses
                .get("PASSWORD_CLAIM_SECRET_BLOCK")
                .map(String::as_str),
            "DEVICE_SRP_AUTH" => device_alias,
            _ => None,
        });
    session
        .filter(|s| !s.is_empty() && s.len() <= 4096)
        .ok_or_else(|| {
            let missing = match answer.name {
                "PASSWORD_VERIFIER" | "DEVICE_PASSWORD_VERIFIER" => "PASSWORD_CLAIM_SECRET_BLOCK",
                "DEVICE_SRP_AUTH" => "DEVICE_KEY",
                _ => "Session",
            };
            ApiError::new(
                Exception::InvalidParameterException,
                format!("Missing required parameter {missing}"),
            )
        })
}

/// The user of a challenge that only a known user can be given.
fn known(user: Option<UserRow>) -> Result<UserRow, ApiError> {
    user.ok_or_else(expired_session)
}

/// `NEW_PASSWORD_REQUIRED`: a new password meeting the policy replaces the temporary one.
async fn new_password(
    cc: &ClientCall<'_>,
    user: UserRow,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let password = param(responses, "NEW_PASSWORD")?;
    if let Err(msg) = cc.pool.check_new_password(&cc.pc.id, password)? {
        return Err(ApiError::new(Exception::InvalidPasswordException, msg));
    }
    let now = cc.pool.now();
    cc.pool
        .set_user_password(&cc.pc.id, &user.sub, password, now)
        .await?;
    let user = cc
        .pool
        .store()
        .user_by_sub(&cc.pc.id, &user.sub)
        .await?
        .ok_or_else(expired_session)?;
    let cc = &ClientCall {
        token_source: TokenSource::NewPasswordChallenge,
        ..*cc
    };
    sign_in::after_password(cc, user).await
}
