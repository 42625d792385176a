//! `UpdateUserPoolClient` through the AWS SDK: a test switches a run-time client's auth flows,
//! `PreventUserExistenceErrors` and refresh-token rotation, and the next sign-ins follow.

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ExplicitAuthFlowsType, FeatureType, PreventUserExistenceErrorTypes,
    RefreshTokenRotationType,
};
use aws_sdk_cognitoidentityprovider::Client;

use crate::api_pools_runtime::{make_pool, sign_up_and_in};
use crate::sdk::{exception, signed, unsigned};
use crate::*;

const EMAIL: &str = "uma@example.com";
const PASS: &str = "Longer1!pass";

/// `USER_PASSWORD_AUTH`; the error is the exception's name.
async fn password_sign_in(
    sdk: &Client,
    client_id: &str,
    username: &str,
) -> Result<Option<String>, String> {
    let out = sdk
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", PASS)
        .send()
        .await
        .map_err(|e| exception(&e))?;
    Ok(out
        .authentication_result()
        .and_then(|r| r.refresh_token())
        .map(String::from))
}

/// `GetTokensFromRefreshToken`: the new refresh token, if one came; the error's name.
async fn refresh(sdk: &Client, client_id: &str, token: &str) -> Result<Option<String>, String> {
    let out = sdk
        .get_tokens_from_refresh_token()
        .client_id(client_id)
        .refresh_token(token)
        .send()
        .await
        .map_err(|e| exception(&e))?;
    Ok(out
        .authentication_result()
        .and_then(|r| r.refresh_token())
        .map(String::from))
}

#[tokio::test]
async fn an_updated_client_changes_flows_user_existence_errors_and_rotation() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let sdk = unsigned(&t);
    let (pool_id, client_id) = make_pool(&admin).await;
    sign_up_and_in(&t, &client_id, EMAIL).await;
    // As made: password sign-in, hidden user existence, no rotation.
    let rt = password_sign_in(&sdk, &client_id, EMAIL)
        .await
        .unwrap()
        .expect("a refresh token");
    assert_eq!(refresh(&sdk, &client_id, &rt).await, Ok(None));
    assert_eq!(
        password_sign_in(&sdk, &client_id, "nobody@example.com").await,
        Err("NotAuthorizedException".into())
    );

    let updated = admin
        .update_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Legacy)
        .refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(0)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("updated");
    let c = updated.user_pool_client().unwrap();
    assert_eq!(c.client_id(), Some(client_id.as_str()));
    assert_eq!(c.client_name(), Some("web"), "the name stays when left out");
    assert_eq!(
        c.explicit_auth_flows(),
        [
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth
        ]
    );
    assert!(
        c.callback_urls().is_empty(),
        "left out: back to the default, as in Cognito"
    );
    let described = admin
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap();
    let d = described.user_pool_client().unwrap();
    assert_eq!(
        d.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Legacy)
    );
    assert_eq!(
        d.refresh_token_rotation().map(|r| r.feature()),
        Some(&FeatureType::Enabled)
    );

    // The next calls follow the new settings.
    assert_eq!(
        password_sign_in(&sdk, &client_id, EMAIL).await,
        Err("InvalidParameterException".into()),
        "USER_PASSWORD_AUTH is no longer allowed"
    );
    let unknown = sdk
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", "nobody@example.com")
        .auth_parameters("SRP_A", "abcdef")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&unknown), "UserNotFoundException");
    let new = refresh(&sdk, &client_id, &rt)
        .await
        .unwrap()
        .expect("rotation gives a new refresh token");
    assert_ne!(new, rt);
    assert_eq!(
        refresh(&sdk, &client_id, &rt).await,
        Err("NotAuthorizedException".into()),
        "the rotated-out token"
    );
    assert_eq!(
        refresh(&sdk, &client_id, &new).await,
        Err("NotAuthorizedException".into()),
        "the replay revoked the sign-in, the new token with it"
    );
}

#[tokio::test]
async fn updates_of_seed_unknown_or_bad_clients_are_refused() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let update = |pool: &str, client: &str| {
        admin
            .update_user_pool_client()
            .user_pool_id(pool)
            .client_id(client)
    };
    let err = update(POOL, PUBLIC).send().await.unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException", "a seed pool");
    let (pool_id, client_id) = make_pool(&admin).await;
    let err = update(&pool_id, "no0such0client00000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let err = update(&pool_id, &client_id)
        .refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(61)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException", "grace > 60 s");
    // Nothing changed by the refusals: the client still signs in with a password.
    sign_up_and_in(&t, &client_id, EMAIL).await;
}
