//! Sessions: the claims Hallpass keeps ([`SessionToken`]), the [`Session`] handlers see, and the
//! seam to where sessions live (`backend.rs`): in the cookie (`cookie.rs`), in an app's
//! [`SessionStore`] (`custom.rs`), or in a record store (`crate::store`).

pub(crate) mod account;
pub(crate) mod backend;
pub(crate) mod context;
pub(crate) mod cookie;
pub(crate) mod custom;
pub(crate) mod jwt;
mod reissue;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::provider::TokenSet;

pub use custom::SessionStore;

/// NextAuth's clock tolerance when checking `exp`.
pub const CLOCK_TOLERANCE_SECS: i64 = 15;

/// The claims of a session: what NextAuth calls the JWT.
///
/// Serialised flat, as NextAuth does: `name`, `email`, `picture`, `sub`, `iat`, `exp`, `jti`, and any
/// extra claims (for example `custom:*` attributes) at the top level.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionToken {
    /// The user's stable id at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Groups (Cognito's `cognito:groups`, which is also accepted when reading).
    #[serde(
        default,
        alias = "cognito:groups",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<String>,
    /// The id of the provider the user signed in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's tokens, when [`crate::ConfigBuilder::store_tokens`] is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<TokenSet>,
    /// Set when the session can no longer refresh its tokens (`RefreshAccessTokenError`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Other claims, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Issued at (Unix seconds).
    #[serde(default)]
    pub iat: i64,
    /// Expires at (Unix seconds). Required: a token without it is refused.
    pub exp: i64,
    /// Unique id of this encoding of the session.
    #[serde(default)]
    pub jti: String,
}

/// The signed-in user's session, as handlers see it (cheap to clone).
#[derive(Clone, Debug)]
pub struct Session {
    token: Arc<SessionToken>,
}

/// The user part of a session, NextAuth's `session.user`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct User<'a> {
    /// Display name.
    pub name: Option<&'a str>,
    /// Email.
    pub email: Option<&'a str>,
    /// Picture URL (NextAuth calls it `image`).
    pub image: Option<&'a str>,
}

impl Session {
    pub(crate) fn new(token: SessionToken) -> Self {
        Self {
            token: Arc::new(token),
        }
    }

    /// `session.user`.
    pub fn user(&self) -> User<'_> {
        User {
            name: self.token.name.as_deref(),
            email: self.token.email.as_deref(),
            image: self.token.picture.as_deref(),
        }
    }

    /// The name if there is one, else the email, else the subject: what to greet the user with.
    pub fn display_name(&self) -> &str {
        self.token
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.token.email.as_deref())
            .or(self.token.sub.as_deref())
            .unwrap_or("")
    }

    /// The user's id at the provider.
    pub fn sub(&self) -> Option<&str> {
        self.token.sub.as_deref()
    }

    /// The user's groups (Cognito's `cognito:groups`).
    pub fn groups(&self) -> &[String] {
        &self.token.groups
    }

    /// True when the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.token.groups.iter().any(|g| g == group)
    }

    /// The provider's access token, when tokens are stored in the session.
    pub fn access_token(&self) -> Option<&str> {
        self.token.tokens.as_ref().map(|t| t.access_token.expose())
    }

    /// An error the session carries, e.g. `RefreshAccessTokenError` when the refresh token is dead.
    pub fn error(&self) -> Option<&str> {
        self.token.error.as_deref()
    }

    /// When the session cookie expires (Unix seconds).
    pub fn expires_at(&self) -> i64 {
        self.token.exp
    }

    /// All claims.
    pub fn token(&self) -> &SessionToken {
        &self.token
    }
}

/// Formats Unix seconds as NextAuth's ISO 8601 `expires` (`2026-12-26T05:00:00.000Z`).
pub(crate) fn iso8601(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt).unwrap_or_default()
}
