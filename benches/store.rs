//! `cargo bench --bench store`: saving and loading at an `s3://` URL against Python's usual
//! way, boto3, in one run and against one server: the SeaweedFS that `scripts/store-check
//! --bench` starts on 127.0.0.1 and names in the environment.
//!
//! - **80 MB array**: ten million `f64`, saved by `store::save` (bincode, one PUT) and loaded by
//!   `store::load` (one GET, the checksum verified); Python's side puts `np.save`'s bytes and
//!   `np.load`s what it gets (`benches/store_side.py`).
//! - **the article's model**: ours as bincode, Python's a joblib dump of its `LinearRegression`.
//!
//! Each side is timed inside its own process (no process start, no import), the median of the
//! runs after a warm-up; both talk plain HTTP to the same server on loopback, so the figures
//! measure the clients and the server, not a network. Writes `benches/results/store.md`.
//! Arguments after `--`: the Python to run the other side with (the store venv's), and
//! `--quick` for fewer runs.

use std::process::Command;

use model_persistence::prelude::*;
use model_persistence::store::{self, Location, Mode};

mod common;
use common::median;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let python = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .expect("the Python of the store venv, after --");
    let runs = if args.iter().any(|a| a == "--quick") {
        3
    } else {
        11
    };

    let values = Array1::from_elem(10_000_000, 0.5);
    let model = train(&load_wine()).expect("the article's model");
    let meta = Metadata::default();
    let array_at = Location::parse("s3://bench/rust/values.bin").expect("url");
    let model_at = Location::parse("s3://bench/rust/model.bin").expect("url");
    let save_array = median(runs, || {
        store::save(&values, &meta, &array_at, Codec::Bincode, Mode::Overwrite).expect("save");
    });
    let load_array = median(runs, || {
        let (loaded, _) = store::load::<Array1<f64>>(&array_at).expect("load");
        assert_eq!(loaded.model.len(), values.len());
    });
    let save_model = median(runs * 5, || {
        store::save(&model, &meta, &model_at, Codec::Bincode, Mode::Overwrite).expect("save");
    });
    let load_model = median(runs * 5, || {
        store::load::<Model>(&model_at).expect("load");
    });

    let output = Command::new(python)
        .args(["benches/store_side.py", &runs.to_string()])
        .output()
        .expect("the Python side runs");
    assert!(
        output.status.success(),
        "the Python side failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let row = |name: &str, ours: f64, key: &str| {
        let python = theirs[key].as_f64().expect("a time");
        format!(
            "| {name} | {:.2} ms | {:.2} ms | {:.2} |\n",
            ours * 1e3,
            python * 1e3,
            python / ours
        )
    };
    let mut table =
        String::from("| Operation | Ours | boto3 | Times faster |\n|---|---|---|---|\n");
    table += &row("Save the 80 MB array", save_array, "save_array");
    table += &row("Load the 80 MB array", load_array, "load_array");
    table += &row("Save the article's model", save_model, "save_model");
    table += &row("Load the article's model", load_model, "load_model");
    let report = format!(
        "# Object storage: ours against boto3\n\n\
         Written by `scripts/store-check --bench` (`cargo bench --bench store`); the method is in \
         the bench's documentation. One run, one SeaweedFS on 127.0.0.1, medians of {runs} runs \
         ({} for the article's model) after a warm-up, each side timed in its own process.\n\n\
         <!-- ANCHOR: table -->\n{table}<!-- ANCHOR_END: table -->\n\nPython side: {}.\n",
        runs * 5,
        theirs["versions"]
    );
    print!("{report}");
    std::fs::write("benches/results/store.md", report).expect("write the report");
}
