//! Password hashing: Argon2id at a configurable cost, verified off the async threads.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};

use crate::error::Error;

/// How expensive password hashing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordHashCost {
    /// Argon2id with its recommended parameters (19 MiB, 2 passes).
    #[default]
    Default,
    /// Argon2id with minimal parameters: fast, for tests and benchmarks only.
    Testing,
}

impl PasswordHashCost {
    fn argon2(self) -> Argon2<'static> {
        match self {
            PasswordHashCost::Default => Argon2::default(),
            PasswordHashCost::Testing => Argon2::new(
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x13,
                argon2::Params::new(8, 1, 1, None).expect("valid argon2 params"),
            ),
        }
    }
}

/// Hashes a password with a fresh salt.
pub(crate) async fn hash_password(
    cost: PasswordHashCost,
    password: String,
) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        cost.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

/// Whether `password` matches the PHC-format `hash`; any malformed hash is a mismatch.
pub(crate) async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}
