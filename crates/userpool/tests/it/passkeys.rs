//! A software passkey for the tests: 1Password's authenticator and WebAuthn client
//! (`passkey-authenticator`, `passkey-client`), an implementation independent of the pool's,
//! turning the pool's JSON options into the JSON responses a browser's `toJSON()` gives.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use passkey_authenticator::{Authenticator, MemoryStore, UiHint, UserCheck, UserValidationMethod};
use passkey_client::{Client, DefaultClientData, DefaultClientDataWithCustomHash};
use passkey_crypto::rust_crypto::RustCryptoBackend;
use passkey_types::ctap2::{Aaguid, Ctap2Error};
use passkey_types::webauthn::{
    CredentialCreationOptions, CredentialRequestOptions, PublicKeyCredentialCreationOptions,
    PublicKeyCredentialRequestOptions,
};
use passkey_types::Passkey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

/// The user's answer to the authenticator: always present, verified if it can.
struct User {
    verifies: bool,
}

#[async_trait::async_trait]
impl UserValidationMethod for User {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence,
            verification: verification && self.verifies,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    /// `None`: an authenticator without any means to verify its user (no PIN, no biometrics).
    fn is_verification_enabled(&self) -> Option<bool> {
        self.verifies.then_some(true)
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A software authenticator used from one origin (a page URL).
pub struct SoftPasskey {
    pub origin: Url,
    /// The authenticator's credentials: cloned, they make a cloned authenticator.
    pub store: MemoryStore,
    verifies: bool,
}

impl SoftPasskey {
    /// A new authenticator that verifies its user, used from `origin`.
    pub fn new(origin: &str) -> Self {
        SoftPasskey {
            origin: Url::parse(origin).unwrap(),
            store: MemoryStore::new(),
            verifies: true,
        }
    }

    /// One that can test presence only (no PIN, no biometrics).
    pub fn without_verification(origin: &str) -> Self {
        SoftPasskey {
            verifies: false,
            ..SoftPasskey::new(origin)
        }
    }

    /// The same credentials (and counters) used from another origin.
    pub fn at(&self, origin: &str) -> Self {
        SoftPasskey {
            origin: Url::parse(origin).unwrap(),
            store: self.store.clone(),
            verifies: self.verifies,
        }
    }

    fn authenticator(&mut self) -> Authenticator<MemoryStore, User, RustCryptoBackend> {
        let mut a = Authenticator::new(
            Aaguid::new_empty(),
            std::mem::take(&mut self.store),
            User {
                verifies: self.verifies,
            },
            RustCryptoBackend,
        );
        // Counters, so that the pool's check of them is exercised.
        a.set_make_credentials_with_signature_counter(true);
        a
    }

    /// `navigator.credentials.create` with the pool's `CredentialCreationOptions`; the
    /// `RegistrationResponseJSON`. `rp_id` overrides the options' RP ID (a page that asks for
    /// another relying party).
    pub async fn register(&mut self, options: &Value, rp_id: Option<&str>) -> Value {
        let mut options = options.clone();
        if let Some(id) = rp_id {
            options["rp"]["id"] = json!(id);
        }
        let public_key: PublicKeyCredentialCreationOptions =
            serde_json::from_value(options).expect("the pool's options parse as WebAuthn's");
        let mut client = Client::new(self.authenticator())
            .allows_insecure_localhost(true)
            // As browsers do: `preferred` asks for verification only where the device has it.
            .user_verification_when_preferred(self.verifies);
        let created = client
            .register(
                &self.origin,
                CredentialCreationOptions { public_key },
                DefaultClientData,
            )
            .await;
        self.store = std::mem::take(client.authenticator_mut().store_mut());
        let c = created.expect("the authenticator makes a credential");
        json!({
            "id": c.id,
            "rawId": b64(&c.raw_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&c.response.client_data_json),
                "attestationObject": b64(&c.response.attestation_object),
                "transports": ["internal", "hybrid"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        })
    }

    /// `navigator.credentials.get` with `CREDENTIAL_REQUEST_OPTIONS`; the
    /// `AuthenticationResponseJSON` as a string (the `CREDENTIAL` challenge response).
    pub async fn sign(&mut self, request_options: &str) -> String {
        self.sign_inner(request_options, None).await
    }

    /// As [`sign`](Self::sign), but over `client_data_json` given here (the authenticator signs
    /// its hash; the response carries it): a page of another origin relaying the challenge.
    pub async fn sign_client_data(
        &mut self,
        request_options: &str,
        client_data_json: &str,
    ) -> String {
        self.sign_inner(request_options, Some(client_data_json))
            .await
    }

    async fn sign_inner(&mut self, request_options: &str, client_data: Option<&str>) -> String {
        let public_key: PublicKeyCredentialRequestOptions =
            serde_json::from_str(request_options).expect("the request options parse");
        let request = CredentialRequestOptions { public_key };
        let mut client = Client::new(self.authenticator())
            .allows_insecure_localhost(true)
            // As browsers do: `preferred` asks for verification only where the device has it.
            .user_verification_when_preferred(self.verifies);
        let got = match client_data {
            None => {
                client
                    .authenticate(&self.origin, request, DefaultClientData)
                    .await
            }
            Some(cd) => {
                let hash = Sha256::digest(cd.as_bytes()).to_vec();
                client
                    .authenticate(&self.origin, request, DefaultClientDataWithCustomHash(hash))
                    .await
            }
        };
        self.store = std::mem::take(client.authenticator_mut().store_mut());
        let a = got.expect("the authenticator signs");
        let client_data_json = match client_data {
            Some(cd) => b64(cd.as_bytes()),
            None => b64(&a.response.client_data_json),
        };
        json!({
            "id": a.id,
            "rawId": b64(&a.raw_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": client_data_json,
                "authenticatorData": b64(&a.response.authenticator_data),
                "signature": b64(&a.response.signature),
                "userHandle": a.response.user_handle.as_ref().map(|h| b64(h)),
            },
            "clientExtensionResults": {},
        })
        .to_string()
    }
}
