//! `PUT /_import/{job}?token=…`: a user import job's `PreSignedUrl`, where the CSV is
//! uploaded as it would be to S3. The token is the job's; the CSV is kept until the job
//! starts.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::Router;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::imports::KIND;
use crate::pool::UserPool;

pub(crate) fn router(pool: UserPool) -> Router {
    Router::new()
        .route("/_import/{job}", put(upload))
        .with_state(pool)
}

#[derive(Deserialize)]
struct UploadQuery {
    token: String,
}

async fn upload(
    State(pool): State<UserPool>,
    Path(job): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Response {
    let store = pool.store();
    let found = store.document_anywhere(KIND, &job).await;
    let Ok(Some(d)) = found else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let expected = d.body["UploadToken"].as_str().unwrap_or_default();
    let ok = !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(q.token.as_bytes()));
    if !ok || d.body["Status"] != "Created" {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Ok(csv) = String::from_utf8(body.to_vec()) else {
        return (StatusCode::BAD_REQUEST, "The CSV is not UTF-8.").into_response();
    };
    let mut body = d.body.clone();
    body["Csv"] = serde_json::Value::String(csv);
    match store
        .put_document(&d.pool_id, KIND, &job, &body, pool.now())
        .await
    {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "storing an import job's CSV failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
