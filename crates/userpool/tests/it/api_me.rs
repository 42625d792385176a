//! The signed-in user's own operations through the AWS SDK, by access token.

use crate::api_users::{alice_hosted_tokens, hosted_session_alive, refreshes};
use crate::sdk::{exception, unsigned};
use crate::*;
use aws_sdk_cognitoidentityprovider::types::AttributeType;

#[tokio::test]
async fn get_user_and_update_attributes() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let tokens = alice_hosted_tokens(&t).await;
    let at = tokens["access_token"].as_str().unwrap();
    let me = api.get_user().access_token(at).send().await.unwrap();
    assert_eq!(me.username(), ALICE_SUB);
    let get = |name: &str| {
        me.user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .map(String::from)
    };
    assert_eq!(get("email").as_deref(), Some(ALICE));
    assert_eq!(get("email_verified").as_deref(), Some("true"));
    assert_eq!(get("sub").as_deref(), Some(ALICE_SUB));
    assert_eq!(get("name").as_deref(), Some("Alice Example"));

    let name = AttributeType::builder()
        .name("name")
        .value("Alice Renamed")
        .build()
        .unwrap();
    api.update_user_attributes()
        .access_token(at)
        .user_attributes(name)
        .send()
        .await
        .unwrap();
    let sub = AttributeType::builder()
        .name("sub")
        .value("x")
        .build()
        .unwrap();
    let err = api
        .update_user_attributes()
        .access_token(at)
        .user_attributes(sub)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
    let me = api.get_user().access_token(at).send().await.unwrap();
    let name = me.user_attributes().iter().find(|a| a.name() == "name");
    assert_eq!(name.and_then(|a| a.value()), Some("Alice Renamed"));
    // One store: the pool's own listing sees the change.
    let listed = t.pool().list().await.unwrap();
    let alice = listed[0].users.iter().find(|u| u.email == ALICE).unwrap();
    assert_eq!(alice.attributes["name"], "Alice Renamed");

    for bad in ["not-a-token", "a.b.c"] {
        let err = api.get_user().access_token(bad).send().await.unwrap_err();
        assert_eq!(exception(&err), "NotAuthorizedException");
    }
    // A token without the user-admin scope is refused, as by Cognito.
    let plain = t.alice_tokens().await;
    let err = api
        .get_user()
        .access_token(plain["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
}

#[tokio::test]
async fn global_sign_out_ends_the_hosted_ui_refresh_tokens() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let tokens = alice_hosted_tokens(&t).await;
    let at = tokens["access_token"].as_str().unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    assert!(refreshes(&t, rt).await);
    api.global_sign_out().access_token(at).send().await.unwrap();
    assert!(!refreshes(&t, rt).await);
    assert!(!hosted_session_alive(&t).await);
    let err = api.get_user().access_token(at).send().await.unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
}

/// Cognito's `ChangePassword` leaves the caller's tokens valid (an app calls `GlobalSignOut`
/// to end them): so does the pool by default (issue 31).
#[tokio::test]
async fn change_password_checks_the_old_one_and_keeps_the_sign_ins() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let tokens = alice_hosted_tokens(&t).await;
    let at = tokens["access_token"].as_str().unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    let err = api
        .change_password()
        .access_token(at)
        .previous_password("wrong")
        .proposed_password("N3w!password")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    let err = api
        .change_password()
        .access_token(at)
        .previous_password(PASSWORD)
        .proposed_password("weak")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidPasswordException");
    assert!(refreshes(&t, rt).await, "refused changes revoke nothing");
    api.change_password()
        .access_token(at)
        .previous_password(PASSWORD)
        .proposed_password("N3w!password")
        .send()
        .await
        .unwrap();
    api.get_user()
        .access_token(at)
        .send()
        .await
        .expect("the old access token still works, as in Cognito");
    assert!(refreshes(&t, rt).await, "the refresh token still refreshes");
    assert!(hosted_session_alive(&t).await);
    t.sign_in(
        &[
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", CB),
        ],
        ALICE,
        "N3w!password",
    )
    .await;
}

/// With the pool's `change_password_signs_out`, a new password ends every sign-in of the
/// user, this one included (the stricter behaviour, kept as an option).
#[tokio::test]
async fn change_password_signs_out_when_the_pool_says_so() {
    let mut seed = test_seed();
    seed.pools[0].change_password_signs_out = true;
    let t = spawn_with(seed, "sqlite::memory:").await;
    let api = unsigned(&t);
    let tokens = alice_hosted_tokens(&t).await;
    let at = tokens["access_token"].as_str().unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    api.change_password()
        .access_token(at)
        .previous_password(PASSWORD)
        .proposed_password("N3w!password")
        .send()
        .await
        .unwrap();
    let err = api.get_user().access_token(at).send().await.unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    assert!(!refreshes(&t, rt).await);
    assert!(!hosted_session_alive(&t).await);
}

#[tokio::test]
async fn revoke_token_and_delete_user() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    let tokens = alice_hosted_tokens(&t).await;
    let at = tokens["access_token"].as_str().unwrap();
    let rt = tokens["refresh_token"].as_str().unwrap();
    // A wrong or missing secret, or an unknown client: `UnauthorizedException`, one of the
    // operation's declared errors (the SDK reads it as such), and nothing is revoked.
    for (client, secret) in [
        (CONF, Some("wrong0secret0of0a0secrets0size")),
        (CONF, None),
        ("unknown0client0000000001", None),
        (
            "unknown0client0000000001",
            Some("wrong0secret0of0a0secrets0size"),
        ),
    ] {
        let err = api
            .revoke_token()
            .token(rt)
            .client_id(client)
            .set_client_secret(secret.map(str::to_string))
            .send()
            .await
            .unwrap_err();
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_unauthorized_exception()),
            "{client} {secret:?}: {}",
            exception(&err)
        );
    }
    assert!(refreshes(&t, rt).await);
    // This client's secret has characters no Cognito secret has (`/`, `:`, `%`, for the
    // token endpoint's encoding tests): the JSON API refuses it as AWS's model says, before
    // anything is revoked. (`api_client_secrets` revokes with a secret Cognito could issue.)
    let err = api
        .revoke_token()
        .token(rt)
        .client_id(CONF)
        .client_secret(CONF_SECRET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
    assert!(refreshes(&t, rt).await);
    let r = t
        .http
        .post(t.url("/oauth2/revoke"))
        .basic_auth(CONF, Some(CONF_SECRET))
        .form(&[("token", rt)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!refreshes(&t, rt).await);

    let tokens = alice_hosted_tokens(&t).await;
    let at2 = tokens["access_token"].as_str().unwrap();
    assert_ne!(at, at2);
    api.delete_user().access_token(at2).send().await.unwrap();
    let listed = t.pool().list().await.unwrap();
    assert!(!listed[0].users.iter().any(|u| u.email == ALICE));
    let r = t
        .login_with(
            &[
                ("response_type", "code"),
                ("client_id", CONF),
                ("redirect_uri", CB),
            ],
            ALICE,
            PASSWORD,
        )
        .await;
    assert_eq!(r.status(), 200, "a deleted user cannot sign in");
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let t = spawn_pool().await;
    let before = t.pool().list().await.unwrap()[0].users.len();
    let call = |body: &'static str| {
        t.http
            .post(t.url("/"))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "AWSCognitoIdentityProviderService.SignUp")
            .body(body)
            .send()
    };
    let r = call(r#"{"ClientId": 5, "Username": "x@example.com", "Password": "Str0ng!pass"}"#)
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["x-amzn-errortype"], "SerializationException");
    let r = call(r#"{"ClientId": "public0client0000000000001", "Password": "Str0ng!pass"}"#)
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["__type"], "InvalidParameterException");
    // Cognito's words: the member named as its model names it, before anything runs.
    assert_eq!(
        body["message"],
        "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null"
    );
    let r = call("{not json").await.unwrap();
    assert_eq!(r.headers()["x-amzn-errortype"], "SerializationException");
    assert_eq!(t.pool().list().await.unwrap()[0].users.len(), before);
    assert!(t.pool().outbox_messages().is_empty());
}
