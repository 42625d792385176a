//! The Cognito form's steps, parsed once at the edge (issue 26 item 3): an unknown step is a 404
//! (never "reset"), whatever the method, the token or the fields; each step reads its own fields.

use hallpass::provider::PasswordFlow;
use userpool::{MessageKind, MfaSetting, DEMO_USER_EMAIL};

use crate::support::cognito::{app, app_with, code_for, pool, providers, Browser};

#[tokio::test]
async fn an_unknown_step_is_a_404_never_a_reset() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app(&pool).await;
    let mut b = Browser::new(&app);
    let csrf = b.csrf("reset").await;
    for step in [
        "bogus", "Reset", "resets", "reset%20", "code", "%00", "sign-in",
    ] {
        // Every field a reset takes, and a valid token: still nothing runs.
        let (status, loc) = b
            .post_raw(
                step,
                &[
                    ("csrfToken", &csrf),
                    ("username", DEMO_USER_EMAIL),
                    ("code", "123456"),
                    ("password", "New-Passw0rd!"),
                ],
                &[],
            )
            .await;
        assert_eq!((status, loc.as_str()), (404, ""), "POST {step}");
        let (status, _, body) = b.get(&format!("/api/auth/cognito/{step}")).await;
        assert_eq!(status, 404, "GET {step}: {body}");
        assert!(!body.contains('\0'), "{body:?}");
    }
    // `resend`, `code-signin` and the MFA page's buttons are actions, not pages.
    for step in [
        "resend",
        "code-signin",
        "mfa-setup",
        "mfa-prefer",
        "mfa-off",
    ] {
        let (status, _, _) = b.get(&format!("/api/auth/cognito/{step}")).await;
        assert_eq!(status, 404, "GET {step}");
    }
    // No reset code was asked for or used.
    assert!(pool
        .pool()
        .outbox_messages()
        .iter()
        .all(|m| m.kind != MessageKind::Reset));
}

#[tokio::test]
async fn each_step_reads_its_own_fields_first_occurrence_winning() {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let app = app_with(providers(&pool, PasswordFlow::Srp)).await;
    let mut b = Browser::new(&app);
    let csrf = b.csrf("forgot").await;
    // The first `username` wins, as it always did; unknown fields are ignored.
    let (_, loc) = b
        .post_raw(
            "forgot",
            &[
                ("csrfToken", &csrf),
                ("username", DEMO_USER_EMAIL),
                ("username", "someone-else@example.com"),
                ("extra", "ignored"),
            ],
            &[],
        )
        .await;
    assert!(
        loc.ends_with("/api/auth/cognito/reset?notice=code-sent"),
        "{loc}"
    );
    let _ = code_for(&pool, DEMO_USER_EMAIL, MessageKind::Reset);
    // A missing field is the page's "fill in every field", on the step's own page.
    let (_, loc) = b
        .post_raw(
            "confirm",
            &[("csrfToken", &csrf), ("username", DEMO_USER_EMAIL)],
            &[],
        )
        .await;
    assert!(
        loc.ends_with("/api/auth/cognito/confirm?error=input"),
        "{loc}"
    );
    let (_, loc) = b.post_raw("resend", &[("csrfToken", &csrf)], &[]).await;
    assert!(
        loc.ends_with("/api/auth/cognito/confirm?error=input"),
        "{loc}"
    );
}
