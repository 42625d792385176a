//! "Sign in with a passkey" on the hosted UI: offered only by a pool with a relying party (the
//! button, the script file, a CSP that allows that script and nothing inline), and the
//! script's two requests made here as it makes them, with 1Password's authenticator signing:
//! the options, then the assertion posted with the form, ending in the app's callback.

use aws_sdk_cognitoidentityprovider::types::{UserVerificationType, WebAuthnConfigurationType};
use serde_json::Value;

use crate::api_webauthn::{access_token, enrol};
use crate::passkeys::SoftPasskey;
use crate::sdk::signed;
use crate::*;

const PARAMS: [(&str, &str); 5] = [
    ("response_type", "code"),
    ("client_id", PUBLIC),
    ("redirect_uri", CB),
    ("scope", "openid email"),
    ("state", "passkey-state"),
];

/// The sign-in page: its CSP and HTML.
async fn login_page(t: &TestPool) -> (String, String) {
    let r = t
        .http
        .get(t.url("/login"))
        .query(&PARAMS)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    (csp, r.text().await.unwrap())
}

/// The sign-in form's fields as the script posts them: the OAuth fields, the e-mail, the
/// page's anti-CSRF token, and `extra`.
fn form(html: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = PARAMS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    f.push(("username".into(), ALICE.into()));
    f.push(("_csrf".into(), csrf_field(html)));
    f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    f
}

/// The script file: JavaScript, calling WebAuthn.
async fn check_script(t: &TestPool) {
    let js = t.http.get(t.url("/passkey.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    let kind = js.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/javascript"), "{kind}");
    assert!(js
        .text()
        .await
        .unwrap()
        .contains("navigator.credentials.get"));
}

#[tokio::test]
async fn the_sign_in_page_signs_in_with_a_passkey() {
    let t = spawn_pool().await;
    let (csp, html) = login_page(&t).await;
    assert!(!csp.contains("script-src"), "{csp}");
    assert!(!html.contains("passkey.js") && !html.contains("id=\"passkey\""));

    signed(&t)
        .set_user_pool_mfa_config()
        .user_pool_id(POOL)
        .web_authn_configuration(
            WebAuthnConfigurationType::builder()
                .relying_party_id("localhost")
                .user_verification(UserVerificationType::Preferred)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Alice registers a passkey on a page of the pool's own origin.
    let origin = t.url("");
    let mut key = SoftPasskey::new(&origin);
    let token = access_token(&t, PUBLIC, ALICE).await;
    enrol(&t, &token, &mut key).await.unwrap();

    let (csp, html) = login_page(&t).await;
    // Scripts of the pool's own origin only: none inline.
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"));
    assert_eq!(script_src, Some("script-src 'self'"), "{csp}");
    assert!(html.contains("id=\"passkey\"") && html.contains("/passkey.js\" defer"));
    assert!(!html.contains("<script>"), "no inline script");
    check_script(&t).await;

    // The script's first request: the options for Alice's passkeys.
    let r = t
        .http
        .post(t.url("/login/passkey/options"))
        .form(&form(&html, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let options: Value = r.json().await.unwrap();
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(options["allowCredentials"].as_array().unwrap().len(), 1);
    // Its second: the assertion, posted with the form.
    let credential = key.sign(&options.to_string()).await;
    let r = t
        .http
        .post(t.url("/login/passkey"))
        .form(&form(&html, &[("credential", &credential)]))
        .send()
        .await
        .unwrap();
    let cb = location(&r);
    assert!(cb.as_str().starts_with(CB), "{cb}");
    assert!(param(&cb, "code").is_some());
    assert_eq!(param(&cb, "state").as_deref(), Some("passkey-state"));

    // The same assertion again: the pending step is used.
    let r = t
        .http
        .post(t.url("/login/passkey"))
        .form(&form(&html, &[("credential", &credential)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("session is expired"));
}

#[tokio::test]
async fn the_passkey_requests_need_the_forms_token_and_a_relying_party() {
    let t = spawn_pool().await;
    let (_, html) = login_page(&t).await;
    // No relying party: the options are refused (404 JSON the script shows).
    let r = t
        .http
        .post(t.url("/login/passkey/options"))
        .form(&form(&html, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.json::<Value>().await.unwrap()["message"].is_string());
    // Without this browser's anti-CSRF token: 403, nothing done.
    let mut no_token = form(&html, &[]);
    no_token.retain(|(k, _)| k != "_csrf");
    let r = t
        .http
        .post(t.url("/login/passkey/options"))
        .form(&no_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // An assertion with no pending step is refused on the sign-in page.
    let r = t
        .http
        .post(t.url("/login/passkey"))
        .form(&form(&html, &[("credential", "{}")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("session is expired"));
}
