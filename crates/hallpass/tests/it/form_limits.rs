//! The form sign-in's attempt limits under attack (issue 25, items 1 and 2): nobody can lock
//! out another client or user, successes never count, a full counter map refuses nobody, and
//! trusted proxies are looked through only when trusted. Clients connect from several loopback
//! addresses (127.0.0.2, 127.0.0.3, …).

use hallpass::Config;
use userpool::{MfaSetting, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::app::{spawn_app_without_peer_address, SECRET};
use crate::support::cognito::{app, app_with, assert_signed_in_at, pool, providers, Browser};
use hallpass::provider::{AttemptLimits, Cognito, Limit, PasswordFlow, SignInMode};
use userpool::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_POOL_ID};

/// A wrong sign-in for a made-up user; returns the Location.
async fn wrong_sign_in(b: &mut Browser<'_>, csrf: &str, user: &str) -> String {
    b.post_raw(
        "signin",
        &[
            ("csrfToken", csrf),
            ("username", user),
            ("password", "Guess-1234!"),
        ],
        &[],
    )
    .await
    .1
}

async fn demo_sign_in(b: &mut Browser<'_>) -> String {
    b.post(
        "signin",
        "signin",
        &[
            ("username", DEMO_USER_EMAIL),
            ("password", DEMO_USER_PASSWORD),
        ],
    )
    .await
    .1
}

#[tokio::test]
async fn one_client_over_its_limit_locks_out_nobody_else() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut attacker = Browser::from_ip(&app, "127.0.0.2");
    let csrf = attacker.csrf("signin").await;
    let mut refused = 0;
    for i in 0..60 {
        let loc = wrong_sign_in(&mut attacker, &csrf, &format!("made-up-{i}@example.com")).await;
        refused += usize::from(loc.ends_with("error=too-many"));
    }
    assert_eq!(refused, 10, "the address limit (50) stops the attacker");
    let mut victim = Browser::from_ip(&app, "127.0.0.3");
    assert_signed_in_at(&demo_sign_in(&mut victim).await, &app);
}

#[tokio::test]
async fn successful_sign_ins_never_count() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    for i in 0..60 {
        // A new browser each time, all from one address (an office behind one NAT).
        let mut b = Browser::from_ip(&app, "127.0.0.4");
        let loc = demo_sign_in(&mut b).await;
        assert!(
            loc == app.at("/") || loc == app.at(""),
            "sign-in {i}: {loc}"
        );
    }
}

#[tokio::test]
async fn a_success_clears_the_usernames_failures() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    // Three failures per username (the pool itself locks an account after five).
    let limits = AttemptLimits {
        per_username: Limit {
            attempts: 3,
            window_secs: 900,
        },
        ..AttemptLimits::default()
    };
    let providers = Cognito::builder()
        .client_id(DEMO_CLIENT_ID)
        .client_secret(DEMO_CLIENT_SECRET.to_string().into())
        .issuer(pool.issuer(DEMO_POOL_ID).as_str())
        .sign_in_mode(SignInMode::Both)
        .attempt_limits(limits)
        .build_providers()
        .unwrap();
    let app = app_with(providers).await;
    let mut b = Browser::from_ip(&app, "127.0.0.5");
    let csrf = b.csrf("signin").await;
    for _ in 0..2 {
        wrong_sign_in(&mut b, &csrf, DEMO_USER_EMAIL).await;
    }
    assert_signed_in_at(&demo_sign_in(&mut b).await, &app);
    let mut b = Browser::from_ip(&app, "127.0.0.5");
    let csrf = b.csrf("signin").await;
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(wrong_sign_in(&mut b, &csrf, DEMO_USER_EMAIL).await);
    }
    let refused = app.at("/api/auth/cognito/signin?error=refused");
    let too_many = app.at("/api/auth/cognito/signin?error=too-many");
    assert_eq!(
        answers,
        [&refused, &refused, &refused, &too_many].map(String::from)
    );
}

#[tokio::test]
async fn without_a_client_address_there_is_no_bucket_shared_by_everyone() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = spawn_app_without_peer_address(
        Config::builder().secret(SECRET).debug(true),
        providers(&pool, PasswordFlow::Srp),
    )
    .await;
    let mut attacker = Browser::from_ip(&app, "127.0.0.2");
    let csrf = attacker.csrf("signin").await;
    for i in 0..60 {
        let loc = wrong_sign_in(&mut attacker, &csrf, &format!("made-up-{i}@example.com")).await;
        assert!(loc.ends_with("error=refused"), "{i}: {loc}");
    }
    let mut victim = Browser::from_ip(&app, "127.0.0.3");
    assert_signed_in_at(&demo_sign_in(&mut victim).await, &app);
}

#[tokio::test]
async fn a_full_counter_map_refuses_no_new_user() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut flood = Browser::from_ip(&app, "127.0.0.6");
    let csrf = flood.csrf("forgot").await;
    let mut refused = 0;
    for i in 0..10_050 {
        let (_, loc) = flood
            .post_raw(
                "forgot",
                &[
                    ("csrfToken", &csrf),
                    ("username", &format!("u{i}@example.com")),
                ],
                &[],
            )
            .await;
        refused += usize::from(loc.ends_with("error=too-many"));
    }
    assert_eq!(
        refused, 10_000,
        "50 sent, then the address is over its limit"
    );
    // Users and clients never seen before are served, for every action that sends a message.
    for (ip, page, action, fields) in [
        (
            "127.0.0.7",
            "forgot",
            "forgot",
            vec![("username", "fresh1@example.com")],
        ),
        (
            "127.0.0.8",
            "confirm",
            "resend",
            vec![("username", "fresh2@example.com")],
        ),
        (
            "127.0.0.9",
            "signup",
            "signup",
            vec![
                ("username", "fresh3@example.com"),
                ("password", "Fresh-Passw0rd!"),
            ],
        ),
    ] {
        let mut b = Browser::from_ip(&app, ip);
        let (_, loc) = b.post(page, action, &fields).await;
        assert!(loc.contains("notice="), "{action} from {ip}: {loc}");
    }
}

#[tokio::test]
async fn the_one_step_callback_counts_against_the_same_limits() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::from_ip(&app, "127.0.0.2");
    let csrf = b.csrf("signin").await;
    for _ in 0..10 {
        let res = app
            .client
            .post(app.at("/api/auth/callback/cognito-form"))
            .header("cookie", b.cookie_header())
            .form(&[
                ("csrfToken", csrf.as_str()),
                ("username", DEMO_USER_EMAIL),
                ("password", "Guess-1234!"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302);
    }
    // Ten failures through the callback: the pages refuse the username too.
    let loc = demo_sign_in(&mut Browser::from_ip(&app, "127.0.0.3")).await;
    assert!(loc.ends_with("error=too-many"), "{loc}");
}

#[tokio::test]
async fn sixty_parallel_guesses_from_six_addresses_get_ten_answers_from_cognito() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..6 {
        let ip = format!("127.0.0.{}", 20 + i);
        let mut b = Browser::from_ip(&app, &ip);
        let csrf = b.csrf("signin").await;
        let cookie = b.cookie_header();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(Some(ip.parse().unwrap()))
            .build()
            .unwrap();
        // Ten guesses from each address at once, all for one username: each is counted before
        // Cognito is asked, so the race cannot let more than the username's 10 through.
        for _ in 0..10 {
            let (client, cookie, csrf) = (client.clone(), cookie.clone(), csrf.clone());
            let url = app.at("/api/auth/cognito/signin");
            guesses.spawn(async move {
                let res = client
                    .post(url)
                    .header("cookie", cookie)
                    .form(&[
                        ("csrfToken", csrf.as_str()),
                        ("username", "target@example.com"),
                        ("password", "Guess-1234!"),
                    ])
                    .send()
                    .await
                    .unwrap();
                crate::support::cognito::location(&res)
            });
        }
    }
    let answers = guesses.join_all().await;
    let refused = answers
        .iter()
        .filter(|l| l.ends_with("error=refused"))
        .count();
    let too_many = answers
        .iter()
        .filter(|l| l.ends_with("error=too-many"))
        .count();
    assert_eq!((refused, too_many), (10, 50), "{answers:?}");
}
