//! `api`: `examples/api`'s `GET /api/me` for the load benchmark (`bench/run.sh`'s API rounds).
//!
//!   api hallpass   # the `Caller` extractor behind `Hallpass::layer`, verifying Cognito access tokens
//!   api state      # the `AccessToken` extractor, the verifier the router's state (no layer)
//!   api bare       # the same route answering the same JSON with no auth
//!   api token PEM  # prints the `Authorization` header value of a user's access token (valid an
//!                  # hour) and writes the public key that verifies it to the file PEM
//!
//! Servers listen on `127.0.0.1:$PORT`. The verifier has the issuer's keys loaded (no network): the
//! first request with a token verifies it, later ones are answered from its cache of verified tokens.

use std::time::{SystemTime, UNIX_EPOCH};

use hallpass_bench::bearer;

fn now() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH);
    since.map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let app = match args.first().map(String::as_str) {
        Some("hallpass") => bearer::scenario(false, now()).0,
        Some("state") => bearer::token_state(now()).0,
        Some("bare") => bearer::scenario(true, now()).0,
        Some("token") => {
            let path = args
                .get(1)
                .unwrap_or_else(|| fail("usage: api token PEM".into()));
            std::fs::write(path, bearer::public_key_pem())
                .unwrap_or_else(|e| fail(format!("cannot write {path}: {e}")));
            println!("{}", bearer::scenario(true, now()).1);
            return;
        }
        _ => fail("usage: api hallpass|state|bare|token PEM".into()),
    };
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| fail("set PORT".into()));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen on 127.0.0.1:{port}: {e}")));
    if let Err(e) = axum::serve(listener, app).await {
        fail(e.to_string());
    }
}
