//! `GET session` rolls the expiry as NextAuth does, but encrypts at most once a minute per session:
//! a fresh cookie goes back as it is, and an old one brought by several requests becomes one new value.

use hallpass::SessionToken;
use reqwest::header::HeaderMap;

use crate::flow::session_value;
use crate::support::app::{spawn_app, TestApp};

/// The default `session_max_age` (30 days).
const MAX_AGE: i64 = 30 * 24 * 3600;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn ada(exp: i64) -> SessionToken {
    SessionToken {
        sub: Some("sub-ada".into()),
        name: Some("Ada".into()),
        iat: exp - MAX_AGE,
        exp,
        jti: "first".into(),
        ..Default::default()
    }
}

async fn get_session(app: &TestApp, value: &str) -> HeaderMap {
    let res = app
        .client
        .get(app.at("/api/auth/session"))
        .header(
            "cookie",
            format!("{}={value}", app.hallpass.session_cookie_name()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.headers().clone()
}

#[tokio::test]
async fn a_fresh_cookie_is_sent_back_unchanged() {
    let app = spawn_app().await;
    let value = app.hallpass.encode_session(&ada(now() + MAX_AGE));
    let headers = get_session(&app, &value).await;
    assert_eq!(
        session_value(&app, &headers).as_deref(),
        Some(value.as_str()),
        "no re-encryption within the minute"
    );
}

#[tokio::test]
async fn an_old_cookie_is_reencrypted_once_for_every_request_that_brings_it() {
    let app = spawn_app().await;
    let old = app.hallpass.encode_session(&ada(now() + 3600));
    let first = session_value(&app, &get_session(&app, &old).await).expect("re-issued");
    let second = session_value(&app, &get_session(&app, &old).await).expect("re-issued");
    assert_ne!(first, old, "an expiry far from a fresh one rolls");
    assert_eq!(first, second, "the same old cookie gets the same new one");
    let renewed = app.hallpass.decode_session(&first).unwrap();
    assert!(
        renewed.exp > now() + MAX_AGE - 60,
        "rolled to a fresh expiry"
    );
    assert_ne!(renewed.jti, "first");
    // The new cookie, brought back, is fresh: it goes back as it is.
    let third = session_value(&app, &get_session(&app, &first).await).expect("set");
    assert_eq!(third, first);
}
