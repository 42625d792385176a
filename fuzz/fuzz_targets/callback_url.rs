#![no_main]
//! See `hallpass::fuzzing::callback_url` for what is fed and which properties are asserted.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hallpass::fuzzing::callback_url(data));
