//! Software-token (TOTP) MFA: the `SOFTWARE_TOKEN_MFA` challenge's answer.

use std::collections::HashMap;

use super::auth::{param, AuthReply};
use super::client_check::ClientCall;
use super::{sign_in, ApiError, Exception};
use crate::store::UserRow;
use crate::totp::TotpSecret;

/// A wrong, reused or malformed code.
fn mismatch() -> ApiError {
    ApiError::new(
        Exception::CodeMismatchException,
        "Invalid code received for user",
    )
}

/// `SOFTWARE_TOKEN_MFA`: a current code of the user's TOTP secret, not used before.
pub(crate) async fn answer_totp(
    cc: &ClientCall<'_>,
    user: UserRow,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let code = param(responses, "SOFTWARE_TOKEN_MFA_CODE")?;
    let Some(secret) = user
        .totp_secret
        .as_deref()
        .and_then(|s| TotpSecret::from_base32(s).ok())
    else {
        return Err(mismatch());
    };
    let now = u64::try_from(cc.pool.now()).unwrap_or(0);
    let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
    let Some(step) = secret.verify(code, now, last) else {
        return Err(mismatch());
    };
    // Recorded only if no answer with this step (or a later one) got there first.
    if !cc.pool.store().use_totp_step(&user.sub, step).await? {
        return Err(mismatch());
    }
    let tokens = sign_in::issue_tokens(cc, &user).await?;
    Ok(AuthReply {
        authentication_result: Some(tokens),
        ..AuthReply::default()
    })
}
