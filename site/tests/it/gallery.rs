//! Every page a visitor can reach, in headless Chromium at a phone's size (390×844) and a
//! desktop's (1280×900): the site's own pages, Hallpass's built-in ones (sign-in, sign-out, error,
//! 404, 405) and the local pool's (its front page, the outbox, the hosted UI). Each is
//! screenshotted (target/e2e-screenshots/gallery-*.png) and must show what it is for, without a
//! horizontal scroll bar on the phone: nothing on it may be wider than the screen.

use fantoccini::{Client, Locator};

use crate::browser::{browser, expect_path, expect_text, fill, shot, start_driver, submit};
use crate::support::{spawn_site_with, TestSite, SECRET};

const SIZES: [(u32, u32, &str); 2] = [(390, 844, "phone"), (1280, 900, "wide")];

/// Shows `url`, checks it shows `needle`, and shoots it at both sizes; a page wider than the
/// window is an error naming the widest element.
async fn page(
    c: &Client,
    name: &str,
    url: &str,
    needle: &str,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(url).await?;
    here(c, name, needle).await
}

/// As [`page`], for the page the browser is on.
async fn here(c: &Client, name: &str, needle: &str) -> Result<(), fantoccini::error::CmdError> {
    expect_text(c, needle).await;
    for (w, h, size) in SIZES {
        c.set_window_size(w, h).await?;
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        let overflow = c
            .execute(
                "const vw = document.documentElement.clientWidth;\
                 if (document.documentElement.scrollWidth <= vw) return null;\
                 const wide = [...document.querySelectorAll('body *')]\
                   .filter(e => e.getBoundingClientRect().right > vw + 1);\
                 return wide.map(e => e.tagName + '.' + e.className).slice(-3).join(', ');",
                vec![],
            )
            .await?;
        assert_eq!(
            overflow,
            serde_json::Value::Null,
            "{name} is wider than a {w} px window: {overflow}"
        );
        shot(c, &format!("gallery-{name}-{size}")).await;
    }
    c.set_window_size(1280, 900).await
}

#[tokio::test]
async fn every_page_at_a_phones_and_a_desktops_size() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let db = std::env::temp_dir().join(format!("hp-gallery-{}.db", uuid::Uuid::new_v4()));
    let mut settings = hallpass_site::Settings::for_tests(SECRET);
    settings.auth = settings
        .auth
        .session_store(format!("sqlite://{}?mode=rwc", db.display()));
    let site = spawn_site_with(settings).await;
    let c = browser(&driver).await;
    let result = tour(&c, &site).await;
    let _ = c.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    result.unwrap();
}

async fn tour(c: &Client, site: &TestSite) -> Result<(), fantoccini::error::CmdError> {
    let pool = site.pool.base_url();
    let at_pool = |p: &str| pool.join(p).unwrap().to_string();
    // Signed out: the site, then Hallpass's built-in pages (a GET of a POST endpoint is a 405).
    let signed_out = [
        ("home", "/", "Example Hallpass sign-in"),
        ("signin", "/account/signin", "Password"),
        ("signup", "/account/signup", "Create"),
        ("confirm", "/account/confirm", "code"),
        ("forgot", "/account/forgot", "reset"),
        ("reset", "/account/reset", "code"),
        ("site-404", "/no-such-page", "not found"),
        ("builtin-signin", "/api/auth/signin", "Sign in with"),
        (
            "builtin-signout-nobody",
            "/api/auth/signout",
            "Nobody is signed in",
        ),
        (
            "builtin-error",
            "/api/auth/error?error=Configuration",
            "server configuration",
        ),
        ("builtin-404", "/api/auth/nope", "Page not found"),
        (
            "builtin-405",
            "/api/auth/signin/cognito",
            "Use the sign-in page",
        ),
    ];
    for (name, path, needle) in signed_out {
        page(c, name, &site.at(path), needle).await?;
    }
    // The pool's own pages, and its hosted UI as the site's button reaches it.
    page(c, "pool-front", &at_pool("/"), "Local user pool").await?;
    page(c, "pool-outbox", &at_pool("/_outbox"), "Outbox").await?;
    c.goto(&site.at("/")).await?;
    c.find(Locator::Id("sign-in")).await?.click().await?;
    expect_path(c, "/login").await;
    here(c, "hosted-login", "Password").await?;
    let login = c.current_url().await?;
    let signup = login.as_str().replacen("/login", "/signup", 1);
    page(c, "hosted-signup", &signup, "Sign up").await?;
    let forgot = login.as_str().replacen("/login", "/forgotPassword", 1);
    page(c, "hosted-forgot", &forgot, "Forgot your password?").await?;
    // The e-mail code step of the site's own form.
    c.goto(&site.at("/account/signin")).await?;
    fill(c, "extra-1-username", userpool::DEMO_USER_EMAIL).await;
    submit(c, "/api/auth/cognito/code-signin").await;
    expect_path(c, "/account/challenge").await;
    here(c, "challenge-email-code", "code").await?;
    // Signed in (the demo user is in group `admin`).
    c.goto(&site.at("/account/signin")).await?;
    fill(c, "username", userpool::DEMO_USER_EMAIL).await;
    fill(c, "password", userpool::DEMO_USER_PASSWORD).await;
    submit(c, "/api/auth/cognito/signin").await;
    expect_path(c, "/").await;
    here(c, "home-signed-in", "Welcome").await?;
    page(c, "protected", &site.at("/protected"), "Signed in as").await?;
    page(c, "admin", &site.at("/admin"), "admin").await?;
    page(c, "account-sessions", &site.at("/account"), "this browser").await?;
    page(
        c,
        "account-mfa",
        &site.at("/account/mfa"),
        "Two-step sign-in",
    )
    .await?;
    let signout = site.at("/api/auth/signout");
    page(
        c,
        "builtin-signout",
        &signout,
        "Are you sure you want to sign out?",
    )
    .await?;
    Ok(())
}
