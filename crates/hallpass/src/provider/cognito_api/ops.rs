//! The operations a sign-in page needs, with Cognito's request and reply shapes.

use std::collections::BTreeMap;

use secrecy::ExposeSecret as _;
use serde_json::{json, Map, Value};

use super::{CognitoApi, CognitoApiError};
use crate::provider::http::sanitize;
use crate::provider::Secret;

/// `AuthenticationResult`: the tokens of a finished sign-in or refresh.
#[derive(Debug, Clone)]
pub struct AuthTokens {
    /// `AccessToken`.
    pub access_token: Secret,
    /// `IdToken`.
    pub id_token: Secret,
    /// `RefreshToken` (absent on a refresh that does not rotate).
    pub refresh_token: Option<Secret>,
    /// `ExpiresIn`, seconds.
    pub expires_in: i64,
}

/// A challenge to answer: `ChallengeName`, `ChallengeParameters`, `Session`.
#[derive(Debug, Clone)]
pub struct ChallengeStep {
    /// `ChallengeName` (`PASSWORD_VERIFIER`, `NEW_PASSWORD_REQUIRED`, `SOFTWARE_TOKEN_MFA`, …).
    pub name: String,
    /// `ChallengeParameters`.
    pub parameters: BTreeMap<String, String>,
    /// `Session`: names this sign-in at Cognito for 3 minutes.
    pub session: Option<Secret>,
    /// `AvailableChallenges` (`USER_AUTH`'s choices: `PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP`, …).
    pub available: Vec<String>,
}

/// What `InitiateAuth` and `RespondToAuthChallenge` answer: tokens, or the next challenge.
#[derive(Debug, Clone)]
pub enum AuthReply {
    /// Signed in.
    Tokens(AuthTokens),
    /// One more step.
    Challenge(ChallengeStep),
}

/// `CodeDeliveryDetails`: where a code went (`a***@e***`), to tell the user.
#[derive(Debug, Clone, Default)]
pub struct CodeDelivery {
    /// `Destination`, masked by Cognito.
    pub destination: Option<String>,
    /// `DeliveryMedium` (`EMAIL`, `SMS`).
    pub medium: Option<String>,
}

pub(super) fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub(super) fn unusable(what: &str) -> CognitoApiError {
    CognitoApiError::Other {
        kind: "UnusableReply".into(),
        message: format!("the reply has no usable {what}"),
    }
}

fn tokens(result: &Map<String, Value>) -> Result<AuthTokens, CognitoApiError> {
    Ok(AuthTokens {
        access_token: Secret::new(
            string(result, "AccessToken").ok_or_else(|| unusable("AccessToken"))?,
        ),
        id_token: Secret::new(string(result, "IdToken").ok_or_else(|| unusable("IdToken"))?),
        refresh_token: string(result, "RefreshToken").map(Secret::new),
        expires_in: result
            .get("ExpiresIn")
            .and_then(Value::as_i64)
            .unwrap_or(300),
    })
}

fn auth_reply(body: &Map<String, Value>) -> Result<AuthReply, CognitoApiError> {
    if let Some(Value::Object(result)) = body.get("AuthenticationResult") {
        return tokens(result).map(AuthReply::Tokens);
    }
    let name = string(body, "ChallengeName")
        .ok_or_else(|| unusable("AuthenticationResult or ChallengeName"))?;
    let parameters = match body.get("ChallengeParameters") {
        Some(Value::Object(p)) => p
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    };
    Ok(AuthReply::Challenge(ChallengeStep {
        name: sanitize(&name),
        parameters,
        session: string(body, "Session").map(Secret::new),
        available: match body.get("AvailableChallenges") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(sanitize).collect(),
            _ => Vec::new(),
        },
    }))
}

fn delivery(body: &Map<String, Value>) -> CodeDelivery {
    match body.get("CodeDeliveryDetails") {
        Some(Value::Object(d)) => CodeDelivery {
            destination: string(d, "Destination").map(|s| sanitize(&s)),
            medium: string(d, "DeliveryMedium").map(|s| sanitize(&s)),
        },
        _ => CodeDelivery::default(),
    }
}

impl CognitoApi {
    fn with_secret_hash(&self, map: &mut Map<String, Value>, key: &str, username: &str) {
        if let Some(h) = self.secret_hash(username) {
            map.insert(key.into(), Value::String(h));
        }
    }

    /// `InitiateAuth` with `flow` (`USER_SRP_AUTH`, `USER_PASSWORD_AUTH`, `USER_AUTH`,
    /// `REFRESH_TOKEN_AUTH`) and its `AuthParameters`; `SECRET_HASH` is added for `secret_hash_for`.
    pub async fn initiate_auth(
        &self,
        flow: &str,
        mut params: Map<String, Value>,
        secret_hash_for: &str,
    ) -> Result<AuthReply, CognitoApiError> {
        self.with_secret_hash(&mut params, "SECRET_HASH", secret_hash_for);
        let body =
            json!({ "AuthFlow": flow, "ClientId": self.client_id, "AuthParameters": params });
        auth_reply(&self.call("InitiateAuth", &body).await?)
    }

    /// `RespondToAuthChallenge`; `USERNAME` and `SECRET_HASH` (over `secret_hash_for`, the name the
    /// user signed in with) are added to the responses.
    pub async fn respond_to_auth_challenge(
        &self,
        name: &str,
        session: Option<&Secret>,
        username: &str,
        secret_hash_for: &str,
        mut responses: Map<String, Value>,
    ) -> Result<AuthReply, CognitoApiError> {
        responses.insert("USERNAME".into(), Value::String(username.into()));
        self.with_secret_hash(&mut responses, "SECRET_HASH", secret_hash_for);
        let mut body = json!({ "ChallengeName": name, "ClientId": self.client_id, "ChallengeResponses": responses });
        if let Some(s) = session {
            body["Session"] = Value::String(s.expose().into());
        }
        auth_reply(&self.call("RespondToAuthChallenge", &body).await?)
    }

    /// `SignUp`: whether the user is confirmed already, and where the code went.
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: &[(&str, &str)],
    ) -> Result<(bool, CodeDelivery), CognitoApiError> {
        let attrs: Vec<Value> = attributes
            .iter()
            .map(|(n, v)| json!({ "Name": n, "Value": v }))
            .collect();
        let mut body = json!({ "ClientId": self.client_id, "Username": username, "Password": password, "UserAttributes": attrs });
        self.add_hash(&mut body, username);
        let reply = self.call("SignUp", &body).await?;
        let confirmed = reply
            .get("UserConfirmed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok((confirmed, delivery(&reply)))
    }

    fn add_hash(&self, body: &mut Value, username: &str) {
        if let (Some(h), Some(map)) = (self.secret_hash(username), body.as_object_mut()) {
            map.insert("SecretHash".into(), Value::String(h));
        }
    }

    /// `ConfirmSignUp` with the code the user received.
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<(), CognitoApiError> {
        let mut body =
            json!({ "ClientId": self.client_id, "Username": username, "ConfirmationCode": code });
        self.add_hash(&mut body, username);
        self.call("ConfirmSignUp", &body).await.map(|_| ())
    }

    /// `ResendConfirmationCode`.
    pub async fn resend_confirmation_code(
        &self,
        username: &str,
    ) -> Result<CodeDelivery, CognitoApiError> {
        let mut body = json!({ "ClientId": self.client_id, "Username": username });
        self.add_hash(&mut body, username);
        Ok(delivery(&self.call("ResendConfirmationCode", &body).await?))
    }

    /// `ForgotPassword`: sends a reset code.
    pub async fn forgot_password(&self, username: &str) -> Result<CodeDelivery, CognitoApiError> {
        let mut body = json!({ "ClientId": self.client_id, "Username": username });
        self.add_hash(&mut body, username);
        Ok(delivery(&self.call("ForgotPassword", &body).await?))
    }

    /// `ConfirmForgotPassword`: the code and the new password.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        password: &str,
    ) -> Result<(), CognitoApiError> {
        let mut body = json!({ "ClientId": self.client_id, "Username": username, "ConfirmationCode": code, "Password": password });
        self.add_hash(&mut body, username);
        self.call("ConfirmForgotPassword", &body).await.map(|_| ())
    }

    /// `GetTokensFromRefreshToken` (for clients that rotate refresh tokens).
    pub async fn get_tokens_from_refresh_token(
        &self,
        refresh_token: &str,
    ) -> Result<AuthTokens, CognitoApiError> {
        let mut body = json!({ "ClientId": self.client_id, "RefreshToken": refresh_token });
        if let Some(s) = &self.client_secret {
            body["ClientSecret"] = Value::String(s.expose_secret().into());
        }
        match self
            .call("GetTokensFromRefreshToken", &body)
            .await?
            .get("AuthenticationResult")
        {
            Some(Value::Object(r)) => tokens(r),
            _ => Err(unusable("AuthenticationResult")),
        }
    }

    /// `RevokeToken`: ends the refresh token and the tokens issued from it.
    pub async fn revoke_token(&self, refresh_token: &str) -> Result<(), CognitoApiError> {
        let mut body = json!({ "ClientId": self.client_id, "Token": refresh_token });
        if let Some(s) = &self.client_secret {
            body["ClientSecret"] = Value::String(s.expose_secret().into());
        }
        self.call("RevokeToken", &body).await.map(|_| ())
    }

    /// `AssociateSoftwareToken` in an `MFA_SETUP` challenge: the TOTP secret and the next `Session`.
    pub async fn associate_software_token(
        &self,
        session: &Secret,
    ) -> Result<(Secret, Option<Secret>), CognitoApiError> {
        let reply = self
            .call(
                "AssociateSoftwareToken",
                &json!({ "Session": session.expose() }),
            )
            .await?;
        let secret = string(&reply, "SecretCode").ok_or_else(|| unusable("SecretCode"))?;
        Ok((
            Secret::new(secret),
            string(&reply, "Session").map(Secret::new),
        ))
    }

    /// `VerifySoftwareToken` in an `MFA_SETUP` challenge: the next `Session` once the code is right.
    pub async fn verify_software_token(
        &self,
        session: &Secret,
        code: &str,
    ) -> Result<Option<Secret>, CognitoApiError> {
        let reply = self
            .call("VerifySoftwareToken", &json!({ "Session": session.expose(), "UserCode": code, "FriendlyDeviceName": "Authenticator" }))
            .await?;
        if reply.get("Status").and_then(Value::as_str) != Some("SUCCESS") {
            return Err(CognitoApiError::CodeMismatch(
                "the code was not accepted".into(),
            ));
        }
        Ok(string(&reply, "Session").map(Secret::new))
    }
}
