//! One test body, three session backends: the cookie itself, an app's own `SessionStore`
//! (`support::memory_store`) and a record store (SQLite). What every backend must do the same way
//! (sign in, a protected page, the session endpoint, CSRF bound to the session, sign-out), and the
//! one place they differ on purpose: a copy of a signed-out cookie still opens a cookie session
//! until it expires (nothing is stored to forget it), never a stored one.

use hallpass::{Config, HallpassBuilder};
use serde_json::Value;

use crate::flow::{csrf_for, session_value, set_cookies};
use crate::support::app::{spawn_app_with, TestApp, SECRET};
use crate::support::memory_store::MemoryStore;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    Cookie,
    Custom,
    Stored,
}

type Install = Box<dyn FnOnce(HallpassBuilder) -> HallpassBuilder>;

async fn app_on(backend: Backend, store: &MemoryStore) -> TestApp {
    let config = Config::builder().secret(SECRET);
    let (config, install): (_, Option<Install>) = match backend {
        Backend::Cookie => (config, None),
        Backend::Custom => {
            let store = store.clone();
            (config, Some(Box::new(move |b| b.session_store(store))))
        }
        Backend::Stored => (config.session_store("sqlite::memory:"), None),
    };
    spawn_app_with(config, Vec::new(), install).await
}

fn cookie(app: &TestApp, value: &str) -> String {
    format!("{}={value}", app.hallpass.session_cookie_name())
}

async fn get(app: &TestApp, path: &str, value: &str) -> reqwest::Response {
    app.client
        .get(app.at(path))
        .header("cookie", cookie(app, value))
        .send()
        .await
        .unwrap()
}

async fn the_lifecycle_on(backend: Backend) {
    let store = MemoryStore::default();
    let app = app_on(backend, &store).await;
    let res = app
        .client
        .post(app.at("/handler/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{backend:?}");
    let value = session_value(&app, res.headers()).expect("a session cookie");
    // What a start-up line says of where sessions live.
    let storage = app.hallpass.session_storage();
    let expected = match backend {
        Backend::Cookie => "in an encrypted cookie",
        Backend::Custom => "in the app's own session store",
        Backend::Stored => "in sqlite:",
    };
    assert!(storage.starts_with(expected), "{backend:?}: {storage}");
    match backend {
        Backend::Cookie => assert_eq!(value.split('.').count(), 5, "a JWE: {value}"),
        Backend::Custom => assert_eq!(store.len(), 1, "saved in the app's store"),
        Backend::Stored => assert_eq!(value.len(), 43, "an opaque id: {value}"),
    }

    let res = get(&app, "/protected", &value).await;
    assert_eq!(res.status(), 200, "{backend:?}");
    assert_eq!(res.text().await.unwrap(), "Protected for Grace Hopper");
    let body: Value = get(&app, "/api/auth/session", &value)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["user"]["name"], "Grace Hopper", "{backend:?}: {body}");
    if backend == Backend::Custom {
        // Reading the session re-issues nothing new within the minute: still one entry.
        assert_eq!(store.len(), 1, "one entry per session");
    }

    // A CSRF token is bound to the session: one made while signed out does not sign it out.
    let (signed_out_csrf, signed_out_token) = csrf_for(&app, "").await;
    let with_session = format!("{}; {signed_out_csrf}", cookie(&app, &value));
    let res = app
        .client
        .post(app.at("/api/auth/signout"))
        .header("cookie", &with_session)
        .form(&[("csrfToken", signed_out_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "{backend:?}");
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.ends_with("/api/auth/signout?csrf=true"),
        "{backend:?}: refused, back to the sign-out page: {location}"
    );
    assert_eq!(get(&app, "/api/me", &value).await.status(), 200);

    // The session's own token signs it out and clears the cookie.
    let (csrf_cookie, token) = csrf_for(&app, &cookie(&app, &value)).await;
    let res = app
        .client
        .post(app.at("/api/auth/signout"))
        .header("cookie", format!("{}; {csrf_cookie}", cookie(&app, &value)))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "{backend:?}");
    let prefix = format!("{}=;", app.hallpass.session_cookie_name());
    assert!(
        set_cookies(res.headers())
            .iter()
            .any(|c| c.starts_with(&prefix) && c.contains("Max-Age=0")),
        "{backend:?}: the cookie is cleared"
    );

    // A copy of the old cookie: only a stored session is really gone.
    let replay = get(&app, "/api/me", &value).await.status();
    match backend {
        Backend::Cookie => assert_eq!(replay, 200, "a JWE cannot be recalled"),
        Backend::Custom | Backend::Stored => assert_eq!(replay, 401, "{backend:?}"),
    }
    if backend == Backend::Custom {
        assert_eq!(store.len(), 0, "deleted from the app's store");
    }
}

#[tokio::test]
async fn the_lifecycle_with_cookie_sessions() {
    the_lifecycle_on(Backend::Cookie).await;
}

#[tokio::test]
async fn the_lifecycle_with_a_custom_store() {
    the_lifecycle_on(Backend::Custom).await;
}

#[tokio::test]
async fn the_lifecycle_with_a_record_store() {
    the_lifecycle_on(Backend::Stored).await;
}

/// An app's store that fails: APIs answer 503 (not 401), the cookie is kept, and sign-out says it
/// could not end the session; once it is back, the same cookie works.
#[tokio::test]
async fn a_custom_store_that_is_down_is_503_and_keeps_the_cookie() {
    let store = MemoryStore::default();
    let app = app_on(Backend::Custom, &store).await;
    let res = app
        .client
        .post(app.at("/handler/sign-in"))
        .send()
        .await
        .unwrap();
    let value = session_value(&app, res.headers()).unwrap();
    store.set_down(true);
    let res = get(&app, "/api/me", &value).await;
    assert_eq!(res.status(), 503);
    assert!(
        !set_cookies(res.headers())
            .iter()
            .any(|c| c.contains("Max-Age=0")),
        "the cookie is kept while the store is down"
    );
    store.set_down(false);
    assert_eq!(get(&app, "/api/me", &value).await.status(), 200);
}
