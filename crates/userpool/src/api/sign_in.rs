//! Signing a user in with a password, by refresh token, or by the choice-based `USER_AUTH`;
//! and what follows a proven first factor: the next challenge, or the tokens.

use std::collections::HashMap;

use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;

use super::auth::{param, AuthReply, AuthenticationResult, NewDeviceMetadata};
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::sign_up_session::{self, Kind};
use super::{email_otp, srp_flow, webauthn_sign_in, ApiError, Exception};
use crate::config::{AuthFlow, MfaSetting};
use crate::credentials::{PasswordCheck, USER_DISABLED};
use crate::store::UserRow;
use crate::user_tokens::{TokenRequest, UserTokens};

/// The scopes of tokens from the JSON API: an ID token with every attribute, and an access
/// token for the user's own operations (`GetUser`, ...).
const API_SCOPES: &[&str] = &["openid", "aws.cognito.signin.user.admin"];

/// What Cognito answers for a wrong password and, with `PreventUserExistenceErrors`, for an
/// unknown user.
pub(crate) fn incorrect() -> ApiError {
    ApiError::new(
        Exception::NotAuthorizedException,
        "Incorrect username or password.",
    )
}

/// An unknown user, when the client does not hide that.
pub(crate) fn not_found() -> ApiError {
    ApiError::new(Exception::UserNotFoundException, "User does not exist.")
}

/// A locked-out user.
pub(crate) fn locked() -> ApiError {
    ApiError::new(
        Exception::NotAuthorizedException,
        "Password attempts exceeded",
    )
}

/// A disabled user who gave the right password.
pub(crate) fn disabled() -> ApiError {
    ApiError::new(Exception::NotAuthorizedException, USER_DISABLED)
}

/// `USER_PASSWORD_AUTH`, `ADMIN_USER_PASSWORD_AUTH` and `USER_AUTH`'s `PASSWORD`.
pub(crate) async fn with_password(
    cc: &ClientCall<'_>,
    username: &str,
    password: &str,
) -> Result<AuthReply, ApiError> {
    super::triggered::before_password(cc, username, Some(password)).await?;
    if !cc.client.prevent_user_existence_errors
        && cc.pool.find_user(&cc.pc.id, username).await?.is_none()
    {
        return Err(not_found());
    }
    match cc
        .pool
        .check_password(&cc.pc.id, username, password)
        .await?
    {
        PasswordCheck::Accepted(user) => after_password(cc, user).await,
        PasswordCheck::Refused => Err(incorrect()),
        PasswordCheck::Locked => Err(locked()),
        PasswordCheck::Disabled => Err(disabled()),
    }
}

/// A proven first factor (a password, over SRP or not, or an e-mail code): an unconfirmed user
/// is told so; then a temporary password must be replaced, and a user with TOTP must give a
/// code; otherwise the tokens. The e-mail code takes the same steps: it is one factor, and a
/// temporary password still has to go.
pub(crate) async fn after_password(
    cc: &ClientCall<'_>,
    user: UserRow,
) -> Result<AuthReply, ApiError> {
    if !user.confirmed {
        return Err(ApiError::new(
            Exception::UserNotConfirmedException,
            "User is not confirmed.",
        ));
    }
    if user.password_temporary {
        let attributes = serde_json::to_string(&user.attributes).unwrap_or_default();
        let params = HashMap::from([
            ("USER_ID_FOR_SRP".to_string(), user.sub.clone()),
            ("requiredAttributes".to_string(), "[]".to_string()),
            ("userAttributes".to_string(), attributes),
        ]);
        return challenge::issue(
            cc,
            &user.sub,
            Challenge::NewPasswordRequired,
            params,
            vec![],
        )
        .await;
    }
    if let Some(device_step) = srp_flow::device_challenge(cc, &user).await? {
        return Ok(device_step);
    }
    second_factor(cc, user).await
}

/// A proven password (and device, if any): the user's TOTP code, or setting one up when the
/// pool requires MFA, or the tokens.
pub(crate) async fn second_factor(
    cc: &ClientCall<'_>,
    user: UserRow,
) -> Result<AuthReply, ApiError> {
    if cc.pool.totp_required(cc.pc, &user).await? {
        let params = HashMap::from([("USER_ID_FOR_SRP".to_string(), user.sub.clone())]);
        // The code's answer must know it ends a device's sign-in (no new device then).
        let state = super::mfa::totp_state(0, cc.device_signed_in);
        return challenge::issue(cc, &user.sub, Challenge::SoftwareTokenMfa, params, state).await;
    }
    if cc.pool.mfa_setting(cc.pc).await? == MfaSetting::On {
        let params = HashMap::from([(
            "MFAS_CAN_SETUP".to_string(),
            "[\"SOFTWARE_TOKEN_MFA\"]".to_string(),
        )]);
        return challenge::issue(cc, &user.sub, Challenge::MfaSetup, params, vec![]).await;
    }
    let tokens = issue_tokens(cc, &user).await?;
    Ok(AuthReply {
        authentication_result: Some(tokens),
        ..AuthReply::default()
    })
}

/// A new sign-in's tokens, with a refresh token.
pub(crate) async fn issue_tokens(
    cc: &ClientCall<'_>,
    user: &UserRow,
) -> Result<AuthenticationResult, ApiError> {
    super::triggered::before_tokens(cc, user).await?;
    let t = cc
        .pool
        .issue_user_tokens(TokenRequest {
            pool: cc.pc,
            client_id: &cc.client.id,
            user,
            scopes: API_SCOPES,
            auth_time: cc.pool.now(),
            nonce: None,
            origin: None,
            with_refresh: true,
            source: cc.token_source,
        })
        .await?;
    let mut result = result(t);
    result.new_device_metadata = new_device(cc, user).await?;
    Ok(result)
}

fn result(t: UserTokens) -> AuthenticationResult {
    AuthenticationResult {
        access_token: t.access_token,
        expires_in: t.expires_in,
        id_token: t.id_token,
        refresh_token: t.refresh_token,
        token_type: "Bearer",
        new_device_metadata: None,
    }
}

/// A sign-in that was not a device's, in a pool that tracks devices: a new device for the
/// client to confirm (`ConfirmDevice`), as Cognito's `NewDeviceMetadata`: the key
/// `{region}_{uuid}`, the group key `-` and 9 alphanumerics.
async fn new_device(
    cc: &ClientCall<'_>,
    user: &UserRow,
) -> Result<Option<NewDeviceMetadata>, ApiError> {
    if cc.pc.device_configuration.is_none() || cc.device_signed_in {
        return Ok(None);
    }
    let region = cc.pc.id.split('_').next().unwrap_or("us-east-1");
    let device_key = format!("{region}_{}", uuid::Uuid::new_v4());
    let device_group_key = format!("-{}", Alphanumeric.sample_string(&mut OsRng, 9));
    cc.pool
        .store()
        .insert_device(
            &cc.pc.id,
            &user.sub,
            &device_key,
            &device_group_key,
            cc.pool.now(),
        )
        .await?;
    Ok(Some(NewDeviceMetadata {
        device_key,
        device_group_key,
    }))
}

/// `REFRESH_TOKEN_AUTH` (with its `SECRET_HASH` in `params`) and `GetTokensFromRefreshToken`
/// (whose secret the caller checked): the token endpoint's refresh, shared.
pub(crate) async fn refresh(
    cc: &ClientCall<'_>,
    refresh_token: &str,
    params: Option<&HashMap<String, String>>,
) -> Result<AuthenticationResult, ApiError> {
    let invalid = || ApiError::new(Exception::NotAuthorizedException, "Invalid Refresh Token");
    if let Some(params) = params {
        // The hash is over the user's name, which only the stored sign-in knows.
        let Some((user, _, _)) = cc
            .pool
            .refresh_origin(cc.pc, cc.client, refresh_token)
            .await?
        else {
            return Err(invalid());
        };
        let sent = params.get("USERNAME").map(String::as_str);
        let names: Vec<&str> = [Some(user.sub.as_str()), Some(user.email.as_str()), sent]
            .into_iter()
            .flatten()
            .filter(|n| *n == user.sub || *n == user.email)
            .collect();
        cc.check_secret_hash(params, &names)?;
    }
    match cc
        .pool
        .refresh_user_tokens(cc.pc, cc.client, refresh_token)
        .await?
    {
        Some(t) => Ok(result(t)),
        None => Err(invalid()),
    }
}

/// `USER_AUTH` with `ConfirmSignUp`'s session: the code that confirmed the user is the first
/// factor, once, for that user through that client only.
pub(crate) async fn after_sign_up(
    cc: &ClientCall<'_>,
    username: &str,
    session: &str,
) -> Result<AuthReply, ApiError> {
    let taken =
        sign_up_session::take(cc.pool, &cc.pc.id, &cc.client.id, Kind::Confirmed, session).await?;
    let user = cc
        .pool
        .store()
        .user_by_sub(&cc.pc.id, taken.sub())
        .await?
        .filter(|u| username == u.sub || username.eq_ignore_ascii_case(&u.email))
        .ok_or_else(sign_up_session::invalid)?;
    super::triggered::before_password(cc, username, None).await?;
    if !user.enabled {
        return Err(disabled());
    }
    after_password(cc, user).await
}

/// `USER_AUTH`: the `PREFERRED_CHALLENGE` when it can be met at once, otherwise
/// `SELECT_CHALLENGE` with the choices the client allows.
pub(crate) async fn choice(
    cc: &ClientCall<'_>,
    username: &str,
    params: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let user = cc.pool.find_user(&cc.pc.id, username).await?;
    if user.is_none() && !cc.client.prevent_user_existence_errors {
        return Err(not_found());
    }
    let available = webauthn_sign_in::choices(cc, user.as_ref()).await?;
    match params.get("PREFERRED_CHALLENGE").map(String::as_str) {
        Some(c) if available.contains(&c) => match (c, &user) {
            ("PASSWORD", _) => with_password(cc, username, param(params, "PASSWORD")?).await,
            ("EMAIL_OTP", _) => email_otp::start(cc, username, user.as_ref()).await,
            ("WEB_AUTHN", Some(user)) => webauthn_sign_in::start(cc, user).await,
            _ => srp_flow::start(cc, username, param(params, "SRP_A")?).await,
        },
        _ => {
            let sub = user.map(|u| u.sub).unwrap_or_default();
            let params = HashMap::from([("USERNAME".to_string(), username.to_string())]);
            let mut reply = challenge::issue(
                cc,
                &sub,
                Challenge::SelectChallenge,
                params,
                username.as_bytes().to_vec(),
            )
            .await?;
            reply.available_challenges = Some(available.iter().map(|s| s.to_string()).collect());
            Ok(reply)
        }
    }
}

/// The first factors `USER_AUTH` offers this client and user (`None`: unknown): the password
/// ones the client's flows allow, and `EMAIL_OTP` when the user can receive it.
pub(crate) fn available_choices(cc: &ClientCall<'_>, user: Option<&UserRow>) -> Vec<&'static str> {
    let mut out = vec![];
    if cc.client.allows_auth(AuthFlow::UserPasswordAuth) {
        out.push("PASSWORD");
    }
    if cc.client.allows_auth(AuthFlow::UserSrpAuth) {
        out.push("PASSWORD_SRP");
    }
    if email_otp::offered(cc, user) {
        out.push("EMAIL_OTP");
    }
    out
}
