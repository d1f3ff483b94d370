//! Every model file written by real Python (scikit-learn, joblib, skops; a current and a legacy
//! set) reads to exactly the numbers recorded in its `expected.json`, and every hostile or
//! unsupported file is refused with its own message.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::python::{self, Container, SklearnProblem, joblib};
use serde_json::Value as Json;

const SETS: [&str; 2] = ["current", "legacy"];

/// A fixture made by `scripts/python-fixtures`.
fn dir(set: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/python");
    root.join(set)
}

fn expected(set: &str) -> Json {
    let text = std::fs::read_to_string(dir(set).join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

fn bytes(set: &str, file: &str) -> Vec<u8> {
    std::fs::read(dir(set).join(file)).unwrap_or_else(|e| panic!("{set}/{file}: {e}"))
}

fn list<'a>(json: &'a Json, key: &str) -> &'a Vec<Json> {
    json[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is a list"))
}

fn floats(json: &Json) -> Vec<f64> {
    json.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// `module.name` of every GLOBAL and STACK_GLOBAL in a listing.
fn globals(bytes: &[u8]) -> BTreeSet<String> {
    let ops = python::disassemble(bytes).expect("listing");
    ops.iter()
        .filter(|op| op.name == "GLOBAL" || op.name == "STACK_GLOBAL")
        .map(|op| op.arg.trim_matches('\'').replacen(' ', ".", 1))
        .collect()
}

#[test]
fn every_model_reads_exactly() {
    for set in SETS {
        let expected = expected(set);
        let models = list(&expected, "models");
        assert!(models.len() >= 20, "{set}: only {} models", models.len());
        for m in models {
            let file = m["file"].as_str().expect("file");
            let name = format!("{set}/{file}");
            let bytes = bytes(set, file);
            let model = python::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));

            assert_eq!(model.estimator.name(), m["estimator"], "{name}");
            assert_eq!(
                model.module,
                m["module"].as_str().expect("module"),
                "{name}"
            );
            assert_eq!(
                model.sklearn_version.as_deref(),
                m["sklearn_version"].as_str(),
                "{name}"
            );
            assert_eq!(
                model.n_features_in as u64,
                m["n_features_in"].as_u64().expect("n"),
                "{name}"
            );
            let names: Option<Vec<String>> = m["feature_names"].as_array().map(|a| {
                a.iter()
                    .map(|s| s.as_str().expect("str").to_string())
                    .collect()
            });
            assert_eq!(model.feature_names_in, names, "{name}");
            assert_eq!(
                model.coef.row(0).to_vec(),
                floats(&m["coef"]),
                "{name}: coef_"
            );
            assert_eq!(model.coef.nrows(), 1, "{name}: one target");
            assert_eq!(
                model.intercept[0],
                m["intercept"].as_f64().expect("intercept"),
                "{name}"
            );

            let protocol = m["protocol"].as_u64().map(|p| p as u8);
            match (
                &model.container,
                m["container"].as_str().expect("container"),
            ) {
                (Container::Pickle { protocol: p }, "pickle") => assert_eq!(Some(*p), protocol),
                (
                    Container::Joblib {
                        compressor,
                        protocol: p,
                    },
                    "joblib",
                ) => {
                    assert_eq!(Some(*p), protocol, "{name}");
                    assert_eq!(
                        compressor.map(|c| c.name()),
                        m["compressor"].as_str(),
                        "{name}"
                    );
                }
                (Container::Skops { protocol: p, .. }, "skops") => {
                    assert_eq!(Some(*p), m["skops_protocol"].as_i64(), "{name}");
                }
                (found, wanted) => panic!("{name}: read as {found:?}, written as {wanted}"),
            }

            let data = &expected["datasets"][m["dataset"].as_str().expect("dataset")];
            let rows = list(data, "X_test");
            let predictions = floats(&m["predictions"]);
            assert_eq!(rows.len(), predictions.len(), "{name}");
            let float32 = m["coef_dtype"] == "<f4";
            // Through the crate's own model and `predict`, as a user of the reader would.
            let x: Vec<f64> = rows.iter().flat_map(floats).collect();
            let x =
                ndarray::Array2::from_shape_vec((rows.len(), model.coef.ncols()), x).expect("rows");
            let linfa = model.model().expect("a linfa model");
            let got_all = crate::article::evaluate::predict(&linfa, &x).expect("as many features");
            for ((row, want), got) in rows.iter().zip(predictions).zip(got_all) {
                let row = floats(row);
                let (error, tolerance) = if float32 {
                    // scikit-learn predicts a float32 model in float32 arithmetic, we in f64:
                    // compare to float32 precision, relative to the size of the terms summed.
                    let terms: f64 = row
                        .iter()
                        .zip(model.coef.row(0))
                        .map(|(x, c)| (x * c).abs())
                        .sum();
                    (
                        (got - want).abs() / (terms + model.intercept[0].abs()),
                        1e-6,
                    )
                } else {
                    (
                        (got - want).abs() / want.abs().max(f64::MIN_POSITIVE),
                        1e-12,
                    )
                };
                assert!(
                    error <= tolerance,
                    "{name}: predicted {got}, scikit-learn {want}"
                );
            }
        }
    }
}

#[test]
fn pickles_name_the_globals_python_saw() {
    for set in SETS {
        let expected = expected(set);
        let files = list(&expected, "models")
            .iter()
            .chain(list(&expected, "unsupported"));
        for m in files.chain(list(&expected, "refused")) {
            let file = m["file"].as_str().expect("file");
            if m["container"] == "skops" {
                continue;
            }
            let mut bytes = bytes(set, file);
            if let Some(compressor) = joblib::detect(&bytes) {
                bytes = joblib::decompress(&bytes, compressor, 1 << 20).expect("stream");
                if let Some(n) = m["stream_bytes"].as_u64() {
                    assert_eq!(bytes.len() as u64, n, "{set}/{file}");
                }
            }
            let want: BTreeSet<String> = list(m, "globals")
                .iter()
                .map(|g| g.as_str().expect("str").to_string())
                .collect();
            assert_eq!(globals(&bytes), want, "{set}/{file}");
        }
    }
}

#[test]
fn the_article_pickle_lists_as_pickletools_does() {
    for set in SETS {
        let expected = expected(set);
        for m in list(&expected, "models") {
            let Some(opcodes) = m.get("opcodes").and_then(Json::as_array) else {
                continue;
            };
            let file = m["file"].as_str().expect("file");
            let ops = python::disassemble(&bytes(set, file)).expect("listing");
            let got: Vec<(u64, &str)> = ops.iter().map(|op| (op.offset as u64, op.name)).collect();
            let want: Vec<(u64, &str)> = opcodes
                .iter()
                .map(|o| (o[0].as_u64().expect("offset"), o[1].as_str().expect("name")))
                .collect();
            assert_eq!(got, want, "{set}/{file}");
        }
    }
}

#[test]
fn hostile_files_are_refused_by_name() {
    let expected = expected("current");
    let refused = list(&expected, "refused");
    assert!(refused.len() >= 10, "only {} refused files", refused.len());
    for r in refused {
        let file = r["file"].as_str().expect("file");
        let global = r["global"].as_str().expect("global");
        let err = python::read(&bytes("current", file)).expect_err(file);
        let message = err.to_string();
        match &err {
            SklearnProblem::Refused { global: g } => {
                assert_eq!(g, global, "{file}");
                let tail = "(only scikit-learn linear models and numpy arrays are read)";
                assert_eq!(
                    message,
                    format!("refused: the pickle calls {global} {tail}")
                );
            }
            // A skops node is named by its loader, then what it loads.
            SklearnProblem::RefusedType { name } => {
                assert!(name.ends_with(&format!(" {global}")), "{file}: {name}")
            }
            SklearnProblem::BadArguments { global: g }
            | SklearnProblem::ArraySize { global: g, .. } => {
                assert_eq!(g, global, "{file}: {message}");
            }
            other => panic!("{file}: not refused but {other:?}"),
        }
        assert!(message.contains(global), "{file}: {message}");
    }
}

#[test]
fn a_linear_regression_of_two_targets_is_read_with_both() {
    for set in SETS {
        // Fitted on the article's rows with the targets y and 2y + 1.
        let two = python::read(&bytes(set, "unsupported_coef2d.pkl")).expect("two targets");
        let one = python::read(&bytes(set, "Pck_LR_Model.pkl")).expect("the article's");
        assert_eq!(two.coef.dim(), (2, 13), "{set}");
        for (c1, (c2, c)) in one
            .coef
            .row(0)
            .iter()
            .zip(two.coef.row(1).iter().zip(two.coef.row(0)))
        {
            assert!(
                (c - c1).abs() <= 1e-9 * c1.abs().max(1.0),
                "{set}: {c} against {c1}"
            );
            assert!(
                (c2 - 2.0 * c1).abs() <= 1e-9 * c1.abs().max(1.0),
                "{set}: {c2} against 2 × {c1}"
            );
        }
        let intercept = one.intercept[0];
        assert!(
            (two.intercept[1] - (2.0 * intercept + 1.0)).abs() < 1e-9,
            "{set}"
        );
    }
}

#[test]
fn unsupported_files_say_what_they_hold() {
    for set in SETS {
        let expected = expected(set);
        for u in list(&expected, "unsupported") {
            let file = u["file"].as_str().expect("file");
            if file == "unsupported_coef2d.pkl" {
                // Read since models of several targets are (see the test above).
                continue;
            }
            let err = python::read(&bytes(set, file)).expect_err(file);
            let message = err.to_string();
            let wanted = match file {
                "unsupported_logistic.pkl" => {
                    "the file holds a LogisticRegression; read are scikit-learn's linear regressors"
                }
                "unsupported_int_coef.pkl" => "coef_ has dtype int64; only float64 and float32",
                "unsupported_sparse_coef.pkl" => {
                    "the file holds a sparse matrix (scipy.sparse._csr.csr_matrix)"
                }
                other => panic!("{set}/{other}: a new unsupported fixture: {message}"),
            };
            assert!(message.starts_with(wanted), "{set}/{file}: {message}");
        }
    }
}

#[test]
fn hostile_files_are_listed_not_refused() {
    let expected = expected("current");
    for r in list(&expected, "refused") {
        let file = r["file"].as_str().expect("file");
        if r["container"] == "skops" {
            continue;
        }
        let ops = python::disassemble(&bytes("current", file)).expect(file);
        assert_eq!(ops.last().map(|op| op.name), Some("STOP"), "{file}");
    }
}
