//! Feeds arbitrary bytes to the loader: it must return an error or a model, never panic, and
//! never allocate without bound (libFuzzer's `-rss_limit_mb` and `-malloc_limit_mb` catch that).
//!
//! Random bytes rarely pass the checksum, so half of the inputs are also forged into files with
//! a valid header and checksum around them, as an attacker would, to fuzz the decoders behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model_persistence::format::{Format, MAX_PAYLOAD_BYTES, Metadata, decode, encode, verify};
use model_persistence::train::Model;
use xxhash_rust::xxh3::xxh3_64;

/// A valid file of `format` whose payload is `payload`, lengths and checksum fixed up.
fn forge(format: Format, payload: &[u8], decoded_len: u64) -> Vec<u8> {
    let template = encode(&0u8, &Metadata::default(), format).expect("a byte encodes");
    let len = u32::from_le_bytes(template[12..16].try_into().expect("4 bytes")) as usize;
    let descriptor = String::from_utf8_lossy(&template[32..32 + len]).into_owned();
    let descriptor = descriptor.replace("u8", std::any::type_name::<Model>());
    let mut out = template[..12].to_vec();
    out.extend_from_slice(&(descriptor.len() as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&decoded_len.to_le_bytes());
    out.extend_from_slice(descriptor.as_bytes());
    out.extend_from_slice(payload);
    let sum = xxh3_64(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

fn check(bytes: &[u8]) {
    let _ = verify(bytes);
    if let Ok((header, model)) = decode::<Model>(bytes, MAX_PAYLOAD_BYTES) {
        assert_eq!(header.model_type, std::any::type_name::<Model>());
        let _ = model.params().len();
    }
}

fuzz_target!(|bytes: &[u8]| {
    check(bytes);
    if let Some((&mode, payload)) = bytes.split_first() {
        let format = Format::ALL[mode as usize % Format::ALL.len()];
        let decoded_len = match format {
            Format::Zstd => u64::from(mode) << 4,
            _ => payload.len() as u64,
        };
        check(&forge(format, payload, decoded_len));
    }
});
