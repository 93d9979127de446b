#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokenkit::fuzzing::device_response(data));
