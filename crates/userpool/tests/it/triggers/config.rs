//! `LambdaConfig` through the SDK: kept by `CreateUserPool`, changed by `UpdateUserPool`,
//! answered by `DescribeUserPool`, checked; and a pool made at run time runs its triggers.

use aws_sdk_cognitoidentityprovider::types::{
    CustomEmailLambdaVersionConfigType, CustomEmailSenderLambdaVersionType, LambdaConfigType,
    PreTokenGenerationLambdaVersionType, PreTokenGenerationVersionConfigType,
};
use serde_json::json;
use userpool::LambdaConfig;

use super::lambda::{answer, FakeLambda, Reply};
use super::*;
use crate::sdk::{exception, signed, unsigned};
use crate::PASSWORD;

#[tokio::test]
async fn lambda_config_is_kept_updated_described_and_used() {
    let lambda =
        FakeLambda::start(|_, e| Reply::Event(answer(e, json!({ "autoConfirmUser": true })))).await;
    let t = spawn_triggered(&lambda, LambdaConfig::default()).await;
    let admin = signed(&t);
    let config = LambdaConfigType::builder()
        .pre_sign_up(arn("pre-sign-up"))
        .post_confirmation(arn("post-confirmation"))
        .pre_token_generation_config(
            PreTokenGenerationVersionConfigType::builder()
                .lambda_version(PreTokenGenerationLambdaVersionType::V20)
                .lambda_arn(arn("tokens"))
                .build()
                .unwrap(),
        )
        .custom_email_sender(
            CustomEmailLambdaVersionConfigType::builder()
                .lambda_version(CustomEmailSenderLambdaVersionType::V10)
                .lambda_arn(arn("sender"))
                .build()
                .unwrap(),
        )
        .kms_key_id("arn:aws:kms:us-east-1:123456789012:key/local")
        .build();
    let made = admin
        .create_user_pool()
        .pool_name("with triggers")
        .lambda_config(config)
        .send()
        .await
        .unwrap();
    let pool_id = made.user_pool().unwrap().id().unwrap().to_string();
    let described = admin
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let lc = described.user_pool().unwrap().lambda_config().unwrap();
    assert_eq!(lc.pre_sign_up(), Some(arn("pre-sign-up").as_str()));
    assert_eq!(
        lc.post_confirmation(),
        Some(arn("post-confirmation").as_str())
    );
    // Cognito fills `PreTokenGeneration` from the versioned config.
    assert_eq!(lc.pre_token_generation(), Some(arn("tokens").as_str()));
    let ptg = lc.pre_token_generation_config().unwrap();
    assert_eq!(
        ptg.lambda_version(),
        &PreTokenGenerationLambdaVersionType::V20
    );
    assert_eq!(
        lc.custom_email_sender().unwrap().lambda_arn(),
        arn("sender")
    );
    assert!(lc.kms_key_id().is_some());
    assert!(lc.user_migration().is_none());

    // A client of that pool signs up through its trigger.
    let client = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .send()
        .await
        .unwrap();
    let client_id = client.user_pool_client().unwrap().client_id().unwrap();
    let out = unsigned(&t)
        .sign_up()
        .client_id(client_id)
        .username("quinn@example.com")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(out.user_confirmed());
    let e = lambda.only_event("pre-sign-up");
    assert_eq!(e["userPoolId"], pool_id.as_str());
    assert_eq!(e["callerContext"]["clientId"], client_id);

    // UpdateUserPool replaces the triggers; left out, they are gone (as in Cognito).
    admin
        .update_user_pool()
        .user_pool_id(&pool_id)
        .lambda_config(
            LambdaConfigType::builder()
                .user_migration(arn("migrate"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let lc = admin
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .lambda_config()
        .cloned()
        .unwrap();
    assert_eq!(lc.user_migration(), Some(arn("migrate").as_str()));
    assert!(lc.pre_sign_up().is_none());
    admin
        .update_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let pool = admin
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    // Cognito always answers `LambdaConfig`; without triggers it is empty.
    let lc = pool.user_pool().unwrap().lambda_config().unwrap();
    assert_eq!(
        lc,
        &aws_sdk_cognitoidentityprovider::types::LambdaConfigType::builder().build()
    );
}

#[tokio::test]
async fn a_function_that_is_neither_an_arn_nor_a_url_is_refused() {
    let lambda = FakeLambda::start(|_, e| Reply::Event(e)).await;
    let t = spawn_triggered(&lambda, LambdaConfig::default()).await;
    let err = signed(&t)
        .create_user_pool()
        .pool_name("bad")
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up("my-function")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
    // The seed's pool describes its own triggers.
    let config = LambdaConfig {
        pre_authentication: Some(arn("pre-auth")),
        ..Default::default()
    };
    let t = spawn_triggered(&lambda, config).await;
    let pool = signed(&t)
        .describe_user_pool()
        .user_pool_id(TPOOL)
        .send()
        .await
        .unwrap();
    let lc = pool.user_pool().unwrap().lambda_config().unwrap();
    assert_eq!(lc.pre_authentication(), Some(arn("pre-auth").as_str()));
}

#[test]
fn the_seed_file_names_triggers_in_snake_case() {
    let seed = Seed::from_toml_str(
        r#"
        [[pools]]
        id = "us-east-1_Seeded"
        [pools.lambda_config]
        pre_sign_up = "arn:aws:lambda:us-east-1:123456789012:function:pre"
        post_confirmation = "http://127.0.0.1:3000/post-confirmation"
        pre_token_generation_config = { lambda_version = "V2_0", lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:tokens" }
        "#,
    )
    .unwrap();
    let lc = &seed.pools[0].lambda_config;
    assert!(lc
        .pre_sign_up
        .as_deref()
        .unwrap()
        .ends_with(":function:pre"));
    assert_eq!(
        lc.pre_token_generation_config
            .as_ref()
            .unwrap()
            .lambda_version,
        "V2_0"
    );
    let bad = Seed::from_toml_str(
        r#"
        [[pools]]
        id = "us-east-1_Seeded"
        [pools.lambda_config]
        pre_token_generation_config = { lambda_version = "V7_0", lambda_arn = "arn:aws:lambda:us-east-1:1:function:t" }
        "#,
    );
    assert!(bad.is_err());
}
