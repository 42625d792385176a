//! The account steps of the form sign-in: sign-up (which also meets existing addresses),
//! confirmation, resend, forgot and reset. Each answers the same for every address.

use serde::{Deserialize, Serialize};

use super::error::FormError;
use super::CognitoForm;
use crate::provider::Secret;

/// The password typed on the sign-up page, kept (encrypted, in this browser only) until the
/// e-mailed code proves the address. When the address already had an account, the code is a
/// reset code and the password becomes the account's: whoever reads the mailbox ends up with the
/// password they chose, and a password someone else registered for that address never works
/// after it. The same shape whatever the case, so the cookie does not tell them apart.
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct SignUpIntent {
    pub(crate) password: Secret,
    /// What the code finishes: [`Finish::Confirm`] or [`Finish::Reset`], as one digit.
    pub(crate) finish: u8,
}

/// What the e-mailed code of a sign-up finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finish {
    /// A new account: `ConfirmSignUp`, then sign in with the password.
    Confirm = 0,
    /// An existing account: `ConfirmForgotPassword` with the password, then sign in.
    Reset = 1,
    /// An existing unconfirmed account where Cognito refuses a reset (real Cognito): confirm it,
    /// then a reset code sets the password.
    ConfirmThenReset = 2,
}

impl SignUpIntent {
    pub(crate) fn new(password: &str, finish: Finish) -> Self {
        Self {
            password: Secret::new(password),
            finish: finish as u8,
        }
    }

    pub(crate) fn finish(&self) -> Finish {
        match self.finish {
            1 => Finish::Reset,
            2 => Finish::ConfirmThenReset,
            _ => Finish::Confirm,
        }
    }
}

impl CognitoForm {
    /// `SignUp` with the e-mail address as the username (and `email` attribute), plus `name` if
    /// given. When the address has an account already (confirmed or not), a reset code goes to it
    /// instead, and the code step sets the password typed here: see [`SignUpIntent`]. Which
    /// case it was is not told: the next step is the code page either way.
    ///
    pub(crate) async fn sign_up_or_reset(
        &self,
        email: &str,
        password: &str,
        name: Option<&str>,
    ) -> Result<Finish, FormError> {
        use crate::provider::cognito_api::CognitoApiError as C;
        let mut attrs = vec![("email", email)];
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            attrs.push(("name", n));
        }
        match self.inner.api.sign_up(email, password, &attrs).await {
            Ok(_) => return Ok(Finish::Confirm),
            Err(C::UsernameExists(_)) => {}
            Err(e) => return Err(e.into()),
        }
        match self.inner.api.forgot_password(email).await {
            Ok(_) => Ok(Finish::Reset),
            // Real Cognito will not reset an unconfirmed account: confirm it with a code first.
            Err(C::InvalidParameter(_)) => {
                self.resend(email).await?;
                Ok(Finish::ConfirmThenReset)
            }
            Err(e) => hide_unknown(e).map(|()| Finish::Reset),
        }
    }

    /// The code step of a sign-up: what the code finishes. `Ok(true)`: done, the account has the
    /// password chosen. `Ok(false)`: the account is confirmed but its password may be someone
    /// else's (Cognito would not reset it unconfirmed); a reset code was sent, and the next code
    /// sets the password.
    pub(crate) async fn finish_sign_up(
        &self,
        username: &str,
        code: &str,
        password: &str,
        finish: Finish,
    ) -> Result<bool, FormError> {
        match finish {
            Finish::Confirm => self.confirm(username, code).await.map(|()| true),
            Finish::Reset => self.reset(username, code, password).await.map(|()| true),
            Finish::ConfirmThenReset => {
                self.confirm(username, code).await?;
                self.forgot(username).await.map(|()| false)
            }
        }
    }

    /// `ConfirmSignUp`. Every refusal of the code is [`FormError::CodeMismatch`]: whether the
    /// address has an account, is confirmed already or has a code pending is not told.
    pub async fn confirm(&self, username: &str, code: &str) -> Result<(), FormError> {
        self.inner
            .api
            .confirm_sign_up(username, code)
            .await
            .map_err(|e| one_code_error(e.into()))
    }

    /// `ResendConfirmationCode`; an unknown user gets the same answer.
    pub async fn resend(&self, username: &str) -> Result<(), FormError> {
        match self.inner.api.resend_confirmation_code(username).await {
            Ok(_) => Ok(()),
            Err(e) => hide_unknown(e),
        }
    }

    /// `ForgotPassword`; an unknown user gets the same answer.
    pub async fn forgot(&self, username: &str) -> Result<(), FormError> {
        match self.inner.api.forgot_password(username).await {
            Ok(_) => Ok(()),
            Err(e) => hide_unknown(e),
        }
    }

    /// `ConfirmForgotPassword`.
    pub async fn reset(&self, username: &str, code: &str, password: &str) -> Result<(), FormError> {
        match self
            .inner
            .api
            .confirm_forgot_password(username, code, password)
            .await
        {
            Ok(()) => Ok(()),
            // An unknown user is told what a wrong or expired code is told.
            Err(e) => Err(one_code_error(e.into())),
        }
    }
}

/// A code step's refusal, the same whatever the account: a wrong, expired or unusable code, an
/// unknown or already confirmed user are all "that code is not right".
fn one_code_error(e: FormError) -> FormError {
    match e {
        FormError::Refused | FormError::CodeExpired | FormError::CodeMismatch => {
            FormError::CodeMismatch
        }
        other => other,
    }
}

/// Resend and forgot answer an unknown (or, for resend, already confirmed) user as a known one.
fn hide_unknown(e: crate::provider::cognito_api::CognitoApiError) -> Result<(), FormError> {
    use crate::provider::cognito_api::CognitoApiError as C;
    match e {
        C::UserNotFound(_) => Ok(()),
        C::InvalidParameter(ref m) if m.contains("already confirmed") => Ok(()),
        other => Err(other.into()),
    }
}
