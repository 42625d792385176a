//! The GitHub preset: OAuth 2.0 (not OpenID Connect) through the general provider.

use reqwest::Client;
use secrecy::SecretString;
use serde_json::{json, Map, Value};
use url::Url;

use super::http::{self, sanitize};
use super::oauth::{Endpoints, OAuthConfig, OAuthProvider, ProfileLoader};
use super::ProviderError;
use crate::shared::BoxFuture;

/// GitHub sign-in (an OAuth app or GitHub app's OAuth credentials).
///
/// Provider id `github`, type `oauth`. The token reply may be JSON or form-encoded; the profile
/// comes from `GET {api}/user` (`id` → `sub`, `name` else `login`, `avatar_url` → `picture`,
/// `login` → username) and, when the user shows no public e-mail, the primary *verified* address
/// of `GET {api}/user/emails`. Scopes `read:user user:email`.
///
/// Environment ([`GitHub::from_env`]): `AUTH_GITHUB_ID`, `AUTH_GITHUB_SECRET` (Auth.js's names).
/// Register `{AUTH_URL}/api/auth/callback/github` as the app's callback URL.
#[derive(Debug)]
pub struct GitHub;

/// Builder for a GitHub [`OAuthProvider`]; from [`GitHub::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct GitHubBuilder {
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    web: String,
    api: String,
    http_client: Option<Client>,
}

impl GitHub {
    /// A builder pointing at github.com.
    pub fn builder() -> GitHubBuilder {
        GitHubBuilder {
            client_id: None,
            client_secret: None,
            web: "https://github.com".into(),
            api: "https://api.github.com".into(),
            http_client: None,
        }
    }

    /// From `AUTH_GITHUB_ID` and `AUTH_GITHUB_SECRET`; `Ok(None)` when neither is set. Loads
    /// `.env.local` and `.env` first ([`Config::load_env_files`](crate::Config::load_env_files)).
    pub fn from_env() -> Result<Option<OAuthProvider>, ProviderError> {
        crate::Config::load_env_files();
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        match (get("AUTH_GITHUB_ID"), get("AUTH_GITHUB_SECRET")) {
            (None, None) => Ok(None),
            (Some(id), Some(secret)) => GitHub::builder()
                .client_id(id)
                .client_secret(secret.into())
                .build()
                .map(Some),
            _ => Err(ProviderError::Config(
                "set both AUTH_GITHUB_ID and AUTH_GITHUB_SECRET (the OAuth app's client id and secret)".into(),
            )),
        }
    }
}

impl GitHubBuilder {
    /// The OAuth app's client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The OAuth app's client secret.
    pub fn client_secret(mut self, secret: SecretString) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Other base URLs (GitHub Enterprise, or a local test server): the web origin with
    /// `/login/oauth/*`, and the REST API root.
    pub fn base_urls(mut self, web: impl Into<String>, api: impl Into<String>) -> Self {
        self.web = web.into();
        self.api = api.into();
        self
    }

    /// The HTTP client (it must not follow redirects).
    pub fn http_client(mut self, client: Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The general configuration this preset amounts to.
    pub fn into_config(self) -> Result<OAuthConfig, ProviderError> {
        let url = |base: &str, path: &str| {
            Url::parse(&format!("{}{path}", base.trim_end_matches('/'))).map_err(|e| {
                ProviderError::Config(format!(
                    "GitHub base URL {:?} is not a URL ({e})",
                    sanitize(base)
                ))
            })
        };
        let client_id = self.client_id.ok_or_else(|| {
            ProviderError::Config("GitHub needs a client id (AUTH_GITHUB_ID)".into())
        })?;
        let secret = self.client_secret.ok_or_else(|| {
            ProviderError::Config("GitHub needs a client secret (AUTH_GITHUB_SECRET)".into())
        })?;
        let endpoints = Endpoints {
            authorization: Some(url(&self.web, "/login/oauth/authorize")?),
            token: Some(url(&self.web, "/login/oauth/access_token")?),
            ..Endpoints::default()
        };
        let loader = GitHubProfile {
            user: url(&self.api, "/user")?,
            emails: url(&self.api, "/user/emails")?,
        };
        let mut config = OAuthConfig::oauth2("github", endpoints, client_id)
            .name("GitHub")
            .client_secret(secret)
            .scopes(["read:user", "user:email"])
            .profile_loader(loader);
        if let Some(c) = self.http_client {
            config = config.http_client(c);
        }
        Ok(config)
    }

    /// Validates and builds the provider.
    pub fn build(self) -> Result<OAuthProvider, ProviderError> {
        OAuthProvider::new(self.into_config()?)
    }
}

/// `GET /user`, and `GET /user/emails` when the profile has no public address.
struct GitHubProfile {
    user: Url,
    emails: Url,
}

impl GitHubProfile {
    async fn get(&self, http: &Client, url: &Url, token: &str) -> Result<Value, ProviderError> {
        let req = http
            .get(url.clone())
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json");
        match http::send_json("GitHub API", url, req).await {
            Ok(r) if r.status.is_success() => r
                .body
                .map(Value::Object)
                .map_err(|e| ProviderError::Userinfo(format!("{url}: {e}"))),
            Ok(r) => Err(ProviderError::Userinfo(format!(
                "{url} answered HTTP {}",
                r.status
            ))),
            Err(e) => Err(e),
        }
    }

    async fn emails(&self, http: &Client, token: &str) -> Result<Vec<Value>, ProviderError> {
        let req = http
            .get(self.emails.clone())
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json");
        let reply = http::send_json_any("GitHub API", &self.emails, req).await?;
        match (reply.status.is_success(), reply.body) {
            (true, Ok(Value::Array(list))) => Ok(list),
            (true, _) => Err(ProviderError::Userinfo(format!(
                "{} did not answer a list",
                self.emails
            ))),
            (false, _) => Err(ProviderError::Userinfo(format!(
                "{} answered HTTP {}; the user:email scope may be missing",
                self.emails, reply.status
            ))),
        }
    }
}

impl ProfileLoader for GitHubProfile {
    fn load<'a>(
        &'a self,
        http: &'a Client,
        access_token: &'a str,
    ) -> BoxFuture<'a, Result<Map<String, Value>, ProviderError>> {
        Box::pin(async move {
            let user = self.get(http, &self.user, access_token).await?;
            let id = match user.get("id") {
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                _ => return Err(ProviderError::Userinfo("GitHub's /user has no id".into())),
            };
            let s = |k: &str| {
                user.get(k)
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
            };
            let mut email = s("email").map(str::to_owned);
            if email.is_none() {
                email = primary_verified(&self.emails(http, access_token).await?);
            }
            let mut claims = Map::new();
            claims.insert("sub".into(), json!(id));
            claims.insert("name".into(), json!(s("name").or(s("login"))));
            claims.insert("preferred_username".into(), json!(s("login")));
            claims.insert("picture".into(), json!(s("avatar_url")));
            if let Some(e) = email {
                claims.insert("email".into(), json!(e));
            }
            Ok(claims)
        })
    }
}

/// The primary address, only when GitHub says it is verified.
fn primary_verified(list: &[Value]) -> Option<String> {
    list.iter()
        .find(|e| e["primary"] == json!(true) && e["verified"] == json!(true))
        .and_then(|e| e["email"].as_str())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_verified_primary_address_is_taken() {
        let list = vec![
            json!({"email": "old@example.com", "primary": false, "verified": true}),
            json!({"email": "main@example.com", "primary": true, "verified": false}),
        ];
        assert_eq!(primary_verified(&list), None);
        let list = vec![json!({"email": "main@example.com", "primary": true, "verified": true})];
        assert_eq!(primary_verified(&list).as_deref(), Some("main@example.com"));
    }
}
