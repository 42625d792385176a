//! Passkeys (WebAuthn) with a signed-in user's own access token: `StartWebAuthnRegistration`,
//! `CompleteWebAuthnRegistration`, `ListWebAuthnCredentials` and `DeleteWebAuthnCredential`. The
//! WebAuthn documents (creation options, the browser's registration response) pass through as JSON:
//! Cognito checks them, Hallpass only checks their shape.

use serde_json::{json, Map, Value};

use super::ops::{string, unusable};
use super::{CognitoApi, CognitoApiError};
use crate::provider::http::sanitize;
use crate::provider::Secret;

/// `ListWebAuthnCredentials`' most per page (Cognito's maximum).
const PAGE_SIZE: u64 = 20;
/// Pages read at most: a user with more than 100 passkeys sees the first 100.
const MAX_PAGES: usize = 5;

/// One of the user's passkeys, as `ListWebAuthnCredentials` describes it (Cognito keeps no "last
/// used" time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAuthnCredential {
    /// `CredentialId` (base64url), what `DeleteWebAuthnCredential` takes.
    pub id: String,
    /// `FriendlyCredentialName`: the authenticator's name for it (sanitised).
    pub name: String,
    /// `RelyingPartyId`: the domain it signs in to.
    pub relying_party_id: String,
    /// `AuthenticatorAttachment`: `platform` (this device) or `cross-platform` (a key, a phone).
    pub attachment: Option<String>,
    /// `AuthenticatorTransports` (`internal`, `usb`, `hybrid`, …).
    pub transports: Vec<String>,
    /// `CreatedAt`, Unix seconds.
    pub created_at: Option<i64>,
}

fn credential(item: &Map<String, Value>) -> Option<WebAuthnCredential> {
    Some(WebAuthnCredential {
        id: sanitize(&string(item, "CredentialId")?),
        name: sanitize(&string(item, "FriendlyCredentialName").unwrap_or_default()),
        relying_party_id: sanitize(&string(item, "RelyingPartyId").unwrap_or_default()),
        attachment: string(item, "AuthenticatorAttachment").map(|s| sanitize(&s)),
        transports: match item.get("AuthenticatorTransports") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(sanitize).collect(),
            _ => Vec::new(),
        },
        // Cognito's timestamps are epoch seconds, with a fraction.
        created_at: item
            .get("CreatedAt")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t >= 0.0)
            .map(|t| t as i64),
    })
}

impl CognitoApi {
    /// `StartWebAuthnRegistration`: the `CredentialCreationOptions` document for
    /// `navigator.credentials.create` (a JSON object, base64url fields).
    pub async fn start_webauthn_registration(
        &self,
        access_token: &Secret,
    ) -> Result<Map<String, Value>, CognitoApiError> {
        let reply = self
            .call(
                "StartWebAuthnRegistration",
                &json!({ "AccessToken": access_token.expose() }),
            )
            .await?;
        match reply.get("CredentialCreationOptions") {
            Some(Value::Object(options)) => Ok(options.clone()),
            _ => Err(unusable("CredentialCreationOptions")),
        }
    }

    /// `CompleteWebAuthnRegistration` with the browser's `RegistrationResponseJSON`.
    pub async fn complete_webauthn_registration(
        &self,
        access_token: &Secret,
        credential: &Value,
    ) -> Result<(), CognitoApiError> {
        let body = json!({ "AccessToken": access_token.expose(), "Credential": credential });
        self.call("CompleteWebAuthnRegistration", &body)
            .await
            .map(|_| ())
    }

    /// `ListWebAuthnCredentials`, every page (up to 100 passkeys).
    pub async fn list_webauthn_credentials(
        &self,
        access_token: &Secret,
    ) -> Result<Vec<WebAuthnCredential>, CognitoApiError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut body = json!({ "AccessToken": access_token.expose(), "MaxResults": PAGE_SIZE });
            if let Some(token) = &next {
                body["NextToken"] = Value::String(token.clone());
            }
            let reply = self.call("ListWebAuthnCredentials", &body).await?;
            let Some(Value::Array(items)) = reply.get("Credentials") else {
                return Err(unusable("Credentials"));
            };
            out.extend(
                items
                    .iter()
                    .filter_map(Value::as_object)
                    .filter_map(credential),
            );
            next = string(&reply, "NextToken");
            if next.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// `DeleteWebAuthnCredential`.
    pub async fn delete_webauthn_credential(
        &self,
        access_token: &Secret,
        credential_id: &str,
    ) -> Result<(), CognitoApiError> {
        let body = json!({ "AccessToken": access_token.expose(), "CredentialId": credential_id });
        self.call("DeleteWebAuthnCredential", &body)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_is_read_and_sanitised() {
        let item = json!({
            "CredentialId": "AbC-_1",
            "FriendlyCredentialName": "My\nkey",
            "RelyingPartyId": "localhost",
            "AuthenticatorAttachment": "platform",
            "AuthenticatorTransports": ["internal", 7],
            "CreatedAt": 1_796_000_000.5,
        });
        let c = credential(item.as_object().unwrap()).unwrap();
        assert_eq!(c.name, "Mykey");
        assert_eq!(c.transports, vec!["internal".to_string()]);
        assert_eq!(c.created_at, Some(1_796_000_000));
        let no_id = json!({ "FriendlyCredentialName": "x" });
        assert!(credential(no_id.as_object().unwrap()).is_none());
    }
}
