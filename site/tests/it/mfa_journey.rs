//! The MFA page in headless Chromium: a signed-in user of the site's own form sets up an
//! authenticator app on /account/mfa (the key read off the page, in groups of four, its codes
//! computed here as the app would), sees it on, signs out, signs in with a code of it, and turns it
//! off. Each page is screenshotted at 1280×900 and 390×844 (target/e2e-screenshots/mfa-*.png).

use fantoccini::{Client, Locator};

use crate::browser::{browser, expect_path, expect_text, fill, shot, start_driver, text};
use crate::form_journey::{home_sign_in, sign_out, source_is_clean};
use crate::support::log::{capture, shows};
use crate::support::{spawn_site, TestSite};

/// Clicks the button of the form posting to exactly `{base}/cognito/{action}` (the page has
/// `mfa`, `mfa-setup`, `mfa-prefer` and `mfa-off` forms).
async fn press(c: &Client, action: &str) -> Result<(), fantoccini::error::CmdError> {
    c.find(Locator::Css(&format!(
        "form[action$='/api/auth/cognito/{action}'] button[type=submit]"
    )))
    .await?
    .click()
    .await
}

/// The page at a desktop's and a phone's size, then back to the desktop's.
async fn shots(c: &Client, name: &str) -> Result<(), fantoccini::error::CmdError> {
    for (w, h, size) in [(390, 844, "phone"), (1280, 900, "wide")] {
        c.set_window_size(w, h).await?;
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        shot(c, &format!("{name}-{size}")).await;
    }
    Ok(())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn the_mfa_page_journey_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let log = capture();
    let site = spawn_site().await;
    let c = browser(&driver).await;
    let result = journey(&c, &site).await;
    let _ = c.close().await;
    let secrets = result.unwrap();
    // No password or code in any line but the pool's own. (The pool logs only the codes it
    // e-mails, none of these: the proof that the capture sees the MFA page's lines is its own.)
    let text = log.text();
    assert!(
        text.contains("MFA page: an authenticator app was set up"),
        "the capture holds the MFA page's lines"
    );
    for line in text.lines().filter(|l| !l.contains(" userpool::")) {
        for s in &secrets {
            assert!(!shows(line, s), "a secret in a log line: {line}");
        }
    }
}

async fn journey(c: &Client, site: &TestSite) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let (email, password) = (userpool::DEMO_USER_EMAIL, userpool::DEMO_USER_PASSWORD);
    let mut secrets = vec![password.to_string()];
    // Signed out, the MFA page sends the browser to sign in, and back after.
    c.goto(&site.at("/account/mfa")).await?;
    expect_path(c, "/account/signin").await;
    expect_text(c, "Please sign in again").await;
    fill(c, "username", email).await;
    fill(c, "password", password).await;
    press(c, "signin").await?;
    expect_path(c, "/account/mfa").await;
    expect_text(c, "Two-step sign-in").await;
    shots(c, "mfa-01-off").await?;
    let page = text(c).await;
    assert!(
        page.contains("Authenticator app") && page.contains("Off"),
        "{page}"
    );

    // From home, the link; then the set-up.
    c.goto(&site.at("/")).await?;
    c.find(Locator::Id("two-step")).await?.click().await?;
    expect_path(c, "/account/mfa").await;
    press(c, "mfa-setup").await?;
    expect_text(c, "Set up your authenticator app").await;
    assert!(c.find(Locator::Css(".qr svg")).await.is_ok(), "a QR code");
    let uri = c
        .find(Locator::Css(".qr a"))
        .await?
        .attr("href")
        .await?
        .unwrap_or_default();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    shots(c, "mfa-02-setup").await?;
    let shown = c.find(Locator::Id("totp-secret")).await?.text().await?;
    assert!(
        shown.split(' ').count() >= 8 && shown.split(' ').all(|g| g.len() <= 4),
        "the key in groups of four: {shown}"
    );
    let secret = userpool::totp::TotpSecret::from_base32(&shown.replace(' ', ""))
        .expect("a base32 key on the page");
    let now = now();
    let code = secret.code_at(now);
    secrets.push(code.clone());
    fill(c, "code", &code).await;
    press(c, "mfa").await?;
    expect_text(c, "Your authenticator app is set up").await;
    let page = text(c).await;
    assert!(page.contains("On · preferred"), "{page}");
    source_is_clean(c, &[&code, password]).await;
    shots(c, "mfa-03-on").await?;

    // Sign out; signing in now asks for the app's code (the next step's: the set-up used this one).
    sign_out(c, site).await;
    home_sign_in(c, site, email, password).await;
    expect_path(c, "/account/challenge").await;
    expect_text(c, "Enter your authenticator code").await;
    let code = secret.code_at(now + 30);
    secrets.push(code.clone());
    fill(c, "code", &code).await;
    press(c, "challenge").await?;
    expect_path(c, "/protected").await;
    shot(c, "mfa-04-signed-in-with-code").await;

    // Off again.
    c.goto(&site.at("/account/mfa")).await?;
    press(c, "mfa-off").await?;
    expect_text(c, "Your authenticator app is off").await;
    shots(c, "mfa-05-off-again").await?;
    sign_out(c, site).await;
    home_sign_in(c, site, email, password).await;
    expect_path(c, "/protected").await;
    Ok(secrets)
}
