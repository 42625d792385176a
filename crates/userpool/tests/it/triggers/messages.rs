//! Custom message and the custom e-mail sender, around the outbox.

use serde_json::json;
use userpool::{LambdaConfig, VersionedTrigger};

use super::lambda::{answer, FakeLambda, Reply};
use super::sign_up::attr;
use super::*;
use crate::sdk::{signed, unsigned};
use crate::PASSWORD;

#[tokio::test]
async fn custom_message_replaces_the_subject_and_text_for_each_source() {
    let lambda = FakeLambda::start(|_, e| {
        let source = e["triggerSource"].as_str().unwrap().to_string();
        Reply::Event(answer(
            e,
            json!({
                "emailSubject": format!("Subject of {source}"),
                "emailMessage": format!("{source}: your code is {{####}}"),
                "smsMessage": null,
            }),
        ))
    })
    .await;
    let config = LambdaConfig {
        custom_message: Some(arn("message")),
        ..Default::default()
    };
    let t = spawn_triggered(&lambda, config).await;
    let api = unsigned(&t);
    let out = api
        .sign_up()
        .client_id(APP)
        .username("nia@example.com")
        .password(PASSWORD)
        .user_attributes(attr("name", "Nia"))
        .send()
        .await
        .unwrap();
    let e = lambda.only_event("message");
    check_envelope(&e, "1", "CustomMessage_SignUp", out.user_sub(), APP);
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(e["request"]["usernameParameter"], Value::Null);
    assert_eq!(e["request"]["userAttributes"]["name"], "Nia");
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "UNCONFIRMED"
    );
    assert_eq!(
        e["response"],
        json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null })
    );
    let sent = &t.pool().outbox_messages()[0];
    assert_eq!(
        sent.subject.as_deref(),
        Some("Subject of CustomMessage_SignUp")
    );
    assert_eq!(
        sent.message.as_deref(),
        Some(
            format!(
                "CustomMessage_SignUp: your code is {}",
                sent.code_or_password
            )
            .as_str()
        )
    );
    // Each step says which it is.
    api.resend_confirmation_code()
        .client_id(APP)
        .username("nia@example.com")
        .send()
        .await
        .unwrap();
    api.forgot_password()
        .client_id(APP)
        .username(DAVE)
        .send()
        .await
        .unwrap();
    signed(&t)
        .admin_create_user()
        .user_pool_id(TPOOL)
        .username("oz@example.com")
        .send()
        .await
        .unwrap();
    let sources: Vec<Value> = lambda
        .events_of("message")
        .iter()
        .map(|e| e["triggerSource"].clone())
        .collect();
    assert_eq!(
        sources,
        [
            "CustomMessage_SignUp",
            "CustomMessage_ResendCode",
            "CustomMessage_ForgotPassword",
            "CustomMessage_AdminCreateUser"
        ]
    );
    let invite = &lambda.events_of("message")[3];
    assert_eq!(invite["request"]["usernameParameter"], "{username}");
    assert_eq!(
        invite["callerContext"]["clientId"],
        "CLIENT_ID_NOT_APPLICABLE"
    );
}

#[tokio::test]
async fn the_custom_email_sender_gets_the_code() {
    let lambda = FakeLambda::start(|_, _| Reply::Raw(200, "null")).await;
    let config = LambdaConfig {
        custom_email_sender: Some(VersionedTrigger {
            lambda_version: "V1_0".into(),
            lambda_arn: arn("sender"),
        }),
        kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/local".into()),
        ..Default::default()
    };
    let t = spawn_triggered(&lambda, config).await;
    let out = unsigned(&t)
        .sign_up()
        .client_id(APP)
        .username("pia@example.com")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    let e = lambda.only_event("sender");
    check_envelope(&e, "1", "CustomEmailSender_SignUp", out.user_sub(), APP);
    assert_eq!(e["request"]["type"], "customEmailSenderRequestV1");
    let code = &t.pool().outbox_messages()[0].code_or_password;
    assert_eq!(
        e["request"]["code"],
        code.as_str(),
        "in clear: no KMS locally"
    );
    assert_eq!(e["request"]["userAttributes"]["email"], "pia@example.com");
}
