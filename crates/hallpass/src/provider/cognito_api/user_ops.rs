//! The operations a signed-in user calls with their own access token (no AWS credentials): the
//! MFA settings (`GetUser`'s MFA lists, `AssociateSoftwareToken`, `VerifySoftwareToken`,
//! `SetUserMFAPreference`).

use serde_json::{json, Value};

use super::ops::{string, unusable};
use super::{CognitoApi, CognitoApiError};
use crate::provider::http::sanitize;
use crate::provider::Secret;

/// The user's MFA, as `GetUser` tells it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserMfa {
    /// `UserMFASettingList`: the factors on (`SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`, `SMS_MFA`).
    pub enabled: Vec<String>,
    /// `PreferredMfaSetting`: the factor asked for first, if one is set.
    pub preferred: Option<String>,
}

impl CognitoApi {
    /// `GetUser`'s MFA part for the user of `access_token`.
    pub async fn user_mfa(&self, access_token: &Secret) -> Result<UserMfa, CognitoApiError> {
        let reply = self
            .call("GetUser", &json!({ "AccessToken": access_token.expose() }))
            .await?;
        let enabled = match reply.get("UserMFASettingList") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(sanitize).collect(),
            _ => Vec::new(),
        };
        Ok(UserMfa {
            enabled,
            preferred: string(&reply, "PreferredMfaSetting").map(|s| sanitize(&s)),
        })
    }

    /// `AssociateSoftwareToken` for a signed-in user: a new TOTP secret, pending until
    /// [`CognitoApi::verify_user_software_token`] sees a code of it.
    pub async fn associate_user_software_token(
        &self,
        access_token: &Secret,
    ) -> Result<Secret, CognitoApiError> {
        let reply = self
            .call(
                "AssociateSoftwareToken",
                &json!({ "AccessToken": access_token.expose() }),
            )
            .await?;
        string(&reply, "SecretCode")
            .map(Secret::new)
            .ok_or_else(|| unusable("SecretCode"))
    }

    /// `VerifySoftwareToken` for a signed-in user: the pending secret becomes theirs once `code`
    /// is one of its codes.
    pub async fn verify_user_software_token(
        &self,
        access_token: &Secret,
        code: &str,
    ) -> Result<(), CognitoApiError> {
        let reply = self
            .call(
                "VerifySoftwareToken",
                &json!({ "AccessToken": access_token.expose(), "UserCode": code, "FriendlyDeviceName": "Authenticator" }),
            )
            .await?;
        if reply.get("Status").and_then(Value::as_str) != Some("SUCCESS") {
            return Err(CognitoApiError::CodeMismatch(
                "the code was not accepted".into(),
            ));
        }
        Ok(())
    }

    /// `SetUserMFAPreference` for the authenticator app: on or off, preferred or not.
    pub async fn set_user_totp_preference(
        &self,
        access_token: &Secret,
        enabled: bool,
        preferred: bool,
    ) -> Result<(), CognitoApiError> {
        let body = json!({
            "AccessToken": access_token.expose(),
            "SoftwareTokenMfaSettings": { "Enabled": enabled, "PreferredMfa": preferred },
        });
        self.call("SetUserMFAPreference", &body).await.map(|_| ())
    }
}
