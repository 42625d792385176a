//! Setting a user's password (see `user_password`): the hash and the SRP verifier together.

use super::UserPool;
use crate::error::Error;
use crate::srp::Verifier;
use crate::user_password::PasswordRecord;

impl UserPool {
    /// Hashes `password` and derives its SRP verifier for the user `sub` (`USER_ID_FOR_SRP`
    /// is the `sub`, as Cognito's username is for a pool that signs in by email).
    pub(crate) async fn password_record(
        &self,
        pool_id: &str,
        sub: &str,
        password: &str,
    ) -> Result<PasswordRecord, Error> {
        let hash = self.hash_password(password).await?;
        let (pool_id, sub, password) = (pool_id.to_string(), sub.to_string(), password.to_string());
        // A 3072-bit modular exponentiation: off the async threads, like the hash.
        let verifier =
            tokio::task::spawn_blocking(move || Verifier::new(&pool_id, &sub, &password))
                .await
                .map_err(|e| Error::Internal(e.to_string()))?
                .map_err(|e| Error::Internal(format!("SRP verifier: {e}")))?;
        Ok(PasswordRecord {
            hash,
            srp_salt: verifier.salt_hex(),
            srp_verifier: verifier.verifier_hex(),
        })
    }

    /// Sets a user's password: hashes it, derives the SRP verifier, stores both, marks the
    /// password permanent and unlocks the user. It revokes nothing itself (callers decide
    /// whether the user's sessions end) and does not check the policy
    /// ([`UserPool::check_new_password`] does).
    pub(crate) async fn set_user_password(
        &self,
        pool_id: &str,
        sub: &str,
        password: &str,
        now: i64,
    ) -> Result<(), Error> {
        let record = self.password_record(pool_id, sub, password).await?;
        self.store().set_password(sub, &record, now).await
    }
}
