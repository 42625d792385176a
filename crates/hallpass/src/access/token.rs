//! A verified token and the claim checks that make one: what `aws-jwt-verify`'s
//! `CognitoJwtVerifier` checks (`iss`, `token_use`, the client, `exp`/`nbf`/`iat` with a skew,
//! `sub`), in one pass over the claims.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::token_error::TokenError;

/// Which Cognito token a verifier takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenUse {
    /// Access tokens (`token_use = access`), the client in `client_id`: what APIs take.
    #[default]
    Access,
    /// ID tokens (`token_use = id`), the client in `aud`: for apps that send those.
    Id,
}

impl TokenUse {
    fn as_str(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }
}

/// A verified Cognito token from `Authorization: Bearer`: its signature, issuer, kind, client and
/// times checked (an ID token's, for a verifier that takes those). An axum extractor (401
/// `invalid_token` otherwise), also what [`Caller`](crate::Caller) holds and
/// [`AccessTokenVerifier::verify`](crate::AccessTokenVerifier::verify) returns. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AccessToken(Arc<Verified>);

#[derive(Debug)]
struct Verified {
    claims: Map<String, Value>,
    exp: i64,
    /// Read once here: every request from the cache asks.
    machine: bool,
    sub: Box<str>,
    /// When the user pool last said the token is still good (`GetUser`, Unix seconds): shared by
    /// the cached token and its clones, so a re-check counts for every request after it.
    checked_at: AtomicI64,
}

/// [`AccessToken::checked_at`] of a token the pool was never asked about.
pub(crate) const NEVER_CHECKED: i64 = i64::MIN;

impl AccessToken {
    /// `sub`: the user's id, or the client's for a machine (client_credentials).
    pub fn sub(&self) -> &str {
        &self.0.sub
    }

    /// The app client the token was issued to (`client_id`, or `aud` for an ID token).
    pub fn client_id(&self) -> &str {
        self.text("client_id")
            .or_else(|| self.text("aud"))
            .unwrap_or_default()
    }

    /// The user's name (`username`, `cognito:username` in ID tokens); `None` for a machine.
    pub fn username(&self) -> Option<&str> {
        Self::username_in(&self.0.claims)
    }

    fn username_in(claims: &Map<String, Value>) -> Option<&str> {
        ["username", "cognito:username"]
            .into_iter()
            .find_map(|c| claims.get(c).and_then(Value::as_str))
    }

    /// True for a client_credentials token: it names no user, only its client.
    pub fn is_machine(&self) -> bool {
        self.0.machine
    }

    /// The token's scopes (`scope`, space-separated).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.text("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
    }

    /// Whether the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// The user's groups (`cognito:groups`).
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.0
            .claims
            .get("cognito:groups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups().any(|g| g == group)
    }

    /// `exp`, Unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.0.exp
    }

    /// Every claim, as the token has them.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.0.claims
    }

    /// The id that ends with the sign-in: `origin_jti` (Cognito revokes by it), else `jti`.
    pub(crate) fn revocation_ids(&self) -> impl Iterator<Item = &str> {
        ["origin_jti", "jti"]
            .into_iter()
            .filter_map(|c| self.text(c))
    }

    fn text(&self, claim: &str) -> Option<&str> {
        self.0.claims.get(claim).and_then(Value::as_str)
    }

    /// When the user pool last found the token good ([`NEVER_CHECKED`]: never asked).
    pub(crate) fn checked_at(&self) -> i64 {
        self.0.checked_at.load(Ordering::Acquire)
    }

    /// Claims the re-check due since `before` for one request (`false`: another request has).
    pub(crate) fn claim_check(&self, before: i64, now: i64) -> bool {
        self.0
            .checked_at
            .compare_exchange(before, now, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Puts back `before` after a claimed re-check could not be made, so the next request asks.
    pub(crate) fn unclaim_check(&self, before: i64, claimed: i64) {
        let _ = self.0.checked_at.compare_exchange(
            claimed,
            before,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// Records that the pool found the token good at `now`.
    pub(crate) fn checked(&self, now: i64) {
        self.0.checked_at.fetch_max(now, Ordering::AcqRel);
    }
}

/// What the claims must say.
pub(crate) struct Expect<'a> {
    pub issuer: &'a str,
    pub client_ids: &'a [String],
    pub token_use: TokenUse,
    pub skew: i64,
    pub now: i64,
}

fn int_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| TokenError::Malformed(format!("{name} is not a number"))),
        Some(_) => Err(TokenError::Malformed(format!("{name} is not a number"))),
    }
}

/// The claim checks, on claims whose signature holds.
pub(crate) fn check(claims: Map<String, Value>, e: &Expect<'_>) -> Result<AccessToken, TokenError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(e.issuer) {
        return Err(TokenError::Issuer);
    }
    if text("token_use") != Some(e.token_use.as_str()) {
        return Err(TokenError::TokenUse {
            expected: e.token_use.as_str(),
        });
    }
    let client = match e.token_use {
        TokenUse::Access => text("client_id"),
        // Cognito's ID tokens have one audience, a string.
        TokenUse::Id => text("aud"),
    };
    if !client.is_some_and(|c| e.client_ids.iter().any(|id| id == c)) {
        return Err(TokenError::Client);
    }
    let exp = int_claim(&claims, "exp")?.ok_or(TokenError::Expired)?;
    if e.now > exp.saturating_add(e.skew) {
        return Err(TokenError::Expired);
    }
    for name in ["nbf", "iat"] {
        if int_claim(&claims, name)?.is_some_and(|t| t > e.now.saturating_add(e.skew)) {
            return Err(TokenError::NotYetValid);
        }
    }
    if text("sub").is_none_or(str::is_empty) {
        return Err(TokenError::MissingSub);
    }
    if claims.get("scope").is_some_and(|s| !s.is_string()) {
        return Err(TokenError::Malformed("scope is not a string".into()));
    }
    let machine = AccessToken::username_in(&claims).is_none();
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .into();
    Ok(AccessToken(Arc::new(Verified {
        claims,
        exp,
        machine,
        sub,
        checked_at: AtomicI64::new(NEVER_CHECKED),
    })))
}

/// A verified user (with `username`) or machine token with `scope`, expiring at `exp`, for the
/// unit tests of what holds verified tokens.
#[cfg(test)]
pub(crate) fn verified_for_tests(scope: &str, username: Option<&str>, exp: i64) -> AccessToken {
    let mut claims = Map::new();
    for (k, v) in [
        ("iss", "https://pool"),
        ("token_use", "access"),
        ("client_id", "web"),
        ("sub", "u"),
        ("scope", scope),
    ] {
        claims.insert(k.into(), v.into());
    }
    claims.insert("exp".into(), exp.into());
    if let Some(u) = username {
        claims.insert("username".into(), u.into());
    }
    let clients = ["web".to_string()];
    let expect = Expect {
        issuer: "https://pool",
        client_ids: &clients,
        token_use: TokenUse::Access,
        skew: 0,
        now: exp - 60,
    };
    check(claims, &expect).expect("valid claims")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;

    fn good() -> Map<String, Value> {
        json!({"iss": "https://pool", "token_use": "access", "client_id": "web", "sub": "u",
               "exp": NOW + 60, "iat": NOW, "scope": "openid orders/read",
               "cognito:groups": ["admin"], "username": "jane"})
        .as_object()
        .unwrap()
        .clone()
    }

    fn expect(clients: &[String]) -> Expect<'_> {
        Expect {
            issuer: "https://pool",
            client_ids: clients,
            token_use: TokenUse::Access,
            skew: 5,
            now: NOW,
        }
    }

    #[test]
    fn each_claim_is_checked() {
        let clients = vec!["web".to_string()];
        let t = check(good(), &expect(&clients)).unwrap();
        assert!(t.has_scope("orders/read") && !t.has_scope("orders"));
        assert!(t.in_group("admin") && !t.is_machine());
        let cases: Vec<(&str, Value, TokenError)> = vec![
            ("iss", json!("https://other"), TokenError::Issuer),
            (
                "token_use",
                json!("id"),
                TokenError::TokenUse { expected: "access" },
            ),
            ("client_id", json!("other"), TokenError::Client),
            ("exp", json!(NOW - 6), TokenError::Expired),
            (
                "exp",
                Value::Null,
                TokenError::Malformed("exp is not a number".into()),
            ),
            ("nbf", json!(NOW + 6), TokenError::NotYetValid),
            ("iat", json!(NOW + 6), TokenError::NotYetValid),
            ("sub", json!(""), TokenError::MissingSub),
        ];
        for (claim, value, want) in cases {
            let mut c = good();
            c.insert(claim.into(), value);
            assert_eq!(check(c, &expect(&clients)).unwrap_err(), want, "{claim}");
        }
        let mut c = good();
        c.remove("exp");
        assert_eq!(
            check(c, &expect(&clients)).unwrap_err(),
            TokenError::Expired
        );
        let mut c = good();
        c.insert("exp".into(), json!(NOW - 4));
        assert!(check(c, &expect(&clients)).is_ok(), "within the skew");
    }
}
