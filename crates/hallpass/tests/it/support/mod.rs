//! Test support: the app under test and (for provider tests) an in-test OpenID provider.

pub mod app;
pub mod mock_idp;
