//! Behind a reverse proxy (`AUTH_TRUSTED_PROXIES`, issue 25 item 1): the forwarded client is
//! counted only when the peer is a trusted proxy, hop by hop.

use hallpass::client_ip::TrustedProxies;
use hallpass::provider::PasswordFlow;
use hallpass::Config;
use userpool::{MfaSetting, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::app::{spawn_app_with, TestApp, SECRET};
use crate::support::cognito::{assert_signed_in_at, pool, providers, Browser};

async fn proxied_app(pool: &userpool::RunningUserPool) -> TestApp {
    spawn_app_with(
        Config::builder()
            .secret(SECRET)
            .debug(true)
            .trusted_proxies(TrustedProxies::parse("127.0.0.10").unwrap()),
        providers(pool, PasswordFlow::Srp),
        None,
    )
    .await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = proxied_app(&pool).await;
    // Both "clients" come through the proxy at 127.0.0.10.
    let mut proxy = Browser::from_ip(&app, "127.0.0.10");
    let csrf = proxy.csrf("signin").await;
    let attacker = [("x-forwarded-for", "198.51.100.66, 127.0.0.10")];
    let mut last = String::new();
    for i in 0..51 {
        last = proxy
            .post_raw(
                "signin",
                &[
                    ("csrfToken", &csrf),
                    ("username", &format!("made-up-{i}@example.com")),
                    ("password", "Guess-1234!"),
                ],
                &attacker,
            )
            .await
            .1;
    }
    assert!(last.ends_with("error=too-many"), "{last}");
    let (_, loc) = proxy
        .post_raw(
            "signin",
            &[
                ("csrfToken", &csrf),
                ("username", DEMO_USER_EMAIL),
                ("password", DEMO_USER_PASSWORD),
            ],
            &[("x-forwarded-for", "203.0.113.5")],
        )
        .await;
    assert_signed_in_at(&loc, &app);

    // A client that is not the proxy cannot pick its bucket with a forged header.
    let mut direct = Browser::from_ip(&app, "127.0.0.11");
    let csrf = direct.csrf("signin").await;
    let mut refused = 0;
    for i in 0..51 {
        let forged = format!("192.0.2.{i}");
        let (_, loc) = direct
            .post_raw(
                "signin",
                &[
                    ("csrfToken", &csrf),
                    ("username", &format!("other-{i}@example.com")),
                    ("password", "Guess-1234!"),
                ],
                &[("x-forwarded-for", &forged)],
            )
            .await;
        refused += usize::from(loc.ends_with("error=too-many"));
    }
    assert_eq!(refused, 1, "one bucket: the peer's");
}
