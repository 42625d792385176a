//! The Cognito preset: a user pool's hosted UI through the general OpenID Connect provider
//! (issuer, domain, logout URL, groups), and the form sign-in's settings (`form.rs`).

mod form;

use std::sync::Arc;

use secrecy::SecretString;
use url::Url;

use super::oauth::{
    check_url, is_loopback, ClaimMapping, Endpoints, IssuerPolicy, IssuerRule, LogoutStyle,
    OAuthConfig, OAuthProvider,
};
use super::ProviderError;

/// Which issuer a domain-mode provider may learn.
#[derive(Clone, Debug)]
pub(crate) enum LearnRule {
    /// `https://cognito-idp.{region}.amazonaws.com/{region}_{alnum}`.
    Region(String),
    /// `{origin}/{poolId}` for a local pool on the domain's origin.
    SameOrigin(String),
}

fn is_pool_id(s: &str, region: Option<&str>) -> bool {
    let Some((r, id)) = s.split_once('_') else {
        return false;
    };
    let region_ok = match region {
        Some(expected) => r == expected,
        None => is_region(r),
    };
    region_ok && !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_region(r: &str) -> bool {
    // eu-west-1, us-gov-west-1, ap-southeast-2, ...
    r.len() >= 4
        && r.split('-').count() >= 3
        && r.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && r.bytes().last().is_some_and(|b| b.is_ascii_digit())
}

impl LearnRule {
    pub(crate) fn accepts(&self, iss: &str) -> bool {
        match self {
            Self::Region(region) => iss
                .strip_prefix(&format!("https://cognito-idp.{region}.amazonaws.com/"))
                .is_some_and(|pool| is_pool_id(pool, Some(region))),
            Self::SameOrigin(origin) => iss
                .strip_prefix(origin.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|pool| is_pool_id(pool, None)),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Region(r) => format!("https://cognito-idp.{r}.amazonaws.com/{r}_<pool id>"),
            Self::SameOrigin(o) => format!("{o}/<pool id>"),
        }
    }
}

/// `*.amazoncognito.com`: a hosted-UI domain.
pub(crate) fn is_hosted_ui_host(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|h| h.to_ascii_lowercase().ends_with(".amazoncognito.com"))
}

fn is_cognito_idp_host(url: &Url) -> bool {
    url.host_str().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h.starts_with("cognito-idp.") && h.ends_with(".amazonaws.com")
    })
}

/// `{prefix}.auth.{region}.amazoncognito.com` → region.
fn region_of_domain(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let rest = host.strip_suffix(".amazoncognito.com")?;
    let (_, region) = rest.rsplit_once(".auth.")?;
    is_region(region).then(|| region.to_string())
}

/// The hosted-UI endpoints under a domain (which may have a path, for a local pool).
pub(crate) fn domain_endpoints(domain: &Url) -> Endpoints {
    let base = domain.as_str().trim_end_matches('/').to_string();
    let at = |p: &str| {
        Some(Url::parse(&format!("{base}{p}")).expect("a valid base URL plus a path is valid"))
    };
    Endpoints {
        authorization: at("/oauth2/authorize"),
        token: at("/oauth2/token"),
        // Mixed case, as Cognito spells it.
        userinfo: at("/oauth2/userInfo"),
        revocation: at("/oauth2/revoke"),
        end_session: at("/logout"),
    }
}

/// The hint when a learned issuer is refused.
const LEARN_HINT: &str = "in COGNITO_DOMAIN mode the issuer is learned only when it belongs to the domain's region (or origin, for a local pool); set COGNITO_ISSUER explicitly";

impl LearnRule {
    /// The rule as the general provider's neutral issuer policy.
    fn into_issuer_rule(self) -> IssuerRule {
        let describe = self.describe();
        IssuerRule::new(move |iss| self.accepts(iss), describe, LEARN_HINT)
    }
}

/// The AWS Cognito preset: configures an [`OAuthProvider`](super::OAuthProvider) for a Cognito user pool.
///
/// Provider id `cognito`, name "Cognito", scopes `openid email profile`, groups from
/// `cognito:groups`, username from `cognito:username`, `custom:*` attributes kept in
/// [`Profile::extra`](super::Profile::extra), `token_use` must be `id`, federated sign-out on
/// (Cognito's `/logout?client_id&logout_uri`, which is not RP-initiated logout).
///
/// # Environment ([`Cognito::from_env`])
///
/// | variable | meaning |
/// | --- | --- |
/// | `COGNITO_CLIENT_ID` | the app client id (required) |
/// | `COGNITO_CLIENT_SECRET` | the app client secret; leave unset for a public client |
/// | `COGNITO_ISSUER` | `https://cognito-idp.{region}.amazonaws.com/{poolId}` (local pool: `http://localhost:{port}/{poolId}`) |
/// | `COGNITO_DOMAIN` | the hosted-UI domain: `myapp.auth.eu-west-1.amazoncognito.com`, a full URL, or `http://localhost:{port}` for a local pool |
/// | `COGNITO_FEDERATED_SIGNOUT` | `true` (default) / `false`: also end the hosted-UI session on sign-out |
/// | `COGNITO_USERINFO` | `true` / `false` (default): also merge the claims of `/oauth2/userInfo` |
///
/// At least one of `COGNITO_ISSUER` and `COGNITO_DOMAIN` is required.
///
/// - **Issuer mode** (`COGNITO_ISSUER`): everything comes from the issuer's discovery document.
///   With `COGNITO_DOMAIN` as well, the hosted-UI endpoints (`/oauth2/authorize`, `/oauth2/token`,
///   `/oauth2/userInfo`, `/oauth2/revoke`, `/logout`) are taken from the domain instead (real
///   Cognito's discovery points there anyway).
/// - **Domain mode** (`COGNITO_DOMAIN` only): the hosted-UI endpoints come from the domain. The
///   issuer, needed to verify ID tokens, is *learned* from the `iss` of the first ID token the
///   domain's token endpoint returns, and only when it is either
///   `https://cognito-idp.{region}.amazonaws.com/{region}_{alphanumerics}` with `{region}` taken
///   from a `{prefix}.auth.{region}.amazoncognito.com` domain, or, for a domain on localhost (a
///   local pool), `{the domain's origin}/{poolId}`. That issuer's discovery document (whose
///   `issuer` must match) and JWKS are then fetched and the token is verified fully, like in
///   issuer mode; the issuer is pinned for the life of the process, and a token from any other
///   issuer is refused. A custom domain (`auth.example.com`) carries no region, so nothing can be
///   learned safely: it is refused at configuration time; set `COGNITO_ISSUER`.
///
/// The classic mistake, the hosted-UI domain given as `COGNITO_ISSUER` (or the `cognito-idp`
/// issuer as `COGNITO_DOMAIN`), is a configuration error that says which variable to use.
#[derive(Debug)]
pub struct Cognito;

/// Builder for a Cognito [`OAuthProvider`]; from [`Cognito::builder`].
///
/// It sets what is Cognito's (client, issuer, hosted-UI domain, sign-out, claims); everything the
/// general provider can tune (scopes, client authentication, clock skew, the HTTP client and its
/// timeout) is set once, on the [`OAuthConfig`] this preset amounts to, with
/// [`configure`](CognitoBuilder::configure). The own-page form uses the same HTTP client.
#[derive(Clone)]
pub struct CognitoBuilder {
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    issuer: Option<String>,
    domain: Option<String>,
    federated_sign_out: bool,
    userinfo: bool,
    configure: Vec<Arc<dyn Fn(OAuthConfig) -> OAuthConfig + Send + Sync>>,
    form: form::FormOptions,
}

impl std::fmt::Debug for CognitoBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret redacts itself; the configure closures have nothing worth showing.
        f.debug_struct("CognitoBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("issuer", &self.issuer)
            .field("domain", &self.domain)
            .field("federated_sign_out", &self.federated_sign_out)
            .field("userinfo", &self.userinfo)
            .field("form", &self.form)
            .finish_non_exhaustive()
    }
}

impl Cognito {
    /// A builder with Cognito's defaults (federated sign-out on, userinfo off).
    pub fn builder() -> CognitoBuilder {
        CognitoBuilder {
            client_id: None,
            client_secret: None,
            issuer: None,
            domain: None,
            federated_sign_out: true,
            userinfo: false,
            configure: Vec::new(),
            form: form::FormOptions::default(),
        }
    }

    /// Reads `COGNITO_CLIENT_ID`, `COGNITO_CLIENT_SECRET`, `COGNITO_ISSUER`, `COGNITO_DOMAIN`,
    /// `COGNITO_FEDERATED_SIGNOUT` and `COGNITO_USERINFO`: the hosted-UI provider. `Ok(None)` when
    /// none of the first four is set; an error that names the variable to fix when they are
    /// incomplete or mixed up, or when a variable of the own-page form is set
    /// (`COGNITO_SIGNIN=form|both`, `COGNITO_FORM_FLOW`, `COGNITO_API_URL`,
    /// `COGNITO_REFRESH_ROTATION`): those are read by [`Cognito::providers_from_env`], never
    /// silently dropped. Loads `.env.local` and `.env` first
    /// ([`Config::load_env_files`](crate::Config::load_env_files)).
    pub fn from_env() -> Result<Option<OAuthProvider>, ProviderError> {
        crate::Config::load_env_files();
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// [`Cognito::from_env`] with another source of variables (tests, config files). Empty
    /// values count as unset.
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<OAuthProvider>, ProviderError> {
        let get = trimmed(&lookup);
        form::refuse_form_vars(&get)?;
        Self::builder_from_env(&get)?
            .map(CognitoBuilder::build)
            .transpose()
    }

    /// The builder with the variables both calls read; `None` when no Cognito variable is set.
    fn builder_from_env(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<CognitoBuilder>, ProviderError> {
        let client_id = get("COGNITO_CLIENT_ID");
        let secret = get("COGNITO_CLIENT_SECRET");
        let issuer = get("COGNITO_ISSUER");
        let domain = get("COGNITO_DOMAIN");
        if client_id.is_none() && secret.is_none() && issuer.is_none() && domain.is_none() {
            return Ok(None);
        }
        let mut b = Cognito::builder();
        b.client_id = client_id;
        b.client_secret = secret.map(SecretString::from);
        b.issuer = issuer;
        b.domain = domain;
        if let Some(v) = get("COGNITO_FEDERATED_SIGNOUT") {
            b.federated_sign_out = parse_bool("COGNITO_FEDERATED_SIGNOUT", &v)?;
        }
        if let Some(v) = get("COGNITO_USERINFO") {
            b.userinfo = parse_bool("COGNITO_USERINFO", &v)?;
        }
        Ok(Some(b))
    }
}

/// A variable source whose values are trimmed, and empty ones unset.
fn trimmed(lookup: &impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> + '_ {
    move |k: &str| {
        lookup(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

fn parse_bool(var: &str, v: &str) -> Result<bool, ProviderError> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ProviderError::Config(format!(
            "{var}={:?} is not a boolean; use true or false",
            super::http::sanitize(v)
        ))),
    }
}

impl CognitoBuilder {
    /// The app client id (required).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }
    /// The app client secret (omit for a public client).
    pub fn client_secret(mut self, secret: SecretString) -> Self {
        self.client_secret = Some(secret);
        self
    }
    /// The issuer, `https://cognito-idp.{region}.amazonaws.com/{poolId}`.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }
    /// The hosted-UI domain (`myapp.auth.eu-west-1.amazoncognito.com` or a URL).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }
    /// End the hosted-UI session on sign-out (default on).
    pub fn federated_sign_out(mut self, on: bool) -> Self {
        self.federated_sign_out = on;
        self
    }
    /// Merge `/oauth2/userInfo` into the profile (default off: the ID token has the attributes).
    pub fn userinfo(mut self, on: bool) -> Self {
        self.userinfo = on;
        self
    }
    /// Tunes the general provider's settings this preset leaves alone: scopes (default `openid
    /// email profile`), client authentication, clock skew (default 15 s), the HTTP timeout (default
    /// 10 s) or an HTTP client of the app's own. Applied, in order, on [`into_config`]'s result.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use hallpass::provider::Cognito;
    ///
    /// let provider = Cognito::builder()
    ///     .client_id("1example23456789abcdefghij")
    ///     .issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz")
    ///     .configure(|c| c.http_timeout(Duration::from_secs(3)).scopes(["openid", "email"]))
    ///     .build()?;
    /// # Ok::<(), hallpass::provider::ProviderError>(())
    /// ```
    ///
    /// [`into_config`]: CognitoBuilder::into_config
    pub fn configure(
        mut self,
        f: impl Fn(OAuthConfig) -> OAuthConfig + Send + Sync + 'static,
    ) -> Self {
        self.configure.push(Arc::new(f));
        self
    }

    /// The generic configuration this preset amounts to, for further tweaks.
    pub fn into_config(self) -> Result<OAuthConfig, ProviderError> {
        let cfg_err = |m: String| ProviderError::Config(m);
        let client_id = self.client_id.ok_or_else(|| {
            cfg_err("COGNITO_CLIENT_ID is not set; set it to the app client id (Cognito console: user pool → App clients)".into())
        })?;
        let issuer = self.issuer.as_deref().map(parse_issuer).transpose()?;
        let domain = self.domain.as_deref().map(parse_domain).transpose()?;
        let learn = match (&issuer, &domain) {
            (None, None) => {
                return Err(cfg_err(
                    "neither COGNITO_ISSUER nor COGNITO_DOMAIN is set; set COGNITO_ISSUER=https://cognito-idp.{region}.amazonaws.com/{poolId} (and/or COGNITO_DOMAIN to the hosted-UI domain)".into(),
                ))
            }
            (Some(_), _) => None,
            (None, Some(d)) => Some(learn_rule(d)?),
        };
        let policy = match (issuer, learn) {
            (Some(issuer), _) => IssuerPolicy::Fixed(issuer),
            (None, Some(rule)) => IssuerPolicy::Learn(rule.into_issuer_rule()),
            (None, None) => unreachable!("checked above: an issuer or a domain"),
        };
        let mut config = OAuthConfig::with_issuer("cognito", policy, client_id)
            .name("Cognito")
            .federated_sign_out(self.federated_sign_out)
            .logout_style(LogoutStyle::LogoutUri)
            .userinfo(self.userinfo)
            .claim_mapping(ClaimMapping {
                groups: "cognito:groups".into(),
                username: vec!["cognito:username".into(), "username".into()],
                keep_prefixes: vec!["custom:".into()],
                keep: vec!["email_verified".into()],
            })
            // An access token (token_use = access) must not pass as an ID token.
            .require_claim("token_use", "id");
        if let Some(d) = &domain {
            // Both set: discovery for the issuer and keys, the domain for the hosted UI (real
            // Cognito's discovery points there anyway). Domain only: the domain is all there is.
            config = config.endpoints(domain_endpoints(d));
        }
        if let Some(s) = self.client_secret {
            config = config.client_secret(s);
        }
        for f in &self.configure {
            config = f(config);
        }
        Ok(config)
    }

    /// Validates and builds the provider.
    pub fn build(self) -> Result<OAuthProvider, ProviderError> {
        OAuthProvider::new(self.into_config()?)
    }
}

fn parse_loose_url(var: &str, value: &str) -> Result<Url, ProviderError> {
    // The tutorial's domain has no scheme: `myapp.auth.eu-west-1.amazoncognito.com`.
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("https://{value}")
    };
    Url::parse(&with_scheme).map_err(|e| {
        ProviderError::Config(format!(
            "{var}={:?} is not a URL or host name ({e})",
            super::http::sanitize(value)
        ))
    })
}

fn parse_issuer(value: &str) -> Result<Url, ProviderError> {
    let url = parse_loose_url("COGNITO_ISSUER", value)?;
    if is_hosted_ui_host(&url) {
        let region = region_of_domain(&url).unwrap_or_else(|| "{region}".into());
        return Err(ProviderError::Config(format!(
            "COGNITO_ISSUER={url} is the hosted-UI domain, not the issuer: set COGNITO_DOMAIN to it, and COGNITO_ISSUER to https://cognito-idp.{region}.amazonaws.com/{{poolId}} (or leave COGNITO_ISSUER unset)"
        )));
    }
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    if !is_pool_id(last, None) || url.path().ends_with('/') {
        let hint = if is_cognito_idp_host(&url) {
            "it must end with the user pool id, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz (no trailing slash)"
        } else {
            "that looks like a hosted-UI domain: set COGNITO_DOMAIN to it, and COGNITO_ISSUER to https://cognito-idp.{region}.amazonaws.com/{poolId} (local pool: http://localhost:{port}/{poolId})"
        };
        return Err(ProviderError::Config(format!(
            "COGNITO_ISSUER={url} has no user pool id path; {hint}"
        )));
    }
    check_url("COGNITO_ISSUER", &url)?;
    Ok(url)
}

fn parse_domain(value: &str) -> Result<Url, ProviderError> {
    let url = parse_loose_url("COGNITO_DOMAIN", value)?;
    if is_cognito_idp_host(&url) {
        return Err(ProviderError::Config(format!(
            "COGNITO_DOMAIN={url} is the issuer, not the hosted-UI domain: set COGNITO_ISSUER to it, and COGNITO_DOMAIN to the domain from the Cognito console (App integration → Domain), e.g. myapp.auth.eu-west-1.amazoncognito.com, or leave COGNITO_DOMAIN unset"
        )));
    }
    check_url("COGNITO_DOMAIN", &url)?;
    Ok(url)
}

fn learn_rule(domain: &Url) -> Result<LearnRule, ProviderError> {
    if let Some(region) = region_of_domain(domain) {
        return Ok(LearnRule::Region(region));
    }
    if is_loopback(domain) {
        return Ok(LearnRule::SameOrigin(domain.origin().ascii_serialization()));
    }
    Err(ProviderError::Config(format!(
        "COGNITO_DOMAIN={domain} is a custom domain: the issuer cannot be derived from it, so ID tokens could not be verified; also set COGNITO_ISSUER=https://cognito-idp.{{region}}.amazonaws.com/{{poolId}}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_env_refuses_the_forms_variables_and_names_the_call_that_reads_them() {
        let base = [
            ("COGNITO_CLIENT_ID", "abc"),
            (
                "COGNITO_ISSUER",
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
            ),
        ];
        let vars = |extra: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                base.iter()
                    .chain(extra)
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(Cognito::from_env_with(vars(&[])).unwrap().is_some());
        assert!(Cognito::from_env_with(vars(&[("COGNITO_SIGNIN", "hosted")])).is_ok());
        for extra in [
            &[("COGNITO_SIGNIN", "form")][..],
            &[("COGNITO_SIGNIN", "both")],
            &[("COGNITO_FORM_FLOW", "password")],
            &[("COGNITO_API_URL", "http://localhost:9229/")],
            &[("COGNITO_REFRESH_ROTATION", "true")],
        ] {
            let e = Cognito::from_env_with(vars(extra)).unwrap_err().to_string();
            assert!(
                e.contains(extra[0].0) && e.contains("Cognito::providers_from_env()"),
                "{e}"
            );
        }
        // The call that reads them honours them.
        let providers =
            Cognito::providers_from_env_with(vars(&[("COGNITO_SIGNIN", "form")])).unwrap();
        assert_eq!(providers.len(), 1);
        assert_eq!(providers[0].id(), "cognito-form");
    }

    #[test]
    fn region_rule_accepts_only_that_regions_pools() {
        let d = parse_domain("myapp.auth.eu-west-1.amazoncognito.com").unwrap();
        let rule = learn_rule(&d).unwrap();
        assert!(rule.accepts("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz"));
        for bad in [
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz",
            "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123xyz",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/x",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_",
            "http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
            "https://cognito-idp.eu-west-1.amazonaws.com.evil.com/eu-west-1_AbC123xyz",
            "https://evil.com/eu-west-1_AbC",
        ] {
            assert!(!rule.accepts(bad), "{bad}");
        }
    }

    #[test]
    fn same_origin_rule_for_local_pools() {
        let d = parse_domain("http://localhost:9229").unwrap();
        let rule = learn_rule(&d).unwrap();
        assert!(rule.accepts("http://localhost:9229/us-east-1_X"));
        assert!(!rule.accepts("http://localhost:9230/us-east-1_X"));
        assert!(!rule.accepts("http://localhost:9229.evil.com/us-east-1_X"));
        assert!(!rule.accepts("http://localhost:9229/"));
    }

    #[test]
    fn domain_endpoints_keep_the_mixed_case_userinfo() {
        let e = domain_endpoints(&parse_domain("myapp.auth.eu-west-1.amazoncognito.com").unwrap());
        assert_eq!(
            e.token.unwrap().as_str(),
            "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/token"
        );
        assert_eq!(
            e.userinfo.unwrap().as_str(),
            "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/userInfo"
        );
        assert_eq!(
            e.end_session.unwrap().as_str(),
            "https://myapp.auth.eu-west-1.amazoncognito.com/logout"
        );
    }
}
