//! A small client for Cognito's JSON API (the Cognito Identity Provider service): `POST /` with
//! `Content-Type: application/x-amz-json-1.1` and `X-Amz-Target:
//! AWSCognitoIdentityProviderService.<Operation>`, over the provider's HTTP client (timeouts, no
//! redirects, bounded bodies). Only the public operations a sign-in page needs, none of which is
//! signed with AWS credentials. `SECRET_HASH` is added when the app client has a secret.
//!
//! The endpoint is `https://cognito-idp.{region}.amazonaws.com/` for the issuer's region; a local
//! pool (userpool) serves the same API on its own port.

mod error;
mod ops;
pub mod srp;
mod user_ops;
mod webauthn;

pub use error::CognitoApiError;
pub use ops::{AuthReply, AuthTokens, ChallengeStep, CodeDelivery};
pub use user_ops::UserMfa;
pub use webauthn::WebAuthnCredential;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::Client;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Map, Value};
use sha2::Sha256;
use url::Url;

use super::http;

/// The JSON API of one app client.
#[derive(Clone)]
pub struct CognitoApi {
    http: Client,
    endpoint: Url,
    client_id: String,
    client_secret: Option<SecretString>,
}

impl std::fmt::Debug for CognitoApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CognitoApi")
            .field("endpoint", &self.endpoint.as_str())
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// `https://cognito-idp.{region}.amazonaws.com/`.
pub fn regional_endpoint(region: &str) -> Url {
    Url::parse(&format!("https://cognito-idp.{region}.amazonaws.com/"))
        .expect("a region name makes a valid host")
}

impl CognitoApi {
    /// A client for `endpoint` and the app client `client_id` (with its secret, if it has one).
    pub fn new(
        http: Client,
        endpoint: Url,
        client_id: impl Into<String>,
        client_secret: Option<SecretString>,
    ) -> Self {
        Self {
            http,
            endpoint,
            client_id: client_id.into(),
            client_secret,
        }
    }

    /// The endpoint called.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Whether the app client has a secret (and so every call needs `SECRET_HASH`).
    pub fn has_secret(&self) -> bool {
        self.client_secret.is_some()
    }

    /// `SECRET_HASH` for `username`: Base64(HMAC-SHA256(client secret, username + client id)),
    /// `None` for a client without a secret.
    pub fn secret_hash(&self, username: &str) -> Option<String> {
        let secret = self.client_secret.as_ref()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(username.as_bytes());
        mac.update(self.client_id.as_bytes());
        Some(STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// Calls `operation` with `body`: the reply's JSON object, or the exception Cognito named.
    pub async fn call(
        &self,
        operation: &str,
        body: &Value,
    ) -> Result<Map<String, Value>, CognitoApiError> {
        const EP: &str = "Cognito API";
        let req = self
            .http
            .post(self.endpoint.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{operation}"),
            )
            .body(body.to_string());
        let reply = http::send_json(EP, &self.endpoint, req).await?;
        let status = reply.status;
        let body = reply.body.map_err(|reason| {
            http::http_error(EP, &self.endpoint, format!("{operation}: {reason}"))
        })?;
        if status.is_success() {
            return Ok(body);
        }
        match body.get("__type").and_then(Value::as_str) {
            Some(kind) => Err(CognitoApiError::from_type(
                kind,
                body.get("message")
                    .or_else(|| body.get("Message"))
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            )),
            None => Err(http::http_error(
                EP,
                &self.endpoint,
                format!("{operation}: HTTP {status} without a Cognito exception; is this URL Cognito's API?"),
            )
            .into()),
        }
    }
}
