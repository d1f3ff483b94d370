//! From Python to Rust, as a user meets it: the article's own pickle and joblib files reload with
//! the article's R², and the command line inspects, predicts with and converts every model file
//! Python wrote, refusing the hostile ones with one line that names what they tried.

mod common;

use std::fs;

use common::{command, read, root};
use model_persistence::prelude::*;
use model_persistence::python::Origin;
use model_persistence::python::convert;
use model_persistence::python::{self, ARTICLE_JOBLIB, ARTICLE_PICKLE, Container};
use serde_json::Value;

fn expected(set: &str) -> Value {
    serde_json::from_str(&read(format!("tests/data/python/{set}/expected.json"))).expect("JSON")
}

fn fixture(set: &str, file: &str) -> String {
    root()
        .join("tests/data/python")
        .join(set)
        .join(file)
        .display()
        .to_string()
}

/// What `expected.json` records about the model file `file`.
fn recorded<'a>(expected: &'a Value, file: &str) -> &'a Value {
    let models = expected["models"].as_array().expect("models");
    models.iter().find(|m| m["file"] == file).expect("recorded")
}

fn floats(json: &Value) -> Vec<f64> {
    let values = json.as_array().expect("a list");
    values
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

#[test]
fn the_articles_files_reload_with_the_articles_r2() -> Result<(), Error> {
    let expected = expected("current");
    let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
    let ours_r2 = r2(&train(&train_set)?, &test_set)?;
    for (bytes, file) in [
        (ARTICLE_PICKLE, "Pck_LR_Model.pkl"),
        (ARTICLE_JOBLIB, "Jlib_LR_Model.pkl"),
    ] {
        assert_eq!(bytes, fs::read(fixture("current", file))?);
        let entry = recorded(&expected, file);
        let model = python::decode(bytes)?.model()?;
        let r2_test = r2(&model, &test_set)?;
        let sklearn_r2 = entry["r2_test"].as_f64().expect("r2");
        assert!((r2_test - sklearn_r2).abs() < 1e-12, "{file}: {r2_test}");
        assert!((r2_test - ours_r2).abs() < 1e-12);
    }
    Ok(())
}

#[test]
fn the_command_line_inspects_every_python_model() {
    for set in ["current", "legacy"] {
        let expected = expected(set);
        for m in expected["models"].as_array().expect("models") {
            let file = fixture(set, m["file"].as_str().expect("file"));
            let output = command(&["inspect", &file]);
            assert_eq!(output.status.code(), Some(0), "{file}");
            let text = String::from_utf8(output.stdout).expect("UTF-8");
            let estimator = m["estimator"].as_str().expect("estimator");
            let version = m["sklearn_version"].as_str().expect("version");
            assert!(
                text.contains(&format!("estimator     {estimator} (")),
                "{text}"
            );
            assert!(text.contains(&format!("scikit-learn  {version}")), "{text}");
            let features = m["n_features_in"].as_u64().expect("n");
            assert!(
                text.contains(&format!("features      {features}")),
                "{text}"
            );
            if let Some(names) = m["feature_names"].as_array() {
                assert!(text.contains(names[0].as_str().expect("name")), "{text}");
            }
        }
    }
    let output = command(&[
        "inspect",
        &fixture("current", "linear_joblib_lz4.joblib"),
        "--json",
    ]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["container"]["container"], "joblib");
    assert_eq!(report["container"]["compressor"], "lz4");
    assert_eq!(report["n_features_in"], 13);
}

#[test]
fn a_model_of_two_targets_predicts_two_columns_and_keeps_them_in_our_file() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = fixture("current", "unsupported_coef2d.pkl");
    let rows = dir.path().join("rows.csv");
    std::fs::write(
        &rows,
        "1,2,3,4,5,6,7,8,9,10,11,12,13\n0,0,0,0,0,0,0,0,0,0,0,0,0\n",
    )
    .unwrap();
    let rows = rows.to_str().expect("UTF-8");
    let printed = command(&["predict", &file, "--input", rows]);
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let text = String::from_utf8(printed.stdout).expect("UTF-8");
    let lines: Vec<Vec<f64>> = text
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    for line in &lines {
        // The second target is 2y + 1.
        assert!((line[1] - (2.0 * line[0] + 1.0)).abs() < 1e-9, "{text}");
    }
    let ours = dir.path().join("two.bin");
    let ours = ours.to_str().expect("UTF-8");
    assert!(command(&["convert", &file, ours]).status.success());
    let again = command(&["predict", ours, "--input", rows]);
    assert_eq!(String::from_utf8(again.stdout).expect("UTF-8"), text);
    // Every export carries both targets, and reads back to the same predictions.
    for ext in ["onnx", "safetensors", "skops"] {
        let export = dir.path().join(format!("two.{ext}"));
        let export = export.to_str().expect("UTF-8");
        let wrote = command(&["convert", &file, export]);
        assert!(
            wrote.status.success(),
            "{ext}: {}",
            String::from_utf8_lossy(&wrote.stderr)
        );
        let back = command(&["predict", export, "--input", rows]);
        assert_eq!(
            String::from_utf8(back.stdout).expect("UTF-8"),
            text,
            "{ext}"
        );
    }
}

#[test]
fn hostile_and_unsupported_files_get_one_line_and_exit_1() {
    let expected = expected("current");
    let dir = tempfile::tempdir().expect("a folder");
    let never = dir.path().join("never.bin");
    let never = never.to_str().expect("UTF-8");
    let refused = expected["refused"].as_array().expect("refused");
    let unsupported = expected["unsupported"].as_array().expect("unsupported");
    // Read now that models of several targets are (the test below).
    let still = |entry: &&Value| entry["file"] != "unsupported_coef2d.pkl";
    for entry in refused.iter().chain(unsupported.iter().filter(still)) {
        let file = fixture("current", entry["file"].as_str().expect("file"));
        for args in [vec!["inspect", &file], vec!["convert", &file, never]] {
            let output = command(&args);
            assert_eq!(output.status.code(), Some(1), "{args:?}");
            let stderr = String::from_utf8(output.stderr).expect("UTF-8");
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(stderr.starts_with(&format!("error: {file}: ")), "{stderr}");
        }
    }
    let file = fixture("current", "hostile_posix_system.pkl");
    let stderr = String::from_utf8(command(&["inspect", &file]).stderr).expect("UTF-8");
    assert_eq!(
        stderr,
        format!(
            "error: {file}: refused: the pickle calls posix.system (only scikit-learn linear \
             models and numpy arrays are read)\n"
        )
    );
    assert!(!std::path::Path::new(never).exists());
}

#[test]
fn predict_takes_a_python_file_with_any_number_of_features() {
    let expected = expected("current");
    let dir = tempfile::tempdir().expect("a folder");
    for file in [
        "Pck_LR_Model.pkl",
        "linear_diabetes.pkl",
        "linear_dataframe.joblib",
    ] {
        let entry = recorded(&expected, file);
        let data = &expected["datasets"][entry["dataset"].as_str().expect("dataset")];
        let rows = data["X_test"].as_array().expect("rows");
        let csv = dir.path().join("rows.csv");
        let text: Vec<String> = rows
            .iter()
            .map(|r| {
                floats(r)
                    .iter()
                    .map(|x| format!("{x:?}"))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        fs::write(&csv, text.join("\n")).expect("write the rows");
        let output = command(&[
            "predict",
            &fixture("current", file),
            "--input",
            csv.to_str().expect("UTF-8"),
        ]);
        assert!(output.status.success(), "{file}");
        let printed: Vec<f64> = String::from_utf8(output.stdout)
            .expect("UTF-8")
            .lines()
            .map(|l| l.parse().expect("a number"))
            .collect();
        let want = floats(&entry["predictions"]);
        assert_eq!(printed.len(), want.len());
        for (got, want) in printed.iter().zip(&want) {
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{file}: {got} vs {want}"
            );
        }
    }
    // A row with the wrong number of features is one line and exit 1.
    let csv = dir.path().join("short.csv");
    fs::write(&csv, "1,2,3\n").expect("write");
    let output = command(&[
        "predict",
        &fixture("current", "linear_diabetes.pkl"),
        "--input",
        csv.to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(
        stderr
            .trim_end()
            .ends_with("line 1: 3 columns, the model expects 10"),
        "{stderr}"
    );
}

#[test]
fn convert_keeps_what_the_python_file_says() -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let input = fixture("current", "linear_dataframe.joblib");
    let output = dir.path().join("wine.json");
    let status = command(&["convert", &input, output.to_str().expect("UTF-8")]);
    assert!(status.status.success());
    let loaded = load_with_header::<Model>(&output)?;
    assert_eq!(loaded.header.codec, Codec::Json);
    let meta = &loaded.header.metadata;
    assert_eq!(meta.features, Some(13));
    assert_eq!(meta.feature_names[0], "alcohol");
    assert!(
        meta.notes[0].starts_with("scikit-learn 1.9.1 LinearRegression"),
        "{:?}",
        meta.notes
    );
    let python = python::load(&input)?;
    assert_eq!(loaded.model.params(), python.coef.row(0));
    assert_eq!(
        loaded.model.intercept().to_bits(),
        python.intercept[0].to_bits()
    );

    // The converted file reads back through the same door, as one of ours.
    let linear = convert::load(&output)?;
    assert!(matches!(linear.origin, Origin::Ours(_)));
    assert!(matches!(
        python.container,
        Container::Joblib {
            compressor: None,
            protocol: 4
        }
    ));

    // An output whose extension names no format is a usage error, and nothing is written.
    let bad = dir.path().join("wine.txt");
    let result = command(&["convert", &input, bad.to_str().expect("UTF-8")]);
    assert_eq!(result.status.code(), Some(2));
    assert!(!bad.exists());
    Ok(())
}

#[test]
fn readme_shows_what_the_python_commands_print() {
    let readme = read("README.md");
    let section = readme
        .split("## From Python")
        .nth(1)
        .expect("README has a From Python section");
    let block = section
        .split("```console\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a console block");
    let dir = tempfile::tempdir().expect("a folder");
    let mut commands = 0;
    for shown in block.split("$ cargo run --release -- ").skip(1) {
        let mut lines = shown.lines();
        let mut words = lines.next().expect("a command").split_whitespace();
        let subcommand = words.next().expect("a subcommand");
        let paths: Vec<String> = words
            .map(|arg| match arg.starts_with("tests/") {
                true => root().join(arg).display().to_string(),
                false => dir.path().join(arg).display().to_string(),
            })
            .collect();
        let args: Vec<&str> = std::iter::once(subcommand)
            .chain(paths.iter().map(String::as_str))
            .collect();
        let output = command(&args);
        let printed = String::from_utf8([output.stdout, output.stderr].concat()).expect("UTF-8");
        let want: Vec<&str> = lines.take_while(|l| *l != "...").collect();
        let got: Vec<String> = printed
            .lines()
            .take(want.len())
            .map(|l| {
                l.replace(&format!("{}/", root().display()), "")
                    .replace(&format!("{}/", dir.path().display()), "")
            })
            .collect();
        assert_eq!(
            got,
            want,
            "README.md must show what `{}` prints: copy it there",
            args.join(" ")
        );
        commands += 1;
    }
    assert_eq!(commands, 3);
}
