//! `ListUserPoolClients` (`MaxResults`, `NextToken`) and `ListUsersInGroup` (`Limit`,
//! `NextToken`) answer pages, through the SDK (issue 31).

use crate::api_auth::{spawn_api_pool, API_POOL};
use crate::sdk::{exception, signed};

#[tokio::test]
async fn list_user_pool_clients_pages_by_max_results() {
    let t = spawn_api_pool().await;
    let sdk = signed(&t);
    let all = sdk
        .list_user_pool_clients()
        .user_pool_id(API_POOL)
        .send()
        .await
        .unwrap();
    let every: Vec<String> = all
        .user_pool_clients()
        .iter()
        .map(|c| c.client_id().unwrap().to_string())
        .collect();
    assert!(every.len() > 2, "the seed has more than 2 clients");
    assert!(all.next_token().is_none());
    let mut seen = vec![];
    let mut token: Option<String> = None;
    loop {
        let page = sdk
            .list_user_pool_clients()
            .user_pool_id(API_POOL)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert!(page.user_pool_clients().len() <= 2);
        seen.extend(
            page.user_pool_clients()
                .iter()
                .map(|c| c.client_id().unwrap().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, every);
    let err = sdk
        .list_user_pool_clients()
        .user_pool_id(API_POOL)
        .next_token("garbage!")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
}

#[tokio::test]
async fn list_users_in_group_pages_by_limit() {
    let t = spawn_api_pool().await;
    let sdk = signed(&t);
    for name in ["dave@example.com", "erin@example.com"] {
        sdk.admin_create_user()
            .user_pool_id(API_POOL)
            .username(name)
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        sdk.admin_add_user_to_group()
            .user_pool_id(API_POOL)
            .username(name)
            .group_name("readers")
            .send()
            .await
            .unwrap();
    }
    let mut seen = 0;
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = sdk
            .list_users_in_group()
            .user_pool_id(API_POOL)
            .group_name("readers")
            .limit(1)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(page.users().len(), 1, "Limit=1");
        seen += 1;
        pages += 1;
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!((seen, pages), (3, 3), "carol, dave and erin, one a page");
}
