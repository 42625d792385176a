//! The example site, end to end: HTTP flows against the real site and the real local user pool, and
//! (in `browser`) the same in headless Chromium.

mod support;

mod account;
mod attacks;
mod binary;
mod browser;
mod federation;
mod flow;
mod form_flow;
mod form_journey;
mod form_refresh;
mod gallery;
mod instances;
mod mfa_journey;
mod oidc;
mod passkey_journey;
