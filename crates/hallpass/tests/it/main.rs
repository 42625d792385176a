//! Hallpass's integration tests: one binary, driving real routers over HTTP.

mod support;

mod core;
mod flow;
mod lifecycle;
mod provider;
mod vectors;
