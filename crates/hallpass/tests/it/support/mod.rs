//! Test support: the app under test, an in-test OpenID provider and a local GitHub, the captured
//! log, and socket-less requests.

pub mod api;
pub mod app;
pub mod cognito;
pub mod logs;
pub mod memory_store;
pub mod mock_github;
pub mod mock_idp;
pub mod oneshot;
pub mod proxy;
pub mod stores;
