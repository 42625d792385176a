//! The pool and client descriptions through the AWS SDK (from the seed).

use crate::sdk::{exception, signed};
use crate::*;

#[tokio::test]
async fn pools_and_clients_are_described() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let pool = admin
        .describe_user_pool()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let p = pool.user_pool().unwrap();
    assert_eq!(p.id(), Some(POOL));
    assert_eq!(p.name(), Some("Test Pool"));
    assert_eq!(p.estimated_number_of_users(), 2);
    let policy = p.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(8));
    assert_eq!(
        p.arn(),
        Some("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_TestPool1")
    );
    let c = admin
        .describe_user_pool_client()
        .user_pool_id(POOL)
        .client_id(CONF)
        .send()
        .await
        .unwrap();
    let c = c.user_pool_client().unwrap();
    assert_eq!(c.client_secret(), Some(CONF_SECRET));
    assert_eq!(c.callback_urls()[0], CB);
    assert_eq!(
        c.prevent_user_existence_errors().map(|p| p.as_str()),
        Some("ENABLED")
    );
    let err = admin
        .describe_user_pool_client()
        .user_pool_id(POOL)
        .client_id(SECOND)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let list = admin
        .list_user_pool_clients()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = list
        .user_pool_clients()
        .iter()
        .filter_map(|c| c.client_id())
        .collect();
    assert_eq!(ids, [CONF, ROT, PUBLIC, M2M, IMPLICIT]);
}
