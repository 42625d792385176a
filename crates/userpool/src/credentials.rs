//! Checking a user's password, with the lockout after repeated failures, and checking a new
//! password against the pool's policy: the rules and outcomes. The checks themselves are the
//! pool's (`pool/credentials.rs`); any front door that signs users in calls them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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
