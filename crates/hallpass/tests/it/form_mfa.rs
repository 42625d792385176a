//! The MFA page of a signed-in user of the Cognito form (`{base}/cognito/mfa`), against a real local
//! pool: an authenticator app's set-up (the key grouped in fours, a wrong code that stays on the
//! set-up, the right one), the factors shown, a TOTP sign-in afterwards, "make it preferred",
//! turning it off; and a signed-out visit sent to sign in and back.

use serde_json::{json, Value};
use userpool::totp::TotpSecret;
use userpool::{MfaSetting, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::cognito::{app, assert_signed_in_at, attr_after, pool, Browser, Now};

const MFA: &str = "/api/auth/cognito/mfa";

async fn signed_in<'a>(app: &'a crate::support::app::TestApp) -> Browser<'a> {
    let mut b = Browser::new(app);
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
    assert_signed_in_at(&loc, app);
    b
}

/// The MFA page as JSON (its page model).
async fn model(b: &mut Browser<'_>, app: &crate::support::app::TestApp) -> Value {
    let res = reqwest::Client::new()
        .get(app.at(MFA))
        .header("accept", "application/json")
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// `SetUserMFAPreference` straight at the pool, with the session's access token.
async fn set_preference(
    pool: &userpool::RunningUserPool,
    access_token: &str,
    enabled: bool,
    preferred: bool,
) {
    let res = reqwest::Client::new()
        .post(pool.base_url())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.SetUserMFAPreference",
        )
        .body(json!({"AccessToken": access_token, "SoftwareTokenMfaSettings": {"Enabled": enabled, "PreferredMfa": preferred}}).to_string())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn set_up_an_authenticator_sign_in_with_it_prefer_it_and_turn_it_off() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = signed_in(&app).await;

    // Off at first; the page offers the set-up.
    let (status, _, page) = b.get(MFA).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Two-step sign-in") && page.contains("Set up an authenticator app"));
    let m = model(&mut b, &app).await;
    assert_eq!(m["step"], "mfa");
    assert_eq!(m["mfa"]["factors"][0]["id"], "SOFTWARE_TOKEN_MFA");
    assert_eq!(m["mfa"]["factors"][0]["on"], false);

    // The set-up shows the key in groups of four, its otpauth:// URI and the code field.
    let (status, loc) = b.post("mfa", "mfa-setup", &[]).await;
    assert_eq!((status, loc.as_str()), (302, app.at(MFA).as_str()));
    let (_, _, page) = b.get(MFA).await;
    let shown = attr_after(&page, "<code id=\"totp-secret\">");
    let shown = shown.split('<').next().unwrap();
    assert!(
        shown.split(' ').all(|g| g.len() <= 4) && shown.split(' ').count() >= 8,
        "grouped in fours: {shown}"
    );
    let secret = TotpSecret::from_base32(&shown.replace(' ', "")).unwrap();
    assert!(page.contains("otpauth://totp/") && page.contains("autocomplete=\"one-time-code\""));
    let m = model(&mut b, &app).await;
    assert_eq!(m["totp"]["grouped"], shown);
    assert!(m["mfa"].is_null(), "the set-up page shows no factors");

    // A wrong code stays on the set-up with the same key.
    let now = app.hallpass_now();
    let right = secret.code_at(now);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (_, loc) = b.post("mfa", "mfa", &[("code", wrong)]).await;
    assert_eq!(loc, app.at("/api/auth/cognito/mfa?error=code"));
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("That code is not right"), "{page}");
    assert!(page.contains(shown), "the same key after a wrong code");

    // The right code: on, preferred, and the page says so.
    let (_, loc) = b.post("mfa", "mfa", &[("code", &right)]).await;
    assert_eq!(loc, app.at("/api/auth/cognito/mfa?notice=mfa-on"));
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("Your authenticator app is set up"), "{page}");
    assert!(!page.contains(shown), "the key is gone once set up");
    let m = model(&mut b, &app).await;
    assert_eq!(m["mfa"]["factors"][0]["on"], true);
    assert_eq!(m["mfa"]["factors"][0]["preferred"], true);

    // The next sign-in asks for the app's code.
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
    let (_, loc) = again
        .post(
            "challenge",
            "challenge",
            &[("code", &secret.code_at(now + 30))],
        )
        .await;
    assert_signed_in_at(&loc, &app);

    // On but not preferred (as after choosing another factor elsewhere): the page offers it.
    let token = app
        .hallpass
        .decode_session(b.jar.get(app.hallpass.session_cookie_name()).unwrap())
        .unwrap();
    let access = token.tokens.unwrap().access_token.expose().to_string();
    set_preference(&pool, &access, true, false).await;
    let (_, _, page) = b.get(MFA).await;
    assert!(page.contains("Make the app the preferred way"), "{page}");
    let (_, loc) = b.post("mfa", "mfa-prefer", &[]).await;
    assert_eq!(loc, app.at("/api/auth/cognito/mfa?notice=mfa-preferred"));
    assert_eq!(
        model(&mut b, &app).await["mfa"]["factors"][0]["preferred"],
        true
    );

    // Off: the factor is off, and signing in asks for no code.
    let (_, loc) = b.post("mfa", "mfa-off", &[]).await;
    assert_eq!(loc, app.at("/api/auth/cognito/mfa?notice=mfa-off"));
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("Your authenticator app is off"), "{page}");
    assert_eq!(model(&mut b, &app).await["mfa"]["factors"][0]["on"], false);
    let _ = signed_in(&app).await;
}

#[tokio::test]
async fn the_mfa_page_needs_a_form_session_and_its_posts_a_csrf_token() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    // Signed out: to the sign-in page, which comes back here.
    let mut b = Browser::new(&app);
    let (status, loc, _) = b.get(MFA).await;
    assert_eq!(status, 302);
    assert!(
        loc.starts_with(&app.at("/api/auth/cognito/signin?error=signin-again&callbackUrl=")),
        "{loc}"
    );
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("Please sign in again"), "{page}");
    // A signed-out POST does nothing but send the browser to sign in.
    let csrf = b.csrf("signin").await;
    let (status, loc) = b.post_raw("mfa-setup", &[("csrfToken", &csrf)], &[]).await;
    assert_eq!(status, 302);
    assert!(loc.contains("error=signin-again"), "{loc}");

    // Signed in, a POST without the CSRF token is refused before any call.
    let mut b = signed_in(&app).await;
    let (status, loc) = b.post_raw("mfa-off", &[], &[]).await;
    assert_eq!(
        (status, loc.as_str()),
        (302, app.at("/api/auth/cognito/mfa?error=csrf").as_str())
    );
    // Without a set-up under way, a code is refused as an expired set-up.
    let (_, loc) = b.post("mfa", "mfa", &[("code", "123456")]).await;
    assert_eq!(loc, app.at("/api/auth/cognito/mfa?error=setup-expired"));
}
