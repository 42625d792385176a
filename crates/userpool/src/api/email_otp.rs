//! `EMAIL_OTP`: `USER_AUTH`'s passwordless factor. The pool e-mails (through the outbox) an
//! 8-digit code, Cognito's fixed length for e-mail sign-in codes; the code lives only in the
//! challenge's session state (3 minutes, like every session), is compared in constant time, and
//! each wrong code counts towards the user's lockout like a wrong password.
//!
//! Cognito does not document how many wrong codes one session survives; this pool allows
//! [`WRONG_CODES_PER_SESSION`]: after each earlier one the same session may answer again, after
//! the last it is gone.

use std::collections::HashMap;

use rand::Rng;
use subtle::ConstantTimeEq;

use super::auth_reply::{disabled, locked, param, AuthReply};
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::shapes::mask_email;
use super::sign_in;
use super::{ApiError, Exception};
use crate::config::AuthFlow;
use crate::credentials::PasswordCheck;
use crate::outbox::{Message, MessageKind};
use crate::store::{ChallengeRow, UserRow};
use crate::triggers;

/// Digits in a code.
const CODE_DIGITS: usize = 8;
/// Wrong codes one session takes; the last of them ends it.
const WRONG_CODES_PER_SESSION: u8 = 3;

/// What the session keeps: the code, and how many wrong ones it has seen.
struct OtpState {
    wrong: u8,
    code: String,
}

impl OtpState {
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.wrong];
        out.extend_from_slice(self.code.as_bytes());
        out
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let (&wrong, code) = bytes.split_first()?;
        let code = std::str::from_utf8(code).ok()?;
        (code.len() == CODE_DIGITS).then(|| OtpState {
            wrong,
            code: code.to_string(),
        })
    }
}

/// Whether `USER_AUTH` offers `EMAIL_OTP` to this user: one whose e-mail is verified. An
/// unknown user (reached only when the client hides user existence) is offered it too, so the
/// list does not tell a stranger which addresses have an account.
pub(crate) fn offered(cc: &ClientCall<'_>, user: Option<&UserRow>) -> bool {
    cc.client.allows_auth(AuthFlow::UserAuth)
        && user.map_or(cc.client.prevent_user_existence_errors, |u| {
            u.email_verified
        })
}

/// Sends a new code to the user's e-mail and answers the `EMAIL_OTP` challenge. For an unknown
/// user nothing is sent and the challenge (masked from the name given) can only fail.
pub(crate) async fn start(
    cc: &ClientCall<'_>,
    username: &str,
    user: Option<&UserRow>,
) -> Result<AuthReply, ApiError> {
    let code = format!(
        "{:0width$}",
        rand::rngs::OsRng.gen_range(0..10u32.pow(CODE_DIGITS as u32)),
        width = CODE_DIGITS
    );
    // At most a few codes per user and window, an unknown user's (who gets none) counted alike.
    let to = user.map_or(username, |u| u.email.as_str());
    // `InitiateAuth` and `RespondToAuthChallenge` declare no `LimitExceededException` in AWS's
    // model: a throttled sign-in there is `TooManyRequestsException`.
    cc.pool
        .count_send(&cc.pc.id, MessageKind::EmailOtp, to)
        .map_err(|_| {
            ApiError::new(
                Exception::TooManyRequestsException,
                "Too many requests. Please try again later.",
            )
        })?;
    let (sub, destination) = match user {
        Some(u) => {
            let m = Message {
                pool_id: cc.pc.id.clone(),
                to: u.email.clone(),
                kind: MessageKind::EmailOtp,
                code_or_password: code.clone(),
                subject: None,
                message: None,
            };
            let source = triggers::MessageSource::Authentication;
            triggers::custom_message(cc.pool, m, source, Some(&cc.client.id), u, None).await?;
            (u.sub.as_str(), u.email.as_str())
        }
        None => ("", username),
    };
    let params = HashMap::from([
        (
            "CODE_DELIVERY_DELIVERY_MEDIUM".to_string(),
            "EMAIL".to_string(),
        ),
        (
            "CODE_DELIVERY_DESTINATION".to_string(),
            mask_email(destination),
        ),
    ]);
    let state = OtpState { wrong: 0, code };
    challenge::issue(cc, sub, Challenge::EmailOtp, params, state.to_bytes()).await
}

/// Cognito's answer to a wrong one-time code.
fn mismatch() -> ApiError {
    ApiError::new(
        Exception::CodeMismatchException,
        "Invalid code or auth state for the user.",
    )
}

/// Checks `EMAIL_OTP_CODE` against the session `row` (already taken from the store under
/// `session_hash`): the right code goes on as a proven first factor; a wrong one puts the
/// session back unless it was its last allowed.
pub(crate) async fn answer(
    cc: &ClientCall<'_>,
    session_hash: &str,
    mut row: ChallengeRow,
    user: Option<UserRow>,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let mut state = OtpState::from_bytes(&row.state).ok_or_else(challenge::expired_session)?;
    let given = match param(responses, "EMAIL_OTP_CODE") {
        Ok(code) => code,
        Err(missing) => {
            // No code at all is not a guess: the session stands as it was.
            cc.pool.store().insert_challenge(session_hash, &row).await?;
            return Err(missing);
        }
    };
    let matches: bool = state.code.as_bytes().ct_eq(given.as_bytes()).into();
    let outcome = match user {
        // An unknown user's challenge: no code was sent, none can match.
        None => PasswordCheck::Refused,
        Some(user) => {
            // Counted before the outcome is used, as for a password (`pool/credentials.rs`).
            let Some(attempt) = cc.pool.reserve_attempt(&user).await? else {
                return Err(locked());
            };
            cc.pool
                .finish_attempt(&cc.pc.id, user, attempt, matches)
                .await?
        }
    };
    match outcome {
        PasswordCheck::Accepted(user) => sign_in::after_password(cc, user).await,
        PasswordCheck::Disabled => Err(disabled()),
        PasswordCheck::Locked => Err(locked()),
        PasswordCheck::Refused => {
            state.wrong = state.wrong.saturating_add(1);
            if state.wrong < WRONG_CODES_PER_SESSION {
                row.state = state.to_bytes();
                cc.pool.store().insert_challenge(session_hash, &row).await?;
            }
            Err(mismatch())
        }
    }
}
