//! Federated sign-in through the hosted UI against a real OpenID provider (`upstream.rs`):
//! `identity_provider=` and the sign-in page's button send the browser there; the pool's own
//! tokens come back with `identities`, `{ProviderName}_{sub}` and the mapped attributes; bad
//! upstream ID tokens are refused; `AdminLinkProviderForUser` and `AdminDisableProviderForUser`
//! act on the next sign-in.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    IdentityProviderTypeType, ProviderUserIdentifierType,
};
use serde_json::Value;
use url::Url;

use crate::sdk::signed;
use crate::upstream::{self, browse_until, Upstream, UPSTREAM_CLIENT, UPSTREAM_SECRET};
use crate::*;

const PROVIDER: &str = "Corp";

/// A pool with the provider `Corp` configured (discovery from the upstream's issuer).
async fn pool_with_provider() -> Option<(TestPool, Upstream)> {
    let tp = spawn_pool().await;
    let up = upstream::start(&tp.url("/oauth2/idpresponse"))?;
    let details = HashMap::from([
        ("client_id".to_string(), UPSTREAM_CLIENT.to_string()),
        ("client_secret".to_string(), UPSTREAM_SECRET.to_string()),
        (
            "authorize_scopes".to_string(),
            "openid email profile".to_string(),
        ),
        ("oidc_issuer".to_string(), up.issuer.clone()),
        ("attributes_request_method".to_string(), "GET".to_string()),
    ]);
    let mapping = HashMap::from([
        ("email".to_string(), "email".to_string()),
        ("email_verified".to_string(), "email_verified".to_string()),
        ("name".to_string(), "name".to_string()),
        ("locale".to_string(), "locale".to_string()),
    ]);
    signed(&tp)
        .create_identity_provider()
        .user_pool_id(POOL)
        .provider_name(PROVIDER)
        .provider_type(IdentityProviderTypeType::Oidc)
        .set_provider_details(Some(details))
        .set_attribute_mapping(Some(mapping))
        .idp_identifiers("corp.example")
        .send()
        .await
        .expect("CreateIdentityProvider");
    Some((tp, up))
}

fn authorize_url(tp: &TestPool, extra: &[(&str, &str)]) -> String {
    let mut q = vec![
        ("client_id", CONF),
        ("response_type", "code"),
        ("redirect_uri", CB),
        ("scope", "openid email profile"),
        ("state", "app-state"),
        ("nonce", "app-nonce"),
    ];
    q.extend_from_slice(extra);
    Url::parse_with_params(&tp.url("/oauth2/authorize"), &q)
        .unwrap()
        .to_string()
}

/// Signs in at the provider as `login` from `start`, in a fresh browser; the app's callback URL.
async fn federated_callback(start: &str, login: &str) -> Url {
    browse_until(&browser(), start, login, CB).await
}

/// Redeems the app's code; the pool's ID token claims.
async fn id_claims(tp: &TestPool, callback: &Url) -> Value {
    assert_eq!(param(callback, "state").as_deref(), Some("app-state"));
    let code = param(callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
    ];
    let resp = tp.token_basic(CONF, CONF_SECRET, &form).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    claims(body["id_token"].as_str().unwrap())
}

/// An attribute value as the browser reads it (the entities the page's escaping makes).
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

fn refused(callback: &Url) -> bool {
    param(callback, "error").as_deref() == Some("invalid_request")
        && param(callback, "code").is_none()
        && param(callback, "state").as_deref() == Some("app-state")
}

fn subject(user: &str) -> ProviderUserIdentifierType {
    ProviderUserIdentifierType::builder()
        .provider_name(PROVIDER)
        .provider_attribute_name("Cognito_Subject")
        .provider_attribute_value(user)
        .build()
}

#[tokio::test]
async fn a_federated_sign_in_makes_a_user_and_the_pool_issues_its_own_tokens() {
    let Some((tp, up)) = pool_with_provider().await else {
        return;
    };
    let start = authorize_url(&tp, &[("identity_provider", PROVIDER)]);
    let first = id_claims(&tp, &federated_callback(&start, "carol").await).await;
    assert_eq!(first["cognito:username"], "Corp_carol");
    assert_eq!(first["aud"], CONF);
    assert_eq!(first["nonce"], "app-nonce");
    assert_eq!(first["email"], "carol@upstream.example");
    assert_eq!(first["email_verified"], true);
    assert_eq!(first["name"], "carol Upstream");
    assert_eq!(first["locale"], "en-GB");
    let ids = first["identities"].as_array().expect("identities");
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0]["providerName"], PROVIDER);
    assert_eq!(ids[0]["providerType"], "OIDC");
    assert_eq!(ids[0]["userId"], "carol");
    assert_eq!(ids[0]["primary"], "true");
    assert_eq!(ids[0]["issuer"], Value::Null);
    let created: i64 = ids[0]["dateCreated"].as_str().unwrap().parse().unwrap();
    assert!(created > 1_600_000_000_000, "milliseconds: {created}");
    // The sub is the pool's, not the provider's.
    assert_ne!(first["sub"], "carol");

    // The sign-in page's button, then the same user again.
    let page = browser()
        .get(tp.url("/login"))
        .query(&[
            ("client_id", CONF),
            ("response_type", "code"),
            ("redirect_uri", CB),
            ("scope", "openid email profile"),
            ("state", "app-state"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "id=\"idp-Corp\" href=\"";
    let at = page.find(marker).expect("a button for Corp") + marker.len();
    let href = unescape(&page[at..at + page[at..].find('"').unwrap()]);
    let href_url = Url::parse(&tp.url("")).unwrap().join(&href).unwrap();
    let second = id_claims(&tp, &federated_callback(href_url.as_str(), "carol").await).await;
    assert_eq!(
        second["sub"], first["sub"],
        "the second sign-in is the same user"
    );

    // The user as the admin API sees it.
    let user = signed(&tp)
        .admin_get_user()
        .user_pool_id(POOL)
        .username("Corp_carol")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status().unwrap().as_str(), "EXTERNAL_PROVIDER");
    let email = user.user_attributes().iter().find(|a| a.name() == "email");
    assert_eq!(
        email.and_then(|a| a.value()),
        Some("carol@upstream.example")
    );
    drop(up);
}

#[tokio::test]
async fn bad_upstream_id_tokens_are_refused() {
    let Some((tp, up)) = pool_with_provider().await else {
        return;
    };
    let start = authorize_url(&tp, &[("idp_identifier", "CORP.example")]);
    for mode in ["signature", "audience", "nonce"] {
        up.set_mode(mode).await;
        let cb = federated_callback(&start, "dave").await;
        assert!(refused(&cb), "{mode}: {cb}");
    }
    up.set_mode("none").await;
    let ok = id_claims(&tp, &federated_callback(&start, "dave").await).await;
    assert_eq!(ok["cognito:username"], "Corp_dave");
    // The refused attempts made no user: the first good one did.
    let users = signed(&tp)
        .list_users()
        .user_pool_id(POOL)
        .filter("username = \"Corp_mallory\"")
        .send()
        .await
        .unwrap();
    assert!(users.users().is_empty());
}

#[tokio::test]
async fn disabling_the_provider_for_a_user_stops_their_sign_in() {
    let Some((tp, _up)) = pool_with_provider().await else {
        return;
    };
    let start = authorize_url(&tp, &[("identity_provider", PROVIDER)]);
    id_claims(&tp, &federated_callback(&start, "erin").await).await;
    signed(&tp)
        .admin_disable_provider_for_user()
        .user_pool_id(POOL)
        .user(subject("erin"))
        .send()
        .await
        .unwrap();
    assert!(refused(&federated_callback(&start, "erin").await));
    // Another user of the provider still signs in.
    let other = id_claims(&tp, &federated_callback(&start, "frank").await).await;
    assert_eq!(other["cognito:username"], "Corp_frank");
}

#[tokio::test]
async fn a_linked_identity_signs_in_as_the_native_user_until_disabled() {
    let Some((tp, _up)) = pool_with_provider().await else {
        return;
    };
    let cognito_alice = ProviderUserIdentifierType::builder()
        .provider_name("Cognito")
        .provider_attribute_value(ALICE)
        .build();
    signed(&tp)
        .admin_link_provider_for_user()
        .user_pool_id(POOL)
        .destination_user(cognito_alice.clone())
        .source_user(subject("alice-at-corp"))
        .send()
        .await
        .unwrap();
    let start = authorize_url(&tp, &[("identity_provider", PROVIDER)]);
    let linked = id_claims(&tp, &federated_callback(&start, "alice-at-corp").await).await;
    assert_eq!(linked["sub"], ALICE_SUB);
    assert_eq!(
        linked["email"], ALICE,
        "a native user keeps their own attributes"
    );
    let ids = linked["identities"].as_array().unwrap();
    assert_eq!(ids[0]["userId"], "alice-at-corp");
    assert_eq!(ids[0]["primary"], "false");
    // Linking again is refused.
    let again = signed(&tp)
        .admin_link_provider_for_user()
        .user_pool_id(POOL)
        .destination_user(cognito_alice)
        .source_user(subject("alice-at-corp"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(crate::sdk::exception(&again), "AliasExistsException");
    // Unlinked: the next sign-in makes a user of its own.
    signed(&tp)
        .admin_disable_provider_for_user()
        .user_pool_id(POOL)
        .user(subject("alice-at-corp"))
        .send()
        .await
        .unwrap();
    let own = id_claims(&tp, &federated_callback(&start, "alice-at-corp").await).await;
    assert_ne!(own["sub"], ALICE_SUB);
    assert_eq!(own["cognito:username"], "Corp_alice-at-corp");
}
