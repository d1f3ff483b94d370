//! Hostile files cannot make the loader allocate much: a counting allocator measures the peak
//! while files with lying length fields, all with valid checksums, are loaded.

use std::io::Write;

use model_persistence::prelude::*;

mod common;
use common::alloc::{Counting, peak_during};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `bytes` (a valid file) with its payload replaced and lengths and checksum made consistent:
/// what an attacker who knows the documented layout can write.
fn forge(bytes: &[u8], payload: &[u8], decoded_len: u64) -> Vec<u8> {
    let descriptor_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let mut out = bytes[..32 + descriptor_len].to_vec();
    out[16..24].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    out[24..32].copy_from_slice(&decoded_len.to_le_bytes());
    out.extend_from_slice(payload);
    let sum = twox_hash::XxHash3_64::oneshot(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// bincode's varint for a large usize: marker 253, then eight bytes.
fn varint_u64(n: u64) -> Vec<u8> {
    let mut out = vec![253];
    out.extend_from_slice(&n.to_le_bytes());
    out
}

const HOSTILE_CEILING: usize = 4 << 20;

/// The byte shuffle of a payload under a mebibyte, by its definition: the first bytes of every
/// 8-byte lane, then the second bytes, and so on; the bytes after the last lane stay put.
fn shuffled(data: &[u8]) -> Vec<u8> {
    let lanes = data.len() / 8;
    let mut out = data.to_vec();
    for i in 0..lanes {
        for byte in 0..8 {
            out[byte * lanes + i] = data[i * 8 + byte];
        }
    }
    out
}

#[test]
fn a_length_prefix_of_2_pow_60_elements_is_refused_without_allocating() {
    let model = train(&load_wine()).unwrap();
    let honest = encode(&model, &Metadata::default(), Codec::Bincode).unwrap();
    // FittedLinearRegression: intercept (f64), then params: format version, dim, data length.
    let mut payload = 1.0_f64.to_le_bytes().to_vec();
    payload.push(1);
    payload.extend(varint_u64(1 << 60));
    payload.extend(varint_u64(1 << 60));
    payload.extend_from_slice(&[0; 64]);
    let forged = forge(&honest, &payload, payload.len() as u64);

    let (result, peak) = peak_during(|| decode::<Model>(&forged, MAX_PAYLOAD_BYTES));
    println!(
        "2^60-element claim: {:?}, peak heap {peak} bytes",
        result.as_ref().err()
    );
    assert!(matches!(result.unwrap_err().kind(), ErrorKind::Corrupt(_)));
    assert!(peak < HOSTILE_CEILING, "peak {peak}");

    // The same claim in a compressed file.
    let honest = encode(&model, &Metadata::default(), Codec::BincodeZstd).unwrap();
    let packed = zstd::encode_all(&shuffled(&payload)[..], 3).unwrap();
    let forged = forge(&honest, &packed, payload.len() as u64);
    let (result, peak) = peak_during(|| decode::<Model>(&forged, MAX_PAYLOAD_BYTES));
    assert!(matches!(result.unwrap_err().kind(), ErrorKind::Corrupt(_)));
    assert!(peak < HOSTILE_CEILING, "peak {peak}");
}

#[test]
fn a_string_claiming_a_terabyte_is_refused_by_the_decoder_limit() {
    let honest = encode(&"short".to_string(), &Metadata::default(), Codec::Bincode).unwrap();
    let mut payload = varint_u64(1 << 40);
    payload.extend_from_slice(b"not a terabyte");
    let forged = forge(&honest, &payload, payload.len() as u64);
    let (result, peak) = peak_during(|| decode::<String>(&forged, MAX_PAYLOAD_BYTES));
    println!(
        "1 TiB string claim: {:?}, peak heap {peak} bytes",
        result.as_ref().err()
    );
    assert!(matches!(result.unwrap_err().kind(), ErrorKind::Corrupt(_)));
    assert!(peak < HOSTILE_CEILING, "peak {peak}");
}

#[test]
fn a_zstd_bomb_stops_at_the_declared_length() {
    // 64 MiB of zeros compress to a few kilobytes; the header claims 100 bytes.
    let mut encoder = zstd::Encoder::new(Vec::new(), 3).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    let honest = encode(&vec![0u8; 100], &Metadata::default(), Codec::BincodeZstd).unwrap();
    let forged = forge(&honest, &bomb, 100);
    let (result, peak) = peak_during(|| decode::<Vec<u8>>(&forged, MAX_PAYLOAD_BYTES));
    println!(
        "{} byte zstd bomb: {:?}, peak heap {peak} bytes",
        bomb.len(),
        result.as_ref().err()
    );
    assert!(matches!(result.unwrap_err().kind(), ErrorKind::Corrupt(_)));
    assert!(peak < HOSTILE_CEILING, "peak {peak}");
}

#[test]
fn a_declared_size_above_the_limit_is_refused_before_decoding() {
    let honest = encode(&vec![0u8; 100], &Metadata::default(), Codec::BincodeZstd).unwrap();
    let descriptor_len = u32::from_le_bytes(honest[12..16].try_into().unwrap()) as usize;
    let stored = &honest[32 + descriptor_len..honest.len() - 8];
    let forged = forge(&honest, stored, 1 << 50);
    let (result, peak) = peak_during(|| decode::<Vec<u8>>(&forged, MAX_PAYLOAD_BYTES));
    let err = result.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::PayloadTooLarge { .. }),
        "{err}"
    );
    assert!(peak < HOSTILE_CEILING, "peak {peak}");
}

#[test]
fn an_honest_load_is_measured_too() {
    // The counter works: loading a real 1 MiB model shows up in the peak.
    let values = vec![0.5_f64; 1 << 17];
    let bytes = encode(&values, &Metadata::default(), Codec::Bincode).unwrap();
    let (result, peak) = peak_during(|| decode::<Vec<f64>>(&bytes, MAX_PAYLOAD_BYTES));
    assert_eq!(result.unwrap().model, values);
    assert!(peak >= 1 << 20, "peak {peak}");
}

/// SHORT_BINUNICODE of `text`.
#[cfg(feature = "python")]
fn short_unicode(text: &str) -> Vec<u8> {
    let mut out = vec![0x8c, text.len() as u8];
    out.extend_from_slice(text.as_bytes());
    out
}

/// A joblib stream whose NumpyArrayWrapper claims `shape` float64 elements, followed by 8 bytes.
#[cfg(feature = "python")]
fn joblib_claiming(shape: &[u8]) -> Vec<u8> {
    let mut out = b"\x80\x04cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(".to_vec();
    out.extend(short_unicode("subclass"));
    out.extend_from_slice(b"cnumpy\nndarray\n");
    out.extend(short_unicode("shape"));
    out.extend_from_slice(shape);
    out.extend(short_unicode("order"));
    out.extend(short_unicode("C"));
    out.extend(short_unicode("dtype"));
    out.extend_from_slice(b"cnumpy\ndtype\n");
    out.extend(short_unicode("f8"));
    out.extend_from_slice(b"\x89\x88\x87R");
    out.extend(short_unicode("allow_mmap"));
    out.extend_from_slice(b"\x89ub");
    out.extend_from_slice(&[0; 8]);
    out.push(b'.');
    out
}

#[cfg(feature = "python")]
#[test]
fn python_files_with_lying_lengths_allocate_nothing_big() {
    use model_persistence::python;

    let huge = (1u64 << 60).to_le_bytes();
    // BINBYTES8, BINUNICODE8, BYTEARRAY8 and FRAME claiming 2^60 bytes; BINBYTES and LONG4
    // claiming 4 GiB and 2 GiB; joblib wrappers claiming 16 GiB and an overflowing shape.
    let mut files: Vec<Vec<u8>> = [b"\x8e", b"\x8d", b"\x96", b"\x95"]
        .iter()
        .map(|op| [&b"\x80\x04"[..], *op, &huge, b"."].concat())
        .collect();
    files.push(b"\x80\x04B\xff\xff\xff\xff.".to_vec());
    files.push(b"\x80\x04\x8b\xff\xff\xff\x7f.".to_vec());
    files.push(joblib_claiming(b"J\xff\xff\xff\x7f\x85"));
    files.push(joblib_claiming(b"J\xff\xff\xff\x7fJ\xff\xff\xff\x7f\x86"));
    for file in &files {
        let (result, peak) = peak_during(|| python::decode(file));
        let err = result.unwrap_err();
        assert!(
            err.is_corrupt() && err.to_string().starts_with("the pickle is truncated"),
            "{err}"
        );
        assert!(peak < 64 << 10, "{err}: peak heap {peak} bytes");
    }
    // An honest wrapper of one value reads its array; the file then holds no estimator.
    let err = python::decode(&joblib_claiming(b"K\x01\x85")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file holds a numpy array, not a scikit-learn estimator; read is one estimator saved by itself"
    );
}

#[test]
fn a_model_whose_fields_changed_is_refused_not_misread() {
    // What a file written before a change to linfa's `FittedLinearRegression` would look like
    // to the new version: the same type name in the header, a payload of another shape. Here
    // the payload holds only an intercept (bincode), or names a field the type does not have
    // (JSON). Either way the load is an error; no model with made-up numbers comes out.
    let model = train(&load_wine()).unwrap();
    let honest = encode(&model, &Metadata::default(), Codec::Bincode).unwrap();
    let payload = 1.0_f64.to_le_bytes();
    let forged = forge(&honest, &payload, payload.len() as u64);
    let err = decode::<Model>(&forged, MAX_PAYLOAD_BYTES).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Corrupt(_)), "{err}");

    let honest = encode(&model, &Metadata::default(), Codec::Json).unwrap();
    let payload = br#"{"intercept":1.0,"weights":{"v":1,"dim":[1],"data":[2.0]}}"#;
    let forged = forge(&honest, payload, payload.len() as u64);
    let err = decode::<Model>(&forged, MAX_PAYLOAD_BYTES).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Corrupt(_)), "{err}");
    println!("{err}");
}
