//! Which app client a sign-in operation is for, and what that client allows: its flows and,
//! for a client with a secret, the `SECRET_HASH` each request must carry.

use std::collections::HashMap;

use subtle::ConstantTimeEq;

use super::secret_hash::check_secret_hash;
use super::{ApiError, Call, Exception};
use crate::config::{AuthFlow, ClientConfig, PoolConfig};
use crate::pool::UserPool;
use crate::triggers::TokenSource;

/// A sign-in operation's pool and client.
pub(crate) struct ClientCall<'a> {
    pub pool: &'a UserPool,
    pub pc: &'a PoolConfig,
    pub client: &'a ClientConfig,
    /// What the pre token generation trigger is told issues the tokens of this sign-in.
    pub token_source: TokenSource,
    /// The request's `ClientMetadata`, for the Lambda triggers.
    pub client_metadata: Option<&'a HashMap<String, String>>,
    /// The `DEVICE_KEY` the client sent (a device it was told to remember), if any.
    pub device_key: Option<&'a str>,
    /// The device proved itself (`DEVICE_PASSWORD_VERIFIER`): no new device for its tokens.
    pub device_signed_in: bool,
}

/// The client `client_id`, which must belong to `pool_id` when one is named (the admin
/// operations name it).
pub(crate) fn client<'a>(
    call: &'a Call,
    pool_id: Option<&str>,
    client_id: &str,
) -> Result<ClientCall<'a>, ApiError> {
    let found = call
        .pool
        .client(client_id)
        .filter(|(pc, _)| pool_id.is_none_or(|id| id == pc.id));
    let Some((pc, client)) = found else {
        if let Some(id) = pool_id {
            if call.pool.pool_config(id).is_err() {
                return Err(ApiError::new(
                    Exception::ResourceNotFoundException,
                    "User pool does not exist.",
                ));
            }
        }
        return Err(ApiError::new(
            Exception::ResourceNotFoundException,
            "User pool client does not exist.",
        ));
    };
    Ok(ClientCall {
        pool: &call.pool,
        pc,
        client,
        token_source: TokenSource::Authentication,
        client_metadata: None,
        device_key: None,
        device_signed_in: false,
    })
}

impl<'a> ClientCall<'a> {
    /// This call with the request's `ClientMetadata`.
    pub(crate) fn with_metadata(self, m: &'a HashMap<String, String>) -> ClientCall<'a> {
        ClientCall {
            client_metadata: Some(m),
            ..self
        }
    }

    /// Refuses a flow the client does not allow, in Cognito's words.
    pub(crate) fn require_flow(&self, flow: AuthFlow, name: &str) -> Result<(), ApiError> {
        if self.client.allows_auth(flow) {
            Ok(())
        } else {
            Err(ApiError::new(
                Exception::InvalidParameterException,
                format!("{} flow not enabled for this client", short_flow_name(name)),
            ))
        }
    }

    /// For a client with a secret, `SECRET_HASH` must be
    /// `Base64(HMAC-SHA256(secret, username + client_id))` for one of `usernames` (the name
    /// sent, or the user's other name: email and `sub` both identify the user).
    pub(crate) fn check_secret_hash(
        &self,
        params: &HashMap<String, String>,
        usernames: &[&str],
    ) -> Result<(), ApiError> {
        let given = params.get("SECRET_HASH").map(String::as_str);
        let mut outcome = check_secret_hash(self.client, "", given);
        for name in usernames {
            outcome = check_secret_hash(self.client, name, given);
            if outcome.is_ok() {
                break;
            }
        }
        outcome
    }

    /// `GetTokensFromRefreshToken` sends the secret itself.
    pub(crate) fn check_client_secret(&self, sent: Option<&str>) -> Result<(), ApiError> {
        if self.client.secret.is_none() && self.client.added_secrets.is_empty() {
            return Ok(());
        }
        let ok = sent.is_some_and(|s| {
            self.client.secrets().fold(false, |ok, secret| {
                ok | bool::from(s.as_bytes().ct_eq(secret.as_bytes()))
            })
        });
        if ok {
            Ok(())
        } else {
            Err(ApiError::new(
                Exception::NotAuthorizedException,
                format!("Unable to verify secret for client {}", self.client.id),
            ))
        }
    }
}

/// Cognito names the flow without `ADMIN_`'s `ALLOW_`: `USER_PASSWORD_AUTH flow not enabled`.
fn short_flow_name(flow: &str) -> &str {
    match flow {
        "REFRESH_TOKEN" => "REFRESH_TOKEN_AUTH",
        "ADMIN_NO_SRP_AUTH" => "ADMIN_USER_PASSWORD_AUTH",
        other => other,
    }
}
