//! The Cognito form sign-in on the site's own pages, in headless Chromium, against the embedded
//! pool's JSON API only: sign-up → confirm with the code from the pool's outbox (`/_outbox.json`) →
//! signed in on /protected; sign-out; SRP sign-in; a wrong password; an unconfirmed user sent to
//! confirm; forgot and reset; an admin-created user choosing a new password; a sign-in with an
//! e-mail code and no password; TOTP set-up and a TOTP sign-in. Every step is screenshotted
//! (target/e2e-screenshots/form-*.png), and no page source carries a password, code or token.

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::browser::{browser, expect_path, expect_text, fill, shot, start_driver, submit, text};
use crate::support::log::capture;
use crate::support::{spawn_site, TestSite};

const PASSWORD: &str = "F0rm-User-Passw0rd!";

/// The newest code of `kind` the pool sent `to`, read as a person would: from the outbox page's JSON.
pub(crate) async fn outbox_code(site: &TestSite, to: &str, kind: &str) -> String {
    let url = site.pool.base_url().join("/_outbox.json").unwrap();
    let body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["to"] == to && m["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} message for {to}: {body}"))["code_or_password"]
        .as_str()
        .unwrap()
        .to_string()
}

/// An admin call on the pool's JSON API. The local pool accepts any SigV4-shaped signature (it
/// checks no AWS credentials), so the header only has to look like one.
async fn admin(site: &TestSite, op: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(site.pool.base_url())
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{op}"))
        .header("authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "{op}: {}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

/// The page source must not carry any of `secrets`.
pub(crate) async fn source_is_clean(c: &Client, secrets: &[&str]) {
    let html = c.source().await.unwrap();
    for s in secrets {
        assert!(
            !html.contains(s),
            "a secret in the page source of {}",
            c.current_url().await.unwrap()
        );
    }
}

pub(crate) async fn sign_out(c: &Client, site: &TestSite) {
    c.goto(&site.at("/")).await.unwrap();
    c.find(Locator::Id("sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(c, "Example Hallpass sign-in").await;
}

/// Signs in on the home page's form.
pub(crate) async fn home_sign_in(c: &Client, site: &TestSite, email: &str, password: &str) {
    c.goto(&site.at("/")).await.unwrap();
    fill(c, "home-username", email).await;
    fill(c, "home-password", password).await;
    submit(c, "/api/auth/cognito/signin").await;
}

#[tokio::test]
async fn the_form_sign_in_journey_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let log = capture();
    let site = spawn_site().await;
    let c = browser(&driver).await;
    let result = journey(&c, &site).await;
    let _ = c.close().await;
    let secrets = result.unwrap();
    // Every password typed and every code read from the outbox: in no line of Hallpass's or the
    // site's log (the pool's own log lists the codes it "sent", on purpose).
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert!(secrets.len() >= 8, "the journey collected its secrets");
    log.assert_none_outside_the_pool(&secrets);
}

/// The journey; returns every password typed and code entered, for the log check.
async fn journey(c: &Client, site: &TestSite) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let email = "form.user@example.com";
    let mut secrets: Vec<String> = vec![PASSWORD.into(), userpool::DEMO_USER_PASSWORD.into()];
    // Home: the hosted UI's button and the site's own form.
    c.goto(&site.at("/")).await?;
    let page = text(c).await;
    assert!(
        page.contains("Sign in with Cognito") && page.contains("or sign in here"),
        "{page}"
    );
    shot(c, "form-01-home").await;
    // Hallpass's own sign-in page offers the hosted UI and the form too (in Hallpass's look).
    c.goto(&site.at("/api/auth/signin")).await?;
    let page = text(c).await;
    assert!(
        page.contains("Sign in with Cognito")
            && page.contains("Password")
            && page.contains("Forgot your password?"),
        "{page}"
    );
    shot(c, "form-01b-built-in-sign-in").await;
    c.goto(&site.at("/")).await?;

    // Sign up on the site's page; the rules are shown.
    c.find(Locator::LinkText("Create an account"))
        .await?
        .click()
        .await?;
    expect_path(c, "/account/signup").await;
    assert!(text(c).await.contains("At least 8 characters"));
    fill(c, "username", email).await;
    fill(c, "name", "Form User").await;
    fill(c, "password", PASSWORD).await;
    shot(c, "form-02-signup").await;
    submit(c, "/api/auth/cognito/signup").await;
    expect_path(c, "/account/confirm").await;
    expect_text(c, "Check your e-mail").await;
    shot(c, "form-03-confirm").await;
    let code = outbox_code(site, email, "confirm").await;
    secrets.push(code.clone());
    fill(c, "code", &code).await;
    submit(c, "/api/auth/cognito/confirm").await;
    expect_path(c, "/account/signin").await;
    expect_text(c, "Your account is confirmed").await;
    shot(c, "form-04-confirmed").await;
    source_is_clean(c, &[PASSWORD, &code]).await;

    // Sign in (SRP) on the site's sign-in page, then the protected page.
    fill(c, "username", email).await;
    fill(c, "password", PASSWORD).await;
    submit(c, "/api/auth/cognito/signin").await;
    expect_path(c, "/").await;
    c.goto(&site.at("/protected")).await?;
    expect_path(c, "/protected").await;
    assert!(text(c).await.contains("Form User"));
    shot(c, "form-05-protected").await;
    source_is_clean(c, &[PASSWORD]).await;

    // Sign out, then a wrong password on the home page's form.
    sign_out(c, site).await;
    shot(c, "form-06-signed-out").await;
    secrets.push("Wr0ng-Password!".into());
    home_sign_in(c, site, email, "Wr0ng-Password!").await;
    expect_path(c, "/account/signin").await;
    expect_text(c, "Incorrect email or password.").await;
    shot(c, "form-07-wrong-password").await;

    // SRP sign-in from the home page lands on /protected (its callback URL).
    home_sign_in(
        c,
        site,
        userpool::DEMO_USER_EMAIL,
        userpool::DEMO_USER_PASSWORD,
    )
    .await;
    expect_path(c, "/protected").await;
    assert!(text(c).await.contains("Demo User"));
    shot(c, "form-08-srp-protected").await;
    sign_out(c, site).await;

    // An unconfirmed user is sent to confirm (a fresh code is sent).
    let unconfirmed = "later@example.com";
    c.goto(&site.at("/account/signup")).await?;
    fill(c, "username", unconfirmed).await;
    fill(c, "password", PASSWORD).await;
    submit(c, "/api/auth/cognito/signup").await;
    expect_path(c, "/account/confirm").await;
    home_sign_in(c, site, unconfirmed, PASSWORD).await;
    expect_path(c, "/account/confirm").await;
    expect_text(c, "Check your e-mail").await;
    shot(c, "form-09-unconfirmed-to-confirm").await;

    // Forgot and reset.
    c.goto(&site.at("/account/forgot")).await?;
    fill(c, "username", email).await;
    shot(c, "form-10-forgot").await;
    submit(c, "/api/auth/cognito/forgot").await;
    expect_path(c, "/account/reset").await;
    let code = outbox_code(site, email, "reset").await;
    secrets.push(code.clone());
    let new_password = "N3w-Form-Passw0rd!";
    secrets.push(new_password.into());
    fill(c, "code", &code).await;
    fill(c, "password", new_password).await;
    shot(c, "form-11-reset").await;
    submit(c, "/api/auth/cognito/reset").await;
    expect_path(c, "/account/signin").await;
    expect_text(c, "Your password was changed").await;
    home_sign_in(c, site, email, new_password).await;
    expect_path(c, "/protected").await;
    sign_out(c, site).await;

    // An admin-created user with a temporary password chooses a new one.
    let admin_made = "made.by.admin@example.com";
    let temporary = "Temp0rary-Pass!";
    secrets.extend([temporary.into(), "Ch0sen-Passw0rd!".into()]);
    admin(site, "AdminCreateUser", json!({
        "UserPoolId": userpool::DEMO_POOL_ID, "Username": admin_made, "TemporaryPassword": temporary,
        "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": admin_made}, {"Name": "email_verified", "Value": "true"}]
    })).await;
    home_sign_in(c, site, admin_made, temporary).await;
    expect_path(c, "/account/challenge").await;
    expect_text(c, "Choose a new password").await;
    shot(c, "form-12-new-password").await;
    source_is_clean(c, &[temporary]).await;
    fill(c, "password", "Ch0sen-Passw0rd!").await;
    submit(c, "/api/auth/cognito/challenge").await;
    expect_path(c, "/protected").await;
    sign_out(c, site).await;

    // A sign-in without a password: a code e-mailed by the pool, read from its outbox.
    c.goto(&site.at("/account/signin")).await?;
    fill(c, "extra-1-username", admin_made).await;
    submit(c, "/api/auth/cognito/code-signin").await;
    expect_path(c, "/account/challenge").await;
    expect_text(c, "Enter the code we e-mailed you").await;
    shot(c, "form-12b-email-code").await;
    let code = outbox_code(site, admin_made, "email_otp").await;
    secrets.push(code.clone());
    source_is_clean(c, &[&code]).await;
    fill(c, "code", &code).await;
    submit(c, "/api/auth/cognito/challenge").await;
    // Started from the sign-in page itself, so it lands home, signed in.
    expect_text(c, "You are signed in as made.by.admin@example.com").await;
    shot(c, "form-12c-email-code-signed-in").await;
    source_is_clean(c, &[&code]).await;
    sign_out(c, site).await;

    // TOTP: with MFA required, the next sign-in sets up an authenticator, then asks for its code.
    admin(
        site,
        "SetUserPoolMfaConfig",
        json!({
            "UserPoolId": userpool::DEMO_POOL_ID, "MfaConfiguration": "ON",
            "SoftwareTokenMfaConfiguration": {"Enabled": true}
        }),
    )
    .await;
    home_sign_in(c, site, email, new_password).await;
    expect_path(c, "/account/challenge").await;
    expect_text(c, "Set up your authenticator app").await;
    assert!(
        c.find(Locator::Css(".qr svg")).await.is_ok(),
        "the QR code is on the page"
    );
    shot(c, "form-13-totp-setup").await;
    let secret = c.find(Locator::Id("totp-secret")).await?.text().await?;
    // Shown in groups of four, as authenticator apps take it.
    let secret = userpool::totp::TotpSecret::from_base32(&secret.replace(' ', ""))
        .expect("a base32 secret on the page");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let setup_code = secret.code_at(now);
    secrets.push(setup_code.clone());
    fill(c, "code", &setup_code).await;
    submit(c, "/api/auth/cognito/challenge").await;
    expect_path(c, "/protected").await;
    sign_out(c, site).await;
    home_sign_in(c, site, email, new_password).await;
    expect_path(c, "/account/challenge").await;
    expect_text(c, "Enter your authenticator code").await;
    shot(c, "form-14-totp-sign-in").await;
    // The set-up used this step's code; the next step's is accepted (one step of drift).
    let code = secret.code_at(now + 30);
    secrets.push(code.clone());
    fill(c, "code", &code).await;
    submit(c, "/api/auth/cognito/challenge").await;
    expect_path(c, "/protected").await;
    source_is_clean(c, &[&code, new_password]).await;
    shot(c, "form-15-totp-protected").await;
    Ok(secrets)
}
