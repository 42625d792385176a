//! The identity-provider operations through the AWS SDK: create, describe, update, list (paged),
//! get by identifier, delete, and the refusals Cognito gives; link and disable refusals.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    IdentityProviderTypeType, ProviderUserIdentifierType,
};

use crate::sdk::{exception, signed};
use crate::*;

fn details(issuer: &str) -> HashMap<String, String> {
    HashMap::from([
        ("client_id".to_string(), "upstream-client".to_string()),
        ("client_secret".to_string(), "upstream-secret".to_string()),
        ("authorize_scopes".to_string(), "openid email".to_string()),
        ("oidc_issuer".to_string(), issuer.to_string()),
    ])
}

async fn create(
    tp: &TestPool,
    name: &str,
    kind: IdentityProviderTypeType,
    details: HashMap<String, String>,
) -> Result<(), String> {
    signed(tp)
        .create_identity_provider()
        .user_pool_id(POOL)
        .provider_name(name)
        .provider_type(kind)
        .set_provider_details(Some(details))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| exception(&e))
}

#[tokio::test]
async fn identity_providers_are_created_read_and_updated() {
    let tp = spawn_pool().await;
    let c = signed(&tp);
    let made = c
        .create_identity_provider()
        .user_pool_id(POOL)
        .provider_name("Corp")
        .provider_type(IdentityProviderTypeType::Oidc)
        .set_provider_details(Some(details("https://idp.corp.example")))
        .attribute_mapping("email", "email")
        .idp_identifiers("corp.example")
        .send()
        .await
        .unwrap();
    let p = made.identity_provider().unwrap();
    assert_eq!(p.provider_name(), Some("Corp"));
    assert_eq!(p.provider_type(), Some(&IdentityProviderTypeType::Oidc));
    let mapping = p.attribute_mapping().unwrap();
    assert_eq!(mapping.get("username").map(String::as_str), Some("sub"));
    assert_eq!(mapping.get("email").map(String::as_str), Some("email"));
    assert!(p.creation_date().is_some() && p.last_modified_date().is_some());

    let described = c
        .describe_identity_provider()
        .user_pool_id(POOL)
        .provider_name("Corp")
        .send()
        .await
        .unwrap();
    let d = described
        .identity_provider()
        .unwrap()
        .provider_details()
        .unwrap();
    assert_eq!(
        d.get("oidc_issuer").map(String::as_str),
        Some("https://idp.corp.example")
    );

    c.update_identity_provider()
        .user_pool_id(POOL)
        .provider_name("Corp")
        .provider_details("authorize_scopes", "openid email profile")
        .idp_identifiers("corp.test")
        .send()
        .await
        .unwrap();
    let by_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(POOL)
        .idp_identifier("CORP.test")
        .send()
        .await
        .unwrap();
    let p = by_id.identity_provider().unwrap();
    assert_eq!(p.provider_name(), Some("Corp"));
    let d = p.provider_details().unwrap();
    assert_eq!(
        d.get("authorize_scopes").map(String::as_str),
        Some("openid email profile")
    );
    assert_eq!(
        d.get("client_id").map(String::as_str),
        Some("upstream-client"),
        "kept"
    );
    let old_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(POOL)
        .idp_identifier("corp.example")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&old_id), "ResourceNotFoundException");
}

#[tokio::test]
async fn identity_providers_are_listed_by_page_and_deleted() {
    let tp = spawn_pool().await;
    let c = signed(&tp);
    create(
        &tp,
        "Corp",
        IdentityProviderTypeType::Oidc,
        details("https://idp.corp.example"),
    )
    .await
    .unwrap();
    create(
        &tp,
        "Google",
        IdentityProviderTypeType::Google,
        details("https://accounts.google.com"),
    )
    .await
    .unwrap();
    let page1 = c
        .list_identity_providers()
        .user_pool_id(POOL)
        .max_results(1)
        .send()
        .await
        .unwrap();
    let dup = create(
        &tp,
        "Corp",
        IdentityProviderTypeType::Oidc,
        details("https://x.example"),
    )
    .await;
    assert_eq!(dup.unwrap_err(), "DuplicateProviderException");
    assert_eq!(page1.providers().len(), 1);
    assert_eq!(page1.providers()[0].provider_name(), Some("Corp"));
    let page2 = c
        .list_identity_providers()
        .user_pool_id(POOL)
        .max_results(1)
        .next_token(page1.next_token().expect("a second page"))
        .send()
        .await
        .unwrap();
    assert_eq!(page2.providers()[0].provider_name(), Some("Google"));
    assert_eq!(
        page2.providers()[0].provider_type(),
        Some(&IdentityProviderTypeType::Google)
    );
    assert!(page2.next_token().is_none());

    c.delete_identity_provider()
        .user_pool_id(POOL)
        .provider_name("Corp")
        .send()
        .await
        .unwrap();
    let gone = c
        .describe_identity_provider()
        .user_pool_id(POOL)
        .provider_name("Corp")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&gone), "ResourceNotFoundException");
    let again = c
        .delete_identity_provider()
        .user_pool_id(POOL)
        .provider_name("Corp")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&again), "ResourceNotFoundException");
}

#[tokio::test]
async fn what_cannot_be_configured_is_refused() {
    let tp = spawn_pool().await;
    let oidc = IdentityProviderTypeType::Oidc;
    let bad = [
        (
            "SAML",
            IdentityProviderTypeType::Saml,
            details("https://idp.example"),
        ),
        (
            "MyGoogle",
            IdentityProviderTypeType::Google,
            details("https://accounts.google.com"),
        ),
        ("Plain", oidc.clone(), details("http://idp.example")),
        ("has space", oidc.clone(), details("https://idp.example")),
        ("COGNITO", oidc.clone(), details("https://idp.example")),
        ("NoIssuer", oidc.clone(), {
            let mut d = details("https://idp.example");
            d.remove("oidc_issuer");
            d
        }),
        ("NoClient", oidc.clone(), {
            let mut d = details("https://idp.example");
            d.remove("client_id");
            d
        }),
    ];
    for (name, kind, d) in bad {
        let e = create(&tp, name, kind, d).await.unwrap_err();
        assert_eq!(e, "InvalidParameterException", "{name}");
    }
    // A loopback provider over http is fine (development).
    create(&tp, "Local", oidc.clone(), details("http://127.0.0.1:9"))
        .await
        .unwrap();
    // Unsigned: refused.
    let r = tp
        .http
        .post(tp.url("/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.ListIdentityProviders",
        )
        .body(format!(r#"{{"UserPoolId":"{POOL}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    // Unknown pool.
    let e = signed(&tp)
        .list_identity_providers()
        .user_pool_id("us-east-1_Nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ResourceNotFoundException");
}

#[tokio::test]
async fn linking_and_disabling_refuse_what_cannot_be_done() {
    let tp = spawn_pool().await;
    create(
        &tp,
        "Corp",
        IdentityProviderTypeType::Oidc,
        details("https://idp.example"),
    )
    .await
    .unwrap();
    let source = |p: &str| {
        ProviderUserIdentifierType::builder()
            .provider_name(p)
            .provider_attribute_name("Cognito_Subject")
            .provider_attribute_value("u-1")
            .build()
    };
    let dest = |u: &str| {
        ProviderUserIdentifierType::builder()
            .provider_name("Cognito")
            .provider_attribute_value(u)
            .build()
    };
    let link = |d, s| {
        signed(&tp)
            .admin_link_provider_for_user()
            .user_pool_id(POOL)
            .destination_user(d)
            .source_user(s)
            .send()
    };
    let e = link(dest("nobody@example.com"), source("Corp"))
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "UserNotFoundException");
    let e = link(dest(ALICE), source("Nope")).await.unwrap_err();
    assert_eq!(exception(&e), "InvalidParameterException");
    link(dest(ALICE), source("Corp")).await.unwrap();
    let e = signed(&tp)
        .admin_disable_provider_for_user()
        .user_pool_id(POOL)
        .user(
            ProviderUserIdentifierType::builder()
                .provider_name("Corp")
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value("never-seen")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "UserNotFoundException");
    signed(&tp)
        .admin_disable_provider_for_user()
        .user_pool_id(POOL)
        .user(source("Corp"))
        .send()
        .await
        .unwrap();
    // Unlinked: it can be linked again.
    link(dest(ALICE), source("Corp")).await.unwrap();
}
