//! Model files at URLs, on the stores `cargo test` needs nothing for: `file://` (a folder of this
//! machine, through object_store) and `memory://`. The same code runs against a real S3 server
//! in `tests/store_server.rs`.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use model_persistence::prelude::*;
use model_persistence::python::convert::{self, Target};
use model_persistence::python::{ARTICLE_PICKLE, Limits};
use model_persistence::store::{self, Location, Mode};

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_model-persistence"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_model_saved_at_a_url_loads_identically_and_the_object_is_the_file() {
    let dir = tempdir().unwrap();
    let model = train(&load_wine()).unwrap();
    let meta = Metadata {
        features: Some(13),
        ..Metadata::default()
    };
    let at = Location::parse(&url(&dir.path().join("wine.bin.zst"))).unwrap();
    let saved = store::save(&model, &meta, &at, Codec::BincodeZstd, Mode::Create).unwrap();
    let (loaded, version) = store::load::<Model>(&at).unwrap();
    assert_eq!(loaded.model, model);
    assert_eq!(version, saved.version);
    // The object is a model file like any other: the local reader takes it.
    let on_disk: Model = load(dir.path().join("wine.bin.zst")).unwrap();
    assert_eq!(on_disk, model);
    assert_eq!(
        std::fs::metadata(dir.path().join("wine.bin.zst"))
            .unwrap()
            .len(),
        saved.bytes
    );
}

#[test]
fn inspect_reads_only_the_header_and_load_verifies_every_byte() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("big.bin");
    let values = Array1::from_elem(100_000, 0.25);
    save(&values, &path, Codec::Bincode).unwrap();
    // Damage the payload only: a reader of the header alone cannot see it, a load must.
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xFF;
    std::fs::write(&path, &bytes).unwrap();

    let at = Location::parse(&url(&path)).unwrap();
    let header = store::inspect(&at).unwrap();
    assert!(!header.verified);
    assert_eq!(header.file_bytes, bytes.len() as u64);
    let err = store::load::<Array1<f64>>(&at).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Checksum { .. }), "{err}");
    let local = load::<Array1<f64>>(&path).unwrap_err();
    assert_eq!(
        err.to_string().split_once(": ").unwrap().1,
        local.to_string().split_once(": ").unwrap().1,
        "the same checksum error as on disk"
    );
    assert!(err.to_string().starts_with(&url(&path)));
}

#[test]
fn a_truncated_object_is_refused_as_a_truncated_file_is() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("cut.bin");
    save(&vec![1.0_f64; 1000], &path, Codec::Bincode).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    let at = Location::parse(&url(&path)).unwrap();
    let err = store::load::<Vec<f64>>(&at).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Corrupt(_) | ErrorKind::Truncated { .. }
        ),
        "{err}"
    );
    assert!(store::inspect(&at).is_err());
}

#[test]
fn create_only_and_update_if_unchanged_refuse_to_clobber() {
    let at = Location::parse("memory://test-modes/wine.bin").unwrap();
    let meta = Metadata::default();
    let first = store::save(&vec![1.0_f64], &meta, &at, Codec::Bincode, Mode::Create).unwrap();
    let err = store::save(&vec![2.0_f64], &meta, &at, Codec::Bincode, Mode::Create).unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(
        err.to_string(),
        "memory://test-modes/wine.bin: an object is there already, and the save was create-only"
    );
    let (_, read) = store::load::<Vec<f64>>(&at).unwrap();
    assert_eq!(read, first.version);
    let winner = Mode::Update(read.clone());
    store::save(&vec![3.0_f64], &meta, &at, Codec::Bincode, winner).unwrap();
    let loser = store::save(
        &vec![4.0_f64],
        &meta,
        &at,
        Codec::Bincode,
        Mode::Update(read),
    );
    let loser = loser.unwrap_err();
    assert!(loser.is_conflict());
    assert!(
        loser
            .to_string()
            .contains("the object changed since it was read")
    );
    assert_eq!(store::load::<Vec<f64>>(&at).unwrap().0.model, vec![3.0]);
}

#[test]
fn a_hundred_concurrent_loads_see_the_same_model() {
    let at = Location::parse("memory://test-concurrent/wine.bin").unwrap();
    let model = train(&load_wine()).unwrap();
    store::save(
        &model,
        &Metadata::default(),
        &at,
        Codec::Bincode,
        Mode::Overwrite,
    )
    .unwrap();
    let at = Arc::new(at);
    let loads: Vec<_> = (0..100)
        .map(|_| {
            let at = at.clone();
            std::thread::spawn(move || store::load::<Model>(&at).unwrap().0.model)
        })
        .collect();
    for load in loads {
        assert_eq!(load.join().unwrap(), model);
    }
}

#[test]
fn bad_urls_and_missing_objects_are_one_line_errors() {
    for (text, message) in [
        ("ftp://host/model.bin", "the scheme ftp:// is not read"),
        ("memory://only-a-bucket", "no key after the bucket"),
    ] {
        let err = Location::parse(text).unwrap_err();
        assert!(err.is_usage() && matches!(err.kind(), ErrorKind::Store(_)));
        assert!(err.to_string().starts_with(text), "{err}");
        assert!(err.to_string().contains(message), "{err}");
    }
    let at = Location::parse("memory://test-missing/none.bin").unwrap();
    let err = store::read(&at, Limits::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "memory://test-missing/none.bin: no such object"
    );
}

#[test]
fn a_scikit_learn_file_at_a_url_is_read_within_the_limits() {
    let dir = tempdir().unwrap();
    std::fs::write(dir.path().join("Pck_LR_Model.pkl"), ARTICLE_PICKLE).unwrap();
    let at = Location::parse(&url(&dir.path().join("Pck_LR_Model.pkl"))).unwrap();
    let (linear, _) = store::read(&at, Limits::default()).unwrap();
    assert_eq!(linear.model.n_features(), 13);
    let err = store::read(&at, Limits { max_bytes: 64 }).unwrap_err();
    assert!(err.to_string().contains("--max-bytes"), "{err}");
}

#[test]
fn the_command_line_reads_and_writes_urls() {
    let dir = tempdir().unwrap();
    let pickle = dir.path().join("Pck_LR_Model.pkl");
    std::fs::write(&pickle, ARTICLE_PICKLE).unwrap();
    let out = url(&dir.path().join("wine.bin"));
    let wrote = cli(&["convert", pickle.to_str().unwrap(), &out, "--create-only"]);
    assert!(wrote.status.success(), "{}", stderr(&wrote));
    let again = cli(&["convert", pickle.to_str().unwrap(), &out, "--create-only"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        stderr(&again),
        format!("error: {out}: an object is there already, and the save was create-only\n")
    );
    let shown = cli(&["inspect", &out]);
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.contains("(as stored, not verified: the payload was not read)"),
        "{text}"
    );
    // A scikit-learn file at a URL is read whole, as from a path.
    let python = cli(&["inspect", &url(&pickle)]);
    assert!(
        String::from_utf8(python.stdout)
            .unwrap()
            .contains("LinearRegression")
    );
    let local = cli(&[
        "convert",
        pickle.to_str().unwrap(),
        "x.bin",
        "--create-only",
    ]);
    assert_eq!(local.status.code(), Some(2));
}

#[test]
fn an_mlflow_folder_has_the_flavors_and_the_signature_of_the_features() {
    let dir = tempdir().unwrap();
    let linear = convert::from_bytes(ARTICLE_PICKLE, Limits::default()).unwrap();
    let folder = dir.path().join("wine");
    let bytes = convert::save(&linear, &folder, Some(Target::Mlflow)).unwrap();
    let mlmodel = std::fs::read_to_string(folder.join("MLmodel")).unwrap();
    for line in [
        "    loader_module: mlflow.onnx",
        "    data: model.onnx",
        "    pickled_model: model.skops",
        "    serialization_format: skops",
    ] {
        assert!(mlmodel.contains(line), "{line} in\n{mlmodel}");
    }
    let onnx = std::fs::read(folder.join("model.onnx")).unwrap();
    assert_eq!(
        convert::from_bytes(&onnx, Limits::default()).unwrap().model,
        linear.model
    );
    let skops = std::fs::read(folder.join("model.skops")).unwrap();
    assert_eq!(
        convert::from_bytes(&skops, Limits::default())
            .unwrap()
            .model,
        linear.model
    );
    let total: u64 = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert_eq!(total, bytes);
    // A folder with a model in it is left alone.
    let err = convert::save(&linear, &folder, Some(Target::Mlflow)).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(
        std::fs::read_to_string(folder.join("MLmodel")).unwrap(),
        mlmodel
    );
}

#[test]
fn an_object_larger_than_its_kind_allows_is_refused_from_its_first_bytes() {
    let dir = tempdir().unwrap();
    let path = dir.path().join("big.pkl");
    std::fs::write(&path, vec![0x80; 9 << 20]).unwrap();
    let at = Location::parse(&url(&path)).unwrap();
    let err = store::read(&at, Limits::default()).unwrap_err();
    assert!(err.is_too_large(), "{err}");
    assert!(err.to_string().starts_with(&url(&path)), "{err}");
    assert!(err.to_string().contains("--max-bytes"), "{err}");
}
