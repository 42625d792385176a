//! The site's own sign-in pages under attack, through their HTML forms, from several client
//! addresses (loopback has 127.0.0.2, 127.0.0.3, …): one client cannot lock out another, a flood
//! of made-up usernames refuses no new user, and an address registered by someone else ends up
//! with the mailbox owner's password (issue 25, items 1, 2 and 3).

use std::net::{IpAddr, SocketAddr};

use url::Url;
use userpool::{DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::{form, get, spawn_site, submit, TestSite};

/// A browser connecting from `ip`: keeps cookies, follows redirects; `localhost` is 127.0.0.1 (the
/// site's URL names it; an IPv4 source address cannot reach `::1`).
fn browser_from(site: &TestSite, ip: &str) -> reqwest::Client {
    let port = site.url.port().unwrap();
    reqwest::Client::builder()
        .cookie_store(true)
        .local_address(Some(ip.parse::<IpAddr>().unwrap()))
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], port)))
        .build()
        .unwrap()
}

/// Signs in on the home page's own form; returns where the browser landed and the page.
async fn home_sign_in(b: &reqwest::Client, site: &TestSite, user: &str, pw: &str) -> (Url, String) {
    let (page_url, _, home) = get(b, &site.at("/")).await;
    let f = form(&home, &page_url, "/api/auth/cognito/signin")
        .set("username", user)
        .set("password", pw);
    let (landed, _, page) = submit(b, &f).await;
    (landed, page)
}

#[tokio::test]
async fn a_guessing_client_does_not_lock_out_the_others() {
    let site = spawn_site().await;
    let attacker = browser_from(&site, "127.0.0.2");
    let (page_url, _, home) = get(&attacker, &site.at("/")).await;
    let f = form(&home, &page_url, "/api/auth/cognito/signin").set("password", "Guess-1234!");
    for i in 0..60 {
        let (landed, _, _) = submit(
            &attacker,
            &f.clone_with("username", &format!("made-up-{i}@example.com")),
        )
        .await;
        assert_eq!(landed.path(), "/account/signin");
    }
    let (landed, page) = home_sign_in(&attacker, &site, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    assert!(
        page.contains("Too many attempts"),
        "the attacker is stopped: {landed}"
    );
    // Everyone else signs in, again and again.
    for (i, ip) in ["127.0.0.3", "127.0.0.4"]
        .iter()
        .cycle()
        .take(12)
        .enumerate()
    {
        let b = browser_from(&site, ip);
        let (landed, page) = home_sign_in(&b, &site, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
        assert_eq!(landed.path(), "/protected", "sign-in {i} from {ip}: {page}");
    }
}

#[tokio::test]
async fn a_flood_of_made_up_usernames_refuses_no_new_user() {
    let site = spawn_site().await;
    let flood = browser_from(&site, "127.0.0.5");
    let (page_url, _, page) = get(&flood, &site.at("/account/forgot")).await;
    let f = form(&page, &page_url, "/api/auth/cognito/forgot");
    let mut too_many = 0;
    for i in 0..10_050 {
        let res = flood
            .post(&f.action)
            .header("accept", "text/html")
            .form(
                &f.clone_with("username", &format!("u{i}@example.com"))
                    .fields,
            )
            .send()
            .await
            .unwrap();
        too_many += usize::from(res.url().query() == Some("error=too-many"));
    }
    assert_eq!(too_many, 10_000);
    for (ip, path, action) in [
        ("127.0.0.6", "/account/forgot", "/api/auth/cognito/forgot"),
        ("127.0.0.7", "/account/signup", "/api/auth/cognito/signup"),
        ("127.0.0.8", "/account/confirm", "/api/auth/cognito/resend"),
    ] {
        let b = browser_from(&site, ip);
        let (page_url, _, page) = get(&b, &site.at(path)).await;
        let f = form(&page, &page_url, action)
            .set(
                "username",
                &format!("fresh-{}@example.com", ip.replace('.', "-")),
            )
            .set("password", "Fresh-Passw0rd!");
        let (landed, _, page) = submit(&b, &f).await;
        assert!(
            landed.query().unwrap_or("").starts_with("notice="),
            "{action} from {ip}: {landed} {page}"
        );
    }
}

#[tokio::test]
async fn an_address_registered_by_someone_else_ends_up_with_the_owners_password() {
    let site = spawn_site().await;
    let victim_email = "victim@example.com";
    let sign_up = |b: reqwest::Client, pw: &'static str| {
        let at = site.at("/account/signup");
        async move {
            let (page_url, _, page) = get(&b, &at).await;
            let f = form(&page, &page_url, "/api/auth/cognito/signup")
                .set("username", victim_email)
                .set("password", pw);
            let (landed, _, page) = submit(&b, &f).await;
            (b, landed, page)
        }
    };
    let (attacker, landed, _) =
        sign_up(browser_from(&site, "127.0.0.9"), "Attacker-Passw0rd!").await;
    assert_eq!(landed.path(), "/account/confirm");
    let (victim, landed, page) =
        sign_up(browser_from(&site, "127.0.0.10"), "Victim-Passw0rd!").await;
    assert_eq!(landed.path(), "/account/confirm");
    assert!(page.contains("Check your e-mail"), "{page}");
    // The victim types the newest code in their mailbox.
    let code = site
        .pool
        .pool()
        .outbox_messages()
        .into_iter()
        .find(|m| m.to == victim_email)
        .unwrap()
        .code_or_password;
    let f = form(&page, &landed, "/api/auth/cognito/confirm")
        .set("username", victim_email)
        .set("code", &code);
    let (landed, _, page) = submit(&victim, &f).await;
    assert_eq!(landed.path(), "/account/signin", "{page}");
    assert!(page.contains("Your account is confirmed"), "{page}");

    let (landed, page) = home_sign_in(&attacker, &site, victim_email, "Attacker-Passw0rd!").await;
    assert!(page.contains("Incorrect email or password."), "{landed}");
    let (landed, _) = home_sign_in(&victim, &site, victim_email, "Victim-Passw0rd!").await;
    assert_eq!(landed.path(), "/protected");
}
