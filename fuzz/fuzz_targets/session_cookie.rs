#![no_main]
//! See `hallpass::fuzzing::session_cookie` for what is fed and which properties are asserted.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hallpass::fuzzing::session_cookie(data));
