//! Pre and post authentication, and user migration, from the JSON API and the hosted UI.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use serde_json::json;
use userpool::LambdaConfig;

use super::lambda::{answer, FakeLambda, Reply};
use super::*;
use crate::api_auth::password_auth;
use crate::api_users::outbox_code;
use crate::sdk::{exception, unsigned};
use crate::{claims, CB, PASSWORD};

fn pre_and_post() -> LambdaConfig {
    LambdaConfig {
        pre_authentication: Some(arn("pre-auth")),
        post_authentication: Some(arn("post-auth")),
        ..Default::default()
    }
}

#[tokio::test]
async fn pre_and_post_authentication_see_the_user_around_a_sign_in() {
    let lambda = FakeLambda::start(|_, e| Reply::Event(e)).await;
    let t = spawn_triggered(&lambda, pre_and_post()).await;
    let api = unsigned(&t);
    let err = password_auth(&api, APP, DAVE, "Wr0ng-pass!")
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    assert_eq!(
        lambda.events_of("pre-auth").len(),
        1,
        "before the password is checked"
    );
    assert!(lambda.events_of("post-auth").is_empty());
    api.initiate_auth()
        .client_id(APP)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", DAVE)
        .auth_parameters("PASSWORD", PASSWORD)
        .client_metadata("captcha", "ok")
        .send()
        .await
        .unwrap();
    let pre = &lambda.events_of("pre-auth")[1];
    assert_eq!(pre["request"]["clientMetadata"], json!({ "captcha": "ok" }));
    check_envelope(pre, "1", "PreAuthentication_Authentication", DAVE_SUB, APP);
    assert_eq!(pre["request"]["userAttributes"]["email"], DAVE);
    assert_eq!(
        pre["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    assert_eq!(pre["request"]["userNotFound"], false);
    assert_eq!(pre["response"], json!({}));
    let post = lambda.only_event("post-auth");
    check_envelope(
        &post,
        "1",
        "PostAuthentication_Authentication",
        DAVE_SUB,
        APP,
    );
    assert_eq!(post["request"]["newDeviceUsed"], false);
    assert_eq!(
        post["request"]["clientMetadata"],
        json!({ "captcha": "ok" })
    );
    assert_eq!(post["request"]["userAttributes"]["sub"], DAVE_SUB);
    assert_eq!(post["response"], json!({}));
    // The hosted UI's sign-in fires both as well.
    t.sign_in(
        &[
            ("response_type", "code"),
            ("client_id", APP),
            ("redirect_uri", CB),
            ("scope", "openid"),
        ],
        DAVE,
        PASSWORD,
    )
    .await;
    assert_eq!(lambda.events_of("pre-auth").len(), 3);
    assert_eq!(lambda.events_of("post-auth").len(), 2);
    assert_eq!(
        lambda.events_of("post-auth")[1]["callerContext"]["clientId"],
        APP
    );
}

#[tokio::test]
async fn a_pre_authentication_error_refuses_the_sign_in_everywhere() {
    let lambda = FakeLambda::start(|_, _| Reply::Error("Account under review".into())).await;
    let t = spawn_triggered(&lambda, pre_and_post()).await;
    let err = password_auth(&unsigned(&t), APP, DAVE, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UserLambdaValidationException");
    assert_eq!(
        err.message(),
        Some("PreAuthentication failed with error Account under review.")
    );
    let page = t
        .login_with(
            &[
                ("response_type", "code"),
                ("client_id", APP),
                ("redirect_uri", CB),
            ],
            DAVE,
            PASSWORD,
        )
        .await;
    assert_eq!(page.status(), 200, "the login page again, not a redirect");
    let html = page.text().await.unwrap();
    assert!(html.contains("PreAuthentication failed with error Account under review."));
    assert!(lambda.events_of("post-auth").is_empty());
}

/// A migration function that knows one old user, with one password.
fn migrating(_: &str, e: Value) -> Reply {
    let user = e["userName"].as_str().unwrap_or("");
    let password = e["request"]["password"].as_str();
    let known = user == "old@example.com";
    if !known || (password.is_some() && password != Some("Legacy-pass1")) {
        return Reply::Error("Bad credentials".into());
    }
    Reply::Event(answer(
        e,
        json!({
            "userAttributes": {
                "email": "old@example.com",
                "email_verified": "true",
                "name": "Old Timer",
                "custom:legacy_id": "42",
            },
            "finalUserStatus": "CONFIRMED",
            "messageAction": "SUPPRESS",
        }),
    ))
}

fn migration() -> LambdaConfig {
    LambdaConfig {
        user_migration: Some(arn("migrate")),
        ..Default::default()
    }
}

#[tokio::test]
async fn user_migration_creates_the_user_on_first_sign_in() {
    let lambda = FakeLambda::start(migrating).await;
    let t = spawn_triggered(&lambda, migration()).await;
    let api = unsigned(&t);
    let out = password_auth(&api, APP, "old@example.com", "Legacy-pass1")
        .await
        .unwrap();
    let e = lambda.only_event("migrate");
    check_envelope(
        &e,
        "1",
        "UserMigration_Authentication",
        "old@example.com",
        APP,
    );
    assert_eq!(e["request"]["password"], "Legacy-pass1");
    assert_eq!(
        e["response"],
        json!({
            "userAttributes": null,
            "finalUserStatus": null,
            "messageAction": null,
            "desiredDeliveryMediums": null,
            "forceAliasCreation": null,
            "enableSMSMFA": null,
        })
    );
    let id = claims(out.authentication_result().unwrap().id_token().unwrap());
    assert_eq!(id["email"], "old@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "Old Timer");
    assert_eq!(id["custom:legacy_id"], "42");
    // Now a user of the pool: the function is not asked again.
    password_auth(&api, APP, "old@example.com", "Legacy-pass1")
        .await
        .unwrap();
    assert_eq!(lambda.events_of("migrate").len(), 1);
}

#[tokio::test]
async fn a_refused_migration_reads_as_an_unknown_user() {
    let lambda = FakeLambda::start(migrating).await;
    let t = spawn_triggered(&lambda, migration()).await;
    let api = unsigned(&t);
    let err = password_auth(&api, APP, "old@example.com", "wrong")
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    assert_eq!(err.message(), Some("Incorrect username or password."));
    let err = password_auth(&api, REVEALING, "old@example.com", "wrong")
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UserNotFoundException");
    assert_eq!(
        err.message(),
        Some(format!("Exception migrating user in app client {REVEALING}").as_str())
    );
}

#[tokio::test]
async fn forgot_password_migrates_and_sends_the_code() {
    let lambda = FakeLambda::start(migrating).await;
    let t = spawn_triggered(&lambda, migration()).await;
    let api = unsigned(&t);
    api.forgot_password()
        .client_id(APP)
        .username("old@example.com")
        .send()
        .await
        .unwrap();
    let e = lambda.only_event("migrate");
    check_envelope(
        &e,
        "1",
        "UserMigration_ForgotPassword",
        "old@example.com",
        APP,
    );
    assert!(e["request"].get("password").is_none());
    api.confirm_forgot_password()
        .client_id(APP)
        .username("old@example.com")
        .confirmation_code(outbox_code(&t, "old@example.com"))
        .password("Br4nd-new-pass")
        .send()
        .await
        .unwrap();
    password_auth(&api, APP, "old@example.com", "Br4nd-new-pass")
        .await
        .unwrap();
}

#[tokio::test]
async fn the_hosted_ui_migrates_too() {
    let lambda = FakeLambda::start(migrating).await;
    let t = spawn_triggered(&lambda, migration()).await;
    let params = [
        ("response_type", "code"),
        ("client_id", APP),
        ("redirect_uri", CB),
        ("scope", "openid"),
    ];
    let refused = t.login_with(&params, "old@example.com", "wrong").await;
    assert_eq!(refused.status(), 200, "the login page again");
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Incorrect username or password."));
    t.sign_in(&params, "old@example.com", "Legacy-pass1").await;
    let events = lambda.events_of("migrate");
    assert_eq!(events.len(), 2);
    check_envelope(
        &events[1],
        "1",
        "UserMigration_Authentication",
        "old@example.com",
        APP,
    );
    // The hosted UI's forgotten password migrates as well (a fresh pool: Old is unknown).
    let t = spawn_triggered(&lambda, migration()).await;
    t.post_form(
        "/forgotPassword",
        &[
            ("client_id", APP),
            ("redirect_uri", CB),
            ("response_type", "code"),
            ("username", "old@example.com"),
        ],
    )
    .await;
    let events = lambda.events_of("migrate");
    assert_eq!(events.len(), 3);
    check_envelope(
        &events[2],
        "1",
        "UserMigration_ForgotPassword",
        "old@example.com",
        APP,
    );
    assert!(
        !outbox_code(&t, "old@example.com").is_empty(),
        "the reset code is sent"
    );
}

#[tokio::test]
async fn pre_authentication_runs_for_unknown_users_when_the_client_hides_them() {
    let lambda = FakeLambda::start(|_, e| Reply::Event(e)).await;
    let t = spawn_triggered(&lambda, pre_and_post()).await;
    let api = unsigned(&t);
    let err = password_auth(&api, APP, "ghost@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    let e = lambda.only_event("pre-auth");
    check_envelope(
        &e,
        "1",
        "PreAuthentication_Authentication",
        "ghost@example.com",
        APP,
    );
    assert_eq!(e["request"]["userNotFound"], true);
    assert_eq!(e["request"]["userAttributes"], json!({}));
    // A client that tells unknown users apart does not run it for them.
    let err = password_auth(&api, REVEALING, "ghost@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UserNotFoundException");
    assert_eq!(lambda.events_of("pre-auth").len(), 1);
}
