//! The command line's `predict` as a user meets it: columns taken by the header's names, bad
//! fields refused with their line and column, rows on standard input, output into a pipe that
//! closes early, and `--help`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

mod common;
use common::{command, read, root};

const GOLDEN: &str = "tests/data/golden/wine_linear.bin";
const DATAFRAME: &str = "tests/data/python/current/linear_dataframe.pkl";

/// The article's test rows and the names of their columns, from the fixtures' record.
fn wine_rows() -> (Vec<String>, Vec<Vec<f64>>, Vec<f64>) {
    let expected: serde_json::Value =
        serde_json::from_str(&read("tests/data/python/current/expected.json")).expect("JSON");
    let model = expected["models"]
        .as_array()
        .expect("models")
        .iter()
        .find(|m| m["file"] == "linear_dataframe.pkl")
        .expect("the DataFrame model");
    let names = model["feature_names"].as_array().expect("names");
    let names = names
        .iter()
        .map(|n| n.as_str().expect("str").to_string())
        .collect();
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("float"))
            .collect()
    };
    let rows = expected["datasets"]["wine"]["X_test"]
        .as_array()
        .expect("rows");
    let rows = rows.iter().map(floats).collect();
    (names, rows, floats(&model["predictions"]))
}

/// A CSV of `rows`, its columns in the order `order`, under a header of `names` if given.
fn csv(names: Option<&[String]>, rows: &[Vec<f64>], order: &[usize]) -> String {
    let mut text = String::new();
    if let Some(names) = names {
        let header: Vec<&str> = order.iter().map(|&i| names[i].as_str()).collect();
        text += &(header.join(",") + "\n");
    }
    for row in rows {
        let fields: Vec<String> = order.iter().map(|&i| format!("{:?}", row[i])).collect();
        text += &(fields.join(",") + "\n");
    }
    text
}

/// Runs `predict MODEL --input -` with `input` on standard input.
fn predict_stdin(model: &str, input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_model-persistence"))
        .current_dir(root())
        .args(["predict", model, "--input", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write the rows");
    drop(stdin);
    child.wait_with_output().expect("output")
}

fn numbers(stdout: &[u8]) -> Vec<f64> {
    let text = String::from_utf8(stdout.to_vec()).expect("UTF-8");
    text.lines().map(|l| l.parse().expect("a number")).collect()
}

#[test]
fn a_header_in_another_order_is_taken_by_name() {
    let (names, rows, sklearn) = wine_rows();
    let reversed: Vec<usize> = (0..13).rev().collect();
    let in_order: Vec<usize> = (0..13).collect();
    for model in [DATAFRAME, GOLDEN] {
        let straight = predict_stdin(model, &csv(Some(&names), &rows, &in_order));
        let shuffled = predict_stdin(model, &csv(Some(&names), &rows, &reversed));
        assert!(
            straight.status.success() && shuffled.status.success(),
            "{model}"
        );
        assert_eq!(straight.stdout, shuffled.stdout, "{model}");
        assert_eq!(numbers(&straight.stdout).len(), 59);
    }
    // The model fitted on a DataFrame predicts what scikit-learn predicts, from either order.
    let shuffled = predict_stdin(DATAFRAME, &csv(Some(&names), &rows, &reversed));
    for (ours, theirs) in numbers(&shuffled.stdout).iter().zip(&sklearn) {
        assert!(
            (ours - theirs).abs() <= 1e-12 * theirs.abs().max(1.0),
            "{ours} vs {theirs}"
        );
    }
    // Without a header, columns are taken by position.
    let bare = predict_stdin(DATAFRAME, &csv(None, &rows, &in_order));
    assert_eq!(bare.stdout, shuffled.stdout);
}

#[test]
fn a_header_that_does_not_match_the_features_is_refused_by_name() {
    let (names, rows, _) = wine_rows();
    let order: Vec<usize> = (0..13).collect();
    let good = csv(Some(&names), &rows[..2], &order);
    let renamed = good.replacen("alcohol", "alcool", 1);
    let missing = {
        let mut lines: Vec<String> = good
            .lines()
            .map(|l| l.split(',').skip(1).collect::<Vec<_>>().join(","))
            .collect();
        lines.push(String::new());
        lines.join("\n")
    };
    let doubled = good.replacen("malic_acid", "alcohol", 1);
    for (text, message) in [
        (
            renamed,
            "the CSV's header names \"alcool\", which is not one of the model's features",
        ),
        (
            missing,
            "the CSV's header has no column \"alcohol\", one of the model's features",
        ),
        (doubled, "the CSV's header names \"alcohol\" twice"),
    ] {
        let output = predict_stdin(DATAFRAME, &text);
        let stderr = String::from_utf8(output.stderr).expect("UTF-8");
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(stderr, format!("error: standard input: {message}\n"));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn empty_and_non_finite_fields_are_refused_with_their_place() {
    let (names, rows, _) = wine_rows();
    let order: Vec<usize> = (0..13).collect();
    let good = csv(Some(&names), &rows[..2], &order);
    let second = good.lines().nth(2).expect("a second row").to_string();
    let first_field = second.split(',').next().expect("a field").to_string();
    for (field, message) in [
        (
            "NaN",
            "line 3: column 1 (alcohol): \"NaN\" is not a finite number",
        ),
        (
            "inf",
            "line 3: column 1 (alcohol): \"inf\" is not a finite number",
        ),
        (
            "1e400",
            "line 3: column 1 (alcohol): \"1e400\" is not a finite number",
        ),
        ("", "line 3: column 1 (alcohol) is empty"),
        (
            "thirteen",
            "line 3: column 1 (alcohol): \"thirteen\" is not a number",
        ),
    ] {
        let text = good.replacen(&second, &second.replacen(&first_field, field, 1), 1);
        let output = predict_stdin(DATAFRAME, &text);
        let stderr = String::from_utf8(output.stderr).expect("UTF-8");
        assert_eq!(output.status.code(), Some(1), "{field}");
        assert_eq!(stderr, format!("error: standard input: {message}\n"));
    }
    // In a file without a header, the column has no name, and the message names the file.
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("rows.csv");
    std::fs::write(
        &path,
        "1,2,3,4,5,6,7,8,9,10,11,12,13\n1,2,,4,5,6,7,8,9,10,11,12,13\n",
    )
    .expect("write");
    let file = path.to_str().expect("UTF-8");
    let output = command(&["predict", GOLDEN, "--input", file]);
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert_eq!(
        stderr,
        format!("error: {file}: line 2: column 3 is empty\n")
    );
}

#[test]
fn closing_the_pipe_ends_predict_quietly() {
    // A CSV far longer than a pipe holds, and a reader that stops after one line.
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("rows.csv");
    let row = "13.2,1.78,2.14,11.2,100,2.65,2.76,0.26,1.28,4.38,1.05,3.4,1050\n";
    std::fs::write(&path, row.repeat(200_000)).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_model-persistence"))
        .current_dir(root())
        .args(["predict", GOLDEN, "--input", path.to_str().expect("UTF-8")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut first = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("a line");
    // The reader is gone: the next write fails with a broken pipe.
    let output = child.wait_with_output().expect("output");
    assert!(first.trim().parse::<f64>().is_ok(), "{first}");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8(output.stderr).expect("UTF-8"), "");
}

#[test]
fn help_exits_0_everywhere() {
    for args in [
        &["--help"][..],
        &["help"],
        &["inspect", "--help"],
        &["predict", "--help"],
        &["convert", "--help"],
        &["--version"],
    ] {
        let output = command(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(!output.stdout.is_empty(), "{args:?}");
    }
    let output = command(&["predict", "--help"]);
    let help = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(help.contains("--max-bytes"), "{help}");
}
