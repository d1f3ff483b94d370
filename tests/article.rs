//! The article's numbers, scikit-learn's (R² to 1e-14, coefficients to 1e-9), and the reload, through the library and
//! through the `model-persistence` command.

mod common;

use common::{command, command_in};
use model_persistence::article::{Options, run};
use model_persistence::prelude::*;
use serde_json::Value;

/// scikit-learn's results, recorded by `scripts/split_vectors.py`.
fn sklearn(key: &str) -> Value {
    let text = include_str!("data/split_vectors.json");
    let vectors: Value = serde_json::from_str(text).expect("valid JSON");
    vectors["article"][key].clone()
}

#[test]
fn article_numbers_match_scikit_learn() -> Result<(), Error> {
    for key in ["seed3_test0.33", "seed42_test0.2", "seed0_test0.5"] {
        let expected = sklearn(key);
        let seed = expected["seed"].as_u64().unwrap() as u32;
        let size = expected["test_size"].as_f64().unwrap();
        let (train_set, test_set) = train_test_split(&load_wine(), size, seed, true)?;
        assert_eq!(train_set.records().nrows() as u64, expected["train_rows"]);
        assert_eq!(test_set.records().nrows() as u64, expected["test_rows"]);

        let model = train(&train_set)?;
        let close = |got: f64, want: &Value| (got - want.as_f64().unwrap()).abs() < 1e-9;
        let very_close = |got: f64, want: &Value| (got - want.as_f64().unwrap()).abs() < 1e-14;
        let r2_train = r2(&model, &train_set)?;
        assert!(
            very_close(r2_train, &expected["r2_train"]),
            "{key}: {r2_train}"
        );
        let r2_test = r2(&model, &test_set)?;
        assert!(
            very_close(r2_test, &expected["r2_test"]),
            "{key}: {r2_test}"
        );
        assert!(close(model.intercept(), &expected["intercept"]), "{key}");
        for (got, want) in model
            .params()
            .iter()
            .zip(expected["coef"].as_array().unwrap())
        {
            assert!(close(*got, want), "{key}: coefficient {got} vs {want}");
        }
    }
    Ok(())
}

#[test]
fn the_issue_figures() -> Result<(), Error> {
    let dir = tempfile::tempdir().unwrap();
    let report = run(&Options {
        out_dir: dir.path().into(),
        ..Options::default()
    })?;
    assert_eq!((report.train_rows, report.test_rows), (119, 59));
    assert!((report.r2_train - 0.914045280377521).abs() < 1e-14);
    assert!((report.r2_test - 0.855120280462724).abs() < 1e-14);
    let (train_set, test_set) = train_test_split(&load_wine(), 0.2, 42, true)?;
    assert_eq!(
        (train_set.records().nrows(), test_set.records().nrows()),
        (142, 36)
    );
    Ok(())
}

#[test]
fn reloaded_models_predict_bit_for_bit() -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
    let model = train(&train_set)?;
    for codec in Codec::ALL {
        let path = dir.path().join(format!("model.{}", codec.extension()));
        let bytes = save(&model, &path, codec)?;
        assert_eq!(bytes, std::fs::metadata(&path)?.len());
        let reloaded: Model = load(&path)?;
        assert_eq!(reloaded, model);
        let (a, b) = (
            predict(&model, test_set.records())?,
            predict(&reloaded, test_set.records())?,
        );
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
        assert_eq!(
            r2(&reloaded, &test_set)?.to_bits(),
            r2(&model, &test_set)?.to_bits()
        );
    }
    Ok(())
}

#[test]
fn json_report_has_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let output = command(&["--json", "--out-dir", out_dir]);
    assert!(output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(report["train_rows"], 119);
    assert_eq!(report["test_rows"], 59);
    assert!((report["r2_test"].as_f64().unwrap() - 0.855120280462724).abs() < 1e-9);
    assert_eq!(report["reloaded_identical"], true);
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), Codec::ALL.len());
    for file in files {
        let on_disk = std::fs::metadata(file["path"].as_str().unwrap())
            .unwrap()
            .len();
        assert_eq!(file["bytes"], on_disk);
        assert!(file["codec"].is_string());
    }
}

#[test]
fn text_report_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let output = command(&[
        "--seed",
        "42",
        "--test-size",
        "36",
        "--no-stratify",
        "--out-dir",
        out_dir,
    ]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("142 train rows, 36 test rows"), "{text}");
    assert!(text.contains("not stratified"), "{text}");
    assert!(text.contains("bit-identically: yes"), "{text}");
}

#[test]
fn bad_options_are_one_line_errors_with_exit_code_2() {
    for args in [
        &["--test-size", "1.5"][..],
        &["--test-size", "0"],
        &["--test-size", "abc"],
        &["--test-size", "178"],
        &["--seed", "-1"],
        &["--seed", "4294967296"],
        &["--no-such-option"],
    ] {
        let output = command(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

#[test]
fn readme_shows_what_the_command_prints() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("$ cargo run --release\n")
        .expect("README shows the command")
        + 22;
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];

    let dir = tempfile::tempdir().unwrap();
    let output = command_in(dir.path(), &[]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        shown,
        "README.md must show what the command prints: copy it there"
    );
}

#[test]
fn readme_shows_what_inspect_prints() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("$ cargo run --release -- inspect models/wine_linear.bin\n")
        .expect("README shows inspect");
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let shown: Vec<&str> = block.lines().skip(1).take_while(|l| *l != "...").collect();

    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = command_in(dir.path(), args);
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    run(&[]);
    let printed = run(&["inspect", "models/wine_linear.bin"]);
    assert!(shown.len() >= 5);
    assert_eq!(
        printed.lines().take(shown.len()).collect::<Vec<_>>(),
        shown,
        "README.md must show what the command prints: copy it there"
    );
}
