//! The authorization request's parameters, as `/oauth2/authorize` receives them and the
//! hosted UI carries them through its forms, and the check that makes them trustworthy.

use std::collections::HashMap;

use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::config::OAuthFlow;
use crate::http::{append_query, found};
use crate::pool::UserPool;

/// The OAuth parameters the hosted UI carries from `/oauth2/authorize` through its forms.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct OAuthParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
}

impl OAuthParams {
    pub fn from_map(m: &HashMap<String, String>) -> Self {
        let g = |k: &str| m.get(k).filter(|v| !v.is_empty()).cloned();
        OAuthParams {
            client_id: g("client_id"),
            redirect_uri: g("redirect_uri"),
            response_type: g("response_type"),
            scope: g("scope"),
            state: g("state"),
            nonce: g("nonce"),
            code_challenge: g("code_challenge"),
            code_challenge_method: g("code_challenge_method"),
        }
    }

    /// As `name=value` pairs, for hidden form fields.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut v = vec![];
        for (k, val) in [
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ] {
            if let Some(x) = val {
                v.push((k.to_string(), x.clone()));
            }
        }
        v
    }

    /// As a query string, with extra pairs appended.
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            s.append_pair(&k, &v);
        }
        for (k, v) in extra {
            s.append_pair(k, v);
        }
        s.finish()
    }
}

/// A request whose client and redirect URI are known good (stored as JSON while a federated
/// sign-in is at the identity provider).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Authorized {
    pub pool_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub implicit: bool,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
}

/// Why an authorization request is refused.
pub(crate) enum Refusal {
    /// No trustworthy redirect URI: show `/error`.
    ErrorPage(String),
    /// Send the error back to the (registered) callback.
    Callback {
        redirect_uri: String,
        error: &'static str,
        state: Option<String>,
    },
}

impl Refusal {
    pub fn into_response(self, pool: &UserPool) -> Response {
        match self {
            Refusal::ErrorPage(q) => found(&format!("{}/error?{q}", pool.base_path())),
            Refusal::Callback {
                redirect_uri,
                error,
                state,
            } => {
                let mut pairs = vec![("error", error)];
                if let Some(s) = &state {
                    pairs.push(("state", s));
                }
                found(&append_query(&redirect_uri, &pairs))
            }
        }
    }
}

pub(crate) fn error_page_query(error: &str, client_id: Option<&str>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("error", error);
    if let Some(c) = client_id.filter(|c| c.len() <= 128) {
        s.append_pair("client_id", c);
    }
    s.finish()
}

/// Checks the client, the redirect URI, the response type, PKCE and scopes.
pub(crate) fn check_authorize(pool: &UserPool, p: &OAuthParams) -> Result<Authorized, Refusal> {
    let Some((pc, client)) = p.client_id.as_deref().and_then(|c| pool.client(c)) else {
        return Err(Refusal::ErrorPage(error_page_query(
            "redirect_mismatch",
            p.client_id.as_deref(),
        )));
    };
    let Some(redirect_uri) = p
        .redirect_uri
        .clone()
        .filter(|r| client.callback_urls.contains(r))
    else {
        return Err(Refusal::ErrorPage(error_page_query(
            "redirect_mismatch",
            Some(&client.id),
        )));
    };
    let refuse = |error| Refusal::Callback {
        redirect_uri: redirect_uri.clone(),
        error,
        state: p.state.clone(),
    };
    let implicit = match p.response_type.as_deref() {
        Some("code") if client.allows(OAuthFlow::Code) => false,
        Some("token") if client.allows(OAuthFlow::Implicit) => true,
        Some("code" | "token") => return Err(refuse("unauthorized_client")),
        Some(_) => return Err(refuse("unsupported_response_type")),
        None => return Err(refuse("invalid_request")),
    };
    // Cognito supports only S256; `plain`, or a method without a challenge, is refused.
    match (&p.code_challenge, p.code_challenge_method.as_deref()) {
        (None, None) => {}
        (Some(c), Some("S256")) if (43..=128).contains(&c.len()) => {}
        _ => return Err(refuse("invalid_request")),
    }
    let requested: Vec<String> = match &p.scope {
        Some(s) => s
            .split(' ')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect(),
        None => client.allowed_scopes.clone(),
    };
    // Scopes the client may not use are dropped silently; custom (resource server) scopes
    // belong to client_credentials only.
    let mut scopes: Vec<String> = vec![];
    for s in requested {
        if client.allowed_scopes.contains(&s) && !s.contains('/') && !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    if scopes.is_empty() {
        return Err(refuse("invalid_scope"));
    }
    Ok(Authorized {
        pool_id: pc.id.clone(),
        client_id: client.id.clone(),
        redirect_uri,
        implicit,
        scopes,
        state: p.state.clone(),
        nonce: p.nonce.clone(),
        code_challenge: p.code_challenge.clone(),
    })
}
