//! Passkeys on the site's own pages, in headless Chromium with a WebDriver virtual authenticator
//! (CTAP2, built in, resident keys, user verification): the demo user signs in with the password,
//! adds a passkey on /account/passkeys, signs out, signs in with the passkey alone (the address and
//! the authenticator, no password), sees it listed, deletes it, and is then told there is no
//! passkey for that address. The embedded pool's relying party is `localhost`, the site's host
//! (`http://localhost` is a secure context). Each step is screenshotted
//! (target/e2e-screenshots/passkey-*.png).

use axum::http::Method;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use url::{ParseError, Url};

use crate::browser::{browser, expect_path, expect_text, fill, shot, start_driver, text};
use crate::form_journey::{home_sign_in, sign_out, source_is_clean};
use crate::support::log::capture;
use crate::support::{spawn_site_with, TestSite, SECRET};

/// A WebDriver WebAuthn extension command on the session (`/session/{id}/webauthn/…`).
#[derive(Debug)]
struct WebAuthnCmd {
    method: Method,
    path: String,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for WebAuthnCmd {
    fn endpoint(&self, base: &Url, session: Option<&str>) -> Result<Url, ParseError> {
        let session = session.unwrap_or_default();
        base.join(&format!("session/{session}/webauthn/{}", self.path))
    }

    fn method_and_body(&self, _: &Url) -> (Method, Option<String>) {
        (self.method.clone(), self.body.as_ref().map(Value::to_string))
    }
}

/// Adds a platform authenticator that holds passkeys and verifies its user: its id.
async fn add_authenticator(c: &Client) -> String {
    let options = json!({
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": true,
        "hasUserVerification": true,
        "isUserVerified": true,
    });
    let id = c
        .issue_cmd(WebAuthnCmd {
            method: Method::POST,
            path: "authenticator".into(),
            body: Some(options),
        })
        .await
        .expect("chromedriver adds a virtual authenticator");
    id.as_str().expect("the authenticator's id").to_string()
}

/// The credentials the virtual authenticator holds.
async fn held(c: &Client, authenticator: &str) -> Vec<Value> {
    let list = c
        .issue_cmd(WebAuthnCmd {
            method: Method::GET,
            path: format!("authenticator/{authenticator}/credentials"),
            body: None,
        })
        .await
        .unwrap();
    list.as_array().cloned().unwrap_or_default()
}

/// Clicks the passkey form's button (`form[data-passkey=mode]`).
async fn press_passkey(c: &Client, mode: &str) -> Result<(), fantoccini::error::CmdError> {
    c.find(Locator::Css(&format!(
        "form[data-passkey='{mode}'] button[type=submit]"
    )))
    .await?
    .click()
    .await
}

#[tokio::test]
async fn the_passkey_journey_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let log = capture();
    let mut settings = hallpass_site::Settings::for_tests(SECRET);
    settings.passkeys = true;
    let site = spawn_site_with(settings).await;
    let c = browser(&driver).await;
    let result = journey(&c, &site).await;
    let _ = c.close().await;
    result.unwrap();
    // The password typed is in no line outside the pool's own; the passkey steps were logged.
    log.assert_none_outside_the_pool(&[userpool::DEMO_USER_PASSWORD]);
    let text = log.text();
    assert!(text.contains("passkeys page: a passkey was added"), "the capture holds the steps");
}

async fn journey(c: &Client, site: &TestSite) -> Result<(), fantoccini::error::CmdError> {
    let (email, password) = (userpool::DEMO_USER_EMAIL, userpool::DEMO_USER_PASSWORD);
    let authenticator = add_authenticator(c).await;

    // Signed in with the password, the home page links to the passkeys page: none yet.
    home_sign_in(c, site, email, password).await;
    expect_path(c, "/protected").await;
    c.goto(&site.at("/")).await?;
    c.find(Locator::Id("passkeys")).await?.click().await?;
    expect_path(c, "/account/passkeys").await;
    expect_text(c, "No passkeys yet").await;
    shot(c, "passkey-01-none-yet").await;

    // Add one: the script asks for Cognito's creation options, the authenticator makes the
    // passkey, the pool checks it; the page says so and lists it.
    press_passkey(c, "add").await?;
    expect_text(c, "Your passkey is added").await;
    assert_eq!(held(c, &authenticator).await.len(), 1, "the authenticator holds it");
    let rows = c.find_all(Locator::Css("li.passkey")).await?;
    assert_eq!(rows.len(), 1, "{}", text(c).await);
    let row = rows[0].text().await?;
    assert!(row.contains("added 20"), "{row}");
    source_is_clean(c, &[password]).await;
    shot(c, "passkey-02-added").await;

    // Sign out; sign in with the address and the passkey, no password.
    sign_out(c, site).await;
    shot(c, "passkey-03-signed-out").await;
    c.goto(&site.at("/account/signin")).await?;
    expect_text(c, "Sign in with a passkey").await;
    fill(c, "username", email).await;
    shot(c, "passkey-04-sign-in-page").await;
    press_passkey(c, "signin").await?;
    expect_path(c, "/").await;
    expect_text(c, "Welcome, Demo User").await;
    shot(c, "passkey-05-signed-in-with-passkey").await;
    // The same session as any form sign-in: the protected page, the account links.
    c.goto(&site.at("/protected")).await?;
    expect_text(c, "Signed in as").await;
    c.goto(&site.at("/")).await?;
    assert!(c.find(Locator::Id("two-step")).await.is_ok());

    // Listed, then deleted.
    c.find(Locator::Id("passkeys")).await?.click().await?;
    expect_path(c, "/account/passkeys").await;
    assert_eq!(c.find_all(Locator::Css("li.passkey")).await?.len(), 1);
    shot(c, "passkey-06-listed").await;
    c.find(Locator::Css("li.passkey button[type=submit]"))
        .await?
        .click()
        .await?;
    expect_text(c, "That passkey is removed").await;
    expect_text(c, "No passkeys yet").await;
    shot(c, "passkey-07-deleted").await;

    // Signed out, the passkey the device still holds no longer signs in.
    sign_out(c, site).await;
    c.goto(&site.at("/account/signin")).await?;
    fill(c, "username", email).await;
    press_passkey(c, "signin").await?;
    expect_text(c, "There is no passkey for that address").await;
    expect_path(c, "/account/signin").await;
    shot(c, "passkey-08-no-passkey").await;
    Ok(())
}
