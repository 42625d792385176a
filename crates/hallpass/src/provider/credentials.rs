//! Credentials providers: sign-in with a form posted to Hallpass (`POST {base}/callback/{id}`, with
//! `csrfToken` and `callbackUrl`), which the provider checks itself. [`Credentials`] is the general
//! one, NextAuth's `CredentialsProvider({ authorize })`:
//!
//! ```
//! use hallpass::provider::{CredentialField, Credentials, CredentialsError, Profile, SignIn};
//!
//! let provider = Credentials::new("password", "Password", |form, _now| {
//!     let ok = form.get("username") == Some("ada") && form.get("password") == Some("s3cret!");
//!     async move {
//!         if !ok {
//!             return Err(CredentialsError::Invalid);
//!         }
//!         Ok(SignIn { profile: Profile::new("ada").with_name("Ada"), tokens: None })
//!     }
//! })
//! .field(CredentialField::new("username", "Username", "text"))
//! .field(CredentialField::new("password", "Password", "password"));
//! # let _ = provider;
//! ```
//!
//! Compare secrets in constant time and keep the work the same for unknown users in your check;
//! Hallpass adds CSRF and never logs the form's values.

use std::future::Future;

use super::{ProviderError, SignIn, TokenSet};
use crate::shared::BoxFuture;

/// Why a credentials sign-in failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Wrong credentials: the user is sent back to the sign-in page with `error=CredentialsSignin`.
    #[error("the credentials were refused")]
    Invalid,
    /// The provider failed (its service is down, say).
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// The posted form's fields. `Debug` shows the names only: values may be passwords.
pub struct CredentialsForm(Vec<(String, String)>);

impl CredentialsForm {
    /// From the parsed pairs (the first occurrence of a name wins).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for CredentialsForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| format!("{k}=[redacted]")))
            .finish()
    }
}

/// One input of the built-in sign-in form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialField {
    /// The form field's name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// The HTML input type (`text`, `email`, `password`).
    pub input_type: String,
}

impl CredentialField {
    /// A field.
    pub fn new(
        name: impl Into<String>,
        label: impl Into<String>,
        input_type: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            input_type: input_type.into(),
        }
    }
}

/// A provider whose sign-in is a form posted to Hallpass.
pub trait CredentialsProvider: Send + Sync + 'static {
    /// The id, used in `{base}/callback/{id}`.
    fn id(&self) -> &str;
    /// The name on the sign-in page.
    fn name(&self) -> &str;
    /// The inputs the built-in sign-in page shows.
    fn fields(&self) -> &[CredentialField];
    /// Checks the posted form at `now` (Unix seconds): who signed in (tokens optional).
    fn authorize<'a>(
        &'a self,
        form: &'a CredentialsForm,
        now: i64,
    ) -> BoxFuture<'a, Result<SignIn, CredentialsError>>;
    /// Refreshes the tokens the sign-in gave. Default: no refresh (the session keeps its tokens
    /// until they expire).
    fn refresh<'a>(
        &'a self,
        tokens: &'a TokenSet,
        sub: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<TokenSet, ProviderError>> {
        let _ = (tokens, sub, now);
        Box::pin(async { Err(ProviderError::NoRefreshToken) })
    }
    /// Where the built-in sign-in page posts this provider's form, under the base path. Default
    /// `None`: `{base}/callback/{id}`. A provider with pages of its own (the Cognito form) names its
    /// first page.
    fn form_path(&self) -> Option<&str> {
        None
    }
    /// Called at sign-out with the session's tokens, e.g. to revoke them. Default: nothing.
    fn sign_out<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, Result<(), ProviderError>> {
        let _ = tokens;
        Box::pin(async { Ok(()) })
    }
}

type Authorize = dyn Fn(&CredentialsForm, i64) -> BoxFuture<'static, Result<SignIn, CredentialsError>>
    + Send
    + Sync;

/// The general credentials provider: a closure checks the form.
pub struct Credentials {
    id: String,
    name: String,
    fields: Vec<CredentialField>,
    authorize: Box<Authorize>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("id", &self.id)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// A provider with this id and name whose `authorize` reads what it needs from the form and
    /// returns a future of the result.
    pub fn new<F, Fut>(id: impl Into<String>, name: impl Into<String>, authorize: F) -> Self
    where
        F: Fn(&CredentialsForm, i64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SignIn, CredentialsError>> + Send + 'static,
    {
        Self {
            id: id.into(),
            name: name.into(),
            fields: Vec::new(),
            authorize: Box::new(move |form, now| Box::pin(authorize(form, now))),
        }
    }

    /// Adds an input to the built-in sign-in form.
    pub fn field(mut self, field: CredentialField) -> Self {
        self.fields.push(field);
        self
    }
}

impl CredentialsProvider for Credentials {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn fields(&self) -> &[CredentialField] {
        &self.fields
    }
    fn authorize<'a>(
        &'a self,
        form: &'a CredentialsForm,
        now: i64,
    ) -> BoxFuture<'a, Result<SignIn, CredentialsError>> {
        (self.authorize)(form, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_debug_output_never_shows_values() {
        let form = CredentialsForm::from_pairs(vec![
            ("username".into(), "ada".into()),
            ("password".into(), "hunter2".into()),
        ]);
        let shown = format!("{form:?}");
        assert!(shown.contains("password=[redacted]"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("ada"),
            "{shown}"
        );
        assert_eq!(form.get("password"), Some("hunter2"));
    }
}
