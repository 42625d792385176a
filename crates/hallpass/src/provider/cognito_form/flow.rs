//! The steps of a form sign-in against Cognito's JSON API: sign-in (SRP or password), the
//! challenges, sign-up, confirmation and password reset. Each call returns what comes next.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::FormError;
use super::{CognitoForm, PasswordFlow};
use crate::provider::cognito_api::srp::{self, SrpClient};
use crate::provider::cognito_api::{AuthReply, ChallengeStep};
use crate::provider::oauth::ApiTokens;
use crate::provider::{Secret, SignIn};

/// Longest username, password or code accepted from a form (Cognito's own limits are lower).
const MAX_FIELD: usize = 256;

/// A challenge the user answers on the challenge page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Challenge {
    /// `NEW_PASSWORD_REQUIRED`: an administrator created the account with a temporary password.
    NewPassword,
    /// `SOFTWARE_TOKEN_MFA`: the code of the user's authenticator app.
    Totp,
    /// `EMAIL_OTP`: a code sent by e-mail.
    EmailOtp {
        /// Where it went, masked by Cognito.
        destination: Option<String>,
    },
    /// `SELECT_CHALLENGE`: how to sign in (`PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP`, …).
    Select {
        /// The choices Cognito offers.
        choices: Vec<String>,
    },
    /// `CUSTOM_CHALLENGE` (`CUSTOM_AUTH`): the app's own question, asked by its create auth
    /// challenge trigger; answered with free text.
    Custom {
        /// The trigger's `publicChallengeParameters` (`USERNAME` left out).
        parameters: std::collections::BTreeMap<String, String>,
    },
    /// `MFA_SETUP`: set up an authenticator app with this secret, then enter its code.
    MfaSetup {
        /// The TOTP secret (base32), shown once on the page and as a QR code.
        secret: Secret,
    },
    /// `WEB_AUTHN`: a passkey's answer to Cognito's request options, posted by the page's script.
    Passkey {
        /// Cognito offered the passkey in a `SELECT_CHALLENGE` (answered with `ANSWER=WEB_AUTHN`).
        via_select: bool,
    },
}

/// A sign-in half-way: the challenge, the name the user signed in with, and Cognito's `Session`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pending {
    /// What to ask.
    pub challenge: Challenge,
    /// The name the user typed (for `USERNAME` and `SECRET_HASH`).
    pub username: String,
    /// Cognito's `Session` (3 minutes).
    pub session: Secret,
}

/// What a step leads to.
// One per form post, moved once: boxing the signed-in variant would buy nothing. (The lint fires
// only in workspace test builds, where a test client turns on serde_json's `preserve_order` and
// its maps grow.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Step {
    /// Signed in: verified tokens and the profile.
    SignedIn(SignIn),
    /// Another challenge.
    Challenge(Pending),
    /// The account is not confirmed: the confirm page (a code was sent, or can be resent).
    ConfirmSignUp,
    /// A password reset is required: the reset page (a code was sent).
    ResetPassword,
}

/// The answer to a [`Challenge`].
#[derive(Debug)]
pub enum Answer<'a> {
    /// A new password (`NEW_PASSWORD_REQUIRED`).
    NewPassword(&'a str),
    /// A code (TOTP, e-mail, MFA set-up).
    Code(&'a str),
    /// A choice of `SELECT_CHALLENGE`, with the password when the choice needs one.
    Choice(&'a str, Option<&'a str>),
}

pub(crate) fn field<'a>(value: Option<&'a str>, what: &'static str) -> Result<&'a str, FormError> {
    let v = value.map(str::trim).unwrap_or("");
    if v.is_empty() || v.len() > MAX_FIELD {
        return Err(FormError::BadInput(what));
    }
    Ok(v)
}

/// Passwords are not trimmed: spaces may be part of one.
pub(crate) fn password(value: Option<&str>) -> Result<&str, FormError> {
    match value {
        Some(v) if !v.is_empty() && v.len() <= MAX_FIELD => Ok(v),
        _ => Err(FormError::BadInput("password")),
    }
}

fn params(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), Value::String((*v).to_string())))
        .collect()
}

impl CognitoForm {
    /// Signs in with a username and password: `USER_SRP_AUTH` (the password stays here) or
    /// `USER_PASSWORD_AUTH`, as configured.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        now: i64,
    ) -> Result<Step, FormError> {
        let reply = match self.inner.flow {
            PasswordFlow::Srp | PasswordFlow::CustomSrp => {
                self.srp_sign_in(username, password, None, now).await
            }
            PasswordFlow::Password => self
                .inner
                .api
                .initiate_auth(
                    "USER_PASSWORD_AUTH",
                    params(&[("USERNAME", username), ("PASSWORD", password)]),
                    username,
                )
                .await
                .map_err(Into::into),
        };
        self.next_after(reply, username, now).await
    }

    /// Starts a sign-in without a password: `USER_AUTH` preferring `EMAIL_OTP`.
    pub async fn sign_in_with_email_code(
        &self,
        username: &str,
        now: i64,
    ) -> Result<Step, FormError> {
        let reply = self
            .inner
            .api
            .initiate_auth(
                "USER_AUTH",
                params(&[("USERNAME", username), ("PREFERRED_CHALLENGE", "EMAIL_OTP")]),
                username,
            )
            .await
            .map_err(Into::into);
        self.next_after(reply, username, now).await
    }

    /// `USER_SRP_AUTH` up to the answer of `PASSWORD_VERIFIER` (or, with `session`, the
    /// `PASSWORD_SRP` choice of a `SELECT_CHALLENGE`).
    async fn srp_sign_in(
        &self,
        username: &str,
        password: &str,
        select: Option<&Secret>,
        now: i64,
    ) -> Result<AuthReply, FormError> {
        let client = SrpClient::new(&self.inner.pool_id).map_err(|e| {
            FormError::Provider(crate::provider::ProviderError::Config(e.to_string()))
        })?;
        let step = match self.srp_start(username, &client.srp_a(), select).await? {
            AuthReply::Challenge(c) if c.name == "PASSWORD_VERIFIER" => c,
            other => return Ok(other),
        };
        let p = |k: &str| step.parameters.get(k).map(String::as_str).unwrap_or("");
        let user_id = p("USER_ID_FOR_SRP");
        let timestamp = srp::timestamp(now);
        let signature = client
            .claim_signature(
                user_id,
                password,
                p("SALT"),
                p("SRP_B"),
                p("SECRET_BLOCK"),
                &timestamp,
            )
            .map_err(|e| {
                FormError::Service(crate::provider::cognito_api::CognitoApiError::Other {
                    kind: "SRP".into(),
                    message: e.to_string(),
                })
            })?;
        let answer = params(&[
            ("PASSWORD_CLAIM_SECRET_BLOCK", p("SECRET_BLOCK")),
            ("PASSWORD_CLAIM_SIGNATURE", &signature),
            ("TIMESTAMP", &timestamp),
        ]);
        Ok(self
            .inner
            .api
            .respond_to_auth_challenge(
                "PASSWORD_VERIFIER",
                step.session.as_ref(),
                user_id,
                username,
                answer,
            )
            .await?)
    }

    /// The SRP exchange's first call: `InitiateAuth` (`USER_SRP_AUTH`, or `CUSTOM_AUTH` proving
    /// the password by SRP first, whose define-auth-challenge trigger then asks its own
    /// questions), or the `PASSWORD_SRP` answer to a `SELECT_CHALLENGE`.
    async fn srp_start(
        &self,
        username: &str,
        srp_a: &str,
        select: Option<&Secret>,
    ) -> Result<AuthReply, FormError> {
        let api = &self.inner.api;
        let reply = match select {
            None if self.inner.flow == PasswordFlow::CustomSrp => {
                let srp = [
                    ("USERNAME", username),
                    ("SRP_A", srp_a),
                    ("CHALLENGE_NAME", "SRP_A"),
                ];
                api.initiate_auth("CUSTOM_AUTH", params(&srp), username)
                    .await?
            }
            None => {
                let srp = [("USERNAME", username), ("SRP_A", srp_a)];
                api.initiate_auth("USER_SRP_AUTH", params(&srp), username)
                    .await?
            }
            Some(session) => {
                let choice = [("ANSWER", "PASSWORD_SRP"), ("SRP_A", srp_a)];
                api.respond_to_auth_challenge(
                    "SELECT_CHALLENGE",
                    Some(session),
                    username,
                    username,
                    params(&choice),
                )
                .await?
            }
        };
        Ok(reply)
    }

    /// Answers the pending challenge.
    pub async fn answer(
        &self,
        pending: &Pending,
        answer: Answer<'_>,
        now: i64,
    ) -> Result<Step, FormError> {
        let api = &self.inner.api;
        let user = pending.username.as_str();
        let session = Some(&pending.session);
        let reply = match (&pending.challenge, answer) {
            (Challenge::MfaSetup { .. }, Answer::Code(code)) => {
                let next = api.verify_software_token(&pending.session, code).await?;
                api.respond_to_auth_challenge(
                    "MFA_SETUP",
                    next.as_ref().or(session),
                    user,
                    user,
                    Map::new(),
                )
                .await
            }
            (Challenge::Select { choices }, Answer::Choice(choice, pw))
                if choices.iter().any(|c| c == choice) =>
            {
                if let ("PASSWORD_SRP", Some(pw)) = (choice, pw) {
                    let reply = self.srp_sign_in(user, pw, session, now).await;
                    return self.next_after(reply, user, now).await;
                }
                let answer = match (choice, pw) {
                    ("PASSWORD", Some(pw)) => params(&[("ANSWER", "PASSWORD"), ("PASSWORD", pw)]),
                    ("PASSWORD" | "PASSWORD_SRP", None) => {
                        return Err(FormError::BadInput("password"))
                    }
                    (other, _) => params(&[("ANSWER", other)]),
                };
                api.respond_to_auth_challenge("SELECT_CHALLENGE", session, user, user, answer)
                    .await
            }
            (challenge, answer) => {
                let (name, key, value) =
                    plain_answer(challenge, &answer).ok_or(FormError::BadInput("answer"))?;
                api.respond_to_auth_challenge(name, session, user, user, params(&[(key, value)]))
                    .await
            }
        };
        self.next_after(reply.map_err(Into::into), user, now).await
    }

    /// What a reply leads to; the exceptions that have a page of their own become that step.
    pub(super) async fn next_after(
        &self,
        reply: Result<AuthReply, FormError>,
        username: &str,
        now: i64,
    ) -> Result<Step, FormError> {
        use crate::provider::cognito_api::CognitoApiError as C;
        let reply = match reply {
            Ok(r) => r,
            Err(FormError::Service(C::UserNotConfirmed(_))) => return Ok(Step::ConfirmSignUp),
            Err(FormError::Service(C::PasswordResetRequired(_))) => return Ok(Step::ResetPassword),
            Err(e) => return Err(e),
        };
        match reply {
            AuthReply::Tokens(t) => {
                let sign_in = self
                    .inner
                    .verifier
                    .sign_in_with_api_tokens(
                        ApiTokens {
                            id_token: &t.id_token,
                            access_token: &t.access_token,
                            refresh_token: t.refresh_token.as_ref(),
                            expires_in: t.expires_in,
                        },
                        now,
                    )
                    .await?;
                Ok(Step::SignedIn(sign_in))
            }
            AuthReply::Challenge(c) => self.pending(c, username).await.map(Step::Challenge),
        }
    }

    async fn pending(&self, c: ChallengeStep, username: &str) -> Result<Pending, FormError> {
        let session = c.session.clone().ok_or(FormError::StepExpired)?;
        let challenge = match c.name.as_str() {
            "NEW_PASSWORD_REQUIRED" => Challenge::NewPassword,
            "SOFTWARE_TOKEN_MFA" => Challenge::Totp,
            "EMAIL_OTP" => Challenge::EmailOtp {
                destination: Some(mask_address(username)),
            },
            "CUSTOM_CHALLENGE" => Challenge::Custom {
                parameters: c
                    .parameters
                    .iter()
                    .filter(|(k, _)| k.as_str() != "USERNAME")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            },
            "SELECT_CHALLENGE" => Challenge::Select {
                choices: c.available.clone(),
            },
            "MFA_SETUP" => {
                let (secret, next) = self.inner.api.associate_software_token(&session).await?;
                return Ok(Pending {
                    challenge: Challenge::MfaSetup { secret },
                    username: username.to_string(),
                    session: next.unwrap_or(session),
                });
            }
            other => {
                tracing::error!(challenge = %crate::logsafe::Clean(other), "Cognito asked for a challenge the form sign-in does not handle (SMS_MFA, CUSTOM_CHALLENGE, DEVICE_SRP_AUTH…); turn it off for this app client or use the hosted UI");
                return Err(FormError::Service(
                    crate::provider::cognito_api::CognitoApiError::Other {
                        kind: "UnsupportedChallenge".into(),
                        message: other.to_string(),
                    },
                ));
            }
        };
        Ok(Pending {
            challenge,
            username: username.to_string(),
            session,
        })
    }
}

/// How the e-mail code page names the address: from what was typed (`d***@e***`), never from
/// the account, so that a known address reads like an unknown one.
pub(crate) fn mask_address(typed: &str) -> String {
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    match typed.split_once('@') {
        Some((local, domain)) => format!("{}***@{}***", first(local), first(domain)),
        None => format!("{}***", first(typed)),
    }
}

/// The answers that are one parameter: the challenge's name, the parameter, and the value.
fn plain_answer<'a>(
    challenge: &Challenge,
    answer: &Answer<'a>,
) -> Option<(&'static str, &'static str, &'a str)> {
    match (challenge, answer) {
        (Challenge::NewPassword, Answer::NewPassword(new)) => {
            Some(("NEW_PASSWORD_REQUIRED", "NEW_PASSWORD", new))
        }
        (Challenge::Totp, Answer::Code(code)) => {
            Some(("SOFTWARE_TOKEN_MFA", "SOFTWARE_TOKEN_MFA_CODE", code))
        }
        (Challenge::EmailOtp { .. }, Answer::Code(code)) => {
            Some(("EMAIL_OTP", "EMAIL_OTP_CODE", code))
        }
        (Challenge::Custom { .. }, Answer::Code(text)) => {
            Some(("CUSTOM_CHALLENGE", "ANSWER", text))
        }
        _ => None,
    }
}
