//! A store that is down or misconfigured: the own form says sign-in is unavailable (and revokes
//! the tokens it just got), and after a few failures in a row requests fail fast.

use std::sync::Arc;
use std::time::Duration;

use hallpass::provider::{PasswordFlow, ProviderError};
use hallpass::store::{RedisStore, SqlStore, StoreOptions};
use hallpass::{Config, HallpassBuilder};
use userpool::{MfaSetting, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use super::get;
use crate::support::app::{spawn_app_with, SECRET};
use crate::support::cognito::{pool, providers, Browser, KeepTokens};
use crate::support::logs;
use crate::support::proxy::{Mode, Proxy};
use crate::support::stores::{Fixture, Kind};

/// A builder step installing a store of the fixture's kind that cannot work: SQLite in a directory
/// that does not exist, Postgres with a `?schema=` that does not exist, Redis on a closed port.
fn broken_store(fx: &Fixture) -> Box<dyn FnOnce(HallpassBuilder) -> HallpassBuilder> {
    let timeout = Duration::from_millis(300);
    match fx.kind {
        Kind::Sqlite => {
            let dir = std::path::Path::new(&fx.place).parent().unwrap().join("no");
            let url = format!("sqlite://{}/s.db", dir.display());
            let s = SqlStore::connect_lazy(&url, fx.options(timeout)).unwrap();
            Box::new(move |b| b.record_store(s))
        }
        Kind::Postgres => {
            let o = StoreOptions::default()
                .timeout(timeout)
                .schema(format!("{}_missing", fx.place));
            let s = SqlStore::connect_lazy(&fx.url(None), o).unwrap();
            Box::new(move |b| b.record_store(s))
        }
        Kind::Redis => {
            let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = closed.local_addr().unwrap().port();
            drop(closed);
            let s = RedisStore::open(&fx.url(Some(port)), fx.options(timeout)).unwrap();
            Box::new(move |b| b.record_store(s))
        }
    }
}

pub(super) async fn the_form_says_unavailable_and_revokes_when_the_store_is_down(fx: Arc<Fixture>) {
    let pool = pool(vec![], MfaSetting::Optional).await;
    let keep = KeepTokens::default();
    let (install, hooks) = (broken_store(&fx), keep.clone());
    let providers = providers(&pool, PasswordFlow::Srp);
    let form = providers
        .iter()
        .find(|p| p.id() == "cognito-form")
        .unwrap()
        .clone();
    let app = spawn_app_with(
        Config::builder().secret(SECRET).debug(true),
        providers,
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
    assert_eq!(
        loc,
        app.at("/api/auth/cognito/signin?error=unavailable"),
        "not 'Incorrect email or password.'"
    );
    let (_, _, page) = b.get(&loc).await;
    assert!(page.contains("not available right now"), "{page}");
    assert!(!page.contains("Incorrect email or password."));
    // The tokens the pool gave were revoked: nobody can use them once no session holds them.
    let (sub, tokens) = keep.get();
    let refreshed = form
        .refresh(&tokens, &sub, hallpass::clock::Clock::now(&app.clock))
        .await;
    assert!(
        matches!(refreshed, Err(ProviderError::RefreshTokenDead)),
        "{refreshed:?}"
    );
}

pub(super) async fn an_unreachable_store_fails_fast_after_a_few_failures(fx: Arc<Fixture>) {
    let log = logs::capture();
    let Some(target) = fx.target() else {
        // SQLite in a directory that does not exist fails at once: no need to fail fast, and the
        // breaker stays closed, so the store is used again as soon as it is there.
        let install = broken_store(&fx);
        let app = spawn_app_with(Config::builder().secret(SECRET), Vec::new(), Some(install)).await;
        let id = "A".repeat(43);
        for _ in 0..8 {
            assert_eq!(get(&app, "/api/me", &id).await.status(), 503);
        }
        let dir = std::path::Path::new(&fx.place).parent().unwrap();
        let lines = log.lines_containing(&dir.display().to_string());
        assert!(!lines.is_empty(), "the store's failures are logged");
        assert!(
            lines.iter().all(|l| !l.contains("failing fast")),
            "{lines:?}"
        );
        std::fs::create_dir_all(dir.join("no")).unwrap();
        let res = app
            .client
            .post(app.at("/handler/sign-in"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "used again at once");
        return;
    };
    let proxy = Proxy::start(target).await;
    let app = super::app_on(
        &fx,
        Some(proxy.port),
        Duration::from_millis(300),
        None,
        Vec::new(),
    )
    .await;
    let id = super::sign_in(&app, "ua").await;
    // A store that accepts and never answers: without a breaker, every request waits the timeout.
    proxy.set(Mode::Hang);
    // The per-instance read cache may answer for up to a second.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while get(&app, "/api/me", &id).await.status() != 503 {
        assert!(
            std::time::Instant::now() < deadline,
            "never saw the store down"
        );
    }
    for _ in 0..10 {
        assert_eq!(get(&app, "/api/me", &id).await.status(), 503);
    }
    let here = format!("127.0.0.1:{}", proxy.port);
    let lines = log.lines_containing(&here);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("WARN") && l.contains("failing fast")),
        "the breaker opening is logged: {lines:?}"
    );
    let fast = lines.iter().filter(|l| l.contains("failing fast")).count();
    assert!(fast >= 5, "later requests do not call the store: {lines:?}");
    // Back: a probe after the back-off closes the breaker.
    proxy.set(Mode::Up);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while get(&app, "/api/me", &id).await.status() != 200 {
        assert!(std::time::Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
