//! userpool.
