//! Cognito's SRP-6a (`USER_SRP_AUTH`), the server side.
//!
//! Cognito signs a user in without the password crossing the wire: the client sends `SRP_A`,
//! the server answers the `PASSWORD_VERIFIER` challenge with `SALT`, `SRP_B` and an opaque
//! `SECRET_BLOCK`, and the client proves it knows the password with
//! `PASSWORD_CLAIM_SIGNATURE`, an HMAC under the key both sides derived.
//!
//! The math is SRP-6a (RFC 5054 / RFC 2945) with Cognito's choices, as the public clients
//! compute them (amazon-cognito-identity-js `AuthenticationHelper.js`, pycognito
//! `aws_srp.py`; summarised in `shared/cognito.md`):
//!
//! - `N` is the 3072-bit prime of RFC 5054 appendix A (= RFC 3526 group 15), `g = 2`,
//!   `H` = SHA-256, `k = H(PAD(N) ‖ PAD(g))`;
//! - `PAD(n)` is the big-endian bytes of `n` with a leading zero byte when the top bit is set
//!   (the clients' `padHex`: a positive two's-complement number), *not* RFC 5054's pad to
//!   the length of `N`;
//! - `x = H(PAD(salt) ‖ H(poolName ‖ userIdForSrp ‖ ":" ‖ password))`, `poolName` being the
//!   part of the pool id after the underscore, `v = g^x mod N`;
//! - `B = (k·v + g^b) mod N`, `u = H(PAD(A) ‖ PAD(B))`, `S = (A·v^u)^b mod N`;
//! - the key is HKDF-SHA256(ikm = `PAD(S)`, salt = `PAD(u)`, info = "Caldera Derived Key"),
//!   16 bytes;
//! - `PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, poolName ‖ userIdForSrp ‖
//!   SECRET_BLOCK bytes ‖ TIMESTAMP))`, see [`format_timestamp`].
//!
//! Use: when a password is set, store [`Verifier::new`]'s salt and verifier. On
//! `InitiateAuth`, [`ServerChallenge::start`] gives the challenge parameters to send and the
//! state to keep in the `Session`; on `RespondToAuthChallenge`, [`ServerChallenge::verify`].
//!
//! The arithmetic (`num-bigint`) is not constant-time; fine for a local pool, not for a
//! production service.

use std::fmt;
use std::sync::LazyLock;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// RFC 5054 appendix A, 3072-bit group (the same prime as RFC 3526 group 15).
const N_HEX: [&str; 12] = [
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
];
const G: u32 = 2;
const HKDF_INFO: &[u8] = b"Caldera Derived Key";
/// Salt bytes; the first one is kept in 0x01..=0x7f (see [`random_salt`]).
const SALT_LEN: usize = 16;
/// Server secret `b`: 256 bits.
const SMALL_B_LEN: usize = 32;
const SECRET_BLOCK_LEN: usize = 32;
const KEY_LEN: usize = 16;
/// Longest hex number accepted from outside: a little over `N`'s 768 digits.
const MAX_HEX_DIGITS: usize = 800;
/// Tag of the [`ServerChallenge::to_secret_bytes`] format.
const STATE_VERSION: &[u8; 4] = b"srp1";
/// Longest `USER_ID_FOR_SRP` accepted (Cognito user names are at most 128 characters).
const MAX_USER_ID_BYTES: usize = 1024;

static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.concat().as_bytes(), 16).expect("N is hex"));
static K: LazyLock<BigUint> = LazyLock::new(|| {
    let mut h = Sha256::new();
    h.update(pad(&N));
    h.update(pad(&BigUint::from(G)));
    BigUint::from_bytes_be(&h.finalize())
});

/// Why an SRP step failed. The API layer maps [`SrpError::Mismatch`] to
/// `NotAuthorizedException` ("Incorrect username or password.") and the rest to
/// `InvalidParameterException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// The pool id is not `{region}_{name}`.
    #[error("the pool id is not of the form {{region}}_{{name}}")]
    InvalidPoolId,
    /// The user id is empty or longer than 1024 bytes.
    #[error("USER_ID_FOR_SRP is empty or too long")]
    InvalidUserId,
    /// `SRP_A` is not a hex number of at most 800 digits.
    #[error("SRP_A is not a hex number")]
    MalformedA,
    /// `SRP_A` is 0 modulo N: it would let the client skip the password.
    #[error("SRP_A is not acceptable")]
    IllegalA,
    /// A stored salt or verifier is not hex, or the verifier is not in 1..N.
    #[error("the stored SRP verifier is malformed")]
    MalformedVerifier,
    /// `PASSWORD_CLAIM_SECRET_BLOCK` or `PASSWORD_CLAIM_SIGNATURE` is not base64.
    #[error("the password claim is not base64")]
    MalformedClaim,
    /// Bytes given to [`ServerChallenge::from_secret_bytes`] are not a challenge state.
    #[error("the SRP challenge state is malformed")]
    MalformedState,
    /// Wrong password, or a claim for another user, challenge or timestamp.
    #[error("the password claim does not match")]
    Mismatch,
}

/// `poolName`: the part of a pool id after the underscore (`us-east-1_AbC` → `AbC`).
pub fn pool_name(pool_id: &str) -> Result<&str, SrpError> {
    match pool_id.split_once('_') {
        Some((region, name))
            if !region.is_empty() && (1..=255).contains(&name.len()) && !name.contains('_') =>
        {
            Ok(name)
        }
        _ => Err(SrpError::InvalidPoolId),
    }
}

/// Cognito's `TIMESTAMP`: `Tue Dec 1 21:16:08 UTC 2026` (English, day not zero-padded).
/// `None` outside the years `time` can format.
pub fn format_timestamp(unix_secs: i64) -> Option<String> {
    let format = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] \
         [hour]:[minute]:[second] UTC [year]"
    );
    time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()?
        .format(&format)
        .ok()
}

/// What the server stores for a password: a salt and `v = g^x mod N`.
///
/// The verifier allows an offline guess at the password, so it is kept like a password hash
/// and never shown: `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    salt: Vec<u8>,
    verifier: BigUint,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier { .. }")
    }
}

impl Verifier {
    /// A verifier with a fresh random salt for `user_id` (`USER_ID_FOR_SRP`, the user's
    /// internal name) in the pool `pool_id` (e.g. `us-east-1_AbC`).
    pub fn new(pool_id: &str, user_id: &str, password: &str) -> Result<Verifier, SrpError> {
        if user_id.is_empty() || user_id.len() > MAX_USER_ID_BYTES {
            return Err(SrpError::InvalidUserId);
        }
        let salt = random_salt();
        let x = private_key_x(pool_name(pool_id)?, user_id, password, &salt);
        let verifier = BigUint::from(G).modpow(&x, &N);
        Ok(Verifier { salt, verifier })
    }

    /// A stored verifier, as given by [`Verifier::salt_hex`] and [`Verifier::verifier_hex`].
    pub fn from_hex(salt_hex: &str, verifier_hex: &str) -> Result<Verifier, SrpError> {
        let salt = parse_hex(salt_hex)
            .filter(|s| s.bits() > 0)
            .ok_or(SrpError::MalformedVerifier)?
            .to_bytes_be();
        let verifier = parse_hex(verifier_hex)
            .filter(|v| v.bits() > 0 && *v < *N)
            .ok_or(SrpError::MalformedVerifier)?;
        Ok(Verifier { salt, verifier })
    }

    /// The salt, lower-case hex: what the server sends as `SALT`.
    pub fn salt_hex(&self) -> String {
        hex_lower(&self.salt)
    }

    /// The verifier `v`, lower-case hex, for storage.
    pub fn verifier_hex(&self) -> String {
        self.verifier.to_str_radix(16)
    }
}

/// The `PASSWORD_VERIFIER` challenge parameters that [`ServerChallenge::start`] makes
/// (`USER_ID_FOR_SRP` goes with them; the caller knows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeParameters {
    /// `SALT`, hex.
    pub salt: String,
    /// `SRP_B`, hex.
    pub srp_b: String,
    /// `SECRET_BLOCK`, base64: random bytes that name this challenge.
    pub secret_block: String,
}

/// A started `PASSWORD_VERIFIER` challenge: the derived key and what the claim must match.
///
/// Secret (whoever holds it can forge the claim), so `Debug` redacts it, and it is used once:
/// [`ServerChallenge::verify`] consumes it, and the caller must drop the `Session` after one
/// answer, right or wrong.
pub struct ServerChallenge {
    key: [u8; KEY_LEN],
    secret_block: [u8; SECRET_BLOCK_LEN],
    pool_name: String,
    user_id: String,
}

impl fmt::Debug for ServerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerChallenge")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl ServerChallenge {
    /// Answers `SRP_A` for `user_id` in `pool_id`, whose stored verifier is `verifier`.
    ///
    /// Refuses an `SRP_A` that is not hex or is 0 mod N. The key is derived here, so the
    /// state kept until the answer holds neither `b` nor the verifier.
    pub fn start(
        verifier: &Verifier,
        pool_id: &str,
        user_id: &str,
        srp_a_hex: &str,
    ) -> Result<(ServerChallenge, ChallengeParameters), SrpError> {
        ServerChallenge::start_named(verifier, pool_name(pool_id)?, user_id, srp_a_hex)
    }

    /// As [`ServerChallenge::start`], with the `poolName` part given as it is: a device's
    /// SRP (`DEVICE_SRP_AUTH`) has its `DeviceGroupKey` there, and its `DeviceKey` as the
    /// user id.
    pub fn start_named(
        verifier: &Verifier,
        pool_name: &str,
        user_id: &str,
        srp_a_hex: &str,
    ) -> Result<(ServerChallenge, ChallengeParameters), SrpError> {
        if !(1..=255).contains(&pool_name.len()) {
            return Err(SrpError::InvalidPoolId);
        }
        let pool_name = pool_name.to_string();
        if user_id.is_empty() || user_id.len() > MAX_USER_ID_BYTES {
            return Err(SrpError::InvalidUserId);
        }
        let a = parse_hex(srp_a_hex).ok_or(SrpError::MalformedA)?;
        if (&a % &*N).bits() == 0 {
            return Err(SrpError::IllegalA);
        }
        let v = &verifier.verifier;
        // B = 0 or u = 0 would make the exchange degenerate; both are ~2^-256 events, so a
        // fresh b is simply drawn.
        let (b, big_b, u) = loop {
            let b = random_biguint(SMALL_B_LEN);
            let big_b = (&*K * v + BigUint::from(G).modpow(&b, &N)) % &*N;
            if big_b.bits() == 0 {
                continue;
            }
            let u = hash_to_int(&[&pad(&a), &pad(&big_b)]);
            if u.bits() > 0 {
                break (b, big_b, u);
            }
        };
        let s = ((&a * v.modpow(&u, &N)) % &*N).modpow(&b, &N);
        let key = derive_key(&s, &u);
        let mut secret_block = [0u8; SECRET_BLOCK_LEN];
        rand::rngs::OsRng.fill_bytes(&mut secret_block);
        let params = ChallengeParameters {
            salt: verifier.salt_hex(),
            srp_b: big_b.to_str_radix(16),
            secret_block: BASE64.encode(secret_block),
        };
        let challenge = ServerChallenge {
            key,
            secret_block,
            pool_name,
            user_id: user_id.to_string(),
        };
        Ok((challenge, params))
    }

    /// The user this challenge is for (`USER_ID_FOR_SRP`).
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// Checks the client's answer: `USERNAME`, `PASSWORD_CLAIM_SECRET_BLOCK`, `TIMESTAMP`
    /// and `PASSWORD_CLAIM_SIGNATURE`, as sent. `Ok` means the client knows the password.
    ///
    /// The timestamp is only checked as part of the signature; whether it is recent enough is
    /// the caller's policy, as is the challenge's lifetime.
    pub fn verify(
        self,
        username: &str,
        secret_block_b64: &str,
        timestamp: &str,
        signature_b64: &str,
    ) -> Result<(), SrpError> {
        let block = BASE64
            .decode(secret_block_b64)
            .map_err(|_| SrpError::MalformedClaim)?;
        let signature = BASE64
            .decode(signature_b64)
            .map_err(|_| SrpError::MalformedClaim)?;
        let expected =
            claim_signature(&self.key, &self.pool_name, &self.user_id, &block, timestamp);
        let same_user = username.as_bytes().ct_eq(self.user_id.as_bytes());
        let same_block = block.as_slice().ct_eq(&self.secret_block);
        let same_signature = signature.as_slice().ct_eq(&expected);
        if bool::from(same_user & same_block & same_signature) {
            Ok(())
        } else {
            Err(SrpError::Mismatch)
        }
    }

    /// The state as bytes, to keep in the `Session` until the answer.
    ///
    /// **Secret**: it holds the key, so it may leave the server only encrypted and
    /// authenticated (e.g. AES-GCM under a server key, with an expiry); a server-side store
    /// needs no more.
    pub fn to_secret_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.pool_name.len() + self.user_id.len());
        out.extend_from_slice(STATE_VERSION);
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&self.secret_block);
        // Both texts are short: pool names by `pool_name`, user ids by `start`.
        for text in [&self.pool_name, &self.user_id] {
            let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&text.as_bytes()[..usize::from(len)]);
        }
        out
    }

    /// The state back from [`ServerChallenge::to_secret_bytes`].
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<ServerChallenge, SrpError> {
        let mut rest = bytes
            .strip_prefix(STATE_VERSION.as_slice())
            .ok_or(SrpError::MalformedState)?;
        let key = take(&mut rest, KEY_LEN)?
            .try_into()
            .map_err(|_| SrpError::MalformedState)?;
        let secret_block = take(&mut rest, SECRET_BLOCK_LEN)?
            .try_into()
            .map_err(|_| SrpError::MalformedState)?;
        let pool_name = take_text(&mut rest)?;
        let user_id = take_text(&mut rest)?;
        if !rest.is_empty() {
            return Err(SrpError::MalformedState);
        }
        Ok(ServerChallenge {
            key,
            secret_block,
            pool_name,
            user_id,
        })
    }
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], SrpError> {
    if rest.len() < n {
        return Err(SrpError::MalformedState);
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn take_text(rest: &mut &[u8]) -> Result<String, SrpError> {
    let len = take(rest, 2)?;
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    let text = take(rest, len)?;
    String::from_utf8(text.to_vec()).map_err(|_| SrpError::MalformedState)
}

/// The clients' `padHex`, as bytes.
fn pad(n: &BigUint) -> Vec<u8> {
    let bytes = n.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        [&[0u8][..], &bytes].concat()
    } else {
        bytes
    }
}

fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    BigUint::from_bytes_be(&h.finalize())
}

/// `x = H(PAD(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password))`. The clients read `SALT` as a
/// number, so the salt is hashed as `PAD` of that number.
fn private_key_x(pool_name: &str, user_id: &str, password: &str, salt: &[u8]) -> BigUint {
    let identity = Sha256::new()
        .chain_update(pool_name)
        .chain_update(user_id)
        .chain_update(":")
        .chain_update(password)
        .finalize();
    hash_to_int(&[&pad(&BigUint::from_bytes_be(salt)), &identity])
}

fn derive_key(s: &BigUint, u: &BigUint) -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    hkdf::Hkdf::<Sha256>::new(Some(&pad(u)), &pad(s))
        .expand(HKDF_INFO, &mut key)
        .expect("16 bytes is a valid HKDF-SHA256 length");
    key
}

fn claim_signature(
    key: &[u8],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(pool_name.as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A salt whose first byte is in 0x01..=0x7f: its hex then reads the same to every client,
/// whether it hex-decodes `SALT` (cognito_srp, warrant) or parses it as a number and pads
/// it (amazon-cognito-identity-js, pycognito).
fn random_salt() -> Vec<u8> {
    let mut salt = vec![0u8; SALT_LEN];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    salt[0] = 1 + salt[0] % 0x7f;
    salt
}

fn random_biguint(len: usize) -> BigUint {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    BigUint::from_bytes_be(&bytes)
}

/// A hex number from outside: ASCII hex digits only (`num-bigint` alone would also take
/// `_`), at most [`MAX_HEX_DIGITS`].
fn parse_hex(hex: &str) -> Option<BigUint> {
    if hex.is_empty() || hex.len() > MAX_HEX_DIGITS || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(hex.as_bytes(), 16)
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[path = "srp_tests.rs"]
mod tests;
