//! User sessions and auth events through the SDK, read from the sign-ins the pool records:
//! a revoked session's refresh token stops working; each sign-in is an event.

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, FeedbackValueType};

use crate::api_auth::{password_auth, spawn_api_pool, API_POOL, CAROL, PUBLIC_APP};
use serde_json::json;

use crate::sdk::{signed, unsigned};
use crate::*;

async fn refresh_works(t: &TestPool, rt: &str) -> bool {
    unsigned(t)
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", rt)
        .send()
        .await
        .is_ok()
}

/// The user-session operations are newer than the SDK in use: raw JSON, as the SDK sends it.
async fn json_call(
    t: &TestPool,
    op: &str,
    input: serde_json::Value,
) -> (Option<String>, serde_json::Value) {
    let (_, kind, body) = crate::model_walk::call(t, op, &input).await;
    (kind, body)
}

#[tokio::test]
async fn sessions_are_listed_and_a_revoked_one_ends_its_refresh_token() {
    let t = spawn_api_pool().await;
    let api = unsigned(&t);
    let first = password_auth(&api, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let first = first.authentication_result().unwrap();
    let second = password_auth(&api, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let second = second.authentication_result().unwrap();
    let access = second.access_token().unwrap();
    let (kind, mine) = json_call(&t, "ListUserSessions", json!({ "AccessToken": access })).await;
    assert_eq!(kind, None, "{mine}");
    let sessions = mine["Sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let current: Vec<&serde_json::Value> = sessions
        .iter()
        .filter(|s| s["IsCurrentSession"] == true)
        .collect();
    assert_eq!(current.len(), 1, "one of them is this token's");
    let by_admin = json!({ "UserPoolId": API_POOL, "Username": CAROL });
    let (_, listed) = json_call(&t, "AdminListUserSessions", by_admin).await;
    assert_eq!(listed["Sessions"].as_array().unwrap().len(), 2);
    // The other session (not the current one) is revoked by the user.
    let other = sessions
        .iter()
        .find(|s| s["IsCurrentSession"] != true)
        .and_then(|s| s["SessionId"].as_str())
        .unwrap()
        .to_string();
    assert!(other.starts_with("tkn") && other.len() == 28);
    let revoke = json!({ "AccessToken": access, "SessionId": other });
    let (kind, body) = json_call(&t, "RevokeUserSession", revoke).await;
    assert_eq!(kind, None, "{body}");
    assert!(
        !refresh_works(&t, first.refresh_token().unwrap()).await,
        "the revoked session's refresh token"
    );
    assert!(
        refresh_works(&t, second.refresh_token().unwrap()).await,
        "the other one still works"
    );
    let again = json!({ "UserPoolId": API_POOL, "Username": CAROL, "SessionId": other });
    let (kind, _) = json_call(&t, "AdminRevokeUserSession", again).await;
    assert_eq!(
        kind.as_deref(),
        Some("ResourceNotFoundException"),
        "it is gone"
    );
}

#[tokio::test]
async fn each_sign_in_is_an_auth_event_that_takes_feedback() {
    let t = spawn_api_pool().await;
    let admin = signed(&t);
    password_auth(&unsigned(&t), PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let events = admin
        .admin_list_user_auth_events()
        .user_pool_id(API_POOL)
        .username(CAROL)
        .send()
        .await
        .unwrap();
    assert_eq!(events.auth_events().len(), 1);
    let e = &events.auth_events()[0];
    assert_eq!(e.event_type().map(|t| t.as_str()), Some("SignIn"));
    assert_eq!(e.event_response().map(|r| r.as_str()), Some("Pass"));
    let id = e.event_id().unwrap().to_string();
    admin
        .admin_update_auth_event_feedback()
        .user_pool_id(API_POOL)
        .username(CAROL)
        .event_id(&id)
        .feedback_value(FeedbackValueType::Valid)
        .send()
        .await
        .unwrap();
    let events = admin
        .admin_list_user_auth_events()
        .user_pool_id(API_POOL)
        .username(CAROL)
        .send()
        .await
        .unwrap();
    let feedback = events.auth_events()[0].event_feedback().unwrap();
    assert_eq!(feedback.feedback_value().as_str(), "Valid");
}
