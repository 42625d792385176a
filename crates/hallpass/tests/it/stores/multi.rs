//! Two Hallpass instances sharing one store, as two servers behind a load balancer: a refresh due
//! makes exactly one token request whichever instance the requests hit, and a sign-out on one is
//! seen by the other within a second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{app_on, get};
use crate::flow;
use crate::support::mock_idp::{Gate, MockIdp, TokenEndpoint};
use crate::support::stores::Fixture;

pub(super) async fn two_instances_refresh_once_and_see_revocations(fx: Arc<Fixture>) {
    let idp = MockIdp::start().await;
    // The access token has 30 s left: inside the refresh margin from the first request on.
    idp.set_behaviour(|b| b.expires_in = 30);
    let provider = || vec![idp.cognito().build().unwrap().into()];
    let timeout = Duration::from_secs(2);
    let a = app_on(&fx, None, timeout, None, provider()).await;
    let b = app_on(&fx, None, timeout, None, provider()).await;
    let id = flow::sign_in(&a, &idp).await;
    assert_eq!(id.len(), 43);

    // The token endpoint holds its answer until the gate opens, so that every request below is
    // in flight while the refresh is.
    let gate = Gate::new();
    idp.set_behaviour(|beh| {
        beh.token_endpoint = TokenEndpoint::Held(gate.clone());
        beh.expires_in = 3600;
        // Meanwhile the user was added to a group at the provider.
        beh.refresh_id_token_set
            .insert("cognito:groups".into(), serde_json::json!(["admin"]));
    });
    let before = idp.token_requests();
    let a = Arc::new(a);
    let b = Arc::new(b);
    let mut requests = Vec::new();
    for i in 0..12 {
        let app = if i % 2 == 0 { a.clone() } else { b.clone() };
        let id = id.clone();
        requests.push(tokio::spawn(async move {
            get(&app, "/api/me", &id).await.status().as_u16()
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while idp.token_requests() == before {
        assert!(Instant::now() < deadline, "no refresh started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    gate.open();
    for r in requests {
        assert_eq!(r.await.unwrap(), 200);
    }
    assert_eq!(
        idp.token_requests(),
        before + 1,
        "one token request across both instances"
    );
    // Both instances now use the stored result: no further token request.
    for app in [&a, &b, &a, &b] {
        assert_eq!(get(app, "/api/me", &id).await.status(), 200);
    }
    assert_eq!(idp.token_requests(), before + 1);
    // The new ID token's groups reached the session on both instances.
    for app in [&a, &b] {
        let me: serde_json::Value = get(app, "/api/me", &id).await.json().await.unwrap();
        assert_eq!(me["groups"], serde_json::json!(["admin"]), "{me}");
        assert_eq!(get(app, "/admin", &id).await.status(), 200);
    }
    let rows = fx
        .inspector()
        .records()
        .list(None, crate::support::mock_idp::SUB)
        .await
        .unwrap();
    assert!(
        rows.iter().all(|r| r.version >= 1),
        "the refresh was written: {rows:?}"
    );

    // Sign out on A; B sees it within its cache's second (polled, not slept on).
    assert_eq!(get(&b, "/protected", &id).await.status(), 200);
    let res = a
        .client
        .post(a.at("/handler/sign-out"))
        .header("cookie", super::cookie(&a, &id))
        .send()
        .await
        .unwrap();
    assert!(super::clears_session(&a, &res));
    let signed_out_at = Instant::now();
    loop {
        if get(&b, "/api/me", &id).await.status() == 401 {
            break;
        }
        assert!(
            signed_out_at.elapsed() < Duration::from_secs(5),
            "the other instance still accepts a deleted session"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
