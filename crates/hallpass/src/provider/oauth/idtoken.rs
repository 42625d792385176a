//! ID token validation (OpenID Connect Core 3.1.3.7). The token is read once (`jws`) and its
//! signature checked by jsonwebtoken (RustCrypto); the claim checks are ours so that each failure
//! has its own error, and they allocate nothing.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

pub use super::idtoken_error::IdTokenError;
use super::jws::Unverified;
use crate::provider::http::sanitize;

/// Steps 4–14 for a parsed token and its key: the signature, then every claim check. What every
/// ID token passes, at sign-in and at refresh.
pub(crate) fn verify(
    token: Unverified<'_>,
    key: &DecodingKey,
    expect: &Expect<'_>,
) -> Result<Map<String, Value>, IdTokenError> {
    let claims = token.verify_signature(key)?;
    check_claims(&claims, expect)?;
    Ok(claims)
}

/// The nonce check of step 12, chosen explicitly by each caller.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Nonce<'a> {
    /// An authorization request carried this nonce: the token must carry it back.
    Sent(&'a str),
    /// No request carried one: a refresh, or a sign-in through Cognito's API (`InitiateAuth`), whose
    /// tokens come straight back over TLS from the API the server called, not through the browser.
    NotSent,
}

/// What the claims must say.
pub(crate) struct Expect<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// Whether a nonce was sent, and so must come back.
    pub nonce: Nonce<'a>,
    pub access_token: Option<&'a str>,
    pub alg: Algorithm,
    pub skew: Duration,
    /// Claims that must have exactly these values.
    pub required: &'a [(String, String)],
    pub now: i64,
}

fn int_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, IdTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| IdTokenError::Malformed(format!("{name} is not a number"))),
        Some(_) => Err(IdTokenError::Malformed(format!("{name} is not a number"))),
    }
}

/// Steps 5–14, on claims whose signature has been verified: a documented checklist, one step per
/// block in the order of the module docs, longer than other functions on purpose.
pub(crate) fn check_claims(
    claims: &Map<String, Value>,
    e: &Expect<'_>,
) -> Result<(), IdTokenError> {
    // 5. iss, exact.
    match claims.get("iss").and_then(Value::as_str) {
        Some(iss) if iss == e.issuer => {}
        other => {
            return Err(IdTokenError::Issuer {
                expected: e.issuer.to_string(),
                got: other.map(sanitize),
            })
        }
    }
    // 6. aud contains the client id; 7. azp.
    let (for_us, several) = match claims.get("aud") {
        Some(Value::String(a)) => (a == e.client_id, false),
        Some(Value::Array(list)) if list.iter().all(Value::is_string) => (
            list.iter().any(|a| a.as_str() == Some(e.client_id)),
            list.len() > 1,
        ),
        _ => return Err(IdTokenError::Audience),
    };
    if !for_us {
        return Err(IdTokenError::Audience);
    }
    let azp = claims.get("azp").and_then(Value::as_str);
    if (several || claims.contains_key("azp")) && azp != Some(e.client_id) {
        return Err(IdTokenError::AuthorizedParty);
    }
    let skew = e.skew.as_secs() as i64;
    // 8. exp.
    let exp = int_claim(claims, "exp")?;
    match exp {
        Some(exp) if e.now <= exp.saturating_add(skew) => {}
        _ => {
            return Err(IdTokenError::Expired {
                exp,
                now: e.now,
                skew: e.skew.as_secs(),
            })
        }
    }
    // 9. iat.
    let iat = int_claim(claims, "iat")?.ok_or(IdTokenError::MissingIat)?;
    if iat > e.now.saturating_add(skew) {
        return Err(IdTokenError::IssuedInFuture { iat, now: e.now });
    }
    // 10. nbf.
    if let Some(nbf) = int_claim(claims, "nbf")? {
        if nbf > e.now.saturating_add(skew) {
            return Err(IdTokenError::NotYetValid { nbf, now: e.now });
        }
    }
    // 11. sub.
    match claims.get("sub").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => {}
        _ => return Err(IdTokenError::MissingSub),
    }
    // 12. nonce, constant time (it is a secret of this attempt).
    if let Nonce::Sent(expected) = e.nonce {
        match claims.get("nonce") {
            None | Some(Value::Null) => return Err(IdTokenError::MissingNonce),
            Some(Value::String(got)) => {
                if !bool::from(got.as_bytes().ct_eq(expected.as_bytes())) {
                    return Err(IdTokenError::NonceMismatch);
                }
            }
            Some(_) => return Err(IdTokenError::NonceMismatch),
        }
    }
    // 13. at_hash when present.
    if let (Some(at_hash), Some(access_token)) = (claims.get("at_hash"), e.access_token) {
        let at_hash = at_hash.as_str().ok_or(IdTokenError::AtHashMismatch)?;
        // RS256 and ES256 both hash with SHA-256; the left half, base64url.
        debug_assert!(matches!(e.alg, Algorithm::RS256 | Algorithm::ES256));
        let digest = Sha256::digest(access_token.as_bytes());
        // 16 bytes are 22 base64url characters.
        let mut expected = [0u8; 22];
        let n = URL_SAFE_NO_PAD
            .encode_slice(&digest[..16], &mut expected)
            .map_err(|_| IdTokenError::AtHashMismatch)?;
        if !bool::from(expected[..n].ct_eq(at_hash.as_bytes())) {
            return Err(IdTokenError::AtHashMismatch);
        }
    }
    // 14. Claims the provider requires (e.g. `token_use` = `id`: an access token must not pass as
    // an ID token).
    for (claim, expected) in e.required {
        let got = claims.get(claim).and_then(Value::as_str);
        if got != Some(expected.as_str()) {
            return Err(IdTokenError::RequiredClaim {
                claim: claim.clone(),
                expected: expected.clone(),
                got: got.map(sanitize),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    static REQUIRED: std::sync::LazyLock<Vec<(String, String)>> =
        std::sync::LazyLock::new(|| vec![("token_use".to_string(), "id".to_string())]);

    fn expect(now: i64) -> Expect<'static> {
        Expect {
            issuer: "https://issuer.example",
            client_id: "client",
            nonce: Nonce::Sent("n-1"),
            access_token: Some("access"),
            alg: Algorithm::RS256,
            skew: Duration::from_secs(15),
            required: &REQUIRED,
            now,
        }
    }

    fn good(now: i64) -> Value {
        let at_hash = URL_SAFE_NO_PAD.encode(&Sha256::digest(b"access")[..16]);
        json!({"iss": "https://issuer.example", "aud": "client", "exp": now + 60, "iat": now,
               "sub": "u", "nonce": "n-1", "at_hash": at_hash, "token_use": "id"})
    }

    type Mutate<'a> = Box<dyn Fn(&mut Map<String, Value>) + 'a>;
    type Check = fn(&IdTokenError) -> bool;

    #[test]
    fn accepts_good_and_refuses_each_broken_claim() {
        let now = 1_700_000_000;
        assert_eq!(check_claims(&claims(good(now)), &expect(now)), Ok(()));
        let cases: Vec<(Mutate<'_>, Check)> = vec![
            (
                Box::new(|c| {
                    c.insert("iss".into(), json!("https://issuer.example/"));
                }),
                |e| matches!(e, IdTokenError::Issuer { .. }),
            ),
            (
                Box::new(|c| {
                    c.insert("aud".into(), json!(["other"]));
                }),
                |e| matches!(e, IdTokenError::Audience),
            ),
            (
                Box::new(|c| {
                    c.insert("aud".into(), json!(["client", "other"]));
                }),
                |e| matches!(e, IdTokenError::AuthorizedParty),
            ),
            (
                Box::new(|c| {
                    c.insert("azp".into(), json!("other"));
                }),
                |e| matches!(e, IdTokenError::AuthorizedParty),
            ),
            (
                Box::new(|c| {
                    c.insert("exp".into(), json!(now - 16));
                }),
                |e| matches!(e, IdTokenError::Expired { .. }),
            ),
            (
                Box::new(|c| {
                    c.remove("exp");
                }),
                |e| matches!(e, IdTokenError::Expired { exp: None, .. }),
            ),
            (
                Box::new(|c| {
                    c.remove("iat");
                }),
                |e| matches!(e, IdTokenError::MissingIat),
            ),
            (
                Box::new(|c| {
                    c.insert("iat".into(), json!(now + 16));
                }),
                |e| matches!(e, IdTokenError::IssuedInFuture { .. }),
            ),
            (
                Box::new(|c| {
                    c.insert("nbf".into(), json!(now + 16));
                }),
                |e| matches!(e, IdTokenError::NotYetValid { .. }),
            ),
            (
                Box::new(|c| {
                    c.insert("sub".into(), json!(""));
                }),
                |e| matches!(e, IdTokenError::MissingSub),
            ),
            (
                Box::new(|c| {
                    c.remove("nonce");
                }),
                |e| matches!(e, IdTokenError::MissingNonce),
            ),
            (
                Box::new(|c| {
                    c.insert("nonce".into(), json!("n-2"));
                }),
                |e| matches!(e, IdTokenError::NonceMismatch),
            ),
            (
                Box::new(|c| {
                    c.insert("at_hash".into(), json!("AAAA"));
                }),
                |e| matches!(e, IdTokenError::AtHashMismatch),
            ),
            (
                Box::new(|c| {
                    c.insert("token_use".into(), json!("access"));
                }),
                |e| matches!(e, IdTokenError::RequiredClaim { .. }),
            ),
        ];
        for (i, (mutate, ok)) in cases.iter().enumerate() {
            let mut c = claims(good(now));
            mutate(&mut c);
            let err = check_claims(&c, &expect(now)).unwrap_err();
            assert!(ok(&err), "case {i}: {err:?}");
        }
        // Within the skew is fine.
        let mut c = claims(good(now));
        c.insert("exp".into(), json!(now - 14));
        c.insert("iat".into(), json!(now + 14));
        c.insert("aud".into(), json!(["client", "other"]));
        c.insert("azp".into(), json!("client"));
        assert_eq!(check_claims(&c, &expect(now)), Ok(()));
    }

    #[test]
    fn no_nonce_sent_means_none_is_required_but_every_other_check_runs() {
        let now = 1_700_000_000;
        let mut c = claims(good(now));
        c.remove("nonce");
        let e = Expect {
            nonce: Nonce::NotSent,
            ..expect(now)
        };
        assert_eq!(check_claims(&c, &e), Ok(()));
        c.insert("token_use".into(), json!("access"));
        assert!(matches!(
            check_claims(&c, &e),
            Err(IdTokenError::RequiredClaim { .. })
        ));
        let mut c = claims(good(now));
        c.insert("exp".into(), json!(now - 16));
        assert!(matches!(
            check_claims(&c, &e),
            Err(IdTokenError::Expired { .. })
        ));
    }
}
