//! Passkey enrolment, by the signed-in user's access token (scope
//! `aws.cognito.signin.user.admin`): `StartWebAuthnRegistration` (creation options and a
//! challenge), `CompleteWebAuthnRegistration` (the verified credential stored),
//! `ListWebAuthnCredentials` and `DeleteWebAuthnCredential`.
//!
//! The registration challenge is kept as the sign-in challenges are (`auth_challenges`),
//! keyed by the hash of the challenge itself: single use, expiring with
//! [`CHALLENGE_VALIDITY_SECS`], bound to the user and to the app client of the access token.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::me::signed_in_user;
use super::users::Empty;
use super::{run, ApiError, Call, Exception};
use crate::access_token::AccessToken;
use crate::passkey::RelyingParty;
use crate::passkey::{self, b64url, b64url_decode, ClientData, PasskeyError, RegistrationJson};
use crate::passkey_config::relying_party;
use crate::passkey_sign_in::{new_challenge, user_handle};
use crate::pool::UserPool;
use crate::store::{ChallengeRow, PasskeyRow, CHALLENGE_VALIDITY_SECS};
use crate::tokens;

/// The names [`dispatch`] answers.
pub(crate) const OPERATIONS: &[&str] = &[
    "StartWebAuthnRegistration",
    "CompleteWebAuthnRegistration",
    "ListWebAuthnCredentials",
    "DeleteWebAuthnCredential",
];

/// The passkey operations, by name.
pub(crate) async fn dispatch(call: &Call, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
    match operation {
        "StartWebAuthnRegistration" => run(call, body, start_registration).await,
        "CompleteWebAuthnRegistration" => run(call, body, complete_registration).await,
        "ListWebAuthnCredentials" => run(call, body, list_credentials).await,
        _ => run(call, body, delete_credential).await,
    }
}

/// The registration challenge's name in `auth_challenges`.
const REGISTRATION: &str = "WEB_AUTHN_REGISTRATION";
/// Passkeys one user may have (Cognito's quota).
const MAX_PASSKEYS: usize = 20;
/// The transports WebAuthn defines (`AuthenticatorTransport`); others are not stored.
const TRANSPORTS: &[&str] = &["usb", "nfc", "ble", "smart-card", "hybrid", "internal"];

/// The relying party, or Cognito's error for a pool without one, naming the fix.
pub(crate) async fn required_relying_party(
    pool: &UserPool,
    pool_id: &str,
) -> Result<RelyingParty, ApiError> {
    relying_party(pool, pool_id).await?.ok_or_else(|| {
        ApiError::new(
            Exception::WebAuthnConfigurationMissingException,
            "This user pool has no passkey relying party: set WebAuthnConfiguration.RelyingPartyId \
             (the site's domain, or localhost) with SetUserPoolMfaConfig.",
        )
    })
}

/// A refused registration, as Cognito names it.
fn registration_error(e: PasskeyError) -> ApiError {
    let kind = match e {
        PasskeyError::ChallengeMismatch => Exception::WebAuthnChallengeNotFoundException,
        PasskeyError::OriginNotAllowed => Exception::WebAuthnOriginNotAllowedException,
        PasskeyError::RelyingPartyMismatch => Exception::WebAuthnRelyingPartyMismatchException,
        PasskeyError::Unsupported(_) | PasskeyError::UserNotVerified => {
            Exception::WebAuthnCredentialNotSupportedException
        }
        _ => Exception::InvalidParameterException,
    };
    ApiError::new(kind, e.to_string())
}

fn challenge_not_found() -> ApiError {
    ApiError::new(
        Exception::WebAuthnChallengeNotFoundException,
        "The registration challenge is unknown, used or expired: call StartWebAuthnRegistration \
         again and answer within its timeout.",
    )
}

fn too_many() -> ApiError {
    ApiError::new(
        Exception::LimitExceededException,
        "A user can have at most 20 passkeys: delete one with DeleteWebAuthnCredential first.",
    )
}

/// The access token's app client.
fn client_of(token: &AccessToken) -> String {
    token
        .claims
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StartRequest {
    access_token: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StartReply {
    credential_creation_options: Value,
}

/// `StartWebAuthnRegistration`: `PublicKeyCredentialCreationOptionsJSON` for the user.
pub(crate) async fn start_registration(
    call: &Call,
    req: StartRequest,
) -> Result<StartReply, ApiError> {
    let (token, user) = signed_in_user(call, &req.access_token).await?;
    let rp = required_relying_party(&call.pool, &token.pool_id).await?;
    let existing = call
        .pool
        .store()
        .user_passkeys(&token.pool_id, &user.sub)
        .await?;
    if existing.len() >= MAX_PASSKEYS {
        return Err(too_many());
    }
    let (_, challenge) = new_challenge();
    let row = ChallengeRow {
        pool_id: token.pool_id.clone(),
        client_id: client_of(&token),
        sub: user.sub.clone(),
        challenge: REGISTRATION.to_string(),
        state: vec![],
        expires_at: call.pool.now() + CHALLENGE_VALIDITY_SECS,
    };
    call.pool
        .store()
        .insert_challenge(&tokens::hash_secret(&challenge), &row)
        .await?;
    let name = if user.username.is_some() {
        user.username().to_string()
    } else {
        user.email.clone()
    };
    let display_name = user.attributes.get("name").cloned().unwrap_or(name.clone());
    let exclude: Vec<Value> = existing
        .iter()
        .map(|c| json!({ "id": c.credential_id, "type": "public-key", "transports": c.transports }))
        .collect();
    let options = json!({
        "rp": { "id": rp.id, "name": rp.id },
        "user": { "id": b64url(&user_handle(&user)), "name": name, "displayName": display_name },
        "challenge": challenge,
        "pubKeyCredParams": [
            { "type": "public-key", "alg": passkey::ES256 },
            { "type": "public-key", "alg": passkey::RS256 },
        ],
        "timeout": CHALLENGE_VALIDITY_SECS * 1000,
        "excludeCredentials": exclude,
        "authenticatorSelection": {
            "residentKey": "required",
            "requireResidentKey": true,
            "userVerification": if rp.user_verification_required { "required" } else { "preferred" },
        },
    });
    Ok(StartReply {
        credential_creation_options: options,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CompleteRequest {
    access_token: String,
    credential: Value,
}

/// `CompleteWebAuthnRegistration`: verifies the `RegistrationResponseJSON` against the
/// challenge it answers, then stores the passkey.
pub(crate) async fn complete_registration(
    call: &Call,
    req: CompleteRequest,
) -> Result<Empty, ApiError> {
    let (token, user) = signed_in_user(call, &req.access_token).await?;
    let rp = required_relying_party(&call.pool, &token.pool_id).await?;
    let json = RegistrationJson::from_value(req.credential).map_err(registration_error)?;
    let sent = json.decode().map_err(registration_error)?;
    let client_data = ClientData::parse(&sent.client_data_json).map_err(registration_error)?;
    // The challenge, as issued: its canonical base64url names the stored one.
    let challenge = b64url_decode(&client_data.challenge).map_err(|_| challenge_not_found())?;
    let store = call.pool.store();
    let row = store
        .take_challenge(&tokens::hash_secret(&b64url(&challenge)), call.pool.now())
        .await?
        .filter(|r| r.challenge == REGISTRATION && r.pool_id == token.pool_id && r.sub == user.sub)
        .ok_or_else(challenge_not_found)?;
    if row.client_id != client_of(&token) {
        return Err(ApiError::new(
            Exception::WebAuthnClientMismatchException,
            "The registration was started by another app client: complete it with an access \
             token of the client that called StartWebAuthnRegistration.",
        ));
    }
    let registration = passkey::verify_registration(
        &rp,
        &challenge,
        &sent.client_data_json,
        &sent.attestation_object,
        &sent.credential_id,
    )
    .map_err(registration_error)?;
    if store.user_passkeys(&token.pool_id, &user.sub).await?.len() >= MAX_PASSKEYS {
        return Err(too_many());
    }
    let now = call.pool.now();
    let attachment = json
        .authenticator_attachment
        .clone()
        .filter(|a| a == "platform" || a == "cross-platform");
    let row = PasskeyRow {
        credential_id: b64url(&registration.credential_id),
        sub: user.sub.clone(),
        relying_party_id: rp.id.clone(),
        public_key: registration.public_key,
        algorithm: registration.algorithm,
        sign_count: registration.sign_count,
        transports: json
            .transports()
            .into_iter()
            .filter(|t| TRANSPORTS.contains(&t.as_str()))
            .collect(),
        friendly_name: friendly_name(attachment.as_deref(), now),
        attachment,
        created_at: now,
        last_used_at: None,
    };
    if !store.insert_passkey(&token.pool_id, &row).await? {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "This passkey is registered already: sign in with it, or delete it first.",
        ));
    }
    let aaguid: String = registration
        .aaguid
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    tracing::info!(
        pool = %token.pool_id,
        sub = %user.sub,
        format = %registration.format,
        %aaguid,
        user_verified = registration.user_verified,
        "passkey registered"
    );
    Ok(Empty {})
}

/// Cognito generates the name; here it says what kind of authenticator and when.
fn friendly_name(attachment: Option<&str>, now: i64) -> String {
    let kind = match attachment {
        Some("platform") => "Passkey on this device",
        Some("cross-platform") => "Security key",
        _ => "Passkey",
    };
    match time::OffsetDateTime::from_unix_timestamp(now) {
        Ok(t) => format!("{kind}, {}", t.date()),
        Err(_) => kind.to_string(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListRequest {
    access_token: String,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListReply {
    credentials: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

/// `ListWebAuthnCredentials`: `WebAuthnCredentialDescription`s, oldest first, 20 a page unless
/// `MaxResults` says fewer.
pub(crate) async fn list_credentials(call: &Call, req: ListRequest) -> Result<ListReply, ApiError> {
    let (token, user) = signed_in_user(call, &req.access_token).await?;
    let all = call
        .pool
        .store()
        .user_passkeys(&token.pool_id, &user.sub)
        .await?;
    let limit = req
        .max_results
        .filter(|n| *n > 0)
        .unwrap_or(MAX_PASSKEYS as i64);
    let (page, next_token) =
        super::list_users::paginate(all, Some(limit), req.next_token.as_deref())?;
    let credentials = page
        .iter()
        .map(|c| {
            let mut d = json!({
                "CredentialId": c.credential_id,
                "FriendlyCredentialName": c.friendly_name,
                "RelyingPartyId": c.relying_party_id,
                "AuthenticatorTransports": c.transports,
                "CreatedAt": c.created_at,
            });
            if let Some(a) = &c.attachment {
                d["AuthenticatorAttachment"] = json!(a);
            }
            d
        })
        .collect();
    Ok(ListReply {
        credentials,
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DeleteRequest {
    access_token: String,
    credential_id: String,
}

/// `DeleteWebAuthnCredential`: one of the user's own passkeys.
pub(crate) async fn delete_credential(call: &Call, req: DeleteRequest) -> Result<Empty, ApiError> {
    let (token, user) = signed_in_user(call, &req.access_token).await?;
    let deleted = call
        .pool
        .store()
        .delete_passkey(&token.pool_id, &user.sub, &req.credential_id)
        .await?;
    if !deleted {
        return Err(ApiError::new(
            Exception::ResourceNotFoundException,
            "The user has no passkey with that CredentialId: ListWebAuthnCredentials lists them.",
        ));
    }
    Ok(Empty {})
}
