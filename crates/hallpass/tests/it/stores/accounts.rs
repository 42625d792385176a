//! A user is an account (the issuer and `sub`), whatever door they came through: the hosted UI
//! (`cognito`) and the own form (`cognito-form`) of one pool are the same user.

use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse;
use hallpass::provider::{Profile, SignIn};
use http::HeaderMap;

use super::{app_on, get, headers};
use crate::flow::session_value;
use crate::support::app::TestApp;
use crate::support::stores::Fixture;

const POOL: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Doors";

/// A verified profile as a Cognito door makes it: the ID token's claims, `iss` among them.
fn profile(sub: &str, iss: Option<&str>, email: &str) -> Profile {
    let mut p = Profile::new(sub).with_email(email);
    if let Some(iss) = iss {
        p.claims.insert("iss".into(), iss.into());
    }
    p
}

/// Signs `profile` in through `door` (a provider id) with the public API; returns the session id.
pub(super) async fn sign_in_through(app: &TestApp, door: &str, profile: Profile) -> String {
    let mut h = HeaderMap::new();
    h.insert("user-agent", door.parse().unwrap());
    let cookies = app
        .hallpass
        .sign_in(
            &h,
            door,
            SignIn {
                profile,
                tokens: None,
            },
        )
        .await
        .unwrap();
    let res = (cookies, "").into_response();
    session_value(app, res.headers()).expect("a session cookie")
}

pub(super) async fn sign_out_everywhere_covers_every_door(fx: Arc<Fixture>) {
    let app = app_on(&fx, None, Duration::from_secs(2), None, Vec::new()).await;
    let sub = "7d3c-same-user";
    let hosted = sign_in_through(&app, "cognito", profile(sub, Some(POOL), "a@example.com")).await;
    let form =
        sign_in_through(&app, "cognito-form", profile(sub, Some(POOL), "a@example.com")).await;
    // The same `sub` at another issuer is another user.
    let elsewhere = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other";
    let stranger =
        sign_in_through(&app, "cognito", profile(sub, Some(elsewhere), "b@example.com")).await;
    // The list shows both doors' sessions, from either browser.
    for id in [&hosted, &form] {
        let list = app.hallpass.sessions(&headers(&app, id)).await.unwrap();
        assert_eq!(list.len(), 2, "both doors of the account");
        assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    }
    let list = app
        .hallpass
        .sessions(&headers(&app, &stranger))
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "another issuer's user");
    // One of the other door's sessions can be revoked from here.
    app.clock.advance(Duration::from_secs(5));
    let third = sign_in_through(&app, "cognito-form", profile(sub, Some(POOL), "a@example.com")).await;
    let list = app.hallpass.sessions(&headers(&app, &hosted)).await.unwrap();
    assert_eq!(list.len(), 3);
    let newest = list[0].id.clone();
    assert!(app
        .hallpass
        .revoke_session(&headers(&app, &hosted), &newest)
        .await
        .unwrap());
    assert_eq!(get(&app, "/api/me", &third).await.status(), 401);
    // "Sign out everywhere" from the hosted-UI browser ends the form browser's session too.
    let (n, _) = app
        .hallpass
        .sign_out_everywhere(&headers(&app, &hosted))
        .await
        .unwrap();
    assert_eq!(n, 2);
    for id in [&hosted, &form] {
        assert_eq!(get(&app, "/api/me", id).await.status(), 401);
    }
    assert_eq!(get(&app, "/api/me", &stranger).await.status(), 200);
}
