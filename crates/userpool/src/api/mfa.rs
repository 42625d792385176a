//! Software-token (TOTP, RFC 6238) MFA: `AssociateSoftwareToken` and `VerifySoftwareToken`
//! (by access token, or by the `MFA_SETUP` challenge's session), `SetUserMFAPreference`,
//! `SetUserPoolMfaConfig`, `GetUserPoolMfaConfig`, and the `SOFTWARE_TOKEN_MFA` and
//! `MFA_SETUP` challenges' answers.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::auth::{param, AuthReply};
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::me::signed_in_user;
use super::users::Empty;
use super::{sign_in, ApiError, Call, Exception};
use crate::config::MfaSetting;
use crate::passkey_config::{self as webauthn_config, WebAuthnConfiguration};
use crate::store::{ChallengeRow, UserRow};
use crate::tokens;
use crate::totp::TotpSecret;

/// The `MFA_SETUP` session's state once the user's code proved the new secret.
const SETUP_VERIFIED: &[u8] = b"verified";
/// The prefix of the `MFA_SETUP` session's state while a secret awaits its first code.
const SETUP_PENDING: &[u8] = b"pending:";

/// A wrong, reused or malformed code.
fn mismatch() -> ApiError {
    ApiError::new(
        Exception::CodeMismatchException,
        "Invalid code received for user",
    )
}

/// Wrong codes one `SOFTWARE_TOKEN_MFA` session takes; the last of them ends it (as for
/// `EMAIL_OTP`: Cognito lets a user correct a mistyped code without signing in again).
const WRONG_CODES_PER_SESSION: u8 = 3;

/// `SOFTWARE_TOKEN_MFA`: a current code of the user's TOTP secret, not used before. A wrong one
/// puts the session (`row`, taken from the store under `session_hash`) back, with the count of
/// wrong codes as its state, unless it was the last allowed.
pub(crate) async fn answer_totp(
    cc: &ClientCall<'_>,
    session_hash: &str,
    mut row: ChallengeRow,
    user: UserRow,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let code = param(responses, "SOFTWARE_TOKEN_MFA_CODE")?;
    let device_signed_in = row.state.get(1) == Some(&1);
    if !cc.pool.use_totp_code(&user, code).await? {
        let wrong = row.state.first().copied().unwrap_or(0).saturating_add(1);
        if wrong < WRONG_CODES_PER_SESSION {
            row.state = totp_state(wrong, device_signed_in);
            cc.pool.store().insert_challenge(session_hash, &row).await?;
        }
        return Err(mismatch());
    }
    let cc = &ClientCall {
        device_signed_in,
        ..*cc
    };
    tokens_reply(cc, &user).await
}

/// The `SOFTWARE_TOKEN_MFA` session's state: the wrong codes so far, and whether a device
/// proved itself before (its tokens then carry no new device).
pub(crate) fn totp_state(wrong: u8, device_signed_in: bool) -> Vec<u8> {
    vec![wrong, u8::from(device_signed_in)]
}

/// `MFA_SETUP`'s last step: the session says the new secret was verified.
pub(crate) async fn answer_setup(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: UserRow,
) -> Result<AuthReply, ApiError> {
    if row.state != SETUP_VERIFIED {
        return Err(challenge::expired_session());
    }
    tokens_reply(cc, &user).await
}

async fn tokens_reply(cc: &ClientCall<'_>, user: &UserRow) -> Result<AuthReply, ApiError> {
    let tokens = sign_in::issue_tokens(cc, user).await?;
    Ok(AuthReply {
        authentication_result: Some(tokens),
        ..AuthReply::default()
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AssociateRequest {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    session: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AssociateReply {
    secret_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<String>,
}

/// A new TOTP secret for the user: kept pending until `VerifySoftwareToken` sees a code.
pub(crate) async fn associate_software_token(
    call: &Call,
    req: AssociateRequest,
) -> Result<AssociateReply, ApiError> {
    let secret = TotpSecret::generate();
    if let Some(token) = req.access_token.as_deref() {
        let (_, user) = signed_in_user(call, token).await?;
        call.pool
            .store()
            .set_totp_pending(&user.sub, &secret.base32())
            .await?;
        return Ok(AssociateReply {
            secret_code: secret.base32(),
            session: None,
        });
    }
    let (row, cc) = setup_session(call, req.session.as_deref()).await?;
    if !row.state.is_empty() {
        return Err(challenge::expired_session());
    }
    let mut state = SETUP_PENDING.to_vec();
    state.extend_from_slice(secret.base32().as_bytes());
    let next = challenge::issue(&cc, &row.sub, Challenge::MfaSetup, HashMap::new(), state).await?;
    Ok(AssociateReply {
        secret_code: secret.base32(),
        session: next.session,
    })
}

/// The `MFA_SETUP` challenge of a session, taken, with its client.
async fn setup_session<'a>(
    call: &'a Call,
    session: Option<&str>,
) -> Result<(ChallengeRow, ClientCall<'a>), ApiError> {
    let session = session
        .filter(|s| !s.is_empty() && s.len() <= 4096)
        .ok_or_else(|| {
            ApiError::new(
                Exception::InvalidParameterException,
                "Either AccessToken or Session must be given.",
            )
        })?;
    let row = call
        .pool
        .store()
        .take_challenge(&tokens::hash_secret(session), call.pool.now())
        .await?
        .filter(|r| r.challenge == Challenge::MfaSetup.name())
        .ok_or_else(challenge::expired_session)?;
    let cc = super::client_check::client(call, Some(&row.pool_id), &row.client_id)
        .map_err(|_| challenge::expired_session())?;
    Ok((row, cc))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VerifyRequest {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    session: Option<String>,
    user_code: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VerifyReply {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<String>,
}

/// A first code of the pending secret makes it the user's.
pub(crate) async fn verify_software_token(
    call: &Call,
    req: VerifyRequest,
) -> Result<VerifyReply, ApiError> {
    let refused = || ApiError::new(Exception::EnableSoftwareTokenMFAException, "Code mismatch");
    if let Some(token) = req.access_token.as_deref() {
        let (_, user) = signed_in_user(call, token).await?;
        let pending = call.pool.store().totp_pending(&user.sub).await?;
        let secret = pending
            .as_deref()
            .and_then(|s| TotpSecret::from_base32(s).ok())
            .ok_or_else(|| {
                ApiError::new(
                    Exception::SoftwareTokenMFANotFoundException,
                    "Software token MFA has not been associated with this user.",
                )
            })?;
        let step = call
            .pool
            .totp_step(&secret, &req.user_code, None)
            .ok_or_else(refused)?;
        call.pool
            .store()
            .set_totp_secret(&user.sub, &secret.base32(), step)
            .await?;
        return Ok(VerifyReply {
            status: "SUCCESS",
            session: None,
        });
    }
    let (row, cc) = setup_session(call, req.session.as_deref()).await?;
    let secret = row
        .state
        .strip_prefix(SETUP_PENDING)
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| TotpSecret::from_base32(s).ok())
        .ok_or_else(challenge::expired_session)?;
    let step = call
        .pool
        .totp_step(&secret, &req.user_code, None)
        .ok_or_else(refused)?;
    let store = call.pool.store();
    store
        .set_totp_secret(&row.sub, &secret.base32(), step)
        .await?;
    store.set_totp_enabled(&row.sub, true).await?;
    let next = challenge::issue(
        &cc,
        &row.sub,
        Challenge::MfaSetup,
        HashMap::new(),
        SETUP_VERIFIED.to_vec(),
    )
    .await?;
    Ok(VerifyReply {
        status: "SUCCESS",
        session: next.session,
    })
}

/// `UserMFASettingList` of `GetUser` / `AdminGetUser`: the MFA methods on (TOTP only here).
pub(crate) fn setting_list(user: &UserRow) -> Vec<&'static str> {
    if user.totp_enabled {
        vec!["SOFTWARE_TOKEN_MFA"]
    } else {
        vec![]
    }
}

/// `PreferredMfaSetting`: the method set as preferred, while it is on.
pub(crate) fn preferred_setting(user: &UserRow) -> Option<&'static str> {
    (user.totp_enabled && user.totp_preferred).then_some("SOFTWARE_TOKEN_MFA")
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct MfaSettings {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    preferred_mfa: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PreferenceRequest {
    access_token: String,
    #[serde(default)]
    software_token_mfa_settings: Option<MfaSettings>,
}

/// Turns the user's TOTP on or off; on needs a verified secret.
pub(crate) async fn set_user_mfa_preference(
    call: &Call,
    req: PreferenceRequest,
) -> Result<Empty, ApiError> {
    let (_, user) = signed_in_user(call, &req.access_token).await?;
    if let Some(settings) = req.software_token_mfa_settings {
        if settings.enabled && user.totp_secret.is_none() {
            return Err(ApiError::new(
                Exception::InvalidParameterException,
                "User has not verified software token mfa",
            ));
        }
        call.pool
            .store()
            .set_totp_preference(&user.sub, settings.enabled, settings.preferred_mfa)
            .await?;
    }
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PoolMfaRequest {
    user_pool_id: String,
    #[serde(default)]
    mfa_configuration: Option<String>,
    #[serde(default)]
    web_authn_configuration: Option<WebAuthnConfiguration>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SoftwareTokenConfig {
    enabled: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PoolMfaReply {
    mfa_configuration: &'static str,
    software_token_mfa_configuration: SoftwareTokenConfig,
    web_authn_configuration: WebAuthnConfiguration,
}

fn pool_mfa_reply(mfa: MfaSetting, web_authn: WebAuthnConfiguration) -> PoolMfaReply {
    PoolMfaReply {
        mfa_configuration: mfa.cognito_name(),
        software_token_mfa_configuration: SoftwareTokenConfig {
            enabled: mfa != MfaSetting::Off,
        },
        web_authn_configuration: web_authn,
    }
}

/// Sets the pool's MFA to `OFF`, `OPTIONAL` or `ON` (TOTP is the one factor), and its passkeys'
/// `WebAuthnConfiguration`.
pub(crate) async fn set_user_pool_mfa_config(
    call: &Call,
    req: PoolMfaRequest,
) -> Result<PoolMfaReply, ApiError> {
    call.require_signed()?;
    let pc = call.pool.pool_config(&req.user_pool_id)?;
    if let Some(name) = req.mfa_configuration.as_deref() {
        let mfa = MfaSetting::from_cognito_name(name).ok_or_else(|| {
            ApiError::new(
                Exception::InvalidParameterException,
                "MfaConfiguration must be OFF, ON or OPTIONAL.",
            )
        })?;
        call.pool
            .store()
            .set_pool_mfa(&pc.id, mfa.cognito_name())
            .await?;
    }
    if let Some(web_authn) = req.web_authn_configuration {
        webauthn_config::save(&call.pool, &pc.id, web_authn).await?;
    }
    let web_authn = webauthn_config::shown(&call.pool, &pc.id).await?;
    Ok(pool_mfa_reply(call.pool.mfa_setting(pc).await?, web_authn))
}

pub(crate) async fn get_user_pool_mfa_config(
    call: &Call,
    req: PoolMfaRequest,
) -> Result<PoolMfaReply, ApiError> {
    call.require_signed()?;
    let pc = call.pool.pool_config(&req.user_pool_id)?;
    let web_authn = webauthn_config::shown(&call.pool, &pc.id).await?;
    Ok(pool_mfa_reply(call.pool.mfa_setting(pc).await?, web_authn))
}
