//! `cargo bench --bench reader`: the command line's everyday work against Python's, in one run.
//!
//! - **predict**: 1,000,000 rows of the 13 wine features in a CSV file, predicted by the
//!   article's model and written one prediction a line to a file: ours is `batch::predict_file`
//!   in this process, Python's is `pandas.read_csv` + `model.predict` + writing each `repr`
//!   (`benches/reader_side.py`, in its own process, timed inside it: neither side counts a
//!   process start or an import). Both read the same file from the page cache and write to the
//!   same folder; the median of the runs after a warm-up. Ours uses two threads (one splits the
//!   text into fields, one parses and predicts), Python one; the report says so. Peak memory is each process's whole
//!   resident high-water mark (`VmHWM`, `ru_maxrss`), measured in a process that does only that.
//! - **hostile files**: every file of `tests/data/hostile/` read by `convert::load`, the time of
//!   the slowest refusal.
//!
//! Writes `benches/results/reader.md`. Options after `--`: `--quick` (fewer runs, for a smoke
//! test). The Python side needs python3 with pandas and scikit-learn on the PATH; without them
//! the run fails rather than leave the comparison out.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use model_persistence::article::batch::predict_file;
use model_persistence::article::data::WINE_FEATURES;
use model_persistence::article::linear::LinearModel;
use model_persistence::prelude::*;
use model_persistence::python::convert;
use rand_mt::Mt64;

mod common;
use common::median;

/// Rows in the CSV file to predict.
const ROWS: usize = 1_000_000;

/// A CSV of `ROWS` wine-like rows under the features' names: each value the feature's value in
/// a random wine of the data, moved by up to 10 %, with two decimals, as a measurement is written.
fn write_rows(path: &Path) {
    let wine = load_wine();
    let records = wine.records();
    let mut rng = Mt64::new(7);
    let mut out = BufWriter::new(File::create(path).expect("rows.csv"));
    writeln!(out, "{}", WINE_FEATURES.join(",")).expect("write");
    for _ in 0..ROWS {
        let row = records.row((rng.next_u64() % records.nrows() as u64) as usize);
        let fields: Vec<String> = row
            .iter()
            .map(|x| {
                let jitter = 0.9 + 0.2 * (rng.next_u64() as f64 / u64::MAX as f64);
                format!("{:.2}", x * jitter)
            })
            .collect();
        writeln!(out, "{}", fields.join(",")).expect("write");
    }
    out.flush().expect("flush");
}

/// The child that measures the peak memory of one prediction of the file: prints `VmHWM`.
fn peak_child(rows: &Path) {
    let model = article_model();
    let names: Vec<String> = WINE_FEATURES.iter().map(|s| s.to_string()).collect();
    let sink = File::create("/dev/null").expect("/dev/null");
    predict_file(&model, &names, rows, sink).expect("predict");
    let status = fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .expect("VmHWM");
    println!("{}", kib * 1024);
}

fn article_model() -> LinearModel {
    let (train_set, _) = train_test_split(&load_wine(), 0.33, 3, true).expect("split");
    LinearModel::from(&train(&train_set).expect("train"))
}

/// The Python side: seconds per run and peak resident bytes, from `reader_side.py`.
fn python_side(rows: &Path, out: &Path, runs: usize) -> (f64, u64, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/reader_side.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(rows)
        .arg(out)
        .arg(runs.to_string())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "benches/reader_side.py failed (it needs pandas and scikit-learn): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let seconds = value["median_s"].as_f64().expect("median_s");
    let peak = value["peak_bytes"].as_u64().expect("peak_bytes");
    let versions = value["versions"].as_str().expect("versions").to_string();
    (seconds, peak, versions)
}

/// The slowest of the hostile corpus's refusals: its time and name, and how many files.
fn hostile(runs: usize) -> (f64, String, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/data/hostile")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "manifest.json"))
        .collect();
    files.sort();
    let mut slowest = (0.0, String::new());
    for path in &files {
        let seconds = median(runs, || assert!(convert::load(path).is_err()));
        if seconds > slowest.0 {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            slowest = (seconds, name);
        }
    }
    (slowest.0, slowest.1, files.len())
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

fn main() {
    if let Some(rows) = std::env::var_os("MP_PREDICT_PEAK") {
        return peak_child(Path::new(&rows));
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 2 } else { 7 };
    let dir = tempfile::Builder::new()
        .prefix("reader")
        .tempdir_in(".")
        .expect("temp dir");
    let rows = dir.path().join("rows.csv");
    eprintln!("writing {ROWS} rows ...");
    write_rows(&rows);
    let csv_bytes = fs::metadata(&rows).expect("size").len();

    eprintln!("predict, ours ...");
    let model = article_model();
    let names: Vec<String> = WINE_FEATURES.iter().map(|s| s.to_string()).collect();
    let ours_out = dir.path().join("ours.txt");
    let ours = median(runs, || {
        let out = File::create(&ours_out).expect("ours.txt");
        assert_eq!(
            predict_file(&model, &names, &rows, out).expect("predict"),
            ROWS as u64
        );
    });
    let peak = Command::new(std::env::current_exe().expect("this bench"))
        .env("MP_PREDICT_PEAK", &rows)
        .output()
        .expect("the child runs");
    let ours_peak: u64 = String::from_utf8_lossy(&peak.stdout)
        .trim()
        .parse()
        .expect("bytes");

    eprintln!("predict, Python ...");
    let theirs_out = dir.path().join("theirs.txt");
    let (theirs, theirs_peak, versions) = python_side(&rows, &theirs_out, runs);
    // The same numbers, to 1e-12: the two models are fitted by two libraries on the same rows.
    let parse = |path: &Path| -> Vec<f64> {
        let text = fs::read_to_string(path).expect("predictions");
        text.lines().map(|l| l.parse().expect("a number")).collect()
    };
    let (a, b) = (parse(&ours_out), parse(&theirs_out));
    assert_eq!(a.len(), b.len());
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f64::max);
    assert!(worst < 1e-12, "predictions differ by {worst}");

    eprintln!("hostile files ...");
    let (slowest, slowest_name, count) = hostile(if quick { 1 } else { 5 });

    let md = format!(
        "# The reader and the command line, against Python\n\n\
         <!-- ANCHOR: tables -->\n\
         Machine: {cores} cores; {versions}. Median of {runs} runs after a warm-up.\n\n\
         ### Predict {ROWS} rows of 13 features from a CSV file ({csv_mib})\n\n\
         | | time | peak memory of the process |\n|---|---:|---:|\n\
         | ours: `predict_file` (what `model-persistence predict` runs) | {ours:.2} s | {ours_peak} |\n\
         | Python: `pandas.read_csv` + `model.predict` + writing each `repr` | {theirs:.2} s | {theirs_peak} |\n\
         | ours, times faster | {speedup:.1} | |\n\n\
         Ours splits the text into fields on one thread and parses and predicts on a second; \
         pandas' C reader and scikit-learn's `predict` run on one (the machine has two cores). \
         The two files of predictions agree to {worst:.0e} (relative).\n\n\
         ### Hostile files\n\n\
         {count} files of `tests/data/hostile/` read by `convert::load`: the slowest refusal \
         takes {slowest_ms:.1} ms (`{slowest_name}`).\n\
         <!-- ANCHOR_END: tables -->\n",
        cores = std::thread::available_parallelism().map_or(1, |n| n.get()),
        csv_mib = mib(csv_bytes),
        ours_peak = mib(ours_peak),
        theirs_peak = mib(theirs_peak),
        speedup = theirs / ours,
        slowest_ms = slowest * 1e3,
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/results/reader.md");
    fs::write(&path, &md).expect("reader.md");
    println!("{md}");
}
