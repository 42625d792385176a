//! The Cognito form sign-in in headless Chromium, on a site whose clocks the test moves: the
//! session's JSON is the hosted UI's in shape and user, and after the access token expires the
//! form session refreshes (the page and `/api/auth/session` stay signed in).

use std::time::Duration;

use hallpass::clock::ManualClock;
use hallpass_site::Settings;
use serde_json::Value;

use crate::browser::{browser, expect_path, expect_text, fill, shot, start_driver, submit, text};
use crate::support::json_shape as shape;
use crate::support::{spawn_site_with, TestSite, SECRET};

/// `/api/auth/session` as the browser shows it.
async fn session(c: &fantoccini::Client, site: &TestSite) -> Value {
    c.goto(&site.at("/api/auth/session")).await.unwrap();
    let body = text(c).await;
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn the_form_session_refreshes_and_matches_the_hosted_ui_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let clock = ManualClock::starting_now();
    let mut settings = Settings::for_tests(SECRET);
    settings.clock = Some(clock.clone());
    let site = spawn_site_with(settings).await;
    let c = browser(&driver).await;

    // The hosted UI first, for the reference shape.
    c.goto(&site.at("/")).await.unwrap();
    submit(&c, "/api/auth/signin/cognito").await;
    expect_path(&c, "/login").await;
    fill(&c, "username", userpool::DEMO_USER_EMAIL).await;
    fill(&c, "password", userpool::DEMO_USER_PASSWORD).await;
    submit(&c, "/login").await;
    expect_path(&c, "/protected").await;
    let via_hosted = session(&c, &site).await;
    c.goto(&site.at("/")).await.unwrap();
    c.find(fantoccini::Locator::Id("sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_text(&c, "Example Hallpass sign-in").await;

    // The site's own form.
    fill(&c, "home-username", userpool::DEMO_USER_EMAIL).await;
    fill(&c, "home-password", userpool::DEMO_USER_PASSWORD).await;
    submit(&c, "/api/auth/cognito/signin").await;
    expect_path(&c, "/protected").await;
    let via_form = session(&c, &site).await;
    assert_eq!(
        shape(&via_form),
        shape(&via_hosted),
        "{via_form} vs {via_hosted}"
    );
    assert_eq!(via_form["user"], via_hosted["user"]);

    // An hour and two minutes later the access token has expired: the next page refreshes it.
    let later = Duration::from_secs(3600 + 120);
    clock.advance(later);
    site.pool.pool().advance_clock(later);
    c.goto(&site.at("/protected")).await.unwrap();
    expect_path(&c, "/protected").await;
    assert!(text(&c).await.contains("Demo User"));
    shot(&c, "form-16-protected-after-refresh").await;
    let refreshed = session(&c, &site).await;
    assert_eq!(refreshed["user"], via_form["user"], "{refreshed}");
    assert!(refreshed.get("error").is_none(), "{refreshed}");
    let _ = c.close().await;
}
