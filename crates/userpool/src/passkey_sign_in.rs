//! Signing a user in with a passkey, as the JSON API's `WEB_AUTHN` and the hosted UI both do:
//! the request options for the user's passkeys, and the check of an assertion against the
//! user's own stored passkey (the signature counter moved on), counted towards the user's
//! lockout as a password is.

use serde_json::{json, Value};

use crate::credentials::PasswordCheck;
use crate::error::Error;
use crate::passkey::{self, b64url, AssertionJson, PasskeyError, RelyingParty};
use crate::pool::UserPool;
use crate::store::{UserRow, CHALLENGE_VALIDITY_SECS};

/// Random bytes in a challenge (WebAuthn asks for at least 16).
const CHALLENGE_BYTES: usize = 32;

/// A new random challenge: its bytes and their base64url.
pub(crate) fn new_challenge() -> (Vec<u8>, String) {
    use rand::RngCore;
    let mut bytes = vec![0u8; CHALLENGE_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let text = b64url(&bytes);
    (bytes, text)
}

/// The user handle (`user.id`) of a user's passkeys: the bytes of the user's `sub`.
pub(crate) fn user_handle(user: &UserRow) -> Vec<u8> {
    user.sub.as_bytes().to_vec()
}

/// `PublicKeyCredentialRequestOptionsJSON` for `user`'s passkeys (none listed for `None`, an
/// unknown user, whose sign-in can only fail), and the challenge's bytes.
pub(crate) async fn request_options(
    pool: &UserPool,
    pool_id: &str,
    rp: &RelyingParty,
    user: Option<&UserRow>,
) -> Result<(Vec<u8>, Value), Error> {
    let passkeys = match user {
        Some(u) => pool.store().user_passkeys(pool_id, &u.sub).await?,
        None => vec![],
    };
    let (challenge, challenge_text) = new_challenge();
    let allow: Vec<Value> = passkeys
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
    Ok((challenge, options))
}

/// Why a passkey sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    /// The assertion did not verify (or was malformed).
    #[error(transparent)]
    Passkey(PasskeyError),
    /// The credential is not one of this user's passkeys.
    #[error(
        "The passkey is not registered to this user: sign in with one of the user's passkeys \
         (allowCredentials lists them)."
    )]
    NotThisUsers,
    /// The user is locked out (too many failures).
    #[error("Password attempts exceeded")]
    Locked,
    /// The user is disabled.
    #[error("User is disabled.")]
    Disabled,
}

/// Checks `credential` (an `AuthenticationResponseJSON`) over `challenge` against `user`'s
/// stored passkey; on success the passkey's counter is moved on and the user (as now stored)
/// is given back.
pub(crate) async fn check(
    pool: &UserPool,
    pool_id: &str,
    rp: &RelyingParty,
    challenge: &[u8],
    user: UserRow,
    credential: &str,
) -> Result<Result<UserRow, Refusal>, Error> {
    let sent = match AssertionJson::from_text(credential).and_then(|j| j.decode()) {
        Ok(sent) => sent,
        Err(e) => return Ok(Err(Refusal::Passkey(e))),
    };
    let store = pool.store();
    let credential_id = b64url(&sent.credential_id);
    let Some(stored) = store
        .passkey(pool_id, &credential_id)
        .await?
        .filter(|p| p.sub == user.sub)
    else {
        return Ok(Err(Refusal::NotThisUsers));
    };
    if sent
        .user_handle
        .as_ref()
        .is_some_and(|h| *h != user_handle(&user))
    {
        return Ok(Err(Refusal::NotThisUsers));
    }
    // Counted before the outcome is used, as for a password (`credentials.rs`).
    let Some(attempt) = pool.reserve_attempt(&user).await? else {
        return Ok(Err(Refusal::Locked));
    };
    let verified = passkey::verify_assertion(
        rp,
        challenge,
        &sent.client_data_json,
        &sent.authenticator_data,
        &sent.signature,
        &stored.public_key,
        stored.sign_count,
    );
    let outcome = pool
        .finish_attempt(pool_id, user, attempt, verified.is_ok())
        .await?;
    Ok(match (outcome, verified) {
        (PasswordCheck::Accepted(user), Ok(assertion)) => {
            let moved = store
                .use_passkey(
                    pool_id,
                    &credential_id,
                    stored.sign_count,
                    assertion.sign_count,
                    pool.now(),
                )
                .await?;
            // A concurrent sign-in with the same counter value was first.
            if moved {
                Ok(user)
            } else {
                Err(Refusal::Passkey(PasskeyError::CounterNotIncreased))
            }
        }
        (PasswordCheck::Disabled, _) => Err(Refusal::Disabled),
        (PasswordCheck::Locked, _) => Err(Refusal::Locked),
        (_, Err(e)) => Err(Refusal::Passkey(e)),
        (_, Ok(_)) => Err(Refusal::Passkey(PasskeyError::BadSignature)),
    })
}
