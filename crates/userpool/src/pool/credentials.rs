//! The pool's password checks (see `credentials` for the rules' constants and outcomes):
//! the lockout after repeated failures, and a new password against the pool's policy.

use super::UserPool;
use crate::credentials::{PasswordCheck, LOCKOUT_AFTER, LOCKOUT_DURATION, MAX_PASSWORD};
use crate::error::Error;
use crate::store::UserRow;

impl UserPool {
    /// Checks `password` for the user `username` of the pool. The attempt is reserved (and
    /// counted) atomically before the password is verified, so at most [`LOCKOUT_AFTER`]
    /// passwords are ever verified between two lockouts, however many arrive at once; only a
    /// right password resets the count. An unknown user, and a locked one, cost one
    /// verification against a dummy hash: every answer takes as long.
    pub(crate) async fn check_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
    ) -> Result<PasswordCheck, Error> {
        let user = self.find_user(pool_id, username).await?;
        let attempt = match &user {
            Some(u) => match self.reserve_attempt(u).await? {
                Some(n) => Some(n),
                None => {
                    // Locked: the user's own hash is not tried, but the time is spent.
                    self.verify_password(None, password).await;
                    return Ok(PasswordCheck::Locked);
                }
            },
            None => None,
        };
        let ok = self
            .verify_password(user.as_ref().map(|u| u.password_hash.as_str()), password)
            .await;
        match (user, attempt) {
            (Some(user), Some(attempt)) => self.finish_attempt(pool_id, user, attempt, ok).await,
            _ => Ok(PasswordCheck::Refused),
        }
    }

    /// Reserves (and counts as a failure in advance) one password attempt of `user`, before
    /// anything is verified; `None` when the user is locked out. Every front door that checks a
    /// password (the hosted UI, the JSON API's password and SRP flows) goes through it.
    pub(crate) async fn reserve_attempt(&self, user: &UserRow) -> Result<Option<i64>, Error> {
        let now = self.now();
        // Already locked as read: no write needed (the reservation re-checks atomically anyway).
        if user.locked_until > now {
            return Ok(None);
        }
        let lock_until = now + LOCKOUT_DURATION.as_secs() as i64;
        self.store()
            .reserve_password_attempt(&user.sub, now, LOCKOUT_AFTER, lock_until)
            .await
    }

    /// The outcome of reserved attempt number `attempt`: a right password resets the count; a
    /// wrong one stays counted, and the attempt that reached the limit answers `Locked`.
    pub(crate) async fn finish_attempt(
        &self,
        pool_id: &str,
        user: UserRow,
        attempt: i64,
        password_ok: bool,
    ) -> Result<PasswordCheck, Error> {
        if !password_ok {
            tracing::info!(pool = %pool_id, sub = %user.sub, failures = attempt, "sign-in refused: wrong password or code");
            return Ok(if attempt >= LOCKOUT_AFTER {
                PasswordCheck::Locked
            } else {
                PasswordCheck::Refused
            });
        }
        self.store().reset_failed_passwords(&user.sub).await?;
        if !user.enabled {
            return Ok(PasswordCheck::Disabled);
        }
        Ok(PasswordCheck::Accepted(user))
    }

    /// The user named `username`: their email (what people type) or their `sub` (what
    /// Cognito calls the username, and SRP clients send back as `USER_ID_FOR_SRP`).
    pub(crate) async fn find_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Option<UserRow>, Error> {
        match self.store().user_by_email(pool_id, username).await? {
            Some(u) => Ok(Some(u)),
            None => self.store().user_by_sub(pool_id, username).await,
        }
    }

    /// Whether a new password is acceptable: `Ok(Err(message))` says why not, in Cognito's
    /// words.
    pub(crate) fn check_new_password(
        &self,
        pool_id: &str,
        password: &str,
    ) -> Result<Result<(), String>, Error> {
        if password.len() > MAX_PASSWORD {
            return Ok(Err(
                "Password did not conform with policy: Password is too long".into(),
            ));
        }
        Ok(self.pool_config(pool_id)?.password_policy.check(password))
    }
}
