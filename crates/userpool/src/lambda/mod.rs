//! Lambda functions as the pool sees them: the triggers' names, which function runs each
//! (`LambdaConfig`), calling one (`Invoker`), and how a call fails (`TriggerError`). A leaf:
//! it knows nothing of the pool; `triggers` runs the steps with it.

pub(crate) mod config;
mod invoke;

pub(crate) use invoke::{Invoker, TIME_LIMIT};

use config::LambdaConfig;

/// The triggers, by Cognito's names (which its error messages use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // each is Cognito's trigger of that name
pub enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    PreTokenGeneration,
    CustomMessage,
    UserMigration,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    CustomEmailSender,
}

impl Trigger {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::UserMigration => "UserMigration",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::CustomEmailSender => "CustomEmailSender",
        }
    }

    /// The function configured for this trigger, if any.
    pub(crate) fn function(self, lc: &LambdaConfig) -> Option<&str> {
        let f = match self {
            Trigger::PreSignUp => &lc.pre_sign_up,
            Trigger::PostConfirmation => &lc.post_confirmation,
            Trigger::PreAuthentication => &lc.pre_authentication,
            Trigger::PostAuthentication => &lc.post_authentication,
            Trigger::PreTokenGeneration => {
                return lc
                    .pre_token_generation_config
                    .as_ref()
                    .map(|c| c.lambda_arn.as_str())
                    .or(lc.pre_token_generation.as_deref())
            }
            Trigger::CustomMessage => &lc.custom_message,
            Trigger::UserMigration => &lc.user_migration,
            Trigger::DefineAuthChallenge => &lc.define_auth_challenge,
            Trigger::CreateAuthChallenge => &lc.create_auth_challenge,
            Trigger::VerifyAuthChallengeResponse => &lc.verify_auth_challenge_response,
            Trigger::CustomEmailSender => {
                return lc
                    .custom_email_sender
                    .as_ref()
                    .map(|c| c.lambda_arn.as_str())
            }
        };
        f.as_deref()
    }
}

/// A trigger that failed, in Cognito's words (the `Display` is the exception's message).
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// The function raised an error: `UserLambdaValidationException`.
    #[error("{} failed with error {message}.", trigger.name())]
    Validation {
        /// The trigger.
        trigger: Trigger,
        /// The function's `errorMessage`.
        message: String,
    },
    /// The function could not be run, or not in time: `UnexpectedLambdaException`.
    #[error("{} invocation failed due to error {cause}.", trigger.name())]
    Unexpected {
        /// The trigger.
        trigger: Trigger,
        /// What went wrong.
        cause: String,
    },
    /// The reply is not what the trigger answers: `InvalidLambdaResponseException`.
    #[error("Unrecognizable lambda output")]
    InvalidResponse {
        /// The trigger.
        trigger: Trigger,
    },
}

impl TriggerError {
    pub(crate) fn unexpected(trigger: Trigger, cause: &str) -> Self {
        TriggerError::Unexpected {
            trigger,
            cause: cause.to_string(),
        }
    }

    /// The reply of `trigger` does not have the shape its event needs.
    pub(crate) fn invalid(trigger: Trigger) -> Self {
        tracing::warn!(
            trigger = trigger.name(),
            "the trigger's reply has the wrong shape"
        );
        TriggerError::InvalidResponse { trigger }
    }
}
