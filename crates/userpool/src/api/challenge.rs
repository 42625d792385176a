//! Challenges and their `Session`: issued with a challenge, answered once (only `EMAIL_OTP`
//! puts its session back after a wrong code, a few times; answers go through `respond`).
//!
//! The state lives in SQLite (table `auth_challenges`), keyed by a hash of the session value:
//! the value the client holds is a random secret and carries nothing, a session is taken with
//! one `DELETE ... RETURNING` (so a replay, or two racing answers, find nothing), and the SRP
//! state, which holds a derived key, never leaves the server.

use std::collections::HashMap;

use super::auth_reply::AuthReply;
use super::client_check::ClientCall;
use super::{ApiError, Exception};
use crate::store::{ChallengeRow, CHALLENGE_VALIDITY_SECS};
use crate::tokens;

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
