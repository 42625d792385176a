//! Hallpass's integration tests: one binary, driving real routers over HTTP.

mod support;

mod api_tokens;
mod api_tokens_bad;
mod api_tokens_recheck;
mod authjs;
mod authjs_node;
mod awsjwt_node;
mod backends;
mod bad_cookie;
mod cognito_form;
mod cognito_form_errors;
mod core;
mod credentials;
mod csrf_form;
mod flow;
mod form_custom;
mod form_enumeration;
mod form_keeps;
mod form_limits;
mod form_mfa;
mod form_passkey;
mod form_proxies;
mod form_steps;
mod github;
mod hardening;
mod headers;
mod lifecycle;
mod provider;
mod refresh;
mod reissue;
mod stores;
mod theme;
mod vectors;
