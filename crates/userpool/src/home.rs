//! `GET /`: a small page that says what this server is and where things are: each pool's issuer,
//! discovery and keys, a hosted-UI sign-in link per app client, and the outbox (the codes).

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::config::OAuthFlow;
use crate::pool::UserPool;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    base: String,
    pools: Vec<PoolRow>,
}

struct PoolRow {
    id: String,
    issuer: String,
    clients: Vec<ClientRow>,
}

struct ClientRow {
    id: String,
    /// The hosted UI's sign-in for a client that may use the code grant and has a callback URL.
    sign_in: Option<String>,
}

pub(crate) async fn page(State(pool): State<UserPool>) -> Response {
    let base = pool.base();
    let pools = pool
        .pools()
        .iter()
        .map(|p| PoolRow {
            id: p.id.clone(),
            issuer: pool
                .issuer(&p.id)
                .map(|u| u.as_str().trim_end_matches('/').to_string())
                .unwrap_or_default(),
            clients: p
                .clients
                .iter()
                .map(|c| ClientRow {
                    id: c.id.clone(),
                    sign_in: c
                        .callback_urls
                        .first()
                        .filter(|_| c.allowed_flows.contains(&OAuthFlow::Code))
                        .map(|cb| {
                            let query = url::form_urlencoded::Serializer::new(String::new())
                                .append_pair("client_id", &c.id)
                                .append_pair("response_type", "code")
                                .append_pair("scope", "openid")
                                .append_pair("redirect_uri", cb)
                                .finish();
                            format!("{base}/login?{query}")
                        }),
                })
                .collect(),
        })
        .collect();
    match (HomePage { base, pools }).render() {
        Ok(html) => {
            let mut resp = Html(html).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering the home page failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
