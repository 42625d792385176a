//! Pre authentication, post authentication and user migration.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::{metadata, string, user_attributes, Event, Trigger, TriggerError};
use crate::config::{valid_attribute_name, valid_email, PoolConfig};
use crate::error::Error;
use crate::pool::UserPool;
use crate::store::UserRow;

/// Pre authentication (`PreAuthentication_Authentication`), before the password or challenge
/// is checked: an error refuses the sign-in. `user` is `None` for an unknown user of a client
/// that hides them (Cognito's `userNotFound: true`, the name as typed).
async fn pre_authentication(
    pool: &UserPool,
    pc: &PoolConfig,
    client_id: &str,
    user: Option<&UserRow>,
    username: &str,
    client_metadata: Option<&HashMap<String, String>>,
) -> Result<(), Error> {
    let event = Event {
        pc,
        version: "1",
        source: "PreAuthentication_Authentication",
        client_id: Some(client_id),
        user_name: user.map(|u| u.sub.as_str()).unwrap_or(username),
        request: json!({
            "userAttributes": user.map(user_attributes).unwrap_or_else(|| json!({})),
            "validationData": {},
            "userNotFound": user.is_none(),
            "clientMetadata": metadata(client_metadata),
        }),
        response: json!({}),
    };
    pool.run_trigger(Trigger::PreAuthentication, event).await?;
    Ok(())
}

/// Post authentication (`PostAuthentication_Authentication`), once the user has proved every
/// factor and before the tokens: as in Cognito an error fails the sign-in.
pub(crate) async fn post_authentication(
    pool: &UserPool,
    pc: &PoolConfig,
    client_id: &str,
    user: &UserRow,
    client_metadata: Option<&HashMap<String, String>>,
) -> Result<(), Error> {
    let event = Event {
        pc,
        version: "1",
        source: "PostAuthentication_Authentication",
        client_id: Some(client_id),
        user_name: &user.sub,
        request: json!({
            "userAttributes": user_attributes(user),
            "newDeviceUsed": false,
            "clientMetadata": metadata(client_metadata),
        }),
        response: json!({}),
    };
    pool.run_trigger(Trigger::PostAuthentication, event).await?;
    Ok(())
}

/// A user the migration function made.
pub(crate) struct Migrated {
    pub user: UserRow,
    /// `finalUserStatus: RESET_REQUIRED`: the password must be reset before a sign-in.
    pub reset_required: bool,
}

/// User migration for an unknown `username`: `UserMigration_Authentication` with the
/// password tried, `UserMigration_ForgotPassword` without one. `Ok(None)`: no migration
/// trigger. The user the function describes is created with its attributes, confirmed, with
/// that password (or a random one when resetting).
pub(crate) async fn user_migration(
    pool: &UserPool,
    pc: &PoolConfig,
    client_id: &str,
    username: &str,
    password: Option<&str>,
    client_metadata: Option<&HashMap<String, String>>,
) -> Result<Option<Migrated>, Error> {
    if Trigger::UserMigration.function(&pc.lambda_config).is_none() {
        return Ok(None);
    }
    let mut request = json!({
        "validationData": {},
        "clientMetadata": metadata(client_metadata),
    });
    if let Some(p) = password {
        request["password"] = p.into();
    }
    let event = Event {
        pc,
        version: "1",
        source: if password.is_some() {
            "UserMigration_Authentication"
        } else {
            "UserMigration_ForgotPassword"
        },
        client_id: Some(client_id),
        user_name: username,
        request,
        response: json!({
            "userAttributes": null,
            "finalUserStatus": null,
            "messageAction": null,
            "desiredDeliveryMediums": null,
            "forceAliasCreation": null,
            "enableSMSMFA": null,
        }),
    };
    let Some(reply) = pool.run_trigger(Trigger::UserMigration, event).await? else {
        return Ok(None);
    };
    let described = MigratedUser::from_reply(&reply, username)?;
    let sub = uuid::Uuid::new_v4().to_string();
    let chosen = match password {
        Some(p) if !described.reset_required => p.to_string(),
        // Nobody knows this one: the user resets it.
        _ => crate::tokens::random_secret(32) + "Aa1!",
    };
    let record = pool.password_record(&pc.id, &sub, &chosen).await?;
    pool.store()
        .insert_user(
            &pc.id,
            &sub,
            &described.email,
            &record,
            true,
            described.verified,
            &described.others,
            pool.now(),
        )
        .await?;
    tracing::info!(pool = %pc.id, sub = %sub, "user migrated by the UserMigration trigger");
    let user = pool
        .store()
        .user_by_sub(&pc.id, &sub)
        .await?
        .ok_or(Error::NoSuchUser)?;
    Ok(Some(Migrated {
        user,
        reset_required: described.reset_required,
    }))
}

/// The user a migration function's reply describes, checked: an address, whether it is
/// verified, the other attributes (never `sub`, `username` or `cognito:*`), the final status.
struct MigratedUser {
    email: String,
    verified: bool,
    others: BTreeMap<String, String>,
    reset_required: bool,
}

impl MigratedUser {
    fn from_reply(reply: &Map<String, Value>, username: &str) -> Result<Self, Error> {
        let bad = || Error::from(TriggerError::invalid(Trigger::UserMigration));
        let attributes = match reply.get("userAttributes") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(bad()),
        };
        let reset_required = match string(reply, "finalUserStatus").as_deref() {
            None | Some("CONFIRMED") => false,
            Some("RESET_REQUIRED") => true,
            Some(_) => return Err(bad()),
        };
        let email = attributes
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or(username)
            .trim()
            .to_string();
        if !valid_email(&email) {
            return Err(bad());
        }
        let verified = attributes.get("email_verified").and_then(Value::as_str) == Some("true");
        let mut others = BTreeMap::new();
        for (k, v) in &attributes {
            if matches!(k.as_str(), "email" | "email_verified" | "sub" | "username")
                || k.starts_with("cognito:")
            {
                continue;
            }
            let Some(v) = v.as_str() else {
                return Err(bad());
            };
            valid_attribute_name(k).map_err(|_| bad())?;
            others.insert(k.clone(), v.to_string());
        }
        Ok(Self {
            email,
            verified,
            others,
            reset_required,
        })
    }
}

/// What the triggers made of a sign-in by name and password, before the password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BeforePassword {
    /// A known user, whom pre authentication let through (or no trigger).
    Known,
    /// An unknown user the migration function created: check the password as usual.
    Migrated,
    /// The migration function created the user with `RESET_REQUIRED`.
    ResetRequired,
    /// Unknown, and not migrated.
    Unknown,
}

/// What a sign-in by name is, to the triggers.
pub(crate) struct SignInAttempt<'a> {
    pub client_id: &'a str,
    pub username: &'a str,
    /// The password tried; `None` for a sign-in without one (SRP, `CUSTOM_AUTH`), which
    /// migrates nobody.
    pub password: Option<&'a str>,
    /// The client hides unknown users (`PreventUserExistenceErrors`): pre authentication
    /// runs for them too, with `userNotFound: true`, as in Cognito.
    pub hides_users: bool,
    pub client_metadata: Option<&'a HashMap<String, String>>,
}

/// Pre authentication for a known user, user migration for an unknown one, then pre
/// authentication for one still unknown when the client hides users.
pub(crate) async fn before_password(
    pool: &UserPool,
    pc: &PoolConfig,
    a: SignInAttempt<'_>,
) -> Result<BeforePassword, Error> {
    let (client_id, username, meta) = (a.client_id, a.username, a.client_metadata);
    if let Some(user) = pool.find_user(&pc.id, username).await? {
        pre_authentication(pool, pc, client_id, Some(&user), username, meta).await?;
        return Ok(BeforePassword::Known);
    }
    if let Some(password) = a.password {
        match user_migration(pool, pc, client_id, username, Some(password), meta).await? {
            Some(m) if m.reset_required => return Ok(BeforePassword::ResetRequired),
            Some(_) => return Ok(BeforePassword::Migrated),
            None => {}
        }
    }
    if a.hides_users {
        pre_authentication(pool, pc, client_id, None, username, meta).await?;
    }
    Ok(BeforePassword::Unknown)
}
