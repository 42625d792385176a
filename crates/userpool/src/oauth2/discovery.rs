//! OpenID discovery and the JWKS of each pool.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::error::HttpError;
use crate::http::cors;
use crate::keys;
use crate::pool::UserPool;

fn unknown_pool(pool_id: &str) -> Response {
    let msg = format!("User pool {pool_id} does not exist.");
    (StatusCode::NOT_FOUND, Json(json!({ "message": msg }))).into_response()
}

pub(super) async fn discovery(
    State(pool): State<UserPool>,
    Path(pool_id): Path<String>,
) -> Response {
    if pool.pool_config(&pool_id).is_err() {
        return unknown_pool(&pool_id);
    }
    let base = pool.base();
    let issuer = format!("{base}/{pool_id}");
    // Exactly Cognito's twelve keys: no code_challenge_methods_supported, no grant_types_supported.
    let mut resp = Json(json!({
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "end_session_endpoint": format!("{base}/logout"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{base}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
    }))
    .into_response();
    cors(&mut resp);
    resp
}

/// Discovery at the hosted-UI root: the classic mistake of using the hosted-UI domain as
/// the issuer. Say so, and name the real issuers.
pub(super) async fn not_the_issuer(State(pool): State<UserPool>) -> Response {
    let issuers: Vec<String> = pool
        .all_pools()
        .iter()
        .map(|p| format!("{}/{}", pool.base(), p.id))
        .collect();
    let msg = format!(
        "This is the hosted-UI domain, not an issuer. The issuer is {{hosted UI}}/{{pool id}}: {}",
        issuers.join(", ")
    );
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "not_an_issuer", "message": msg, "issuers": issuers })),
    )
        .into_response()
}

pub(super) async fn jwks(
    State(pool): State<UserPool>,
    Path(pool_id): Path<String>,
) -> Result<Response, HttpError> {
    let Ok(pc) = pool.pool_config(&pool_id) else {
        return Ok(unknown_pool(&pool_id));
    };
    let keys: Vec<Value> = pool
        .published_keys(pc)
        .await?
        .iter()
        .map(|(_, k)| keys::jwk(k))
        .collect();
    let mut resp = Json(json!({ "keys": keys })).into_response();
    cors(&mut resp);
    Ok(resp)
}
