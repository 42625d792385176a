//! `USER_AUTH`'s `WEB_AUTHN`: a passkey as the first factor. The challenge parameter
//! `CREDENTIAL_REQUEST_OPTIONS` is a `PublicKeyCredentialRequestOptionsJSON` (as a JSON string)
//! whose challenge is the session's state, so that it is single use and expires with the
//! session; the answer `CREDENTIAL` is an `AuthenticationResponseJSON`, verified against the
//! user's own stored passkey. A refused passkey counts towards the user's lockout as a wrong
//! password does.

use std::collections::HashMap;

use serde_json::json;

use super::auth::{param, AuthReply};
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::sign_in::{self, disabled, locked};
use super::webauthn::{new_challenge, user_handle};
use super::webauthn_config::{relying_party, required_relying_party};
use super::{ApiError, Exception};
use crate::config::AuthFlow;
use crate::credentials::PasswordCheck;
use crate::passkey::{self, b64url, AssertionJson, PasskeyError};
use crate::store::{ChallengeRow, UserRow, CHALLENGE_VALIDITY_SECS};

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

/// `USER_AUTH`'s first factors for this user: [`sign_in::available_choices`] and `WEB_AUTHN`.
pub(crate) async fn choices(
    cc: &ClientCall<'_>,
    user: Option<&UserRow>,
) -> Result<Vec<&'static str>, ApiError> {
    let mut out = sign_in::available_choices(cc, user);
    if offered(cc, user).await? {
        out.push(WEB_AUTHN);
    }
    Ok(out)
}

/// Issues the `WEB_AUTHN` challenge: request options listing the user's passkeys.
pub(crate) async fn start(cc: &ClientCall<'_>, user: &UserRow) -> Result<AuthReply, ApiError> {
    let rp = required_relying_party(cc.pool, &cc.pc.id).await?;
    let passkeys = cc.pool.store().user_passkeys(&cc.pc.id, &user.sub).await?;
    let (challenge, challenge_text) = new_challenge();
    let allow: Vec<_> = passkeys
        .iter()
        .map(|c| json!({ "id": c.credential_id, "type": "public-key", "transports": c.transports }))
        .collect();
    let options = json!({
        "challenge": challenge_text,
        "rpId": rp.id,
        "allowCredentials": allow,
        "timeout": CHALLENGE_VALIDITY_SECS * 1000,
        "userVerification": if rp.user_verification_required { "required" } else { "preferred" },
    });
    let params = HashMap::from([(
        "CREDENTIAL_REQUEST_OPTIONS".to_string(),
        options.to_string(),
    )]);
    challenge::issue(cc, &user.sub, Challenge::WebAuthn, params, challenge).await
}

/// A refused assertion. Cognito's sign-in operations declare none of the WebAuthn exceptions:
/// a malformed answer is `InvalidParameterException`, any other refusal
/// `NotAuthorizedException`, its message saying why.
fn refused(e: PasskeyError) -> ApiError {
    let kind = match e {
        PasskeyError::Malformed(_) => Exception::InvalidParameterException,
        _ => Exception::NotAuthorizedException,
    };
    ApiError::new(kind, e.to_string())
}

fn not_this_users() -> ApiError {
    ApiError::new(
        Exception::NotAuthorizedException,
        "The passkey is not registered to this user: sign in with one of the user's passkeys \
         (allowCredentials lists them).",
    )
}

/// Answers `WEB_AUTHN` (the session `row` already taken): the `CREDENTIAL` must be an assertion
/// of the user's own passkey over the session's challenge.
pub(crate) async fn answer(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: UserRow,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let sent = AssertionJson::from_text(param(responses, "CREDENTIAL")?)
        .and_then(|j| j.decode())
        .map_err(refused)?;
    let rp = relying_party(cc.pool, &cc.pc.id)
        .await?
        .ok_or_else(challenge::expired_session)?;
    let store = cc.pool.store();
    let credential_id = b64url(&sent.credential_id);
    let passkey = store
        .passkey(&cc.pc.id, &credential_id)
        .await?
        .filter(|p| p.sub == user.sub)
        .ok_or_else(not_this_users)?;
    if sent
        .user_handle
        .as_ref()
        .is_some_and(|h| *h != user_handle(&user))
    {
        return Err(not_this_users());
    }
    // Counted before the outcome is used, as for a password (`credentials.rs`).
    let Some(attempt) = cc.pool.reserve_attempt(&user).await? else {
        return Err(locked());
    };
    let verified = passkey::verify_assertion(
        &rp,
        &row.state,
        &sent.client_data_json,
        &sent.authenticator_data,
        &sent.signature,
        &passkey.public_key,
        passkey.sign_count,
    );
    let outcome = cc
        .pool
        .finish_attempt(&cc.pc.id, user, attempt, verified.is_ok())
        .await?;
    match (outcome, verified) {
        (PasswordCheck::Accepted(user), Ok(assertion)) => {
            let now = cc.pool.now();
            let moved = store
                .use_passkey(
                    &cc.pc.id,
                    &credential_id,
                    passkey.sign_count,
                    assertion.sign_count,
                    now,
                )
                .await?;
            if !moved {
                // Another sign-in with the same counter value won the race.
                return Err(refused(PasskeyError::CounterNotIncreased));
            }
            sign_in::after_password(cc, user).await
        }
        (PasswordCheck::Disabled, _) => Err(disabled()),
        (PasswordCheck::Locked, _) => Err(locked()),
        (_, Err(e)) => Err(refused(e)),
        (_, Ok(_)) => Err(refused(PasskeyError::BadSignature)),
    }
}
