//! Checking a seed (or a pool or client made at run time) before it is used: ids, URLs, limits.

use std::collections::HashSet;

use super::*;

impl Seed {
    /// Checks ids, URLs and limits; the first problem found is returned.
    pub fn validate(&self) -> Result<(), Error> {
        let mut pool_ids = HashSet::new();
        let mut client_ids = HashSet::new();
        for pool in &self.pools {
            if !valid_pool_id(&pool.id) {
                return Err(Error::Config(format!(
                    "pool id {:?} is not of the form {{region}}_{{alnum}}, e.g. eu-west-1_AbC123xyz",
                    pool.id
                )));
            }
            if !pool_ids.insert(pool.id.as_str()) {
                return Err(Error::Config(format!(
                    "pool id {:?} appears twice",
                    pool.id
                )));
            }
            validate_pool(pool)?;
            for c in &pool.clients {
                validate_client(c, &mut client_ids)?;
            }
            validate_users(pool)?;
        }
        if let Some(origins) = &self.cors_origins {
            crate::cors::AllowedOrigins::parse(origins).map_err(Error::Config)?;
        }
        Ok(())
    }
}

/// A pool's password policy, token validity and groups.
fn validate_pool(pool: &PoolConfig) -> Result<(), Error> {
    let bad = |m: String| Err(Error::Config(m));
    let p = &pool.password_policy;
    if !(6..=99).contains(&p.minimum_length) {
        return bad(format!("pool {}: minimum_length must be 6 to 99", pool.id));
    }
    let t = &pool.token_validity;
    for (name, v) in [
        ("id_token_minutes", t.id_token_minutes),
        ("access_token_minutes", t.access_token_minutes),
    ] {
        if !(5..=MINUTES_PER_DAY).contains(&v) {
            return bad(format!("pool {}: {name} must be 5 to 1440", pool.id));
        }
    }
    if !(60..=MAX_REFRESH_MINUTES).contains(&t.refresh_token_minutes) {
        return bad(format!(
            "pool {}: refresh_token_minutes must be 60 to {MAX_REFRESH_MINUTES} (ten years)",
            pool.id
        ));
    }
    for g in &pool.groups {
        valid_group(g).map_err(Error::Config)?;
    }
    if let Err(m) = pool.lambda_config.clone().normalise() {
        return bad(format!("pool {}: lambda_config: {m}", pool.id));
    }
    Ok(())
}

/// A client's id (unique in the process), secret, URLs and flows.
fn validate_client<'a>(
    c: &'a ClientConfig,
    client_ids: &mut HashSet<&'a str>,
) -> Result<(), Error> {
    let bad = |m: String| Err(Error::Config(m));
    if c.id.is_empty()
        || c.id.len() > 128
        || !c
            .id
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '+')
    {
        return bad(format!(
            "client id {:?} must be 1-128 of [A-Za-z0-9_+]",
            c.id
        ));
    }
    if !client_ids.insert(c.id.as_str()) {
        return bad(format!(
            "client id {:?} appears twice (client ids must be unique in one process)",
            c.id
        ));
    }
    if c.secret.as_deref().is_some_and(str::is_empty) {
        return bad(format!(
            "client {}: empty secret (omit it for a public client)",
            c.id
        ));
    }
    for u in c.callback_urls.iter().chain(&c.logout_urls) {
        valid_redirect(u).map_err(|m| Error::Config(format!("client {}: {m}", c.id)))?;
    }
    if c.refresh_token_grace_seconds > 60 {
        return bad(format!(
            "client {}: refresh_token_grace_seconds must be 0 to 60",
            c.id
        ));
    }
    if c.allowed_flows.contains(&OAuthFlow::ClientCredentials) && c.secret.is_none() {
        return bad(format!(
            "client {}: client_credentials needs a secret",
            c.id
        ));
    }
    Ok(())
}

/// A pool's seed users: emails (unique in the pool), subs, attributes and groups.
fn validate_users(pool: &PoolConfig) -> Result<(), Error> {
    let bad = |m: String| Err(Error::Config(m));
    let mut emails = HashSet::new();
    for u in &pool.users {
        if !valid_email(&u.email) {
            return bad(format!(
                "pool {}: {:?} is not an email address",
                pool.id, u.email
            ));
        }
        if !emails.insert(u.email.to_lowercase()) {
            return bad(format!("pool {}: user {} appears twice", pool.id, u.email));
        }
        if let Some(sub) = &u.sub {
            if uuid::Uuid::parse_str(sub).is_err() {
                return bad(format!("user {}: sub must be a UUID", u.email));
            }
        }
        for k in u.attributes.keys() {
            valid_attribute_name(k).map_err(Error::Config)?;
        }
        for g in &u.groups {
            valid_group(g).map_err(Error::Config)?;
        }
    }
    Ok(())
}

/// `{region}_{alnum}`: region like `us-east-1`, then 1 to 55 alphanumerics.
pub fn valid_pool_id(id: &str) -> bool {
    let Some((region, rest)) = id.split_once('_') else {
        return false;
    };
    let parts: Vec<&str> = region.split('-').collect();
    let region_ok = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
    region_ok
        && !rest.is_empty()
        && rest.len() <= 55
        && rest.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A plausible email: one `@`, something on both sides, a dot in the domain, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 128
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub(crate) fn valid_group(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 128 || name.chars().any(|c| c.is_control()) {
        return Err(format!(
            "group name {name:?} must be 1-128 printable characters"
        ));
    }
    Ok(())
}

/// Standard attributes this pool knows, plus `custom:*`.
const STANDARD_ATTRIBUTES: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
];

pub(crate) fn valid_attribute_name(name: &str) -> Result<(), String> {
    if STANDARD_ATTRIBUTES.contains(&name) {
        return Ok(());
    }
    if let Some(custom) = name.strip_prefix("custom:") {
        if !custom.is_empty()
            && custom.len() <= 20
            && custom
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Ok(());
        }
    }
    Err(format!(
        "attribute {name:?} is neither a standard attribute nor custom:<1-20 of [A-Za-z0-9_]>"
    ))
}

/// Callback and sign-out URLs: https, or http on a loopback host (Cognito allows only
/// `http://localhost`; 127.0.0.1 and [::1] are accepted here too, for tests).
fn valid_redirect(u: &str) -> Result<(), String> {
    let url = Url::parse(u).map_err(|e| format!("{u:?} is not a URL: {e}"))?;
    if url.fragment().is_some() {
        return Err(format!("{u:?} must not have a fragment"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")) => Ok(()),
        "http" => Err(format!("{u:?}: http is allowed only for localhost")),
        // Native apps use custom schemes, which Cognito allows.
        s if !s.is_empty() => Ok(()),
        _ => Err(format!("{u:?} has no scheme")),
    }
}
