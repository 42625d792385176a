//! `/account`: the list of the user's sessions, "sign out this session" and "sign out
//! everywhere", with a SQLite session store (a file of the test's own); and what the page says
//! with cookie sessions.

use std::time::{Duration, Instant};

use hallpass_site::Settings;
use serde_json::{json, Value};

use crate::support::{form, get, sign_in_from_home, spawn_site_with, submit, TestSite, SECRET};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// A browser with its own cookie jar and user agent.
fn browser(user_agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(user_agent)
        .build()
        .unwrap()
}

async fn session(site: &TestSite, browser: &reqwest::Client) -> Value {
    let r = browser
        .get(site.at("/api/auth/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Polls the session endpoint until it answers `{}`: a revocation must show within a second.
async fn signed_out_within_a_second(site: &TestSite, browser: &reqwest::Client) {
    let started = Instant::now();
    while session(site, browser).await != json!({}) {
        assert!(
            started.elapsed() < Duration::from_millis(1_250),
            "still signed in {:?} after the revocation",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `<li>` items of the sessions list.
fn rows(html: &str) -> Vec<&str> {
    let list = html
        .split("<ul class=\"sessions\">")
        .nth(1)
        .expect("a list of sessions")
        .split("</ul>")
        .next()
        .unwrap();
    list.split("<li").skip(1).collect()
}

#[tokio::test]
async fn the_account_page_lists_and_signs_out_sessions() {
    let db = std::env::temp_dir().join(format!("hp-account-{}.db", uuid::Uuid::new_v4()));
    let mut settings = Settings::for_tests(SECRET);
    settings.auth = settings
        .auth
        .session_store(format!("sqlite://{}?mode=rwc", db.display()));
    let site = spawn_site_with(settings).await;
    let (laptop, desktop) = (browser(FIREFOX), browser(CHROME));

    // Signed out, the page sends the visitor to sign in.
    let (landed, _, _) = get(&laptop, &site.at("/account")).await;
    assert_eq!(landed.path(), "/api/auth/signin");

    sign_in_from_home(&laptop, &site.at("/")).await;
    sign_in_from_home(&desktop, &site.at("/")).await;
    let (page_url, status, html) = get(&laptop, &site.at("/account")).await;
    assert_eq!(status, 200);
    let list = rows(&html);
    assert_eq!(list.len(), 2, "{html}");
    assert!(
        list[0].contains("(this browser)"),
        "this browser's first: {html}"
    );
    let this = &list[0];
    assert!(this.contains("Firefox on Linux"), "{this}");
    // The sign-in method and the end of each session's handle tell two rows apart.
    assert!(this.contains("signed in with "), "{this}");
    let tails: Vec<&str> = list
        .iter()
        .filter_map(|r| r.split("session …").nth(1))
        .map(|t| &t[..4])
        .collect();
    assert_eq!(tails.len(), 2, "{html}");
    assert_ne!(tails[0], tails[1], "{html}");
    assert!(
        !this.contains("/account/sessions/revoke\""),
        "no revoke for the current one"
    );
    let other = list.iter().find(|r| !r.contains("(this browser)")).unwrap();
    assert!(other.contains("Chrome on Windows"), "{other}");
    assert!(html.contains("Sign out everywhere"));
    // The home page links to it.
    let (_, _, home) = get(&laptop, &site.at("/")).await;
    assert!(home.contains("href=\"/account\""), "{home}");

    // A forged form (no valid CSRF token) changes nothing.
    let forged = form(&html, &page_url, "/account/sessions/revoke-all").set("csrfToken", "forged");
    let (_, status, _) = submit(&laptop, &forged).await;
    assert_eq!(status, 403);
    assert_eq!(session(&site, &desktop).await["user"]["name"], "Demo User");
    assert_eq!(session(&site, &laptop).await["user"]["name"], "Demo User");

    // Sign the desktop out from the laptop.
    let revoke = form(other, &page_url, "/account/sessions/revoke");
    let (landed, status, html) = submit(&laptop, &revoke).await;
    assert_eq!((landed.path(), status.as_u16()), ("/account", 200));
    assert!(html.contains("That session is signed out."), "{html}");
    assert_eq!(rows(&html).len(), 1);
    signed_out_within_a_second(&site, &desktop).await;
    assert_eq!(session(&site, &laptop).await["user"]["name"], "Demo User");
    // The same form again: that session is gone already.
    let (_, _, html) = submit(&laptop, &revoke).await;
    assert!(html.contains("That session had already ended."), "{html}");
    // An id that is no session handle at all is treated the same, never as a server error.
    let junk = form(&html, &page_url, "/account/sessions/revoke-all");
    let junk = crate::support::Form {
        action: site.at("/account/sessions/revoke"),
        fields: vec![junk.fields[0].clone(), ("id".into(), "../%00<x>".into())],
    };
    let (_, status, html) = submit(&laptop, &junk).await;
    assert_eq!(status, 200);
    assert!(html.contains("That session had already ended."));

    // Sign out everywhere, this browser included.
    sign_in_from_home(&desktop, &site.at("/")).await;
    let (page_url, _, html) = get(&laptop, &site.at("/account")).await;
    assert_eq!(rows(&html).len(), 2);
    let everywhere = form(&html, &page_url, "/account/sessions/revoke-all");
    let (landed, status, home) = submit(&laptop, &everywhere).await;
    assert_eq!((landed.path(), status.as_u16()), ("/", 200));
    assert!(
        home.contains("You are signed out on every browser and device."),
        "a notice says what happened: {home}"
    );
    assert_eq!(session(&site, &laptop).await, json!({}));
    signed_out_within_a_second(&site, &desktop).await;
    let _ = std::fs::remove_file(&db);
}

#[tokio::test]
async fn with_cookie_sessions_the_account_page_explains_itself() {
    let site = spawn_site_with(Settings::for_tests(SECRET)).await;
    let laptop = browser(FIREFOX);
    sign_in_from_home(&laptop, &site.at("/")).await;
    let (_, status, html) = get(&laptop, &site.at("/account")).await;
    assert_eq!(status, 200);
    assert!(html.contains("AUTH_SESSION_STORE"), "{html}");
    assert!(!html.contains("class=\"sessions\""));
    // Without a store there is nothing to revoke: the form's endpoint says so, and changes nothing.
    let r = laptop
        .post(site.at("/account/sessions/revoke-all"))
        .form(&[("csrfToken", "whatever")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(session(&site, &laptop).await["user"]["name"], "Demo User");
}
