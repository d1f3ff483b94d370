//! Feeds arbitrary bytes to the reader of scikit-learn's files (pickle, joblib, skops): it must
//! return a model or an error, never panic, never overflow its stack, and never allocate beyond
//! its documented limit (libFuzzer's `-malloc_limit_mb` catches that).
//!
//! Random bytes rarely start like a pickle, so each input is also read as the body of a protocol
//! 4 pickle and of a joblib wrapper, to reach the opcodes behind the first check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model_persistence::sklearn;

fuzz_target!(|bytes: &[u8]| {
    let _ = sklearn::decode(bytes);
    let _ = sklearn::disassemble(bytes);
    let pickle = [&b"\x80\x04"[..], bytes].concat();
    let _ = sklearn::decode(&pickle);
    let _ = sklearn::disassemble(&pickle);
});
