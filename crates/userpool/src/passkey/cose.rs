//! COSE public keys (RFC 9053, RFC 8230) of the two algorithms a Cognito pool asks for:
//! ES256 (EC2 on P-256) and RS256 (RSA, PKCS#1 v1.5 with SHA-256).

use ciborium::Value;
use p256::ecdsa::signature::Verifier as _;
use rsa::pkcs1v15;
use rsa::{BigUint, RsaPublicKey};
use sha2::Sha256;

use super::PasskeyError;

/// COSE algorithm ES256.
pub(crate) const ES256: i64 = -7;
/// COSE algorithm RS256.
pub(crate) const RS256: i64 = -257;

/// Key types (`kty`).
const KTY_EC2: i128 = 2;
const KTY_RSA: i128 = 3;
/// The EC2 curve P-256 (`crv`).
const CRV_P256: i128 = 1;
/// The smallest RSA modulus taken: 2048 bits, as NIST and the FIDO metadata require.
const MIN_RSA_BITS: usize = 2048;

/// A credential's public key, ready to verify.
#[derive(Debug)]
pub(crate) enum PublicKey {
    Es256(p256::ecdsa::VerifyingKey),
    Rs256(Box<pkcs1v15::VerifyingKey<Sha256>>),
}

fn unsupported(what: &'static str) -> PasskeyError {
    PasskeyError::Unsupported(what)
}

fn malformed() -> PasskeyError {
    PasskeyError::Malformed("the public key is not a COSE key")
}

/// The COSE map's entries by integer label; a repeated label is malformed.
fn entries(bytes: &[u8]) -> Result<Vec<(i128, Value)>, PasskeyError> {
    let mut rest = bytes;
    let value: Value = ciborium::from_reader(&mut rest).map_err(|_| malformed())?;
    if !rest.is_empty() {
        return Err(malformed());
    }
    let Value::Map(map) = value else {
        return Err(malformed());
    };
    let mut out: Vec<(i128, Value)> = Vec::with_capacity(map.len());
    for (k, v) in map {
        let label = k.as_integer().map(i128::from).ok_or_else(malformed)?;
        if out.iter().any(|(l, _)| *l == label) {
            return Err(malformed());
        }
        out.push((label, v));
    }
    Ok(out)
}

fn get(entries: &[(i128, Value)], label: i128) -> Option<&Value> {
    entries.iter().find(|(l, _)| *l == label).map(|(_, v)| v)
}

fn int(entries: &[(i128, Value)], label: i128) -> Result<i128, PasskeyError> {
    get(entries, label)
        .and_then(Value::as_integer)
        .map(i128::from)
        .ok_or_else(malformed)
}

fn bytes(entries: &[(i128, Value)], label: i128) -> Result<&[u8], PasskeyError> {
    get(entries, label)
        .and_then(Value::as_bytes)
        .map(Vec::as_slice)
        .ok_or_else(malformed)
}

impl PublicKey {
    /// Parses a COSE key (exactly one CBOR map).
    pub(crate) fn parse(cose: &[u8]) -> Result<PublicKey, PasskeyError> {
        let e = entries(cose)?;
        let kty = int(&e, 1)?;
        let alg = int(&e, 3)?;
        match (kty, alg) {
            (KTY_EC2, a) if a == i128::from(ES256) => {
                if int(&e, -1)? != CRV_P256 {
                    return Err(unsupported("only the P-256 curve is taken for ES256"));
                }
                let (x, y) = (bytes(&e, -2)?, bytes(&e, -3)?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(malformed());
                }
                let mut sec1 = vec![0x04];
                sec1.extend_from_slice(x);
                sec1.extend_from_slice(y);
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map_err(|_| PasskeyError::Malformed("the EC2 key is not a P-256 point"))?;
                Ok(PublicKey::Es256(key))
            }
            (KTY_RSA, a) if a == i128::from(RS256) => {
                let n = BigUint::from_bytes_be(bytes(&e, -1)?);
                let exp = BigUint::from_bytes_be(bytes(&e, -2)?);
                if n.bits() < MIN_RSA_BITS {
                    return Err(unsupported("RSA keys under 2048 bits are not taken"));
                }
                let key = RsaPublicKey::new(n, exp)
                    .map_err(|_| unsupported("the RSA key is out of the sizes taken"))?;
                Ok(PublicKey::Rs256(Box::new(pkcs1v15::VerifyingKey::new(key))))
            }
            _ => Err(unsupported(
                "only ES256 (-7) and RS256 (-257) keys are taken",
            )),
        }
    }

    /// The COSE algorithm.
    pub(crate) fn algorithm(&self) -> i64 {
        match self {
            PublicKey::Es256(_) => ES256,
            PublicKey::Rs256(_) => RS256,
        }
    }

    /// Verifies `signature` over `message` (ES256: ASN.1 DER, as WebAuthn sends it).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), PasskeyError> {
        let ok = match self {
            PublicKey::Es256(key) => p256::ecdsa::Signature::from_der(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            PublicKey::Rs256(key) => pkcs1v15::Signature::try_from(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
        };
        if ok {
            Ok(())
        } else {
            Err(PasskeyError::BadSignature)
        }
    }
}
