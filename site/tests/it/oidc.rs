//! The site with a generic OpenID Connect provider configured only through `AUTH_OIDC_*` (passed as
//! a variable map, so no test touches the process environment), against `support::oidc`, a
//! provider that is not the user pool: no embedded pool starts, and the sign-in goes through.

use std::collections::HashMap;

use hallpass_site::{Settings, Site};
use serde_json::Value;

use crate::support::oidc::{self, MockOidc};
use crate::support::{browser_client, form, get, submit, SECRET};

#[tokio::test]
async fn the_site_signs_in_with_a_generic_openid_provider_from_auth_oidc_vars() {
    let idp = MockOidc::start().await;
    let vars: HashMap<&str, String> = HashMap::from([
        ("AUTH_OIDC_ISSUER", idp.issuer.to_string()),
        ("AUTH_OIDC_CLIENT_ID", oidc::CLIENT_ID.to_string()),
        ("AUTH_OIDC_CLIENT_SECRET", oidc::CLIENT_SECRET.to_string()),
        ("AUTH_OIDC_NAME", "Test OpenID".to_string()),
        ("AUTH_OIDC_USERINFO", "true".to_string()),
        ("AUTH_SECRET", SECRET.to_string()),
        ("PORT", "0".to_string()),
    ]);
    let settings = Settings::from_vars(|k| vars.get(k).cloned()).expect("valid settings");
    assert!(!settings.uses_embedded_pool());
    let site = Site::start(settings).await.expect("site starts");
    assert!(
        site.pool.is_none(),
        "no embedded pool beside an OpenID provider"
    );
    let (site_url, _) = site.spawn();
    let at = |p: &str| site_url.join(p).unwrap().to_string();

    let client = browser_client();
    let (url, _, home) = get(&client, &at("/")).await;
    assert!(
        !home.contains("/api/auth/signin/cognito"),
        "only the OpenID provider"
    );
    let (url, status, page) = submit(&client, &form(&home, &url, "/api/auth/signin/oidc")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        url.as_str(),
        at("/protected"),
        "signed in and on the protected page"
    );
    assert!(page.contains(oidc::USER_NAME), "{page}");

    let session: Value = client
        .get(at("/api/auth/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["name"], oidc::USER_NAME);
    assert_eq!(
        session["user"]["email"],
        oidc::USERINFO_EMAIL,
        "AUTH_OIDC_USERINFO=true merged the userinfo claims"
    );
    assert_eq!(idp.userinfo_calls(), 1);
}

#[tokio::test]
async fn without_the_userinfo_variable_userinfo_is_not_called() {
    let idp = MockOidc::start().await;
    let vars: HashMap<&str, String> = HashMap::from([
        ("AUTH_OIDC_ISSUER", idp.issuer.to_string()),
        ("AUTH_OIDC_CLIENT_ID", oidc::CLIENT_ID.to_string()),
        ("AUTH_OIDC_CLIENT_SECRET", oidc::CLIENT_SECRET.to_string()),
        ("AUTH_SECRET", SECRET.to_string()),
        ("PORT", "0".to_string()),
    ]);
    let settings = Settings::from_vars(|k| vars.get(k).cloned()).unwrap();
    let (site_url, _) = Site::start(settings).await.unwrap().spawn();
    let client = browser_client();
    let (url, _, home) = get(&client, site_url.as_str()).await;
    let (url, _, _) = submit(&client, &form(&home, &url, "/api/auth/signin/oidc")).await;
    assert_eq!(url.path(), "/protected");
    let session: Value = client
        .get(site_url.join("/api/auth/session").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["name"], oidc::USER_NAME);
    assert!(session["user"].get("email").is_none_or(Value::is_null));
    assert_eq!(idp.userinfo_calls(), 0);
}
