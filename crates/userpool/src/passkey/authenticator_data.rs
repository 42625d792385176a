//! The authenticator data (§6.1): `rpIdHash ‖ flags ‖ signCount ‖ [attestedCredentialData]
//! ‖ [extensions]`, the part the authenticator itself vouches for.

use sha2::{Digest, Sha256};

use super::{flags, PasskeyError, RelyingParty};

/// The longest credential id WebAuthn allows (§5.10.3's 1023 bytes).
const MAX_CREDENTIAL_ID: usize = 1023;

/// Parsed authenticator data, borrowing from the bytes.
#[derive(Debug)]
pub(crate) struct AuthenticatorData<'a> {
    pub rp_id_hash: &'a [u8],
    pub flags: u8,
    pub sign_count: u32,
    /// Present when the `AT` flag is (registration).
    pub attested: Option<AttestedCredential<'a>>,
}

/// The attested credential data (§6.5.2).
#[derive(Debug)]
pub(crate) struct AttestedCredential<'a> {
    pub aaguid: &'a [u8],
    pub credential_id: &'a [u8],
    /// The credential's public key, a COSE key, as encoded.
    pub public_key: &'a [u8],
}

fn malformed() -> PasskeyError {
    PasskeyError::Malformed("the authenticator data is truncated or has trailing bytes")
}

/// Splits `n` bytes off the front of `rest`.
fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], PasskeyError> {
    if rest.len() < n {
        return Err(malformed());
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

/// The length of the one CBOR item at the front of `bytes`.
fn cbor_item_len(bytes: &[u8]) -> Result<usize, PasskeyError> {
    let mut rest = bytes;
    ciborium::from_reader::<ciborium::Value, _>(&mut rest)
        .map_err(|_| PasskeyError::Malformed("the authenticator data holds invalid CBOR"))?;
    Ok(bytes.len() - rest.len())
}

impl<'a> AuthenticatorData<'a> {
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, PasskeyError> {
        let mut rest = bytes;
        let rp_id_hash = take(&mut rest, 32)?;
        let flag_bits = take(&mut rest, 1)?[0];
        let count = take(&mut rest, 4)?;
        let sign_count = u32::from_be_bytes([count[0], count[1], count[2], count[3]]);
        let attested = if flag_bits & flags::AT != 0 {
            let aaguid = take(&mut rest, 16)?;
            let len = take(&mut rest, 2)?;
            let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
            if len == 0 || len > MAX_CREDENTIAL_ID {
                return Err(PasskeyError::Malformed(
                    "the credential id's length is out of range",
                ));
            }
            let credential_id = take(&mut rest, len)?;
            let key_len = cbor_item_len(rest)?;
            let public_key = take(&mut rest, key_len)?;
            Some(AttestedCredential {
                aaguid,
                credential_id,
                public_key,
            })
        } else {
            None
        };
        if flag_bits & flags::ED != 0 {
            let ext_len = cbor_item_len(rest)?;
            take(&mut rest, ext_len)?;
        }
        if !rest.is_empty() {
            return Err(malformed());
        }
        Ok(AuthenticatorData {
            rp_id_hash,
            flags: flag_bits,
            sign_count,
            attested,
        })
    }

    /// §7.1 steps 13–15, §7.2 steps 15–17: scoped to this RP ID, the user present, and
    /// verified when the pool requires it.
    pub(crate) fn check(&self, rp: &RelyingParty) -> Result<(), PasskeyError> {
        let expected = Sha256::digest(rp.id.to_ascii_lowercase().as_bytes());
        if self.rp_id_hash != expected.as_slice() {
            return Err(PasskeyError::RelyingPartyMismatch);
        }
        if self.flags & flags::UP == 0 {
            return Err(PasskeyError::UserNotPresent);
        }
        if rp.user_verification_required && self.flags & flags::UV == 0 {
            return Err(PasskeyError::UserNotVerified);
        }
        Ok(())
    }
}
