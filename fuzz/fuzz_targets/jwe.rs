#![no_main]
//! See `hallpass::fuzzing::jwe` for what is fed and which properties are asserted.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hallpass::fuzzing::jwe(data));
