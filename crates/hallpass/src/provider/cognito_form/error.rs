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
    /// Cognito refused the passkey's answer: a passkey of another site, a replayed or tampered
    /// assertion, a passkey that was deleted.
    #[error("the passkey was not accepted")]
    PasskeyRefused,
    /// Cognito offers no passkey challenge for that name (no passkey, or no such user: the same
    /// answer for both).
    #[error("no passkey for that username")]
    NoPasskey,
    /// The browser's passkey answer is not a WebAuthn credential (malformed JSON, wrong shape).
    #[error("the passkey answer is malformed: {0}")]
    BadCredential(&'static str),
    /// A passkey form was posted without the script (JavaScript off, or no WebAuthn).
    #[error("passkeys need the page's script")]
    PasskeyNeedsScript,
    /// Passkeys cannot work until the deployment is fixed: the pool or app client does not allow
    /// them, or the browser refused the pool's relying party for this site (`SecurityError`). The
    /// log line says what to change.
    #[error("passkeys are not set up for this site (the log says what to change)")]
    PasskeysUnavailable,
    /// The authenticator already holds a passkey for this account (`InvalidStateError`).
    #[error("the authenticator already has a passkey for this account")]
    PasskeyExists,
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
            Self::PasskeyRefused => "passkey-refused",
            Self::NoPasskey => "no-passkey",
            Self::BadCredential(_) => "passkey-input",
            Self::PasskeyNeedsScript => "passkey-script",
            Self::PasskeyExists => "passkey-exists",
            Self::PasskeysUnavailable => "passkeys-off",
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
            "passkey-refused" => "That passkey was not accepted. Use a passkey saved for this site, or sign in another way.",
            "no-passkey" => "There is no passkey for that address on this site. Sign in another way, then add one from your account.",
            "passkey-input" => "The passkey's answer could not be read. Please try again.",
            "passkey-script" => "Passkeys need JavaScript and a browser that supports them. Please sign in another way.",
            "passkey-exists" => "This device already has a passkey for your account.",
            "passkeys-off" => "Passkeys are not available on this site right now. Please sign in another way.",
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
