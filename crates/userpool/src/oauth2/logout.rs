//! `/logout`: end the hosted-UI session, then go to a sign-out URL or sign in again.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;

use super::params::{check_authorize, error_page_query, OAuthParams};
use crate::error::HttpError;
use crate::hosted_session;
use crate::http::found;
use crate::pool::UserPool;

pub(super) async fn logout(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let client_id = q.get("client_id").map(String::as_str);
    let Some((pc, client)) = client_id.and_then(|c| pool.client(c)) else {
        return Err(HttpError::ErrorPage(format!(
            "{}/error?{}",
            pool.base_path(),
            error_page_query("redirect_mismatch", client_id)
        )));
    };
    let bad_redirect = || {
        HttpError::ErrorPage(format!(
            "{}/error?{}",
            pool.base_path(),
            error_page_query("redirect_mismatch", Some(&client.id))
        ))
    };
    let target = if let Some(logout_uri) = q.get("logout_uri") {
        if !client.logout_urls.contains(logout_uri) {
            return Err(bad_redirect());
        }
        logout_uri.clone()
    } else if let Some(redirect_uri) = q.get("redirect_uri") {
        // Sign out, then sign in again (e.g. as another user).
        let p = OAuthParams::from_map(&q);
        if let Err(r) = check_authorize(&pool, &p) {
            return Ok(r.into_response(&pool));
        }
        let _ = redirect_uri;
        format!("{}/login?{}", pool.base_path(), p.query(&[]))
    } else {
        return Err(bad_redirect());
    };
    let cleared = hosted_session::end(&pool, &headers, &pc.id).await?;
    let mut resp = found(&target);
    resp.headers_mut().append(header::SET_COOKIE, cleared);
    Ok(resp)
}
