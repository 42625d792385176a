//! Test support: the app under test, an in-test OpenID provider and a local GitHub.

pub mod app;
pub mod mock_github;
pub mod mock_idp;
