//! What Cognito stores and gives back, through the SDK: tags, domains, UI customisation,
//! risk configuration, log delivery, session configuration, terms and branding; and the
//! operations a local pool does not offer.

use aws_sdk_cognitoidentityprovider::types::{
    CompromisedCredentialsActionsType, CompromisedCredentialsEventActionType,
    CompromisedCredentialsRiskConfigurationType, EventSourceName, LogConfigurationType, LogLevel,
    TermsEnforcementType, TermsSourceType,
};

use crate::sdk::{exception, signed};
use crate::*;

const ARN: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_TestPool1";

#[tokio::test]
async fn tags_are_added_listed_and_removed() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    admin
        .tag_resource()
        .resource_arn(ARN)
        .tags("team", "auth")
        .tags("env", "dev")
        .send()
        .await
        .unwrap();
    admin
        .untag_resource()
        .resource_arn(ARN)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = admin
        .list_tags_for_resource()
        .resource_arn(ARN)
        .send()
        .await
        .unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags.get("team").map(String::as_str), Some("auth"));
    let other = ARN.replace("TestPool1", "NoSuchPool");
    let e = admin
        .list_tags_for_resource()
        .resource_arn(other)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ResourceNotFoundException");
}

#[tokio::test]
async fn a_domain_is_described_updated_and_deleted() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    admin
        .create_user_pool_domain()
        .user_pool_id(POOL)
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let e = admin
        .create_user_pool_domain()
        .user_pool_id(POOL2)
        .domain("my-app")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        exception(&e),
        "InvalidParameterException",
        "a name is taken once"
    );
    let d = admin
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let d = d.domain_description().unwrap();
    assert_eq!(d.user_pool_id(), Some(POOL));
    assert_eq!(d.status().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(d.managed_login_version(), Some(1));
    admin
        .update_user_pool_domain()
        .user_pool_id(POOL)
        .domain("my-app")
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    let d = admin
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.domain_description().unwrap().managed_login_version(),
        Some(2)
    );
    admin
        .delete_user_pool_domain()
        .user_pool_id(POOL)
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let d = admin
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap();
    assert!(d.domain_description().unwrap().user_pool_id().is_none());
}

#[tokio::test]
async fn ui_and_risk_configuration_come_back_as_given() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    admin
        .set_ui_customization()
        .user_pool_id(POOL)
        .css(".banner{color:red}")
        .send()
        .await
        .unwrap();
    let ui = admin
        .get_ui_customization()
        .user_pool_id(POOL)
        .client_id(CONF)
        .send()
        .await
        .unwrap();
    let ui = ui.ui_customization().unwrap();
    assert_eq!(
        ui.css(),
        Some(".banner{color:red}"),
        "the pool's style applies to each client"
    );
    let risk = CompromisedCredentialsRiskConfigurationType::builder()
        .actions(
            CompromisedCredentialsActionsType::builder()
                .event_action(CompromisedCredentialsEventActionType::Block)
                .build()
                .unwrap(),
        )
        .build();
    admin
        .set_risk_configuration()
        .user_pool_id(POOL)
        .compromised_credentials_risk_configuration(risk)
        .send()
        .await
        .unwrap();
    let r = admin
        .describe_risk_configuration()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let action = r
        .risk_configuration()
        .and_then(|r| r.compromised_credentials_risk_configuration())
        .and_then(|c| c.actions())
        .map(|a| a.event_action().as_str().to_string());
    assert_eq!(action.as_deref(), Some("BLOCK"));
}

#[tokio::test]
async fn log_delivery_comes_back_as_given() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let log = LogConfigurationType::builder()
        .log_level(LogLevel::Error)
        .event_source(EventSourceName::UserNotification)
        .build()
        .unwrap();
    admin
        .set_log_delivery_configuration()
        .user_pool_id(POOL)
        .log_configurations(log)
        .send()
        .await
        .unwrap();
    let got = admin
        .get_log_delivery_configuration()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let configs = got
        .log_delivery_configuration()
        .unwrap()
        .log_configurations();
    assert_eq!(configs.len(), 1);
    assert_eq!(configs[0].log_level().as_str(), "ERROR");
}

#[tokio::test]
async fn terms_are_kept_per_client_and_name() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let made = admin
        .create_terms()
        .user_pool_id(POOL)
        .client_id(CONF)
        .terms_name("terms-of-use")
        .terms_source(TermsSourceType::Link)
        .enforcement(TermsEnforcementType::None)
        .links("cognito:default", "https://example.com/terms")
        .send()
        .await
        .unwrap();
    let id = made.terms().unwrap().terms_id().to_string();
    let e = admin
        .create_terms()
        .user_pool_id(POOL)
        .client_id(CONF)
        .terms_name("terms-of-use")
        .terms_source(TermsSourceType::Link)
        .enforcement(TermsEnforcementType::None)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "TermsExistsException");
    let got = admin
        .describe_terms()
        .user_pool_id(POOL)
        .terms_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.terms()
            .unwrap()
            .links()
            .get("cognito:default")
            .map(String::as_str),
        Some("https://example.com/terms")
    );
    let list = admin.list_terms().user_pool_id(POOL).send().await.unwrap();
    assert_eq!(list.terms().len(), 1);
    admin
        .delete_terms()
        .user_pool_id(POOL)
        .terms_id(&id)
        .send()
        .await
        .unwrap();
    let e = admin
        .describe_terms()
        .user_pool_id(POOL)
        .terms_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ResourceNotFoundException");
}

#[tokio::test]
async fn branding_is_kept_one_style_per_client() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let b = admin
        .create_managed_login_branding()
        .user_pool_id(POOL)
        .client_id(CONF)
        .use_cognito_provided_values(true)
        .send()
        .await
        .unwrap();
    let bid = b
        .managed_login_branding()
        .unwrap()
        .managed_login_branding_id()
        .unwrap()
        .to_string();
    let by_client = admin
        .describe_managed_login_branding_by_client()
        .user_pool_id(POOL)
        .client_id(CONF)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_client
            .managed_login_branding()
            .unwrap()
            .managed_login_branding_id(),
        Some(bid.as_str())
    );
    let e = admin
        .create_managed_login_branding()
        .user_pool_id(POOL)
        .client_id(CONF)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ManagedLoginBrandingExistsException");
    admin
        .delete_managed_login_branding()
        .user_pool_id(POOL)
        .managed_login_branding_id(&bid)
        .send()
        .await
        .unwrap();
    let e = admin
        .describe_managed_login_branding()
        .user_pool_id(POOL)
        .managed_login_branding_id(&bid)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ResourceNotFoundException");
}

#[tokio::test]
async fn what_a_local_pool_does_not_offer_is_said_in_a_declared_error() {
    let t = spawn_pool().await;
    let admin = signed(&t);
    let e = admin
        .create_user_pool_replica()
        .user_pool_id(POOL)
        .region_name("eu-west-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "FeatureUnavailableInTierException");
    let e = admin
        .get_signing_certificate()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "OperationNotEnabledException");
    let replicas = admin
        .list_user_pool_replicas()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    assert!(replicas.user_pool_replicas().is_empty());
    let e = admin
        .list_user_pool_replicas()
        .user_pool_id("us-east-1_NoSuchPool")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&e), "ResourceNotFoundException");
}
