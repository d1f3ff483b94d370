//! The speed benchmark's report: the Markdown tables, with the ratios the targets are about, and
//! the chart, written from `benches/results/results.json` (which `cargo bench --bench speed`
//! writes).

use std::fs;
use std::path::Path;

use model_persistence::plot::{Side, Timing, human_time, timings};

use crate::Result;
#[path = "../../benches/speed/schema.rs"]
mod schema;
use schema::{Report, Row};

/// Writes `benches/results/results.md` and `book/src/figures/speed.svg` from `results.json`.
pub fn write(root: &Path) -> Result<()> {
    let results = root.join("benches/results");
    let json = fs::read_to_string(results.join("results.json"))
        .map_err(|e| format!("benches/results/results.json: {e}"))?;
    let report: Report = serde_json::from_str(&json).map_err(|e| format!("results.json: {e}"))?;
    let markdown = markdown(&report);
    fs::write(results.join("results.md"), &markdown).map_err(|e| format!("results.md: {e}"))?;
    let chart = chart(&report.rows).map_err(|e| format!("speed.svg: {e}"))?;
    let path = root.join("book/src/figures/speed.svg");
    fs::write(&path, chart).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{markdown}");
    Ok(())
}

/// The 80 MB operations with ours, numpy's, joblib's, pickle's and the floor's time in one row.
fn side_by_side(report: &Report) -> String {
    let rows = &report.rows;
    let lines: [(&str, [(&str, &str); 5]); 4] = [
        (
            "save, not synced",
            [
                ("rust", "write bincode (not synced)"),
                ("python", "np.save"),
                ("python", "joblib dump compress=0"),
                ("python", "pickle dump"),
                ("rust", "floor: write_all (not synced)"),
            ],
        ),
        (
            "load",
            [
                ("rust", "load bincode"),
                ("python", "np.load"),
                ("python", "joblib load compress=0"),
                ("python", "pickle load"),
                ("rust", "floor: fs::read"),
            ],
        ),
        (
            "load, first in a fresh process",
            [
                ("rust", "load bincode (first in a fresh process)"),
                ("python", "np.load (first in a fresh process)"),
                ("", ""),
                ("", ""),
                ("", ""),
            ],
        ),
        (
            "mapped (ours: checksum verified)",
            [
                ("rust", "map bincode (Mapped::open, checksum verified)"),
                ("python", "np.load mmap_mode=r"),
                ("python", "joblib load compress=0 mmap_mode=r"),
                ("", ""),
                ("", ""),
            ],
        ),
    ];
    let mut md = String::new();
    for kind in ["normal", "series"] {
        let w = format!("80 MB {kind}");
        md += &format!(
            "\n### {w}, side by side\n\n| operation | ours | numpy | joblib | pickle | floor |\n|---|---:|---:|---:|---:|---:|\n"
        );
        for (operation, cells) in &lines {
            let cells: Vec<String> = cells
                .iter()
                .map(|(system, op)| {
                    find(rows, &w, system, op)
                        .map(human_time)
                        .unwrap_or_default()
                })
                .collect();
            md += &format!("| {operation} | {} |\n", cells.join(" | "));
        }
    }
    md
}

/// The chart of the 80 MB normal workload: every save and load, ours, Python's and the floor,
/// in the order of the tables.
fn chart(rows: &[Row]) -> model_persistence::Result<String> {
    let bars: Vec<Timing> = rows
        .iter()
        .filter(|r| r.workload == "80 MB normal")
        .map(|r| Timing {
            label: format!("{}: {}", r.system, r.operation),
            seconds: r.median_s,
            side: match (r.system.as_str(), r.operation.starts_with("floor")) {
                (_, true) => Side::Floor,
                ("rust", _) => Side::Ours,
                _ => Side::Python,
            },
        })
        .collect();
    timings(
        "10 million f64 values (80 MB): median time per operation",
        &bars,
    )
}

/// The row of `workload`, `system` and `operation`, if the benchmark wrote one.
fn row<'a>(rows: &'a [Row], workload: &str, system: &str, operation: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.workload == workload && r.system == system && r.operation == operation)
}

fn find(rows: &[Row], workload: &str, system: &str, operation: &str) -> Option<f64> {
    row(rows, workload, system, operation).map(|r| r.median_s)
}

fn size(rows: &[Row], workload: &str, system: &str, operation: &str) -> Option<u64> {
    row(rows, workload, system, operation).and_then(|r| r.bytes)
}

/// A ratio the benchmark has a target for: what it is, its value, the target, whether it is met.
struct Target {
    what: String,
    value: f64,
    target: &'static str,
    met: bool,
}

/// Collects the targets whose ratio could be computed (a skipped Python side leaves some out).
#[derive(Default)]
struct Targets(Vec<Target>);

impl Targets {
    fn add(
        &mut self,
        what: impl Into<String>,
        value: Option<f64>,
        target: &'static str,
        met: fn(f64) -> bool,
    ) {
        if let Some(value) = value {
            let what = what.into();
            self.0.push(Target {
                what,
                value,
                target,
                met: met(value),
            });
        }
    }
}

fn div(x: Option<f64>, y: Option<f64>) -> Option<f64> {
    Some(x? / y?)
}

fn sum(x: Option<f64>, y: Option<f64>) -> Option<f64> {
    Some(x? + y?)
}

/// The ratios the targets are about, in the order of the report.
fn targets(report: &Report) -> Vec<Target> {
    let mut targets = Targets::default();
    article_targets(&report.rows, &mut targets);
    for kind in ["normal", "series"] {
        payload_targets(&report.rows, kind, &mut targets);
    }
    for m in &report.memory {
        if m.format == "bincode" {
            let what = format!("{}: peak memory of load / payload", m.workload);
            targets.add(what, Some(m.ratio), "≤ 1.3", |v| v <= 1.3);
        } else if m.format.contains("mapped") {
            let what = format!("{}: anonymous memory of a mapping / payload", m.workload);
            targets.add(what, Some(m.ratio), "≤ 0.05", |v| v <= 0.05);
        }
    }
    targets.0
}

/// The article's model: ours against pickle, on files and in memory, and the whole article.
fn article_targets(rows: &[Row], targets: &mut Targets) {
    let a = "article model";
    let ours = |op: &str| find(rows, a, "rust", op);
    let py = |op: &str| find(rows, a, "python", op);
    let at_least_20 = |v: f64| v >= 20.0;
    targets.add(
        "article model: pickle dump / our write (not synced)",
        div(py("pickle dump"), ours("write bincode (not synced)")),
        "≥ 20",
        at_least_20,
    );
    targets.add(
        "article model: pickle load / our load",
        div(py("pickle load"), ours("load bincode")),
        "≥ 20",
        at_least_20,
    );
    targets.add(
        "article model: pickle dump + load / our write + load",
        div(
            sum(py("pickle dump"), py("pickle load")),
            sum(ours("write bincode (not synced)"), ours("load bincode")),
        ),
        "≥ 20",
        at_least_20,
    );
    targets.add(
        "article model, in memory: pickle.dumps / our encode",
        div(
            py("pickle.dumps (in memory)"),
            ours("encode bincode (in memory)"),
        ),
        "≥ 20",
        at_least_20,
    );
    targets.add(
        "article model, in memory: pickle.loads / our decode",
        div(
            py("pickle.loads (in memory)"),
            ours("decode bincode (in memory)"),
        ),
        "≥ 20",
        at_least_20,
    );
    targets.add(
        "article model: pickle dump + fsync / our atomic synced save",
        div(
            py("pickle dump + fsync"),
            ours("save bincode (atomic, synced)"),
        ),
        "(reported)",
        |_| true,
    );
    let files = "article's Python files";
    targets.add(
        "article's pickle: pickle.load / our sklearn::load + model()",
        div(
            find(rows, files, "python", "pickle.load Pck_LR_Model.pkl"),
            find(
                rows,
                files,
                "rust",
                "sklearn::load Pck_LR_Model.pkl + model()",
            ),
        ),
        "≥ 1",
        |v| v >= 1.0,
    );
    targets.add(
        "article's joblib file: joblib.load / our sklearn::load + model()",
        div(
            find(rows, files, "python", "joblib.load Jlib_LR_Model.pkl"),
            find(
                rows,
                files,
                "rust",
                "sklearn::load Jlib_LR_Model.pkl + model()",
            ),
        ),
        "≥ 1",
        |v| v >= 1.0,
    );
    let w = "whole article";
    targets.add(
        "whole article: Python process / Rust process",
        div(
            find(rows, w, "python", "python3 benches/article.py"),
            find(rows, w, "rust", "cargo run --release (the binary)"),
        ),
        "≥ 100",
        |v| v >= 100.0,
    );
}

/// An 80 MB payload of `kind` values: ours against the floor of the disk and against joblib.
fn payload_targets(rows: &[Row], kind: &str, targets: &mut Targets) {
    let w = format!("80 MB {kind}");
    let r = |op: &str| find(rows, &w, "rust", op);
    let p = |op: &str| find(rows, &w, "python", op);
    let at_most_1_5 = |v: f64| v <= 1.5;
    let at_most_1_2 = |v: f64| v <= 1.2;
    targets.add(
        format!("{w}: our write bincode (not synced) / floor write_all"),
        div(
            r("write bincode (not synced)"),
            r("floor: write_all (not synced)"),
        ),
        "≤ 1.2",
        at_most_1_2,
    );
    targets.add(
        format!("{w}: our write bincode (not synced) / np.save"),
        div(r("write bincode (not synced)"), p("np.save")),
        "≤ 1",
        |v| v <= 1.0,
    );
    targets.add(
        format!("{w}: our load bincode / np.load"),
        div(r("load bincode"), p("np.load")),
        "≤ 1.2",
        at_most_1_2,
    );
    targets.add(
        format!("{w}: our load / np.load, each the first in a fresh process"),
        div(
            r("load bincode (first in a fresh process)"),
            p("np.load (first in a fresh process)"),
        ),
        "≤ 1.2",
        at_most_1_2,
    );
    targets.add(
        format!("{w}: our mapped open (checksum verified) / np.load"),
        div(
            r("map bincode (Mapped::open, checksum verified)"),
            p("np.load"),
        ),
        "< 1 (aim ≤ 0.5)",
        |v| v < 1.0,
    );
    targets.add(
        format!("{w}: our save bincode (synced) / floor write_all + sync_all"),
        div(
            r("save bincode (atomic, synced)"),
            r("floor: write_all + sync_all"),
        ),
        "≤ 1.5",
        at_most_1_5,
    );
    targets.add(
        format!("{w}: our load bincode / floor fs::read"),
        div(r("load bincode"), r("floor: fs::read")),
        "≤ 1.5",
        at_most_1_5,
    );
    targets.add(
        format!("{w}: joblib compress=3 dump / our zstd write (not synced)"),
        div(p("joblib dump compress=3"), r("write zstd (not synced)")),
        "≥ 10",
        |v| v >= 10.0,
    );
    let ours = size(rows, &w, "rust", "save zstd (atomic, synced)").map(|b| b as f64);
    let theirs = size(rows, &w, "python", "joblib dump compress=3").map(|b| b as f64);
    targets.add(
        format!("{w}: our zstd file / joblib compress=3 file (size)"),
        div(ours, theirs),
        "≤ 1 (series: clearly < 1)",
        |v| v <= 1.0,
    );
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
    for Target {
        what,
        value,
        target,
        met,
    } in targets(report)
    {
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
                human_time(r.median_s),
                r.runs
            );
        }
    }
    md += &side_by_side(report);
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
