//! A store that goes away: pages are signed out, APIs answer 503, no cookie is cleared, no request
//! waits past the store timeout, and the app recovers when the store is back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{app_on, clears_session, cookie, get, sign_in};
use crate::flow::csrf_for;
use crate::support::app::TestApp;
use crate::support::proxy::{Mode, Proxy};
use crate::support::stores::Fixture;

/// Polls `path` until it answers `status` (the per-instance cache may serve a second longer).
async fn until_status(app: &TestApp, path: &str, id: &str, status: u16) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let res = get(app, path, id).await;
        if res.status() == status {
            return res;
        }
        assert!(Instant::now() < deadline, "{path} never answered {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a request sees while the store is down.
async fn fails_closed(app: &TestApp, id: &str) {
    let res = until_status(app, "/api/me", id, 503).await;
    assert!(!clears_session(app, &res), "a store error keeps the cookie");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "SessionStoreUnavailable");
    let res = get(app, "/api/auth/session", id).await;
    assert_eq!(res.status(), 503);
    assert!(!clears_session(app, &res));
    let res = get(app, "/strict", id).await;
    assert_eq!(res.status(), 503, "a guard on an API route");
    let page = app
        .client
        .get(app.at("/protected"))
        .header("cookie", cookie(app, id))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 302, "pages are signed out");
    assert!(!clears_session(app, &page));
    assert_eq!(
        get(app, "/maybe", id).await.text().await.unwrap(),
        "signed out"
    );
}

pub(super) async fn store_down_is_signed_out_and_503_then_recovers(fx: Arc<Fixture>) {
    let timeout = Duration::from_millis(300);
    let Some(target) = fx.target() else {
        return sqlite_store_missing_then_created(fx).await;
    };
    let log = crate::support::logs::capture();
    let proxy = Proxy::start(target).await;
    let app = app_on(&fx, Some(proxy.port), timeout, None, Vec::new()).await;
    let id = sign_in(&app, "ua").await;
    assert_eq!(get(&app, "/api/me", &id).await.status(), 200);
    // Refused connections.
    proxy.set(Mode::Refuse);
    fails_closed(&app, &id).await;
    // A store that accepts and never answers: each request gives up after the timeout.
    proxy.set(Mode::Hang);
    fails_closed(&app, &id).await;
    // The log names the store, without its password.
    let here = format!("127.0.0.1:{}", proxy.port);
    let lines = log.lines_containing(&here);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("WARN") && l.contains("session store")),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| !l.contains("sekret")), "{lines:?}");
    // Back: the pool / connection manager reconnects by itself.
    proxy.set(Mode::Up);
    until_status(&app, "/api/me", &id, 200).await;
    let res = get(&app, "/api/auth/session", &id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["user"]["name"],
        "Grace Hopper"
    );
}

/// SQLite has no server to stop: a database in a directory that does not exist yet fails every
/// call until the directory is made.
async fn sqlite_store_missing_then_created(fx: Arc<Fixture>) {
    let dir = std::path::Path::new(&fx.place)
        .parent()
        .unwrap()
        .join("later");
    let url = format!("sqlite://{}/s.db", dir.display());
    let store =
        hallpass::store::SqlStore::connect_lazy(&url, fx.options(Duration::from_millis(300)))
            .unwrap();
    let config = hallpass::Config::builder().secret(crate::support::app::SECRET);
    let app = crate::support::app::spawn_app_with(
        config,
        Vec::new(),
        Some(Box::new(move |b| b.record_store(store))),
    )
    .await;
    let res = app
        .client
        .post(app.at("/handler/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "no session can be made");
    let id = "A".repeat(43);
    fails_closed(&app, &id).await;
    std::fs::create_dir_all(&dir).unwrap();
    let id = sign_in(&app, "ua").await;
    until_status(&app, "/api/me", &id, 200).await;
}

/// Posts the sign-out form of `id`'s browser; `json` asks for `{"url"}` as NextAuth's client does.
async fn post_sign_out(app: &TestApp, id: &str, json: bool) -> reqwest::Response {
    let (csrf_cookie, token) = csrf_for(app, &cookie(app, id)).await;
    let mut form = vec![("csrfToken", token.as_str())];
    if json {
        form.push(("json", "true"));
    }
    app.client
        .post(app.at("/api/auth/signout"))
        .header("cookie", format!("{}; {csrf_cookie}", cookie(app, id)))
        .header(
            "accept",
            if json {
                "application/json"
            } else {
                "text/html"
            },
        )
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// What a sign-out sees while the store cannot delete the row: 503, the cookie kept, and it says so.
async fn sign_out_fails_loudly(app: &TestApp, id: &str) {
    let res = post_sign_out(app, id, false).await;
    assert_eq!(res.status(), 503, "a browser is told sign-out failed");
    assert!(!clears_session(app, &res), "the cookie is kept");
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<html") || page.contains("<!DOCTYPE"),
        "{page}"
    );
    assert!(page.contains("still signed in"), "{page}");
    let res = post_sign_out(app, id, true).await;
    assert_eq!(res.status(), 503);
    assert!(!clears_session(app, &res));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "SessionStoreUnavailable");
    // `Hallpass::sign_out` (an app's own handler) keeps the cookie too: clearing it would leave the
    // row, and a copy of the cookie, alive.
    let res = app
        .client
        .post(app.at("/handler/sign-out"))
        .header("cookie", cookie(app, id))
        .send()
        .await
        .unwrap();
    assert!(!clears_session(app, &res));
}

pub(super) async fn sign_out_while_the_store_is_down_keeps_the_cookie_and_says_so(
    fx: Arc<Fixture>,
) {
    let Some(target) = fx.target() else {
        // SQLite: a store that fails every call (its directory does not exist).
        let app = app_on_missing_sqlite(&fx).await;
        return sign_out_fails_loudly(&app, &"A".repeat(43)).await;
    };
    let proxy = Proxy::start(target).await;
    let app = app_on(
        &fx,
        Some(proxy.port),
        Duration::from_millis(300),
        None,
        Vec::new(),
    )
    .await;
    let id = sign_in(&app, "ua").await;
    proxy.set(Mode::Refuse);
    until_status(&app, "/api/me", &id, 503).await;
    sign_out_fails_loudly(&app, &id).await;
    // Back: the session was never ended (and nobody was told it was); now sign-out ends it.
    proxy.set(Mode::Up);
    until_status(&app, "/api/me", &id, 200).await;
    let res = post_sign_out(&app, &id, false).await;
    assert_eq!(res.status(), 302);
    assert!(clears_session(&app, &res));
    until_status(&app, "/api/me", &id, 401).await;
}

/// An app on a SQLite store whose directory does not exist: every store call fails.
async fn app_on_missing_sqlite(fx: &Fixture) -> TestApp {
    let dir = std::path::Path::new(&fx.place)
        .parent()
        .unwrap()
        .join("missing");
    let url = format!("sqlite://{}/s.db", dir.display());
    let store =
        hallpass::store::SqlStore::connect_lazy(&url, fx.options(Duration::from_millis(300)))
            .unwrap();
    let config = hallpass::Config::builder().secret(crate::support::app::SECRET);
    crate::support::app::spawn_app_with(
        config,
        Vec::new(),
        Some(Box::new(move |b| b.record_store(store))),
    )
    .await
}
