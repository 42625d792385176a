//! The pool both stacks sign in against, in the benchmark's own process, with a count of what it
//! is asked for and how long its handlers take, per kind of request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use reqwest::Url;
use userpool::{PasswordHashCost, Seed, UserPool};

/// What the pool was asked for, by kind of request.
pub const KINDS: [&str; 8] = [
    "discovery",
    "jwks",
    "authorize",
    "login_page",
    "login",
    "token",
    "userinfo",
    "other",
];

/// Requests and handler nanoseconds, per kind.
pub type PerKind = [(u64, u64); KINDS.len()];

/// Requests and handler time per kind (reset before each measured batch).
#[derive(Default)]
pub struct PoolCounts {
    requests: [AtomicU64; KINDS.len()],
    nanos: [AtomicU64; KINDS.len()],
}

impl PoolCounts {
    pub fn take(&self) -> PerKind {
        std::array::from_fn(|i| {
            (
                self.requests[i].swap(0, Ordering::Relaxed),
                self.nanos[i].swap(0, Ordering::Relaxed),
            )
        })
    }
}

fn kind(method: &axum::http::Method, path: &str) -> usize {
    let k = match (method.as_str(), path) {
        (_, p) if p.ends_with("/.well-known/openid-configuration") => "discovery",
        (_, p) if p.ends_with("/.well-known/jwks.json") => "jwks",
        ("GET", "/oauth2/authorize") => "authorize",
        ("GET", "/login") => "login_page",
        ("POST", "/login") => "login",
        ("POST", "/oauth2/token") => "token",
        (_, "/oauth2/userInfo") => "userinfo",
        _ => "other",
    };
    KINDS
        .iter()
        .position(|x| *x == k)
        .unwrap_or(KINDS.len() - 1)
}

async fn count_requests(State(c): State<Arc<PoolCounts>>, req: Request, next: Next) -> Response {
    let k = kind(req.method(), req.uri().path());
    let t = Instant::now();
    let res = next.run(req).await;
    c.requests[k].fetch_add(1, Ordering::Relaxed);
    c.nanos[k].fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    res
}

/// Starts the pool on `listener` with its public URL on that port; the issuer.
pub async fn start_pool(
    listener: tokio::net::TcpListener,
    cost: PasswordHashCost,
    callbacks: &[Url],
    counts: Arc<PoolCounts>,
) -> Result<Url, String> {
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let public = Url::parse(&format!("http://127.0.0.1:{port}")).map_err(|e| e.to_string())?;
    let mut seed = Seed::demo(callbacks.first().ok_or("no stack to sign in to")?);
    let client = seed
        .pools
        .iter_mut()
        .flat_map(|p| p.clients.iter_mut())
        .find(|c| c.id == userpool::DEMO_CLIENT_ID)
        .ok_or("Seed::demo has no demo client")?;
    client.callback_urls.clear();
    client.logout_urls.clear();
    for origin in callbacks {
        let origin = origin.as_str().trim_end_matches('/');
        client
            .callback_urls
            .push(format!("{origin}/api/auth/callback/cognito"));
        client.logout_urls.push(format!("{origin}/"));
    }
    let pool = UserPool::builder()
        .seed(seed)
        .public_url(public)
        .password_hash_cost(cost)
        .build()
        .await
        .map_err(|e| format!("the pool did not start: {e}"))?;
    let issuer = pool
        .issuer(userpool::DEMO_POOL_ID)
        .ok_or("the pool has no issuer URL")?;
    let app = pool
        .router()
        .layer(axum::middleware::from_fn_with_state(counts, count_requests));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("error: the pool's server failed: {e}");
        }
    });
    Ok(issuer)
}
