//! `AUTH_SESSION_RECHECK`: tokens the provider revoked (a global sign-out, a reset elsewhere) end
//! a stored session at its next re-check, checked against the real local pool.

use std::sync::Arc;
use std::time::Duration;

use hallpass::provider::PasswordFlow;
use hallpass::Config;
use userpool::{MfaSetting, DEMO_POOL_ID, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::support::app::{spawn_app_with, SECRET};
use crate::support::cognito::{assert_signed_in_at, pool, providers, Browser, KeepTokens};
use crate::support::stores::Fixture;

pub(super) async fn a_globally_signed_out_session_ends_at_the_recheck(fx: Arc<Fixture>) {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let keep = KeepTokens::default();
    let (install, hooks) = (fx.install(None, Duration::from_secs(2)), keep.clone());
    let app = spawn_app_with(
        Config::builder().secret(SECRET).debug(true),
        providers(&pool, PasswordFlow::Srp),
        Some(Box::new(move |b| install(b).hooks(hooks))),
    )
    .await;
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
    assert_eq!(b.get("/api/me").await.0, 200);
    // Elsewhere (another app, the console): every sign-in of the user ends at the pool.
    let access = keep.get().1.access_token.expose().to_string();
    let api = pool.issuer(DEMO_POOL_ID).join("/").unwrap();
    let res = reqwest::Client::new()
        .post(api)
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.GlobalSignOut",
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(serde_json::json!({ "AccessToken": access }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    // Within the re-check period the stored copy still counts (that is the documented bound).
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(b.get("/api/me").await.0, 200);
    // Past it (300 s by default with a store), the tokens are checked: refused, the session ends,
    // although the access token itself has most of its hour left.
    app.clock.advance(Duration::from_secs(250));
    assert_eq!(b.get("/api/me").await.0, 401);
    // The session JSON says so once (NextAuth's RefreshAccessTokenError) and clears the cookie.
    assert_eq!(
        b.session().await,
        serde_json::json!({ "error": "RefreshAccessTokenError" })
    );
    assert_eq!(b.session().await, serde_json::json!({}));
}

#[test]
fn auth_session_recheck_is_read_and_checked() {
    let vars =
        |v: &'static str| move |k: &str| (k == "AUTH_SESSION_RECHECK").then(|| v.to_string());
    assert!(
        Config::builder().with_vars(vars("0")).is_ok(),
        "0 turns it off"
    );
    assert!(Config::builder().with_vars(vars("120")).is_ok());
    for bad in ["soon", "-1", "1.5"] {
        let e = Config::builder().with_vars(vars(bad)).err().unwrap();
        assert!(e.to_string().contains("AUTH_SESSION_RECHECK"), "{e}");
    }
}
