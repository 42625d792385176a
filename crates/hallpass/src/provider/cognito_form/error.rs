//! Why a step of the form sign-in failed, as the pages tell it: a short code for the page's URL and
//! a message that never says whether an account exists.

use crate::provider::cognito_api::CognitoApiError;
use crate::provider::ProviderError;

/// A failed step of the Cognito form sign-in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// Wrong username or password, or no such user: the same answer for both.
    #[error("incorrect username or password")]
    Refused,
    /// A wrong code.
    #[error("the code is wrong")]
    CodeMismatch,
    /// An expired code.
    #[error("the code has expired")]
    CodeExpired,
    /// The new password breaks the pool's rules (Cognito's message, sanitised).
    #[error("the password does not meet the rules: {0}")]
    InvalidPassword(String),
    /// Too many attempts (Hallpass's limits or Cognito's).
    #[error("too many attempts; wait a few minutes")]
    TooMany,
    /// The multi-step sign-in's 3 minutes passed, or its cookie is gone.
    #[error("the sign-in step expired; start again")]
    StepExpired,
    /// A required field is missing or too long.
    #[error("the form is incomplete: {0}")]
    BadInput(&'static str),
    /// Cognito failed or is configured wrongly (the log has the cause and the fix).
    #[error("Cognito API: {0}")]
    Service(CognitoApiError),
    /// Something Hallpass needs (the session store keeping the attempt counts) did not answer.
    #[error("a service sign-in needs is unavailable")]
    Unavailable,
    /// The tokens Cognito returned did not pass verification.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The MFA page: the session's access token was refused (expired, revoked), or the session
    /// keeps none (`store_tokens` off, or another provider's session).
    #[error("the session cannot change MFA: {0}")]
    SignInAgain(&'static str),
    /// The MFA page: no authenticator set-up is pending (it expired, or was finished elsewhere).
    #[error("no authenticator set-up is pending")]
    SetUpExpired,
}

impl FormError {
    /// The code a page's URL carries (`?error=…`); never request text.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::CodeMismatch => "code",
            Self::CodeExpired => "expired-code",
            Self::InvalidPassword(_) => "password",
            Self::TooMany => "too-many",
            Self::StepExpired => "step-expired",
            Self::BadInput(_) => "input",
            Self::Service(_) | Self::Provider(_) | Self::Unavailable => "unavailable",
            Self::SignInAgain(_) => "signin-again",
            Self::SetUpExpired => "setup-expired",
        }
    }

    /// The message a page shows for `code`.
    pub fn message_for(code: &str) -> Option<&'static str> {
        Some(match code {
            "refused" => "Incorrect email or password.",
            "code" => "That code is not right. Check it and try again.",
            "expired-code" => "That code has expired. Ask for a new one.",
            "password" => "The password does not meet the rules below.",
            "too-many" => "Too many attempts. Wait a few minutes and try again.",
            "step-expired" => "That sign-in took too long. Please start again.",
            "input" => "Please fill in every field.",
            "unavailable" => "Sign-in is not available right now. Please try again later.",
            "csrf" => "Your form expired. Please try again.",
            "signin-again" => "Please sign in again to change how you sign in.",
            "setup-expired" => "That set-up took too long. Please start it again.",
            _ => return None,
        })
    }
}

impl From<CognitoApiError> for FormError {
    fn from(e: CognitoApiError) -> Self {
        use CognitoApiError as C;
        match e {
            C::NotAuthorized(ref m) if e.hint().is_none() && !m.contains("Invalid session") => {
                Self::Refused
            }
            C::UserNotFound(_) => Self::Refused,
            C::CodeMismatch(_) => Self::CodeMismatch,
            C::ExpiredCode(ref m) if m.contains("session") || m.contains("Session") => {
                Self::StepExpired
            }
            C::NotAuthorized(ref m) if m.contains("Invalid session") => Self::StepExpired,
            C::ExpiredCode(_) => Self::CodeExpired,
            C::InvalidPassword(m) => Self::InvalidPassword(m),
            C::LimitExceeded(_) | C::TooManyRequests(_) => Self::TooMany,
            other => Self::Service(other),
        }
    }
}
