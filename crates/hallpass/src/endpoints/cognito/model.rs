//! The page model of the Cognito form sign-in: for each step, the fields, the error, the notice and
//! where the form posts. The built-in pages render it with one template; an app renders it with its
//! own (see [`Hallpass::cognito_page`](crate::Hallpass::cognito_page)) or reads it as JSON
//! (`Accept: application/json` on any of the GET routes).

use serde::Serialize;

use crate::provider::{Challenge, FormError, MfaStatus};

/// A page of the form sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageStep {
    /// `{base}/cognito/signin`: e-mail and password, or an e-mail code.
    SignIn,
    /// `{base}/cognito/challenge`: the pending challenge (new password, TOTP, e-mail code, choice,
    /// authenticator set-up).
    Challenge,
    /// `{base}/cognito/signup`.
    SignUp,
    /// `{base}/cognito/confirm`: the sign-up code, and resending it.
    Confirm,
    /// `{base}/cognito/forgot`: ask for a reset code.
    Forgot,
    /// `{base}/cognito/reset`: the code and a new password.
    Reset,
    /// `{base}/cognito/mfa`: a signed-in user's MFA (which factors are on, an authenticator app's
    /// set-up, preferred, off). Its model needs the session:
    /// [`Hallpass::cognito_mfa_page`](crate::Hallpass::cognito_mfa_page).
    Mfa,
    /// `{base}/cognito/passkeys`: a signed-in user's passkeys (list, add, delete), when passkeys
    /// are on. Its model needs the session:
    /// [`Hallpass::cognito_passkeys_page`](crate::Hallpass::cognito_passkeys_page).
    Passkeys,
}

/// One input.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PageField {
    /// The form field's name.
    pub name: &'static str,
    /// Its label.
    pub label: &'static str,
    /// The input type (`email`, `password`, `text`).
    pub input_type: &'static str,
    /// The `autocomplete` token (`username`, `current-password`, `new-password`, `one-time-code`).
    pub autocomplete: &'static str,
    /// `inputmode` (`numeric` for codes), if any.
    pub inputmode: Option<&'static str>,
    /// A value to show (only ever the e-mail address or the name the user typed).
    pub value: Option<String>,
    /// Whether the form needs it.
    pub required: bool,
}

impl PageField {
    fn new(
        name: &'static str,
        label: &'static str,
        input_type: &'static str,
        autocomplete: &'static str,
    ) -> Self {
        Self {
            name,
            label,
            input_type,
            autocomplete,
            inputmode: None,
            value: None,
            required: true,
        }
    }
    pub(crate) fn email(value: Option<String>) -> Self {
        Self {
            value,
            ..Self::new("username", "Email", "email", "username")
        }
    }
    pub(crate) fn password() -> Self {
        Self::new("password", "Password", "password", "current-password")
    }
    pub(crate) fn new_password() -> Self {
        Self::new("password", "New password", "password", "new-password")
    }
    pub(crate) fn code(label: &'static str) -> Self {
        Self {
            inputmode: Some("numeric"),
            ..Self::new("code", label, "text", "one-time-code")
        }
    }
    pub(crate) fn name() -> Self {
        Self {
            required: false,
            ..Self::new("name", "Name (optional)", "text", "name")
        }
    }
    /// A custom challenge's answer: free text.
    pub(crate) fn answer() -> Self {
        Self::new("answer", "Your answer", "text", "off")
    }
    pub(crate) fn with_value(self, value: Option<String>) -> Self {
        Self { value, ..self }
    }
    pub(crate) fn optional(self) -> Self {
        Self {
            required: false,
            ..self
        }
    }
}

/// A second, smaller form on the page (resend a code, e-mail me a code).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExtraForm {
    /// Where it posts.
    pub action: String,
    /// Its button.
    pub label: &'static str,
    /// Hidden fields besides `csrfToken` and `callbackUrl`.
    pub hidden: Vec<(&'static str, String)>,
    /// Its inputs.
    pub fields: Vec<PageField>,
}

/// A link to another step.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PageLink {
    /// Where.
    pub href: String,
    /// Its text.
    pub text: &'static str,
}

/// The authenticator set-up of `MFA_SETUP`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TotpSetup {
    /// The secret (base32), to type into the app.
    pub secret: String,
    /// The secret in groups of four (`ABCD EFGH …`), easier to type; apps ignore the spaces.
    pub grouped: String,
    /// The `otpauth://` URI the QR code holds.
    pub uri: String,
    /// The QR code, an SVG document (rendered on the server).
    pub qr_svg: String,
}

/// One choice of `SELECT_CHALLENGE`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PageChoice {
    /// The `ANSWER` (`PASSWORD_SRP`, `EMAIL_OTP`, …).
    pub value: String,
    /// What the user reads.
    pub label: &'static str,
}

/// The passkey step of a page, for the script Hallpass serves (`{base}/cognito/passkey.js`): a
/// form it takes over. Render it as a form posting to `action` with the `csrfToken` (and
/// `callbackUrl`) hidden fields, `data-passkey="{mode}"`, `data-options-url`, `data-finish-url`,
/// `data-autofill`, `data-cancelled`, `data-unsupported` and `data-working` attributes, an element with
/// `data-passkey-status` inside it for the script's messages, and `<script src="{script}" defer>`.
/// On the sign-in page the script reads the address from the page's `username` input. Without
/// the script, the form posts to `action`, which answers that passkeys need JavaScript.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PasskeyStep {
    /// `signin` (sign in with a passkey) or `add` (add one to the signed-in account).
    pub mode: &'static str,
    /// The form's action without the script.
    pub action: String,
    /// Where the script asks for the WebAuthn options (`POST`, JSON answer).
    pub options_url: String,
    /// Where the script posts the browser's answer (`POST`, JSON answer `{"url": …}`).
    pub finish_url: String,
    /// The script.
    pub script: String,
    /// The button.
    pub label: &'static str,
    /// Whether the script also offers the passkey in the browser's autofill (WebAuthn's
    /// conditional mediation) once an address is typed: the password input then carries the
    /// `webauthn` autocomplete token.
    pub autofill: bool,
    /// What the script says when the browser's prompt was closed (nothing is posted).
    pub cancelled: &'static str,
    /// What the script says in a browser without passkeys.
    pub unsupported: &'static str,
    /// What the script says while the browser's prompt is open.
    pub working: &'static str,
}

/// One of the user's passkeys, on the passkeys page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PasskeyRow {
    /// Cognito's credential id (posted as `credentialId` to delete it).
    pub id: String,
    /// The authenticator's name for it.
    pub name: String,
    /// When it was added, Unix seconds.
    pub created_at: Option<i64>,
    /// When it was added, as `2026-12-07 10:30 UTC`.
    pub created: String,
    /// Where it lives: "On this kind of device" (platform) or "Security key or phone".
    pub kind: &'static str,
    /// The domain it signs in to (the pool's relying party).
    pub relying_party_id: String,
}

/// The passkeys page's list: the passkeys (Cognito keeps no "last used" time) and where their
/// delete buttons post.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PasskeyList {
    /// The passkeys, as Cognito lists them.
    pub passkeys: Vec<PasskeyRow>,
    /// Where a delete form posts (`credentialId`, `csrfToken`).
    pub delete_action: String,
}

/// Everything a page of the form sign-in shows.
#[derive(Debug, Clone, Serialize)]
pub struct CognitoPage {
    /// Which page.
    pub step: PageStep,
    /// The heading.
    pub title: &'static str,
    /// What the page asks, in a sentence.
    pub intro: Option<String>,
    /// Where the main form posts.
    pub action: String,
    /// Its button.
    pub submit: &'static str,
    /// The CSRF token every form posts as `csrfToken`.
    #[serde(rename = "csrfToken")]
    pub csrf_token: String,
    /// Where to go after signing in (posted as `callbackUrl`).
    #[serde(rename = "callbackUrl")]
    pub callback_url: String,
    /// The inputs.
    pub fields: Vec<PageField>,
    /// The error of the last attempt (a fixed message, never request text).
    pub error: Option<&'static str>,
    /// A notice (a code was sent, the password was changed).
    pub notice: Option<&'static str>,
    /// The password rules, on pages that set a password.
    pub password_rules: Vec<String>,
    /// The challenge's name, on the challenge page.
    pub challenge: Option<&'static str>,
    /// The choices of `SELECT_CHALLENGE`.
    pub choices: Vec<PageChoice>,
    /// The authenticator set-up.
    pub totp: Option<TotpSetup>,
    /// On the MFA page: the user's factors (on or off, preferred).
    pub mfa: Option<MfaStatus>,
    /// The passkey form the page's script takes over (sign-in page, passkeys page), when passkeys
    /// are on.
    pub passkey: Option<PasskeyStep>,
    /// On the passkeys page: the user's passkeys.
    pub passkeys: Option<PasskeyList>,
    /// A custom challenge's public parameters (`publicChallengeParameters` of the create auth
    /// challenge trigger), for an app's own template; the built-in page shows `question` (or
    /// `prompt`) as its intro.
    pub challenge_parameters: std::collections::BTreeMap<String, String>,
    /// Other forms on the page.
    pub extra_forms: Vec<ExtraForm>,
    /// Links to other steps.
    pub links: Vec<PageLink>,
    /// In development (the form talks to a pool on this machine, such as `userpool`): where the
    /// e-mailed code can be read, on the pages that ask for one. `None` with real Cognito.
    pub code_hint: Option<PageLink>,
}

/// The notice for `?notice=CODE`.
pub(crate) fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "code-sent" => "If an account exists for that address, we sent it a code.",
        "confirm" => "Check your e-mail for a confirmation code to finish signing up.",
        "confirmed" => "Your account is confirmed. Please sign in.",
        "reset-required" => {
            "You need to choose a new password. Ask for a code below if you have none."
        }
        "reset" => "Your password was changed. Please sign in.",
        "one-more-code" => {
            "Your address is confirmed. To finish, enter the new code we just e-mailed you."
        }
        "mfa-on" => {
            "Your authenticator app is set up. From now on, signing in asks for a code from it."
        }
        "mfa-preferred" => "Your authenticator app is now the one asked for first.",
        "mfa-off" => "Your authenticator app is off. Signing in no longer asks for its code.",
        "passkey-added" => "Your passkey is added. Next time, sign in with it instead of your password.",
        "passkey-deleted" => {
            "That passkey is removed: it no longer signs in here. You can also delete it from your device."
        }
        _ => return None,
    })
}

pub(crate) fn error(code: &str) -> Option<&'static str> {
    FormError::message_for(code)
}

/// The challenge page's fields and texts.
pub(crate) fn challenge_parts(
    c: &Challenge,
) -> (&'static str, &'static str, Vec<PageField>, String) {
    match c {
        Challenge::NewPassword => ("NEW_PASSWORD_REQUIRED", "Choose a new password", vec![PageField::new_password()], "Your account has a temporary password. Choose your own to continue.".into()),
        Challenge::Totp => ("SOFTWARE_TOKEN_MFA", "Enter your authenticator code", vec![PageField::code("Code from your authenticator app")], "Open your authenticator app and enter the 6-digit code for this account.".into()),
        Challenge::EmailOtp { destination } => (
            "EMAIL_OTP",
            "Enter the code we e-mailed you",
            vec![PageField::code("Code from the e-mail")],
            match destination {
                Some(d) => format!("We sent a sign-in code to {d}."),
                None => "We sent a sign-in code to your e-mail address.".into(),
            },
        ),
        Challenge::Select { .. } => ("SELECT_CHALLENGE", "How do you want to sign in?", vec![PageField::password().optional()], "Choose a way to sign in. The password is only needed for the password choices.".into()),
        Challenge::Custom { parameters } => (
            "CUSTOM_CHALLENGE",
            "One more step",
            vec![PageField::answer()],
            parameters
                .get("question")
                .or_else(|| parameters.get("prompt"))
                .cloned()
                .unwrap_or_else(|| "Answer the question to finish signing in.".into()),
        ),
        Challenge::Passkey { .. } => ("WEB_AUTHN", "Sign in with your passkey", Vec::new(), "Use the passkey button on the sign-in page.".into()),
        Challenge::MfaSetup { .. } => ("MFA_SETUP", "Set up your authenticator app", vec![PageField::code("Code from your authenticator app")], "Scan the QR code with an authenticator app (or type the key), then enter the code it shows.".into()),
    }
}

/// The label of a `SELECT_CHALLENGE` choice.
pub(crate) fn choice_label(value: &str) -> &'static str {
    match value {
        "PASSWORD_SRP" | "PASSWORD" => "My password",
        "EMAIL_OTP" => "A code by e-mail",
        "SMS_OTP" => "A code by text message",
        "WEB_AUTHN" => "A passkey",
        _ => "Another way",
    }
}

/// The authenticator set-up for `secret`: the `otpauth://` URI (issuer "Hallpass" or the site's host)
/// and its QR code as SVG.
pub(crate) fn totp_setup(secret: &str, account: &str, issuer: &str) -> TotpSetup {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let uri = format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}",
        enc(issuer),
        enc(account),
        secret,
        enc(issuer)
    );
    let qr_svg = match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
        Err(_) => String::new(),
    };
    // The renderer writes an XML declaration; inline SVG in HTML does not take one.
    let qr_svg = match qr_svg.find("<svg") {
        Some(i) => qr_svg[i..].to_string(),
        None => qr_svg,
    };
    TotpSetup {
        grouped: grouped(secret),
        secret: secret.to_string(),
        uri,
        qr_svg,
    }
}

/// `secret` in groups of four, space-separated.
pub(crate) fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_is_grouped_in_fours() {
        assert_eq!(super::grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
        assert_eq!(super::grouped(""), "");
    }
}
