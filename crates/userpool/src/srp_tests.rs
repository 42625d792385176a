//! Tests for `srp`. The client side of every exchange is the independent `cognito_srp`
//! crate (a port of warrant's client), so a mistake made the same way on both sides cannot
//! pass unnoticed.

use std::collections::HashMap;

use super::*;

const POOL_ID: &str = "us-east-1_AbC123";
const USER_ID: &str = "6f1c2b1e-4d3a-4c5b-9e8f-0a1b2c3d4e5f";
const PASSWORD: &str = "correct horse Battery 9!";

/// The client's `PASSWORD_VERIFIER` answer, as `cognito_srp` computes it.
#[derive(Clone)]
struct ClientAnswer {
    username: String,
    secret_block: String,
    timestamp: String,
    signature: String,
}

/// Runs an exchange: `cognito_srp` signs in as `client_user_id` with `client_password`
/// against a server holding `verifier` for [`USER_ID`].
fn exchange(
    verifier: &Verifier,
    client_user_id: &str,
    client_password: &str,
) -> (ServerChallenge, ClientAnswer) {
    let client = cognito_srp::SrpClient::new(
        "someone@example.com",
        client_password,
        POOL_ID,
        "client-id",
        None,
    );
    let auth = client.get_auth_params().expect("client auth params");
    let (challenge, params) =
        ServerChallenge::start(verifier, POOL_ID, USER_ID, &auth["SRP_A"]).expect("start");
    let challenge_params = HashMap::from([
        ("SALT".to_string(), params.salt),
        ("SRP_B".to_string(), params.srp_b),
        ("SECRET_BLOCK".to_string(), params.secret_block),
        ("USER_ID_FOR_SRP".to_string(), client_user_id.to_string()),
    ]);
    let mut answer = client
        .process_challenge(challenge_params)
        .expect("client answer");
    let mut take = |k: &str| answer.remove(k).expect(k);
    let answer = ClientAnswer {
        username: take("USERNAME"),
        secret_block: take("PASSWORD_CLAIM_SECRET_BLOCK"),
        timestamp: take("TIMESTAMP"),
        signature: take("PASSWORD_CLAIM_SIGNATURE"),
    };
    (challenge, answer)
}

fn verify(challenge: ServerChallenge, a: &ClientAnswer) -> Result<(), SrpError> {
    challenge.verify(&a.username, &a.secret_block, &a.timestamp, &a.signature)
}

/// The same challenge again, as a stored or stateless `Session` would give it back.
fn copy(challenge: &ServerChallenge) -> ServerChallenge {
    ServerChallenge::from_secret_bytes(&challenge.to_secret_bytes()).expect("round trip")
}

#[test]
fn independent_client_signs_in() {
    // Many runs: each has fresh a, b and salt, so the leading-zero and top-bit cases of PAD
    // (about one run in two for B, S and u) are all met.
    for _ in 0..24 {
        let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
        let (challenge, answer) = exchange(&verifier, USER_ID, PASSWORD);
        assert_eq!(challenge.user_id(), USER_ID);
        assert_eq!(verify(challenge, &answer), Ok(()));
    }
}

#[test]
fn stored_verifier_and_state_round_trip() {
    let made = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    let stored = Verifier::from_hex(&made.salt_hex(), &made.verifier_hex()).unwrap();
    assert_eq!(stored, made);
    let (challenge, answer) = exchange(&stored, USER_ID, PASSWORD);
    assert_eq!(verify(copy(&challenge), &answer), Ok(()));
}

#[test]
fn wrong_password_is_refused() {
    let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    let (challenge, answer) = exchange(&verifier, USER_ID, "correct horse Battery 9?");
    assert_eq!(verify(challenge, &answer), Err(SrpError::Mismatch));
}

#[test]
fn other_user_id_is_refused() {
    let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    // The client derives its key for another user id...
    let (challenge, answer) = exchange(&verifier, "someone-else", PASSWORD);
    assert_eq!(verify(challenge, &answer), Err(SrpError::Mismatch));
    // ...or a right answer names another user.
    let (challenge, mut answer) = exchange(&verifier, USER_ID, PASSWORD);
    answer.username = "someone-else".into();
    assert_eq!(verify(challenge, &answer), Err(SrpError::Mismatch));
}

#[test]
fn tampered_claims_are_refused() {
    let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    let (challenge, answer) = exchange(&verifier, USER_ID, PASSWORD);
    let tampered = |f: &dyn Fn(&mut ClientAnswer)| {
        let mut a = answer.clone();
        f(&mut a);
        verify(copy(&challenge), &a)
    };
    let flip_first = |b64: &str| {
        let mut bytes = BASE64.decode(b64).unwrap();
        bytes[0] ^= 1;
        BASE64.encode(bytes)
    };
    assert_eq!(
        tampered(&|a| a.signature = flip_first(&a.signature)),
        Err(SrpError::Mismatch)
    );
    assert_eq!(
        tampered(&|a| a.signature = BASE64.encode(&BASE64.decode(&a.signature).unwrap()[..31])),
        Err(SrpError::Mismatch)
    );
    assert_eq!(
        tampered(&|a| a.secret_block = flip_first(&a.secret_block)),
        Err(SrpError::Mismatch)
    );
    assert_eq!(
        tampered(&|a| a.timestamp = a.timestamp.replacen("UTC", "GMT", 1)),
        Err(SrpError::Mismatch)
    );
    assert_eq!(
        tampered(&|a| a.signature = "not base64!".into()),
        Err(SrpError::MalformedClaim)
    );
    assert_eq!(
        tampered(&|a| a.secret_block = "%%%".into()),
        Err(SrpError::MalformedClaim)
    );
    // Untouched, the same answer passes: the refusals above are the tampering's doing.
    assert_eq!(verify(challenge, &answer), Ok(()));
}

#[test]
fn answer_to_another_challenge_is_refused() {
    let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    let (first, _) = exchange(&verifier, USER_ID, PASSWORD);
    let (_, second_answer) = exchange(&verifier, USER_ID, PASSWORD);
    assert_eq!(verify(first, &second_answer), Err(SrpError::Mismatch));
}

#[test]
fn degenerate_or_malformed_a_is_refused() {
    let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    let n = N.to_str_radix(16);
    let two_n = (&*N * 2u32).to_str_radix(16);
    for a in ["0", "00", &n, &two_n] {
        let got = ServerChallenge::start(&verifier, POOL_ID, USER_ID, a).map(|_| ());
        assert_eq!(got, Err(SrpError::IllegalA), "A = {a}");
    }
    let too_long = "1".repeat(MAX_HEX_DIGITS + 1);
    for a in ["", "xyz", "_1", "+1", "1_0", " 1", &too_long] {
        let got = ServerChallenge::start(&verifier, POOL_ID, USER_ID, a).map(|_| ());
        assert_eq!(got, Err(SrpError::MalformedA), "A = {a:?}");
    }
    assert!(ServerChallenge::start(&verifier, POOL_ID, USER_ID, "2").is_ok());
}

#[test]
fn bad_pool_ids_and_user_ids_are_refused() {
    assert_eq!(pool_name("us-east-1_AbC"), Ok("AbC"));
    for id in ["AbC", "_AbC", "us-east-1_", "a_b_c"] {
        assert_eq!(pool_name(id), Err(SrpError::InvalidPoolId), "{id}");
    }
    assert_eq!(
        Verifier::new("nounderscore", USER_ID, PASSWORD).map(|_| ()),
        Err(SrpError::InvalidPoolId)
    );
    assert_eq!(
        Verifier::new(POOL_ID, "", PASSWORD).map(|_| ()),
        Err(SrpError::InvalidUserId)
    );
    let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    let long = "u".repeat(MAX_USER_ID_BYTES + 1);
    assert_eq!(
        ServerChallenge::start(&verifier, POOL_ID, &long, "2").map(|_| ()),
        Err(SrpError::InvalidUserId)
    );
}

#[test]
fn stored_verifier_must_be_valid() {
    let n = N.to_str_radix(16);
    for (salt, v) in [
        ("zz", "1"),
        ("", "1"),
        ("01", ""),
        ("01", "0"),
        ("01", &n),
        ("01", "1g"),
    ] {
        assert_eq!(
            Verifier::from_hex(salt, v),
            Err(SrpError::MalformedVerifier),
            "{salt:?} {v:?}"
        );
    }
}

#[test]
fn malformed_state_is_refused() {
    let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    let (challenge, _) = ServerChallenge::start(&verifier, POOL_ID, USER_ID, "2").unwrap();
    let bytes = challenge.to_secret_bytes();
    for cut in [0, 3, 20, bytes.len() - 1] {
        assert_eq!(
            ServerChallenge::from_secret_bytes(&bytes[..cut]).map(|_| ()),
            Err(SrpError::MalformedState),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(ServerChallenge::from_secret_bytes(&longer).is_err());
    let mut other_version = bytes;
    other_version[3] = b'2';
    assert!(ServerChallenge::from_secret_bytes(&other_version).is_err());
}

#[test]
fn salts_read_the_same_to_every_client() {
    for _ in 0..64 {
        let salt = Verifier::new(POOL_ID, USER_ID, PASSWORD)
            .unwrap()
            .salt_hex();
        assert_eq!(salt.len(), 2 * SALT_LEN);
        let first = u8::from_str_radix(&salt[..2], 16).unwrap();
        assert!((0x01..=0x7f).contains(&first), "{salt}");
    }
}

#[test]
fn pad_is_the_clients_pad_hex() {
    assert_eq!(pad(&BigUint::from(0u32)), vec![0]);
    assert_eq!(pad(&BigUint::from(0x7fu32)), vec![0x7f]);
    assert_eq!(pad(&BigUint::from(0x80u32)), vec![0, 0x80]);
    assert_eq!(pad(&BigUint::from(0x0102u32)), vec![1, 2]);
    assert_eq!(pad(&N).len(), 385);
    assert_eq!(N.bits(), 3072);
}

#[test]
fn timestamps_are_in_cognitos_format() {
    assert_eq!(
        format_timestamp(1_796_159_768).as_deref(),
        Some("Tue Dec 1 21:16:08 UTC 2026")
    );
    assert_eq!(
        format_timestamp(1_926_907_509).as_deref(),
        Some("Thu Jan 23 04:05:09 UTC 2031")
    );
    assert_eq!(format_timestamp(i64::MAX), None);
}

#[test]
fn debug_shows_no_secret() {
    let verifier = Verifier::new(POOL_ID, USER_ID, PASSWORD).unwrap();
    let shown = format!("{verifier:?}");
    assert!(!shown.contains(&verifier.verifier_hex()[..16]), "{shown}");
    assert!(!shown.contains(&verifier.salt_hex()), "{shown}");
    let (challenge, _) = ServerChallenge::start(&verifier, POOL_ID, USER_ID, "2").unwrap();
    let shown = format!("{challenge:?}");
    assert!(shown.contains(USER_ID));
    assert!(!shown.contains("key"), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", &challenge.key[..4])),
        "{shown}"
    );
}
