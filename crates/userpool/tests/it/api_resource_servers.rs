//! Resource servers and their custom scopes, through the AWS SDK, and the client_credentials
//! grant of a machine client made at run time with them (issue 29).

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};
use aws_sdk_cognitoidentityprovider::Client;
use serde_json::Value;

use crate::api_pools_runtime::make_pool;
use crate::sdk::{exception, signed};
use crate::*;

fn scope(name: &str) -> ResourceServerScopeType {
    ResourceServerScopeType::builder()
        .scope_name(name)
        .scope_description(format!("{name} orders"))
        .build()
        .unwrap()
}

/// A machine client of `pool_id` with `scopes` and the client_credentials flow: its id and
/// secret, or the SDK's error code.
async fn machine_client(
    admin: &Client,
    pool_id: &str,
    scopes: &[&str],
    secret: bool,
) -> Result<(String, String), String> {
    let mut req = admin
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name("machine")
        .generate_secret(secret)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_flows_user_pool_client(true);
    for s in scopes {
        req = req.allowed_o_auth_scopes(*s);
    }
    let out = req.send().await.map_err(|e| exception(&e))?;
    let c = out.user_pool_client().unwrap();
    Ok((
        c.client_id().unwrap().to_string(),
        c.client_secret().unwrap_or_default().to_string(),
    ))
}

async fn grant(t: &TestPool, id: &str, secret: &str, scope: Option<&str>) -> (u16, Value) {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    let r = t.token_basic(id, secret, &form).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_resource_server_is_created_described_listed_updated_and_deleted() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let (pool_id, _) = make_pool(&admin).await;
    let made = admin
        .create_resource_server()
        .user_pool_id(&pool_id)
        .identifier("orders")
        .name("Orders API")
        .scopes(scope("read"))
        .scopes(scope("write"))
        .send()
        .await
        .unwrap();
    let rs = made.resource_server().unwrap();
    assert_eq!(rs.user_pool_id(), Some(pool_id.as_str()));
    assert_eq!(rs.scopes().len(), 2);
    let again = admin
        .create_resource_server()
        .user_pool_id(&pool_id)
        .identifier("orders")
        .name("twice")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&again), "InvalidParameterException");
    let d = admin
        .describe_resource_server()
        .user_pool_id(&pool_id)
        .identifier("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(d.resource_server().unwrap().name(), Some("Orders API"));
    let list = admin
        .list_resource_servers()
        .user_pool_id(&pool_id)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(list.resource_servers().len(), 1);
    let u = admin
        .update_resource_server()
        .user_pool_id(&pool_id)
        .identifier("orders")
        .name("Orders")
        .scopes(scope("read"))
        .send()
        .await
        .unwrap();
    assert_eq!(u.resource_server().unwrap().scopes().len(), 1);
    admin
        .delete_resource_server()
        .user_pool_id(&pool_id)
        .identifier("orders")
        .send()
        .await
        .unwrap();
    let gone = admin
        .describe_resource_server()
        .user_pool_id(&pool_id)
        .identifier("orders")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&gone), "ResourceNotFoundException");
}

#[tokio::test]
async fn a_machine_client_gets_only_the_custom_scopes_it_was_given() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let (pool_id, _) = make_pool(&admin).await;
    // No resource server defines the scope yet.
    let e = machine_client(&admin, &pool_id, &["orders/read"], true).await;
    assert_eq!(e.unwrap_err(), "ScopeDoesNotExistException");
    admin
        .create_resource_server()
        .user_pool_id(&pool_id)
        .identifier("orders")
        .name("Orders API")
        .scopes(scope("read"))
        .scopes(scope("write"))
        .send()
        .await
        .unwrap();
    let e = machine_client(&admin, &pool_id, &["orders/read"], false).await;
    assert_eq!(e.unwrap_err(), "InvalidOAuthFlowException", "no secret");
    let e = machine_client(&admin, &pool_id, &["orders/read", "openid"], true).await;
    assert_eq!(e.unwrap_err(), "InvalidOAuthFlowException", "openid");
    let (id, secret) = machine_client(&admin, &pool_id, &["orders/read"], true)
        .await
        .unwrap();

    let (status, body) = grant(&t, &id, &secret, None).await;
    assert_eq!(status, 200, "{body}");
    let at = t
        .verify(&pool_id, body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(at["scope"], "orders/read");
    assert_eq!(at["client_id"], id.as_str());
    assert_eq!(at["sub"], id.as_str());
    assert_eq!(at["token_use"], "access");
    assert!(at.get("username").is_none() && at.get("cognito:groups").is_none());
    // A scope the resource server has, but the client was not given.
    let (status, body) = grant(&t, &id, &secret, Some("orders/write")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    // The scope's resource server goes: the client loses it, as in Cognito.
    admin
        .delete_resource_server()
        .user_pool_id(&pool_id)
        .identifier("orders")
        .send()
        .await
        .unwrap();
    let (status, body) = grant(&t, &id, &secret, Some("orders/read")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
}
