//! Passkeys (WebAuthn) as a relying party verifies them: the registration response of
//! `navigator.credentials.create` (WebAuthn Level 3, §7.1) and the assertion of
//! `navigator.credentials.get` (§7.2). Signatures are RustCrypto's (P-256 ECDSA, RSA PKCS#1 v1.5
//! with SHA-256); CBOR is `ciborium`'s. What a user pool decides around them (which challenge,
//! which user, which relying party) is the API's (`api/webauthn*.rs`); nothing here touches
//! the store.

mod attestation;
mod authenticator_data;
mod client_data;
mod cose;
mod json;

pub(crate) use attestation::verify_registration;
pub(crate) use client_data::ClientData;
pub(crate) use cose::{ES256, RS256};
pub(crate) use json::{b64url, b64url_decode, AssertionJson, RegistrationJson};

use subtle::ConstantTimeEq;

/// The relying party as the pool is configured (`WebAuthnConfiguration`).
#[derive(Debug, Clone)]
pub(crate) struct RelyingParty {
    /// The RP ID: a domain (`example.com`), or `localhost`.
    pub id: String,
    /// `UserVerification` is `required`: the authenticator must have verified the user.
    pub user_verification_required: bool,
}

/// Why a registration or an assertion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PasskeyError {
    /// Not what WebAuthn sends: bad base64url, JSON, CBOR or structure.
    #[error("The passkey credential is malformed: {0}.")]
    Malformed(&'static str),
    /// The client data's challenge is not the one issued.
    #[error("The passkey response answers another challenge.")]
    ChallengeMismatch,
    /// `webauthn.create` where `webauthn.get` was due, or the reverse.
    #[error("The passkey response is of the wrong ceremony (expected {0}).")]
    WrongType(&'static str),
    /// The page that called WebAuthn is not on the relying party's domain.
    #[error(
        "The passkey response comes from an origin outside the relying party: use a page on \
         https://RELYING_PARTY_ID (or a subdomain), or http://localhost when the RP ID is localhost."
    )]
    OriginNotAllowed,
    /// The authenticator scoped the credential to another RP ID.
    #[error(
        "The passkey belongs to another relying party than this pool's WebAuthnConfiguration \
         RelyingPartyId."
    )]
    RelyingPartyMismatch,
    /// The user-present flag is not set.
    #[error("The authenticator did not test the user's presence.")]
    UserNotPresent,
    /// The user-verified flag is not set, and the pool requires it.
    #[error(
        "The authenticator did not verify the user (PIN or biometrics), which this pool's \
         WebAuthnConfiguration UserVerification=required demands."
    )]
    UserNotVerified,
    /// A key type, algorithm or attestation format this pool does not take.
    #[error("The passkey is not supported: {0}.")]
    Unsupported(&'static str),
    /// The signature does not verify with the credential's public key.
    #[error("The passkey signature does not verify.")]
    BadSignature,
    /// The signature counter did not increase: a cloned authenticator, or a replay.
    #[error("The passkey's signature counter did not increase: the authenticator may be cloned.")]
    CounterNotIncreased,
}

/// Flags of the authenticator data (§6.1).
pub(crate) mod flags {
    /// User present.
    pub const UP: u8 = 0x01;
    /// User verified.
    pub const UV: u8 = 0x04;
    /// Attested credential data included.
    pub const AT: u8 = 0x40;
    /// Extension data included.
    pub const ED: u8 = 0x80;
}

/// A verified assertion: what the stored credential becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Assertion {
    /// The authenticator's new signature counter.
    pub sign_count: u32,
    /// Whether the authenticator verified the user.
    pub user_verified: bool,
}

/// Verifies an assertion (§7.2, steps 11–21) against the challenge issued and the stored
/// credential (`public_key`, a COSE key, and its last `stored_count`).
pub(crate) fn verify_assertion(
    rp: &RelyingParty,
    challenge: &[u8],
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
    public_key: &[u8],
    stored_count: u32,
) -> Result<Assertion, PasskeyError> {
    let client_data = ClientData::parse(client_data_json)?;
    client_data.check("webauthn.get", challenge, &rp.id)?;
    let data = authenticator_data::AuthenticatorData::parse(authenticator_data)?;
    data.check(rp)?;
    let key = cose::PublicKey::parse(public_key)?;
    let mut signed = authenticator_data.to_vec();
    signed.extend_from_slice(&client_data.hash);
    key.verify(&signed, signature)?;
    // §7.2 step 21: a counter that is used (either side nonzero) must grow.
    if (data.sign_count != 0 || stored_count != 0) && data.sign_count <= stored_count {
        return Err(PasskeyError::CounterNotIncreased);
    }
    Ok(Assertion {
        sign_count: data.sign_count,
        user_verified: data.flags & flags::UV != 0,
    })
}

/// Constant-time equality of two byte strings (challenges).
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests;
