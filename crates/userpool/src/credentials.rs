//! Checking a user's password, with the lockout after repeated failures, and checking a new
//! password against the pool's policy. Any front door that signs users in calls these.

use std::sync::atomic::{AtomicU64, Ordering};
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

/// How many Argon2 verifications a pool has run: against users' hashes, and against the
/// dummy hash that stands in for an unknown or locked user. Lets a test check that such a
/// user costs the same work as a known one, without timing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PasswordVerifications {
    /// Verifications against a user's own hash.
    pub real: u64,
    /// Verifications against the dummy hash.
    pub dummy: u64,
}

/// The counters behind [`PasswordVerifications`].
#[derive(Debug, Default)]
pub(crate) struct VerificationCounter {
    real: AtomicU64,
    dummy: AtomicU64,
}

impl VerificationCounter {
    /// Counts one verification.
    pub(crate) fn count(&self, against_dummy: bool) {
        let c = if against_dummy {
            &self.dummy
        } else {
            &self.real
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> PasswordVerifications {
        PasswordVerifications {
            real: self.real.load(Ordering::Relaxed),
            dummy: self.dummy.load(Ordering::Relaxed),
        }
    }
}

/// Cognito's message for a disabled user, on every front door.
pub(crate) const USER_DISABLED: &str = "User is disabled.";

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
