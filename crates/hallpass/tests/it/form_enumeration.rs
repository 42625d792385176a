//! The form sign-in gives nobody an account they do not own and tells nobody which addresses have
//! one (issue 25, items 3, 6 and 13): sign-up of an existing address, the same answers for known
//! and unknown addresses, and code steps that stay put on a wrong code.

use userpool::{
    MessageKind, MfaSetting, RunningUserPool, UserSeed, DEMO_USER_EMAIL, DEMO_USER_PASSWORD,
};

use crate::support::cognito::{
    app, assert_signed_in_at, attr_after, code_for, pool, temporary_user, Browser, Now,
};

const VICTIM: &str = "victim@example.com";
const ATTACKER_PW: &str = "Attacker-Passw0rd!";
const VICTIM_PW: &str = "Victim-Passw0rd!";

/// The newest code of any kind the pool sent `to`: what the mailbox's owner reads.
fn newest_code(pool: &RunningUserPool, to: &str) -> String {
    pool.pool()
        .outbox_messages()
        .into_iter()
        .find(|m| m.to == to)
        .unwrap_or_else(|| panic!("no message for {to}"))
        .code_or_password
}

async fn sign_in(b: &mut Browser<'_>, user: &str, pw: &str) -> String {
    b.post("signin", "signin", &[("username", user), ("password", pw)])
        .await
        .1
}

#[tokio::test]
async fn a_pre_registered_address_ends_up_with_the_mailbox_owners_password() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    // The attacker registers the victim's address and never confirms it.
    let mut attacker = Browser::from_ip(&app, "127.0.0.2");
    let (_, loc) = attacker
        .post(
            "signup",
            "signup",
            &[("username", VICTIM), ("password", ATTACKER_PW)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/confirm?notice=confirm"));

    // The victim signs up: the same answer as for an address never seen.
    let mut victim = Browser::from_ip(&app, "127.0.0.3");
    let (_, loc) = victim
        .post(
            "signup",
            "signup",
            &[("username", VICTIM), ("password", VICTIM_PW)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/confirm?notice=confirm"));
    let code = newest_code(&pool, VICTIM);
    let (_, loc) = victim
        .post(
            "confirm",
            "confirm",
            &[("username", VICTIM), ("code", &code)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?notice=confirmed"));
    let (_, _, page) = victim.get(&loc).await;
    assert!(
        page.contains(&format!("value=\"{VICTIM}\"")),
        "the sign-in page keeps the address: {page}"
    );

    // The victim's password signs in; the attacker's never again.
    assert!(sign_in(&mut attacker, VICTIM, ATTACKER_PW)
        .await
        .ends_with("error=refused"));
    assert_signed_in_at(&sign_in(&mut victim, VICTIM, VICTIM_PW).await, &app);
}

#[tokio::test]
async fn signing_up_an_existing_account_changes_nothing_without_its_mailbox() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut fresh = Browser::from_ip(&app, "127.0.0.2");
    let (_, new_address) = fresh
        .post(
            "signup",
            "signup",
            &[
                ("username", "brand.new@example.com"),
                ("password", ATTACKER_PW),
            ],
        )
        .await;
    let mut attacker = Browser::from_ip(&app, "127.0.0.2");
    let (_, existing) = attacker
        .post(
            "signup",
            "signup",
            &[("username", DEMO_USER_EMAIL), ("password", ATTACKER_PW)],
        )
        .await;
    assert_eq!(existing, new_address, "the same answer");
    // A guessed code does nothing; the owner got a reset code and keeps the password.
    let (_, loc) = attacker
        .post(
            "confirm",
            "confirm",
            &[("username", DEMO_USER_EMAIL), ("code", "123456")],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/confirm?error=code"));
    code_for(&pool, DEMO_USER_EMAIL, MessageKind::Reset);
    let mut owner = Browser::from_ip(&app, "127.0.0.3");
    assert_signed_in_at(
        &sign_in(&mut owner, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await,
        &app,
    );
    assert!(sign_in(&mut attacker, DEMO_USER_EMAIL, ATTACKER_PW)
        .await
        .ends_with("error=refused"));
}

#[tokio::test]
async fn an_owner_signing_up_again_sets_the_password_with_the_mailed_code() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut owner = Browser::from_ip(&app, "127.0.0.4");
    owner
        .post(
            "signup",
            "signup",
            &[("username", DEMO_USER_EMAIL), ("password", VICTIM_PW)],
        )
        .await;
    let code = code_for(&pool, DEMO_USER_EMAIL, MessageKind::Reset);
    let (_, loc) = owner
        .post(
            "confirm",
            "confirm",
            &[("username", DEMO_USER_EMAIL), ("code", &code)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?notice=confirmed"));
    assert_signed_in_at(&sign_in(&mut owner, DEMO_USER_EMAIL, VICTIM_PW).await, &app);
}

fn unconfirmed(email: &str) -> UserSeed {
    UserSeed {
        confirmed: false,
        email_verified: Some(false),
        ..temporary_user(email, DEMO_USER_PASSWORD)
    }
}

#[tokio::test]
async fn wrong_codes_read_the_same_for_known_and_unknown_addresses() {
    let pending = "pending@example.com";
    let pool = pool(
        vec![UserSeed {
            password_temporary: false,
            ..unconfirmed(pending)
        }],
        MfaSetting::Optional,
    )
    .await;
    let app = app(&pool).await;
    let mut b = Browser::from_ip(&app, "127.0.0.2");
    let mut answers = Vec::new();
    for user in [pending, DEMO_USER_EMAIL, "nobody@example.com"] {
        let (_, loc) = b
            .post(
                "confirm",
                "confirm",
                &[("username", user), ("code", "123456")],
            )
            .await;
        answers.push(loc);
    }
    // A known user who asked for a reset code, one who did not, and an unknown one.
    b.post("forgot", "forgot", &[("username", DEMO_USER_EMAIL)])
        .await;
    for user in [DEMO_USER_EMAIL, pending, "nobody@example.com"] {
        let (_, loc) = b
            .post(
                "reset",
                "reset",
                &[
                    ("username", user),
                    ("code", "123456"),
                    ("password", VICTIM_PW),
                ],
            )
            .await;
        answers.push(loc);
    }
    let confirm = app.at("/api/auth/cognito/confirm?error=code");
    let reset = app.at("/api/auth/cognito/reset?error=code");
    assert_eq!(
        answers,
        [&confirm, &confirm, &confirm, &reset, &reset, &reset].map(String::from)
    );
}

/// The e-mail code page after asking for a sign-in code for `user`.
async fn code_page(b: &mut Browser<'_>, app: &crate::support::app::TestApp, user: &str) -> String {
    let (_, loc) = b.post("signin", "code-signin", &[("username", user)]).await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"), "{user}");
    let (_, _, page) = b.get(&loc).await;
    page
}

#[tokio::test]
async fn the_code_page_reads_the_same_for_every_address() {
    let unverified = UserSeed {
        email_verified: Some(false),
        password_temporary: false,
        ..temporary_user("unverified@example.com", DEMO_USER_PASSWORD)
    };
    let pool = pool(vec![unverified], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::from_ip(&app, "127.0.0.2");
    // The address is masked from what was typed, whoever it belongs to.
    for (typed, masked) in [
        ("Nobody@Example.com", "N***@E***"),
        ("demo@example.com", "d***@e***"),
        ("DEMO@example.com", "D***@e***"),
        ("unverified@example.com", "u***@e***"),
    ] {
        let page = code_page(&mut b, &app, typed).await;
        assert!(
            page.contains("Enter the code we e-mailed you"),
            "{typed}: {page}"
        );
        assert!(
            page.contains(&format!("We sent a sign-in code to {masked}.")),
            "{typed}"
        );
    }
    // Unverified and unknown alike: a code is refused with the same answer, on the same page.
    for user in ["unverified@example.com", "nobody@example.com"] {
        code_page(&mut b, &app, user).await;
        let (_, loc) = b
            .post("challenge", "challenge", &[("code", "123456")])
            .await;
        assert_eq!(
            loc,
            app.at("/api/auth/cognito/challenge?error=code"),
            "{user}"
        );
    }
}

#[tokio::test]
async fn a_wrong_totp_code_stays_on_the_code_step_for_three_tries() {
    let pool = pool(vec![], MfaSetting::On).await;
    let app = app(&pool).await;
    let mut b = Browser::from_ip(&app, "127.0.0.2");
    let loc = sign_in(&mut b, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    let (_, _, page) = b.get(&loc).await;
    let secret = attr_after(&page, "<code id=\"totp-secret\">")
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let secret = userpool::totp::TotpSecret::from_base32(&secret).unwrap();
    let now = app.hallpass_now();
    b.post("challenge", "challenge", &[("code", &secret.code_at(now))])
        .await;

    let mut again = Browser::from_ip(&app, "127.0.0.3");
    sign_in(&mut again, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    let wrong = if secret.code_at(now + 30) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (_, loc) = again
        .post("challenge", "challenge", &[("code", wrong)])
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge?error=code"));
    let (_, _, page) = again.get(&loc).await;
    assert!(
        page.contains("autocomplete=\"one-time-code\""),
        "a code field: {page}"
    );
    let (_, loc) = again
        .post(
            "challenge",
            "challenge",
            &[("code", &secret.code_at(now + 30))],
        )
        .await;
    assert_signed_in_at(&loc, &app);

    // Three wrong codes use the challenge up: back to sign-in.
    let mut third = Browser::from_ip(&app, "127.0.0.4");
    sign_in(&mut third, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    let mut locs = Vec::new();
    for _ in 0..3 {
        locs.push(
            third
                .post("challenge", "challenge", &[("code", wrong)])
                .await
                .1,
        );
    }
    assert_eq!(locs[1], app.at("/api/auth/cognito/challenge?error=code"));
    assert!(
        locs[2].contains("/api/auth/cognito/signin?error="),
        "{locs:?}"
    );
}

#[tokio::test]
async fn a_weak_new_password_stays_on_the_new_password_step() {
    let pool = pool(
        vec![temporary_user("temp@example.com", "Temp-Passw0rd!")],
        MfaSetting::Optional,
    )
    .await;
    let app = app(&pool).await;
    let mut b = Browser::from_ip(&app, "127.0.0.2");
    let loc = sign_in(&mut b, "temp@example.com", "Temp-Passw0rd!").await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"));
    let (_, loc) = b
        .post("challenge", "challenge", &[("password", "weak")])
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge?error=password"));
    let (_, _, page) = b.get(&loc).await;
    assert!(
        page.contains("Choose a new password") && page.contains("At least 8 characters"),
        "{page}"
    );
    let (_, loc) = b
        .post(
            "challenge",
            "challenge",
            &[("password", "Chosen-Passw0rd!")],
        )
        .await;
    assert_signed_in_at(&loc, &app);
}

#[tokio::test]
async fn the_built_in_page_links_the_own_pages_and_its_ids_have_no_spaces() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let (_, _, page) = b.get("/api/auth/signin").await;
    for needle in [
        "id=\"cognito-form-username\"",
        "for=\"cognito-form-password\"",
        "/api/auth/cognito/forgot\"",
        "/api/auth/cognito/signup\"",
        ">E-mail me a sign-in code<",
    ] {
        assert!(page.contains(needle), "{needle} in {page}");
    }
    for id in page.split(" id=\"").skip(1) {
        let id = id.split('"').next().unwrap();
        assert!(!id.contains(' '), "an id with a space: {id:?}");
    }
}
