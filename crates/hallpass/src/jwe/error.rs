//! Why a JWE could not be opened (shared by both ciphers).

/// Why a token could not be opened. Deliberately coarse: callers log it at debug level and treat the
/// cookie as absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JweError {
    /// Not five dot-separated parts, or bad base64, or a wrong IV/tag length.
    #[error("not a compact JWE (malformed or truncated)")]
    Malformed,
    /// The protected header is not the one this cookie is written with (`alg` `dir` with `enc`
    /// `A256GCM`, or `A256CBC-HS512` for Auth.js v5's session).
    #[error("unsupported JWE header: not the alg/enc this cookie is written with")]
    UnsupportedHeader,
    /// No configured secret opens it: tampered, or made with another secret or for another cookie.
    #[error(
        "decryption failed (tampered, or encrypted with another secret or for another cookie)"
    )]
    Decrypt,
}
