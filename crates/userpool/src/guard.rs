//! What every request to the pool goes through, whatever its route (the fallback's 404
//! included): the `Host` check against DNS rebinding, and the security headers.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::pool::UserPool;

/// Wraps the pool's router: the security headers outside (so a refusal carries them too),
/// then the `Host` check.
pub(crate) fn wrap(pool: UserPool, router: axum::Router) -> axum::Router {
    router
        .layer(axum::middleware::from_fn_with_state(pool, check_host))
        .layer(axum::middleware::from_fn(security_headers))
}

/// Refuses a request whose `Host` is not the pool's: a page on another name that a DNS
/// rebinding points at 127.0.0.1 would otherwise read the outbox (the codes) and drive the
/// API as if it were local. Allowed: the public URL's host, `localhost` and loopback
/// addresses, with any port.
async fn check_host(State(pool): State<UserPool>, req: Request, next: Next) -> Response {
    let authority = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()));
    let public = pool.public_url();
    let public_host = public.as_ref().and_then(|u| u.host_str());
    if authority
        .as_deref()
        .is_some_and(|a| host_allowed(a, public_host))
    {
        return next.run(req).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "This user pool answers only for its own host name (its public URL's, localhost or a loopback address).\n",
    )
        .into_response()
}

/// Whether `authority` (`host[:port]`, `[v6]:port`) names the pool.
fn host_allowed(authority: &str, public_host: Option<&str>) -> bool {
    let Some(host) = host_of(authority) else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return true;
    }
    public_host.is_some_and(|p| p.eq_ignore_ascii_case(host))
}

/// The host part of `host[:port]` or `[v6][:port]`; `None` when the port is not a number.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        (host, rest.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && !host.is_empty()).then_some(host)
}

/// The hosted UI's headers on every answer that has not set its own (redirects, the 404, the
/// API, the `Host` refusal): no framing, no sniffing, no scripts.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    set_if_absent(
        resp.headers_mut(),
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    set_if_absent(resp.headers_mut(), header::X_FRAME_OPTIONS, "DENY");
    set_if_absent(
        resp.headers_mut(),
        header::X_CONTENT_TYPE_OPTIONS,
        "nosniff",
    );
    resp
}

fn set_if_absent(h: &mut HeaderMap, name: header::HeaderName, value: &'static str) {
    if !h.contains_key(&name) {
        h.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_localhost_and_the_public_host_are_the_pools() {
        for ok in [
            "localhost",
            "LOCALHOST:9229",
            "127.0.0.1",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:9229",
            "pool.example.com:443",
        ] {
            assert!(host_allowed(ok, Some("pool.example.com")), "{ok}");
        }
        for no in [
            "evil.test",
            "evil.test:9229",
            "localhost.evil.test",
            "127.0.0.1.evil.test",
            "pool.example.com.evil.test",
            "[::2]:80",
            "10.0.0.1",
            "localhost:x",
            "localhost:",
            "",
            "[::1",
            ":80",
        ] {
            assert!(!host_allowed(no, Some("pool.example.com")), "{no}");
        }
        assert!(!host_allowed("pool.example.com", None));
    }
}
