//! `HostedForm`: what every hosted-UI page and form starts with. It reads the fields (the
//! query of a GET, the form body of a POST), checks the OAuth request they carry (client,
//! redirect URI, response type, PKCE, scopes) and, for a POST, the browser's anti-CSRF token;
//! it answers for the handler when they are unreadable or untrustworthy.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};

use super::csrf::{self, BrowserToken};
use super::page::{bad_form, forbidden, Page};
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
    /// The request's headers (its cookies).
    pub headers: HeaderMap,
    /// The browser's anti-CSRF token, for the forms of the page answered.
    pub csrf: BrowserToken,
}

impl FromRequest<UserPool> for HostedForm {
    type Rejection = Response;

    async fn from_request(req: Request, pool: &UserPool) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let path = req.uri().path().to_string();
        let is_post = req.method() == Method::POST;
        let fields = if is_post {
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
        // Checked after the OAuth parameters, so that the refusal can link back to the form.
        if is_post
            && !csrf::is_from_this_browser(&headers, fields.get(csrf::FIELD).map(String::as_str))
        {
            return Err(forbidden(pool, &params, &auth.pool_id, &path)
                .unwrap_or_else(IntoResponse::into_response));
        }
        let csrf = csrf::for_page(pool, &headers)
            .map_err(|e| crate::error::HttpError::from(e).into_response())?;
        Ok(HostedForm {
            fields,
            params,
            auth,
            headers,
            csrf,
        })
    }
}

impl HostedForm {
    /// A field's value, or "" when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    /// A page of this request's pool, carrying its OAuth parameters and the browser's
    /// anti-CSRF token.
    pub fn page(&self, pool: &UserPool, kind: &'static str, title: &str) -> Page {
        Page::new(pool, kind, title, &self.params, Some(&self.auth.pool_id)).csrf(&self.csrf)
    }

    /// Whether the client hides which users exist (Cognito's `PreventUserExistenceErrors`,
    /// on by default); true if the client cannot be found, to fail closed.
    pub fn hides_users(&self, pool: &UserPool) -> bool {
        pool.client(&self.auth.client_id)
            .is_none_or(|(_, c)| c.prevent_user_existence_errors)
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
