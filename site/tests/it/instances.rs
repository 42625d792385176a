//! Three site instances behind one public URL, sharing one session store (Postgres, then Redis)
//! and one user pool, as behind a load balancer: a session made on one is used on the others; 30
//! concurrent requests with an expired access token, spread over the three, make one token
//! request; a sign-out on one is seen by the others within a second; with the store cut off every
//! instance fails closed (pages signed out, the session API 503), and recovers when it is back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hallpass::clock::ManualClock;
use hallpass::provider::Cognito;
use hallpass_site::{Settings, Site};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::COOKIE;
use serde_json::Value;
use url::Url;

use crate::support::proxy::Proxy;
use crate::support::{form, get, sign_in_from_home, submit, SECRET};

/// The machine's shared services (the README's "Real services").
const POSTGRES: &str = "127.0.0.1:5432";
const REDIS: &str = "127.0.0.1:6379";

/// True when `addr` answers; in CI a missing service fails the test instead of skipping it.
async fn service(name: &str, addr: &str) -> bool {
    if tokio::net::TcpStream::connect(addr).await.is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{name} at {addr} is not answering: CI needs it (see .ci/run)"
    );
    eprintln!("NOT RUN: {name} (nothing at {addr})");
    false
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn three_instances_share_postgres_sessions() {
    if !service("postgres", POSTGRES).await {
        return;
    }
    let schema = unique("hp_site_");
    let admin = format!("postgres://postgres@{POSTGRES}/test");
    let pg = sqlx::PgPool::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pg)
        .await
        .unwrap();
    let proxy = Proxy::start(POSTGRES.parse().unwrap()).await;
    let url = format!("postgres://postgres@{}/test?schema={schema}", proxy.addr);
    three_instances(&url, &proxy).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&pg)
        .await
        .unwrap();
}

#[tokio::test]
async fn three_instances_share_redis_sessions() {
    if !service("redis", REDIS).await {
        return;
    }
    let prefix = unique("hp-site-");
    let proxy = Proxy::start(REDIS.parse().unwrap()).await;
    let url = format!("redis://{}/?prefix={prefix}:", proxy.addr);
    three_instances(&url, &proxy).await;
    let client = redis::Client::open(format!("redis://{REDIS}/")).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut con)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut con)
            .await
            .unwrap();
    }
}

struct Instances {
    urls: Vec<Url>,
    pool: userpool::RunningUserPool,
    clock: ManualClock,
}

/// Site 1 with the embedded pool; sites 2 and 3 sign in with that pool too. All three have site
/// 1's URL as their public URL (one site behind a load balancer) and share the clock.
async fn start(store_url: &str) -> Instances {
    let clock = ManualClock::starting_now();
    let mut first = Settings::for_tests(SECRET);
    first.clock = Some(clock.clone());
    first.auth = first.auth.session_store(store_url);
    let site = Site::start(first).await.unwrap();
    let public = site.url.clone();
    let (url1, pool) = site.spawn();
    let pool = pool.unwrap();
    let mut urls = vec![url1];
    for _ in 0..2 {
        let mut s = Settings::for_tests(SECRET);
        s.clock = Some(clock.clone());
        s.auth = s.auth.session_store(store_url).url(public.as_str());
        s.auth_url_given = true;
        s.cognito = Cognito::builder()
            .client_id(userpool::DEMO_CLIENT_ID)
            .client_secret(userpool::DEMO_CLIENT_SECRET.to_string().into())
            .issuer(pool.issuer(userpool::DEMO_POOL_ID).as_str())
            .federated_sign_out(true)
            .build_providers()
            .unwrap();
        let site = Site::start(s).await.unwrap();
        // Served on its own port, addressed by its own URL (the public URL is site 1's).
        let port = site.local_addr().port();
        site.spawn();
        let mut url = public.clone();
        url.set_port(Some(port)).unwrap();
        urls.push(url);
    }
    Instances { urls, pool, clock }
}

async fn session_json(client: &reqwest::Client, base: &Url, cookie: &str) -> (u16, Value) {
    let r = client
        .get(base.join("/api/auth/session").unwrap())
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// The `Cookie` header the browser's jar sends to `url`.
fn cookie_header(jar: &Jar, url: &Url) -> String {
    jar.cookies(url)
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_string()
}

/// A page's answer for a visitor who is signed out: a redirect to the sign-in page.
fn sends_to_sign_in(page: &reqwest::Response) -> bool {
    page.status().is_redirection()
        && page
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.contains("/api/auth/signin"))
}

async fn three_instances(store_url: &str, proxy: &Proxy) {
    let sites = start(store_url).await;
    let at = |i: usize, p: &str| sites.urls[i].join(p).unwrap().to_string();
    let jar = Arc::new(Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    // Requests with a saved Cookie header and no jar: a browser still holding an old cookie.
    // It follows no redirect: the saved header holds the pool's hosted-UI cookie too (cookies
    // ignore ports), so following a page's redirect to sign-in would sign in again.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Sign in on the first instance, through the pool's hosted UI.
    sign_in_from_home(&browser, &at(0, "/")).await;
    let cookie = cookie_header(&jar, &sites.urls[0]);
    assert!(
        cookie.len() < 400,
        "the cookie is an id, not the session: {cookie}"
    );

    // The session works on every instance.
    for i in 0..3 {
        let (status, s) = session_json(&plain, &sites.urls[i], &cookie).await;
        assert_eq!(status, 200);
        assert_eq!(s["user"]["name"], "Demo User", "instance {i}: {s}");
    }

    // An hour later the access token has expired: 30 concurrent page loads over the three
    // instances make exactly one token request, and every one of them is signed in.
    let later = Duration::from_secs(3600 + 120);
    sites.clock.advance(later);
    sites.pool.pool().advance_clock(later);
    let before = sites.pool.pool().refreshes();
    let loads = (0..30).map(|n| {
        let (plain, url, cookie) = (plain.clone(), at(n % 3, "/protected"), cookie.clone());
        tokio::spawn(async move {
            let r = plain.get(url).header(COOKIE, cookie).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    });
    for (n, load) in loads.collect::<Vec<_>>().into_iter().enumerate() {
        let (status, body) = load.await.unwrap();
        assert_eq!(status, 200, "load {n} on instance {}", n % 3);
        assert!(body.contains("Demo User"), "load {n}");
    }
    assert_eq!(
        sites.pool.pool().refreshes() - before,
        1,
        "one token request for 30 requests on three instances"
    );

    // Sign out on the second instance: the first and third see it within a second.
    let (page_url, _, home) = get(&browser, &at(1, "/")).await;
    let (_, status, _) = submit(&browser, &form(&home, &page_url, "/api/auth/signout")).await;
    assert_eq!(status, 200);
    let signed_out_at = Instant::now();
    for i in [0, 2] {
        // Both the session API and a page (whose per-instance cache lives at most a second).
        loop {
            let (_, s) = session_json(&plain, &sites.urls[i], &cookie).await;
            let page = plain
                .get(at(i, "/protected"))
                .header(COOKIE, &cookie)
                .header(reqwest::header::ACCEPT, "text/html")
                .send()
                .await
                .unwrap();
            if s == serde_json::json!({}) && sends_to_sign_in(&page) {
                break;
            }
            assert!(
                signed_out_at.elapsed() <= Duration::from_millis(1_250),
                "instance {i} still signed in {:?} after the sign-out: {s}, {}",
                signed_out_at.elapsed(),
                page.status()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // Sign in again, then cut the store off: every instance fails closed.
    sign_in_from_home(&browser, &at(0, "/")).await;
    let cookie = cookie_header(&jar, &sites.urls[0]);
    proxy.cut();
    // What an instance loaded in the last second may still be served from its cache.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    for i in 0..3 {
        let (status, body) = session_json(&plain, &sites.urls[i], &cookie).await;
        assert_eq!(status, 503, "instance {i}: {body}");
        let r = plain
            .get(at(i, "/protected"))
            .header(COOKIE, &cookie)
            .header(reqwest::header::ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        assert!(sends_to_sign_in(&r), "instance {i}: signed out");
    }
    // The store is back: every instance serves the session again (the cookie was kept).
    proxy.restore();
    for i in 0..3 {
        let started = Instant::now();
        loop {
            let (status, s) = session_json(&plain, &sites.urls[i], &cookie).await;
            if status == 200 && s["user"]["name"] == "Demo User" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "instance {i} did not recover: {status} {s}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
