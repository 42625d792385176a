//! Placeholder of the credentials-provider interface (the provider-model branch brings the real one).

use super::{ProviderError, SignIn, TokenSet};
use crate::session::BoxFuture;

/// Why a credentials sign-in failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Wrong credentials.
    #[error("the credentials were refused")]
    Invalid,
    /// The provider failed.
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// The posted form.
pub struct CredentialsForm(Vec<(String, String)>);

impl CredentialsForm {
    /// From the parsed pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One input of the built-in sign-in form.
#[derive(Debug, Clone)]
pub struct CredentialField {
    /// Form name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Input type.
    pub input_type: String,
}

/// A provider whose sign-in is a form posted to Hallpass.
pub trait CredentialsProvider: Send + Sync + 'static {
    /// Id.
    fn id(&self) -> &str;
    /// Name.
    fn name(&self) -> &str;
    /// Fields.
    fn fields(&self) -> &[CredentialField];
    /// Checks the form.
    fn authorize<'a>(
        &'a self,
        form: &'a CredentialsForm,
        now: i64,
    ) -> BoxFuture<'a, Result<SignIn, CredentialsError>>;
    /// Refresh.
    fn refresh<'a>(
        &'a self,
        tokens: &'a TokenSet,
        sub: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<TokenSet, ProviderError>> {
        let _ = (tokens, sub, now);
        Box::pin(async { Err(ProviderError::NoRefreshToken) })
    }
    /// Sign-out.
    fn sign_out<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, Result<(), ProviderError>> {
        let _ = tokens;
        Box::pin(async { Ok(()) })
    }
}
