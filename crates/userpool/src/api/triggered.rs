//! The sign-in steps of the JSON API that run Lambda triggers, in the API's words: before a
//! password is checked (pre authentication, user migration) and before tokens are issued
//! (post authentication).

use super::client_check::ClientCall;
use super::{ApiError, Exception};
use crate::error::Error;
use crate::store::UserRow;
use crate::triggers::{self, BeforePassword, SignInAttempt, Trigger, TriggerError};

/// Pre authentication of a known user, or migration of an unknown one, before a password
/// (`None`: a sign-in without one, such as SRP, which cannot migrate) is checked.
pub(crate) async fn before_password(
    cc: &ClientCall<'_>,
    username: &str,
    password: Option<&str>,
) -> Result<(), ApiError> {
    let attempt = SignInAttempt {
        client_id: &cc.client.id,
        username,
        password,
        hides_users: cc.client.prevent_user_existence_errors,
        client_metadata: cc.client_metadata,
    };
    match triggers::before_password(cc.pool, cc.pc, attempt).await {
        Ok(BeforePassword::ResetRequired) => Err(ApiError::new(
            Exception::PasswordResetRequiredException,
            "Password reset required for the user",
        )),
        Ok(_) => Ok(()),
        // A migration function's refusal reads as an unknown user's answer.
        Err(Error::Trigger(TriggerError::Validation {
            trigger: Trigger::UserMigration,
            ..
        })) if cc.client.prevent_user_existence_errors => Err(super::auth_reply::incorrect()),
        Err(Error::Trigger(TriggerError::Validation {
            trigger: Trigger::UserMigration,
            ..
        })) => Err(ApiError::new(
            Exception::UserNotFoundException,
            format!("Exception migrating user in app client {}", cc.client.id),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Post authentication, once every factor is proved and before the tokens.
pub(crate) async fn before_tokens(cc: &ClientCall<'_>, user: &UserRow) -> Result<(), ApiError> {
    let metadata = cc.client_metadata;
    triggers::post_authentication(cc.pool, cc.pc, &cc.client.id, user, metadata).await?;
    Ok(())
}
