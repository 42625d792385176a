//! `CreateGroup` with its details, `GetGroup`, `UpdateGroup`, `DeleteGroup` through the SDK:
//! a deleted group is gone from the next token.

use crate::api_users::alice_hosted_tokens;
use crate::sdk::{exception, signed};
use crate::*;

#[tokio::test]
async fn groups_keep_their_details_and_a_deleted_one_leaves_the_tokens() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let made = admin
        .create_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .description("Edit things")
        .precedence(3)
        .send()
        .await
        .unwrap();
    let g = made.group().unwrap();
    assert_eq!(g.description(), Some("Edit things"));
    assert_eq!(g.precedence(), Some(3));
    assert!(g.creation_date().is_some());
    let updated = admin
        .update_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .precedence(1)
        .send()
        .await
        .unwrap();
    let g = updated.group().unwrap();
    assert_eq!(
        (g.description(), g.precedence()),
        (Some("Edit things"), Some(1))
    );
    let got = admin
        .get_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .send()
        .await
        .unwrap();
    assert_eq!(got.group().unwrap().precedence(), Some(1));
    let listed = admin.list_groups().user_pool_id(POOL).send().await.unwrap();
    let editors = listed
        .groups()
        .iter()
        .find(|g| g.group_name() == Some("editors"))
        .unwrap();
    assert_eq!(editors.description(), Some("Edit things"));

    admin
        .admin_add_user_to_group()
        .user_pool_id(POOL)
        .username(ALICE)
        .group_name("editors")
        .send()
        .await
        .unwrap();
    let before = claims(alice_hosted_tokens(&t).await["id_token"].as_str().unwrap());
    assert!(before["cognito:groups"]
        .as_array()
        .unwrap()
        .contains(&"editors".into()));
    admin
        .delete_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .send()
        .await
        .unwrap();
    let after = claims(alice_hosted_tokens(&t).await["id_token"].as_str().unwrap());
    assert!(!after["cognito:groups"]
        .as_array()
        .unwrap()
        .contains(&"editors".into()));
    let e = admin
        .get_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ResourceNotFoundException");
    let e = admin
        .delete_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ResourceNotFoundException");
}
