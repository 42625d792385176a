//! The builder's form sign-in settings (`COGNITO_SIGNIN=form|both`) and the providers they make.

use url::Url;

use super::{
    is_cognito_idp_host, parse_bool, parse_issuer, parse_loose_url, Cognito, CognitoBuilder,
};
use crate::provider::cognito_form::{
    AttemptLimits, CognitoForm, FormSettings, PasswordFlow, PasswordRules, SignInMode,
};
use crate::provider::oauth::check_url;
use crate::provider::{Provider, ProviderError};

/// The form sign-in's settings on the builder.
#[derive(Clone, Debug, Default)]
pub(super) struct FormOptions {
    mode: SignInMode,
    api_url: Option<String>,
    flow: PasswordFlow,
    rotation: bool,
    rules: PasswordRules,
    limits: AttemptLimits,
    passkeys: bool,
}

impl FormOptions {
    fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ProviderError> {
        let mut o = FormOptions::default();
        if let Some(v) = get("COGNITO_SIGNIN") {
            o.mode = SignInMode::parse(&v).ok_or_else(|| {
                ProviderError::Config(format!(
                    "COGNITO_SIGNIN={:?} is not hosted, form or both",
                    crate::provider::http::sanitize(&v)
                ))
            })?;
        }
        o.api_url = get("COGNITO_API_URL");
        if let Some(v) = get("COGNITO_FORM_FLOW") {
            o.flow = match v.to_ascii_lowercase().as_str() {
                "srp" => PasswordFlow::Srp,
                "password" => PasswordFlow::Password,
                "custom-srp" => PasswordFlow::CustomSrp,
                _ => {
                    return Err(ProviderError::Config(format!(
                        "COGNITO_FORM_FLOW={:?} is not srp, password or custom-srp",
                        crate::provider::http::sanitize(&v)
                    )))
                }
            };
        }
        if let Some(v) = get("COGNITO_REFRESH_ROTATION") {
            o.rotation = parse_bool("COGNITO_REFRESH_ROTATION", &v)?;
        }
        if let Some(v) = get("COGNITO_PASSKEYS") {
            o.passkeys = parse_bool("COGNITO_PASSKEYS", &v)?;
        }
        Ok(o)
    }
}

impl Cognito {
    /// The providers `COGNITO_*` configure: [`Cognito::from_env`]'s hosted-UI provider, and with
    /// `COGNITO_SIGNIN=form|both` the form provider ([`CognitoBuilder::build_providers`]). Also
    /// reads `COGNITO_API_URL`, `COGNITO_FORM_FLOW` (`srp`, default, `password` or `custom-srp`) and
    /// `COGNITO_REFRESH_ROTATION` (`true` when the app client rotates refresh tokens) and
    /// `COGNITO_PASSKEYS` (`true`: the pages offer passkeys; see [`CognitoBuilder::passkeys`]). Empty
    /// when no `COGNITO_*` variable is set. Loads `.env.local` and `.env` first.
    pub fn providers_from_env() -> Result<Vec<Provider>, ProviderError> {
        crate::Config::load_env_files();
        Self::providers_from_env_with(|k| std::env::var(k).ok())
    }

    /// [`Cognito::providers_from_env`] with another source of variables.
    pub fn providers_from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<Provider>, ProviderError> {
        let get = super::trimmed(&lookup);
        let Some(mut b) = Self::builder_from_env(&get)? else {
            return Ok(Vec::new());
        };
        b.form = FormOptions::from_lookup(&get)?;
        b.build_providers()
    }
}

/// `Cognito::from_env` makes the hosted-UI provider alone: a variable of the own-page form set
/// beside it stops start-up, naming the call that reads it, instead of going unread.
pub(super) fn refuse_form_vars(get: &dyn Fn(&str) -> Option<String>) -> Result<(), ProviderError> {
    for var in [
        "COGNITO_SIGNIN",
        "COGNITO_FORM_FLOW",
        "COGNITO_API_URL",
        "COGNITO_REFRESH_ROTATION",
        "COGNITO_PASSKEYS",
    ] {
        let Some(value) = get(var) else { continue };
        if var == "COGNITO_SIGNIN" && value.eq_ignore_ascii_case("hosted") {
            continue;
        }
        return Err(ProviderError::Config(format!(
            "{var} is set, but Cognito::from_env() makes the hosted-UI provider alone and would not \
             read it: use Cognito::providers_from_env() (the hosted UI and/or the own-page form, as \
             COGNITO_SIGNIN says) and add each provider it returns"
        )));
    }
    Ok(())
}

impl CognitoBuilder {
    /// Hosted UI, form or both (default hosted); see [`CognitoBuilder::build_providers`].
    pub fn sign_in_mode(mut self, mode: SignInMode) -> Self {
        self.form.mode = mode;
        self
    }
    /// The JSON API's URL (default `https://cognito-idp.{region}.amazonaws.com/` for the issuer's
    /// region; a local pool's base URL for userpool).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.form.api_url = Some(url.into());
        self
    }
    /// SRP (default) or `USER_PASSWORD_AUTH` for the form sign-in.
    pub fn password_flow(mut self, flow: PasswordFlow) -> Self {
        self.form.flow = flow;
        self
    }
    /// The app client rotates refresh tokens: refresh with `GetTokensFromRefreshToken`.
    pub fn refresh_rotation(mut self, on: bool) -> Self {
        self.form.rotation = on;
        self
    }
    /// The password rules the sign-up page shows (default: Cognito's default policy).
    pub fn password_rules(mut self, rules: PasswordRules) -> Self {
        self.form.rules = rules;
        self
    }
    /// The own pages offer passkeys (`COGNITO_PASSKEYS=true`): "Sign in with a passkey" on the
    /// sign-in page, and the passkeys page (`{base}/cognito/passkeys`) for a signed-in user. The
    /// pool needs passkey sign-in on (`WEB_AUTHN` among its first factors) and a
    /// `WebAuthnConfiguration` whose `RelyingPartyId` is the site's domain; the app client needs
    /// `ALLOW_USER_AUTH`.
    pub fn passkeys(mut self, on: bool) -> Self {
        self.form.passkeys = on;
        self
    }
    /// The form's attempt limits per username and client address.
    pub fn attempt_limits(mut self, limits: AttemptLimits) -> Self {
        self.form.limits = limits;
        self
    }

    /// The providers for the sign-in mode: the hosted-UI provider (`cognito`), the form provider
    /// (`cognito-form`, which verifies its ID tokens with the hosted-UI provider's verifier), or
    /// both. The form needs `COGNITO_ISSUER` (its pool id and region).
    pub fn build_providers(self) -> Result<Vec<Provider>, ProviderError> {
        let form = self.form.clone();
        let issuer = self.issuer.clone();
        let secret = self.client_secret.clone();
        let client_id = self.client_id.clone().unwrap_or_default();
        let hosted = self.build()?;
        if form.mode == SignInMode::Hosted {
            return Ok(vec![hosted.into()]);
        }
        let issuer = issuer.as_deref().map(parse_issuer).transpose()?.ok_or_else(|| {
            ProviderError::Config("COGNITO_SIGNIN=form needs COGNITO_ISSUER=https://cognito-idp.{region}.amazonaws.com/{poolId}: the form talks to that pool's API and verifies its tokens".into())
        })?;
        let pool_id = issuer
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or_default()
            .to_string();
        let endpoint = match &form.api_url {
            Some(u) => {
                let url = parse_loose_url("COGNITO_API_URL", u)?;
                check_url("COGNITO_API_URL", &url)?;
                url
            }
            None if is_cognito_idp_host(&issuer) => {
                let region = pool_id.split('_').next().unwrap_or_default();
                crate::provider::cognito_api::regional_endpoint(region)
            }
            // A local pool serves the API at its root.
            None => Url::parse(&format!("{}/", issuer.origin().ascii_serialization()))
                .map_err(|e| ProviderError::Config(format!("COGNITO_ISSUER's origin: {e}")))?,
        };
        // One HTTP client for both doors to the pool: the app's own, or the one built with its timeout.
        let http = hosted.http_client().clone();
        let api = crate::provider::cognito_api::CognitoApi::new(http, endpoint, client_id, secret);
        let form_provider = CognitoForm::new(FormSettings {
            api,
            pool_id,
            verifier: hosted.clone(),
            flow: form.flow,
            rotation: form.rotation,
            rules: form.rules,
            limits: form.limits,
            passkeys: form.passkeys,
        });
        let form_provider = Provider::CognitoForm(form_provider);
        Ok(match form.mode {
            SignInMode::Both => vec![hosted.into(), form_provider],
            _ => vec![form_provider],
        })
    }
}
