//! A compact JWS (an ID token) read once: its three parts found in place, the header decoded on
//! the stack, the payload decoded straight into the claims, and the signature checked over the
//! bytes that were parsed. jsonwebtoken only does the cryptography (`crypto::verify`): its own
//! `decode` would parse the header and the claims again.

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::idtoken_error::IdTokenError;
use crate::provider::http::sanitize;

/// Decoded parts up to this size stay on the stack; larger ones (a header with a certificate
/// chain, a payload with many groups) go to the heap.
const STACK_BYTES: usize = 2048;

/// An ID token whose shape, header and claims have been read but whose signature has not been
/// checked yet: only for choosing a key (and, for a learned issuer, whose keys).
pub(crate) struct Unverified<'a> {
    pub alg: Algorithm,
    pub kid: Option<String>,
    pub claims: Map<String, Value>,
    /// `header.payload`, the bytes the signature covers.
    signing_input: &'a str,
    signature: &'a str,
}

/// The header fields we read. `crit` (extensions we would have to understand) is only noted.
#[derive(Deserialize)]
struct Header<'h> {
    #[serde(borrow, default, deserialize_with = "borrowed")]
    alg: Option<Cow<'h, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed")]
    kid: Option<Cow<'h, str>>,
    #[serde(default, deserialize_with = "present")]
    crit: bool,
}

/// An optional string borrowed from the decoded header when it has no escapes. serde's own
/// `Option<Cow<str>>` always copies.
fn borrowed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Text;
    impl<'de> Visitor<'de> for Text {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }
    d.deserialize_option(Text)
}

/// True for any value, `null` included: a header that names `crit` at all is refused.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Decodes base64url `part` (padding tolerated) and hands the bytes to `read`, on the stack when
/// they fit.
fn with_decoded<R>(
    part: &str,
    what: &str,
    read: impl FnOnce(&[u8]) -> Result<R, IdTokenError>,
) -> Result<R, IdTokenError> {
    let part = part.trim_end_matches('=');
    let bad = || IdTokenError::Malformed(format!("the {what} is not base64url"));
    let mut stack = [0u8; STACK_BYTES];
    if part.len() / 4 * 3 + 2 <= STACK_BYTES {
        let n = URL_SAFE_NO_PAD
            .decode_slice(part, &mut stack)
            .map_err(|_| bad())?;
        read(&stack[..n])
    } else {
        read(&URL_SAFE_NO_PAD.decode(part).map_err(|_| bad())?)
    }
}

fn not_object(what: &str) -> IdTokenError {
    IdTokenError::Malformed(format!("the {what} is not a JSON object"))
}

/// Steps 1–2 of OIDC Core 3.1.3.7: shape, header, algorithm allow-list; then the claims.
pub(crate) fn parse_unverified(raw: &str) -> Result<Unverified<'_>, IdTokenError> {
    let (signing_input, signature) = match raw.bytes().filter(|b| *b == b'.').count() {
        2 => raw.rsplit_once('.').expect("two dots"),
        4 => {
            return Err(IdTokenError::Malformed(
                "encrypted (JWE) ID tokens are not supported; turn ID token encryption off for this client".into(),
            ))
        }
        _ => {
            return Err(IdTokenError::Malformed(
                "not a compact JWS (three dot-separated parts)".into(),
            ))
        }
    };
    let (header, payload) = signing_input.split_once('.').expect("one dot");
    let (alg, kid) = with_decoded(header, "header", |bytes| {
        // A struct also deserialises from a JSON array: insist on an object.
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(not_object("header"));
        }
        let header: Header<'_> = match serde_json::from_slice(bytes) {
            Ok(h) => h,
            // Tell a kid of the wrong type from a header that is not an object at all.
            Err(_) => {
                return Err(match serde_json::from_slice::<Map<String, Value>>(bytes) {
                    Ok(m) if m.get("kid").is_some_and(|k| !k.is_string()) => {
                        IdTokenError::Malformed("kid is not a string".into())
                    }
                    Ok(m) if m.get("alg").is_some_and(|a| !a.is_string()) => {
                        IdTokenError::UnsupportedAlg("(missing)".into())
                    }
                    Ok(_) => IdTokenError::Malformed("the header repeats a parameter".into()),
                    Err(_) => not_object("header"),
                })
            }
        };
        let alg = match header.alg.as_deref() {
            Some("RS256") => Algorithm::RS256,
            Some("ES256") => Algorithm::ES256,
            Some(other) => return Err(IdTokenError::UnsupportedAlg(sanitize(other))),
            None => return Err(IdTokenError::UnsupportedAlg("(missing)".into())),
        };
        if header.crit {
            return Err(IdTokenError::CriticalHeader);
        }
        Ok((alg, header.kid.map(Cow::into_owned)))
    })?;
    let claims = with_decoded(payload, "payload", |bytes| {
        serde_json::from_slice(bytes).map_err(|_| not_object("payload"))
    })?;
    Ok(Unverified {
        alg,
        kid,
        claims,
        signing_input,
        signature,
    })
}

impl Unverified<'_> {
    /// Step 4: the signature over the parsed bytes, by jsonwebtoken; the claims once it holds.
    pub(crate) fn verify_signature(
        self,
        key: &DecodingKey,
    ) -> Result<Map<String, Value>, IdTokenError> {
        match jsonwebtoken::crypto::verify(
            self.signature,
            self.signing_input.as_bytes(),
            key,
            self.alg,
        ) {
            Ok(true) => Ok(self.claims),
            Ok(false) => Err(IdTokenError::BadSignature),
            Err(e) => match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidAlgorithm
                | jsonwebtoken::errors::ErrorKind::InvalidKeyFormat => Err(
                    IdTokenError::KeyMismatch("the key's type does not fit the algorithm".into()),
                ),
                _ => Err(IdTokenError::Malformed(format!(
                    "the signature could not be checked: {e}"
                ))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_algorithms_are_allow_listed() {
        let tok = |h: Value| {
            format!(
                "{}.{}.sig",
                URL_SAFE_NO_PAD.encode(h.to_string()),
                URL_SAFE_NO_PAD.encode("{}")
            )
        };
        for alg in ["none", "HS256", "RS384", "PS256", "EdDSA"] {
            assert!(matches!(
                parse_unverified(&tok(json!({"alg": alg}))),
                Err(IdTokenError::UnsupportedAlg(a)) if a == alg
            ));
        }
        assert!(matches!(
            parse_unverified(&tok(json!({"alg": "RS256", "crit": ["b64"]}))),
            Err(IdTokenError::CriticalHeader)
        ));
        assert!(matches!(
            parse_unverified("a.b.c.d.e"),
            Err(IdTokenError::Malformed(_))
        ));
        let raw = tok(json!({"alg": "ES256", "kid": "k"}));
        let u = parse_unverified(&raw).unwrap();
        assert_eq!((u.alg, u.kid.as_deref()), (Algorithm::ES256, Some("k")));
    }

    #[test]
    fn the_header_must_be_an_object_with_string_fields() {
        let tok = |h: &str| {
            format!(
                "{}.{}.sig",
                URL_SAFE_NO_PAD.encode(h),
                URL_SAFE_NO_PAD.encode("{}")
            )
        };
        for (header, want) in [
            (r#"["RS256"]"#, "the header is not a JSON object"),
            (r#"{"alg":"RS256","kid":7}"#, "kid is not a string"),
            (
                r#"{"alg":"RS256","alg":"RS256"}"#,
                "the header repeats a parameter",
            ),
            ("not json", "the header is not a JSON object"),
        ] {
            match parse_unverified(&tok(header)) {
                Err(IdTokenError::Malformed(m)) => assert_eq!(m, want, "{header}"),
                other => panic!("{header}: {:?}", other.map(|u| u.alg)),
            }
        }
        assert!(matches!(
            parse_unverified(&tok(r#"{"alg":"RS256","crit":null}"#)),
            Err(IdTokenError::CriticalHeader)
        ));
        assert!(matches!(
            parse_unverified(&tok(r#"{"alg":["RS256"]}"#)),
            Err(IdTokenError::UnsupportedAlg(a)) if a == "(missing)"
        ));
        // An escaped kid is read as well as a plain one; a long payload goes through the heap.
        let long = format!(r#"{{"pad":"{}"}}"#, "x".repeat(3 * STACK_BYTES));
        let raw = format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"a\/b"}"#),
            URL_SAFE_NO_PAD.encode(&long)
        );
        let u = parse_unverified(&raw).unwrap();
        assert_eq!(u.kid.as_deref(), Some("a/b"));
        assert_eq!(
            u.claims["pad"].as_str().map(str::len),
            Some(3 * STACK_BYTES)
        );
    }
}
