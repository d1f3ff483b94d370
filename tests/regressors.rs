//! scikit-learn's other linear regressors, as real Python saved them (pickle protocols 2 and 4,
//! joblib with zlib and lzma, skops) with three pinned stacks: scikit-learn 1.9 and numpy 2.4,
//! 1.3 and 1.26, and 1.1 and 1.23, the oldest with a wheel for CPython 3.11
//! (`tests/data/python/regressors/`, made by `scripts/python-fixtures --regressors`). Every file
//! is either read and predicts what scikit-learn predicted, to 1e-12 relative, or refused in one
//! line that names the class; never read with other numbers.

use std::collections::BTreeSet;
use std::path::Path;

use model_persistence::python::convert;
use ndarray::Array2;
use serde_json::Value;

/// The classes read: their prediction is `X @ coef_.T + intercept_`, of one target or several,
/// or its `exp` for the log link of the GLMs (for a RANSACRegressor, that of its fitted
/// `estimator_`, when it is one of the others).
const READ: [&str; 25] = [
    "RidgeCV",
    "LassoCV",
    "ElasticNetCV",
    "Lars",
    "LarsCV",
    "LassoLars",
    "LassoLarsCV",
    "LassoLarsIC",
    "OrthogonalMatchingPursuit",
    "OrthogonalMatchingPursuitCV",
    "SGDRegressor",
    "BayesianRidge",
    "ARDRegression",
    "HuberRegressor",
    "LinearSVR",
    "TheilSenRegressor",
    "QuantileRegressor",
    "RANSACRegressor",
    "LinearRegression",
    "Ridge",
    "MultiTaskLasso",
    "MultiTaskElasticNet",
    "PoissonRegressor",
    "GammaRegressor",
    "TweedieRegressor",
];

fn expected(set: &str) -> Value {
    let path = format!("tests/data/python/regressors/{set}/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("JSON")
}

fn rows(value: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(value.clone()).expect("rows");
    let n = rows[0].len();
    Array2::from_shape_vec((rows.len(), n), rows.concat()).expect("a matrix")
}

/// Whether `ours` is scikit-learn's `theirs` to 1e-12, relative to the larger of 1 and it.
fn close(ours: f64, theirs: f64) -> bool {
    (ours - theirs).abs() <= 1e-12 * theirs.abs().max(1.0)
}

/// Reads every file of `set`; returns the classes read and the classes refused.
fn check_set(set: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let expected = expected(set);
    let (mut read, mut refused) = (BTreeSet::new(), BTreeSet::new());
    for model in expected["models"].as_array().expect("models") {
        let class = model["estimator"].as_str().expect("a class").to_string();
        let x = rows(&expected["rows"][model["rows"].as_str().expect("rows")]);
        let theirs: Vec<Vec<f64>> = serde_json::from_value(model["predictions"].clone()).unwrap();
        for file in model["files"].as_array().expect("files") {
            let name = file["file"].as_str().expect("a name");
            let path = Path::new("tests/data/python/regressors")
                .join(set)
                .join(name);
            match convert::load(&path) {
                Ok(linear) => {
                    let ours = linear.model.predict(&x).expect("predictions");
                    assert_eq!(ours.nrows(), theirs.len(), "{set}/{name}");
                    for (row, (o, t)) in ours.rows().into_iter().zip(&theirs).enumerate() {
                        assert_eq!(o.len(), t.len(), "{set}/{name}: targets");
                        for (o, t) in o.iter().zip(t) {
                            assert!(close(*o, *t), "{set}/{name}: row {row}: {o} against {t}");
                        }
                    }
                    read.insert(class.clone());
                }
                Err(err) => {
                    let text = err.to_string();
                    assert_eq!(text.lines().count(), 1, "{set}/{name}: {text}");
                    assert!(err.is_unsupported(), "{set}/{name}: {text}");
                    let names = model["names"].as_str().expect("names");
                    assert!(
                        READ.iter().all(|c| *c != names),
                        "{set}/{name}: a {names} must be read: {text}"
                    );
                    refused.insert(format!("{names}: {}", text.split_once(": ").unwrap().1));
                }
            }
        }
    }
    (read, refused)
}

/// Checks `set`: the classes of [`READ`] read, every other file refused naming its class (a
/// tree-based one saying so), every bundle refused saying what it holds.
fn assert_set(set: &str) {
    let (read, refused) = check_set(set);
    assert_eq!(read, READ.iter().map(|c| c.to_string()).collect());
    for line in &refused {
        let class = line.split_once(':').unwrap().0;
        assert!(line[class.len()..].contains(class), "{line}");
        if class.contains("Tree") || class.contains("Forest") || class.contains("Boosting") {
            assert!(line.contains("a tree-based model"), "{line}");
        }
    }
    let classes: BTreeSet<&str> = refused
        .iter()
        .map(|l| l.split_once(':').unwrap().0)
        .collect();
    let trees = [
        "DecisionTreeRegressor",
        "GradientBoostingRegressor",
        "HistGradientBoostingRegressor",
        "RandomForestRegressor",
    ];
    assert_eq!(classes, trees.into_iter().collect(), "{refused:?}");
    let bundles = expected(set)["bundles"]
        .as_array()
        .expect("bundles")
        .clone();
    assert_eq!(bundles.len(), 4);
    for bundle in &bundles {
        let holds = bundle["holds"].as_str().expect("holds");
        for file in bundle["files"].as_array().expect("files") {
            let name = file.as_str().expect("a name");
            let path = Path::new("tests/data/python/regressors")
                .join(set)
                .join(name);
            let err = convert::load(&path).expect_err(name);
            let text = err.to_string();
            assert!(err.is_unsupported(), "{set}/{name}: {text}");
            assert!(
                text.contains(&format!("the file holds {holds}")),
                "{set}/{name}: {text}"
            );
            assert!(
                text.ends_with("read is one estimator saved by itself"),
                "{text}"
            );
        }
    }
}

#[test]
fn every_linear_regressor_of_scikit_learn_1_9_is_read_or_refused_by_name() {
    assert_set("current");
}

#[test]
fn every_linear_regressor_of_scikit_learn_1_3_is_read_or_refused_by_name() {
    assert_set("legacy");
}

#[test]
fn every_linear_regressor_of_scikit_learn_1_1_is_read_or_refused_by_name() {
    assert_set("oldest");
}

#[test]
fn a_log_link_and_several_targets_go_through_onnx_and_safetensors() {
    let expected = expected("current");
    let dir = tempfile::tempdir().expect("a folder");
    for stem in [
        "poisson",
        "tweedie_log",
        "linear_two_targets",
        "multitasklasso",
    ] {
        let path =
            Path::new("tests/data/python/regressors/current").join(format!("{stem}.protocol4.pkl"));
        let linear = convert::load(&path).expect(stem);
        let model = expected["models"]
            .as_array()
            .expect("models")
            .iter()
            .find(|m| {
                m["files"][0]["file"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{stem}."))
            })
            .expect("the model");
        let x = rows(&expected["rows"][model["rows"].as_str().expect("rows")]);
        let ours = linear.model.predict(&x).expect("predictions");
        for ext in ["onnx", "safetensors"] {
            let out = dir.path().join(format!("{stem}.{ext}"));
            convert::save(&linear, &out, None).expect(ext);
            let back = convert::load(&out).expect(ext);
            assert_eq!(back.model, linear.model, "{stem}.{ext}");
            assert_eq!(
                back.model.predict(&x).expect("predictions"),
                ours,
                "{stem}.{ext}"
            );
        }
        // skops too: a log link as a PoissonRegressor, read back as one.
        let out = dir.path().join(format!("{stem}.skops"));
        convert::save(&linear, &out, None).expect("skops");
        let back = convert::load(&out).expect("skops");
        assert_eq!(back.model.link(), linear.model.link(), "{stem}.skops");
        let predicted = back.model.predict(&x).expect("predictions");
        for (theirs, ours) in predicted.iter().zip(&ours) {
            assert!(
                close(*theirs, *ours),
                "{stem}.skops: {theirs} against {ours}"
            );
        }
    }
}
