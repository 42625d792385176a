//! The site's Cognito form sign-in over HTTP: the session is the hosted UI's (the same JSON shape,
//! the same values), it refreshes after the access token expires (both clocks moved), and no log
//! line carries the password, a code or a token.

use std::time::Duration;

use hallpass::clock::ManualClock;
use hallpass_site::{Settings, Site};
use serde_json::Value;

use crate::support::json_shape as shape;
use crate::support::log::capture;
use crate::support::{browser_client, form, get, submit, SECRET};

async fn session(client: &reqwest::Client, url: &str) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn the_form_session_is_the_hosted_ui_session_and_refreshes_and_nothing_secret_is_logged() {
    let log = capture();
    let clock = ManualClock::starting_now();
    let mut settings = Settings::for_tests(SECRET);
    settings.clock = Some(clock.clone());
    let (url, pool) = Site::start(settings).await.unwrap().spawn();
    let pool = pool.unwrap();
    let at = |p: &str| url.join(p).unwrap().to_string();

    // The hosted UI.
    let hosted = browser_client();
    let (page_url, _, home) = get(&hosted, &at("/")).await;
    let (login_url, _, login) =
        submit(&hosted, &form(&home, &page_url, "/api/auth/signin/cognito")).await;
    let login_form = form(&login, &login_url, "/login")
        .set("username", userpool::DEMO_USER_EMAIL)
        .set("password", userpool::DEMO_USER_PASSWORD);
    let (landed, _, _) = submit(&hosted, &login_form).await;
    assert_eq!(landed.path(), "/protected");
    let via_hosted = session(&hosted, &at("/api/auth/session")).await;

    // The site's own form, from the home page.
    let own = browser_client();
    let (page_url, _, home) = get(&own, &at("/")).await;
    let sign_in = form(&home, &page_url, "/api/auth/cognito/signin")
        .set("username", userpool::DEMO_USER_EMAIL)
        .set("password", userpool::DEMO_USER_PASSWORD);
    let (landed, _, page) = submit(&own, &sign_in).await;
    assert_eq!(landed.path(), "/protected", "{page}");
    let via_form = session(&own, &at("/api/auth/session")).await;
    assert_eq!(
        shape(&via_form),
        shape(&via_hosted),
        "{via_form} vs {via_hosted}"
    );
    assert_eq!(
        via_form["user"], via_hosted["user"],
        "the same profile, groups included"
    );

    // An hour and more later the access token has expired: the form session refreshes.
    let later = Duration::from_secs(3600 + 120);
    clock.advance(later);
    pool.pool().advance_clock(later);
    let refreshed = session(&own, &at("/api/auth/session")).await;
    assert_eq!(
        refreshed["user"], via_form["user"],
        "still signed in after the refresh"
    );
    assert!(refreshed.get("error").is_none(), "{refreshed}");
    let (_, status, _) = get(&own, &at("/protected")).await;
    assert_eq!(status, 200);

    // The log: no password or secret, and no JWT or JWE at all (tokens and session cookies all
    // start with a base64url JSON header, `eyJ`).
    let text = log.text();
    assert!(text.contains("signed in"), "the log was captured");
    assert!(!text.contains(userpool::DEMO_USER_PASSWORD));
    assert!(!text.contains(userpool::DEMO_CLIENT_SECRET));
    assert!(!text.contains("eyJ"), "a token in the log");
}
