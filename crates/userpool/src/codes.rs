//! One-time codes sent to a user (sign-up confirmation, password reset): made, stored, and
//! delivered through the outbox, or through the custom message and sender triggers.

use crate::error::Error;
use crate::outbox::{Message, MessageKind};
use crate::pool::UserPool;
use crate::triggers::{self, MessageSource};

/// Sign-up confirmation code lifetime (Cognito: 24 hours).
const CONFIRM_CODE_SECS: i64 = 24 * 60 * 60;
/// Password reset code lifetime (Cognito: 1 hour).
const RESET_CODE_SECS: i64 = 60 * 60;

impl UserPool {
    /// What [`UserPool::send_code_as`] does for an address without an account, but sends nothing:
    /// a code is made and written (to a one-row table), so the request takes as long as a real
    /// one and its timing does not tell the address apart.
    pub(crate) async fn send_no_code(&self, purpose: &str) -> Result<(), Error> {
        use rand::Rng;
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        self.store()
            .insert_decoy_code(purpose, &code, self.now())
            .await
    }

    /// Makes a 6-digit code, stores it, and sends it through the outbox (and the custom message
    /// and sender triggers, which are told the step and the client).
    pub(crate) async fn send_code_as(
        &self,
        pool_id: &str,
        sub: &str,
        email: &str,
        purpose: &str,
        source: MessageSource,
        client_id: Option<&str>,
    ) -> Result<(), Error> {
        use rand::Rng;
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let now = self.now();
        let life = if purpose == "reset" {
            RESET_CODE_SECS
        } else {
            CONFIRM_CODE_SECS
        };
        self.store()
            .insert_user_code(pool_id, sub, email, purpose, &code, now, now + life)
            .await?;
        let kind = if purpose == "reset" {
            MessageKind::Reset
        } else {
            MessageKind::Confirm
        };
        let m = Message {
            pool_id: pool_id.to_string(),
            to: email.to_string(),
            kind,
            code_or_password: code,
            subject: None,
            message: None,
        };
        // Without a message trigger, no more work than an unknown address's decoy
        // (`send_no_code`): reading the user for the trigger's event would time them apart.
        let lambda = &self.pool_config(pool_id)?.lambda_config;
        if lambda.custom_message.is_none() && lambda.custom_email_sender.is_none() {
            return self.deliver(m).await;
        }
        let user = self
            .store()
            .user_by_sub(pool_id, sub)
            .await?
            .ok_or(Error::NoSuchUser)?;
        triggers::custom_message(self, m, source, client_id, &user, None).await
    }
}
