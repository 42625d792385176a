//! Custom message (the function rewrites the e-mail's subject and text) and the custom e-mail
//! sender (the function gets the code and sends it itself), around the outbox.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{metadata, string, user_attributes, Event, Trigger};
use crate::error::Error;
use crate::outbox::Message;
use crate::pool::UserPool;
use crate::store::UserRow;

/// The placeholder for the code in a custom message (Cognito's `codeParameter`).
const CODE_PARAMETER: &str = "{####}";
/// The placeholder for the user name in `AdminCreateUser`'s invitation.
const USERNAME_PARAMETER: &str = "{username}";

/// Why a message is sent: the suffix of `CustomMessage_*` and `CustomEmailSender_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageSource {
    SignUp,
    ResendCode,
    ForgotPassword,
    AdminCreateUser,
    Authentication,
    VerifyUserAttribute,
}

impl MessageSource {
    fn suffix(self) -> &'static str {
        match self {
            MessageSource::SignUp => "SignUp",
            MessageSource::ResendCode => "ResendCode",
            MessageSource::ForgotPassword => "ForgotPassword",
            MessageSource::AdminCreateUser => "AdminCreateUser",
            MessageSource::Authentication => "Authentication",
            MessageSource::VerifyUserAttribute => "VerifyUserAttribute",
        }
    }
}

/// Runs the custom message and custom e-mail sender triggers for a message to `user`, then
/// puts it in the outbox (with the function's subject and text, when it gave them). The
/// outbox keeps the code even when a sender function sends it: it is the local record of
/// every message.
pub(crate) async fn custom_message(
    pool: &UserPool,
    mut m: Message,
    source: MessageSource,
    client_id: Option<&str>,
    user: &UserRow,
    client_metadata: Option<&HashMap<String, String>>,
) -> Result<(), Error> {
    let pc = pool.pool_config(&m.pool_id)?;
    let event = Event {
        pc,
        version: "1",
        source: &format!("CustomMessage_{}", source.suffix()),
        client_id,
        user_name: &user.sub,
        request: json!({
            "userAttributes": user_attributes(user),
            "codeParameter": CODE_PARAMETER,
            "linkParameter": "{##Click Here##}",
            "usernameParameter": (source == MessageSource::AdminCreateUser).then_some(USERNAME_PARAMETER),
            "clientMetadata": metadata(client_metadata),
        }),
        response: json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null }),
    };
    if let Some(reply) = pool.run_trigger(Trigger::CustomMessage, event).await? {
        match string(&reply, "emailMessage") {
            // As in Cognito, a text without the code is not used.
            Some(text) if text.contains(CODE_PARAMETER) => {
                m.message = Some(
                    text.replace(CODE_PARAMETER, &m.code_or_password)
                        .replace(USERNAME_PARAMETER, &user.email),
                );
                m.subject = string(&reply, "emailSubject");
            }
            Some(_) => tracing::warn!(
                trigger = "CustomMessage",
                "the function's emailMessage has no {CODE_PARAMETER}: the default message is sent"
            ),
            None => m.subject = string(&reply, "emailSubject"),
        }
    }
    let event = Event {
        pc,
        version: "1",
        source: &format!("CustomEmailSender_{}", source.suffix()),
        client_id,
        user_name: &user.sub,
        request: json!({
            "type": "customEmailSenderRequestV1",
            // Cognito encrypts the code with the pool's KMS key; a local pool has none.
            "code": m.code_or_password,
            "userAttributes": user_attributes(user),
            "clientMetadata": metadata(client_metadata),
        }),
        response: Value::Null,
    };
    // Cognito runs the sender asynchronously: its failure does not fail the step (the
    // invoker logs it).
    if let Some(function) = Trigger::CustomEmailSender.function(&pc.lambda_config) {
        let event = event.to_json();
        pool.invoker()
            .notify(Trigger::CustomEmailSender, function, &event)
            .await;
    }
    pool.deliver(m).await
}
