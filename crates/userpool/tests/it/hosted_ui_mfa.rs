//! TOTP on the hosted UI (issue 10, MFA): a user with TOTP on gives a code after the
//! password; a pool that requires MFA sets it up on the page. Driven over HTTP with a cookie
//! jar, codes computed from the secret at the pool's clock (the wall clock plus what the test
//! advanced it by).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cognitoidentityprovider::types::{ChallengeNameType, SoftwareTokenMfaSettingsType};
use userpool::totp::TotpSecret;
use userpool::MfaSetting;

use crate::api_auth::password_auth;
use crate::sdk::unsigned;
use crate::*;

const OAUTH: [(&str, &str); 5] = [
    ("response_type", "code"),
    ("client_id", CONF),
    ("redirect_uri", CB),
    ("scope", "openid email"),
    ("state", "st"),
];

/// The pool's clock as the test moves it: codes are computed at the pool's time.
struct Clock {
    ahead: u64,
}

impl Clock {
    fn advance(&mut self, t: &TestPool, secs: u64) {
        t.pool().advance_clock(Duration::from_secs(secs));
        self.ahead += secs;
    }

    fn code(&self, secret: &str) -> String {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        TotpSecret::from_base32(secret)
            .unwrap()
            .code_at(wall + self.ahead)
    }
}

/// A code that is not one of the three current ones.
fn wrong_code(clock: &Clock, secret: &str) -> String {
    let right = clock.code(secret);
    let far = TotpSecret::from_base32(secret).unwrap().code_at(0);
    if far != right {
        far
    } else {
        "000000".into()
    }
}

/// Sets up TOTP for Alice through the JSON API, on and preferred, then moves the pool's
/// clock one step on (the step that verified the secret is used). Returns the secret.
async fn alice_turns_totp_on(t: &TestPool, clock: &mut Clock) -> String {
    let sdk = unsigned(t);
    let signed_in = password_auth(&sdk, PUBLIC, ALICE, PASSWORD).await.unwrap();
    let access = signed_in
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_string();
    let secret = sdk
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap()
        .secret_code()
        .unwrap()
        .to_string();
    sdk.verify_software_token()
        .access_token(&access)
        .user_code(clock.code(&secret))
        .send()
        .await
        .unwrap();
    sdk.set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    clock.advance(t, 30);
    secret
}

/// Posts a code to `/mfa` from `http`, with the token of the page `html` it answers.
async fn post_code(
    t: &TestPool,
    http: &reqwest::Client,
    html: &str,
    code: &str,
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = OAUTH.to_vec();
    let token = csrf_field(html);
    form.extend([("code", code), ("_csrf", token.as_str())]);
    http.post(t.url("/mfa")).form(&form).send().await.unwrap()
}

/// Whether a response sets a cookie whose `name=value` starts with `prefix`.
fn sets_cookie(r: &reqwest::Response, prefix: &str) -> bool {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap_or("").starts_with(prefix))
}

#[tokio::test]
async fn a_totp_user_gives_a_right_code_after_the_password_and_only_once() {
    let t = spawn_pool().await;
    let mut clock = Clock { ahead: 0 };
    let secret = alice_turns_totp_on(&t, &mut clock).await;

    // The right password: no code yet, but the code page and the pending step's cookie.
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    assert_eq!(r.status(), 200);
    assert!(sets_cookie(&r, &format!("cognito_mfa_{POOL}=")));
    assert!(
        !sets_cookie(&r, &format!("cognito_{POOL}=")),
        "no session yet"
    );
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"action="/mfa""#) && page.contains(r#"id="code""#));
    assert!(
        !page.contains("totp_secret"),
        "the secret is never shown again"
    );

    // A wrong code asks again, with an error.
    let r = post_code(&t, &t.http, &page, &wrong_code(&clock, &secret)).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Invalid code received for user"), "{page}");
    assert!(page.contains(r#"action="/mfa""#));

    // Another browser, even with its own token and the right code, has no pending step.
    let other = browser();
    let other_page = other
        .get(t.url("/login"))
        .query(&OAUTH)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = post_code(&t, &other, &other_page, &clock.code(&secret)).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Invalid session for the user, session is expired."));
    assert!(!html.contains("Invalid code received"));

    // The right code: signed in, straight to the callback, the pending cookie cleared.
    let code = clock.code(&secret);
    let r = post_code(&t, &t.http, &page, &code).await;
    assert!(sets_cookie(&r, &format!("cognito_{POOL}=")), "a session");
    assert!(sets_cookie(&r, &format!("cognito_mfa_{POOL}=;")), "cleared");
    let cb = location(&r);
    assert!(cb.as_str().starts_with(CB));
    assert_eq!(param(&cb, "state").as_deref(), Some("st"));
    let tokens: Value = t
        .token_basic(
            CONF,
            CONF_SECRET,
            &[
                ("grant_type", "authorization_code"),
                ("code", &param(&cb, "code").unwrap()),
                ("redirect_uri", CB),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        claims(tokens["id_token"].as_str().unwrap())["sub"],
        ALICE_SUB
    );

    // Replayed: the step was used up.
    let r = post_code(&t, &t.http, &page, &code).await;
    assert!(r.headers().get("location").is_none());
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Invalid session for the user, session is expired."));
    // And the code's step is spent too: a new sign-in in the same step refuses it.
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    let page = r.text().await.unwrap();
    let r = post_code(&t, &t.http, &page, &code).await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Invalid code received for user"));
}

#[tokio::test]
async fn wrong_codes_count_towards_the_lockout() {
    let t = spawn_pool().await;
    let mut clock = Clock { ahead: 0 };
    let secret = alice_turns_totp_on(&t, &mut clock).await;
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    let mut page = r.text().await.unwrap();
    for i in 1..=5 {
        let r = post_code(&t, &t.http, &page, &wrong_code(&clock, &secret)).await;
        page = r.text().await.unwrap();
        if i < 5 {
            assert!(page.contains("Invalid code received for user"), "code {i}");
        } else {
            // Locked: back to the sign-in page, answered as a wrong password (the client hides
            // which users exist, and a lockout only happens to one who does).
            assert!(page.contains(r#"action="/login""#), "{page}");
            assert!(page.contains("Incorrect username or password."));
        }
    }
    // Now even the right password and code do not sign in, until the lockout is over.
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("Incorrect username or password.") && !html.contains(r#"action="/mfa""#));
    clock.advance(&t, 15 * 60 + 1);
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    let page = r.text().await.unwrap();
    let r = post_code(&t, &t.http, &page, &clock.code(&secret)).await;
    assert!(param(&location(&r), "code").is_some());
}

#[tokio::test]
async fn the_pending_step_lasts_three_minutes() {
    let t = spawn_pool().await;
    let mut clock = Clock { ahead: 0 };
    let secret = alice_turns_totp_on(&t, &mut clock).await;
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    let page = r.text().await.unwrap();
    clock.advance(&t, 3 * 60 + 1);
    let r = post_code(&t, &t.http, &page, &clock.code(&secret)).await;
    assert!(r.headers().get("location").is_none(), "no sign-in");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Invalid session for the user, session is expired."));
    // Within the three minutes (a wrong answer keeps the deadline, it does not extend it).
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    let page = r.text().await.unwrap();
    clock.advance(&t, 100);
    let r = post_code(&t, &t.http, &page, &wrong_code(&clock, &secret)).await;
    let page = r.text().await.unwrap();
    clock.advance(&t, 100);
    let r = post_code(&t, &t.http, &page, &clock.code(&secret)).await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Invalid session for the user, session is expired."));
    // A GET of /mfa goes back to the sign-in page.
    let r = t
        .http
        .get(t.url("/mfa"))
        .query(&OAUTH)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r).path(), "/login");
}

/// The pool requires MFA and Alice has none: the page shows a new secret, a first code of it
/// turns TOTP on and signs her in, and from then on she is asked for a code, on the hosted UI
/// and through the JSON API alike.
#[tokio::test]
async fn a_pool_that_requires_mfa_sets_it_up_on_the_page() {
    let mut seed = test_seed();
    seed.pools[0].mfa = MfaSetting::On;
    let t = spawn_with(seed, "sqlite::memory:").await;
    let mut clock = Clock { ahead: 0 };
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let shown = page
        .split(r#"id="totp_secret">"#)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the secret is shown");
    let secret: String = shown.split_whitespace().collect();
    assert_eq!(secret.len(), 32, "{shown}");
    assert!(
        page.contains(&format!("secret={secret}")),
        "the otpauth link"
    );
    assert!(page.contains("otpauth://totp/Test%20Pool:alice%40example.com"));

    // A wrong first code: the same secret again, with an error.
    let r = post_code(&t, &t.http, &page, &wrong_code(&clock, &secret)).await;
    let page = r.text().await.unwrap();
    assert!(page.contains("Invalid code received for user"));
    assert!(page.contains(shown), "the same secret");
    let r = post_code(&t, &t.http, &page, &clock.code(&secret)).await;
    assert!(param(&location(&r), "code").is_some(), "signed in");

    // Next time: the code page, not the set-up; the secret is the one set up.
    clock.advance(&t, 30);
    let r = t.login_with(&OAUTH, ALICE, PASSWORD).await;
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"action="/mfa""#) && !page.contains("totp_secret"));
    let r = post_code(&t, &t.http, &page, &clock.code(&secret)).await;
    assert!(param(&location(&r), "code").is_some());
    let sdk = unsigned(&t);
    let started = password_auth(&sdk, PUBLIC, ALICE, PASSWORD).await.unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
}
