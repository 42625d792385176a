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
use crate::support::stores::{Fixture, Kind};

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
    let form = sign_in_through(
        &app,
        "cognito-form",
        profile(sub, Some(POOL), "a@example.com"),
    )
    .await;
    // The same `sub` at another issuer is another user.
    let elsewhere = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other";
    let stranger = sign_in_through(
        &app,
        "cognito",
        profile(sub, Some(elsewhere), "b@example.com"),
    )
    .await;
    // The list shows both doors' sessions, from either browser.
    for id in [&hosted, &form] {
        let list = app.hallpass.sessions(&headers(&app, id)).await.unwrap();
        assert_eq!(list.len(), 2, "both doors of the account");
        assert_eq!(list.iter().filter(|s| s.current).count(), 1);
        // Each shows the door it came through.
        let mut doors: Vec<&str> = list.iter().map(|s| s.provider.as_str()).collect();
        doors.sort();
        assert_eq!(doors, ["cognito", "cognito-form"]);
    }
    let list = app
        .hallpass
        .sessions(&headers(&app, &stranger))
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "another issuer's user");
    // One of the other door's sessions can be revoked from here.
    app.clock.advance(Duration::from_secs(5));
    let third = sign_in_through(
        &app,
        "cognito-form",
        profile(sub, Some(POOL), "a@example.com"),
    )
    .await;
    let list = app
        .hallpass
        .sessions(&headers(&app, &hosted))
        .await
        .unwrap();
    assert_eq!(list.len(), 3);
    assert!(list[0].current, "the asking browser's session first");
    let newest = list.iter().max_by_key(|s| s.created_at).unwrap().id.clone();
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

/// The columns of a version-1 table (before the issuer was kept).
const V1_TABLE: &str = "CREATE TABLE hallpass_sessions (key_hash TEXT PRIMARY KEY, \
     provider TEXT NOT NULL, sub TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL, \
     last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, user_agent TEXT, \
     version BIGINT NOT NULL DEFAULT 0, fence BIGINT NOT NULL DEFAULT 0, \
     lease_until BIGINT NOT NULL DEFAULT 0)";

/// A table (or Redis hash) written by an older Hallpass: SQL tables gain the new columns through
/// the schema-version row, and an old row's account is its provider, as it was.
pub(super) async fn an_older_schema_is_migrated(fx: Arc<Fixture>) {
    let v1 = [
        V1_TABLE.to_string(),
        "CREATE TABLE hallpass_sessions_schema (version BIGINT NOT NULL)".into(),
        "INSERT INTO hallpass_sessions_schema (version) VALUES (1)".into(),
        format!(
            "INSERT INTO hallpass_sessions (key_hash, provider, sub, payload, created_at, \
             last_seen_at, expires_at) VALUES ('{}', 'local', 'local-7', 'x', 1, 1, 4000000000)",
            "c".repeat(64)
        ),
    ];
    match fx.kind {
        Kind::Sqlite => {
            let url = format!("sqlite://{}?mode=rwc", fx.place);
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            for sql in &v1 {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Kind::Postgres => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect("postgres://postgres@127.0.0.1:5432/test")
                .await
                .unwrap();
            sqlx::query(&format!("SET search_path TO {}", fx.place))
                .execute(&pool)
                .await
                .unwrap();
            for sql in &v1 {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
        }
        Kind::Redis => {
            let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
            let mut c = client.get_multiplexed_async_connection().await.unwrap();
            let key = "c".repeat(64);
            redis::pipe()
                .cmd("HSET")
                .arg(format!("{}s:{key}", fx.place))
                .arg(&[
                    ("provider", "local"),
                    ("sub", "local-7"),
                    ("payload", "x"),
                    ("created_at", "1"),
                    ("last_seen_at", "1"),
                    ("expires_at", "4000000000"),
                    ("version", "0"),
                    ("fence", "0"),
                ])
                .cmd("SADD")
                .arg(format!("{}u:local-7", fx.place))
                .arg(&key)
                .query_async::<()>(&mut c)
                .await
                .unwrap();
        }
    }
    let app = app_on(&fx, None, Duration::from_secs(2), None, Vec::new()).await;
    let id = super::sign_in(&app, "new").await;
    assert_eq!(get(&app, "/api/me", &id).await.status(), 200);
    let inspector = fx.inspector();
    let rows = inspector
        .records()
        .list(Some("local"), "local-7")
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the old row and the new one: {rows:?}");
    assert!(rows.iter().all(|r| r.issuer == "local"));
    // The new session's list shows the old row too (same account).
    let list = app.hallpass.sessions(&headers(&app, &id)).await.unwrap();
    assert_eq!(list.len(), 2);
    if fx.kind != Kind::Redis {
        // A second instance finds the table current and changes nothing.
        let again = app_on(&fx, None, Duration::from_secs(2), None, Vec::new()).await;
        assert_eq!(get(&again, "/api/me", &id).await.status(), 200);
    }
}

/// After a password reset on the own pages only the typed e-mail is known, not the `sub`: every
/// stored session of the account that signs in with it ends at once, whatever door it used.
pub(super) async fn a_login_name_ends_every_session_of_its_account(fx: Arc<Fixture>) {
    let app = app_on(&fx, None, Duration::from_secs(2), None, Vec::new()).await;
    let victim =
        |door| sign_in_through(&app, door, profile("v-1", Some(POOL), "Victim@Example.com"));
    let (hosted, form) = (victim("cognito").await, victim("cognito-form").await);
    let other = sign_in_through(
        &app,
        "cognito",
        profile("o-1", Some(POOL), "other@example.com"),
    )
    .await;
    // The address is kept only as a keyed hash.
    let rows = fx.inspector().records().list(None, "v-1").await.unwrap();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        let login = r.login.as_deref().expect("a login hash");
        assert_eq!(login.len(), 64);
        assert!(!login.to_lowercase().contains("victim"));
    }
    let n = app
        .hallpass
        .revoke_login_sessions(" victim@EXAMPLE.com")
        .await
        .unwrap();
    assert_eq!(n, 2);
    for id in [&hosted, &form] {
        assert_eq!(get(&app, "/api/me", id).await.status(), 401);
    }
    assert_eq!(get(&app, "/api/me", &other).await.status(), 200);
    assert_eq!(
        app.hallpass
            .revoke_login_sessions("victim@example.com")
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.hallpass.revoke_login_sessions("").await.unwrap(), 0);
}
