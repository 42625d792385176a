//! Tests for `totp`: RFC 6238 appendix B vectors, drift, malformed codes and replays.

use super::*;

/// RFC 6238 appendix B, SHA-1: the key is the ASCII of "12345678901234567890".
fn rfc_secret() -> TotpSecret {
    TotpSecret::from_bytes(b"12345678901234567890").unwrap()
}

#[test]
fn rfc_6238_sha1_vectors() {
    // (time, the RFC's 8-digit TOTP); a 6-digit code is its last six digits.
    let vectors = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];
    let secret = rfc_secret();
    for (time, eight) in vectors {
        let step = TotpSecret::step_at(time);
        assert_eq!(
            format!("{:08}", hotp_value(&secret.bytes, step) % 100_000_000),
            eight,
            "t = {time}"
        );
        assert_eq!(secret.code_at(time), eight[2..], "t = {time}");
        assert_eq!(secret.verify(&eight[2..], time, None), Some(step));
    }
}

#[test]
fn one_step_of_drift_is_accepted_two_are_not() {
    let secret = TotpSecret::generate();
    let now = 1_796_159_768;
    let step = TotpSecret::step_at(now);
    for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
        let then = now.checked_add_signed(offset * STEP_SECS as i64).unwrap();
        let code = secret.code_at(then);
        let want = accepted.then(|| step.checked_add_signed(offset).unwrap());
        // A code of a far step may equal a near one's by chance (1 in 10^6): then the near
        // step is what matches, and the test says so instead of failing for no reason.
        let near = (step - 1..=step + 1).find(|s| secret.code_for_step(*s) == code);
        if !accepted && near.is_some() {
            continue;
        }
        assert_eq!(secret.verify(&code, now, None), want, "offset {offset}");
    }
}

#[test]
fn malformed_codes_are_refused() {
    let secret = rfc_secret();
    let code = secret.code_at(59);
    assert_eq!(code, "287082");
    for bad in [
        "", "28708", "2870822", "0287082", "28708a", "28 082", "+87082", "２87082",
    ] {
        assert_eq!(secret.verify(bad, 59, None), None, "{bad:?}");
    }
    assert_eq!(secret.verify(" 287082", 59, None), None);
    assert_eq!(secret.verify("287082 ", 59, None), None);
}

#[test]
fn a_used_step_is_refused() {
    let secret = rfc_secret();
    let now = 1_111_111_111;
    let code = secret.code_at(now);
    let step = secret.verify(&code, now, None).expect("fresh code");
    // The same code again, even a step later while it is still within the drift window.
    assert_eq!(secret.verify(&code, now, Some(step)), None);
    assert_eq!(secret.verify(&code, now + STEP_SECS, Some(step)), None);
    // The next step's code is fine.
    let next = secret.code_at(now + STEP_SECS);
    assert_eq!(
        secret.verify(&next, now + STEP_SECS, Some(step)),
        Some(step + 1)
    );
    // An older step than the last used one is refused even with drift.
    let previous = secret.code_at(now - STEP_SECS);
    assert_eq!(secret.verify(&previous, now, Some(step)), None);
}

#[test]
fn wrong_secret_is_refused() {
    let now = 2_000_000_000;
    let code = rfc_secret().code_at(now);
    // Fixed secrets, so a chance collision of codes would show up as a steady failure.
    let other = TotpSecret::from_bytes(b"12345678901234567891").unwrap();
    assert_eq!(other.verify(&code, now, None), None);
    assert_eq!(rfc_secret().verify(&code, now, None), Some(now / STEP_SECS));
}

#[test]
fn base32_round_trips_and_refuses_garbage() {
    let secret = TotpSecret::generate();
    let text = secret.base32();
    assert_eq!(text.len(), 32);
    assert!(
        text.bytes().all(|c| matches!(c, b'A'..=b'Z' | b'2'..=b'7')),
        "{text}"
    );
    assert_eq!(TotpSecret::from_base32(&text), Ok(secret.clone()));
    assert_eq!(
        TotpSecret::from_base32(&text.to_ascii_lowercase()),
        Ok(secret)
    );
    // RFC 4648 §10: "foobar" is "MZXW6YTBOI" (padding dropped).
    assert_eq!(
        TotpSecret::from_bytes(b"foobar-foobar-foobar")
            .unwrap()
            .base32(),
        "MZXW6YTBOIWWM33PMJQXELLGN5XWEYLS"
    );
    for bad in [
        "",
        "MZXW6YTBOI",
        "MZXW6YTBOI======",
        "MZXW6YTBOIWWM33PMJQXELLGN5XWEYL1",
        "M Z",
    ] {
        assert_eq!(
            TotpSecret::from_base32(bad),
            Err(TotpError::InvalidSecret),
            "{bad:?}"
        );
    }
    assert_eq!(
        TotpSecret::from_bytes(&[7; 15]),
        Err(TotpError::InvalidSecret)
    );
}

#[test]
fn otpauth_uri_is_encoded() {
    let secret = rfc_secret();
    assert_eq!(
        secret.otpauth_uri("Hallpass Dev", "ada@example.com"),
        format!(
            "otpauth://totp/Hallpass%20Dev:ada%40example.com?secret={}&issuer=Hallpass%20Dev",
            secret.base32()
        )
    );
    let uri = secret.otpauth_uri("a:b&c", "x?y");
    assert!(
        uri.starts_with("otpauth://totp/a%3Ab%26c:x%3Fy?secret="),
        "{uri}"
    );
    assert!(uri.ends_with("&issuer=a%3Ab%26c"), "{uri}");
}

#[test]
fn debug_shows_no_secret() {
    let secret = TotpSecret::generate();
    let shown = format!("{secret:?}");
    assert!(!shown.contains(&secret.base32()[..8]), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", &secret.bytes[..4])),
        "{shown}"
    );
}
