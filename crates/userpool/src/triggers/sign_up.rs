//! Pre sign-up and post confirmation.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::{flag, metadata, user_attributes, Event, Trigger};
use crate::config::PoolConfig;
use crate::error::Error;
use crate::pool::UserPool;
use crate::store::UserRow;

/// What pre sign-up decided (all false without the trigger).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SignUpAnswer {
    pub auto_confirm: bool,
    pub auto_verify_email: bool,
}

/// Pre sign-up (`PreSignUp_SignUp`, `PreSignUp_AdminCreateUser`): the new user's name and
/// attributes go to the function, which may refuse (an error) or confirm and verify at once.
#[allow(clippy::too_many_arguments)] // the event's parts, named at each call
pub(crate) async fn pre_sign_up(
    pool: &UserPool,
    pc: &PoolConfig,
    source: &str,
    client_id: Option<&str>,
    sub: &str,
    email: &str,
    attributes: &BTreeMap<String, String>,
    validation_data: Option<&HashMap<String, String>>,
    client_metadata: Option<&HashMap<String, String>>,
) -> Result<SignUpAnswer, Error> {
    let mut attrs: serde_json::Map<String, Value> = attributes
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    attrs.insert("email".into(), email.into());
    let event = Event {
        pc,
        version: "1",
        source,
        client_id,
        user_name: sub,
        request: json!({
            "userAttributes": attrs,
            "validationData": validation_data,
            "clientMetadata": metadata(client_metadata),
        }),
        response: json!({
            "autoConfirmUser": false,
            "autoVerifyEmail": false,
            "autoVerifyPhone": false,
        }),
    };
    let Some(reply) = pool.run_trigger(Trigger::PreSignUp, event).await? else {
        return Ok(SignUpAnswer::default());
    };
    Ok(SignUpAnswer {
        auto_confirm: flag(&reply, "autoConfirmUser", Trigger::PreSignUp)?,
        auto_verify_email: flag(&reply, "autoVerifyEmail", Trigger::PreSignUp)?,
    })
}

/// Post confirmation (`PostConfirmation_ConfirmSignUp`, `PostConfirmation_ConfirmForgotPassword`),
/// after the user is confirmed: as in Cognito an error fails the call, and the user stays
/// confirmed.
pub(crate) async fn post_confirmation(
    pool: &UserPool,
    pc: &PoolConfig,
    source: &str,
    client_id: Option<&str>,
    user: &UserRow,
    client_metadata: Option<&HashMap<String, String>>,
) -> Result<(), Error> {
    if Trigger::PostConfirmation
        .function(&pc.lambda_config)
        .is_none()
    {
        return Ok(());
    }
    // The event shows the user as stored now (confirmed).
    let user = pool
        .store()
        .user_by_sub(&pc.id, &user.sub)
        .await?
        .unwrap_or_else(|| user.clone());
    let event = Event {
        pc,
        version: "1",
        source,
        client_id,
        user_name: &user.sub,
        request: json!({
            "userAttributes": user_attributes(&user),
            "clientMetadata": metadata(client_metadata),
        }),
        response: json!({}),
    };
    pool.run_trigger(Trigger::PostConfirmation, event).await?;
    Ok(())
}
