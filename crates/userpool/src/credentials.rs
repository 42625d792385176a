//! Checking a user's password, with the lockout after repeated failures, and checking a new
//! password against the pool's policy. Any front door that signs users in calls these.

use std::time::Duration;

use crate::error::Error;
use crate::pool::UserPool;
use crate::store::UserRow;

/// Failed passwords in a row before a user is locked out.
pub const LOCKOUT_AFTER: i64 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_DURATION: Duration = Duration::from_secs(15 * 60);
/// Longest password accepted.
pub(crate) const MAX_PASSWORD: usize = 256;

/// The outcome of a sign-in attempt with a password.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // made once per sign-in and matched at once
pub(crate) enum PasswordCheck {
    /// The password is right; the count of failures is reset.
    Accepted(UserRow),
    /// Wrong password, or no such user: the two are not told apart.
    Refused,
    /// The user is locked out, or this failure locked them out.
    Locked,
    /// The password is right but the user is disabled (`AdminDisableUser`): Cognito's
    /// `NotAuthorizedException` "User is disabled.". Told only to someone who knows the
    /// password, so it reveals nothing to a guesser.
    Disabled,
}

/// Cognito's message for a disabled user, on every front door.
pub(crate) const USER_DISABLED: &str = "User is disabled.";

impl UserPool {
    /// Checks `password` for the user `username` of the pool. A wrong password counts
    /// towards the lockout; an unknown user costs as long as a known one.
    pub(crate) async fn check_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
    ) -> Result<PasswordCheck, Error> {
        let user = self.find_user(pool_id, username).await?;
        let now = self.now();
        if user.as_ref().is_some_and(|u| u.locked_until > now) {
            return Ok(PasswordCheck::Locked);
        }
        let ok = self
            .verify_password(user.as_ref().map(|u| u.password_hash.as_str()), password)
            .await;
        let Some(user) = user else {
            return Ok(PasswordCheck::Refused);
        };
        if !ok {
            return self.wrong_password(pool_id, &user).await;
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

    /// Counts a wrong password (whichever way it was proven wrong, e.g. over SRP) towards the
    /// lockout: `Refused`, or `Locked` when this failure locks the user.
    pub(crate) async fn wrong_password(
        &self,
        pool_id: &str,
        user: &UserRow,
    ) -> Result<PasswordCheck, Error> {
        let lock_until = self.now() + LOCKOUT_DURATION.as_secs() as i64;
        let failures = self
            .store()
            .record_failed_password(&user.sub, LOCKOUT_AFTER, lock_until)
            .await?;
        tracing::info!(pool = %pool_id, sub = %user.sub, failures, "sign-in refused: wrong password");
        Ok(if failures >= LOCKOUT_AFTER {
            PasswordCheck::Locked
        } else {
            PasswordCheck::Refused
        })
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
