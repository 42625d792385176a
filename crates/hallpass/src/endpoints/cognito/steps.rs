//! What a POST to `{base}/cognito/{action}` asks for, parsed once at the edge: the action from the
//! path (an unknown one is a 404) and each action's fields as a `Deserialize` struct. The route
//! names are written once, in [`ROUTES`].

use axum::extract::{FromRequestParts, Path};
use http::request::Parts;
use serde::Deserialize;

use super::model::PageStep;
use crate::error::Error;

/// A form action of the Cognito form sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormAction {
    /// E-mail and password.
    SignIn,
    /// An e-mailed sign-in code instead of the password.
    CodeSignIn,
    /// The answer to the pending challenge.
    Challenge,
    /// A new account.
    SignUp,
    /// The sign-up code.
    Confirm,
    /// Another sign-up code.
    Resend,
    /// Ask for a reset code.
    Forgot,
    /// The reset code and a new password.
    Reset,
    /// A signed-in user's MFA page: the code that finishes an authenticator app's set-up.
    Mfa,
    /// Start an authenticator app's set-up (a new secret).
    MfaSetUp,
    /// Make the authenticator app the preferred factor.
    MfaPrefer,
    /// Turn the authenticator app off.
    MfaOff,
    /// The sign-in page's passkey form without the script: says passkeys need it.
    PasskeySignIn,
    /// The passkeys page's "add a passkey" form without the script: says passkeys need it.
    Passkeys,
    /// Delete one of the signed-in user's passkeys.
    PasskeyDelete,
}

/// The route of each action under `{base}/cognito/`: the only place the names are written.
const ROUTES: [(FormAction, &str); 15] = [
    (FormAction::SignIn, "signin"),
    (FormAction::CodeSignIn, "code-signin"),
    (FormAction::Challenge, "challenge"),
    (FormAction::SignUp, "signup"),
    (FormAction::Confirm, "confirm"),
    (FormAction::Resend, "resend"),
    (FormAction::Forgot, "forgot"),
    (FormAction::Reset, "reset"),
    (FormAction::Mfa, "mfa"),
    (FormAction::MfaSetUp, "mfa-setup"),
    (FormAction::MfaPrefer, "mfa-prefer"),
    (FormAction::MfaOff, "mfa-off"),
    (FormAction::PasskeySignIn, "passkey-signin"),
    (FormAction::Passkeys, "passkeys"),
    (FormAction::PasskeyDelete, "passkey-delete"),
];

impl FormAction {
    /// The route under `{base}/cognito/`.
    pub(crate) fn path(self) -> &'static str {
        ROUTES
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, p)| p)
    }

    /// The action of `page`'s main form.
    pub(crate) fn of_page(page: PageStep) -> Self {
        match page {
            PageStep::SignIn => Self::SignIn,
            PageStep::Challenge => Self::Challenge,
            PageStep::SignUp => Self::SignUp,
            PageStep::Confirm => Self::Confirm,
            PageStep::Forgot => Self::Forgot,
            PageStep::Reset => Self::Reset,
            PageStep::Mfa => Self::Mfa,
            PageStep::Passkeys => Self::Passkeys,
        }
    }

    /// What the attempt limits count it as: every action that checks a code shares `code`.
    pub(crate) fn limit(self) -> &'static str {
        match self {
            Self::Challenge | Self::Confirm | Self::Reset | Self::Mfa => "code",
            other => other.path(),
        }
    }

    /// The page a failed attempt goes back to (and, for the main form of a page, its own page).
    pub(crate) fn page(self) -> PageStep {
        match self {
            Self::SignIn | Self::CodeSignIn | Self::PasskeySignIn => PageStep::SignIn,
            Self::Challenge => PageStep::Challenge,
            Self::SignUp => PageStep::SignUp,
            Self::Confirm | Self::Resend => PageStep::Confirm,
            Self::Forgot => PageStep::Forgot,
            Self::Reset => PageStep::Reset,
            Self::Mfa | Self::MfaSetUp | Self::MfaPrefer | Self::MfaOff => PageStep::Mfa,
            Self::Passkeys | Self::PasskeyDelete => PageStep::Passkeys,
        }
    }
}

/// What the passkey script asks of `POST {base}/cognito/passkey/{op}` (answered with JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PasskeyOp {
    /// The request options for a sign-in (`username`).
    SignInOptions,
    /// The browser's assertion (`credential`): signs in.
    SignIn,
    /// The creation options of a new passkey for the signed-in user.
    AddOptions,
    /// The browser's new credential (`credential`): adds it.
    Add,
}

/// The route of each passkey operation under `{base}/cognito/passkey/`.
const PASSKEY_ROUTES: [(PasskeyOp, &str); 4] = [
    (PasskeyOp::SignInOptions, "signin-options"),
    (PasskeyOp::SignIn, "signin"),
    (PasskeyOp::AddOptions, "add-options"),
    (PasskeyOp::Add, "add"),
];

impl PasskeyOp {
    /// The route under `{base}/cognito/passkey/`.
    pub(crate) fn path(self) -> &'static str {
        PASSKEY_ROUTES
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, p)| p)
    }

    /// The page a failure goes back to.
    pub(crate) fn page(self) -> PageStep {
        match self {
            Self::SignInOptions | Self::SignIn => PageStep::SignIn,
            Self::AddOptions | Self::Add => PageStep::Passkeys,
        }
    }

    /// What the attempt limits count it as: an answer checks a secret (`signin`); asking for
    /// options counts every request.
    pub(crate) fn limit(self) -> &'static str {
        match self {
            Self::SignIn => "signin",
            Self::SignInOptions => "passkey-options",
            Self::AddOptions | Self::Add => "passkey-add",
        }
    }
}

impl RouteName for PasskeyOp {
    fn from_route(path: &str) -> Option<Self> {
        PASSKEY_ROUTES
            .iter()
            .find(|(_, p)| *p == path)
            .map(|(a, _)| *a)
    }
}

/// A name in the path that parses into a step.
pub(crate) trait RouteName: Sized {
    /// The step for `path`, if there is one.
    fn from_route(path: &str) -> Option<Self>;
}

impl RouteName for FormAction {
    fn from_route(path: &str) -> Option<Self> {
        ROUTES.iter().find(|(_, p)| *p == path).map(|(a, _)| *a)
    }
}

impl RouteName for PageStep {
    fn from_route(path: &str) -> Option<Self> {
        PageStep::from_path(path)
    }
}

/// `{step}` of the path, parsed: an unknown step is a 404 before anything else runs.
pub(crate) struct Step<T>(pub(crate) T);

impl<S: Send + Sync, T: RouteName> FromRequestParts<S> for Step<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let method = parts.method.to_string();
        let unknown = |step: &str| Error::UnknownStep {
            method: method.clone(),
            step: crate::logsafe::Clean(step)
                .to_string()
                .chars()
                .take(100)
                .collect(),
        };
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| unknown(""))?;
        T::from_route(&name).map(Step).ok_or_else(|| unknown(&name))
    }
}

/// Fields every action's form may carry besides its own.
#[derive(Deserialize, Default)]
pub(crate) struct Common {
    /// Where to go after signing in.
    #[serde(rename = "callbackUrl")]
    pub(crate) callback_url: Option<String>,
}

/// `signin`: e-mail and password.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SignInFields {
    pub(crate) username: String,
    pub(crate) password: String,
}

/// `code-signin`, `resend`, `forgot`: the address only.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct AddressFields {
    pub(crate) username: String,
}

/// `signup`: the address, an optional name, the password.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SignUpFields {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) name: String,
}

/// `confirm`: the address and the code.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ConfirmFields {
    pub(crate) username: String,
    pub(crate) code: String,
}

/// `reset`: the address, the code, the new password.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ResetFields {
    pub(crate) username: String,
    pub(crate) code: String,
    pub(crate) password: String,
}

/// `mfa`: a code of the authenticator app being set up.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CodeFields {
    pub(crate) code: String,
}

/// `passkey/signin-options`: the address.
/// `passkey/signin`, `passkey/add`: the browser's answer (JSON), or the name of the error the
/// browser raised instead (`SecurityError`, …) for the server log.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct PasskeyFields {
    pub(crate) username: String,
    pub(crate) credential: String,
    #[serde(rename = "clientError")]
    pub(crate) client_error: String,
}

/// `passkey-delete`: the credential id.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct PasskeyDeleteFields {
    #[serde(rename = "credentialId")]
    pub(crate) credential_id: String,
}

/// `challenge`: whichever of these the pending challenge asks for.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ChallengeFields {
    pub(crate) code: String,
    pub(crate) password: String,
    pub(crate) answer: String,
}

/// Page steps and their paths: the names are the route table's (`ROUTES` above).
impl PageStep {
    /// The route under `{base}/cognito/` (its main form posts to the same route).
    pub fn path(self) -> &'static str {
        FormAction::of_page(self).path()
    }

    /// The step for a route name.
    pub fn from_path(path: &str) -> Option<Self> {
        [
            Self::SignIn,
            Self::Challenge,
            Self::SignUp,
            Self::Confirm,
            Self::Forgot,
            Self::Reset,
            Self::Mfa,
            Self::Passkeys,
        ]
        .into_iter()
        .find(|s| s.path() == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_route_and_parses_back() {
        for (action, path) in ROUTES {
            assert_eq!(action.path(), path);
            assert_eq!(FormAction::from_route(path), Some(action));
            assert_eq!(ROUTES.iter().filter(|(_, p)| *p == path).count(), 1);
        }
        for page in [
            PageStep::SignIn,
            PageStep::Challenge,
            PageStep::SignUp,
            PageStep::Confirm,
            PageStep::Forgot,
            PageStep::Reset,
            PageStep::Mfa,
            PageStep::Passkeys,
        ] {
            let own =
                FormAction::from_route(page.path()).expect("a page's form posts to its route");
            assert_eq!(own.page(), page);
        }
    }

    #[test]
    fn unknown_actions_are_no_action() {
        for path in [
            "", "Reset", "reset/", "resets", "sign-in", "../reset", "reset\0",
        ] {
            assert_eq!(FormAction::from_route(path), None, "{path:?}");
        }
    }
}
