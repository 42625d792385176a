//! Server-side sessions over HTTP, the same behaviours on every store: each `async fn` below takes
//! a fresh store (see `support::stores`) and is instantiated for SQLite, Postgres and Redis at the
//! bottom.

mod accounts;
mod attempts;
mod down;
mod faults;
mod multi;
mod recheck;
mod reset;

use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse;
use hallpass::hooks::{HookError, Hooks, JwtTrigger};
use hallpass::provider::{Profile, SignIn};
use hallpass::{Config, HallpassBuilder, SessionToken};
use http::HeaderMap;
use serde_json::{json, Value};

use crate::flow::{csrf_for, session_value, set_cookies};
use crate::support::app::{spawn_app_with, TestApp, SECRET};
use crate::support::stores::{run, Fixture, Kind};

const DAY: i64 = 24 * 3600;

/// An app on the fixture's store: 1-day sessions rolled after an hour.
pub(crate) async fn app_on(
    fx: &Fixture,
    port: Option<u16>,
    timeout: Duration,
    extra: Option<Box<dyn FnOnce(HallpassBuilder) -> HallpassBuilder>>,
    providers: Vec<hallpass::provider::Provider>,
) -> TestApp {
    let config = Config::builder()
        .secret(SECRET)
        .debug(true)
        .session_max_age(Duration::from_secs(DAY as u64))
        .session_update_age(Duration::from_secs(3600));
    let install = fx.install(port, timeout);
    let hooks: Box<dyn FnOnce(HallpassBuilder) -> HallpassBuilder> = match extra {
        Some(f) => Box::new(move |b| f(install(b))),
        None => install,
    };
    spawn_app_with(config, providers, Some(hooks)).await
}

async fn app(fx: &Fixture) -> TestApp {
    app_on(fx, None, Duration::from_secs(2), None, Vec::new()).await
}

/// Signs in through the app's own handler (user `local-7`); returns the session id.
pub(crate) async fn sign_in(app: &TestApp, user_agent: &str) -> String {
    let res = app
        .client
        .post(app.at("/handler/sign-in"))
        .header("user-agent", user_agent)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{:?}", res.text().await);
    session_value(app, res.headers()).expect("a session cookie")
}

pub(crate) fn cookie(app: &TestApp, id: &str) -> String {
    format!("{}={id}", app.hallpass.session_cookie_name())
}

pub(crate) fn headers(app: &TestApp, id: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("cookie", cookie(app, id).parse().unwrap());
    h
}

pub(crate) async fn get(app: &TestApp, path: &str, id: &str) -> reqwest::Response {
    app.client
        .get(app.at(path))
        .header("cookie", cookie(app, id))
        .send()
        .await
        .unwrap()
}

/// True when the response expires the session cookie.
pub(crate) fn clears_session(app: &TestApp, res: &reqwest::Response) -> bool {
    let prefix = format!("{}=;", app.hallpass.session_cookie_name());
    set_cookies(res.headers())
        .iter()
        .any(|c| c.starts_with(&prefix) && c.contains("Max-Age=0"))
}

/// A session of another user (`other-1`), signed in through the public API.
async fn sign_in_other(app: &TestApp) -> String {
    let cookies = app
        .hallpass
        .sign_in(
            &HeaderMap::new(),
            "local",
            SignIn {
                profile: Profile::new("other-1").with_name("Other"),
                tokens: None,
            },
        )
        .await
        .unwrap();
    let res = (cookies, "").into_response();
    session_value(app, res.headers()).unwrap()
}

async fn sign_in_read_and_sign_out(fx: Arc<Fixture>) {
    let app = app(&fx).await;
    let id = sign_in(&app, "Firefox/1").await;
    // The cookie is an opaque 256-bit id, not the session.
    assert_eq!(id.len(), 43, "{id}");
    assert!(!id.contains('.'));
    let res = get(&app, "/protected", &id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "Protected for Grace Hopper");
    let body: Value = get(&app, "/api/auth/session", &id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["user"]["name"], "Grace Hopper");
    assert_eq!(body["user"]["groups"], json!(["staff"]));
    // The row: stored under a hash of the id, the claims encrypted.
    let inspector = fx.inspector();
    let rows = inspector.records().list(None, "local-7").await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.provider.as_str(), row.sub.as_str()),
        ("local", "local-7")
    );
    assert_eq!(row.key.len(), 64);
    assert!(!row.key.contains(&id) && !row.payload.contains(&id));
    assert!(!row.payload.contains("Grace"), "the payload is encrypted");
    assert_eq!(row.user_agent.as_deref(), Some("Firefox/1"));
    // Sign-out deletes the row; the old cookie is then signed out (and cleared) everywhere.
    let res = app
        .client
        .post(app.at("/handler/sign-out"))
        .header("cookie", cookie(&app, &id))
        .send()
        .await
        .unwrap();
    assert!(clears_session(&app, &res));
    assert!(inspector
        .records()
        .list(None, "local-7")
        .await
        .unwrap()
        .is_empty());
    let res = get(&app, "/api/me", &id).await;
    assert_eq!(res.status(), 401);
    assert!(clears_session(&app, &res));
    // The sign-out endpoint deletes it too.
    let id = sign_in(&app, "Firefox/1").await;
    let (csrf_cookie, token) = csrf_for(&app, &cookie(&app, &id)).await;
    let res = app
        .client
        .post(app.at("/api/auth/signout"))
        .header("cookie", format!("{}; {csrf_cookie}", cookie(&app, &id)))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert!(inspector
        .records()
        .list(None, "local-7")
        .await
        .unwrap()
        .is_empty());
}

async fn rolling_keeps_the_id_and_moves_expiry(fx: Arc<Fixture>) {
    let app = app(&fx).await;
    let id = sign_in(&app, "ua").await;
    let inspector = fx.inspector();
    let row = |rows: Vec<hallpass::store::Record>| rows.into_iter().next().unwrap();
    let first = row(inspector.records().list(None, "local-7").await.unwrap());
    // Inside update_age: nothing is written, no cookie set.
    app.clock.advance(Duration::from_secs(30 * 60));
    let res = get(&app, "/protected", &id).await;
    assert_eq!(res.status(), 200);
    assert!(session_value(&app, res.headers()).is_none());
    let same = row(inspector.records().list(None, "local-7").await.unwrap());
    assert_eq!(same.expires_at, first.expires_at);
    // Past update_age: the row's expiry moves to now + max_age, and the cookie is set again with
    // the same id (a session's id never changes).
    app.clock.advance(Duration::from_secs(60 * 60));
    let res = get(&app, "/protected", &id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        session_value(&app, res.headers()).as_deref(),
        Some(id.as_str())
    );
    let rolled = row(inspector.records().list(None, "local-7").await.unwrap());
    assert_eq!(rolled.expires_at, first.expires_at + 90 * 60);
    assert_eq!(rolled.last_seen_at, first.last_seen_at + 90 * 60);
    assert_eq!(rolled.created_at, first.created_at);
    // The session JSON shows the new expiry.
    let res = get(&app, "/api/auth/session", &id).await;
    assert_eq!(
        session_value(&app, res.headers()).as_deref(),
        Some(id.as_str())
    );
    let body: Value = res.json().await.unwrap();
    let expires = time::OffsetDateTime::from_unix_timestamp(rolled.expires_at).unwrap();
    assert!(
        body["expires"].as_str().unwrap().starts_with(&format!(
            "{}-{:02}-{:02}T",
            expires.year(),
            expires.month() as u8,
            expires.day()
        )),
        "{body}"
    );
}

/// `POST session` data lands in the session (NextAuth's `update()`).
struct UpdateHooks;

impl Hooks for UpdateHooks {
    async fn jwt(
        &self,
        mut token: SessionToken,
        trigger: JwtTrigger<'_>,
    ) -> Result<SessionToken, HookError> {
        if let JwtTrigger::Update { data } = trigger {
            token.extra.insert("theme".into(), data["theme"].clone());
        }
        Ok(token)
    }
    async fn session(&self, mut session: Value, token: &SessionToken) -> Value {
        session["theme"] = token.extra.get("theme").cloned().unwrap_or(Value::Null);
        session
    }
}

async fn update_writes_the_row_in_place(fx: Arc<Fixture>) {
    let with_hooks = || -> Option<Box<dyn FnOnce(HallpassBuilder) -> HallpassBuilder>> {
        Some(Box::new(|b| b.hooks(UpdateHooks)))
    };
    let app = app_on(&fx, None, Duration::from_secs(2), with_hooks(), Vec::new()).await;
    let id = sign_in(&app, "ua").await;
    let (csrf_cookie, token) = csrf_for(&app, &cookie(&app, &id)).await;
    let res = app
        .client
        .post(app.at("/api/auth/session"))
        .header("cookie", format!("{}; {csrf_cookie}", cookie(&app, &id)))
        .json(&json!({ "csrfToken": token, "data": { "theme": "dark" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        session_value(&app, res.headers()).as_deref(),
        Some(id.as_str())
    );
    assert_eq!(res.json::<Value>().await.unwrap()["theme"], "dark");
    // Written to the store, not only cached: another instance reads it.
    let other = app_on(&fx, None, Duration::from_secs(2), with_hooks(), Vec::new()).await;
    let body: Value = get(&other, "/api/auth/session", &id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["theme"], "dark");
    assert_eq!(body["user"]["name"], "Grace Hopper");
    // A wrong CSRF token changes nothing.
    let res = app
        .client
        .post(app.at("/api/auth/session"))
        .header("cookie", format!("{}; {csrf_cookie}", cookie(&app, &id)))
        .json(&json!({ "csrfToken": "forged", "data": { "theme": "light" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

async fn list_and_revoke_one_and_all(fx: Arc<Fixture>) {
    let app = app(&fx).await;
    let laptop = sign_in(&app, "Laptop\tBrowser<b>").await;
    app.clock.advance(Duration::from_secs(5));
    let phone = sign_in(&app, "Phone").await;
    app.clock.advance(Duration::from_secs(5));
    let tablet = sign_in(&app, "Tablet").await;
    let other = sign_in_other(&app).await;
    let list = app.hallpass.sessions(&headers(&app, &phone)).await.unwrap();
    let agents: Vec<_> = list
        .iter()
        .map(|s| s.user_agent.as_deref().unwrap())
        .collect();
    assert_eq!(
        agents,
        ["Phone", "Tablet", "LaptopBrowser<b>"],
        "this browser's first, then the others newest first, cleaned"
    );
    let current: Vec<bool> = list.iter().map(|s| s.current).collect();
    assert_eq!(current, [true, false, false]);
    for s in &list {
        assert!(!s.id.to_string().contains(&phone) && s.id.to_string().len() == 32);
        assert_eq!(
            s.id.to_string().parse::<hallpass::SessionHandle>().unwrap(),
            s.id
        );
        assert!(s.expires_at > s.created_at);
    }
    // Another user's handle is "not found" for this user.
    let others = app.hallpass.sessions(&headers(&app, &other)).await.unwrap();
    assert_eq!(others.len(), 1);
    assert!(!app
        .hallpass
        .revoke_session(&headers(&app, &phone), &others[0].id)
        .await
        .unwrap());
    assert_eq!(get(&app, "/api/me", &other).await.status(), 200);
    // Revoke the laptop from the phone.
    let laptop_handle = list[2].id.clone();
    assert!(app
        .hallpass
        .revoke_session(&headers(&app, &phone), &laptop_handle)
        .await
        .unwrap());
    assert!(!app
        .hallpass
        .revoke_session(&headers(&app, &phone), &laptop_handle)
        .await
        .unwrap());
    let res = get(&app, "/api/me", &laptop).await;
    assert_eq!(res.status(), 401);
    assert!(clears_session(&app, &res));
    assert_eq!(get(&app, "/api/me", &tablet).await.status(), 200);
    // Sign out everywhere from the tablet: the phone and the tablet go, the other user stays.
    let (n, cookies) = app
        .hallpass
        .sign_out_everywhere(&headers(&app, &tablet))
        .await
        .unwrap();
    assert_eq!(n, 2);
    let res = (cookies, "").into_response();
    assert!(set_cookies(res.headers())
        .iter()
        .any(|c| c.contains("Max-Age=0")));
    for id in [&phone, &tablet] {
        assert_eq!(get(&app, "/api/me", id).await.status(), 401);
    }
    assert_eq!(get(&app, "/api/me", &other).await.status(), 200);
    assert!(matches!(
        app.hallpass.sessions(&headers(&app, &phone)).await,
        Err(hallpass::Error::SignedOut)
    ));
    // The admin call.
    assert_eq!(
        app.hallpass.revoke_user_sessions("other-1").await.unwrap(),
        1
    );
    assert_eq!(get(&app, "/api/me", &other).await.status(), 401);
    assert_eq!(
        app.hallpass.revoke_user_sessions("other-1").await.unwrap(),
        0
    );
}

async fn expiry_by_the_clock(fx: Arc<Fixture>) {
    let app = app(&fx).await;
    let id = sign_in(&app, "ua").await;
    app.clock.advance(Duration::from_secs(DAY as u64 - 60));
    assert_eq!(get(&app, "/api/me", &id).await.status(), 200, "rolled");
    // Unused for a whole max_age after the roll (and the 15 s tolerance): expired and gone.
    app.clock.advance(Duration::from_secs(DAY as u64 + 16));
    let res = get(&app, "/api/me", &id).await;
    assert_eq!(res.status(), 401);
    assert!(clears_session(&app, &res));
    let body: Value = get(&app, "/api/auth/session", &id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({}));
    assert!(fx
        .inspector()
        .records()
        .list(None, "local-7")
        .await
        .unwrap()
        .is_empty());
}

async fn tampered_and_unknown_ids_are_signed_out(fx: Arc<Fixture>) {
    let app = app(&fx).await;
    let id = sign_in(&app, "ua").await;
    let mut flipped = id.clone().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let jwe = app.hallpass.encode_session(&SessionToken {
        sub: Some("local-7".into()),
        exp: 4_000_000_000,
        ..Default::default()
    });
    let unknown = "A".repeat(43);
    for bad in [
        flipped.as_str(),
        unknown.as_str(),
        "short",
        jwe.as_str(),
        "%00<script>",
    ] {
        let res = get(&app, "/api/me", bad).await;
        assert_eq!(res.status(), 401, "{bad}");
        assert!(clears_session(&app, &res), "{bad}");
        let res = get(&app, "/api/auth/session", bad).await;
        assert_eq!(res.status(), 200, "{bad}");
        assert!(clears_session(&app, &res), "{bad}");
        assert_eq!(res.json::<Value>().await.unwrap(), json!({}));
        let res = app
            .client
            .get(app.at("/protected"))
            .header("cookie", cookie(&app, bad))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302, "{bad}");
    }
    // The real one still works, also as a Bearer token.
    assert_eq!(get(&app, "/api/me", &id).await.status(), 200);
    let res = app
        .client
        .get(app.at("/api/me"))
        .bearer_auth(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A row whose payload was moved from another row does not open (it is bound to its key).
    let other = sign_in(&app, "ua2").await;
    let inspector = fx.inspector();
    let rows = inspector.records().list(None, "local-7").await.unwrap();
    assert_eq!(rows.len(), 2);
    let (a, b) = (&rows[0], &rows[1]);
    assert!(inspector
        .records()
        .write(&a.key, &b.payload, None)
        .await
        .unwrap());
    // The cache may hold the row for up to a second: poll until the swap is seen. The row that got
    // another's payload no longer opens; the other session is untouched.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (x, y) = (
            get(&app, "/api/me", &id).await.status(),
            get(&app, "/api/me", &other).await.status(),
        );
        if x == 401 || y == 401 {
            assert!(x == 200 || y == 200, "only the tampered row is refused");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a moved payload was accepted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The refresh lease, on the store itself: one holder at a time, a dead holder's lease runs out,
/// and a write with a stale fence is dropped.
async fn the_refresh_lease_is_exclusive_and_fenced(fx: Arc<Fixture>) {
    let store = fx.inspector();
    let records = store.records();
    let key = "ab".repeat(32);
    assert_eq!(
        records
            .lease(&key, wall_ms(), wall_ms() + 50)
            .await
            .unwrap(),
        None,
        "no row"
    );
    records
        .insert(&hallpass::store::Record {
            key: key.clone(),
            provider: "p".into(),
            issuer: "i".into(),
            sub: "s".into(),
            payload: "v0".into(),
            created_at: 1,
            last_seen_at: 1,
            expires_at: 4_000_000_000,
            user_agent: None,
            login: None,
            version: 0,
        })
        .await
        .unwrap();
    let now = wall_ms();
    // A second long: a loaded machine must not let it run out before the next call.
    let first = records
        .lease(&key, now, now + 1_000)
        .await
        .unwrap()
        .expect("free");
    assert_eq!(
        records
            .lease(&key, wall_ms(), wall_ms() + 100)
            .await
            .unwrap(),
        None,
        "held"
    );
    // The holder dies: once its lease has run out, the next one takes it with a new fence.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let now = wall_ms();
    let second = records
        .lease(&key, now, now + 5_000)
        .await
        .unwrap()
        .expect("expired");
    assert!(second > first);
    // The first holder's late write is dropped; the second's lands and bumps the version.
    assert!(!records.write(&key, "late", Some(first)).await.unwrap());
    assert!(records.write(&key, "fresh", Some(second)).await.unwrap());
    let row = records.get(&key).await.unwrap().unwrap();
    assert_eq!((row.payload.as_str(), row.version), ("fresh", 1));
    // The write released the lease.
    let now = wall_ms();
    assert!(records.lease(&key, now, now + 100).await.unwrap().is_some());
    assert!(records.delete(&key).await.unwrap());
    assert!(records.get(&key).await.unwrap().is_none());
}

async fn cookie_sessions_have_no_session_list() {
    let app = crate::support::app::spawn_app().await;
    let res = app
        .client
        .post(app.at("/handler/sign-in"))
        .send()
        .await
        .unwrap();
    let value = session_value(&app, res.headers()).unwrap();
    let h = headers(&app, &value);
    assert!(matches!(
        app.hallpass.sessions(&h).await,
        Err(hallpass::Error::NoSessionStore)
    ));
    assert!(matches!(
        app.hallpass.revoke_user_sessions("local-7").await,
        Err(hallpass::Error::NoSessionStore)
    ));
}

#[tokio::test]
async fn cookie_sessions_answer_no_session_store() {
    cookie_sessions_have_no_session_list().await;
}

#[tokio::test]
async fn the_store_comes_from_auth_session_store() {
    let dir = std::env::temp_dir().join(format!("hallpass-env-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/s.db", dir.display());
    let vars = |k: &str| match k {
        "AUTH_SESSION_STORE" => Some(url.clone()),
        "AUTH_SESSION_STORE_TIMEOUT" => Some("250".into()),
        _ => None,
    };
    let config = Config::builder().secret(SECRET).with_vars(vars).unwrap();
    let app = spawn_app_with(config, Vec::new(), None).await;
    let id = sign_in(&app, "ua").await;
    assert_eq!(id.len(), 43);
    assert_eq!(
        app.hallpass
            .sessions(&headers(&app, &id))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(format!("{:?}", app.hallpass.config()).contains("sqlite://"));
    let _ = std::fs::remove_dir_all(dir);
    // Mistakes name the variable, and a password never shows.
    for bad in ["mysql://u:pw@h/db", "postgres://u:pw@", "sqlite:x"] {
        let e = Config::builder()
            .secret(SECRET)
            .with_vars(|k| (k == "AUTH_SESSION_STORE").then(|| bad.to_string()))
            .unwrap()
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("AUTH_SESSION_STORE"), "{e}");
        assert!(!e.to_string().contains("pw"), "{e}");
    }
    let e = Config::builder()
        .with_vars(|k| (k == "AUTH_SESSION_STORE_TIMEOUT").then(|| "soon".to_string()))
        .err()
        .unwrap();
    assert!(e.to_string().contains("AUTH_SESSION_STORE_TIMEOUT"), "{e}");
    let c = Config::builder()
        .secret(SECRET)
        .session_store("postgres://app:hunter2@db.internal:5432/app")
        .build()
        .unwrap();
    assert_eq!(c.session_store(), Some("postgres://db.internal:5432/app"));
    assert!(!format!("{c:?}").contains("hunter2"));
}

/// One `#[tokio::test]` per behaviour and store.
macro_rules! for_each_store {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::run(super::Kind::Sqlite, super::$test).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::run(super::Kind::Postgres, super::$test).await } )*
        }
        mod redis {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::run(super::Kind::Redis, super::$test).await } )*
        }
    };
}

use accounts::{
    a_login_name_ends_every_session_of_its_account, an_older_schema_is_migrated,
    sign_out_everywhere_covers_every_door,
};
use attempts::attempt_counters_count_per_window_and_under_concurrency;
use down::{
    an_unreachable_store_fails_fast_after_a_few_failures,
    the_form_says_unavailable_and_revokes_when_the_store_is_down,
};
use faults::{
    sign_out_while_the_store_is_down_keeps_the_cookie_and_says_so,
    store_down_is_signed_out_and_503_then_recovers,
};
use multi::two_instances_refresh_once_and_see_revocations;
use recheck::a_globally_signed_out_session_ends_at_the_recheck;
use reset::{
    a_reset_on_the_own_pages_ends_the_accounts_stored_sessions,
    the_forms_attempt_counts_are_shared_through_the_store,
};

for_each_store!(
    sign_in_read_and_sign_out,
    rolling_keeps_the_id_and_moves_expiry,
    update_writes_the_row_in_place,
    list_and_revoke_one_and_all,
    expiry_by_the_clock,
    tampered_and_unknown_ids_are_signed_out,
    the_refresh_lease_is_exclusive_and_fenced,
    store_down_is_signed_out_and_503_then_recovers,
    two_instances_refresh_once_and_see_revocations,
    sign_out_everywhere_covers_every_door,
    an_older_schema_is_migrated,
    sign_out_while_the_store_is_down_keeps_the_cookie_and_says_so,
    the_form_says_unavailable_and_revokes_when_the_store_is_down,
    an_unreachable_store_fails_fast_after_a_few_failures,
    attempt_counters_count_per_window_and_under_concurrency,
    a_login_name_ends_every_session_of_its_account,
    a_globally_signed_out_session_ends_at_the_recheck,
    a_reset_on_the_own_pages_ends_the_accounts_stored_sessions,
    the_forms_attempt_counts_are_shared_through_the_store,
);
