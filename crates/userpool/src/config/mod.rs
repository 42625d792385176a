//! The seed file: pools, app clients and users, read from TOML and validated.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Error;
pub use crate::lambda::config::LambdaConfig;

mod validate;

pub(crate) use validate::{valid_attribute_name, valid_group};
pub use validate::{valid_email, valid_pool_id};

/// The demo pool's id (`{region}_{alnum}`, like Cognito's).
pub const DEMO_POOL_ID: &str = "us-east-1_HallpassDemo";
/// The demo app client's id: 26 lowercase alphanumerics, like Cognito's.
pub const DEMO_CLIENT_ID: &str = "4hallpassdemo0local0client";
/// The demo app client's secret. Dev-only: it is public in this source code.
pub const DEMO_CLIENT_SECRET: &str = "dev0only0hallpass0demo0secret0not0for0production0use";
/// The demo user's email, which is also the name they sign in with.
pub const DEMO_USER_EMAIL: &str = "demo@example.com";
/// The demo user's password.
pub const DEMO_USER_PASSWORD: &str = "Passw0rd!";
/// The demo user's `sub`, fixed so that it survives a fresh database.
pub const DEMO_USER_SUB: &str = "d3a0c0de-7e57-4a11-9a55-0000000000de";

/// Largest values Cognito accepts for the token lifetimes, in minutes.
const MINUTES_PER_DAY: u32 = 24 * 60;
const MAX_REFRESH_MINUTES: u32 = 10 * 365 * MINUTES_PER_DAY;

/// Everything a user pool process serves: its pools, each with its clients and users.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The user pools.
    #[serde(default)]
    pub pools: Vec<PoolConfig>,
    /// Web origins whose pages may call the JSON API's public operations (CORS):
    /// `scheme://host[:port]`, `:*` for any port, or `*`. `None`: the command line's
    /// `--cors-origin`, else [`crate::DEFAULT_CORS_ORIGINS`].
    #[serde(default)]
    pub cors_origins: Option<Vec<String>>,
}

/// One user pool.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    /// `{region}_{alnum}`, e.g. `eu-west-1_AbC123xyz`.
    pub id: String,
    /// A display name, shown on the hosted UI.
    #[serde(default)]
    pub name: Option<String>,
    /// Rules a new password must meet.
    #[serde(default)]
    pub password_policy: PasswordPolicy,
    /// Token lifetimes.
    #[serde(default)]
    pub token_validity: TokenValidity,
    /// Groups to create (groups named by users are created too).
    #[serde(default)]
    pub groups: Vec<String>,
    /// App clients.
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
    /// Users created on first start (an existing user is left as it is).
    #[serde(default, skip_serializing)]
    pub users: Vec<UserSeed>,
    /// Multi-factor authentication (TOTP): `off`, `optional` (the default) or `on`.
    /// `SetUserPoolMfaConfig` changes it at run time.
    #[serde(default)]
    pub mfa: MfaSetting,
    /// The Lambda triggers (Cognito's `LambdaConfig`); see the README's triggers section.
    #[serde(default, skip_serializing_if = "LambdaConfig::is_empty")]
    pub lambda_config: LambdaConfig,
    /// Whether `ChangePassword` ends every sign-in of the user, the caller's included. Off by
    /// default, as in Cognito, where an app calls `GlobalSignOut` for that; a password reset
    /// ends every sign-in either way.
    #[serde(default)]
    pub change_password_signs_out: bool,
    /// Device tracking (Cognito's `DeviceConfiguration`); `None`: devices are not tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_configuration: Option<DeviceConfiguration>,
}

/// Cognito's `DeviceConfiguration`: a pool with one tracks its users' devices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeviceConfiguration {
    /// A remembered device may sign in without the second factor (MFA).
    pub challenge_required_on_new_device: bool,
    /// A confirmed device is remembered only when the user says so (`UpdateDeviceStatus`);
    /// otherwise at once.
    pub device_only_remembered_on_user_prompt: bool,
}

/// A pool's MFA setting (Cognito's `MfaConfiguration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaSetting {
    /// No MFA, even for users who set up a software token.
    Off,
    /// Users who set up a software token are asked for a code.
    #[default]
    Optional,
    /// Every user must use MFA; one without a software token sets it up at sign-in.
    On,
}

impl MfaSetting {
    /// Cognito's name: `OFF`, `OPTIONAL`, `ON`.
    pub fn cognito_name(self) -> &'static str {
        match self {
            MfaSetting::Off => "OFF",
            MfaSetting::Optional => "OPTIONAL",
            MfaSetting::On => "ON",
        }
    }

    /// From `off`, `optional` or `on`, in any case (a seed file's, `USERPOOL_MFA`'s values).
    pub fn parse(value: &str) -> Option<MfaSetting> {
        MfaSetting::from_cognito_name(&value.trim().to_ascii_uppercase())
    }

    /// `off`, `optional` or `on`.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaSetting::Off => "off",
            MfaSetting::Optional => "optional",
            MfaSetting::On => "on",
        }
    }

    /// From Cognito's name.
    pub fn from_cognito_name(name: &str) -> Option<MfaSetting> {
        match name {
            "OFF" => Some(MfaSetting::Off),
            "OPTIONAL" => Some(MfaSetting::Optional),
            "ON" => Some(MfaSetting::On),
            _ => None,
        }
    }
}

/// Cognito's password policy.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordPolicy {
    /// Minimum length (6 to 99).
    pub minimum_length: usize,
    /// At least one uppercase letter.
    pub require_uppercase: bool,
    /// At least one lowercase letter.
    pub require_lowercase: bool,
    /// At least one digit.
    pub require_numbers: bool,
    /// At least one of Cognito's symbols.
    pub require_symbols: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        // Cognito's default policy.
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

/// The symbols Cognito counts as "special characters".
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

impl PasswordPolicy {
    /// The policy in words, for the sign-up and reset forms.
    pub fn describe(&self) -> String {
        let mut needs = vec![];
        if self.require_uppercase && self.require_lowercase {
            needs.push("upper and lower case letters");
        } else if self.require_uppercase {
            needs.push("an upper case letter");
        } else if self.require_lowercase {
            needs.push("a lower case letter");
        }
        if self.require_numbers {
            needs.push("a number");
        }
        if self.require_symbols {
            needs.push("a symbol");
        }
        let mut s = format!("At least {} characters", self.minimum_length);
        match needs.as_slice() {
            [] => {}
            [one] => s.push_str(&format!(", with {one}")),
            [init @ .., last] => s.push_str(&format!(", with {} and {last}", init.join(", "))),
        }
        s.push('.');
        s
    }

    /// Checks a password, returning Cognito's message for the first rule it breaks.
    pub fn check(&self, password: &str) -> Result<(), String> {
        let fail = |why: &str| Err(format!("Password did not conform with policy: {why}"));
        if password.chars().count() < self.minimum_length {
            return fail("Password not long enough");
        }
        if self.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
            return fail("Password must have lowercase characters");
        }
        if self.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
            return fail("Password must have uppercase characters");
        }
        if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return fail("Password must have numeric characters");
        }
        if self.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
            return fail("Password must have symbol characters");
        }
        Ok(())
    }
}

/// Token lifetimes, within Cognito's limits.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenValidity {
    /// ID token lifetime in minutes (5 to 1440, default 60).
    pub id_token_minutes: u32,
    /// Access token lifetime in minutes (5 to 1440, default 60).
    pub access_token_minutes: u32,
    /// Refresh token lifetime in minutes (60 to ten years, default 30 days).
    pub refresh_token_minutes: u32,
}

impl Default for TokenValidity {
    fn default() -> Self {
        Self {
            id_token_minutes: 60,
            access_token_minutes: 60,
            refresh_token_minutes: 30 * MINUTES_PER_DAY,
        }
    }
}

/// An OAuth flow a client may use (Cognito's `AllowedOAuthFlows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthFlow {
    /// Authorization code grant.
    Code,
    /// Implicit grant (`response_type=token`).
    Implicit,
    /// Client credentials grant (machine to machine).
    ClientCredentials,
}

/// An app client.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// 26 lowercase alphanumerics in Cognito; any 1 to 128 of `[A-Za-z0-9_+]` here.
    pub id: String,
    /// A display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The client secret; none makes a public client.
    #[serde(default)]
    pub secret: Option<String>,
    /// Allowed `redirect_uri`s (exact match).
    #[serde(default)]
    pub callback_urls: Vec<String>,
    /// Allowed `logout_uri`s.
    #[serde(default)]
    pub logout_urls: Vec<String>,
    /// Scopes the client may ask for; others are dropped silently.
    #[serde(default = "default_scopes")]
    pub allowed_scopes: Vec<String>,
    /// OAuth flows the client may use.
    #[serde(default = "default_flows")]
    pub allowed_flows: Vec<OAuthFlow>,
    /// Return a new refresh token on each refresh (Cognito's default is off).
    #[serde(default)]
    pub refresh_token_rotation: bool,
    /// With rotation, how long a rotated-out refresh token keeps working, 0 to 60 seconds
    /// (Cognito's `RetryGracePeriodSeconds`; default 0).
    #[serde(default)]
    pub refresh_token_grace_seconds: u32,
    /// The JSON API's sign-in flows this client may use (Cognito's `ExplicitAuthFlows`).
    /// Default: all of them (Cognito's API default leaves `ALLOW_USER_PASSWORD_AUTH` out).
    #[serde(default = "all_auth_flows")]
    pub explicit_auth_flows: Vec<AuthFlow>,
    /// An unknown user gets "Incorrect username or password." like a wrong password
    /// (Cognito's `PreventUserExistenceErrors = ENABLED`, its default for new clients).
    #[serde(default = "yes")]
    pub prevent_user_existence_errors: bool,
    /// Secrets added by `AddUserPoolClientSecret`: each works beside `secret` until deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_secrets: Vec<AddedSecret>,
}

/// A client secret added at run time (`AddUserPoolClientSecret`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AddedSecret {
    /// `{client_id}--{epoch seconds}`, as Cognito names them.
    pub id: String,
    /// The secret.
    pub value: String,
    /// When it was added, epoch seconds.
    pub created_at: i64,
}

/// A JSON-API sign-in flow a client may use, by Cognito's `ExplicitAuthFlows` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[allow(clippy::enum_variant_names)] // Cognito's names, verbatim
pub enum AuthFlow {
    /// `USER_SRP_AUTH` (and `PASSWORD_SRP` in `USER_AUTH`).
    #[serde(rename = "ALLOW_USER_SRP_AUTH")]
    UserSrpAuth,
    /// `USER_PASSWORD_AUTH` (and `PASSWORD` in `USER_AUTH`).
    #[serde(rename = "ALLOW_USER_PASSWORD_AUTH")]
    UserPasswordAuth,
    /// `ADMIN_USER_PASSWORD_AUTH` (`AdminInitiateAuth`).
    #[serde(rename = "ALLOW_ADMIN_USER_PASSWORD_AUTH")]
    AdminUserPasswordAuth,
    /// `REFRESH_TOKEN_AUTH` and `GetTokensFromRefreshToken`.
    #[serde(rename = "ALLOW_REFRESH_TOKEN_AUTH")]
    RefreshTokenAuth,
    /// The choice-based `USER_AUTH`.
    #[serde(rename = "ALLOW_USER_AUTH")]
    UserAuth,
    /// `CUSTOM_AUTH`, driven by the pool's challenge triggers.
    #[serde(rename = "ALLOW_CUSTOM_AUTH")]
    CustomAuth,
}

/// Every flow: the default for a local pool.
pub fn all_auth_flows() -> Vec<AuthFlow> {
    vec![
        AuthFlow::UserSrpAuth,
        AuthFlow::UserPasswordAuth,
        AuthFlow::AdminUserPasswordAuth,
        AuthFlow::RefreshTokenAuth,
        AuthFlow::UserAuth,
        AuthFlow::CustomAuth,
    ]
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "phone", "profile"]
        .map(String::from)
        .to_vec()
}

fn default_flows() -> Vec<OAuthFlow> {
    vec![OAuthFlow::Code]
}

/// A user created at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSeed {
    /// The email, which is the sign-in name.
    pub email: String,
    /// The password (not checked against the policy: seeds are admin-created).
    pub password: String,
    /// A fixed `sub`; a random UUID when omitted.
    #[serde(default)]
    pub sub: Option<String>,
    /// Confirmed users can sign in; unconfirmed ones must enter a code first.
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// Whether `email_verified` is true (defaults to `confirmed`).
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// Other attributes: `name`, `phone_number`, `custom:tenant`, ...
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Groups the user is in.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The password is temporary: the first sign-in must set a new one (Cognito's
    /// `FORCE_CHANGE_PASSWORD`; the JSON API answers `NEW_PASSWORD_REQUIRED`).
    #[serde(default)]
    pub password_temporary: bool,
}

fn yes() -> bool {
    true
}

impl Seed {
    /// Parses and validates a seed.
    pub fn from_toml_str(text: &str) -> Result<Seed, Error> {
        let seed: Seed = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        seed.validate()?;
        Ok(seed)
    }

    /// Reads, parses and validates a seed file.
    pub fn from_file(path: &Path) -> Result<Seed, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        Self::from_toml_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// The built-in demo: one pool, one confidential client whose callback is
    /// `{site_origin}/api/auth/callback/cognito`, and the demo user in group `admin`.
    pub fn demo(site_origin: &Url) -> Seed {
        let origin = site_origin.as_str().trim_end_matches('/');
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), "Demo User".to_string());
        Seed {
            pools: vec![PoolConfig {
                mfa: MfaSetting::Optional,
                change_password_signs_out: false,
                id: DEMO_POOL_ID.to_string(),
                name: Some("Hallpass demo".to_string()),
                password_policy: PasswordPolicy::default(),
                token_validity: TokenValidity::default(),
                groups: vec!["admin".to_string()],
                clients: vec![ClientConfig {
                    id: DEMO_CLIENT_ID.to_string(),
                    name: Some("Hallpass example site".to_string()),
                    secret: Some(DEMO_CLIENT_SECRET.to_string()),
                    callback_urls: vec![format!("{origin}/api/auth/callback/cognito")],
                    logout_urls: vec![format!("{origin}/")],
                    allowed_scopes: default_scopes(),
                    allowed_flows: vec![OAuthFlow::Code],
                    refresh_token_rotation: false,
                    refresh_token_grace_seconds: 0,
                    explicit_auth_flows: all_auth_flows(),
                    prevent_user_existence_errors: true,
                    added_secrets: vec![],
                }],
                users: vec![UserSeed {
                    email: DEMO_USER_EMAIL.to_string(),
                    password: DEMO_USER_PASSWORD.to_string(),
                    sub: Some(DEMO_USER_SUB.to_string()),
                    confirmed: true,
                    email_verified: Some(true),
                    attributes,
                    groups: vec!["admin".to_string()],
                    password_temporary: false,
                }],
                lambda_config: LambdaConfig::default(),
                device_configuration: None,
            }],
            cors_origins: None,
        }
    }
}

impl Seed {
    /// Every pool's MFA set to `mfa` (`USERPOOL_MFA`, `--mfa`).
    pub fn with_mfa(mut self, mfa: MfaSetting) -> Seed {
        for p in &mut self.pools {
            p.mfa = mfa;
        }
        self
    }
}

impl PoolConfig {
    /// The client with this id.
    pub fn client(&self, id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|c| c.id == id)
    }
}

impl ClientConfig {
    /// Every secret the client accepts: its own, then those added at run time.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.secret
            .as_deref()
            .into_iter()
            .chain(self.added_secrets.iter().map(|s| s.value.as_str()))
    }

    /// Whether a flow is allowed.
    pub fn allows(&self, flow: OAuthFlow) -> bool {
        self.allowed_flows.contains(&flow)
    }

    /// Whether a JSON-API sign-in flow is allowed.
    pub fn allows_auth(&self, flow: AuthFlow) -> bool {
        self.explicit_auth_flows.contains(&flow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_ids() {
        assert!(valid_pool_id("eu-west-1_AbC123xyz"));
        assert!(valid_pool_id("us-gov-west-1_X"));
        assert!(valid_pool_id(DEMO_POOL_ID));
        for bad in [
            "",
            "eu-west-1",
            "eu-west-1_",
            "euwest1_a",
            "eu-west-x_a",
            "eu-west-1_a-b",
            "EU-west-1_a",
        ] {
            assert!(!valid_pool_id(bad), "{bad}");
        }
    }

    #[test]
    fn mfa_settings_parse_in_any_case() {
        for (text, want) in [
            ("off", MfaSetting::Off),
            ("Optional", MfaSetting::Optional),
            (" ON ", MfaSetting::On),
        ] {
            assert_eq!(MfaSetting::parse(text), Some(want), "{text}");
            assert_eq!(MfaSetting::parse(want.as_str()), Some(want));
        }
        assert_eq!(MfaSetting::parse("required"), None);
        let seed =
            Seed::demo(&Url::parse("http://localhost:3000").unwrap()).with_mfa(MfaSetting::On);
        assert_eq!(seed.pools[0].mfa, MfaSetting::On);
    }

    #[test]
    fn demo_is_valid_and_shaped() {
        let seed = Seed::demo(&Url::parse("http://localhost:3000").unwrap());
        seed.validate().unwrap();
        assert_eq!(DEMO_CLIENT_ID.len(), 26);
        assert!(DEMO_CLIENT_ID
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(
            seed.pools[0].clients[0].callback_urls,
            ["http://localhost:3000/api/auth/callback/cognito"]
        );
    }

    #[test]
    fn password_policy() {
        let p = PasswordPolicy::default();
        assert!(p.check(DEMO_USER_PASSWORD).is_ok());
        assert!(p
            .check("Sh0rt!")
            .unwrap_err()
            .ends_with("Password not long enough"));
        assert!(p.check("passw0rd!").unwrap_err().contains("uppercase"));
        assert!(p.check("Password!").unwrap_err().contains("numeric"));
        assert!(p.check("Passw0rdd").unwrap_err().contains("symbol"));
        assert_eq!(
            p.describe(),
            "At least 8 characters, with upper and lower case letters, a number and a symbol."
        );
    }
}
