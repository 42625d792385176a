//! A password reset on the own pages ends every stored session of the account at once (issue 25,
//! item 4), and with a store the own form's attempt counts live in the store, shared by instances
//! (item 2).

use std::sync::Arc;
use std::time::Duration;

use hallpass::provider::PasswordFlow;
use hallpass::Config;
use userpool::{MessageKind, MfaSetting, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::app::{spawn_app_with, TestApp, SECRET};
use crate::support::cognito::{assert_signed_in_at, code_for, pool, providers, Browser};
use crate::support::stores::Fixture;

async fn app_on(fx: &Fixture, pool: &userpool::RunningUserPool) -> TestApp {
    let install = fx.install(None, Duration::from_secs(2));
    spawn_app_with(
        Config::builder().secret(SECRET).debug(true),
        providers(pool, PasswordFlow::Srp),
        Some(Box::new(install)),
    )
    .await
}

pub(super) async fn a_reset_on_the_own_pages_ends_the_accounts_stored_sessions(fx: Arc<Fixture>) {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app_on(&fx, &pool).await;
    // A thief signed in with the stolen password, in another browser.
    let mut thief = Browser::from_ip(&app, "127.0.0.2");
    let (_, loc) = thief
        .post(
            "signin",
            "signin",
            &[
                ("username", DEMO_USER_EMAIL),
                ("password", DEMO_USER_PASSWORD),
            ],
        )
        .await;
    assert_signed_in_at(&loc, &app);
    assert_eq!(thief.get("/api/me").await.0, 200);
    // The owner resets the password on the own pages.
    let mut owner = Browser::from_ip(&app, "127.0.0.3");
    owner
        .post("forgot", "forgot", &[("username", "Demo@Example.com")])
        .await;
    let code = code_for(&pool, DEMO_USER_EMAIL, MessageKind::Reset);
    let (_, loc) = owner
        .post(
            "reset",
            "reset",
            &[
                ("username", "Demo@Example.com"),
                ("code", &code),
                ("password", "Owner-New-Passw0rd!"),
            ],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?notice=reset"));
    // At once: well within the re-check period and the access token's life.
    app.clock.advance(Duration::from_secs(2));
    assert_eq!(
        thief.get("/api/me").await.0,
        401,
        "the thief's session ended"
    );
}

pub(super) async fn the_forms_attempt_counts_are_shared_through_the_store(fx: Arc<Fixture>) {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let (one, two) = (app_on(&fx, &pool).await, app_on(&fx, &pool).await);
    // Ten wrong passwords for one made-up user, spread over two instances.
    for i in 0..10 {
        let app = if i % 2 == 0 { &one } else { &two };
        let mut b = Browser::from_ip(app, "127.0.0.4");
        let (_, loc) = b
            .post(
                "signin",
                "signin",
                &[
                    ("username", "shared@example.com"),
                    ("password", "Guess-1234!"),
                ],
            )
            .await;
        assert!(loc.ends_with("error=refused"), "{i}: {loc}");
    }
    // Either instance now refuses the username, from any address.
    for app in [&one, &two] {
        let mut b = Browser::from_ip(app, "127.0.0.5");
        let (_, loc) = b
            .post(
                "signin",
                "signin",
                &[
                    ("username", "shared@example.com"),
                    ("password", "Guess-1234!"),
                ],
            )
            .await;
        assert!(loc.ends_with("error=too-many"), "{loc}");
    }
}
