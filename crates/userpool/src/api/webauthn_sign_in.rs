//! `USER_AUTH`'s `WEB_AUTHN`: a passkey as the first factor. The challenge parameter
//! `CREDENTIAL_REQUEST_OPTIONS` is a `PublicKeyCredentialRequestOptionsJSON` (as a JSON string)
//! whose challenge is the session's state, so that it is single use and expires with the
//! session; the answer `CREDENTIAL` is an `AuthenticationResponseJSON`, verified against the
//! user's own stored passkey. A refused passkey counts towards the user's lockout as a wrong
//! password does.

use std::collections::HashMap;

use super::auth_reply::{disabled, locked, param, AuthReply};
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::sign_in;
use super::webauthn::required_relying_party;
use super::{ApiError, Exception};
use crate::config::AuthFlow;
use crate::passkey::PasskeyError;
use crate::passkey_config::relying_party;
use crate::passkey_sign_in::{self, Refusal};
use crate::store::{ChallengeRow, UserRow};

/// The factor's and the challenge's name.
pub(crate) const WEB_AUTHN: &str = "WEB_AUTHN";

/// Whether `USER_AUTH` offers `WEB_AUTHN`: a client with `ALLOW_USER_AUTH`, a pool with a
/// relying party, and a known user with a passkey.
pub(crate) async fn offered(cc: &ClientCall<'_>, user: Option<&UserRow>) -> Result<bool, ApiError> {
    let Some(user) = user else {
        return Ok(false);
    };
    if !cc.client.allows_auth(AuthFlow::UserAuth)
        || relying_party(cc.pool, &cc.pc.id).await?.is_none()
    {
        return Ok(false);
    }
    Ok(cc.pool.store().has_passkey(&cc.pc.id, &user.sub).await?)
}

/// Issues the `WEB_AUTHN` challenge: request options listing the user's passkeys.
pub(crate) async fn start(cc: &ClientCall<'_>, user: &UserRow) -> Result<AuthReply, ApiError> {
    let rp = required_relying_party(cc.pool, &cc.pc.id).await?;
    let (challenge, options) =
        passkey_sign_in::request_options(cc.pool, &cc.pc.id, &rp, Some(user)).await?;
    let params = HashMap::from([(
        "CREDENTIAL_REQUEST_OPTIONS".to_string(),
        options.to_string(),
    )]);
    challenge::issue(cc, &user.sub, Challenge::WebAuthn, params, challenge).await
}

/// A refused assertion. Cognito's sign-in operations declare none of the WebAuthn exceptions:
/// a malformed answer is `InvalidParameterException`, any other refusal
/// `NotAuthorizedException`, its message saying why.
fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Locked => locked(),
        Refusal::Disabled => disabled(),
        Refusal::Passkey(e @ PasskeyError::Malformed(_)) => {
            ApiError::new(Exception::InvalidParameterException, e.to_string())
        }
        other => ApiError::new(Exception::NotAuthorizedException, other.to_string()),
    }
}

/// Answers `WEB_AUTHN` (the session `row` already taken): the `CREDENTIAL` must be an assertion
/// of the user's own passkey over the session's challenge.
pub(crate) async fn answer(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: UserRow,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let credential = param(responses, "CREDENTIAL")?;
    let rp = relying_party(cc.pool, &cc.pc.id)
        .await?
        .ok_or_else(challenge::expired_session)?;
    match passkey_sign_in::check(cc.pool, &cc.pc.id, &rp, &row.state, user, credential).await? {
        Ok(user) => sign_in::after_password(cc, user).await,
        Err(refusal) => Err(refused(refusal)),
    }
}
