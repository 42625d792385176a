//! Why an ID token was refused (shared by the JWS parser, the JWKS and the claim checks).

/// Why an ID token was refused. Messages never contain the token or the nonce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The token endpoint returned no `id_token` although `openid` was requested.
    #[error("the token response has no id_token; make sure the `openid` scope is requested and allowed for this client")]
    Missing,
    /// Not a compact JWS (three base64url parts with a JSON header and payload).
    #[error("malformed ID token: {0}")]
    Malformed(String),
    /// The header's `alg` is not RS256 or ES256 (`none` and HS* included); refused before any key lookup.
    #[error("ID token signed with alg {0:?}; only RS256 and ES256 are accepted (alg none and HMAC algorithms are never accepted); configure the provider to sign ID tokens with RS256")]
    UnsupportedAlg(String),
    /// The header has extensions (`crit`) we do not understand.
    #[error("the ID token header has critical extensions (crit) that are not supported")]
    CriticalHeader,
    /// No `kid` and the JWKS has several candidate keys.
    #[error("the ID token has no kid and the provider's JWKS has several keys; the provider must set kid")]
    MissingKid,
    /// No key with this `kid` in the JWKS, even after a re-fetch (or the re-fetch was rate-limited).
    #[error("no key {} in the provider's JWKS (re-fetched at most once per 10 s); the token was not signed by this provider's current keys", .kid.as_deref().unwrap_or("(no kid)"))]
    UnknownKey {
        /// The `kid` from the token header (sanitised).
        kid: Option<String>,
    },
    /// The JWK with this `kid` may not verify this token (`kty`, `use` or `alg` mismatch).
    #[error("the signing key does not fit the token: {0}")]
    KeyMismatch(String),
    /// The JWKS could not be fetched and no cached key fits.
    #[error("the provider's JWKS could not be loaded and no cached key fits: {0}")]
    JwksUnavailable(String),
    /// The signature does not verify.
    #[error("the ID token signature is invalid; the token was forged or altered")]
    BadSignature,
    /// `iss` differs from the issuer.
    #[error(
        "the ID token's iss is {got:?}, expected exactly {expected:?}; check the configured issuer"
    )]
    Issuer {
        /// The issuer we trust.
        expected: String,
        /// The token's `iss` (sanitised), if any.
        got: Option<String>,
    },
    /// `aud` does not contain the client id.
    #[error("the ID token's aud does not contain this client id; it was issued to another client (check the client id)")]
    Audience,
    /// Several audiences (or an `azp`) and `azp` is not the client id.
    #[error(
        "the ID token's azp is not this client id (required when there are several audiences)"
    )]
    AuthorizedParty,
    /// `exp` missing or passed.
    #[error("the ID token has expired or has no exp (exp {exp:?}, now {now}, allowed clock skew {skew}s); if this happens for fresh tokens, check this server's clock")]
    Expired {
        /// The token's `exp`, if any.
        exp: Option<i64>,
        /// Our clock.
        now: i64,
        /// The allowed skew in seconds.
        skew: u64,
    },
    /// `iat` missing.
    #[error("the ID token has no iat (issued-at)")]
    MissingIat,
    /// `iat` in the future beyond the skew.
    #[error(
        "the ID token was issued in the future (iat {iat}, now {now}); check this server's clock"
    )]
    IssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// Our clock.
        now: i64,
    },
    /// `nbf` in the future beyond the skew.
    #[error("the ID token is not valid yet (nbf {nbf}, now {now}); check this server's clock")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// Our clock.
        now: i64,
    },
    /// `sub` missing or empty.
    #[error("the ID token has no sub")]
    MissingSub,
    /// The nonce we sent is missing from the token.
    #[error("the ID token carries no nonce although one was sent; the token does not belong to this sign-in attempt")]
    MissingNonce,
    /// The token's nonce differs from the one we sent.
    #[error("the ID token's nonce differs from the one sent; the token belongs to another sign-in attempt (replay?)")]
    NonceMismatch,
    /// `at_hash` does not match the access token.
    #[error("the ID token's at_hash does not match the access token; the tokens were mixed up or altered")]
    AtHashMismatch,
    /// A claim the provider requires has another value (for example `token_use` is not `id`: an
    /// access token was passed off as an ID token).
    #[error("the ID token's {claim} is {got:?}, expected {expected:?}; a token of another kind cannot be used as an ID token")]
    RequiredClaim {
        /// The claim.
        claim: String,
        /// What it must be.
        expected: String,
        /// What it is (sanitised), if present.
        got: Option<String>,
    },
    /// A refreshed ID token names another issuer, subject or audience than the session's.
    #[error("the refreshed ID token's {0} differs from the session's; the refresh is refused")]
    Changed(&'static str),
}
