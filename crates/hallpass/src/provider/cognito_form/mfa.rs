//! A signed-in user's MFA, with their access token: which factors are on, an authenticator app's
//! set-up (`AssociateSoftwareToken`, then `VerifySoftwareToken` and `SetUserMFAPreference`),
//! making it preferred, turning it off.

use serde::Serialize;

use super::error::FormError;
use super::CognitoForm;
use crate::provider::cognito_api::{CognitoApiError, UserMfa};
use crate::provider::Secret;

/// Cognito's name of the authenticator app factor.
pub(crate) const TOTP: &str = "SOFTWARE_TOKEN_MFA";

/// One factor of the MFA page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MfaFactor {
    /// Cognito's name (`SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`, `SMS_MFA`).
    pub id: String,
    /// What the user reads.
    pub label: &'static str,
    /// Whether it is on.
    pub on: bool,
    /// Whether it is the one asked for first.
    pub preferred: bool,
}

/// Which factors a user has on: the authenticator app always listed (on or off), the others
/// only when on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct MfaStatus {
    /// The factors.
    pub factors: Vec<MfaFactor>,
}

impl MfaStatus {
    fn from_user(u: &UserMfa) -> Self {
        let mut ids: Vec<&str> = vec![TOTP];
        ids.extend(u.enabled.iter().map(String::as_str).filter(|f| *f != TOTP));
        let factors = ids
            .into_iter()
            .map(|id| MfaFactor {
                id: id.to_string(),
                label: factor_label(id),
                on: u.enabled.iter().any(|e| e == id),
                preferred: u.preferred.as_deref() == Some(id),
            })
            .collect();
        Self { factors }
    }

    /// The authenticator app's row.
    pub fn totp(&self) -> Option<&MfaFactor> {
        self.factors.iter().find(|f| f.id == TOTP)
    }
}

fn factor_label(id: &str) -> &'static str {
    match id {
        TOTP => "Authenticator app",
        "EMAIL_OTP" => "Codes by e-mail",
        "SMS_MFA" => "Codes by text message",
        _ => "Another factor",
    }
}

/// An MFA call's refusal as the page tells it: a refused access token is "sign in again", a wrong
/// code is a wrong code (Cognito answers `EnableSoftwareTokenMFAException` for it).
pub(super) fn mfa_error(e: CognitoApiError) -> FormError {
    match e {
        CognitoApiError::NotAuthorized(_) if !e.is_config() => {
            tracing::debug!("MFA page: the access token was refused: {e}");
            FormError::SignInAgain("the access token was refused")
        }
        CognitoApiError::Other { ref kind, .. } if kind == "EnableSoftwareTokenMFAException" => {
            FormError::CodeMismatch
        }
        CognitoApiError::Other { ref kind, .. } if kind == "SoftwareTokenMFANotFoundException" => {
            FormError::SetUpExpired
        }
        CognitoApiError::UserNotFound(_) => FormError::SignInAgain("the user is gone"),
        other => other.into(),
    }
}

impl CognitoForm {
    /// The user's factors (`GetUser`).
    pub async fn mfa_status(&self, access_token: &str) -> Result<MfaStatus, FormError> {
        let u = self
            .inner
            .api
            .user_mfa(&Secret::new(access_token))
            .await
            .map_err(mfa_error)?;
        Ok(MfaStatus::from_user(&u))
    }

    /// Starts an authenticator app's set-up: the new secret (base32) to show the user.
    pub async fn start_totp(&self, access_token: &str) -> Result<Secret, FormError> {
        self.inner
            .api
            .associate_user_software_token(&Secret::new(access_token))
            .await
            .map_err(mfa_error)
    }

    /// Finishes the set-up with a code of the new secret: the app is on, and preferred.
    pub async fn finish_totp(&self, access_token: &str, code: &str) -> Result<(), FormError> {
        let token = Secret::new(access_token);
        let api = &self.inner.api;
        api.verify_user_software_token(&token, code)
            .await
            .map_err(mfa_error)?;
        api.set_user_totp_preference(&token, true, true)
            .await
            .map_err(mfa_error)
    }

    /// Makes the authenticator app the factor asked for first.
    pub async fn prefer_totp(&self, access_token: &str) -> Result<(), FormError> {
        self.inner
            .api
            .set_user_totp_preference(&Secret::new(access_token), true, true)
            .await
            .map_err(mfa_error)
    }

    /// Turns the authenticator app off.
    pub async fn turn_off_totp(&self, access_token: &str) -> Result<(), FormError> {
        self.inner
            .api
            .set_user_totp_preference(&Secret::new(access_token), false, false)
            .await
            .map_err(mfa_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_is_always_listed_and_other_factors_only_when_on() {
        let off = MfaStatus::from_user(&UserMfa::default());
        assert_eq!(off.factors.len(), 1);
        assert!(!off.totp().unwrap().on);
        let both = MfaStatus::from_user(&UserMfa {
            enabled: vec!["EMAIL_OTP".into(), TOTP.into()],
            preferred: Some("EMAIL_OTP".into()),
        });
        assert_eq!(both.factors.len(), 2);
        assert!(both.totp().unwrap().on && !both.totp().unwrap().preferred);
        assert!(both.factors[1].preferred && both.factors[1].label == "Codes by e-mail");
    }
}
