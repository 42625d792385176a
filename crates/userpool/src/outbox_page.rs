//! The outbox's pages: `GET /_outbox` (HTML) and `GET /_outbox.json`, newest first.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::pool::UserPool;

pub(crate) fn router(pool: UserPool) -> Router {
    Router::new()
        .route("/_outbox", get(page))
        .route("/_outbox.json", get(json))
        .with_state(pool)
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    messages: Vec<Row>,
}

struct Row {
    sent_at: String,
    pool_id: String,
    to: String,
    kind: &'static str,
    code_or_password: String,
}

async fn page(State(pool): State<UserPool>) -> Response {
    let messages = pool
        .outbox_messages()
        .into_iter()
        .map(|m| Row {
            sent_at: time::OffsetDateTime::from_unix_timestamp(m.sent_at)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_else(|| m.sent_at.to_string()),
            pool_id: m.pool_id,
            to: m.to,
            kind: m.kind.describe(),
            code_or_password: m.code_or_password,
        })
        .collect();
    match (OutboxPage { messages }).render() {
        Ok(html) => {
            let mut resp = Html(html).into_response();
            no_cache(&mut resp);
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering the outbox failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn json(State(pool): State<UserPool>) -> Response {
    let mut resp =
        axum::Json(serde_json::json!({ "messages": pool.outbox_messages() })).into_response();
    no_cache(&mut resp);
    resp
}

fn no_cache(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}
