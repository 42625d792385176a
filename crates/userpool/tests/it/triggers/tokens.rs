//! Pre token generation: versions 1, 2 and 3, from the JSON API, the hosted UI and refresh.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, MessageActionType};
use serde_json::json;
use userpool::{LambdaConfig, VersionedTrigger};

use super::lambda::{answer, FakeLambda, Reply};
use super::*;
use crate::api_auth::password_auth;
use crate::sdk::{exception, signed, unsigned};
use crate::{claims, param, CB, PASSWORD};

fn versioned(version: &str) -> LambdaConfig {
    LambdaConfig {
        pre_token_generation_config: Some(VersionedTrigger {
            lambda_version: version.into(),
            lambda_arn: arn("tokens"),
        }),
        ..Default::default()
    }
}

/// The attributes every pre token generation event of Dave carries.
fn dave_attributes() -> Value {
    json!({
        "sub": DAVE_SUB,
        "email": DAVE,
        "email_verified": "true",
        "name": "Dave Example",
        "custom:tenant": "acme",
        "cognito:user_status": "CONFIRMED",
    })
}

#[tokio::test]
async fn version_1_changes_the_id_token_and_the_groups() {
    let lambda = FakeLambda::start(|_, e| {
        Reply::Event(answer(
            e,
            json!({ "claimsOverrideDetails": {
                "claimsToAddOrOverride": { "tier": "gold", "name": "Dave (gold)", "sub": "forged" },
                "claimsToSuppress": ["custom:tenant"],
                "groupOverrideDetails": { "groupsToOverride": ["readers"] },
            }}),
        ))
    })
    .await;
    let config = LambdaConfig {
        pre_token_generation: Some(arn("tokens")),
        ..Default::default()
    };
    let t = spawn_triggered(&lambda, config).await;
    let out = password_auth(&unsigned(&t), APP, DAVE, PASSWORD)
        .await
        .unwrap();
    let r = out.authentication_result().unwrap();
    let e = lambda.only_event("tokens");
    check_envelope(&e, "1", "TokenGeneration_Authentication", DAVE_SUB, APP);
    assert_eq!(e["request"]["userAttributes"], dave_attributes());
    assert_eq!(
        e["request"]["groupConfiguration"],
        json!({ "groupsToOverride": ["staff"], "iamRolesToOverride": [], "preferredRole": null })
    );
    assert!(
        e["request"].get("scopes").is_none(),
        "version 1 has no scopes"
    );
    assert_eq!(e["response"], json!({ "claimsOverrideDetails": null }));
    let id = t.verify(TPOOL, r.id_token().unwrap()).await;
    assert_eq!(id["tier"], "gold");
    assert_eq!(id["name"], "Dave (gold)");
    assert_eq!(id["sub"], DAVE_SUB, "sub cannot be overridden");
    assert!(id.get("custom:tenant").is_none());
    assert_eq!(id["cognito:groups"], json!(["readers"]));
    let access = t.verify(TPOOL, r.access_token().unwrap()).await;
    assert!(
        access.get("tier").is_none(),
        "version 1 leaves the access token's claims"
    );
    assert_eq!(access["cognito:groups"], json!(["readers"]));
}

/// A version 2/3 reply: a claim in each token, a scope added and one suppressed.
fn v2_reply(_: &str, e: Value) -> Reply {
    Reply::Event(answer(
        e,
        json!({ "claimsAndScopeOverrideDetails": {
            "idTokenGeneration": { "claimsToAddOrOverride": { "plan": "pro" } },
            "accessTokenGeneration": {
                "claimsToAddOrOverride": { "plan": "pro", "tenants": ["acme", "globex"] },
                "claimsToSuppress": ["auth_time", "event_id"],
                "scopesToAdd": ["orders/read"],
                "scopesToSuppress": ["openid"],
            },
            "groupOverrideDetails": null,
        }}),
    ))
}

#[tokio::test]
async fn version_2_changes_both_tokens_and_the_scopes_also_on_refresh() {
    let lambda = FakeLambda::start(v2_reply).await;
    let t = spawn_triggered(&lambda, versioned("V2_0")).await;
    let api = unsigned(&t);
    let out = password_auth(&api, APP, DAVE, PASSWORD).await.unwrap();
    let r = out.authentication_result().unwrap();
    let e = lambda.only_event("tokens");
    check_envelope(&e, "2", "TokenGeneration_Authentication", DAVE_SUB, APP);
    assert_eq!(e["request"]["userAttributes"], dave_attributes());
    assert_eq!(
        e["request"]["scopes"],
        json!(["openid", "aws.cognito.signin.user.admin"])
    );
    assert_eq!(
        e["response"],
        json!({ "claimsAndScopeOverrideDetails": null })
    );
    let id = t.verify(TPOOL, r.id_token().unwrap()).await;
    assert_eq!(id["plan"], "pro");
    assert_eq!(id["cognito:groups"], json!(["staff"]), "groups left alone");
    let access = t.verify(TPOOL, r.access_token().unwrap()).await;
    assert_eq!(access["plan"], "pro");
    assert_eq!(access["tenants"], json!(["acme", "globex"]));
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin orders/read");
    // Reserved claims stay.
    assert!(access["auth_time"].is_number() && access["event_id"].is_string());
    // A refresh runs the trigger again, with its own source.
    let refreshed = api
        .initiate_auth()
        .client_id(APP)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", r.refresh_token().unwrap())
        .send()
        .await
        .unwrap();
    let events = lambda.events_of("tokens");
    assert_eq!(events.len(), 2);
    check_envelope(
        &events[1],
        "2",
        "TokenGeneration_RefreshTokens",
        DAVE_SUB,
        APP,
    );
    let access = claims(
        refreshed
            .authentication_result()
            .unwrap()
            .access_token()
            .unwrap(),
    );
    assert_eq!(access["plan"], "pro");
}

#[tokio::test]
async fn version_3_on_the_hosted_ui_is_hosted_auth() {
    let lambda = FakeLambda::start(v2_reply).await;
    let t = spawn_triggered(&lambda, versioned("V3_0")).await;
    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", APP),
                ("redirect_uri", CB),
                ("scope", "openid email"),
            ],
            DAVE,
            PASSWORD,
        )
        .await;
    assert!(
        lambda.events_of("tokens").is_empty(),
        "not before the code is redeemed"
    );
    let r = t
        .token_body(&[
            ("grant_type", "authorization_code"),
            ("client_id", APP),
            ("code", &param(&cb, "code").unwrap()),
            ("redirect_uri", CB),
        ])
        .await;
    assert_eq!(r.status(), 200);
    let tokens: Value = r.json().await.unwrap();
    let e = lambda.only_event("tokens");
    check_envelope(&e, "3", "TokenGeneration_HostedAuth", DAVE_SUB, APP);
    assert_eq!(e["request"]["scopes"], json!(["openid", "email"]));
    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["scope"], "email orders/read");
    assert_eq!(claims(tokens["id_token"].as_str().unwrap())["plan"], "pro");
}

#[tokio::test]
async fn a_failing_pre_token_generation_fails_the_sign_in() {
    let lambda = FakeLambda::start(|_, _| Reply::Error("no tokens today".into())).await;
    let t = spawn_triggered(&lambda, versioned("V2_0")).await;
    let err = password_auth(&unsigned(&t), APP, DAVE, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UserLambdaValidationException");
    assert_eq!(
        err.message(),
        Some("PreTokenGeneration failed with error no tokens today.")
    );
}

#[tokio::test]
async fn version_3_also_runs_for_client_credentials() {
    let lambda = FakeLambda::start(v2_reply).await;
    let grant = [
        ("grant_type", "client_credentials"),
        ("aws_client_metadata", r#"{"tenant":"acme"}"#),
    ];
    // Version 2 leaves machine tokens alone.
    let t = spawn_triggered(&lambda, versioned("V2_0")).await;
    let r = t.token_basic(M2M_APP, "m2m-secret", &grant).await;
    assert_eq!(r.status(), 200);
    assert!(lambda.events().is_empty());
    let t = spawn_triggered(&lambda, versioned("V3_0")).await;
    let r = t.token_basic(M2M_APP, "m2m-secret", &grant).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let e = lambda.only_event("tokens");
    check_envelope(
        &e,
        "3",
        "TokenGeneration_ClientCredentials",
        M2M_APP,
        M2M_APP,
    );
    assert_eq!(e["request"]["scopes"], json!(["api/read"]));
    assert_eq!(e["request"]["userAttributes"], json!({}));
    assert_eq!(e["request"]["clientMetadata"], json!({ "tenant": "acme" }));
    let access = t
        .verify(TPOOL, body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(access["plan"], "pro");
    assert_eq!(access["sub"], M2M_APP);
    assert_eq!(access["scope"], "api/read orders/read");
}

#[tokio::test]
async fn a_new_password_challenge_ends_with_its_own_source() {
    let lambda = FakeLambda::start(v2_reply).await;
    let t = spawn_triggered(&lambda, versioned("V2_0")).await;
    signed(&t)
        .admin_create_user()
        .user_pool_id(TPOOL)
        .username("ria@example.com")
        .temporary_password("Temp-0rary-pass")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let api = unsigned(&t);
    let started = password_auth(&api, APP, "ria@example.com", "Temp-0rary-pass")
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let done = api
        .respond_to_auth_challenge()
        .client_id(APP)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(started.session().unwrap())
        .challenge_responses("USERNAME", "ria@example.com")
        .challenge_responses("NEW_PASSWORD", "F1nal-pass-word")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result().is_some());
    let e = lambda.only_event("tokens");
    assert_eq!(e["triggerSource"], "TokenGeneration_NewPasswordChallenge");
}
