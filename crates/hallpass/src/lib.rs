//! Hallpass.
