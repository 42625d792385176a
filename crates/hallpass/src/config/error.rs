//! Why a configuration cannot work.

use std::path::PathBuf;

/// A configuration that cannot work; the message names the variable and how to fix it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret in a build or deployment that must not generate one.
    #[error("AUTH_SECRET is not set. Hallpass needs a secret of at least 32 bytes to encrypt its cookies; make one with `openssl rand -base64 32` and put it in AUTH_SECRET (or .env.local). {0}")]
    MissingSecret(&'static str),
    /// A secret shorter than 32 bytes.
    #[error("{var} is too short ({len} bytes): use at least 32 random bytes, e.g. `openssl rand -base64 32`")]
    SecretTooShort {
        /// The variable (or builder method) that held it.
        var: String,
        /// Its length in bytes.
        len: usize,
    },
    /// A URL that does not parse or is not http(s).
    #[error(
        "{var} is not a usable http(s) URL ({reason}); example: AUTH_URL=https://app.example.com"
    )]
    InvalidUrl {
        /// The variable.
        var: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A value that is not one of the accepted ones.
    #[error("{var} has an invalid value: {reason}")]
    InvalidValue {
        /// The variable.
        var: &'static str,
        /// What was expected.
        reason: String,
    },
    /// The base URL is missing in a release build.
    #[error("AUTH_URL is not set: a release build needs the site's public URL, e.g. AUTH_URL=https://app.example.com")]
    MissingUrl,
    /// The generated development secret could not be read or written.
    #[error("could not read or write the development secret file {path}: {source}")]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
