//! Feeds arbitrary bytes to the loader: it must return an error or a model, never panic, and
//! never allocate without bound (libFuzzer's `-rss_limit_mb` and `-malloc_limit_mb` catch that).
//!
//! Random bytes rarely pass the checksum, so half of the inputs are also forged into files with
//! a valid header and checksum around them, as an attacker would, to fuzz the decoders behind it.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use model_persistence::prelude::*;
use twox_hash::XxHash3_64;

/// The first 12 bytes and the descriptor of a valid file of each codec, made once: encoding in
/// every run would fill the sanitizer's quarantine with the encoder's buffers.
fn template(codec: Codec) -> &'static (Vec<u8>, String) {
    static TEMPLATES: OnceLock<Vec<(Vec<u8>, String)>> = OnceLock::new();
    let all = TEMPLATES.get_or_init(|| {
        Codec::ALL
            .iter()
            .map(|&codec| {
                let file = encode(&0u8, &Metadata::default(), codec).expect("a byte encodes");
                let len = u32::from_le_bytes(file[12..16].try_into().expect("4 bytes")) as usize;
                let descriptor = String::from_utf8_lossy(&file[32..32 + len]).into_owned();
                (file[..12].to_vec(), descriptor.replace("u8", std::any::type_name::<Model>()))
            })
            .collect()
    });
    &all[Codec::ALL.iter().position(|&f| f == codec).expect("a codec")]
}

/// A valid file of `codec` whose payload is `payload`, lengths and checksum fixed up.
fn forge(codec: Codec, payload: &[u8], decoded_len: u64, flags: u8) -> Vec<u8> {
    let (fixed, descriptor) = template(codec);
    let mut out = fixed.clone();
    out[11] = flags;
    out.extend_from_slice(&(descriptor.len() as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&decoded_len.to_le_bytes());
    out.extend_from_slice(descriptor.as_bytes());
    out.extend_from_slice(payload);
    let sum = XxHash3_64::oneshot(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

fn check(bytes: &[u8]) {
    let _ = verify(bytes);
    if let Ok(loaded) = decode::<Model>(bytes, MAX_PAYLOAD_BYTES) {
        assert_eq!(loaded.header.model_type, std::any::type_name::<Model>());
        let _ = loaded.model.params().len();
    }
}

fuzz_target!(|bytes: &[u8]| {
    check(bytes);
    if let Some((&mode, payload)) = bytes.split_first() {
        let codec = Codec::ALL[mode as usize % Codec::ALL.len()];
        let decoded_len = match codec {
            Codec::BincodeZstd => u64::from(mode) << 4,
            _ => payload.len() as u64,
        };
        check(&forge(codec, payload, decoded_len, mode >> 7));
    }
});
