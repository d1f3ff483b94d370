//! Feeds arbitrary bytes to the reader of scikit-learn's files (pickle, joblib, skops): it must
//! return a model or an error, never panic, never overflow its stack, and never allocate beyond
//! its documented limit (libFuzzer's `-malloc_limit_mb` catches that).
//!
//! Random bytes rarely start like a pickle, so each input is also read as the body of a protocol
//! 4 pickle, to reach the opcodes behind the first check, and as the rows of a CSV file that
//! `predict` streams. Seed it with the hostile corpus (`tests/data/hostile/`) and the fixtures.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use model_persistence::article::batch::predict_csv;
use model_persistence::python;
use model_persistence::article::train::{Model, from_parts};

/// A model of two named features, made once.
fn model() -> &'static (Model, Vec<String>) {
    static MODEL: OnceLock<(Model, Vec<String>)> = OnceLock::new();
    MODEL.get_or_init(|| {
        let model = from_parts(&[2.0, -1.0], 0.5).expect("a model");
        (model, vec!["a".to_string(), "b".to_string()])
    })
}

fuzz_target!(|bytes: &[u8]| {
    let _ = python::decode(bytes);
    let _ = python::disassemble(bytes);
    let pickle = [&b"\x80\x04"[..], bytes].concat();
    let _ = python::decode(&pickle);
    let _ = python::disassemble(&pickle);
    let (model, names) = model();
    let _ = predict_csv(model, names, bytes, std::io::sink());
    let _ = predict_csv(model, &[], bytes, std::io::sink());
});
