//! The signed admin operations through the AWS SDK: users, groups, listing, disabling.

use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType, UserStatusType};

use crate::api_users::{alice_hosted_tokens, hosted_session_alive, outbox_code, refreshes};
use crate::sdk::{exception, signed};
use crate::*;

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

fn hosted(client: &'static str) -> [(&'static str, &'static str); 3] {
    [
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", CB),
    ]
}

#[tokio::test]
async fn admin_operations_need_a_signature_and_change_nothing_without_one() {
    let t = spawn_pool().await;
    // The SDK will not send an admin call without credentials; a browser or curl would.
    for (op, body) in [
        (
            "AdminCreateUser",
            r#"{"UserPoolId": "us-east-1_TestPool1", "Username": "mallory@example.com"}"#,
        ),
        (
            "AdminDeleteUser",
            r#"{"UserPoolId": "us-east-1_TestPool1", "Username": "alice@example.com"}"#,
        ),
        ("ListUsers", r#"{"UserPoolId": "us-east-1_TestPool1"}"#),
    ] {
        let r = t
            .http
            .post(t.url("/"))
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .header("authorization", "Bearer not-sigv4")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.headers()["x-amzn-errortype"],
            "MissingAuthenticationTokenException",
            "{op}"
        );
    }
    let users = &t.pool().list().await.unwrap()[0].users;
    assert!(users.iter().any(|u| u.email == ALICE));
    assert!(!users.iter().any(|u| u.email == "mallory@example.com"));
    assert!(t.pool().outbox_messages().is_empty());
    let err = signed(&t)
        .admin_get_user()
        .user_pool_id("us-east-1_Nope")
        .username(ALICE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn a_created_user_has_a_temporary_password_then_signs_in_on_the_hosted_ui() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let kim = "kim@example.com";
    let out = admin
        .admin_create_user()
        .user_pool_id(POOL)
        .username(kim)
        .user_attributes(attr("name", "Kim"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    let user = out.user().unwrap();
    assert_eq!(
        user.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert!(user.enabled());
    assert!(user.user_create_date().is_some() && user.user_last_modified_date().is_some());
    let sub = user.username().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&sub).is_ok(), "Username is the sub");
    let temporary = outbox_code(&t, kim);
    let sent = &t.pool().outbox_messages()[0];
    assert_eq!(sent.kind, userpool::MessageKind::TemporaryPassword);
    assert!(temporary.len() >= 12);

    let err = admin
        .admin_create_user()
        .user_pool_id(POOL)
        .username(kim)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UsernameExistsException");
    let err = admin
        .admin_create_user()
        .user_pool_id(POOL)
        .username("lee@example.com")
        .temporary_password("weak")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidPasswordException");

    // RESEND: a new temporary password goes out.
    admin
        .admin_create_user()
        .user_pool_id(POOL)
        .username(kim)
        .message_action(MessageActionType::Resend)
        .send()
        .await
        .unwrap();
    assert_eq!(t.pool().outbox_messages().len(), 2);

    let got = admin
        .admin_get_user()
        .user_pool_id(POOL)
        .username(kim)
        .send()
        .await
        .unwrap();
    assert_eq!(got.username(), sub);
    let value = |n: &str| {
        got.user_attributes()
            .iter()
            .find(|a| a.name() == n)
            .and_then(|a| a.value())
            .map(String::from)
    };
    assert_eq!(value("email").as_deref(), Some(kim));
    assert_eq!(value("email_verified").as_deref(), Some("true"));
    assert_eq!(value("name").as_deref(), Some("Kim"));

    admin
        .admin_set_user_password()
        .user_pool_id(POOL)
        .username(kim)
        .password("Perm4nent!")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let got = admin
        .admin_get_user()
        .user_pool_id(POOL)
        .username(&sub)
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_status(), Some(&UserStatusType::Confirmed));
    t.sign_in(&hosted(PUBLIC), kim, "Perm4nent!").await;

    admin
        .admin_delete_user()
        .user_pool_id(POOL)
        .username(kim)
        .send()
        .await
        .unwrap();
    let err = admin
        .admin_get_user()
        .user_pool_id(POOL)
        .username(kim)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "UserNotFoundException");
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_anywhere() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let tokens = alice_hosted_tokens(&t).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    admin
        .admin_disable_user()
        .user_pool_id(POOL)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    assert!(!refreshes(&t, rt).await);
    assert!(!hosted_session_alive(&t).await);
    let r = t.login_with(&hosted(CONF), ALICE, PASSWORD).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("User is disabled."));
    let got = admin
        .admin_get_user()
        .user_pool_id(POOL)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    assert!(!got.enabled());
    let disabled = admin
        .list_users()
        .user_pool_id(POOL)
        .filter("status = \"Disabled\"")
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.users().len(), 1);

    admin
        .admin_enable_user()
        .user_pool_id(POOL)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    t.sign_in(&hosted(CONF), ALICE, PASSWORD).await;
}

#[tokio::test]
async fn admin_sign_out_password_set_confirm_and_attributes() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let tokens = alice_hosted_tokens(&t).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    admin
        .admin_user_global_sign_out()
        .user_pool_id(POOL)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    assert!(!refreshes(&t, rt).await);
    assert!(!hosted_session_alive(&t).await);

    // A temporary password set by an admin also ends the sign-ins.
    let tokens = alice_hosted_tokens(&t).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    admin
        .admin_set_user_password()
        .user_pool_id(POOL)
        .username(ALICE)
        .password("Temp0rary!")
        .send()
        .await
        .unwrap();
    assert!(!refreshes(&t, rt).await);
    let got = admin
        .admin_get_user()
        .user_pool_id(POOL)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );

    let bob = "bob@example.com";
    admin
        .admin_confirm_sign_up()
        .user_pool_id(POOL)
        .username(bob)
        .send()
        .await
        .unwrap();
    let err = admin
        .admin_confirm_sign_up()
        .user_pool_id(POOL)
        .username(bob)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    admin
        .admin_update_user_attributes()
        .user_pool_id(POOL)
        .username(bob)
        .user_attributes(attr("name", "Bob"))
        .send()
        .await
        .unwrap();
    let err = admin
        .admin_update_user_attributes()
        .user_pool_id(POOL)
        .username(bob)
        .user_attributes(attr("email", ALICE))
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "AliasExistsException");
    let listed = t.pool().list().await.unwrap();
    let b = listed[0].users.iter().find(|u| u.email == bob).unwrap();
    assert!(b.confirmed);
    assert_eq!(b.attributes["name"], "Bob");
}

#[tokio::test]
async fn groups_and_their_members() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let g = admin
        .create_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .send()
        .await
        .unwrap();
    assert_eq!(g.group().unwrap().group_name(), Some("editors"));
    let err = admin
        .create_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "GroupExistsException");
    let err = admin
        .admin_add_user_to_group()
        .user_pool_id(POOL)
        .username(ALICE)
        .group_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    admin
        .admin_add_user_to_group()
        .user_pool_id(POOL)
        .username(ALICE)
        .group_name("editors")
        .send()
        .await
        .unwrap();
    let names = |groups: &[aws_sdk_cognitoidentityprovider::types::GroupType]| {
        groups
            .iter()
            .filter_map(|g| g.group_name().map(String::from))
            .collect::<Vec<_>>()
    };
    let mine = admin
        .admin_list_groups_for_user()
        .user_pool_id(POOL)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    assert_eq!(names(mine.groups()), ["admin", "editors", "staff"]);
    let all = admin.list_groups().user_pool_id(POOL).send().await.unwrap();
    assert!(names(all.groups()).contains(&"readers".to_string()));
    let members = admin
        .list_users_in_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .send()
        .await
        .unwrap();
    assert_eq!(members.users().len(), 1);
    assert_eq!(members.users()[0].username(), Some(ALICE_SUB));
    // The hosted UI's tokens carry the new group.
    let tokens = alice_hosted_tokens(&t).await;
    let c = claims(tokens["id_token"].as_str().unwrap());
    assert!(c["cognito:groups"]
        .as_array()
        .unwrap()
        .contains(&"editors".into()));
    admin
        .admin_remove_user_from_group()
        .user_pool_id(POOL)
        .username(ALICE)
        .group_name("editors")
        .send()
        .await
        .unwrap();
    let members = admin
        .list_users_in_group()
        .user_pool_id(POOL)
        .group_name("editors")
        .send()
        .await
        .unwrap();
    assert!(members.users().is_empty());
}

#[tokio::test]
async fn list_users_filters_and_pages() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    for n in 0..5 {
        admin
            .admin_create_user()
            .user_pool_id(POOL)
            .username(format!("page{n}@example.com"))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
    }
    let mut seen = vec![];
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = admin
            .list_users()
            .user_pool_id(POOL)
            .filter("email ^= \"page\"")
            .limit(2)
            .set_pagination_token(token.clone())
            .attributes_to_get("email")
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.users().len() <= 2);
        for u in out.users() {
            let attrs = u.attributes();
            assert_eq!(attrs.len(), 1, "only the attributes asked for");
            seen.push(attrs[0].value().unwrap().to_string());
        }
        token = out.pagination_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    let want: Vec<String> = (0..5).map(|n| format!("page{n}@example.com")).collect();
    assert_eq!(seen, want);

    let one = admin
        .list_users()
        .user_pool_id(POOL)
        .filter(format!("email = \"{ALICE}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(one.users().len(), 1);
    assert_eq!(one.users()[0].username(), Some(ALICE_SUB));
    let unconfirmed = admin
        .list_users()
        .user_pool_id(POOL)
        .filter("cognito:user_status = \"UNCONFIRMED\"")
        .send()
        .await
        .unwrap();
    assert_eq!(unconfirmed.users().len(), 1);
    let all = admin.list_users().user_pool_id(POOL).send().await.unwrap();
    assert_eq!(all.users().len(), 7);
    assert!(all.pagination_token().is_none());
    for bad in ["email", "password = \"x\"", "email = unquoted"] {
        let err = admin
            .list_users()
            .user_pool_id(POOL)
            .filter(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(exception(&err), "InvalidParameterException", "{bad}");
    }
    let err = admin
        .list_users()
        .user_pool_id(POOL)
        .pagination_token("forged")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
    let err = admin
        .list_users()
        .user_pool_id(POOL)
        .limit(61)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
}

/// The two halves together: `AdminCreateUser`'s temporary password, from the outbox, signs
/// in through the SDK only as far as `NEW_PASSWORD_REQUIRED`; the new password confirms.
#[tokio::test]
async fn a_created_user_must_choose_a_password_at_the_first_api_sign_in() {
    use crate::api_auth::{password_auth, spawn_api_pool, API_POOL, PUBLIC_APP};
    use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
    let t = spawn_api_pool().await;
    let admin = signed(&t);
    let api = crate::sdk::unsigned(&t);
    let lee = "lee@example.com";
    admin
        .admin_create_user()
        .user_pool_id(API_POOL)
        .username(lee)
        .send()
        .await
        .unwrap();
    let temporary = outbox_code(&t, lee);
    let started = password_auth(&api, PUBLIC_APP, lee, &temporary)
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    assert!(started.authentication_result().is_none());
    let done = api
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(started.session().unwrap())
        .challenge_responses("USERNAME", lee)
        .challenge_responses("NEW_PASSWORD", "Ch0sen!pass")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result().is_some());
    let got = admin
        .admin_get_user()
        .user_pool_id(API_POOL)
        .username(lee)
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_status(), Some(&UserStatusType::Confirmed));

    // Disabled: refused over the API too, with Cognito's message.
    admin
        .admin_disable_user()
        .user_pool_id(API_POOL)
        .username(lee)
        .send()
        .await
        .unwrap();
    let err = password_auth(&api, PUBLIC_APP, lee, "Ch0sen!pass")
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    assert!(format!("{err:?}").contains("User is disabled."), "{err:?}");
}
