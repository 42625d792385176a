//! `DescribeUserPool`, `DescribeUserPoolClient`, `ListUserPools` and `AddCustomAttributes`
//! through the SDK, with the members Cognito always answers.

use aws_sdk_cognitoidentityprovider::types::{AttributeDataType, SchemaAttributeType};

use crate::sdk::{exception, signed};
use crate::*;

#[tokio::test]
async fn a_pool_and_its_clients_carry_their_dates_schema_and_defaults() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let custom = SchemaAttributeType::builder()
        .name("plan")
        .attribute_data_type(AttributeDataType::String)
        .build();
    admin
        .add_custom_attributes()
        .user_pool_id(POOL)
        .custom_attributes(custom.clone())
        .send()
        .await
        .unwrap();
    let e = admin
        .add_custom_attributes()
        .user_pool_id(POOL)
        .custom_attributes(custom)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        exception(&e),
        "InvalidParameterException",
        "a name is added once"
    );
    let p = admin
        .describe_user_pool()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let p = p.user_pool().unwrap();
    assert!(p.creation_date().is_some() && p.last_modified_date().is_some());
    assert!(
        p.lambda_config().is_some(),
        "LambdaConfig is always answered"
    );
    let names: Vec<&str> = p
        .schema_attributes()
        .iter()
        .filter_map(|a| a.name())
        .collect();
    for n in ["sub", "email", "email_verified", "custom:plan"] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    assert_eq!(
        p.admin_create_user_config()
            .map(|c| c.allow_admin_create_user_only()),
        Some(false)
    );
    let c = admin
        .describe_user_pool_client()
        .user_pool_id(POOL)
        .client_id(CONF)
        .send()
        .await
        .unwrap();
    let c = c.user_pool_client().unwrap();
    assert!(c.creation_date().is_some() && c.last_modified_date().is_some());
    assert_eq!(c.auth_session_validity(), Some(3));
    assert_eq!(
        c.enable_propagate_additional_user_context_data(),
        Some(false)
    );
    let pools = admin.list_user_pools().max_results(1).send().await.unwrap();
    assert_eq!(pools.user_pools().len(), 1);
    let next = pools
        .next_token()
        .expect("two pools: a next page")
        .to_string();
    let rest = admin
        .list_user_pools()
        .max_results(60)
        .next_token(next)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = rest.user_pools().iter().filter_map(|p| p.id()).collect();
    assert_eq!(ids, [POOL2]);
    assert!(rest.next_token().is_none());
}
