//! Client secrets through the SDK: an added secret works for `SECRET_HASH` and for
//! `/oauth2/token` beside the first one, until it is deleted.

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ExplicitAuthFlowsType};
use base64::Engine;
use hmac::Mac;

use crate::api_pools_runtime::{make_pool, sign_up_and_in};
use crate::sdk::{exception, signed, unsigned};
use crate::*;

fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `USER_PASSWORD_AUTH` with the `SECRET_HASH` of `secret`; the refresh token, if signed in.
async fn sign_in(t: &TestPool, client: &str, secret: &str, email: &str) -> Result<String, String> {
    unsigned(t)
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("PASSWORD", "Longer1!pass")
        .auth_parameters("SECRET_HASH", secret_hash(secret, email, client))
        .send()
        .await
        .map(|r| {
            r.authentication_result()
                .unwrap()
                .refresh_token()
                .unwrap()
                .to_string()
        })
        .map_err(|e| exception(&e))
}

async fn token_endpoint(t: &TestPool, client: &str, secret: &str, rt: &str) -> u16 {
    let form = [("grant_type", "refresh_token"), ("refresh_token", rt)];
    t.token_basic(client, secret, &form).await.status().as_u16()
}

const EMAIL: &str = "secrets@example.com";

/// A pool made at run time with a signed-up user and a client with a secret: the pool id, the
/// client id and its secret.
async fn setup(t: &TestPool) -> (String, String, String) {
    let admin = signed(t);
    let (pool_id, public) = make_pool(&admin).await;
    sign_up_and_in(t, &public, EMAIL).await;
    let made = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("confidential")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap();
    let c = made.user_pool_client().unwrap();
    let (client, first) = (
        c.client_id().unwrap().to_string(),
        c.client_secret().unwrap().to_string(),
    );
    (pool_id, client, first)
}

#[tokio::test]
async fn an_added_secret_works_beside_the_first() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let (pool_id, client, first) = setup(&t).await;
    let email = EMAIL;
    let added = admin
        .add_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    let added = added.client_secret_descriptor().unwrap();
    let second = added
        .client_secret_value()
        .expect("a secret Cognito made is shown")
        .to_string();
    let second_id = added.client_secret_id().unwrap().to_string();
    assert!(second_id.starts_with(&format!("{client}--")));
    let rt = sign_in(&t, &client, &second, email)
        .await
        .expect("the added secret signs in");
    sign_in(&t, &client, &first, email)
        .await
        .expect("the first one still does");
    assert_eq!(token_endpoint(&t, &client, &second, &rt).await, 200);
    assert_eq!(token_endpoint(&t, &client, &first, &rt).await, 200);
    let listed = admin
        .list_user_pool_client_secrets()
        .user_pool_id(&pool_id)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.client_secrets().len(), 2);
    assert!(
        listed
            .client_secrets()
            .iter()
            .all(|s| s.client_secret_value().is_none()),
        "values are not listed"
    );
    let e = admin
        .add_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "LimitExceededException", "two at most");

    // RevokeToken with the client's secret ends the refresh token.
    unsigned(&t)
        .revoke_token()
        .token(&rt)
        .client_id(&client)
        .client_secret(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(
        token_endpoint(&t, &client, &first, &rt).await,
        400,
        "revoked"
    );
}

#[tokio::test]
async fn a_deleted_secret_stops_working_and_the_last_one_stays() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let (pool_id, client, first) = setup(&t).await;
    let email = EMAIL;
    let added = admin
        .add_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    let added = added.client_secret_descriptor().unwrap();
    let second = added.client_secret_value().unwrap().to_string();
    let second_id = added.client_secret_id().unwrap().to_string();
    let rt = sign_in(&t, &client, &first, email).await.unwrap();
    sign_in(&t, &client, &second, email)
        .await
        .expect("the added secret works before");
    admin
        .delete_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client)
        .client_secret_id(&second_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sign_in(&t, &client, &second, email).await.unwrap_err(),
        "NotAuthorizedException"
    );
    assert_eq!(
        token_endpoint(&t, &client, &second, &rt).await,
        400,
        "invalid_client"
    );
    sign_in(&t, &client, &first, email)
        .await
        .expect("the first one is left");
    let last = admin
        .list_user_pool_client_secrets()
        .user_pool_id(&pool_id)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    let last_id = last.client_secrets()[0]
        .client_secret_id()
        .unwrap()
        .to_string();
    let e = admin
        .delete_user_pool_client_secret()
        .user_pool_id(&pool_id)
        .client_id(&client)
        .client_secret_id(last_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        exception(&e),
        "InvalidParameterException",
        "a client keeps one secret"
    );
    let e = admin
        .add_user_pool_client_secret()
        .user_pool_id(POOL)
        .client_id(CONF)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        exception(&e),
        "InvalidParameterException",
        "a seed pool's clients are fixed"
    );
}
