//! Pools and clients made at run time through the AWS SDK (`CreateUserPool` & co).

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ExplicitAuthFlowsType, OAuthFlowType, PasswordPolicyType, UserPoolPolicyType,
};
use aws_sdk_cognitoidentityprovider::Client;

use crate::api_users::outbox_code;
use crate::sdk::{exception, signed, unsigned};
use crate::*;

const NEW_CB: &str = "http://localhost:4100/cb";

/// Makes a pool (minimum length 10) and a public client; returns their ids.
pub async fn make_pool(admin: &Client) -> (String, String) {
    let policy = PasswordPolicyType::builder().minimum_length(10).build();
    let pool = admin
        .create_user_pool()
        .pool_name("Made at run time")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(policy)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_string();
    let (region, tail) = pool_id.split_once('_').unwrap();
    assert_eq!(region, "us-east-1");
    assert!(tail.len() == 9 && tail.chars().all(|c| c.is_ascii_alphanumeric()));
    let client = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .callback_urls(NEW_CB)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_flows_user_pool_client(true)
        .send()
        .await
        .unwrap();
    let c = client.user_pool_client().unwrap();
    let client_id = c.client_id().unwrap().to_string();
    assert!(client_id.len() == 26);
    assert!(client_id
        .chars()
        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()));
    assert_eq!(c.client_secret(), None);
    (pool_id, client_id)
}

/// Signs up, confirms (code from the outbox) and signs in over `USER_PASSWORD_AUTH`;
/// returns the ID token.
pub async fn sign_up_and_in(t: &TestPool, client_id: &str, email: &str) -> String {
    let api = unsigned(t);
    let err = api
        .sign_up()
        .client_id(client_id)
        .username(email)
        .password("Short1!")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        exception(&err),
        "InvalidPasswordException",
        "the new pool's policy"
    );
    api.sign_up()
        .client_id(client_id)
        .username(email)
        .password("Longer1!pass")
        .send()
        .await
        .unwrap();
    api.confirm_sign_up()
        .client_id(client_id)
        .username(email)
        .confirmation_code(outbox_code(t, email))
        .send()
        .await
        .unwrap();
    let out = api
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", email)
        .auth_parameters("PASSWORD", "Longer1!pass")
        .send()
        .await
        .unwrap();
    out.authentication_result()
        .unwrap()
        .id_token()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_pool_made_at_run_time_signs_users_in_until_it_is_deleted() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let (pool_id, client_id) = make_pool(&admin).await;
    let id_token = sign_up_and_in(&t, &client_id, "nia@example.com").await;
    let claims = t.verify(&pool_id, &id_token).await;
    assert_eq!(claims["iss"], t.running.issuer(&pool_id).as_str());
    assert_eq!(claims["aud"], client_id.as_str());
    // Its own keys, not the seed pool's.
    let seed_kids = t.jwks(POOL).await["keys"].to_string();
    assert!(!seed_kids.contains(jwt_header(&id_token)["kid"].as_str().unwrap()));

    let cb = t
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", &client_id),
                ("redirect_uri", NEW_CB),
                ("scope", "openid email"),
            ],
            "nia@example.com",
            "Longer1!pass",
        )
        .await;
    assert!(cb.as_str().starts_with(NEW_CB));

    let described = admin
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let p = described.user_pool().unwrap();
    assert_eq!(p.name(), Some("Made at run time"));
    assert_eq!(p.estimated_number_of_users(), 1);

    admin
        .delete_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let err = admin
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let err = admin
        .delete_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let err = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("late")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let err = unsigned(&t)
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "nia@example.com")
        .auth_parameters("PASSWORD", "Longer1!pass")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let jwks = t
        .http
        .get(t.url(&format!("/{pool_id}/.well-known/jwks.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 404);
    // The seed's pool is untouched and cannot be deleted.
    let err = admin
        .delete_user_pool()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
    let pools = t.pool().list().await.unwrap();
    let seed_pool = pools.iter().find(|p| p.id == POOL).unwrap();
    assert!(seed_pool.users.iter().any(|u| u.email == ALICE));
}

/// A raw JSON API call, signed or not, returning status and `__type`.
async fn raw(t: &TestPool, op: &str, body: &str, signed: bool) -> (u16, String) {
    let mut req = t
        .http
        .post(t.url("/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string());
    if signed {
        req = req.header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/cognito-idp/aws4_request, \
             SignedHeaders=host, Signature=00",
        );
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap();
    (status, body["__type"].as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn bad_or_unsigned_creates_are_refused_and_make_nothing() {
    let t = spawn_pool().await;
    let before = t.pool().list().await.unwrap().len();
    let cases = [
        (
            r#"{"PoolName":"x"}"#,
            false,
            "MissingAuthenticationTokenException",
        ),
        ("{}", true, "InvalidParameterException"),
        (r#"{"PoolName":7}"#, true, "SerializationException"),
        (r#"{"PoolName":""}"#, true, "InvalidParameterException"),
        (
            r#"{"PoolName":"x","MfaConfiguration":"SOMETIMES"}"#,
            true,
            "InvalidParameterException",
        ),
        (
            r#"{"PoolName":"x","Policies":{"PasswordPolicy":{"MinimumLength":"ten"}}}"#,
            true,
            "SerializationException",
        ),
        (
            r#"{"PoolName":"x","Policies":{"PasswordPolicy":{"MinimumLength":2}}}"#,
            true,
            "InvalidParameterException",
        ),
    ];
    for (body, signed, expected) in cases {
        let (status, kind) = raw(&t, "CreateUserPool", body, signed).await;
        assert_eq!((status, kind.as_str()), (400, expected), "{body}");
    }
    assert_eq!(t.pool().list().await.unwrap().len(), before, "no pool made");
    // A signed create names the pool after the signature's region.
    let (status, _) = raw(&t, "CreateUserPool", r#"{"PoolName":"x"}"#, true).await;
    assert_eq!(status, 200);
    let pools = t.pool().list().await.unwrap();
    assert_eq!(pools.len(), before + 1);
    assert!(pools.iter().any(|p| p.id.starts_with("eu-west-1_")));
}

#[tokio::test]
async fn a_run_time_pool_survives_a_restart_with_a_file_database() {
    let dir = std::env::temp_dir().join(format!("userpool-it-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("pool.db");
    let db = db.to_str().unwrap();
    let t = spawn_with(test_seed(), db).await;
    let port = t.running.local_addr().port();
    let (pool_id, client_id) = make_pool(&signed(&t)).await;
    let before = sign_up_and_in(&t, &client_id, "ola@example.com").await;
    let kid = jwt_header(&before)["kid"].clone();
    t.running.shutdown().await;

    let t = spawn_at(test_seed(), db, port).await;
    let out = unsigned(&t)
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "ola@example.com")
        .auth_parameters("PASSWORD", "Longer1!pass")
        .send()
        .await
        .unwrap();
    let id_token = out.authentication_result().unwrap().id_token().unwrap();
    assert_eq!(jwt_header(id_token)["kid"], kid, "the same keys");
    let claims = t.verify(&pool_id, id_token).await;
    assert_eq!(claims["email"], "ola@example.com");
    let c = signed(&t)
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap();
    assert_eq!(c.user_pool_client().unwrap().callback_urls(), [NEW_CB]);
    t.running.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
