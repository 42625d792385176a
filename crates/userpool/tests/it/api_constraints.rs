//! Input constraints from AWS's model, checked before an operation runs: each case of issue
//! 31 answers `InvalidParameterException` in Cognito's words, naming the member and the
//! constraint, never repeating a secret value, and changing nothing.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;

use crate::sdk::{exception, signed, unsigned};
use crate::*;

/// The exception and message of an SDK error.
fn refused<E: ProvideErrorMetadata>(e: &E) -> (String, String) {
    (exception(e), e.message().unwrap_or_default().to_string())
}

fn one(message: &str) -> String {
    format!("1 validation error detected: {message}")
}

#[tokio::test]
async fn lengths_patterns_and_ranges_are_checked_first() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let long_name = "a".repeat(129);
    let e = admin
        .admin_get_user()
        .user_pool_id(POOL)
        .username(&long_name)
        .send()
        .await
        .unwrap_err();
    // `UsernameType` is sensitive in the model: its value is left out.
    assert_eq!(
        refused(&e),
        (
            "InvalidParameterException".into(),
            one("Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128")
        )
    );
    let e = admin
        .describe_user_pool()
        .user_pool_id("nounderscore")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(&e).1,
        one(
            r"Value 'nounderscore' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+"
        )
    );
    let long_pool = format!("us-east-1_{}", "a".repeat(60));
    let e = admin
        .describe_user_pool()
        .user_pool_id(&long_pool)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(&e).1,
        one(&format!("Value '{long_pool}' at 'userPoolId' failed to satisfy constraint: Member must have length less than or equal to 55"))
    );
}

#[tokio::test]
async fn filters_limits_and_names_are_checked_first() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let filter = format!("email = \"{}\"", "x".repeat(260));
    let e = admin
        .list_users()
        .user_pool_id(POOL)
        .filter(&filter)
        .send()
        .await
        .unwrap_err();
    assert!(refused(&e).1.ends_with("at 'filter' failed to satisfy constraint: Member must have length less than or equal to 256"), "{e:?}");
    let e = admin
        .list_users()
        .user_pool_id(POOL)
        .limit(61)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(&e).1,
        one("Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60")
    );
    let e = admin
        .list_user_pool_clients()
        .user_pool_id(POOL)
        .max_results(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(&e).1,
        one("Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1")
    );
    let e = admin
        .create_user_pool_client()
        .user_pool_id(POOL)
        .client_name("bad/name!")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(&e).1,
        one(
            r"Value 'bad/name!' at 'clientName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w\s+=,.@-]+"
        )
    );
    let clients = admin
        .list_user_pool_clients()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    assert_eq!(clients.user_pool_clients().len(), 5, "no client was made");
}

#[tokio::test]
async fn client_ids_are_checked_and_not_repeated() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    for (id, constraint) in [
        (
            "bad/id",
            r"Member must satisfy regular expression pattern: [\w+]+",
        ),
        (
            &*"c".repeat(129),
            "Member must have length less than or equal to 128",
        ),
    ] {
        let e = api
            .initiate_auth()
            .client_id(id)
            .auth_flow("USER_PASSWORD_AUTH".into())
            .auth_parameters("USERNAME", ALICE)
            .send()
            .await
            .unwrap_err();
        // `ClientIdType` is sensitive too.
        assert_eq!(
            refused(&e),
            (
                "InvalidParameterException".into(),
                one(&format!(
                    "Value at 'clientId' failed to satisfy constraint: {constraint}"
                ))
            )
        );
    }
}

#[tokio::test]
async fn passwords_codes_and_sessions_are_checked_and_not_repeated() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let password = format!("Aa1!{}", "p".repeat(253));
    let e = api
        .sign_up()
        .client_id(PUBLIC)
        .username("new@example.com")
        .password(&password)
        .send()
        .await
        .unwrap_err();
    let (kind, message) = refused(&e);
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        message,
        one("Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256")
    );
    let e = api
        .confirm_sign_up()
        .client_id(PUBLIC)
        .username("bob@example.com")
        .confirmation_code("12 34")
        .send()
        .await
        .unwrap_err();
    let (kind, message) = refused(&e);
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        message,
        one(
            r"Value at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+"
        )
    );
    let e = api
        .respond_to_auth_challenge()
        .client_id(PUBLIC)
        .challenge_name("SOFTWARE_TOKEN_MFA".into())
        .session("12345678")
        .challenge_responses("USERNAME", ALICE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(&e).1,
        one("Value at 'session' failed to satisfy constraint: Member must have length greater than or equal to 20")
    );
    let e = api
        .verify_software_token()
        .session("s".repeat(20))
        .user_code("12345")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(&e).1,
        one("Value at 'userCode' failed to satisfy constraint: Member must have length greater than or equal to 6")
    );
    let users = t.pool().list().await.unwrap()[0].users.len();
    assert_eq!(users, 2, "nothing was signed up");
    assert!(t.pool().outbox_messages().is_empty());
}

#[tokio::test]
async fn several_broken_constraints_are_listed_together() {
    let t = spawn_pool().await;
    let e = unsigned(&t)
        .sign_up()
        .client_id(PUBLIC)
        .username("")
        .password("")
        .send()
        .await
        .unwrap_err();
    let (kind, message) = refused(&e);
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        message,
        "3 validation errors detected: \
         Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+; \
         Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
    );
}

#[tokio::test]
async fn nested_members_are_named_by_their_path() {
    let t = spawn_pool().await;
    let e = signed(&t)
        .admin_update_user_attributes()
        .user_pool_id(POOL)
        .username(ALICE)
        .user_attributes(
            aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                .name("name")
                .value("v".repeat(2049))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    // `AttributeValueType` is sensitive: the value is not repeated.
    assert_eq!(
        refused(&e).1,
        one("Value at 'userAttributes.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 2048")
    );
    let e = signed(&t)
        .set_user_pool_mfa_config()
        .user_pool_id(POOL)
        .mfa_configuration("SOMETIMES".into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(&e).1,
        one("Value 'SOMETIMES' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]")
    );
}
