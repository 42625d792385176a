//! The registration ceremony's checks (§7.1): the client data, the attestation object
//! (`{fmt, attStmt, authData}` in CBOR) and the new credential in it.
//!
//! Attestation: a pool asks for none (`attestation` is left at its default, `none`), and so
//! browsers send the `none` format. A software or roaming authenticator may still send
//! `packed`: its self-attestation (no certificate) is verified with the credential's own key,
//! since that is cheap; a statement with a certificate chain, and the other registered formats,
//! are taken without checking the chain, as a relying party that asked for no attestation may
//! (§7.1 step 21 leaves trust in the attestation to the relying party's policy).

use ciborium::Value;

use super::authenticator_data::AuthenticatorData;
use super::client_data::ClientData;
use super::cose::PublicKey;
use super::{flags, PasskeyError, RelyingParty};

/// The attestation formats of the WebAuthn registry that are taken without verifying their
/// certificate chain (see the module's documentation).
const UNVERIFIED_FORMATS: &[&str] = &[
    "packed",
    "tpm",
    "android-key",
    "android-safetynet",
    "fido-u2f",
    "apple",
];

/// A verified new credential, as the pool stores it.
#[derive(Debug, Clone)]
pub(crate) struct Registration {
    pub credential_id: Vec<u8>,
    /// The COSE key, as the authenticator encoded it.
    pub public_key: Vec<u8>,
    pub algorithm: i64,
    pub sign_count: u32,
    pub user_verified: bool,
    /// The authenticator model's AAGUID (all zeros when not told).
    pub aaguid: Vec<u8>,
    pub format: String,
}

fn malformed() -> PasskeyError {
    PasskeyError::Malformed("attestationObject is not a WebAuthn attestation object")
}

/// The attestation object's three members.
struct AttestationObject {
    fmt: String,
    statement: Vec<(Value, Value)>,
    auth_data: Vec<u8>,
}

fn parse_object(bytes: &[u8]) -> Result<AttestationObject, PasskeyError> {
    let mut rest = bytes;
    let value: Value = ciborium::from_reader(&mut rest).map_err(|_| malformed())?;
    if !rest.is_empty() {
        return Err(malformed());
    }
    let Value::Map(map) = value else {
        return Err(malformed());
    };
    let (mut fmt, mut statement, mut auth_data) = (None, None, None);
    for (k, v) in map {
        match k.as_text() {
            Some("fmt") if fmt.is_none() => fmt = Some(v.into_text().map_err(|_| malformed())?),
            Some("attStmt") if statement.is_none() => {
                statement = Some(v.into_map().map_err(|_| malformed())?)
            }
            Some("authData") if auth_data.is_none() => {
                auth_data = Some(v.into_bytes().map_err(|_| malformed())?)
            }
            // A member twice is malformed; others are ignored (§6.5.4 allows none).
            Some("fmt" | "attStmt" | "authData") => return Err(malformed()),
            _ => {}
        }
    }
    Ok(AttestationObject {
        fmt: fmt.ok_or_else(malformed)?,
        statement: statement.ok_or_else(malformed)?,
        auth_data: auth_data.ok_or_else(malformed)?,
    })
}

/// Verifies a registration response: `client_data_json` and `attestation_object` as decoded
/// from the response, `credential_id` its `rawId`, `challenge` the one issued (raw bytes).
pub(crate) fn verify_registration(
    rp: &RelyingParty,
    challenge: &[u8],
    client_data_json: &[u8],
    attestation_object: &[u8],
    credential_id: &[u8],
) -> Result<Registration, PasskeyError> {
    let client_data = ClientData::parse(client_data_json)?;
    client_data.check("webauthn.create", challenge, &rp.id)?;
    let object = parse_object(attestation_object)?;
    let data = AuthenticatorData::parse(&object.auth_data)?;
    data.check(rp)?;
    let attested = data
        .attested
        .as_ref()
        .filter(|_| data.flags & flags::AT != 0)
        .ok_or(PasskeyError::Malformed(
            "the authenticator data holds no credential",
        ))?;
    if attested.credential_id != credential_id {
        return Err(PasskeyError::Malformed(
            "rawId is not the credential id the authenticator made",
        ));
    }
    let key = PublicKey::parse(attested.public_key)?;
    check_statement(&object, &key, &client_data)?;
    Ok(Registration {
        credential_id: attested.credential_id.to_vec(),
        public_key: attested.public_key.to_vec(),
        algorithm: key.algorithm(),
        sign_count: data.sign_count,
        user_verified: data.flags & flags::UV != 0,
        aaguid: attested.aaguid.to_vec(),
        format: object.fmt.clone(),
    })
}

/// §7.1 steps 19–21 under the policy of the module's documentation.
fn check_statement(
    object: &AttestationObject,
    key: &PublicKey,
    client_data: &ClientData,
) -> Result<(), PasskeyError> {
    let member = |name: &str| {
        object
            .statement
            .iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .map(|(_, v)| v)
    };
    match object.fmt.as_str() {
        // §8.7: the `none` statement is empty.
        "none" if object.statement.is_empty() => Ok(()),
        "none" => Err(malformed()),
        // §8.2: self attestation, signed by the new credential's own key.
        "packed" if member("x5c").is_none() => {
            let alg = member("alg")
                .and_then(Value::as_integer)
                .map(i128::from)
                .ok_or_else(malformed)?;
            if alg != i128::from(key.algorithm()) {
                return Err(PasskeyError::Malformed(
                    "the packed self-attestation's algorithm is not the credential's",
                ));
            }
            let sig = member("sig")
                .and_then(Value::as_bytes)
                .ok_or_else(malformed)?;
            let mut signed = object.auth_data.clone();
            signed.extend_from_slice(&client_data.hash);
            key.verify(&signed, sig)
        }
        f if UNVERIFIED_FORMATS.contains(&f) => Ok(()),
        _ => Err(PasskeyError::Unsupported(
            "the attestation format is not one WebAuthn registers",
        )),
    }
}
