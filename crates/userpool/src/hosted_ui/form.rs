//! `HostedForm`: what every hosted-UI page and form starts with. It reads the fields (the
//! query of a GET, the form body of a POST), checks the OAuth request they carry (client,
//! redirect URI, response type, PKCE, scopes), and answers for the handler when they are
//! unreadable or untrustworthy.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request};
use axum::http::Method;
use axum::response::{IntoResponse, Response};

use super::page::{bad_form, Page};
use crate::http::{found, parse_form};
use crate::oauth2::params::{check_authorize, Authorized, OAuthParams};
use crate::pool::UserPool;

/// Longest username or name accepted (Cognito: 128 and 2048).
pub(super) const MAX_USERNAME: usize = 128;
pub(super) const MAX_NAME: usize = 2048;
/// Longest confirmation or reset code looked at.
pub(super) const MAX_CODE: usize = 16;

/// A hosted-UI request whose OAuth parameters are known good.
pub(super) struct HostedForm {
    /// Every field as sent.
    pub fields: HashMap<String, String>,
    /// The OAuth parameters, carried on to the next page.
    pub params: OAuthParams,
    /// The checked authorization request.
    pub auth: Authorized,
}

impl FromRequest<UserPool> for HostedForm {
    type Rejection = Response;

    async fn from_request(req: Request, pool: &UserPool) -> Result<Self, Response> {
        let fields = if req.method() == Method::POST {
            let body = Bytes::from_request(req, pool)
                .await
                .map_err(IntoResponse::into_response)?;
            parse_form(&body)
                .ok_or_else(|| bad_form(pool).unwrap_or_else(IntoResponse::into_response))?
        } else {
            Query::<HashMap<String, String>>::try_from_uri(req.uri())
                .map_err(IntoResponse::into_response)?
                .0
        };
        let params = OAuthParams::from_map(&fields);
        let auth = check_authorize(pool, &params).map_err(|r| r.into_response(pool))?;
        Ok(HostedForm {
            fields,
            params,
            auth,
        })
    }
}

impl HostedForm {
    /// A field's value, or "" when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    /// A page of this request's pool, carrying its OAuth parameters.
    pub fn page(&self, pool: &UserPool, kind: &'static str, title: &str) -> Page {
        Page::new(pool, kind, title, &self.params, Some(&self.auth.pool_id))
    }

    /// A redirect to another hosted-UI page (`path` like "/login"), carrying the OAuth
    /// parameters and `extra`.
    pub fn redirect(&self, pool: &UserPool, path: &str, extra: &[(&str, &str)]) -> Response {
        found(&format!(
            "{}{path}?{}",
            pool.base_path(),
            self.params.query(extra)
        ))
    }
}
