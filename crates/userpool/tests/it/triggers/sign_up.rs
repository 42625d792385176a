//! Pre sign-up and post confirmation, from `SignUp`, the hosted UI and `AdminCreateUser`; and
//! how the pool answers a function that fails, is late or answers nonsense.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, UserStatusType};
use serde_json::json;
use userpool::LambdaConfig;

use super::lambda::{answer, FakeLambda, Reply};
use super::*;
use crate::api_auth::password_auth;
use crate::api_users::outbox_code;
use crate::sdk::{exception, signed, unsigned};
use crate::{claims, location, param, CB, PASSWORD};

pub fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

fn pre_sign_up() -> LambdaConfig {
    LambdaConfig {
        pre_sign_up: Some(arn("pre-sign-up")),
        ..Default::default()
    }
}

/// A pre sign-up function that confirms and verifies everyone.
fn confirming(_: &str, e: Value) -> Reply {
    let r = json!({ "autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false });
    Reply::Event(answer(e, r))
}

#[tokio::test]
async fn pre_sign_up_gets_cognitos_event_and_its_reply_confirms_and_verifies() {
    let lambda = FakeLambda::start(confirming).await;
    let t = spawn_triggered(&lambda, pre_sign_up()).await;
    let api = unsigned(&t);
    let out = api
        .sign_up()
        .client_id(APP)
        .username("erin@example.com")
        .password(PASSWORD)
        .user_attributes(attr("name", "Erin"))
        .validation_data(attr("captcha", "solved"))
        .client_metadata("source", "test")
        .send()
        .await
        .unwrap();
    assert!(out.user_confirmed());
    assert!(out.code_delivery_details().is_none(), "no code is sent");
    let e = lambda.only_event("pre-sign-up");
    check_envelope(&e, "1", "PreSignUp_SignUp", out.user_sub(), APP);
    assert_eq!(
        e["request"]["userAttributes"],
        json!({ "email": "erin@example.com", "name": "Erin" })
    );
    assert_eq!(
        e["request"]["validationData"],
        json!({ "captcha": "solved" })
    );
    assert_eq!(e["request"]["clientMetadata"], json!({ "source": "test" }));
    assert_eq!(
        e["response"],
        json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false })
    );
    assert!(t.pool().outbox_messages().is_empty());
    // Confirmed and verified: the user signs in at once, the e-mail verified in the token.
    let signed_in = password_auth(&api, APP, "erin@example.com", PASSWORD)
        .await
        .unwrap();
    let id = claims(
        signed_in
            .authentication_result()
            .unwrap()
            .id_token()
            .unwrap(),
    );
    assert_eq!(id["email_verified"], true);
}

#[tokio::test]
async fn a_hosted_ui_sign_up_fires_the_same_trigger_and_signs_the_user_in() {
    let lambda = FakeLambda::start(confirming).await;
    let t = spawn_triggered(&lambda, pre_sign_up()).await;
    let r = t
        .post_form(
            "/signup",
            &[
                ("client_id", APP),
                ("redirect_uri", CB),
                ("response_type", "code"),
                ("scope", "openid email"),
                ("username", "fay@example.com"),
                ("password", PASSWORD),
                ("name", "Fay"),
            ],
        )
        .await;
    let cb = location(&r);
    assert!(param(&cb, "code").is_some(), "signed in: {cb}");
    let e = lambda.only_event("pre-sign-up");
    assert_eq!(e["triggerSource"], "PreSignUp_SignUp");
    assert_eq!(e["callerContext"]["clientId"], APP);
    assert_eq!(
        e["request"]["userAttributes"],
        json!({ "email": "fay@example.com", "name": "Fay" })
    );
}

#[tokio::test]
async fn a_function_error_refuses_the_sign_up_in_cognitos_words() {
    let lambda = FakeLambda::start(|_, _| Reply::Error("Only example.org addresses".into())).await;
    let t = spawn_triggered(&lambda, pre_sign_up()).await;
    let err = unsigned(&t)
        .sign_up()
        .client_id(APP)
        .username("gus@example.com")
        .password(PASSWORD)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UserLambdaValidationException");
    assert_eq!(
        err.message(),
        Some("PreSignUp failed with error Only example.org addresses.")
    );
    let gone = signed(&t)
        .admin_get_user()
        .user_pool_id(TPOOL)
        .username("gus@example.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&gone), "UserNotFoundException");
    // The hosted UI shows the same message on its page.
    let page = t
        .post_form(
            "/signup",
            &[
                ("client_id", APP),
                ("redirect_uri", CB),
                ("response_type", "code"),
                ("username", "gus@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("PreSignUp failed with error Only example.org addresses."),
        "{html}"
    );
}

/// Signs up `email` through the API and returns the error's exception name and message.
async fn failed_sign_up(t: &TestPool, email: &str) -> (String, String) {
    let err = unsigned(t)
        .sign_up()
        .client_id(APP)
        .username(email)
        .password(PASSWORD)
        .send()
        .await
        .unwrap_err();
    (exception(&err), err.message().unwrap_or("").to_string())
}

#[tokio::test]
async fn a_late_function_fails_the_step_with_unexpected_lambda_exception() {
    let lambda = FakeLambda::start(|_, _| Reply::Late(Duration::from_secs(3))).await;
    let t = spawn_triggered(&lambda, pre_sign_up()).await;
    let (kind, message) = failed_sign_up(&t, "hal@example.com").await;
    assert_eq!(kind, "UnexpectedLambdaException");
    assert_eq!(
        message,
        "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function."
    );
}

#[tokio::test]
async fn bad_replies_are_cognitos_lambda_exceptions_never_a_crash() {
    let lambda = FakeLambda::start(|name, _| match name {
        "not-json" => Reply::Raw(200, "this is not JSON"),
        "no-response" => Reply::Event(json!({ "version": "1" })),
        "wrong-type" => Reply::Event(json!({ "response": { "autoConfirmUser": "yes" } })),
        "crashed" => Reply::Raw(500, "Internal Server Error"),
        _ => Reply::Raw(404, r#"{"Type":"User","message":"Function not found"}"#),
    })
    .await;
    for (function, expected) in [
        ("not-json", "InvalidLambdaResponseException"),
        ("no-response", "InvalidLambdaResponseException"),
        ("wrong-type", "InvalidLambdaResponseException"),
        ("crashed", "UnexpectedLambdaException"),
        ("missing", "UnexpectedLambdaException"),
    ] {
        let config = LambdaConfig {
            pre_sign_up: Some(arn(function)),
            ..Default::default()
        };
        let t = spawn_triggered(&lambda, config).await;
        let (kind, _) = failed_sign_up(&t, "ivy@example.com").await;
        assert_eq!(kind, expected, "{function}");
    }
    // Nothing the pool could not reach either: a closed port.
    let config = LambdaConfig {
        pre_sign_up: Some("http://127.0.0.1:9/closed".into()),
        ..Default::default()
    };
    let t = spawn_triggered(&lambda, config).await;
    assert_eq!(
        failed_sign_up(&t, "ivy@example.com").await.0,
        "UnexpectedLambdaException"
    );
}

#[tokio::test]
async fn a_plain_url_gets_the_same_event_and_its_reply_counts() {
    let lambda = FakeLambda::start(|name, e| match name {
        "pre" => confirming(name, e),
        _ => Reply::Error(format!("unexpected {name}")),
    })
    .await;
    let config = LambdaConfig {
        pre_sign_up: Some(format!("{}hook/pre", lambda.url)),
        ..Default::default()
    };
    let t = spawn_triggered(&lambda, config).await;
    let out = unsigned(&t)
        .sign_up()
        .client_id(APP)
        .username("jan@example.com")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(out.user_confirmed());
    let e = lambda.only_event("pre");
    check_envelope(&e, "1", "PreSignUp_SignUp", out.user_sub(), APP);
}

#[tokio::test]
async fn admin_create_user_fires_pre_sign_up_with_its_own_source() {
    let lambda = FakeLambda::start(confirming).await;
    let t = spawn_triggered(&lambda, pre_sign_up()).await;
    let out = signed(&t)
        .admin_create_user()
        .user_pool_id(TPOOL)
        .username("kim@example.com")
        .user_attributes(attr("name", "Kim"))
        .send()
        .await
        .unwrap();
    let user = out.user().unwrap();
    let e = lambda.only_event("pre-sign-up");
    check_envelope(
        &e,
        "1",
        "PreSignUp_AdminCreateUser",
        user.username().unwrap(),
        "CLIENT_ID_NOT_APPLICABLE",
    );
    assert_eq!(
        e["request"]["userAttributes"],
        json!({ "email": "kim@example.com", "name": "Kim" })
    );
    // `autoVerifyEmail` marks the e-mail verified.
    let verified = user
        .attributes()
        .iter()
        .find(|a| a.name() == "email_verified")
        .and_then(|a| a.value());
    assert_eq!(verified, Some("true"));
}

fn post_confirmation(function: &str) -> LambdaConfig {
    LambdaConfig {
        post_confirmation: Some(arn(function)),
        ..Default::default()
    }
}

#[tokio::test]
async fn post_confirmation_sees_the_confirmed_user() {
    let lambda = FakeLambda::start(|_, e| Reply::Event(e)).await;
    let t = spawn_triggered(&lambda, post_confirmation("post-confirmation")).await;
    let api = unsigned(&t);
    let out = api
        .sign_up()
        .client_id(APP)
        .username("lee@example.com")
        .password(PASSWORD)
        .user_attributes(attr("name", "Lee"))
        .send()
        .await
        .unwrap();
    assert!(lambda.events().is_empty(), "not before the code");
    api.confirm_sign_up()
        .client_id(APP)
        .username("lee@example.com")
        .confirmation_code(outbox_code(&t, "lee@example.com"))
        .client_metadata("step", "confirm")
        .send()
        .await
        .unwrap();
    let e = lambda.only_event("post-confirmation");
    check_envelope(
        &e,
        "1",
        "PostConfirmation_ConfirmSignUp",
        out.user_sub(),
        APP,
    );
    assert_eq!(
        e["request"]["userAttributes"],
        json!({
            "sub": out.user_sub(),
            "email": "lee@example.com",
            "email_verified": "true",
            "name": "Lee",
            "cognito:user_status": "CONFIRMED",
        })
    );
    assert_eq!(e["request"]["clientMetadata"], json!({ "step": "confirm" }));
    assert_eq!(e["response"], json!({}));
    // A confirmed password reset fires it too, with its own source.
    api.forgot_password()
        .client_id(APP)
        .username(DAVE)
        .send()
        .await
        .unwrap();
    api.confirm_forgot_password()
        .client_id(APP)
        .username(DAVE)
        .confirmation_code(outbox_code(&t, DAVE))
        .password("N3w-Passw0rd!")
        .send()
        .await
        .unwrap();
    let events = lambda.events_of("post-confirmation");
    assert_eq!(events.len(), 2);
    check_envelope(
        &events[1],
        "1",
        "PostConfirmation_ConfirmForgotPassword",
        DAVE_SUB,
        APP,
    );
    assert_eq!(
        events[1]["request"]["userAttributes"]["custom:tenant"],
        "acme"
    );
}

#[tokio::test]
async fn a_failing_post_confirmation_fails_the_call_and_the_user_stays_confirmed() {
    let lambda = FakeLambda::start(|_, _| Reply::Error("welcome mail failed".into())).await;
    let t = spawn_triggered(&lambda, post_confirmation("post-confirmation")).await;
    let api = unsigned(&t);
    api.sign_up()
        .client_id(APP)
        .username("max@example.com")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    let err = api
        .confirm_sign_up()
        .client_id(APP)
        .username("max@example.com")
        .confirmation_code(outbox_code(&t, "max@example.com"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UserLambdaValidationException");
    assert_eq!(
        err.message(),
        Some("PostConfirmation failed with error welcome mail failed.")
    );
    let user = signed(&t)
        .admin_get_user()
        .user_pool_id(TPOOL)
        .username("max@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status(), Some(&UserStatusType::Confirmed));
}
