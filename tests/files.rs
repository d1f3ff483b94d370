//! Model files you can trust: every corruption is caught, every failure has its own error, the
//! files of this version keep loading, and the command line reports problems in one line.

mod common;

use std::fs;

use common::{command, root};
use model_persistence::prelude::*;

/// The article's model and its test set.
fn article_model() -> (Model, WineData) {
    let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true).unwrap();
    (train(&train_set).unwrap(), test_set)
}

#[test]
fn every_bit_flip_and_truncation_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe");
    for codec in Codec::ALL {
        // The article's model as `cargo run` saves it, with its metadata.
        let original = golden(codec);
        let bytes = fs::read(&original).unwrap();
        let model = load::<Model>(&original).unwrap();

        // In memory, the loader's own code path without the file system: thousands of cases.
        let mut flips = 0;
        for i in 0..bytes.len() * 8 {
            let mut damaged = bytes.clone();
            damaged[i / 8] ^= 1 << (i % 8);
            let result = decode::<Model>(&damaged, MAX_PAYLOAD_BYTES);
            assert!(result.is_err(), "{codec:?}: flip of bit {i} was accepted");
            flips += 1;
        }
        let mut cuts = 0;
        for len in 0..bytes.len() {
            let result = decode::<Model>(&bytes[..len], MAX_PAYLOAD_BYTES);
            assert!(
                result.is_err(),
                "{codec:?}: truncation to {len} was accepted"
            );
            cuts += 1;
        }
        // And through files, a sample of each.
        for (i, len) in [0, 7, 31, bytes.len() / 2, bytes.len() - 1]
            .into_iter()
            .enumerate()
        {
            let mut damaged = bytes.clone();
            damaged[len] ^= 0x40;
            fs::write(&path, &damaged).unwrap();
            assert!(load::<Model>(&path).is_err(), "{codec:?}: flip {i}");
            fs::write(&path, &bytes[..len]).unwrap();
            assert!(load::<Model>(&path).is_err(), "{codec:?}: cut {i}");
        }
        println!(
            "{}: {} bytes, {flips} bit flips and {cuts} truncations rejected",
            codec.name(),
            bytes.len()
        );
        assert_eq!(load::<Model>(&original).unwrap(), model);
    }
}

fn golden(codec: Codec) -> std::path::PathBuf {
    root().join(format!(
        "tests/data/golden/wine_linear.{}",
        codec.extension()
    ))
}

#[test]
fn each_failure_has_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = article_model();
    let good = dir.path().join("good.bin");
    save(&model, &good, Codec::Bincode).unwrap();
    let bytes = fs::read(&good).unwrap();
    let write = |name: &str, content: &[u8]| {
        let path = dir.path().join(name);
        fs::write(&path, content).unwrap();
        path
    };

    let missing = dir.path().join("missing.bin");
    let err = |result: Result<Model, Error>| result.expect_err("an error");
    assert!(matches!(err(load(&missing)).kind(), ErrorKind::NotFound));
    assert!(matches!(
        err(load(dir.path())).kind(),
        ErrorKind::IsDirectory
    ));
    assert!(matches!(
        err(load(write("empty", b""))).kind(),
        ErrorKind::Empty
    ));
    let garbage = write("garbage", b"\x80\x04\x95 this is a pickle, not a model");
    assert!(matches!(err(load(garbage)).kind(), ErrorKind::NotAModel));
    let cut = write("cut", &bytes[..bytes.len() - 1]);
    assert!(matches!(err(load(cut)).kind(), ErrorKind::Truncated { .. }));
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x10;
    let flipped = err(load(write("flipped", &flipped)));
    assert!(matches!(flipped.kind(), ErrorKind::Checksum { .. }));

    let mut newer = bytes.clone();
    newer[8..10].copy_from_slice(&2u16.to_le_bytes());
    let newer = err(load(write("newer", &newer)));
    assert!(matches!(newer.kind(), ErrorKind::NewerVersion { found: 2 }));
    assert!(newer.to_string().contains("upgrade"), "{newer}");

    let other = dir.path().join("other.bin");
    save(&vec![1.0_f64, 2.0], &other, Codec::Bincode).unwrap();
    let wrong = err(load(&other));
    assert!(matches!(wrong.kind(), ErrorKind::WrongType { .. }));
    assert_eq!(
        wrong.kind().to_string(),
        "holds a alloc::vec::Vec<f64>, not a linfa_linear::ols::FittedLinearRegression<f64>"
    );
    assert_eq!(wrong.path(), Some(other.as_path()));

    // Every message fits on one line and names the file.
    for path in [missing, dir.path().to_path_buf(), other] {
        let message = load::<Model>(&path).unwrap_err().to_string();
        assert_eq!(message.lines().count(), 1);
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
    }
}

#[test]
fn golden_files_keep_loading() {
    let (model, test_set) = article_model();
    for codec in Codec::ALL {
        let path = golden(codec);
        let loaded = load_with_header::<Model>(&path).unwrap();
        assert_eq!(loaded.header.codec, codec);
        assert_eq!(loaded.header.format_version, 1);
        assert_eq!(loaded.header.metadata.features, Some(13));
        assert_eq!(loaded.header.metadata.feature_names[12], "proline");
        assert_eq!(loaded.header.metadata.train_rows, Some(119));
        let r2_test = r2(&loaded.model, &test_set).unwrap();
        assert!((r2_test - 0.855120280462724).abs() < 1e-14);
        // The golden files were written when `r2` took linfa's, which adds 1e-10 to the total.
        let recorded = loaded.header.metadata.r2_test.expect("recorded");
        assert!(
            (recorded - r2_test).abs() < 1e-12,
            "{recorded} vs {r2_test}"
        );
        for (a, b) in loaded.model.params().iter().zip(model.params()) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert_eq!(inspect(&path).unwrap(), loaded.header);
    }
}

#[test]
fn magic_is_binary_and_starts_every_codec() {
    let dir = tempfile::tempdir().unwrap();
    for codec in Codec::ALL {
        let path = dir.path().join(codec.extension());
        save(&1.5_f64, &path, codec).unwrap();
        assert!(fs::read(&path).unwrap().starts_with(&MAGIC));
        assert_eq!(load::<f64>(&path).unwrap(), 1.5);
    }
    assert!(!MAGIC.is_ascii());
}

#[test]
fn inspect_command_reports_valid_and_invalid_files() {
    let golden = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/golden/wine_linear.bin.zst"
    );
    let output = command(&["inspect", golden]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("codec         bincode+zstd (file format version 1)"),
        "{text}"
    );
    assert!(text.contains("FittedLinearRegression<f64>"), "{text}");
    assert!(text.contains("features      13"), "{text}");

    let output = command(&["inspect", golden, "--json"]);
    let header: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(header["metadata"]["train_rows"], 119);
    assert_eq!(header["codec"], "bincode+zstd");

    let dir = tempfile::tempdir().unwrap();
    // A file of another model type is verified without being decoded.
    let other = dir.path().join("other.bin.zst");
    save(&vec![0.5_f64; 1000], &other, Codec::BincodeZstd).unwrap();
    let output = command(&["inspect", other.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("alloc::vec::Vec<f64>")
    );

    let bad = dir.path().join("bad.bin");
    let mut bytes = fs::read(golden).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&bad, bytes).unwrap();
    for path in [
        bad.to_str().unwrap(),
        "/no/such/file",
        dir.path().to_str().unwrap(),
    ] {
        let output = command(&["inspect", path]);
        assert_eq!(output.status.code(), Some(1), "{path}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with("error: ") && stderr.lines().count() == 1,
            "{stderr}"
        );
    }
}

#[test]
fn predict_command_prints_one_prediction_per_row() {
    let golden = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/golden/wine_linear.bin"
    );
    let (model, test_set) = article_model();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rows.csv");
    let mut text = load_wine().feature_names().join(",") + "\n";
    for row in test_set.records().rows() {
        text += &row.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
        text += "\n";
    }
    fs::write(&csv, text).unwrap();
    let output = command(&["predict", golden, "--input", csv.to_str().unwrap()]);
    assert!(output.status.success());
    let printed: Vec<f64> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    let expected = predict(&model, test_set.records()).unwrap();
    assert_eq!(printed.len(), 59);
    for (a, b) in printed.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-12);
    }

    for (content, message) in [
        ("1,2,3\n", "line 1: 3 columns, the model expects 13"),
        (
            "1,2,3,4,5,6,7,8,9,10,11,12,13\n1,2,3,4,5,6,7,8,nine,10,11,12,13\n",
            "line 2: column 9: \"nine\" is not a number",
        ),
    ] {
        fs::write(&csv, content).unwrap();
        let output = command(&["predict", golden, "--input", csv.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.trim_end().ends_with(message), "{stderr}");
        assert_eq!(stderr.lines().count(), 1);
    }
}
