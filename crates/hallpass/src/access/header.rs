//! The header checks the ID-token parser leaves out, for tokens that arrive from anyone: no
//! member twice, and no member that names a key of its own (`jku`, `x5u`, `jwk`, `x5c`).

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::token_error::TokenError;

/// Members that would tell a verifier where to get the key: only the issuer's JWKS counts.
const KEY_MEMBERS: [&str; 4] = ["jku", "x5u", "jwk", "x5c"];
/// A header has a handful of members; more is not a Cognito token.
const MAX_MEMBERS: usize = 16;

/// Checks the header of the compact JWS `raw` (its first part).
pub(crate) fn check(raw: &str) -> Result<(), TokenError> {
    let part = raw.split('.').next().unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed("the header is not base64url".into()))?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    match de.deserialize_map(Members) {
        Ok(()) => Ok(()),
        Err(e) => {
            let text = e.to_string();
            Err(if text.starts_with("duplicate") {
                TokenError::DuplicateHeader
            } else if let Some(name) = KEY_MEMBERS.iter().find(|m| text.starts_with(**m)) {
                TokenError::ForbiddenHeader(name)
            } else {
                TokenError::Malformed("the header is not a JSON object".into())
            })
        }
    }
}

/// Walks the header's members, remembering their names.
struct Members;

impl<'de> Visitor<'de> for Members {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: Vec<Cow<'de, str>> = Vec::with_capacity(4);
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            if let Some(m) = KEY_MEMBERS.iter().find(|m| **m == name) {
                return Err(de::Error::custom(m));
            }
            if seen.contains(&name) {
                return Err(de::Error::custom("duplicate"));
            }
            if seen.len() == MAX_MEMBERS {
                return Err(de::Error::custom("too many members"));
            }
            seen.push(name);
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str) -> String {
        format!("{}.e30.sig", URL_SAFE_NO_PAD.encode(header))
    }

    #[test]
    fn repeated_and_key_naming_members_are_refused() {
        assert_eq!(check(&token(r#"{"alg":"RS256","kid":"k"}"#)), Ok(()));
        assert_eq!(
            check(&token(r#"{"alg":"RS256","typ":"JWT","typ":"JWT"}"#)),
            Err(TokenError::DuplicateHeader)
        );
        assert_eq!(
            check(&token(r#"{"alg":"RS256","k\u0069d":"a","kid":"b"}"#)),
            Err(TokenError::DuplicateHeader)
        );
        for m in KEY_MEMBERS {
            let h = format!(r#"{{"alg":"RS256","{m}":"https://evil.example/keys"}}"#);
            assert_eq!(check(&token(&h)), Err(TokenError::ForbiddenHeader(m)));
        }
        assert!(matches!(
            check(&token(r#"["RS256"]"#)),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            check("%%%.e30.sig"),
            Err(TokenError::Malformed(_))
        ));
    }
}
