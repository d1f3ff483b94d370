//! `cargo bench --bench speed`: how fast the Rust way is, side by side with pickle, joblib and
//! numpy, and against the raw speed of the disk, measured in one run on the same data.
//!
//! The Rust side is timed in-process (median over many runs after a warm-up); the Python side
//! runs `benches/python_side.py` on data files this driver writes; a raw floor (one `write_all`
//! of the payload's bytes, one `fs::read`) is measured in the same run. Results go to
//! `benches/results/results.json` and `results.md`, and a chart to `book/src/figures/speed.svg`.
//!
//! Options (after `--`): `--quick` for few runs (a smoke test, not for the book);
//! `--no-python` to skip the Python side; `--from-json` to rewrite the Markdown and the chart
//! from the last `results.json` without measuring. Without Python, scikit-learn or joblib, the Rust side
//! still runs and the report says what was skipped.
//!
//! A median of repeated runs is all this needs; criterion's statistics, plots and its dependency
//! tree would not change the numbers, and the rows must share one schema with the Python side,
//! so the timing loop is written here.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use linfa::traits::Fit;
use linfa_linear::LinearRegression;
use model_persistence::format::{MAX_PAYLOAD_BYTES, decode, encode, write};
use model_persistence::prelude::*;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rand_mt::Mt64;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const PAYLOAD_VALUES: usize = 10_000_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Row {
    workload: String,
    system: String,
    operation: String,
    median_s: f64,
    runs: usize,
    bytes: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Memory {
    workload: String,
    format: String,
    payload_bytes: u64,
    peak_bytes: u64,
    ratio: f64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Report {
    system: Value,
    skipped: Vec<String>,
    rows: Vec<Row>,
    memory: Vec<Memory>,
}

/// Median wall time of `action` over `runs` runs, after one warm-up run.
fn median(runs: usize, mut action: impl FnMut()) -> f64 {
    action();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            action();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

struct Bench {
    rows: Vec<Row>,
    dir: tempfile::TempDir,
}

impl Bench {
    fn time(&mut self, workload: &str, operation: &str, runs: usize, action: impl FnMut()) {
        let median_s = median(runs, action);
        self.rows.push(Row {
            workload: workload.into(),
            system: "rust".into(),
            operation: operation.into(),
            median_s,
            runs,
            bytes: None,
        });
    }

    fn with_bytes(&mut self, path: &Path) {
        let bytes = fs::metadata(path).map(|m| m.len()).ok();
        if let Some(row) = self.rows.last_mut() {
            row.bytes = bytes;
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Save (atomic and synced, as `save` does), write without sync (as pickle does) and load,
    /// for every format.
    fn persistence<M>(&mut self, workload: &str, model: &M, runs: usize)
    where
        M: serde::Serialize + serde::de::DeserializeOwned + std::any::Any + PartialEq,
    {
        for format in Format::ALL {
            let runs = if format == Format::Json {
                runs.min(5)
            } else {
                runs
            };
            let path = self.path(&format!("model.{}", format.extension()));
            let name = format.name();
            self.time(
                workload,
                &format!("save {name} (atomic, synced)"),
                runs,
                || {
                    save(model, &path, format).expect("save");
                },
            );
            self.with_bytes(&path);
            self.time(
                workload,
                &format!("write {name} (not synced)"),
                runs,
                || {
                    let file = File::create(&path).expect("create");
                    write(model, &Metadata::default(), format, file).expect("write");
                },
            );
            let back: M = load(&path).expect("load");
            assert!(back == *model, "{workload}: {name} did not round-trip");
            self.time(workload, &format!("load {name}"), runs, || {
                drop(load::<M>(&path).expect("load"));
            });
        }
    }

    /// The raw floor: the payload's bytes written in one `write_all` and read in one `fs::read`.
    fn floor(&mut self, workload: &str, bytes: &[u8], runs: usize) {
        let path = self.path("raw.bytes");
        self.time(workload, "floor: write_all (not synced)", runs, || {
            File::create(&path)
                .and_then(|mut f| f.write_all(bytes))
                .expect("raw write");
        });
        self.time(workload, "floor: write_all + sync_all", runs, || {
            let mut file = File::create(&path).expect("create");
            file.write_all(bytes)
                .and_then(|()| file.sync_all())
                .expect("raw write");
        });
        self.time(workload, "floor: fs::read", runs, || {
            assert_eq!(fs::read(&path).expect("raw read").len(), bytes.len());
        });
    }
}

/// Standard normal values by Box–Muller from a seeded Mersenne Twister: the same data every run,
/// without a dependency for one distribution.
fn normal_values(n: usize, rng: &mut Mt64) -> Vec<f64> {
    let mut uniform = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (0..n)
        .map(|_| {
            let (u, v) = (1.0 - uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

/// A smooth, repetitive series: a slow sine kept at two decimals, like a sensor log.
fn series_values(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as f64 / 1000.0).sin() * 100.0).round() / 100.0)
        .collect()
}

fn raw_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Loads `path` in a fresh process and returns its peak resident memory above what it had
/// before loading.
fn peak_load_memory(path: &Path) -> Option<u64> {
    let output = Command::new(std::env::current_exe().ok()?)
        .env("MP_PEAK_LOAD", path)
        .output()
        .ok()?;
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

/// The child of [`peak_load_memory`]: load, then print VmHWM minus the RSS before loading.
fn peak_load_child(path: &Path) {
    let kib = |field: &str| -> u64 {
        let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .unwrap_or_default();
        line.split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let before = kib("VmRSS:");
    let values: Array1<f64> = load(path).expect("load");
    let peak = kib("VmHWM:");
    assert_eq!(values.len(), PAYLOAD_VALUES);
    println!("{}", (peak.saturating_sub(before)) * 1024);
}

fn system_info(python: Option<String>) -> Value {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("model name"))?.to_string();
            Some(line.split(':').nth(1)?.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string());
    serde_json::json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "os": std::env::consts::OS,
        "rustc": rustc,
        "python": python,
    })
}

fn main() {
    if let Some(path) = std::env::var_os("MP_PEAK_LOAD") {
        peak_load_child(Path::new(&path));
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/results");
    if args.iter().any(|a| a == "--from-json") {
        let json = fs::read_to_string(results.join("results.json")).expect("results.json");
        write_outputs(
            &serde_json::from_str(&json).expect("a results file"),
            &results,
        );
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let no_python = args.iter().any(|a| a == "--no-python");
    let (small, large, fits) = if quick { (20, 3, 5) } else { (200, 11, 31) };

    let dir = tempfile::Builder::new()
        .prefix("speed")
        .tempdir_in(".")
        .expect("temp dir");
    let mut bench = Bench {
        rows: Vec::new(),
        dir,
    };
    let mut skipped = Vec::new();

    // 1. The article's model.
    let (train_set, _) = train_test_split(&load_wine(), 0.33, 3, true).expect("split");
    let model = train(&train_set).expect("train");
    eprintln!("article model ...");
    bench.persistence("article model", &model, small);
    for format in Format::ALL {
        let name = format.name();
        let bytes = encode(&model, &Metadata::default(), format).expect("encode");
        bench.time(
            "article model",
            &format!("encode {name} (in memory)"),
            small * 10,
            || {
                encode(&model, &Metadata::default(), format).expect("encode");
            },
        );
        bench.time(
            "article model",
            &format!("decode {name} (in memory)"),
            small * 10,
            || {
                decode::<Model>(&bytes, MAX_PAYLOAD_BYTES).expect("decode");
            },
        );
    }
    let model_bytes = fs::read(bench.path("model.bin")).expect("the model file");
    bench.floor("article model", &model_bytes, small);

    // 4. Fitting.
    eprintln!("fit ...");
    bench.time("fit", "fit wine (119 x 13)", small, || {
        train(&train_set).expect("train");
    });
    let mut rng = Mt64::new(42);
    let x = Array2::from_shape_vec((100_000, 10), normal_values(1_000_000, &mut rng)).expect("x");
    let weights = Array1::from_iter((1..=10).map(f64::from));
    let noise = Array1::from(normal_values(100_000, &mut rng));
    let y = x.dot(&weights) + noise;
    let synthetic = Dataset::new(x.clone(), y.clone());
    bench.time("fit", "fit 100000 x 10", fits, || {
        LinearRegression::new().fit(&synthetic).expect("fit");
    });
    fs::write(
        bench.path("synthetic_x.f64"),
        raw_bytes(x.as_slice().expect("x")),
    )
    .expect("x");
    fs::write(
        bench.path("synthetic_y.f64"),
        raw_bytes(y.as_slice().expect("y")),
    )
    .expect("y");

    // 2 and 3. 80 MB payloads, uncompressed and compressed.
    let mut memory = Vec::new();
    for (name, values) in [
        ("normal", normal_values(PAYLOAD_VALUES, &mut rng)),
        ("series", series_values(PAYLOAD_VALUES)),
    ] {
        let workload = format!("80 MB {name}");
        eprintln!("{workload} ...");
        let bytes = raw_bytes(&values);
        fs::write(bench.path(&format!("{name}.f64")), &bytes).expect("payload");
        let array = Array1::from(values);
        bench.persistence(&workload, &array, large);
        bench.floor(&workload, &bytes, large);
        for format in [Format::Bincode, Format::Zstd] {
            let path = bench.path(&format!("model.{}", format.extension()));
            save(&array, &path, format).expect("save");
            if let Some(peak) = peak_load_memory(&path) {
                let payload_bytes = bytes.len() as u64;
                let ratio = peak as f64 / payload_bytes as f64;
                let format = format.name().to_string();
                memory.push(Memory {
                    workload: workload.clone(),
                    format,
                    payload_bytes,
                    peak_bytes: peak,
                    ratio,
                });
            }
        }
    }

    // 5. The whole article as a process.
    eprintln!("whole article ...");
    let out = bench.path("article");
    fs::create_dir_all(&out).expect("out dir");
    bench.time(
        "whole article",
        "cargo run --release (the binary)",
        if quick { 3 } else { 21 },
        || {
            let status = Command::new(env!("CARGO_BIN_EXE_model-persistence"))
                .arg("--out-dir")
                .arg(&out)
                .output()
                .expect("the binary runs")
                .status;
            assert!(status.success());
        },
    );

    // The Python side.
    let mut python_versions = None;
    if no_python {
        skipped.push("the Python side (--no-python)".to_string());
    } else {
        eprintln!("python ...");
        match python_side(&bench, quick, &out) {
            Ok((versions, rows)) => {
                python_versions = Some(versions);
                bench.rows.extend(rows);
            }
            Err(why) => skipped.push(format!("the Python side: {why}")),
        }
    }
    for why in &skipped {
        eprintln!("skipped {why}");
    }

    let report = Report {
        system: system_info(python_versions),
        skipped,
        rows: bench.rows,
        memory,
    };
    fs::create_dir_all(&results).expect("results dir");
    let json = serde_json::to_string_pretty(&report).expect("plain data");
    fs::write(results.join("results.json"), json + "\n").expect("results.json");
    write_outputs(&report, &results);
}

/// Writes the Markdown tables and the chart of `report`, and prints the tables.
fn write_outputs(report: &Report, results: &Path) {
    let markdown = markdown(report);
    fs::write(results.join("results.md"), &markdown).expect("results.md");
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/figures/speed.svg");
    fs::write(chart, chart_svg(&report.rows)).expect("speed.svg");
    println!("{markdown}");
}

/// Runs the Python side and the Python article process; the rows, or why they are missing.
fn python_side(bench: &Bench, quick: bool, out: &Path) -> Result<(String, Vec<Row>), String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches");
    let output = Command::new("python3")
        .arg(here.join("python_side.py"))
        .arg(bench.dir.path())
        .arg(if quick { "1" } else { "0" })
        .output()
        .map_err(|e| format!("python3 did not start: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(stderr
            .lines()
            .last()
            .unwrap_or("python3 failed")
            .to_string());
    }
    let value: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    let mut rows: Vec<Row> =
        serde_json::from_value(value["rows"].clone()).map_err(|e| e.to_string())?;
    let article = here.join("article.py");
    let runs = if quick { 2 } else { 7 };
    let seconds = median(runs, || {
        let status = Command::new("python3")
            .arg(&article)
            .arg(out)
            .output()
            .expect("python3")
            .status;
        assert!(status.success());
    });
    rows.push(Row {
        workload: "whole article".into(),
        system: "python".into(),
        operation: "python3 benches/article.py".into(),
        median_s: seconds,
        runs,
        bytes: None,
    });
    Ok((value["versions"].as_str().unwrap_or("").to_string(), rows))
}

fn find(rows: &[Row], workload: &str, system: &str, operation: &str) -> Option<f64> {
    rows.iter()
        .find(|r| r.workload == workload && r.system == system && r.operation == operation)
        .map(|r| r.median_s)
}

fn size(rows: &[Row], workload: &str, system: &str, operation: &str) -> Option<u64> {
    rows.iter()
        .find(|r| r.workload == workload && r.system == system && r.operation == operation)
        .and_then(|r| r.bytes)
}

fn human(seconds: f64) -> String {
    match seconds {
        s if s < 1e-3 => format!("{:.1} µs", s * 1e6),
        s if s < 1.0 => format!("{:.2} ms", s * 1e3),
        s => format!("{s:.2} s"),
    }
}

/// The ratios the targets are about: (what, value, target, met).
fn targets(report: &Report) -> Vec<(String, f64, String, bool)> {
    let rows = &report.rows;
    let mut out = Vec::new();
    let mut ratio = |what: &str, value: Option<f64>, target: &str, met: fn(f64) -> bool| {
        if let Some(v) = value {
            out.push((what.to_string(), v, target.to_string(), met(v)));
        }
    };
    let a = "article model";
    let ours = |op: &str| find(rows, a, "rust", op);
    let py = |op: &str| find(rows, a, "python", op);
    let div = |x: Option<f64>, y: Option<f64>| Some(x? / y?);
    let sum = |x: Option<f64>, y: Option<f64>| Some(x? + y?);
    ratio(
        "article model: pickle dump / our write (not synced)",
        div(py("pickle dump"), ours("write bincode (not synced)")),
        "≥ 20",
        |v| v >= 20.0,
    );
    ratio(
        "article model: pickle load / our load",
        div(py("pickle load"), ours("load bincode")),
        "≥ 20",
        |v| v >= 20.0,
    );
    ratio(
        "article model: pickle dump + load / our write + load",
        div(
            sum(py("pickle dump"), py("pickle load")),
            sum(ours("write bincode (not synced)"), ours("load bincode")),
        ),
        "≥ 20",
        |v| v >= 20.0,
    );
    ratio(
        "article model, in memory: pickle.dumps / our encode",
        div(
            py("pickle.dumps (in memory)"),
            ours("encode bincode (in memory)"),
        ),
        "≥ 20",
        |v| v >= 20.0,
    );
    ratio(
        "article model, in memory: pickle.loads / our decode",
        div(
            py("pickle.loads (in memory)"),
            ours("decode bincode (in memory)"),
        ),
        "≥ 20",
        |v| v >= 20.0,
    );
    ratio(
        "article model: pickle dump + fsync / our atomic synced save",
        div(
            py("pickle dump + fsync"),
            ours("save bincode (atomic, synced)"),
        ),
        "(reported)",
        |_| true,
    );
    let w = "whole article";
    ratio(
        "whole article: Python process / Rust process",
        div(
            find(rows, w, "python", "python3 benches/article.py"),
            find(rows, w, "rust", "cargo run --release (the binary)"),
        ),
        "≥ 100",
        |v| v >= 100.0,
    );
    for kind in ["normal", "series"] {
        let w = format!("80 MB {kind}");
        let r = |op: &str| find(rows, &w, "rust", op);
        let p = |op: &str| find(rows, &w, "python", op);
        ratio(
            &format!("{w}: our write bincode (not synced) / floor write_all"),
            div(
                r("write bincode (not synced)"),
                r("floor: write_all (not synced)"),
            ),
            "≤ 1.5",
            |v| v <= 1.5,
        );
        ratio(
            &format!("{w}: our save bincode (synced) / floor write_all + sync_all"),
            div(
                r("save bincode (atomic, synced)"),
                r("floor: write_all + sync_all"),
            ),
            "≤ 1.5",
            |v| v <= 1.5,
        );
        ratio(
            &format!("{w}: our load bincode / floor fs::read"),
            div(r("load bincode"), r("floor: fs::read")),
            "≤ 1.5",
            |v| v <= 1.5,
        );
        ratio(
            &format!("{w}: joblib compress=3 dump / our zstd write (not synced)"),
            div(p("joblib dump compress=3"), r("write zstd (not synced)")),
            "≥ 10",
            |v| v >= 10.0,
        );
        let ours = size(rows, &w, "rust", "save zstd (atomic, synced)").map(|b| b as f64);
        let theirs = size(rows, &w, "python", "joblib dump compress=3").map(|b| b as f64);
        ratio(
            &format!("{w}: our zstd file / joblib compress=3 file (size)"),
            div(ours, theirs),
            "≤ 1 (series: clearly < 1)",
            |v| v <= 1.0,
        );
    }
    for m in &report.memory {
        if m.format == "bincode" {
            ratio(
                &format!("{}: peak memory of load / payload", m.workload),
                Some(m.ratio),
                "≤ 1.3",
                |v| v <= 1.3,
            );
        }
    }
    out
}

fn markdown(report: &Report) -> String {
    let mut md = String::from("# Benchmark results\n\n<!-- ANCHOR: tables -->\n");
    let sys = &report.system;
    md += &format!(
        "Machine: {} ({} cores), {}; {}; {}.\n\n",
        sys["cpu"].as_str().unwrap_or("?"),
        sys["cores"],
        sys["os"].as_str().unwrap_or("?"),
        sys["rustc"].as_str().unwrap_or("rustc ?"),
        sys["python"].as_str().unwrap_or("Python side skipped"),
    );
    for why in &report.skipped {
        md += &format!("Skipped: {why}.\n\n");
    }
    md += "### Targets\n\n| ratio | measured | target | met |\n|---|---:|---|---|\n";
    for (what, value, target, met) in targets(report) {
        md += &format!(
            "| {what} | {value:.2} | {target} | {} |\n",
            if met { "yes" } else { "**no**" }
        );
    }
    let mut workloads: Vec<&str> = Vec::new();
    for row in &report.rows {
        if !workloads.contains(&row.workload.as_str()) {
            workloads.push(&row.workload);
        }
    }
    for workload in workloads {
        md += &format!(
            "\n### {workload}\n\n| system | operation | median | runs | bytes |\n|---|---|---:|---:|---:|\n"
        );
        for r in report.rows.iter().filter(|r| r.workload == workload) {
            let bytes = r.bytes.map(|b| b.to_string()).unwrap_or_default();
            md += &format!(
                "| {} | {} | {} | {} | {bytes} |\n",
                r.system,
                r.operation,
                human(r.median_s),
                r.runs
            );
        }
    }
    if !report.memory.is_empty() {
        md += "\n### Peak memory of a load\n\n| workload | format | payload bytes | peak above start | ratio |\n|---|---|---:|---:|---:|\n";
        for m in &report.memory {
            md += &format!(
                "| {} | {} | {} | {} | {:.2} |\n",
                m.workload, m.format, m.payload_bytes, m.peak_bytes, m.ratio
            );
        }
    }
    md + "<!-- ANCHOR_END: tables -->\n"
}

/// A bar chart of the 80 MB normal workload: every save and load, ours, Python's and the floor,
/// on a logarithmic time axis.
fn chart_svg(rows: &[Row]) -> String {
    // Top to bottom: Rust, the floor, Python, as in the tables.
    let mut bars: Vec<&Row> = rows
        .iter()
        .filter(|r| r.workload == "80 MB normal")
        .collect();
    bars.reverse();
    let mut svg = String::new();
    {
        let height = 70 + 24 * bars.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).expect("fill");
        let max = bars.iter().map(|r| r.median_s).fold(1e-3, f64::max) * 4.0;
        let min = bars.iter().map(|r| r.median_s).fold(max, f64::min) / 2.0;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "10 million f64 values (80 MB): median time per operation",
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(300)
            .build_cartesian_2d((min..max).log_scale(), (0..bars.len()).into_segmented())
            .expect("chart");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(bars.len())
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => bars
                    .get(*i)
                    .map(|r| format!("{}: {}", r.system, r.operation))
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc("seconds, logarithmic scale")
            .x_label_formatter(&|s| format!("{s}"))
            .draw()
            .expect("mesh");
        let color = |r: &Row| match (r.system.as_str(), r.operation.starts_with("floor")) {
            (_, true) => RGBColor(120, 120, 120),
            ("rust", _) => RGBColor(0, 114, 178),
            _ => RGBColor(213, 94, 0),
        };
        chart
            .draw_series(bars.iter().enumerate().map(|(i, r)| {
                let corners = [
                    (min, SegmentValue::Exact(i)),
                    (r.median_s, SegmentValue::Exact(i + 1)),
                ];
                let mut bar = Rectangle::new(corners, color(r).filled());
                bar.set_margin(3, 3, 0, 0);
                bar
            }))
            .expect("bars");
        chart
            .draw_series(bars.iter().enumerate().map(|(i, r)| {
                let at = (r.median_s * 1.08, SegmentValue::CenterOf(i));
                let style = TextStyle::from(("sans-serif", 12).into_font())
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center));
                Text::new(human(r.median_s), at, style)
            }))
            .expect("labels");
        root.present().expect("present");
    }
    svg
}
