//! The Cognito form sign-in against a real local pool (userpool's JSON API): SRP sign-in, wrong
//! password, sign-up and confirm with the code from the pool's outbox, forgot and reset, a temporary
//! password, TOTP set-up and sign-in, refresh after expiry, sign-out revoking the refresh token,
//! attempt limits, and the configuration mistakes that get a hint.

use std::time::Duration;

use hallpass::provider::PasswordFlow;
use serde_json::Value;
use userpool::{
    MessageKind, MfaSetting, UserSeed, DEMO_CLIENT_SECRET, DEMO_USER_EMAIL, DEMO_USER_PASSWORD,
};

use crate::support::cognito::{
    app, app_with, assert_signed_in_at, attr_after, code_for, location, pool, pool_with_client,
    providers, temporary_user, Browser, Now,
};
use crate::support::logs;

#[tokio::test]
async fn srp_sign_in_issues_the_hosted_ui_session_and_a_wrong_password_is_refused() {
    let log = logs::capture();
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let wrong = "Wrong-password-1!";
    let (status, loc) = b
        .post(
            "signin",
            "signin",
            &[("username", DEMO_USER_EMAIL), ("password", wrong)],
        )
        .await;
    assert_eq!(
        (status, loc.as_str()),
        (
            302,
            app.at("/api/auth/cognito/signin?error=refused").as_str()
        )
    );
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("Incorrect email or password."), "{page}");
    assert!(
        page.contains(&format!("value=\"{DEMO_USER_EMAIL}\"")),
        "the address is kept: {page}"
    );
    assert!(!page.contains(wrong));
    assert_eq!(b.session().await, serde_json::json!({}));

    let (status, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", DEMO_USER_EMAIL),
                ("password", DEMO_USER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 302);
    assert_signed_in_at(&loc, &app);
    let session = b.session().await;
    assert_eq!(session["user"]["email"], DEMO_USER_EMAIL);
    assert_eq!(session["user"]["name"], "Demo User");
    let (status, _, me) = b.get("/api/me").await;
    assert_eq!(status, 200);
    let me: Value = serde_json::from_str(&me).unwrap();
    assert_eq!(
        me["groups"],
        serde_json::json!(["admin"]),
        "groups from cognito:groups, as after the hosted UI"
    );
    let token = app
        .hallpass
        .decode_session(b.jar.get(app.hallpass.session_cookie_name()).unwrap())
        .unwrap();
    assert_eq!(token.provider.as_deref(), Some("cognito-form"));
    assert!(token.tokens.as_ref().unwrap().refresh_token.is_some());
    for secret in [DEMO_USER_PASSWORD, wrong, DEMO_CLIENT_SECRET] {
        assert!(
            log.lines_containing(secret).is_empty(),
            "a secret in the log"
        );
    }
}

#[tokio::test]
async fn user_password_auth_signs_in_too() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app_with(providers(&pool, PasswordFlow::Password)).await;
    let mut b = Browser::new(&app);
    let (status, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", DEMO_USER_EMAIL),
                ("password", DEMO_USER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 302);
    assert_signed_in_at(&loc, &app);
    assert_eq!(b.session().await["user"]["email"], DEMO_USER_EMAIL);
}

#[tokio::test]
async fn sign_up_confirm_with_the_outbox_code_then_sign_in() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let email = "new.user@example.com";
    let password = "Sign-up-pass-9";
    // A password against the rules comes back to the sign-up page, whose rules are listed.
    let (_, loc) = b
        .post(
            "signup",
            "signup",
            &[("username", email), ("password", "short")],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signup?error=password"));
    let (_, _, page) = b.get(&loc).await;
    assert!(
        page.contains("At least 8 characters") && page.contains("autocomplete=\"new-password\""),
        "{page}"
    );

    let (_, loc) = b
        .post(
            "signup",
            "signup",
            &[
                ("username", email),
                ("password", password),
                ("name", "New User"),
            ],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/confirm?notice=confirm"));
    // Signing in before confirming leads to the confirm page.
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[("username", email), ("password", password)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/confirm?notice=confirm"));
    let (_, _, page) = b.get(&loc).await;
    assert!(
        page.contains(&format!("value=\"{email}\"")),
        "the address is remembered: {page}"
    );
    let code = code_for(&pool, email, MessageKind::Confirm);
    let (_, loc) = b
        .post(
            "confirm",
            "confirm",
            &[("username", email), ("code", "000000")],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/confirm?error=code"));
    let (_, loc) = b
        .post(
            "confirm",
            "confirm",
            &[("username", email), ("code", &code)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?notice=confirmed"));
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[("username", email), ("password", password)],
        )
        .await;
    assert_signed_in_at(&loc, &app);
    assert_eq!(b.session().await["user"]["name"], "New User");
    // Signing up again with the same address does not say it is taken.
    let mut other = Browser::new(&app);
    let (_, loc) = other
        .post(
            "signup",
            "signup",
            &[("username", email), ("password", password)],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/confirm?notice=confirm"));
}

#[tokio::test]
async fn forgot_and_reset_and_an_unknown_address_gets_the_same_answer() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let (_, unknown) = b
        .post("forgot", "forgot", &[("username", "nobody@example.com")])
        .await;
    let (_, loc) = b
        .post("forgot", "forgot", &[("username", DEMO_USER_EMAIL)])
        .await;
    assert_eq!(
        loc, unknown,
        "the same next step for a known and an unknown address"
    );
    assert_eq!(loc, app.at("/api/auth/cognito/reset?notice=code-sent"));
    let code = code_for(&pool, DEMO_USER_EMAIL, MessageKind::Reset);
    let new_password = "Brand-new-pass-7";
    let (_, loc) = b
        .post(
            "reset",
            "reset",
            &[
                ("username", DEMO_USER_EMAIL),
                ("code", &code),
                ("password", new_password),
            ],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/signin?notice=reset"));
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
    assert_eq!(
        loc,
        app.at("/api/auth/cognito/signin?error=refused"),
        "the old password is gone"
    );
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[("username", DEMO_USER_EMAIL), ("password", new_password)],
        )
        .await;
    assert_signed_in_at(&loc, &app);
}

#[tokio::test]
async fn a_temporary_password_leads_to_choosing_a_new_one() {
    let pool = pool(
        vec![temporary_user("temp@example.com", "Temporary-pass-1")],
        MfaSetting::Optional,
    )
    .await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", "temp@example.com"),
                ("password", "Temporary-pass-1"),
            ],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"));
    let (_, _, page) = b.get(&loc).await;
    assert!(
        page.contains("Choose a new password") && page.contains("autocomplete=\"new-password\""),
        "{page}"
    );
    assert!(!page.contains("Temporary-pass-1"));
    let (_, loc) = b
        .post("challenge", "challenge", &[("password", "Chosen-pass-42")])
        .await;
    assert_signed_in_at(&loc, &app);
    assert_eq!(b.session().await["user"]["email"], "temp@example.com");
    // The challenge cookie is gone, and the challenge page says so.
    let (status, loc, _) = b.get("/api/auth/cognito/challenge").await;
    assert_eq!(
        (status, loc),
        (302, app.at("/api/auth/cognito/signin?error=step-expired"))
    );
}

#[tokio::test]
async fn totp_set_up_then_a_totp_sign_in() {
    let pool = pool(vec![], MfaSetting::On).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
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
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"));
    let (_, _, page) = b.get(&loc).await;
    assert!(
        page.contains("<svg") && page.contains("autocomplete=\"one-time-code\""),
        "{page}"
    );
    // The key is shown in groups of four.
    let secret = attr_after(&page, "<code id=\"totp-secret\">")
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let secret = userpool::totp::TotpSecret::from_base32(&secret).unwrap();
    let now = app.hallpass_now();
    let (_, loc) = b
        .post("challenge", "challenge", &[("code", &secret.code_at(now))])
        .await;
    assert_signed_in_at(&loc, &app);

    let mut again = Browser::new(&app);
    let (_, loc) = again
        .post(
            "signin",
            "signin",
            &[
                ("username", DEMO_USER_EMAIL),
                ("password", DEMO_USER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"));
    let (_, _, page) = again.get(&loc).await;
    assert!(page.contains("Enter your authenticator code"), "{page}");
    // The next step's code: the set-up used this one.
    let (_, loc) = again
        .post(
            "challenge",
            "challenge",
            &[("code", &secret.code_at(now + 30))],
        )
        .await;
    assert_signed_in_at(&loc, &app);
}

#[tokio::test]
async fn refresh_after_expiry_and_sign_out_revokes_the_refresh_token() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
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
    let name = app.hallpass.session_cookie_name().to_string();
    let before = app
        .hallpass
        .decode_session(&b.jar[&name])
        .unwrap()
        .tokens
        .unwrap();
    let hour = Duration::from_secs(3600);
    app.clock.advance(hour);
    pool.pool().advance_clock(hour);
    let (status, _, _) = b.get("/api/me").await;
    assert_eq!(status, 200, "refreshed through REFRESH_TOKEN_AUTH");
    let after = app
        .hallpass
        .decode_session(&b.jar[&name])
        .unwrap()
        .tokens
        .unwrap();
    assert_ne!(after.access_token, before.access_token);
    assert!(after.expires_at > before.expires_at);
    let kept = b.jar[&name].clone();

    // Sign out: RevokeToken ends the refresh token, so the old cookie cannot refresh any more.
    crate::support::api::site_sign_out(&app, &mut b).await;
    app.clock.advance(hour);
    pool.pool().advance_clock(hour);
    let res = app
        .client
        .get(app.at("/api/me"))
        .header("cookie", format!("{name}={kept}"))
        .send()
        .await
        .unwrap();
    assert_ne!(
        res.status(),
        200,
        "the revoked refresh token no longer refreshes"
    );
}

#[tokio::test]
async fn a_code_sign_in_without_a_verified_address_reads_like_any_other_and_the_password_works() {
    // A user without a verified e-mail gets no e-mail code. The page must not say so (issue 25,
    // item 6: an unknown address gets the code page): the same code page, which refuses every
    // code; the password still signs in on the sign-in page.
    let unverified = UserSeed {
        email: "unverified@example.com".into(),
        password: DEMO_USER_PASSWORD.into(),
        sub: None,
        confirmed: true,
        email_verified: Some(false),
        attributes: Default::default(),
        groups: vec![],
        password_temporary: false,
    };
    let pool = pool(vec![unverified], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let (_, loc) = b
        .post(
            "signin",
            "code-signin",
            &[("username", "unverified@example.com")],
        )
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"));
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("Enter the code we e-mailed you"), "{page}");
    assert!(!page.contains("How do you want to sign in?"), "{page}");
    let (_, loc) = b
        .post("challenge", "challenge", &[("code", "12345678")])
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge?error=code"));
    let (_, loc) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", "unverified@example.com"),
                ("password", DEMO_USER_PASSWORD),
            ],
        )
        .await;
    assert_signed_in_at(&loc, &app);
    assert_eq!(b.session().await["user"]["email"], "unverified@example.com");
}

#[tokio::test]
async fn the_built_in_sign_in_page_posts_the_form_and_the_page_model_is_json() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let (status, _, page) = b.get("/api/auth/signin").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!(
            "action=\"{}\"",
            app.at("/api/auth/cognito/signin")
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "action=\"{}\"",
            app.at("/api/auth/signin/cognito")
        )),
        "the hosted-UI button too: {page}"
    );
    let res = app
        .client
        .get(app.at("/api/auth/cognito/reset?error=code"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let model: Value = res.json().await.unwrap();
    assert_eq!(model["step"], "reset");
    assert_eq!(
        model["error"],
        "That code is not right. Check it and try again."
    );
    let names: Vec<&str> = model["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["username", "code", "password"]);
    assert_eq!(model["fields"][1]["autocomplete"], "one-time-code");
    assert_eq!(model["fields"][2]["autocomplete"], "new-password");
    assert!(model["csrfToken"].as_str().is_some_and(|t| t.len() == 64));
    // A POST without the CSRF token changes nothing and goes back to the form.
    let res = app
        .client
        .post(app.at("/api/auth/cognito/forgot"))
        .form(&[("username", DEMO_USER_EMAIL)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&res),
        app.at("/api/auth/cognito/forgot?error=csrf")
    );
    assert!(pool.pool().outbox_messages().is_empty(), "no code was sent");
}

#[tokio::test]
async fn a_rotating_client_refreshes_through_get_tokens_from_refresh_token() {
    let pool = pool_with_client(|c| c.refresh_token_rotation = true).await;
    let providers = hallpass::provider::Cognito::builder()
        .client_id(userpool::DEMO_CLIENT_ID)
        .client_secret(DEMO_CLIENT_SECRET.to_string().into())
        .issuer(pool.issuer(userpool::DEMO_POOL_ID).as_str())
        .sign_in_mode(hallpass::provider::SignInMode::Form)
        .refresh_rotation(true)
        .build_providers()
        .unwrap();
    let app = app_with(providers).await;
    let mut b = Browser::new(&app);
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
    let name = app.hallpass.session_cookie_name().to_string();
    let before = app
        .hallpass
        .decode_session(&b.jar[&name])
        .unwrap()
        .tokens
        .unwrap();
    let hour = Duration::from_secs(3600);
    app.clock.advance(hour);
    pool.pool().advance_clock(hour);
    let (status, _, _) = b.get("/api/me").await;
    assert_eq!(status, 200);
    let after = app
        .hallpass
        .decode_session(&b.jar[&name])
        .unwrap()
        .tokens
        .unwrap();
    assert_ne!(after.access_token, before.access_token);
    assert_ne!(
        after.refresh_token, before.refresh_token,
        "the client rotates: a new refresh token is kept"
    );
}

#[tokio::test]
async fn an_email_code_signs_in_without_a_password() {
    // USER_AUTH preferring EMAIL_OTP: the pool mails a code (its outbox), the form asks for it,
    // and the right code ends in the same session a password gives.
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let (_, loc) = b
        .post("signin", "code-signin", &[("username", DEMO_USER_EMAIL)])
        .await;
    assert_eq!(loc, app.at("/api/auth/cognito/challenge"));
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("autocomplete=\"one-time-code\""), "{page}");
    let code = code_for(&pool, DEMO_USER_EMAIL, MessageKind::EmailOtp);
    assert!(!page.contains(&code), "the code is not on the page");
    let (_, loc) = b
        .post("challenge", "challenge", &[("code", code.as_str())])
        .await;
    assert_signed_in_at(&loc, &app);
    assert_eq!(b.session().await["user"]["email"], DEMO_USER_EMAIL);
}
