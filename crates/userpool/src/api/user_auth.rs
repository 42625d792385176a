//! `USER_AUTH`'s first factor: the client's preferred one, or the choice of those offered
//! (`SELECT_CHALLENGE`) and its answer.

use std::collections::HashMap;

use super::auth_reply::{not_found, param, AuthReply};
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::sign_in::with_password;
use super::{email_otp, srp_flow, webauthn_sign_in, ApiError, Exception};
use crate::config::AuthFlow;
use crate::store::{ChallengeRow, UserRow};

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
    let available = choices(cc, user.as_ref()).await?;
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

/// `USER_AUTH`'s first factors for this user: [`available_choices`], and `WEB_AUTHN` when
/// [`webauthn_sign_in::offered`].
pub(crate) async fn choices(
    cc: &ClientCall<'_>,
    user: Option<&UserRow>,
) -> Result<Vec<&'static str>, ApiError> {
    let mut out = available_choices(cc, user);
    if webauthn_sign_in::offered(cc, user).await? {
        out.push(webauthn_sign_in::WEB_AUTHN);
    }
    Ok(out)
}

/// `SELECT_CHALLENGE`: the `ANSWER` picks the first factor, one of those offered to this
/// user (`user` is `None` for an unknown one).
pub(crate) async fn select(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: Option<&UserRow>,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    // The name given at `InitiateAuth`, kept as the session's state.
    let username = String::from_utf8_lossy(&row.state).into_owned();
    let answer = param(responses, "ANSWER")?;
    if !choices(cc, user).await?.contains(&answer) {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "The challenge answer is not one of the available challenges.",
        ));
    }
    match answer {
        "PASSWORD" => with_password(cc, &username, param(responses, "PASSWORD")?).await,
        "EMAIL_OTP" => email_otp::start(cc, &username, user).await,
        "WEB_AUTHN" => match user {
            Some(user) => webauthn_sign_in::start(cc, user).await,
            None => Err(challenge::expired_session()),
        },
        _ => srp_flow::start(cc, &username, param(responses, "SRP_A")?).await,
    }
}
