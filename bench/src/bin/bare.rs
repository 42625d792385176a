//! `bare`: the example site's signed-in `/protected` page with no authentication at all, served by
//! axum on `127.0.0.1:$PORT` (default 3001). The load benchmark compares it with Hallpass's
//! `/protected` to measure the cost of auth itself.

use axum::http::header::CACHE_CONTROL;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

async fn protected() -> Response {
    // Rendered per request, as the site renders its template per request.
    (
        [(CACHE_CONTROL, "no-store")],
        Html(hallpass_bench::protected_html(hallpass_bench::NAME)),
    )
        .into_response()
}

#[tokio::main]
async fn main() {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) if !p.is_empty() => p.parse().unwrap_or_else(|_| {
            eprintln!("error: PORT={p:?} is not a port number");
            std::process::exit(2)
        }),
        _ => 3001,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1)
        });
    let app = Router::new().route("/protected", get(protected));
    println!("bare: http://127.0.0.1:{port}/protected");
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
