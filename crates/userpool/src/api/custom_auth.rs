//! `CUSTOM_AUTH`: sign-in driven by the app's define, create and verify auth challenge
//! triggers, with Cognito's `session` of past challenges. The flow's state (the session so
//! far, the current challenge's private parameters and metadata) lives in the challenge's
//! stored state, never in what the client holds.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::auth_reply::{incorrect, not_found, param, AuthReply};
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::sign_in;
use super::srp_flow;
use super::ApiError;
use crate::error::Error;
use crate::store::{ChallengeRow, UserRow, CHALLENGE_VALIDITY_SECS};
use crate::tokens;
use crate::triggers::{self, Event, Trigger, TriggerError};

/// The stored name of a `CUSTOM_AUTH` flow waiting for its `PASSWORD_VERIFIER` answer.
const SRP_CONTINUATION: &str = "CUSTOM_AUTH_SRP";

/// One past challenge, as the `session` array of the events has it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChallengeResult {
    challenge_name: String,
    challenge_result: bool,
    challenge_metadata: Option<String>,
}

/// What a `CUSTOM_CHALLENGE` session remembers.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    /// The name the client gave (the event's `userName` for an unknown user).
    username: String,
    session: Vec<ChallengeResult>,
    private: Value,
    metadata: Option<String>,
    client_metadata: HashMap<String, String>,
    /// `SRP_A`, until define asks for `PASSWORD_VERIFIER`.
    srp_a: Option<String>,
}

/// Who is signing in: a known user, or (with `PreventUserExistenceErrors`) an unknown one,
/// for whom the triggers run with `userNotFound: true`.
struct Who<'a> {
    user: Option<&'a UserRow>,
    username: &'a str,
}

impl Who<'_> {
    fn user_name(&self) -> &str {
        self.user.map(|u| u.sub.as_str()).unwrap_or(self.username)
    }

    fn attributes(&self) -> Value {
        self.user
            .map(triggers::user_attributes)
            .unwrap_or_else(|| json!({}))
    }
}

/// `InitiateAuth` with `AuthFlow: CUSTOM_AUTH`; with `SRP_A` and `CHALLENGE_NAME: SRP_A`, the
/// session starts with SRP and define may ask for `PASSWORD_VERIFIER` first.
pub(crate) async fn start(
    cc: &ClientCall<'_>,
    username: &str,
    params: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let user = cc.pool.find_user(&cc.pc.id, username).await?;
    if user.is_none() && !cc.client.prevent_user_existence_errors {
        return Err(not_found());
    }
    super::triggered::before_password(cc, username, None).await?;
    let srp_a = params
        .get("SRP_A")
        .filter(|_| params.get("CHALLENGE_NAME").map(String::as_str) == Some("SRP_A"));
    let mut flow = Flow {
        username: username.to_string(),
        session: vec![],
        private: json!({}),
        metadata: None,
        client_metadata: cc.client_metadata.cloned().unwrap_or_default(),
        srp_a: srp_a.cloned(),
    };
    if flow.srp_a.is_some() {
        flow.session.push(ChallengeResult {
            challenge_name: "SRP_A".into(),
            challenge_result: true,
            challenge_metadata: None,
        });
    }
    next(cc, user, flow).await
}

/// The answer to `PASSWORD_VERIFIER`: of a `CUSTOM_AUTH` flow, whose state waits under the
/// session, the proved password goes back to define; otherwise the SRP sign-in's own step.
pub(crate) async fn password_verifier(
    cc: &ClientCall<'_>,
    session: &str,
    row: &ChallengeRow,
    user: Option<UserRow>,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let key = tokens::hash_secret(&format!("{SRP_CONTINUATION}:{session}"));
    let waiting = cc.pool.store().take_challenge(&key, cc.pool.now()).await?;
    let Some(waiting) = waiting.filter(|w| {
        w.challenge == SRP_CONTINUATION && w.pool_id == cc.pc.id && w.client_id == cc.client.id
    }) else {
        return srp_flow::verify(cc, row, user, responses).await;
    };
    let user = srp_flow::check(cc, row, user, responses).await?;
    let mut flow: Flow =
        serde_json::from_slice(&waiting.state).map_err(|_| challenge::expired_session())?;
    flow.session.push(ChallengeResult {
        challenge_name: "PASSWORD_VERIFIER".into(),
        challenge_result: true,
        challenge_metadata: None,
    });
    next(cc, Some(user), flow).await
}

/// `RespondToAuthChallenge` with `CUSTOM_CHALLENGE`: the verify trigger judges `ANSWER`,
/// then the define trigger decides what follows.
pub(crate) async fn answer(
    cc: &ClientCall<'_>,
    row: &ChallengeRow,
    user: Option<UserRow>,
    responses: &HashMap<String, String>,
) -> Result<AuthReply, ApiError> {
    let answer = param(responses, "ANSWER")?;
    let mut flow: Flow =
        serde_json::from_slice(&row.state).map_err(|_| challenge::expired_session())?;
    // Each answer's own `ClientMetadata`, as Cognito passes it.
    if let Some(m) = cc.client_metadata {
        flow.client_metadata = m.clone();
    }
    let who = Who {
        user: user.as_ref(),
        username: &flow.username,
    };
    let event = Event {
        pc: cc.pc,
        version: "1",
        source: "VerifyAuthChallengeResponse_Authentication",
        client_id: Some(&cc.client.id),
        user_name: who.user_name(),
        request: json!({
            "userAttributes": who.attributes(),
            "privateChallengeParameters": flow.private,
            "challengeAnswer": answer,
            "clientMetadata": flow.client_metadata,
            "userNotFound": user.is_none(),
        }),
        response: json!({ "answerCorrect": false }),
    };
    let trigger = Trigger::VerifyAuthChallengeResponse;
    let reply = run(cc, trigger, event).await?;
    let correct = match reply.get("answerCorrect") {
        Some(Value::Bool(b)) => *b,
        None | Some(Value::Null) => false,
        Some(_) => return Err(invalid(trigger)),
    };
    flow.session.push(ChallengeResult {
        challenge_name: "CUSTOM_CHALLENGE".into(),
        challenge_result: correct,
        challenge_metadata: flow.metadata.take(),
    });
    next(cc, user, flow).await
}

/// Asks the define trigger what follows the challenges so far: tokens, a refusal, or a new
/// challenge made by the create trigger.
async fn next(
    cc: &ClientCall<'_>,
    user: Option<UserRow>,
    flow: Flow,
) -> Result<AuthReply, ApiError> {
    let who = Who {
        user: user.as_ref(),
        username: &flow.username,
    };
    let event = Event {
        pc: cc.pc,
        version: "1",
        source: "DefineAuthChallenge_Authentication",
        client_id: Some(&cc.client.id),
        user_name: who.user_name(),
        request: json!({
            "userAttributes": who.attributes(),
            "session": flow.session,
            "clientMetadata": flow.client_metadata,
            "userNotFound": user.is_none(),
        }),
        response: json!({ "challengeName": null, "issueTokens": false, "failAuthentication": false }),
    };
    let define = Trigger::DefineAuthChallenge;
    let decided = run(cc, define, event).await?;
    let flag = |k: &str| match decided.get(k) {
        Some(Value::Bool(b)) => Ok(*b),
        None | Some(Value::Null) => Ok(false),
        Some(_) => Err(invalid(define)),
    };
    if flag("failAuthentication")? {
        return Err(incorrect());
    }
    if flag("issueTokens")? {
        // An unknown user can only be refused, whatever the function says.
        return match user {
            Some(u) => sign_in::after_password(cc, u).await,
            None => Err(incorrect()),
        };
    }
    match decided.get("challengeName").and_then(Value::as_str) {
        Some("CUSTOM_CHALLENGE") => custom_challenge(cc, user, flow).await,
        Some("PASSWORD_VERIFIER") if flow.srp_a.is_some() => password_step(cc, user, flow).await,
        _ => Err(invalid(define)),
    }
}

/// The define trigger asked for the password (`custom-srp`): SRP starts, and the flow goes on
/// once the password is proved, its state waiting under the SRP step's session.
async fn password_step(
    cc: &ClientCall<'_>,
    user: Option<UserRow>,
    mut flow: Flow,
) -> Result<AuthReply, ApiError> {
    let srp_a = flow.srp_a.take().unwrap_or_default();
    let reply = srp_flow::start(cc, &flow.username, &srp_a).await?;
    let session = reply.session.as_deref().unwrap_or_default();
    let waiting = ChallengeRow {
        pool_id: cc.pc.id.clone(),
        client_id: cc.client.id.clone(),
        sub: user.as_ref().map(|u| u.sub.clone()).unwrap_or_default(),
        challenge: SRP_CONTINUATION.into(),
        state: serde_json::to_vec(&flow).map_err(|e| Error::Internal(e.to_string()))?,
        expires_at: cc.pool.now() + CHALLENGE_VALIDITY_SECS,
    };
    let key = tokens::hash_secret(&format!("{SRP_CONTINUATION}:{session}"));
    cc.pool.store().insert_challenge(&key, &waiting).await?;
    Ok(reply)
}

/// The define trigger asked for a custom challenge: the create trigger makes it.
async fn custom_challenge(
    cc: &ClientCall<'_>,
    user: Option<UserRow>,
    mut flow: Flow,
) -> Result<AuthReply, ApiError> {
    let who = Who {
        user: user.as_ref(),
        username: &flow.username,
    };
    let event = Event {
        pc: cc.pc,
        version: "1",
        source: "CreateAuthChallenge_Authentication",
        client_id: Some(&cc.client.id),
        user_name: who.user_name(),
        request: json!({
            "userAttributes": who.attributes(),
            "challengeName": "CUSTOM_CHALLENGE",
            "session": flow.session,
            "clientMetadata": flow.client_metadata,
            "userNotFound": user.is_none(),
        }),
        response: json!({
            "publicChallengeParameters": null,
            "privateChallengeParameters": null,
            "challengeMetadata": null,
        }),
    };
    let create = Trigger::CreateAuthChallenge;
    let made = run(cc, create, event).await?;
    let strings = |k: &str| -> Result<Map<String, Value>, ApiError> {
        match made.get(k) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(m)) if m.values().all(Value::is_string) => Ok(m.clone()),
            Some(_) => Err(invalid(create)),
        }
    };
    let public = strings("publicChallengeParameters")?;
    flow.private = Value::Object(strings("privateChallengeParameters")?);
    flow.metadata = match made.get("challengeMetadata") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid(create)),
    };
    let mut params: HashMap<String, String> = public
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
        .collect();
    params.insert("USERNAME".into(), who.user_name().to_string());
    let sub = user.as_ref().map(|u| u.sub.as_str()).unwrap_or("");
    let state = serde_json::to_vec(&flow).map_err(|e| Error::Internal(e.to_string()))?;
    challenge::issue(cc, sub, Challenge::CustomChallenge, params, state).await
}

/// Runs a challenge trigger, which the pool must have: its reply's `response`.
async fn run(
    cc: &ClientCall<'_>,
    trigger: Trigger,
    event: Event<'_>,
) -> Result<Map<String, Value>, ApiError> {
    match cc.pool.run_trigger(trigger, event).await? {
        Some(r) => Ok(r),
        None => Err(ApiError::from(Error::Trigger(TriggerError::Unexpected {
            trigger,
            cause: "the pool has no function for this trigger".into(),
        }))),
    }
}

fn invalid(trigger: Trigger) -> ApiError {
    Error::Trigger(TriggerError::invalid(trigger)).into()
}
