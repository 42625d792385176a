//! Pre token generation: event versions 1 (ID token), 2 and 3 (ID and access tokens,
//! scopes), and applying the reply to the claims about to be signed.

use serde_json::{json, Map, Value};

use super::{user_attributes, Event, Trigger, TriggerError};
use crate::config::PoolConfig;
use crate::error::Error;
use crate::pool::UserPool;
use crate::store::UserRow;

/// Claims a function cannot add, change or remove: Cognito keeps its own.
const RESERVED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "client_id",
    "cognito:username",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "scope",
    "sub",
    "token_use",
    "username",
    "version",
];

/// Which step issues the tokens (the event's `triggerSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// The hosted UI's sign-in (the token endpoint's code, the implicit flow).
    HostedAuth,
    /// A JSON API sign-in.
    Authentication,
    /// A JSON API sign-in that ended with `NEW_PASSWORD_REQUIRED`.
    NewPasswordChallenge,
    /// A refresh, from any front door.
    RefreshTokens,
}

impl TokenSource {
    fn name(self) -> &'static str {
        match self {
            TokenSource::HostedAuth => "TokenGeneration_HostedAuth",
            TokenSource::Authentication => "TokenGeneration_Authentication",
            TokenSource::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            TokenSource::RefreshTokens => "TokenGeneration_RefreshTokens",
        }
    }
}

/// What the function changes (nothing without the trigger).
#[derive(Debug, Default)]
pub(crate) struct TokenCustomisation {
    /// `cognito:groups` in both tokens; `Some(vec![])` removes the claim.
    pub groups: Option<Vec<String>>,
    id_add: Map<String, Value>,
    id_suppress: Vec<String>,
    access_add: Map<String, Value>,
    access_suppress: Vec<String>,
    scopes_add: Vec<String>,
    scopes_suppress: Vec<String>,
}

impl TokenCustomisation {
    /// Changes the ID token's claims as the function asked.
    pub(crate) fn apply_id(&self, claims: &mut Map<String, Value>) {
        apply(claims, &self.id_add, &self.id_suppress);
    }

    /// Changes the access token's claims and scopes as the function asked (versions 2 and 3).
    pub(crate) fn apply_access(&self, claims: &mut Map<String, Value>) {
        apply(claims, &self.access_add, &self.access_suppress);
        if self.scopes_add.is_empty() && self.scopes_suppress.is_empty() {
            return;
        }
        let mut scopes: Vec<String> = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        for s in &self.scopes_add {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
        scopes.retain(|s| !self.scopes_suppress.contains(s));
        claims.insert("scope".into(), scopes.join(" ").into());
    }
}

fn apply(claims: &mut Map<String, Value>, add: &Map<String, Value>, suppress: &[String]) {
    for (k, v) in add {
        if !RESERVED.contains(&k.as_str()) {
            claims.insert(k.clone(), v.clone());
        }
    }
    for k in suppress {
        if !RESERVED.contains(&k.as_str()) {
            claims.remove(k);
        }
    }
}

/// Runs pre token generation for `user`'s tokens of `client_id` with `groups` and `scopes`.
pub(crate) async fn pre_token_generation(
    pool: &UserPool,
    pc: &PoolConfig,
    source: TokenSource,
    client_id: &str,
    user: &UserRow,
    groups: &[String],
    scopes: &[&str],
) -> Result<TokenCustomisation, Error> {
    let version = match &pc.lambda_config.pre_token_generation_config {
        Some(c) if c.lambda_version == "V3_0" => "3",
        Some(c) if c.lambda_version == "V2_0" => "2",
        _ => "1",
    };
    if Trigger::PreTokenGeneration
        .function(&pc.lambda_config)
        .is_none()
    {
        return Ok(TokenCustomisation::default());
    }
    let mut request = json!({
        "userAttributes": user_attributes(user),
        "groupConfiguration": {
            "groupsToOverride": groups,
            "iamRolesToOverride": [],
            "preferredRole": null,
        },
        "clientMetadata": {},
    });
    let response = if version == "1" {
        json!({ "claimsOverrideDetails": null })
    } else {
        request["scopes"] = json!(scopes);
        json!({ "claimsAndScopeOverrideDetails": null })
    };
    let event = Event {
        pc,
        version,
        source: source.name(),
        client_id: Some(client_id),
        user_name: &user.sub,
        request,
        response,
    };
    let Some(reply) = pool.run_trigger(Trigger::PreTokenGeneration, event).await? else {
        return Ok(TokenCustomisation::default());
    };
    let bad = || Error::from(TriggerError::invalid(Trigger::PreTokenGeneration));
    if version == "1" {
        let Some(d) = object(reply.get("claimsOverrideDetails")).map_err(|_| bad())? else {
            return Ok(TokenCustomisation::default());
        };
        let (id_add, id_suppress) = claims_part(d).ok_or_else(bad)?;
        return Ok(TokenCustomisation {
            groups: groups_part(d).ok_or_else(bad)?,
            id_add,
            id_suppress,
            ..TokenCustomisation::default()
        });
    }
    versions_2_and_3(&reply)
}

/// Pre token generation for a `client_credentials` access token: only a `V3_0` trigger runs,
/// with `TokenGeneration_ClientCredentials` (no user: `userName` is the client id and
/// `userAttributes` empty), and only the access token's part of its reply counts.
pub(crate) async fn pre_token_generation_m2m(
    pool: &UserPool,
    pc: &PoolConfig,
    client_id: &str,
    scopes: &[&str],
    client_metadata: Value,
) -> Result<TokenCustomisation, Error> {
    let v3 = matches!(&pc.lambda_config.pre_token_generation_config, Some(c) if c.lambda_version == "V3_0");
    if !v3 {
        return Ok(TokenCustomisation::default());
    }
    let event = Event {
        pc,
        version: "3",
        source: "TokenGeneration_ClientCredentials",
        client_id: Some(client_id),
        user_name: client_id,
        request: json!({
            "userAttributes": {},
            "groupConfiguration": {
                "groupsToOverride": [],
                "iamRolesToOverride": [],
                "preferredRole": null,
            },
            "scopes": scopes,
            "clientMetadata": client_metadata,
        }),
        response: json!({ "claimsAndScopeOverrideDetails": null }),
    };
    match pool.run_trigger(Trigger::PreTokenGeneration, event).await? {
        Some(reply) => versions_2_and_3(&reply),
        None => Ok(TokenCustomisation::default()),
    }
}

/// A version 2 or 3 reply's `claimsAndScopeOverrideDetails`.
fn versions_2_and_3(reply: &Map<String, Value>) -> Result<TokenCustomisation, Error> {
    let bad = || Error::from(TriggerError::invalid(Trigger::PreTokenGeneration));
    let Some(d) = object(reply.get("claimsAndScopeOverrideDetails")).map_err(|_| bad())? else {
        return Ok(TokenCustomisation::default());
    };
    let empty = Map::new();
    let id = object(d.get("idTokenGeneration")).map_err(|_| bad())?;
    let access = object(d.get("accessTokenGeneration")).map_err(|_| bad())?;
    let (id_add, id_suppress) = claims_part(id.unwrap_or(&empty)).ok_or_else(bad)?;
    let access = access.unwrap_or(&empty);
    let (access_add, access_suppress) = claims_part(access).ok_or_else(bad)?;
    Ok(TokenCustomisation {
        groups: groups_part(d).ok_or_else(bad)?,
        id_add,
        id_suppress,
        access_add,
        access_suppress,
        scopes_add: strings(access.get("scopesToAdd")).ok_or_else(bad)?,
        scopes_suppress: strings(access.get("scopesToSuppress")).ok_or_else(bad)?,
    })
}

/// An optional object member: absent or null is `None`, anything but an object is refused.
fn object(v: Option<&Value>) -> Result<Option<&Map<String, Value>>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(()),
    }
}

/// A list of strings; absent or null is empty. `None`: not a list of strings.
fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    match v {
        None | Some(Value::Null) => Some(vec![]),
        Some(Value::Array(a)) => a.iter().map(|s| s.as_str().map(str::to_string)).collect(),
        Some(_) => None,
    }
}

/// `claimsToAddOrOverride` and `claimsToSuppress` of a part of the reply.
fn claims_part(d: &Map<String, Value>) -> Option<(Map<String, Value>, Vec<String>)> {
    let add = match d.get("claimsToAddOrOverride") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return None,
    };
    Some((add, strings(d.get("claimsToSuppress"))?))
}

/// `groupOverrideDetails.groupsToOverride`: `Some(None)` when the reply leaves groups alone.
fn groups_part(d: &Map<String, Value>) -> Option<Option<Vec<String>>> {
    let Ok(g) = object(d.get("groupOverrideDetails")) else {
        return None;
    };
    match g.and_then(|g| g.get("groupsToOverride")) {
        None | Some(Value::Null) => Some(None),
        v => strings(v).map(Some),
    }
}
