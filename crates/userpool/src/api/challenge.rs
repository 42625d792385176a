//! Challenges and their `Session`: issued with a challenge, answered once (only `EMAIL_OTP`
//! puts its session back after a wrong code, a few times).
//!
//! The state lives in SQLite (table `auth_challenges`), keyed by a hash of the session value:
//! the value the client holds is a random secret and carries nothing, a session is taken with
//! one `DELETE ... RETURNING` (so a replay, or two racing answers, find nothing), and the SRP
//! state, which holds a derived key, never leaves the server.

use std::collections::HashMap;

use super::auth::{param, Answer, AuthReply};
use super::client_check::ClientCall;
use super::{custom_auth, email_otp, sign_in, srp_flow, webauthn_sign_in, ApiError, Exception};
use crate::store::{ChallengeRow, UserRow, CHALLENGE_VALIDITY_SECS};
use crate::tokens;
use crate::triggers::TokenSource;

/// The challenges this pool asks.
#[allow(clippy::enum_variant_names)] // `SelectChallenge` is Cognito's `SELECT_CHALLENGE`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// SRP's second step.
    PasswordVerifier,
    /// The password is temporary.
    NewPasswordRequired,
    /// `USER_AUTH` without a usable preference.
    SelectChallenge,
    /// A TOTP code.
    SoftwareTokenMfa,
    /// MFA is required and the user has none: set up a software token first.
    MfaSetup,
    /// A one-time code sent to the user's verified e-mail (`USER_AUTH`'s passwordless factor).
    EmailOtp,
    /// `CUSTOM_AUTH`'s challenge, made and judged by the app's triggers.
    CustomChallenge,
    /// A remembered device's SRP, first step (after the user's password).
    DeviceSrpAuth,
    /// A remembered device's SRP, second step.
    DevicePasswordVerifier,
    /// A passkey's assertion (`USER_AUTH`'s `WEB_AUTHN`).
    WebAuthn,
}

/// Cognito's answer to a session that is unknown, used, expired, or not this one's.
pub(crate) fn expired_session() -> ApiError {
    ApiError::new(
        Exception::NotAuthorizedException,
        "Invalid session for the user, session is expired.",
    )
}

/// Starts a challenge for the user `sub` ("" for an unknown user, whose challenge can only
/// fail): stores its state and answers its name, parameters and a fresh session.
pub(crate) async fn issue(
    cc: &ClientCall<'_>,
    sub: &str,
    challenge: Challenge,
    params: HashMap<String, String>,
    state: Vec<u8>,
) -> Result<AuthReply, ApiError> {
    issue_under(cc, sub, challenge, params, state, tokens::random_secret(96)).await
}

/// As [`issue`], under a given session value: a random secret the caller made (SRP's
/// `SECRET_BLOCK`, so that an answer without a `Session` finds its challenge too).
pub(crate) async fn issue_under(
    cc: &ClientCall<'_>,
    sub: &str,
    challenge: Challenge,
    params: HashMap<String, String>,
    state: Vec<u8>,
    session: String,
) -> Result<AuthReply, ApiError> {
    let row = ChallengeRow {
        pool_id: cc.pc.id.clone(),
        client_id: cc.client.id.clone(),
        sub: sub.to_string(),
        challenge: challenge.name().to_string(),
        state,
        expires_at: cc.pool.now() + CHALLENGE_VALIDITY_SECS,
    };
    cc.pool
        .store()
        .insert_challenge(&tokens::hash_secret(&session), &row)
        .await?;
    Ok(AuthReply {
        challenge_name: Some(challenge.name().to_string()),
        challenge_parameters: params,
        session: Some(session),
        ..AuthReply::default()
    })
}

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
        .map(|key| srp_flow::device_srp_alias(&cc.pc.id, &cc.client.id, key));
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
            "PASSWORD_VERIFIER" => sign_in::incorrect(),
            _ => e,
        });
    }
    match answer.name {
        "PASSWORD_VERIFIER" => {
            custom_auth::password_verifier(cc, session, &row, user, responses).await
        }
        "SELECT_CHALLENGE" => select(cc, &row, user.as_ref(), responses).await,
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
/// one too (see `srp_flow::device_challenge`): `device_alias` stands for the first.
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

/// `SELECT_CHALLENGE`: the `ANSWER` picks the first factor, one of those offered to this
/// user (`user` is `None` for an unknown one).
async fn select(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: Option<&UserRow>,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    // The name given at `InitiateAuth`, kept as the session's state.
    let username = String::from_utf8_lossy(&row.state).into_owned();
    let answer = param(responses, "ANSWER")?;
    if !webauthn_sign_in::choices(cc, user).await?.contains(&answer) {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "The challenge answer is not one of the available challenges.",
        ));
    }
    match answer {
        "PASSWORD" => sign_in::with_password(cc, &username, param(responses, "PASSWORD")?).await,
        "EMAIL_OTP" => email_otp::start(cc, &username, user).await,
        "WEB_AUTHN" => webauthn_sign_in::start(cc, user.ok_or_else(expired_session)?).await,
        _ => srp_flow::start(cc, &username, param(responses, "SRP_A")?).await,
    }
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
