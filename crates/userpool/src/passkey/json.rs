//! The JSON forms of WebAuthn's responses (`RegistrationResponseJSON`,
//! `AuthenticationResponseJSON`, §5.1's `toJSON()`), as Amplify and the browsers send them:
//! binary members in base64url.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;

use super::PasskeyError;

/// Base64url without padding, as WebAuthn's JSON uses.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url, with or without its padding.
pub(crate) fn b64url_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('='))
}

fn decode(text: &str, what: &'static str) -> Result<Vec<u8>, PasskeyError> {
    b64url_decode(text).map_err(|_| PasskeyError::Malformed(what))
}

/// `RegistrationResponseJSON`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegistrationJson {
    id: String,
    raw_id: String,
    #[serde(rename = "type")]
    kind: String,
    response: AttestationResponseJson,
    #[serde(default)]
    pub authenticator_attachment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttestationResponseJson {
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    attestation_object: String,
    #[serde(default)]
    transports: Option<Vec<String>>,
}

/// A registration response's binary members, decoded.
#[derive(Debug)]
pub(crate) struct RegistrationBytes {
    pub credential_id: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub attestation_object: Vec<u8>,
}

/// `id` and `rawId` name one credential of type `public-key`.
fn credential_id(id: &str, raw_id: &str, kind: &str) -> Result<Vec<u8>, PasskeyError> {
    if kind != "public-key" {
        return Err(PasskeyError::Malformed(
            "the credential's type is not public-key",
        ));
    }
    let raw = decode(raw_id, "rawId is not base64url")?;
    if raw.is_empty() || decode(id, "id is not base64url")? != raw {
        return Err(PasskeyError::Malformed("id and rawId differ"));
    }
    Ok(raw)
}

impl RegistrationJson {
    /// Parses the `Credential` document.
    pub(crate) fn from_value(value: serde_json::Value) -> Result<Self, PasskeyError> {
        serde_json::from_value(value)
            .map_err(|_| PasskeyError::Malformed("Credential is not a RegistrationResponseJSON"))
    }

    pub(crate) fn decode(&self) -> Result<RegistrationBytes, PasskeyError> {
        Ok(RegistrationBytes {
            credential_id: credential_id(&self.id, &self.raw_id, &self.kind)?,
            client_data_json: decode(
                &self.response.client_data_json,
                "clientDataJSON is not base64url",
            )?,
            attestation_object: decode(
                &self.response.attestation_object,
                "attestationObject is not base64url",
            )?,
        })
    }

    /// The transports the browser reported (`usb`, `nfc`, `ble`, `internal`, `hybrid`, …).
    pub(crate) fn transports(&self) -> Vec<String> {
        self.response.transports.clone().unwrap_or_default()
    }
}

/// `AuthenticationResponseJSON`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssertionJson {
    id: String,
    raw_id: String,
    #[serde(rename = "type")]
    kind: String,
    response: AssertionResponseJson,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssertionResponseJson {
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    authenticator_data: String,
    signature: String,
    #[serde(default)]
    user_handle: Option<String>,
}

/// An assertion's binary members, decoded.
#[derive(Debug)]
pub(crate) struct AssertionBytes {
    pub credential_id: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub authenticator_data: Vec<u8>,
    pub signature: Vec<u8>,
    pub user_handle: Option<Vec<u8>>,
}

impl AssertionJson {
    /// Parses the `CREDENTIAL` challenge response (a JSON string).
    pub(crate) fn from_text(text: &str) -> Result<Self, PasskeyError> {
        serde_json::from_str(text)
            .map_err(|_| PasskeyError::Malformed("CREDENTIAL is not an AuthenticationResponseJSON"))
    }

    pub(crate) fn decode(&self) -> Result<AssertionBytes, PasskeyError> {
        let r = &self.response;
        Ok(AssertionBytes {
            credential_id: credential_id(&self.id, &self.raw_id, &self.kind)?,
            client_data_json: decode(&r.client_data_json, "clientDataJSON is not base64url")?,
            authenticator_data: decode(
                &r.authenticator_data,
                "authenticatorData is not base64url",
            )?,
            signature: decode(&r.signature, "signature is not base64url")?,
            user_handle: r
                .user_handle
                .as_deref()
                .filter(|h| !h.is_empty())
                .map(|h| decode(h, "userHandle is not base64url"))
                .transpose()?,
        })
    }
}
