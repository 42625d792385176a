//! `SECRET_HASH`: a client with a secret proves it on each public call with
//! `Base64(HMAC-SHA256(client_secret, username + client_id))`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{ApiError, Exception};
use crate::config::ClientConfig;

/// Checks the `SECRET_HASH` of a call for `username`: required and compared in constant
/// time when the client has a secret, ignored when it has none (as Cognito does).
pub(crate) fn check_secret_hash(
    client: &ClientConfig,
    username: &str,
    given: Option<&str>,
) -> Result<(), ApiError> {
    if client.secret.is_none() && client.added_secrets.is_empty() {
        return Ok(());
    }
    let refused = || {
        ApiError::new(
            Exception::NotAuthorizedException,
            format!(
                "Client {} is configured for secret but secret was not received",
                client.id
            ),
        )
    };
    let given = given.ok_or_else(refused)?;
    // Any of the client's secrets (an added one works beside the first until deleted).
    let mut ok = false;
    for secret in client.secrets() {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| refused())?;
        mac.update(username.as_bytes());
        mac.update(client.id.as_bytes());
        let expected = STANDARD.encode(mac.finalize().into_bytes());
        ok |= bool::from(expected.as_bytes().ct_eq(given.as_bytes()));
    }
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            Exception::NotAuthorizedException,
            format!("Unable to verify secret hash for client {}", client.id),
        ))
    }
}
