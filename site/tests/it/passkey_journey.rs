//! Passkeys on the site's own pages, in headless Chromium with a WebDriver virtual authenticator
//! (CTAP2, built in, resident keys, user verification): a new user signs up on the site's page
//! (confirmed with the e-mailed code) and signs in with the password,
//! adds a passkey on /account/passkeys, signs out, signs in with the passkey alone (the address and
//! the authenticator, no password), sees it listed; the same assertion replayed is refused; a
//! device without the passkey gets "the prompt was closed" and posts nothing; back in with the
//! password, the passkey is deleted, and then there is no passkey for that address. The embedded pool's relying party is `localhost`, the site's host
//! (`http://localhost` is a secure context). Each step is screenshotted
//! (target/e2e-screenshots/passkey-*.png).

use axum::http::Method;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use url::{ParseError, Url};

use crate::browser::{
    browser, expect_path, expect_text, fill, path, shot, start_driver, submit, text,
};
use crate::form_journey::{home_sign_in, outbox_code, sign_out, source_is_clean};
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
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
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

/// Keeps what the page's script posts to the passkey answer endpoint in `sessionStorage`
/// (`answer`), across the navigation that follows: the replay step reuses it.
async fn record_answers(c: &Client) -> Result<(), fantoccini::error::CmdError> {
    c.execute(
        "sessionStorage.removeItem('answer');\
         const send = window.fetch;\
         window.fetch = function (url, init) {\
           if (/\\/passkey\\/signin$/.test(String(url))) sessionStorage.setItem('answer', String(init.body));\
           return send.apply(this, arguments);\
         };",
        vec![],
    )
    .await?;
    Ok(())
}

/// What the script posted to the answer endpoint since [`record_answers`], if anything.
async fn recorded_answer(c: &Client) -> Option<String> {
    let v = c
        .execute("return sessionStorage.getItem('answer');", vec![])
        .await
        .unwrap();
    v.as_str().map(str::to_string)
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
    let credential = result.unwrap();
    // The capture holds the passkey steps' lines (and the replay's refusal); none of them, nor any
    // other line but the pool's own, carries the password or the browser's assertion.
    let text = log.text();
    assert!(
        text.contains("passkeys page: a passkey was added"),
        "the capture holds the steps"
    );
    assert!(
        text.contains("passkey sign-in refused by Cognito"),
        "the replay is logged"
    );
    let assertion: Value = serde_json::from_str(&credential).unwrap();
    let signature = assertion["response"]["signature"].as_str().unwrap();
    let client_data = assertion["response"]["clientDataJSON"].as_str().unwrap();
    for line in text.lines().filter(|l| !l.contains(" userpool::")) {
        for secret in [PASSWORD, signature, client_data] {
            assert!(
                !crate::support::log::shows(line, secret),
                "a secret in a log line: {line}"
            );
        }
    }
}

/// The user who signs up in this journey.
const EMAIL: &str = "passkey.user@example.com";
const PASSWORD: &str = "Passkey-Journey-9!";

/// Signs up on the site's page and confirms with the e-mailed code.
async fn sign_up(c: &Client, site: &TestSite) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&site.at("/account/signup")).await?;
    fill(c, "username", EMAIL).await;
    fill(c, "name", "Passkey User").await;
    fill(c, "password", PASSWORD).await;
    submit(c, "/api/auth/cognito/signup").await;
    expect_path(c, "/account/confirm").await;
    let code = outbox_code(site, EMAIL, "confirm").await;
    fill(c, "code", &code).await;
    submit(c, "/api/auth/cognito/confirm").await;
    expect_text(c, "Your account is confirmed").await;
    shot(c, "passkey-00-signed-up").await;
    Ok(())
}

/// The journey; returns the assertion the script posted (for the log check).
async fn journey(c: &Client, site: &TestSite) -> Result<String, fantoccini::error::CmdError> {
    sign_up(c, site).await?;
    let authenticator = add_authenticator(c).await;
    let credential = add_and_sign_in(c, site, &authenticator).await?;
    refusals(c, site, &authenticator, &credential).await?;
    delete(c, site).await?;
    Ok(credential)
}

/// Adds a passkey (signed in with the password), signs out and signs in with it: the assertion the
/// script posted.
async fn add_and_sign_in(
    c: &Client,
    site: &TestSite,
    authenticator: &str,
) -> Result<String, fantoccini::error::CmdError> {
    let (email, password) = (EMAIL, PASSWORD);

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
    assert_eq!(
        held(c, authenticator).await.len(),
        1,
        "the authenticator holds it"
    );
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
    record_answers(c).await?;
    press_passkey(c, "signin").await?;
    expect_path(c, "/").await;
    expect_text(c, "Welcome, Passkey User").await;
    shot(c, "passkey-05-signed-in-with-passkey").await;
    let answer = recorded_answer(c)
        .await
        .expect("the script posted the assertion");
    let credential = url::form_urlencoded::parse(answer.as_bytes())
        .find(|(k, _)| k == "credential")
        .map(|(_, v)| v.into_owned())
        .expect("the answer carries the credential");
    assert!(credential.contains("\"authenticatorData\""), "{credential}");
    // The same session as any form sign-in: the protected page, the account links.
    c.goto(&site.at("/protected")).await?;
    expect_text(c, "Signed in as").await;
    c.goto(&site.at("/")).await?;
    assert!(c.find(Locator::Id("two-step")).await.is_ok());

    // Listed.
    c.find(Locator::Id("passkeys")).await?.click().await?;
    expect_path(c, "/account/passkeys").await;
    assert_eq!(c.find_all(Locator::Css("li.passkey")).await?.len(), 1);
    shot(c, "passkey-06-listed").await;

    Ok(credential)
}

/// Signed out: the assertion replayed is refused; a device without the passkey posts nothing.
async fn refusals(
    c: &Client,
    site: &TestSite,
    authenticator: &str,
    credential: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let email = EMAIL;
    // Signed out, the same assertion posted again (to a fresh passkey step) is refused.
    sign_out(c, site).await;
    c.goto(&site.at("/account/signin")).await?;
    let replay = c
        .execute_async(
            "const [credential, email, done] = arguments;\
             const form = document.querySelector('form[data-passkey]');\
             const post = (url, fields) => fetch(url, { method: 'POST', credentials: 'same-origin',\
               body: new URLSearchParams(Object.assign({ csrfToken: form.elements.csrfToken.value }, fields)) })\
               .then(r => r.json().then(json => ({ status: r.status, json })));\
             post(form.dataset.optionsUrl, { username: email })\
               .then(() => post(form.dataset.finishUrl, { credential }))\
               .then(done, e => done(String(e)));",
            vec![json!(credential), json!(email)],
        )
        .await?;
    assert_eq!(replay["status"], 401, "{replay}");
    let refused = replay["json"]["url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        refused.ends_with("/account/signin?error=passkey-refused"),
        "{replay}"
    );
    c.goto(&refused).await?;
    expect_text(c, "That passkey was not accepted").await;
    shot(c, "passkey-07-replay-refused").await;

    // A device without the passkey: the browser's prompt fails, the page says so, nothing is posted.
    c.issue_cmd(WebAuthnCmd {
        method: Method::DELETE,
        path: format!("authenticator/{authenticator}/credentials"),
        body: None,
    })
    .await?;
    assert!(held(c, authenticator).await.is_empty());
    c.goto(&site.at("/account/signin")).await?;
    fill(c, "username", email).await;
    record_answers(c).await?;
    press_passkey(c, "signin").await?;
    expect_text(c, "The passkey prompt was closed, so nothing was sent").await;
    assert_eq!(path(c).await, "/account/signin");
    assert_eq!(recorded_answer(c).await, None, "nothing was posted");
    shot(c, "passkey-08-prompt-closed").await;

    Ok(())
}

/// Back in with the password, the passkey is deleted; then the address has none.
async fn delete(c: &Client, site: &TestSite) -> Result<(), fantoccini::error::CmdError> {
    let (email, password) = (EMAIL, PASSWORD);
    // Back in with the password, the passkey is deleted.
    home_sign_in(c, site, email, password).await;
    expect_path(c, "/protected").await;
    c.goto(&site.at("/account/passkeys")).await?;
    c.find(Locator::Css("li.passkey button[type=submit]"))
        .await?
        .click()
        .await?;
    expect_text(c, "That passkey is removed").await;
    expect_text(c, "No passkeys yet").await;
    shot(c, "passkey-09-deleted").await;

    // Signed out, the address has no passkey any more: the page says so before any prompt.
    sign_out(c, site).await;
    c.goto(&site.at("/account/signin")).await?;
    fill(c, "username", email).await;
    press_passkey(c, "signin").await?;
    expect_text(c, "There is no passkey for that address").await;
    expect_path(c, "/account/signin").await;
    shot(c, "passkey-10-no-passkey").await;
    Ok(())
}
