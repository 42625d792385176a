//! Passkeys on the app's own pages. Sign-in is Cognito's choice-based flow: `InitiateAuth`
//! (`USER_AUTH`, `PREFERRED_CHALLENGE=WEB_AUTHN`) answers `WEB_AUTHN` with the request options for
//! `navigator.credentials.get`, and `RespondToAuthChallenge` takes the browser's answer as
//! `CREDENTIAL`. Cognito needs the username first (`USERNAME` is required, and the options list that
//! user's passkeys in `allowCredentials`): there is no sign-in without one. A signed-in user's
//! passkeys (add, list, delete) use their own access token.
//!
//! Hallpass checks the shape of what the browser posts (a JSON object of base64url fields, bounded);
//! Cognito checks the rest: the signature, the challenge, the relying party, the origin.

use serde_json::{Map, Value};

use super::error::FormError;
use super::flow::{Challenge, Pending, Step};
use super::mfa::mfa_error;
use super::CognitoForm;
use crate::provider::cognito_api::{AuthReply, CognitoApiError, WebAuthnCredential};
use crate::provider::Secret;

/// The longest credential JSON accepted from the browser (a registration with an attestation
/// certificate chain is a few kilobytes).
pub const MAX_CREDENTIAL: usize = 32 * 1024;
/// The longest credential id accepted (base64url of WebAuthn's 1023-byte maximum).
const MAX_ID: usize = 1400;

/// The start of a passkey sign-in: the options for `navigator.credentials.get`, and the step to
/// keep (Cognito's `Session`) until the browser answers.
#[derive(Debug)]
pub struct PasskeyStart {
    /// `PublicKeyCredentialRequestOptions` as JSON (base64url fields), Cognito's own.
    pub options: Map<String, Value>,
    /// The pending [`Challenge::Passkey`].
    pub pending: Pending,
}

/// What the browser's answer is: an assertion (sign-in) or an attestation (a new passkey).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// `AuthenticationResponseJSON`.
    Assertion,
    /// `RegistrationResponseJSON`.
    Registration,
}

/// Checks that `text` is a WebAuthn response of `kind` (`id`, `type: "public-key"`, and the
/// `response` fields as base64url) and returns it as posted, for Cognito to verify.
pub fn parse_credential(text: &str, kind: CredentialKind) -> Result<Value, FormError> {
    let bad = FormError::BadCredential;
    if text.trim().is_empty() {
        return Err(bad("empty"));
    }
    if text.len() > MAX_CREDENTIAL {
        return Err(bad("too long"));
    }
    let value: Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
    let obj = value.as_object().ok_or(bad("not an object"))?;
    let id = obj.get("id").and_then(Value::as_str).unwrap_or("");
    if id.is_empty() || id.len() > MAX_ID || !is_base64url(id) {
        return Err(bad("id"));
    }
    if obj.get("type").and_then(Value::as_str) != Some("public-key") {
        return Err(bad("type"));
    }
    if let Some(raw) = obj.get("rawId") {
        if raw.as_str() != Some(id) {
            return Err(bad("rawId"));
        }
    }
    let response = obj
        .get("response")
        .and_then(Value::as_object)
        .ok_or(bad("response"))?;
    let required: &[&'static str] = match kind {
        CredentialKind::Assertion => &["clientDataJSON", "authenticatorData", "signature"],
        CredentialKind::Registration => &["clientDataJSON", "attestationObject"],
    };
    for field in required {
        match response.get(*field).and_then(Value::as_str) {
            Some(v) if !v.is_empty() && is_base64url(v) => {}
            _ => return Err(bad(field)),
        }
    }
    Ok(value)
}

fn is_base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A deployment that does not allow passkeys (see [`CognitoApiError::is_passkey_config`]): the
/// log line names the fix whatever `AUTH_DEBUG` says (only users of passkeys ever meet it), and
/// the page says passkeys are not available.
fn unavailable(step: &str, e: &CognitoApiError) -> Option<FormError> {
    e.is_passkey_config().then(|| {
        super::log_api_failure(step, e, true);
        FormError::PasskeysUnavailable
    })
}

/// A passkey sign-in's refusal as the page tells it: any refusal of the answer is "that passkey was
/// not accepted" (logged with Cognito's reason); an expired `Session` starts again.
fn sign_in_error(e: CognitoApiError) -> FormError {
    if let Some(off) = unavailable("passkey sign-in", &e) {
        return off;
    }
    let refused = |e: &CognitoApiError| {
        tracing::warn!(
            "passkey sign-in refused by Cognito: {}; a passkey of another site, a replayed or altered answer, or a deleted passkey (nothing to fix); if every passkey is refused, check that the pool's WebAuthnConfiguration RelyingPartyId is this site's domain",
            crate::logsafe::clean(e)
        );
        FormError::PasskeyRefused
    };
    match &e {
        CognitoApiError::Other { kind, .. }
            if matches!(
                kind.as_str(),
                "WebAuthnRelyingPartyMismatchException"
                    | "WebAuthnChallengeNotFoundException"
                    | "WebAuthnCredentialNotSupportedException"
            ) =>
        {
            refused(&e)
        }
        CognitoApiError::NotAuthorized(m) if !m.contains("Invalid session") && !e.is_config() => {
            refused(&e)
        }
        // An answer Cognito cannot read (its shape passed here, its content did not).
        CognitoApiError::InvalidParameter(_) | CognitoApiError::CodeMismatch(_)
            if !e.is_config() =>
        {
            refused(&e)
        }
        _ => FormError::from(e),
    }
}

/// A refusal of the passkeys page's calls (with the user's access token): a refused token is "sign
/// in again"; a new passkey's answer that did not match the options (another site's relying party,
/// a tampered answer) is a refused passkey, and a registration whose challenge is gone expired.
fn add_error(e: CognitoApiError) -> FormError {
    if let Some(off) = unavailable("passkeys page", &e) {
        return off;
    }
    match &e {
        CognitoApiError::Other { kind, .. } if kind == "WebAuthnChallengeNotFoundException" => {
            FormError::SetUpExpired
        }
        CognitoApiError::Other { kind, .. }
            if matches!(
                kind.as_str(),
                "WebAuthnRelyingPartyMismatchException" | "WebAuthnCredentialNotSupportedException"
            ) =>
        {
            FormError::PasskeyRefused
        }
        _ => mfa_error(e),
    }
}

impl CognitoForm {
    /// Whether the pages offer passkeys (`COGNITO_PASSKEYS=true`, or
    /// [`CognitoBuilder::passkeys`](crate::provider::CognitoBuilder::passkeys)).
    pub fn passkeys(&self) -> bool {
        self.inner.passkeys
    }

    /// Starts a passkey sign-in for `username`. [`FormError::NoPasskey`] whether the user is
    /// unknown, unconfirmed or has no passkey.
    pub async fn start_passkey_sign_in(&self, username: &str) -> Result<PasskeyStart, FormError> {
        let mut params = Map::new();
        params.insert("USERNAME".into(), Value::String(username.into()));
        params.insert("PREFERRED_CHALLENGE".into(), "WEB_AUTHN".into());
        let reply = self
            .inner
            .api
            .initiate_auth("USER_AUTH", params, username)
            .await;
        let step = match reply {
            Ok(AuthReply::Challenge(c)) => c,
            Ok(AuthReply::Tokens(_)) => {
                // Tokens without a credential: never trusted here; fail closed.
                tracing::error!(
                    "Cognito answered a passkey sign-in with tokens before any credential; refused"
                );
                return Err(FormError::NoPasskey);
            }
            Err(e) => {
                if let Some(off) = unavailable("passkey sign-in", &e) {
                    return Err(off);
                }
                return Err(match FormError::from(e) {
                    FormError::Refused => FormError::NoPasskey,
                    other => other,
                });
            }
        };
        let via_select = step.name == "SELECT_CHALLENGE";
        let offered = step.name == "WEB_AUTHN"
            || (via_select && step.available.iter().any(|c| c == "WEB_AUTHN"));
        let options = step
            .parameters
            .get("CREDENTIAL_REQUEST_OPTIONS")
            .and_then(|o| serde_json::from_str::<Value>(o).ok());
        let (true, Some(Value::Object(options)), Some(session)) = (offered, options, step.session)
        else {
            tracing::debug!(
                challenge = %crate::logsafe::Clean(&step.name),
                "a passkey sign-in met no WEB_AUTHN challenge"
            );
            return Err(FormError::NoPasskey);
        };
        Ok(PasskeyStart {
            options,
            pending: Pending {
                challenge: Challenge::Passkey { via_select },
                username: username.to_string(),
                session,
            },
        })
    }

    /// Answers a pending passkey challenge with the browser's assertion (from
    /// [`parse_credential`]).
    pub async fn finish_passkey_sign_in(
        &self,
        pending: &Pending,
        credential: &Value,
        now: i64,
    ) -> Result<Step, FormError> {
        let Challenge::Passkey { via_select } = pending.challenge else {
            return Err(FormError::StepExpired);
        };
        let user = pending.username.as_str();
        let mut responses = Map::new();
        responses.insert("CREDENTIAL".into(), Value::String(credential.to_string()));
        let name = if via_select {
            responses.insert("ANSWER".into(), "WEB_AUTHN".into());
            "SELECT_CHALLENGE"
        } else {
            "WEB_AUTHN"
        };
        let reply = self
            .inner
            .api
            .respond_to_auth_challenge(name, Some(&pending.session), user, user, responses)
            .await
            .map_err(sign_in_error);
        self.next_after(reply, user, now).await
    }

    /// `StartWebAuthnRegistration` for the signed-in user: the options for
    /// `navigator.credentials.create`.
    pub async fn passkey_creation_options(
        &self,
        access_token: &str,
    ) -> Result<Map<String, Value>, FormError> {
        self.inner
            .api
            .start_webauthn_registration(&Secret::new(access_token))
            .await
            .map_err(add_error)
    }

    /// `CompleteWebAuthnRegistration` with the browser's answer (from [`parse_credential`]).
    pub async fn add_passkey(
        &self,
        access_token: &str,
        credential: &Value,
    ) -> Result<(), FormError> {
        self.inner
            .api
            .complete_webauthn_registration(&Secret::new(access_token), credential)
            .await
            .map_err(add_error)
    }

    /// The user's passkeys.
    pub async fn list_passkeys(
        &self,
        access_token: &str,
    ) -> Result<Vec<WebAuthnCredential>, FormError> {
        self.inner
            .api
            .list_webauthn_credentials(&Secret::new(access_token))
            .await
            .map_err(add_error)
    }

    /// Deletes one of the user's passkeys. An id that is not theirs is Cognito's
    /// `ResourceNotFoundException`, told as a refused passkey.
    pub async fn delete_passkey(&self, access_token: &str, id: &str) -> Result<(), FormError> {
        if id.is_empty() || id.len() > MAX_ID || !is_base64url(id) {
            return Err(FormError::BadInput("credentialId"));
        }
        match self
            .inner
            .api
            .delete_webauthn_credential(&Secret::new(access_token), id)
            .await
        {
            Ok(()) => Ok(()),
            Err(CognitoApiError::ResourceNotFound(_)) => Err(FormError::PasskeyRefused),
            Err(e) => Err(add_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSERTION: &str = r#"{"id":"AbC-_9","rawId":"AbC-_9","type":"public-key","response":{"clientDataJSON":"eyJ0","authenticatorData":"SZYN","signature":"MEUC","userHandle":null},"clientExtensionResults":{}}"#;

    #[test]
    fn a_well_formed_assertion_passes_as_posted() {
        let v = parse_credential(ASSERTION, CredentialKind::Assertion).unwrap();
        assert_eq!(v["id"], "AbC-_9");
        // An assertion is not a registration.
        assert!(matches!(
            parse_credential(ASSERTION, CredentialKind::Registration),
            Err(FormError::BadCredential("attestationObject"))
        ));
    }

    #[test]
    fn malformed_answers_are_refused_with_what_is_wrong() {
        let cases = [
            ("", "empty"),
            ("{", "not JSON"),
            ("[1]", "not an object"),
            (r#"{"id":"a b","type":"public-key"}"#, "id"),
            (r#"{"id":"ab","type":"password"}"#, "type"),
            (r#"{"id":"ab","rawId":"cd","type":"public-key"}"#, "rawId"),
            (
                r#"{"id":"ab","type":"public-key","response":7}"#,
                "response",
            ),
            (
                r#"{"id":"ab","type":"public-key","response":{"clientDataJSON":"e30=","authenticatorData":"x","signature":"y"}}"#,
                "clientDataJSON",
            ),
        ];
        for (text, what) in cases {
            match parse_credential(text, CredentialKind::Assertion) {
                Err(FormError::BadCredential(w)) => assert_eq!(w, what, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let long = format!("{{\"id\":\"{}\"}}", "a".repeat(MAX_CREDENTIAL));
        assert!(matches!(
            parse_credential(&long, CredentialKind::Assertion),
            Err(FormError::BadCredential("too long"))
        ));
    }

    #[test]
    fn refusals_of_the_answer_read_as_a_refused_passkey() {
        let other = |kind: &str| CognitoApiError::Other {
            kind: kind.into(),
            message: String::new(),
        };
        for e in [
            CognitoApiError::NotAuthorized("Incorrect credential".into()),
            other("WebAuthnRelyingPartyMismatchException"),
            other("WebAuthnChallengeNotFoundException"),
        ] {
            assert!(matches!(sign_in_error(e), FormError::PasskeyRefused));
        }
        let off = sign_in_error(other("WebAuthnNotEnabledException"));
        assert_eq!(off.code(), "passkeys-off");
        let no_user_auth =
            CognitoApiError::InvalidParameter("USER_AUTH flow not enabled for this client".into());
        assert!(matches!(
            sign_in_error(no_user_auth),
            FormError::PasskeysUnavailable
        ));
        assert!(matches!(
            sign_in_error(CognitoApiError::NotAuthorized(
                "Invalid session for the user.".into()
            )),
            FormError::StepExpired
        ));
    }
}
