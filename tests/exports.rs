//! From Rust to Python, as far as Rust alone can check it: every export reads back to the same
//! numbers, bit for bit (ONNX and safetensors through `export::decode`, skops through the reader
//! of scikit-learn's files); the same model always gives the same bytes, those committed under
//! `tests/data/exports/`; damaged files are errors, never panics; and the command line converts
//! to each format. What Python makes of the files, `scripts/python-check` checks.

mod common;

use common::{command, root};
use model_persistence::article::linear::{LinearModel, Link};
use model_persistence::article::train::from_parts;
use model_persistence::article::{Options, run};
use model_persistence::prelude::*;
use model_persistence::python;
use model_persistence::python::convert;
use model_persistence::python::export::{self, Format};
use model_persistence::python::{Linear, Origin};

/// Numbers whose bits a careless writer would lose, and names that need escaping.
fn awkward() -> Linear {
    let coef = [-0.0, 5e-324, f64::MAX, -1.0 / 3.0, 0.1];
    Linear {
        model: LinearModel::from(&from_parts(&coef, -2.5e-17).expect("a model")),
        metadata: Metadata {
            features: Some(5),
            feature_names: ["alcohol", "a, b", "od280/od315", "ünïcödé \"quoted\"", ""]
                .map(String::from)
                .to_vec(),
            r2_train: Some(0.914045280377521),
            r2_test: Some(-1e-300),
            ..Metadata::default()
        },
        origin: Origin::Exported(Format::Onnx),
    }
}

/// The article's model as `cargo run` saves it, with what it knows about itself; `cargo xtask
/// exports` makes the committed exports from the same file.
fn article() -> Linear {
    let dir = tempfile::tempdir().expect("a folder");
    let options = Options {
        out_dir: dir.path().into(),
        ..Options::default()
    };
    run(&options).expect("the article runs");
    convert::load(dir.path().join("wine_linear.bin")).expect("the article's model")
}

fn bits(model: &LinearModel) -> (Vec<u64>, Vec<u64>) {
    let params = model.coef().iter().map(|v| v.to_bits()).collect();
    (
        params,
        model.intercept().iter().map(|v| v.to_bits()).collect(),
    )
}

/// Reads back what `format` wrote: the skops file through the reader of scikit-learn's files.
fn read_back(bytes: &[u8], format: Format) -> Result<Linear, Error> {
    match format {
        Format::Skops => {
            let python = python::decode(bytes)?;
            Ok(Linear {
                model: python.linear()?,
                metadata: python.metadata(),
                origin: Origin::Sklearn(python),
            })
        }
        Format::Onnx | Format::Safetensors => export::decode(bytes),
    }
}

#[test]
fn every_format_reads_back_bit_for_bit() -> Result<(), Error> {
    for linear in [awkward(), article()] {
        for format in Format::ALL {
            let back = read_back(&export::encode(&linear, format)?, format)?;
            assert_eq!(bits(&back.model), bits(&linear.model), "{format}");
            assert_eq!(
                back.metadata.feature_names, linear.metadata.feature_names,
                "{format}"
            );
            if format != Format::Skops {
                // skops files carry no scores; ONNX and safetensors keep them in their metadata.
                assert_eq!(back.metadata.r2_test, linear.metadata.r2_test, "{format}");
                assert_eq!(back.metadata.r2_train, linear.metadata.r2_train, "{format}");
            }
        }
    }
    Ok(())
}

#[test]
fn the_article_model_exports_to_the_committed_files() -> Result<(), Error> {
    let linear = article();
    for format in Format::ALL {
        let bytes = export::encode(&linear, format)?;
        assert_eq!(
            bytes,
            export::encode(&linear, format)?,
            "{format}: not deterministic"
        );
        let path = root().join(format!("tests/data/exports/wine.{}", format.extension()));
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == bytes,
            "{} differs from what the code writes; rewrite it with `cargo xtask exports`",
            path.display()
        );
    }
    Ok(())
}

#[test]
fn models_no_format_can_hold_are_refused() -> Result<(), Error> {
    let mut no_coef = awkward();
    no_coef.model = LinearModel::from(&from_parts(&[], 1.0)?);
    no_coef.metadata.feature_names.clear();
    let mut names = awkward();
    names.metadata.feature_names.pop();
    let mut nan = awkward();
    nan.model = LinearModel::from(&from_parts(&[1.0, 2.0, f64::NAN, 4.0, 5.0], 0.0)?);
    for format in Format::ALL {
        let problem = |linear: &Linear| match export::encode(linear, format) {
            Err(err) => match err.kind() {
                ErrorKind::Export(problem) => problem.to_string(),
                other => panic!("{format}: {other}"),
            },
            Ok(_) => panic!("{format}: written"),
        };
        assert_eq!(problem(&no_coef), "the model has no coefficients");
        assert_eq!(
            problem(&names),
            "the model has 5 coefficients but 4 feature names"
        );
        assert_eq!(problem(&nan), "coefficient 2 is not a finite number");
    }
    let err = export::encode(&nan, Format::Onnx).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Export(_)) && err.is_unsupported());
    Ok(())
}

#[test]
fn damaged_exports_are_errors_never_panics() -> Result<(), Error> {
    let linear = awkward();
    for format in Format::ALL {
        let bytes = export::encode(&linear, format)?;
        for len in 0..bytes.len() {
            // Protobuf has no end marker: an ONNX file cut between two metadata entries is a
            // valid file of the same numbers with less metadata, never the same model whole.
            if let Ok(cut) = read_back(&bytes[..len], format) {
                assert!(
                    format == Format::Onnx && cut.metadata != linear.metadata,
                    "{format} cut to {len} bytes was accepted whole"
                );
            }
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0xff;
            // Some flips land in bytes no reader needs; what matters is that none panics.
            let _ = read_back(&flipped, format);
        }
    }
    Ok(())
}

#[test]
fn the_command_line_converts_to_each_format_and_back() -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let pickle = root().join("tests/data/python/current/linear_dataframe.pkl");
    let want = convert::load(&pickle)?;
    for format in Format::ALL {
        let out = dir.path().join(format!("wine.{}", format.extension()));
        // Twice: the second run replaces the first file atomically.
        for _ in 0..2 {
            let output = command(&[
                "convert",
                pickle.to_str().expect("UTF-8"),
                out.to_str().expect("UTF-8"),
            ]);
            assert!(output.status.success(), "{format}");
        }
        let back = convert::load(&out)?;
        assert_eq!(bits(&back.model), bits(&want.model), "{format}");
        assert_eq!(
            back.metadata.feature_names, want.metadata.feature_names,
            "{format}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())?.collect();
        assert_eq!(
            names.len(),
            Format::ALL
                .iter()
                .position(|f| *f == format)
                .expect("a format")
                + 1
        );
    }
    // --format overrides the extension; a folder that does not exist is exit 1; an unknown
    // extension, exit 2.
    let forced = dir.path().join("wine.model");
    let output = command(&[
        "convert",
        pickle.to_str().expect("UTF-8"),
        forced.to_str().expect("UTF-8"),
        "--format",
        "safetensors",
    ]);
    assert!(output.status.success());
    assert!(matches!(
        convert::load(&forced)?.origin,
        Origin::Exported(Format::Safetensors)
    ));
    let missing = dir.path().join("no/such/folder/wine.onnx");
    let output = command(&[
        "convert",
        pickle.to_str().expect("UTF-8"),
        missing.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr)
            .expect("UTF-8")
            .lines()
            .count(),
        1
    );
    let output = command(&["convert", pickle.to_str().expect("UTF-8"), "wine.pkl"]);
    assert_eq!(output.status.code(), Some(2));
    Ok(())
}

#[test]
fn several_targets_with_a_link_are_refused_as_skops_and_carried_by_the_others() {
    let model = LinearModel::new(
        ndarray::array![[0.1, 0.2], [0.3, 0.4]],
        ndarray::array![0.5, -0.5],
        Link::Exp,
    )
    .expect("a model");
    let linear = Linear {
        model,
        metadata: Metadata::default(),
        origin: Origin::Exported(Format::Onnx),
    };
    let err = export::encode(&linear, Format::Skops).unwrap_err();
    assert!(err.is_unsupported(), "{err}");
    assert_eq!(
        err.to_string(),
        "skops: a model of several targets with the exp link is not written as skops, since scikit-learn's GLMs have one target (ONNX and safetensors carry it)"
    );
    for format in [Format::Onnx, Format::Safetensors] {
        let bytes = export::encode(&linear, format).expect("written");
        assert_eq!(export::decode(&bytes).expect("read").model, linear.model);
    }
}
