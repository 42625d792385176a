//! Lambda triggers: the pool calls the app's functions at the steps Cognito does (sign-up,
//! confirmation, sign-in, token generation, messages, user migration, custom challenges),
//! with Cognito's events, and acts on their replies as Cognito does.
//!
//! Each step of the pool calls one function of this module where the trigger fires; a pool
//! without that trigger configured goes on as before. A failed trigger is an
//! [`Error::Trigger`], which the JSON API answers with Cognito's exception and the hosted UI
//! shows on its page.

use serde_json::{json, Map, Value};

use crate::config::PoolConfig;
use crate::error::Error;
use crate::pool::UserPool;
use crate::store::UserRow;

mod auth;
mod message;
mod sign_up;
mod token;

pub(crate) use crate::lambda::{Trigger, TriggerError};
pub(crate) use auth::{
    before_password, post_authentication, user_migration, BeforePassword, SignInAttempt,
};
pub(crate) use message::{custom_message, MessageSource};
pub(crate) use sign_up::{post_confirmation, pre_sign_up};
pub(crate) use token::{pre_token_generation, pre_token_generation_m2m, TokenSource};

/// One event to send: what every trigger's event has around its `request` and `response`.
pub(crate) struct Event<'a> {
    pub pc: &'a PoolConfig,
    /// `version`: "1" except for pre token generation's later versions.
    pub version: &'a str,
    pub source: &'a str,
    /// The app client, when the step has one.
    pub client_id: Option<&'a str>,
    pub user_name: &'a str,
    pub request: Value,
    pub response: Value,
}

impl Event<'_> {
    pub(crate) fn to_json(&self) -> Value {
        let region = self.pc.id.split('_').next().unwrap_or("us-east-1");
        json!({
            "version": self.version,
            "triggerSource": self.source,
            "region": region,
            "userPoolId": self.pc.id,
            "userName": self.user_name,
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": self.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
            },
            "request": self.request,
            "response": self.response,
        })
    }
}

impl UserPool {
    /// Runs `trigger` with `event` when the pool has it; returns the reply's `response`
    /// (`None`: no such trigger). A reply without a `response` object is refused.
    pub(crate) async fn run_trigger(
        &self,
        trigger: Trigger,
        event: Event<'_>,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let Some(function) = trigger.function(&event.pc.lambda_config) else {
            return Ok(None);
        };
        let reply = self
            .invoker()
            .invoke(trigger, function, &event.to_json())
            .await?;
        match reply.get("response") {
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            Some(Value::Null) => Ok(Some(Map::new())),
            _ => Err(TriggerError::invalid(trigger).into()),
        }
    }
}

/// A user's attributes as the events carry them: strings, with `sub`, `email_verified` and
/// `cognito:user_status`.
pub(crate) fn user_attributes(user: &UserRow) -> Value {
    let mut m = Map::new();
    m.insert("sub".into(), user.sub.clone().into());
    for (k, v) in &user.attributes {
        m.insert(k.clone(), v.clone().into());
    }
    m.insert(
        "email_verified".into(),
        user.email_verified.to_string().into(),
    );
    m.insert("cognito:user_status".into(), user_status(user).into());
    m.insert("email".into(), user.email.clone().into());
    Value::Object(m)
}

/// Cognito's `UserStatus` of a user.
pub(crate) fn user_status(user: &UserRow) -> &'static str {
    if user.password_temporary {
        "FORCE_CHANGE_PASSWORD"
    } else if user.confirmed {
        "CONFIRMED"
    } else {
        "UNCONFIRMED"
    }
}

/// `clientMetadata` as sent (an object of strings), or `{}`.
pub(crate) fn metadata(m: Option<&std::collections::HashMap<String, String>>) -> Value {
    json!(m.cloned().unwrap_or_default())
}

/// A string member of a reply, if it is one.
fn string(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A boolean member of a reply: absent or null is false, anything but a boolean is refused.
fn flag(m: &Map<String, Value>, key: &str, trigger: Trigger) -> Result<bool, TriggerError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(TriggerError::invalid(trigger)),
    }
}
