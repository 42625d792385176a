//! A user's sessions and sign-in events, both read from the sign-ins the pool records (every
//! token of one authentication shares its sign-in): `ListUserSessions`,
//! `AdminListUserSessions`, `RevokeUserSession`, `AdminRevokeUserSession` (a revoked session's
//! refresh token stops working), `AdminListUserAuthEvents`, `AdminUpdateAuthEventFeedback`,
//! `UpdateAuthEventFeedback`.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::me::signed_in_user;
use super::shapes::{existing_user, pool_config};
use super::stored::text;
use super::{ApiError, Call, Exception};
use crate::store::{SignInEntry, UserRow};

/// `tkn` and 25 lower-case characters, as Cognito's session ids, derived from the sign-in.
fn session_id(s: &SignInEntry) -> String {
    let digest = Sha256::digest(s.origin_jti.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("tkn{}", &hex[..25])
}

/// The user's sign-ins that can still be refreshed.
async fn live(call: &Call, pool_id: &str, user: &UserRow) -> Result<Vec<SignInEntry>, ApiError> {
    let now = call.pool.now();
    let all = call.pool.store().user_sign_ins(pool_id, &user.sub).await?;
    Ok(all
        .into_iter()
        .filter(|s| !s.revoked && s.expires_at > now)
        .collect())
}

fn sessions(list: &[SignInEntry], current: Option<&str>) -> Value {
    let out: Vec<Value> = list
        .iter()
        .map(|s| {
            json!({
                "SessionId": session_id(s),
                "SessionType": "TOKEN",
                "ClientId": s.client_id,
                "CreateDate": s.created_at,
                "LastActiveDate": s.created_at,
                "IsCurrentSession": current == Some(s.origin_jti.as_str()),
            })
        })
        .collect();
    json!({ "Sessions": out })
}

pub(crate) async fn list_user_sessions(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (token, user) = signed_in_user(call, text(&req, "AccessToken")).await?;
    let list = live(call, &token.pool_id, &user).await?;
    let current = token.claims.get("origin_jti").and_then(Value::as_str);
    Ok(sessions(&list, current))
}

pub(crate) async fn admin_list_user_sessions(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    Ok(sessions(&live(call, &pc.id, &user).await?, None))
}

async fn revoke(call: &Call, pool_id: &str, user: &UserRow, id: &str) -> Result<(), ApiError> {
    let list = live(call, pool_id, user).await?;
    let s = list
        .iter()
        .find(|s| session_id(s) == id)
        .ok_or_else(|| ApiError::new(Exception::ResourceNotFoundException, "Session not found."))?;
    call.pool.store().revoke_sign_in(&s.origin_jti).await?;
    Ok(())
}

pub(crate) async fn revoke_user_session(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (token, user) = signed_in_user(call, text(&req, "AccessToken")).await?;
    revoke(call, &token.pool_id, &user, text(&req, "SessionId")).await?;
    Ok(json!({}))
}

pub(crate) async fn admin_revoke_user_session(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    revoke(call, &pc.id, &user, text(&req, "SessionId")).await?;
    Ok(json!({}))
}

/// Each recorded sign-in is a `SignIn` event that passed (failed attempts are not recorded),
/// with the feedback given to it.
pub(crate) async fn admin_list_user_auth_events(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    let store = call.pool.store();
    let max = req["MaxResults"].as_u64().unwrap_or(60) as usize;
    let mut events = vec![];
    for s in store
        .user_sign_ins(&pc.id, &user.sub)
        .await?
        .iter()
        .take(max)
    {
        let mut e = json!({
            "EventId": s.event_id,
            "EventType": "SignIn",
            "CreationDate": s.created_at,
            "EventResponse": "Pass",
            "EventRisk": { "RiskDecision": "NoRisk", "RiskLevel": "Low" },
            "ChallengeResponses": [],
        });
        if let Some(f) = store
            .document(&pc.id, "event_feedback", &s.event_id)
            .await?
        {
            e["EventFeedback"] = f.body;
        }
        events.push(e);
    }
    Ok(json!({ "AuthEvents": events }))
}

pub(crate) async fn admin_update_auth_event_feedback(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    let event_id = text(&req, "EventId");
    let store = call.pool.store();
    let known = store
        .user_sign_ins(&pc.id, &user.sub)
        .await?
        .iter()
        .any(|s| s.event_id == event_id);
    if !known {
        return Err(ApiError::new(
            Exception::ResourceNotFoundException,
            "Auth event not found.",
        ));
    }
    let now = call.pool.now();
    let body =
        json!({ "FeedbackValue": req["FeedbackValue"], "Provider": "Admin", "FeedbackDate": now });
    store
        .put_document(&pc.id, "event_feedback", event_id, &body, now)
        .await?;
    Ok(json!({}))
}

/// The feedback token comes in Cognito's risk e-mails, which a local pool never sends: no
/// token is valid.
pub(crate) async fn update_auth_event_feedback(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    Err(ApiError::new(
        Exception::NotAuthorizedException,
        "Invalid feedback token.",
    ))
}
