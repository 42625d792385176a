//! Checks against independent vectors: responses of real authenticators (Chrome, security keys)
//! published as test data by Duo Labs' `py_webauthn` (tests/test_verify_registration_response.py
//! and tests/test_verify_authentication_response.py), relying party `localhost`, origin
//! `http://localhost:5000`. The integration tests (`tests/it/api_webauthn*.rs`) add 1Password's
//! software authenticator end to end.

use super::attestation::Registration;
use super::client_data::origin_allowed;
use super::*;

fn rp(user_verification_required: bool) -> RelyingParty {
    RelyingParty {
        id: "localhost".into(),
        user_verification_required,
    }
}

fn b(text: &str) -> Vec<u8> {
    b64url_decode(text).unwrap()
}

// A registration with the `none` attestation format (py_webauthn's
// `test_verifies_none_attestation_response`).
const REG_ID: &str =
    "9y1xA8Tmg1FEmT-c7_fvWZ_uoTuoih3OvR45_oAK-cwHWhAbXrl2q62iLVTjiyEZ7O7n-CROOY494k7Q3xrs_w";
const REG_ATTESTATION: &str = "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjESZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NFAAAAFwAAAAAAAAAAAAAAAAAAAAAAQPctcQPE5oNRRJk_nO_371mf7qE7qIodzr0eOf6ACvnMB1oQG165dqutoi1U44shGezu5_gkTjmOPeJO0N8a7P-lAQIDJiABIVggSFbUJF-42Ug3pdM8rDRFu_N5oiVEysPDB6n66r_7dZAiWCDUVnB39FlGypL-qAoIO9xWHtJygo2jfDmHl-_eKFRLDA";
const REG_CLIENT_DATA: &str = "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiVHdON240V1R5R0tMYzRaWS1xR3NGcUtuSE00bmdscXN5VjBJQ0psTjJUTzlYaVJ5RnRya2FEd1V2c3FsLWdrTEpYUDZmbkYxTWxyWjUzTW00UjdDdnciLCJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
const REG_CHALLENGE: &str =
    "TwN7n4WTyGKLc4ZY-qGsFqKnHM4nglqsyV0ICJlN2TO9XiRyFtrkaDwUvsql-gkLJXP6fnF1MlrZ53Mm4R7Cvw";
const REG_PUBLIC_KEY: &str = "pQECAyYgASFYIEhW1CRfuNlIN6XTPKw0RbvzeaIlRMrDwwep-uq_-3WQIlgg1FZwd_RZRsqS_qgKCDvcVh7ScoKNo3w5h5fv3ihUSww";

fn register(rp: &RelyingParty, challenge: &[u8]) -> Result<Registration, PasskeyError> {
    verify_registration(
        rp,
        challenge,
        &b(REG_CLIENT_DATA),
        &b(REG_ATTESTATION),
        &b(REG_ID),
    )
}

#[test]
fn a_none_attestation_registers_its_key_and_counter() {
    let reg = register(&rp(true), &b(REG_CHALLENGE)).unwrap();
    assert_eq!(reg.credential_id, b(REG_ID));
    assert_eq!(reg.public_key, b(REG_PUBLIC_KEY));
    assert_eq!(reg.algorithm, ES256);
    assert_eq!(reg.sign_count, 23);
    assert!(reg.user_verified);
    assert_eq!(reg.aaguid, vec![0; 16]);
    assert_eq!(reg.format, "none");
}

#[test]
fn a_registration_is_refused_for_another_challenge_rp_or_credential() {
    let mut other = b(REG_CHALLENGE);
    other[0] ^= 1;
    assert_eq!(
        register(&rp(false), &other).unwrap_err(),
        PasskeyError::ChallengeMismatch
    );
    let elsewhere = RelyingParty {
        id: "example.com".into(),
        user_verification_required: false,
    };
    assert_eq!(
        register(&elsewhere, &b(REG_CHALLENGE)).unwrap_err(),
        PasskeyError::OriginNotAllowed
    );
    let wrong_id = verify_registration(
        &rp(false),
        &b(REG_CHALLENGE),
        &b(REG_CLIENT_DATA),
        &b(REG_ATTESTATION),
        b"another credential",
    );
    assert!(matches!(wrong_id, Err(PasskeyError::Malformed(_))));
    // An assertion's client data does not register.
    let as_get = verify_registration(
        &rp(false),
        &b(ES_CHALLENGE),
        &b(ES_CLIENT_DATA),
        &b(REG_ATTESTATION),
        &b(REG_ID),
    );
    assert_eq!(
        as_get.unwrap_err(),
        PasskeyError::WrongType("webauthn.create")
    );
}

#[test]
fn a_truncated_or_padded_attestation_object_is_malformed_not_a_panic() {
    let full = b(REG_ATTESTATION);
    for cut in [0, 1, 10, full.len() / 2, full.len() - 1] {
        let r = verify_registration(
            &rp(false),
            &b(REG_CHALLENGE),
            &b(REG_CLIENT_DATA),
            &full[..cut],
            &b(REG_ID),
        );
        assert!(matches!(r, Err(PasskeyError::Malformed(_))), "cut at {cut}");
    }
    let mut padded = full.clone();
    padded.push(0);
    let r = verify_registration(
        &rp(false),
        &b(REG_CHALLENGE),
        &b(REG_CLIENT_DATA),
        &padded,
        &b(REG_ID),
    );
    assert!(matches!(r, Err(PasskeyError::Malformed(_))));
}

// An ES256 assertion (py_webauthn's `test_verify_authentication_response_with_EC2_public_key`).
const ES_AUTH_DATA: &str = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MBAAAATg";
const ES_CLIENT_DATA: &str = "eyJjaGFsbGVuZ2UiOiJ4aTMwR1BHQUZZUnhWRHBZMXNNMTBEYUx6VlFHNjZudi1fN1JVYXpIMHZJMll2RzhMWWdERW52TjVmWlpOVnV2RUR1TWk5dGUzVkxxYjQyTjBma0xHQSIsImNsaWVudEV4dGVuc2lvbnMiOnt9LCJoYXNoQWxnb3JpdGhtIjoiU0hBLTI1NiIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6NTAwMCIsInR5cGUiOiJ3ZWJhdXRobi5nZXQifQ";
const ES_SIGNATURE: &str =
    "MEUCIGisVZOBapCWbnJJvjelIzwpixxIwkjCCb5aCHafQu68AiEA88v-2pJNNApPFwAKFiNuf82-2hBxYW5kGwVweeoxCwo";
const ES_CHALLENGE: &str =
    "xi30GPGAFYRxVDpY1sM10DaLzVQG66nv-_7RUazH0vI2YvG8LYgDEnvN5fZZNVuvEDuMi9te3VLqb42N0fkLGA";
const ES_PUBLIC_KEY: &str = "pQECAyYgASFYIIeDTe-gN8A-zQclHoRnGFWN8ehM1b7yAsa8I8KIvmplIlgg4nFGT5px8o6gpPZZhO01wdy9crDSA_Ngtkx0vGpvPHI";

fn es_assertion(signature: &[u8], stored_count: u32) -> Result<Assertion, PasskeyError> {
    verify_assertion(
        &rp(false),
        &b(ES_CHALLENGE),
        &b(ES_CLIENT_DATA),
        &b(ES_AUTH_DATA),
        signature,
        &b(ES_PUBLIC_KEY),
        stored_count,
    )
}

#[test]
fn an_es256_assertion_verifies_and_moves_the_counter() {
    let a = es_assertion(&b(ES_SIGNATURE), 77).unwrap();
    assert_eq!(a.sign_count, 78);
    assert!(!a.user_verified);
}

#[test]
fn an_es256_assertion_is_refused_tampered_replayed_or_unverified() {
    let mut tampered = b(ES_SIGNATURE);
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        es_assertion(&tampered, 77).unwrap_err(),
        PasskeyError::BadSignature
    );
    assert_eq!(
        es_assertion(&b(ES_SIGNATURE), 78).unwrap_err(),
        PasskeyError::CounterNotIncreased
    );
    // Its flags are UP only: a pool that requires user verification refuses it.
    let uv = verify_assertion(
        &rp(true),
        &b(ES_CHALLENGE),
        &b(ES_CLIENT_DATA),
        &b(ES_AUTH_DATA),
        &b(ES_SIGNATURE),
        &b(ES_PUBLIC_KEY),
        77,
    );
    assert_eq!(uv.unwrap_err(), PasskeyError::UserNotVerified);
    // Another key (the registration vector's) does not verify it.
    let other_key = verify_assertion(
        &rp(false),
        &b(ES_CHALLENGE),
        &b(ES_CLIENT_DATA),
        &b(ES_AUTH_DATA),
        &b(ES_SIGNATURE),
        &b(REG_PUBLIC_KEY),
        77,
    );
    assert_eq!(other_key.unwrap_err(), PasskeyError::BadSignature);
}

// An RS256 assertion with user verification (py_webauthn's
// `test_verify_authentication_response_with_RSA_public_key`).
const RS_AUTH_DATA: &str = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ";
const RS_CLIENT_DATA: &str = "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiaVBtQWkxUHAxWEw2b0FncTNQV1p0WlBuWmExekZVRG9HYmFRMF9LdlZHMWxGMnMzUnRfM280dVN6Y2N5MHRtY1RJcFRUVDRCVTFULUk0bWFhdm5kalEiLCJvcmlnaW4iOiJodHRwOi8vbG9jYWxob3N0OjUwMDAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
const RS_SIGNATURE: &str = "iOHKX3erU5_OYP_r_9HLZ-CexCE4bQRrxM8WmuoKTDdhAnZSeTP0sjECjvjfeS8MJzN1ArmvV0H0C3yy_FdRFfcpUPZzdZ7bBcmPh1XPdxRwY747OrIzcTLTFQUPdn1U-izCZtP_78VGw9pCpdMsv4CUzZdJbEcRtQuRS03qUjqDaovoJhOqEBmxJn9Wu8tBi_Qx7A33RbYjlfyLm_EDqimzDZhyietyop6XUcpKarKqVH0M6mMrM5zTjp8xf3W7odFCadXEJg-ERZqFM0-9Uup6kJNLbr6C5J4NDYmSm3HCSA6lp2iEiMPKU8Ii7QZ61kybXLxsX4w4Dm3fOLjmDw";
const RS_CHALLENGE: &str =
    "iPmAi1Pp1XL6oAgq3PWZtZPnZa1zFUDoGbaQ0_KvVG1lF2s3Rt_3o4uSzccy0tmcTIpTTT4BU1T-I4maavndjQ";
const RS_PUBLIC_KEY: &str = "pAEDAzkBACBZAQDfV20epzvQP-HtcdDpX-cGzdOxy73WQEvsU7Dnr9UWJophEfpngouvgnRLXaEUn_d8HGkp_HIx8rrpkx4BVs6X_B6ZjhLlezjIdJbLbVeb92BaEsmNn1HW2N9Xj2QM8cH-yx28_vCjf82ahQ9gyAr552Bn96G22n8jqFRQKdVpO-f-bvpvaP3IQ9F5LCX7CUaxptgbog1SFO6FI6ob5SlVVB00lVXsaYg8cIDZxCkkENkGiFPgwEaZ7995SCbiyCpUJbMqToLMgojPkAhWeyktu7TlK6UBWdJMHc3FPAIs0lH_2_2hKS-mGI1uZAFVAfW1X-mzKL0czUm2P1UlUox7IUMBAAE";

#[test]
fn an_rs256_assertion_verifies_with_user_verification() {
    let run = |challenge: &[u8], signature: &[u8]| {
        verify_assertion(
            &rp(true),
            challenge,
            &b(RS_CLIENT_DATA),
            &b(RS_AUTH_DATA),
            signature,
            &b(RS_PUBLIC_KEY),
            0,
        )
    };
    let a = run(&b(RS_CHALLENGE), &b(RS_SIGNATURE)).unwrap();
    assert_eq!(a.sign_count, 1);
    assert!(a.user_verified);
    let mut tampered = b(RS_SIGNATURE);
    tampered[10] ^= 0x80;
    assert_eq!(
        run(&b(RS_CHALLENGE), &tampered).unwrap_err(),
        PasskeyError::BadSignature
    );
    assert_eq!(
        run(&b(ES_CHALLENGE), &b(RS_SIGNATURE)).unwrap_err(),
        PasskeyError::ChallengeMismatch
    );
}

#[test]
fn an_assertion_for_another_rp_id_is_refused_by_its_origin() {
    // `http://localhost:5000` is no origin of `app.localhost` (only of `localhost`).
    let sub = RelyingParty {
        id: "app.localhost".into(),
        user_verification_required: false,
    };
    let r = verify_assertion(
        &sub,
        &b(ES_CHALLENGE),
        &b(ES_CLIENT_DATA),
        &b(ES_AUTH_DATA),
        &b(ES_SIGNATURE),
        &b(ES_PUBLIC_KEY),
        0,
    );
    assert_eq!(r.unwrap_err(), PasskeyError::OriginNotAllowed);
}

#[test]
fn origins_are_the_rp_id_or_its_subdomains_over_https() {
    assert!(origin_allowed("example.com", "https://example.com"));
    assert!(origin_allowed("example.com", "https://login.example.com"));
    assert!(origin_allowed("example.com", "https://example.com:8443"));
    assert!(!origin_allowed("example.com", "http://example.com"));
    assert!(!origin_allowed("example.com", "https://badexample.com"));
    assert!(!origin_allowed(
        "example.com",
        "https://example.com.evil.net"
    ));
    assert!(!origin_allowed("example.com", "https://example.com/path"));
    assert!(!origin_allowed("example.com", "https://user@example.com"));
    assert!(!origin_allowed("example.com", "not an origin"));
    assert!(origin_allowed("localhost", "http://localhost:5000"));
    assert!(origin_allowed("localhost", "https://localhost"));
    assert!(!origin_allowed("localhost", "http://127.0.0.1:5000"));
    assert!(!origin_allowed("example.com", "http://localhost:5000"));
}

#[test]
fn cose_keys_of_other_types_are_unsupported_not_malformed() {
    // py_webauthn's Ed25519 (OKP, alg -8) key: a valid COSE key of an algorithm not offered.
    let okp = b("pAEBAycgBiFYIMz6_SUFLiDid2Yhlq0YboyJ-CDrIrNpkPUGmJp4D3Dp");
    assert!(matches!(
        cose::PublicKey::parse(&okp),
        Err(PasskeyError::Unsupported(_))
    ));
    assert!(matches!(
        cose::PublicKey::parse(b"\xa0"),
        Err(PasskeyError::Malformed(_))
    ));
}
