//! The Cognito form sign-in's refusals: attempt limits, and the configuration mistakes (no secret, a
//! wrong secret, an unknown client, an unreachable API, a client without `ALLOW_USER_SRP_AUTH`) that
//! log what to change.

use hallpass::provider::{Cognito, PasswordFlow, SignInMode};
use hallpass::Config;
use userpool::{MfaSetting, DEMO_CLIENT_ID, DEMO_POOL_ID, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::app::{spawn_app_with, SECRET};
use crate::support::cognito::{
    app, app_with, assert_signed_in_at, pool, pool_with_client, providers, Browser,
};
use crate::support::logs;

#[tokio::test]
async fn attempts_are_limited_per_username() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    for _ in 0..10 {
        let (_, loc) = b
            .post(
                "signin",
                "signin",
                &[
                    ("username", "victim@example.com"),
                    ("password", "Guess-1234!"),
                ],
            )
            .await;
        assert_eq!(loc, app.at("/api/auth/cognito/signin?error=refused"));
    }
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", "VICTIM@example.com"),
                ("password", "Guess-1234!"),
            ],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?error=too-many"));
    // Another user is not affected.
    let (_, loc) = b
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
}

#[tokio::test]
async fn a_missing_or_wrong_secret_a_wrong_pool_and_an_unreachable_api_log_what_to_change() {
    let log = logs::capture();
    let pool = pool(vec![], MfaSetting::Optional).await;
    let issuer = pool.issuer(DEMO_POOL_ID);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}/", l.local_addr().unwrap().port())
    };
    let cases: Vec<(&str, hallpass::provider::CognitoBuilder)> = vec![
        (
            "set COGNITO_CLIENT_SECRET",
            Cognito::builder()
                .client_id(DEMO_CLIENT_ID)
                .issuer(issuer.as_str()),
        ),
        (
            "is not this app client's secret",
            Cognito::builder()
                .client_id(DEMO_CLIENT_ID)
                .client_secret("not-the-secret".to_string().into())
                .issuer(issuer.as_str()),
        ),
        (
            "check COGNITO_CLIENT_ID",
            Cognito::builder()
                .client_id("no-such-client")
                .issuer(issuer.as_str()),
        ),
        (
            "cannot be reached",
            Cognito::builder()
                .client_id(DEMO_CLIENT_ID)
                .issuer(issuer.as_str())
                .api_url(closed),
        ),
    ];
    for (i, (hint, builder)) in cases.into_iter().enumerate() {
        let app = app_with(
            builder
                .sign_in_mode(SignInMode::Form)
                .build_providers()
                .unwrap(),
        )
        .await;
        let mut b = Browser::new(&app);
        let user = format!("case{i}@example.com");
        let (_, loc) = b
            .post(
                "signin",
                "signin",
                &[("username", &user), ("password", "Whatever-123!")],
            )
            .await;
        assert_eq!(
            loc,
            app.at("/api/auth/cognito/signin?error=unavailable"),
            "case {i}"
        );
        assert!(
            log.lines_containing(hint)
                .iter()
                .any(|l| l.contains("ERROR")),
            "case {i}: a log line with the fix ({hint})"
        );
    }
}

#[tokio::test]
async fn a_client_without_srp_gets_the_flow_hint_and_debug_mode_decides_whether_the_fix_is_logged()
{
    let log = logs::capture();
    let pool = pool_with_client(|c| {
        c.explicit_auth_flows = vec![
            userpool::AuthFlow::UserPasswordAuth,
            userpool::AuthFlow::RefreshTokenAuth,
        ]
    })
    .await;
    let quiet = spawn_app_with(
        Config::builder().secret(SECRET).debug(false),
        providers(&pool, PasswordFlow::Srp),
        None,
    )
    .await;
    let mut b = Browser::new(&quiet);
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", "quiet@example.com"),
                ("password", "Whatever-123!"),
            ],
        )
        .await;
    assert_eq!(loc, quiet.at("/api/auth/cognito/signin?error=unavailable"));
    let lines = log.lines_containing("quiet@example.com");
    assert!(lines.is_empty(), "the address is not logged: {lines:?}");
    let debug = app(&pool).await;
    let mut b = Browser::new(&debug);
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[("username", DEMO_USER_EMAIL), ("password", "Whatever-123!")],
        )
        .await;
    assert_eq!(loc, debug.at("/api/auth/cognito/signin?error=unavailable"));
    assert!(
        !log.lines_containing("enable ALLOW_USER_SRP_AUTH")
            .is_empty(),
        "debug mode logs what to change"
    );
    assert!(
        !log.lines_containing("(AUTH_DEBUG=1 logs what to change)")
            .is_empty(),
        "without debug mode the line says how to see the fix"
    );
}
