//! `USER_SRP_AUTH`: the `PASSWORD_VERIFIER` challenge, and checking its answer.
//!
//! An unknown user, or one without a stored verifier, gets a challenge made from a stand-in
//! verifier, so the answer is refused at the same step and after the same work as a wrong
//! password (with `PreventUserExistenceErrors` off an unknown user is told at once). The
//! stand-in is derived from the name with the pool's secret key (`server_secret.rs`): the same
//! `USER_ID_FOR_SRP` (UUID-shaped, like a `sub`) and `SALT` each time, as for a real user.

use std::collections::HashMap;

use super::auth_reply::{disabled, incorrect, locked, not_found, param, AuthReply};
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::device_srp::device_srp_alias;
use super::sign_in;
use super::{ApiError, Exception};
use crate::credentials::PasswordCheck;
use crate::srp::{self, ServerChallenge, SrpError, Verifier};
use crate::store::{ChallengeRow, DeviceRow, UserRow};

/// How far a `TIMESTAMP` may be from the pool's clock.
const TIMESTAMP_SKEW_SECS: i64 = 5 * 60;

/// Answers `SRP_A` with `SRP_B`, `SALT`, `SECRET_BLOCK` and `USER_ID_FOR_SRP`.
pub(crate) async fn start(
    cc: &ClientCall<'_>,
    username: &str,
    srp_a: &str,
) -> Result<AuthReply, ApiError> {
    let user = cc.pool.find_user(&cc.pc.id, username).await?;
    if user.is_none() && !cc.client.prevent_user_existence_errors {
        return Err(not_found());
    }
    super::triggered::before_password(cc, username, None).await?;
    let stored = user
        .as_ref()
        .and_then(|u| u.srp.as_ref())
        .and_then(|(salt, v)| Verifier::from_hex(salt, v).ok());
    let (sub, user_id) = match (&user, &stored) {
        (Some(u), Some(_)) => (u.sub.clone(), u.sub.clone()),
        // No usable verifier: the challenge can only fail.
        (Some(u), None) => (String::new(), u.sub.clone()),
        // An unknown user looks like a known one: a stable, UUID-shaped stand-in for the `sub`.
        (None, _) => (
            String::new(),
            cc.pool.secret().fake_sub(&cc.pc.id, username),
        ),
    };
    let pool_id = cc.pc.id.clone();
    let srp_a = srp_a.to_string();
    let for_user = user_id.clone();
    let secret = cc.pool.secret().clone();
    let started = tokio::task::spawn_blocking(move || {
        // Without a stored verifier, a stand-in one: stable (so is the `SALT`), and made
        // without an exponentiation, so the challenge costs what a real user's does.
        let verifier = match stored {
            Some(v) => v,
            None => secret.fake_verifier(&pool_id, &for_user)?,
        };
        ServerChallenge::start(&verifier, &pool_id, &for_user, &srp_a)
    })
    .await
    .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    let (state, params) = started.map_err(srp_parameter_error)?;
    // The `SECRET_BLOCK` (random, 256 bits) is also the `Session`: an answer with either finds
    // the challenge, and a block the pool did not issue finds nothing.
    let session = params.secret_block.clone();
    let params = HashMap::from([
        ("SALT".to_string(), params.salt),
        ("SRP_B".to_string(), params.srp_b),
        ("SECRET_BLOCK".to_string(), params.secret_block),
        ("USER_ID_FOR_SRP".to_string(), user_id.clone()),
        ("USERNAME".to_string(), user_id),
    ]);
    challenge::issue_under(
        cc,
        &sub,
        Challenge::PasswordVerifier,
        params,
        state.to_secret_bytes(),
        session,
    )
    .await
}

/// Checks `PASSWORD_CLAIM_SIGNATURE` over `TIMESTAMP` (see [`check`]), then what follows a
/// password.
pub(crate) async fn verify(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: Option<UserRow>,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let user = check(cc, row, user, responses).await?;
    sign_in::after_password(cc, user).await
}

/// Checks `PASSWORD_CLAIM_SIGNATURE` over `TIMESTAMP`; a wrong one counts towards the
/// lockout like a wrong password anywhere else. The user, once proved.
pub(crate) async fn check(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: Option<UserRow>,
    responses: &HashMap<String, String>,
) -> Result<UserRow, ApiError> {
    let username = param(responses, "USERNAME")?;
    let block = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = param(responses, "TIMESTAMP")?;
    let state =
        ServerChallenge::from_secret_bytes(&row.state).map_err(|_| challenge::expired_session())?;
    let recent = parse_timestamp(timestamp)
        .is_some_and(|t| (t - cc.pool.now()).abs() <= TIMESTAMP_SKEW_SECS);
    let claim = state.verify(username, block, timestamp, signature);
    let Some(user) = user else {
        return Err(incorrect());
    };
    // The attempt is counted before the claim is looked at, as for a password anywhere else
    // (`pool/credentials.rs`), so parallel claims cannot outrun the lockout.
    let Some(attempt) = cc.pool.reserve_attempt(&user).await? else {
        return Err(locked());
    };
    match claim {
        Ok(()) if recent => match cc
            .pool
            .finish_attempt(&cc.pc.id, user, attempt, true)
            .await?
        {
            PasswordCheck::Accepted(user) => Ok(user),
            PasswordCheck::Disabled => Err(disabled()),
            _ => Err(incorrect()),
        },
        Ok(()) => Err(ApiError::new(
            Exception::NotAuthorizedException,
            "Invalid TIMESTAMP.",
        )),
        Err(SrpError::MalformedClaim) => Err(srp_parameter_error(SrpError::MalformedClaim)),
        Err(_) => match cc
            .pool
            .finish_attempt(&cc.pc.id, user, attempt, false)
            .await?
        {
            PasswordCheck::Locked => Err(locked()),
            _ => Err(incorrect()),
        },
    }
}

/// `TIMESTAMP` as Cognito's clients write it (`Tue Dec 1 21:16:08 UTC 2026`), in Unix seconds.
fn parse_timestamp(text: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] \
         [hour]:[minute]:[second] UTC [year]"
    );
    let t = time::PrimitiveDateTime::parse(text, &format).ok()?;
    let unix = t.assume_utc().unix_timestamp();
    // Parsing ignores a wrong weekday; formatting back catches it.
    (srp::format_timestamp(unix).as_deref() == Some(text)).then_some(unix)
}

fn srp_parameter_error(e: SrpError) -> ApiError {
    ApiError::new(Exception::InvalidParameterException, e.to_string())
}

/// `DEVICE_SRP_AUTH`'s answer (`DEVICE_KEY`, `SRP_A`): the `DEVICE_PASSWORD_VERIFIER`
/// challenge, made as [`start`] makes a user's.
pub(crate) async fn device_start(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: UserRow,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let key = param(responses, "DEVICE_KEY")?;
    let srp_a = param(responses, "SRP_A")?.to_string();
    let state = String::from_utf8_lossy(&row.state).into_owned();
    let (session_hash, device_key) = state
        .split_once(' ')
        .ok_or_else(challenge::expired_session)?;
    // One answer: the challenge's other row goes too.
    let store = cc.pool.store();
    let alias = device_srp_alias(&cc.pc.id, &cc.client.id, device_key);
    for other in [session_hash.to_string(), crate::tokens::hash_secret(&alias)] {
        store.take_challenge(&other, cc.pool.now()).await?;
    }
    if key != device_key {
        return Err(challenge::expired_session());
    }
    let (device, verifier) = confirmed_device(cc, &user, key).await?;
    let for_device = key.to_string();
    let started = tokio::task::spawn_blocking(move || {
        ServerChallenge::start_named(&verifier, &device.group_key, &for_device, &srp_a)
    })
    .await
    .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    let (state, params) = started.map_err(srp_parameter_error)?;
    let session = params.secret_block.clone();
    let params = HashMap::from([
        ("SALT".to_string(), params.salt),
        ("SRP_B".to_string(), params.srp_b),
        ("SECRET_BLOCK".to_string(), params.secret_block),
        ("USERNAME".to_string(), user.sub.clone()),
        ("DEVICE_KEY".to_string(), key.to_string()),
    ]);
    challenge::issue_under(
        cc,
        &user.sub,
        Challenge::DevicePasswordVerifier,
        params,
        state.to_secret_bytes(),
        session,
    )
    .await
}

/// The user's confirmed device `key` and its verifier; a forgotten one is Cognito's
/// `ResourceNotFoundException`.
async fn confirmed_device(
    cc: &ClientCall<'_>,
    user: &UserRow,
    key: &str,
) -> Result<(DeviceRow, Verifier), ApiError> {
    let device = cc
        .pool
        .store()
        .user_device(&cc.pc.id, &user.sub, key)
        .await?;
    let found = device.and_then(|d| {
        let (salt, v) = d.srp.as_ref()?;
        let verifier = Verifier::from_hex(salt, v).ok()?;
        Some((d, verifier))
    });
    found.ok_or_else(|| ApiError::new(Exception::ResourceNotFoundException, DEVICE_NOT_FOUND))
}

/// Cognito's answer for a device key that is not the user's (or no longer).
pub(crate) const DEVICE_NOT_FOUND: &str = "Device does not exist.";

/// `DEVICE_PASSWORD_VERIFIER`'s answer: the device's claim, checked as a user's; then a
/// remembered device skips MFA when the pool's `ChallengeRequiredOnNewDevice` says so, and
/// any other goes on to the user's second factor.
pub(crate) async fn device_verify(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: UserRow,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let key = param(responses, "DEVICE_KEY")?;
    let block = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = param(responses, "TIMESTAMP")?;
    let state =
        ServerChallenge::from_secret_bytes(&row.state).map_err(|_| challenge::expired_session())?;
    let recent = parse_timestamp(timestamp)
        .is_some_and(|t| (t - cc.pool.now()).abs() <= TIMESTAMP_SKEW_SECS);
    match state.verify(key, block, timestamp, signature) {
        Ok(()) if recent => {}
        Ok(()) => {
            return Err(ApiError::new(
                Exception::NotAuthorizedException,
                "Invalid TIMESTAMP.",
            ))
        }
        Err(SrpError::MalformedClaim) => return Err(srp_parameter_error(SrpError::MalformedClaim)),
        Err(_) => return Err(incorrect()),
    }
    let (device, _) = confirmed_device(cc, &user, key).await?;
    cc.pool.store().touch_device(key, cc.pool.now()).await?;
    let cc = &ClientCall {
        device_signed_in: true,
        ..*cc
    };
    let skips_mfa = device.remembered
        && cc
            .pc
            .device_configuration
            .is_some_and(|d| d.challenge_required_on_new_device);
    if !skips_mfa {
        return sign_in::second_factor(cc, user).await;
    }
    let tokens = sign_in::issue_tokens(cc, &user).await?;
    Ok(AuthReply {
        authentication_result: Some(tokens),
        ..AuthReply::default()
    })
}
