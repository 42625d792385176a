//! Cognito's SRP-6a, the client side (`USER_SRP_AUTH`): the password never leaves this server.
//!
//! The math is the one userpool's server (`userpool::srp`) documents: the 3072-bit group of RFC 5054
//! appendix A, `g = 2`, `H` = SHA-256, `k = H(PAD(N) ‖ PAD(g))`, `PAD` the big-endian bytes with a
//! leading zero byte when the top bit is set (the public clients' `padHex`);
//! `x = H(PAD(salt) ‖ H(poolName ‖ userIdForSrp ‖ ":" ‖ password))`, `u = H(PAD(A) ‖ PAD(B))`,
//! `S = (B − k·g^x)^(a + u·x) mod N`, the key HKDF-SHA256(ikm = PAD(S), salt = PAD(u),
//! info = "Caldera Derived Key") cut to 16 bytes, and `PASSWORD_CLAIM_SIGNATURE` =
//! `base64(HMAC-SHA256(key, poolName ‖ userIdForSrp ‖ SECRET_BLOCK bytes ‖ TIMESTAMP))`.
//!
//! The arithmetic (`num-bigint`, the crate userpool's server uses) is not constant time; the values it
//! works on are this sign-in's ephemeral `a` and the password-derived `x`, which stay on this server.

use std::sync::LazyLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// RFC 5054 appendix A, 3072-bit group.
const N_HEX: &str = concat!(
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
);
const G: u32 = 2;
/// The ephemeral secret `a`: 128 random bytes, as amazon-cognito-identity-js draws it.
const SMALL_A_LEN: usize = 128;
/// Longest hex number accepted from the server: a little over `N`'s 768 digits.
const MAX_HEX_DIGITS: usize = 800;

static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N is hex"));
static K: LazyLock<BigUint> = LazyLock::new(|| hash_to_int(&[&pad(&N), &pad(&BigUint::from(G))]));

/// Why the SRP step could not be computed. Each one means the server's challenge is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// The pool id is not `{region}_{name}`.
    #[error("the user pool id is not of the form {{region}}_{{name}}")]
    InvalidPoolId,
    /// `SALT` or `SRP_B` is not a hex number.
    #[error("the PASSWORD_VERIFIER challenge's SALT or SRP_B is not hex")]
    MalformedChallenge,
    /// `SRP_B` is 0 mod N, or `u` is 0: the exchange would not depend on the password.
    #[error("the PASSWORD_VERIFIER challenge's SRP_B is not acceptable")]
    IllegalB,
    /// `SECRET_BLOCK` is not base64.
    #[error("the PASSWORD_VERIFIER challenge's SECRET_BLOCK is not base64")]
    MalformedSecretBlock,
}

/// One SRP sign-in's client state: the secret `a` and `A = g^a mod N`. Make one per attempt.
pub struct SrpClient {
    a: BigUint,
    big_a: BigUint,
    pool_name: String,
}

impl std::fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrpClient")
            .field("pool_name", &self.pool_name)
            .finish_non_exhaustive()
    }
}

impl SrpClient {
    /// A fresh client for the pool `pool_id` (e.g. `eu-west-1_AbC123`), with a random `a`.
    pub fn new(pool_id: &str) -> Result<Self, SrpError> {
        loop {
            let mut bytes = [0u8; SMALL_A_LEN];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let client = Self::with_secret(pool_id, &bytes)?;
            // A = 0 mod N is a ~2^-3072 event; a server would refuse it, so draw again.
            if client.big_a.bits() > 0 {
                return Ok(client);
            }
        }
    }

    /// A client with a given secret `a` (big-endian bytes), for checks against other clients.
    pub fn with_secret(pool_id: &str, a: &[u8]) -> Result<Self, SrpError> {
        let pool_name = pool_name(pool_id)?.to_string();
        let a = BigUint::from_bytes_be(a) % &*N;
        let big_a = BigUint::from(G).modpow(&a, &N);
        Ok(Self {
            a,
            big_a,
            pool_name,
        })
    }

    /// `SRP_A`: `A`, lower-case hex.
    pub fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// `PASSWORD_CLAIM_SIGNATURE` for the `PASSWORD_VERIFIER` challenge (`USER_ID_FOR_SRP`, `SALT`,
    /// `SRP_B`, `SECRET_BLOCK`) at `timestamp` (see [`timestamp`]).
    pub fn claim_signature(
        &self,
        user_id_for_srp: &str,
        password: &str,
        salt_hex: &str,
        srp_b_hex: &str,
        secret_block_b64: &str,
        timestamp: &str,
    ) -> Result<String, SrpError> {
        let salt = parse_hex(salt_hex).ok_or(SrpError::MalformedChallenge)?;
        let b = parse_hex(srp_b_hex).ok_or(SrpError::MalformedChallenge)?;
        if (&b % &*N).bits() == 0 {
            return Err(SrpError::IllegalB);
        }
        let u = hash_to_int(&[&pad(&self.big_a), &pad(&b)]);
        if u.bits() == 0 {
            return Err(SrpError::IllegalB);
        }
        let secret_block = STANDARD
            .decode(secret_block_b64)
            .map_err(|_| SrpError::MalformedSecretBlock)?;
        let identity = Sha256::new()
            .chain_update(&self.pool_name)
            .chain_update(user_id_for_srp)
            .chain_update(":")
            .chain_update(password)
            .finalize();
        let x = hash_to_int(&[&pad(&salt), &identity]);
        let g_x = BigUint::from(G).modpow(&x, &N);
        let k_g_x = (&*K * g_x) % &*N;
        // B − k·g^x, kept in 0..N.
        let base = ((&b % &*N) + &*N - k_g_x) % &*N;
        let s = base.modpow(&(&self.a + &u * &x), &N);
        let mut key = [0u8; 16];
        hkdf::Hkdf::<Sha256>::new(Some(&pad(&u)), &pad(&s))
            .expand(b"Caldera Derived Key", &mut key)
            .expect("16 bytes is a valid HKDF-SHA256 length");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(self.pool_name.as_bytes());
        mac.update(user_id_for_srp.as_bytes());
        mac.update(&secret_block);
        mac.update(timestamp.as_bytes());
        Ok(STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Cognito's `TIMESTAMP` for `unix_secs`: `Tue Dec 1 21:16:08 UTC 2026` (day not zero-padded).
pub fn timestamp(unix_secs: i64) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] \
         [hour]:[minute]:[second] UTC [year]"
    );
    time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// `poolName`: the part of a pool id after the underscore.
fn pool_name(pool_id: &str) -> Result<&str, SrpError> {
    match pool_id.split_once('_') {
        Some((region, name)) if !region.is_empty() && !name.is_empty() && !name.contains('_') => {
            Ok(name)
        }
        _ => Err(SrpError::InvalidPoolId),
    }
}

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

fn parse_hex(hex: &str) -> Option<BigUint> {
    if hex.is_empty() || hex.len() > MAX_HEX_DIGITS || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(hex.as_bytes(), 16)
}

#[cfg(test)]
mod tests {
    //! Checked against userpool's server (an independent implementation, itself checked against
    //! the `cognito_srp` crate in userpool's tests): the server verifies what this client signs.
    use super::*;
    use userpool::srp::{ServerChallenge, SrpError as ServerError, Verifier};

    const POOL_ID: &str = "us-east-1_AbC123";
    const USER_ID: &str = "6f1c2b1e-4d3a-4c5b-9e8f-0a1b2c3d4e5f";
    const PASSWORD: &str = "correct horse Battery 9!";

    fn sign_in(verifier: &Verifier, password: &str) -> Result<(), ServerError> {
        let client = SrpClient::new(POOL_ID).unwrap();
        let (challenge, params) =
            ServerChallenge::start(verifier, POOL_ID, USER_ID, &client.srp_a()).unwrap();
        let ts = timestamp(1_796_000_000);
        let signature = client
            .claim_signature(
                USER_ID,
                password,
                &params.salt,
                &params.srp_b,
                &params.secret_block,
                &ts,
            )
            .unwrap();
        challenge.verify(USER_ID, &params.secret_block, &ts, &signature)
    }

    #[test]
    fn userpools_server_accepts_the_right_password_and_refuses_a_wrong_one() {
        // Many runs: fresh a, b and salt each time, so PAD's leading-zero cases are all met.
        for _ in 0..16 {
            let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
            assert_eq!(sign_in(&verifier, PASSWORD), Ok(()));
            assert_eq!(
                sign_in(&verifier, "correct horse Battery 9?"),
                Err(ServerError::Mismatch)
            );
        }
    }

    #[test]
    fn a_fixed_secret_gives_a_fixed_a_and_a_degenerate_b_is_refused() {
        let one = SrpClient::with_secret(POOL_ID, &[1]).unwrap();
        assert_eq!(one.srp_a(), "2", "g^1 mod N");
        let again = SrpClient::with_secret(POOL_ID, &[7; 32]).unwrap();
        assert_eq!(
            again.srp_a(),
            SrpClient::with_secret(POOL_ID, &[7; 32]).unwrap().srp_a()
        );
        let n_hex = N.to_str_radix(16);
        for b in ["0", n_hex.as_str()] {
            assert_eq!(
                one.claim_signature(USER_ID, PASSWORD, "01", b, "AAAA", "t"),
                Err(SrpError::IllegalB)
            );
        }
        assert_eq!(
            one.claim_signature(USER_ID, PASSWORD, "zz", "05", "AAAA", "t"),
            Err(SrpError::MalformedChallenge)
        );
        assert!(SrpClient::new("no-underscore").is_err());
    }

    #[test]
    fn timestamps_are_cognitos_format() {
        assert_eq!(timestamp(1_796_000_000), "Mon Nov 30 00:53:20 UTC 2026");
        assert_eq!(timestamp(1_796_200_000), "Wed Dec 2 08:26:40 UTC 2026");
    }
}
