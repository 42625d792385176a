//! The `Session` that `SignUp` and `ConfirmSignUp` answer to a client allowed `USER_AUTH`:
//! `SignUp`'s may be given back to `ConfirmSignUp`, and `ConfirmSignUp`'s to `InitiateAuth`
//! (`USER_AUTH`), which then takes the code that confirmed the user as the first factor
//! (Amplify's `autoSignIn`).
//!
//! Each is kept as the challenges' sessions are (`store::challenges`): a random secret stored
//! by its hash, bound to the pool, client and user, lasting as long as a challenge, taken once.
//! Its kind is not a challenge name, so `RespondToAuthChallenge` never accepts one.

use super::{ApiError, Exception};
use crate::pool::UserPool;
use crate::store::{ChallengeRow, CHALLENGE_VALIDITY_SECS};
use crate::tokens;

/// What a session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// From `SignUp`, for `ConfirmSignUp`.
    SignedUp,
    /// From `ConfirmSignUp`, for `InitiateAuth`'s `USER_AUTH`.
    Confirmed,
}

impl Kind {
    /// The kind as stored in the challenge's name column.
    fn stored(self) -> &'static str {
        match self {
            Kind::SignedUp => "SIGN_UP_SESSION",
            Kind::Confirmed => "CONFIRM_SIGN_UP_SESSION",
        }
    }
}

/// The pool, client and user a session belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Owner<'a> {
    pub pool_id: &'a str,
    pub client_id: &'a str,
    pub sub: &'a str,
}

/// A session taken from the store, to be put back when the step it was given to fails for a
/// reason other than the session itself (a wrong confirmation code).
pub(crate) struct Taken {
    hash: String,
    row: ChallengeRow,
}

impl Taken {
    /// The user the session was issued to.
    pub(crate) fn sub(&self) -> &str {
        &self.row.sub
    }

    /// Stores the session again, as it was (same value, same expiry).
    pub(crate) async fn put_back(self, pool: &UserPool) -> Result<(), ApiError> {
        pool.store().insert_challenge(&self.hash, &self.row).await?;
        Ok(())
    }
}

/// Cognito's answer to a session that is unknown, used, expired, or someone else's.
pub(crate) fn invalid() -> ApiError {
    ApiError::new(
        Exception::NotAuthorizedException,
        "Invalid session for the user, session is expired.",
    )
}

/// Stores a new session of `kind` for `owner` and answers its value.
pub(crate) async fn issue(
    pool: &UserPool,
    owner: Owner<'_>,
    kind: Kind,
) -> Result<String, ApiError> {
    let session = tokens::random_secret(96);
    let row = ChallengeRow {
        pool_id: owner.pool_id.to_string(),
        client_id: owner.client_id.to_string(),
        sub: owner.sub.to_string(),
        challenge: kind.stored().to_string(),
        state: vec![],
        expires_at: pool.now() + CHALLENGE_VALIDITY_SECS,
    };
    pool.store()
        .insert_challenge(&tokens::hash_secret(&session), &row)
        .await?;
    Ok(session)
}

/// Takes (once) a live session of `kind` issued to this pool and client; the caller checks
/// its user with [`Taken::sub`].
pub(crate) async fn take(
    pool: &UserPool,
    pool_id: &str,
    client_id: &str,
    kind: Kind,
    session: &str,
) -> Result<Taken, ApiError> {
    if session.is_empty() || session.len() > 4096 {
        return Err(invalid());
    }
    let hash = tokens::hash_secret(session);
    let row = pool
        .store()
        .take_challenge(&hash, pool.now())
        .await?
        .filter(|r| {
            r.pool_id == pool_id && r.client_id == client_id && r.challenge == kind.stored()
        })
        .ok_or_else(invalid)?;
    Ok(Taken { hash, row })
}
