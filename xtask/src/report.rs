//! The speed benchmark's report: the Markdown tables, with the ratios the targets are about, and
//! the chart, written from `benches/results/results.json` (which `cargo bench --bench speed`
//! writes).

use std::fs;
use std::path::Path;

use crate::chart::{Side, Timing, human_time, timings};

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

/// The operations of the chart and of the table "In short", each with the rows of ours, numpy's,
/// joblib's and pickle's time for it (an empty operation where one has none).
const GROUPS: [(&str, [&str; 4]); 3] = [
    (
        "save",
        [
            "write bincode (not synced)",
            "np.save",
            "joblib dump compress=0",
            "pickle dump",
        ],
    ),
    (
        "load",
        [
            "load bincode",
            "np.load",
            "joblib load compress=0",
            "pickle load",
        ],
    ),
    (
        "mapped",
        [
            "map bincode (Mapped::open, checksum verified)",
            "np.load mmap_mode=r",
            "joblib load compress=0 mmap_mode=r",
            "",
        ],
    ),
];

/// Who ran each of a group's operations, in the order of [`GROUPS`].
const WHO: [(&str, &str); 4] = [
    ("rust", "ours"),
    ("python", "numpy"),
    ("python", "joblib"),
    ("python", "pickle"),
];

/// The chart of the 80 MB normal workload: for each operation, ours, numpy's, joblib's and
/// pickle's bar side by side.
fn chart(rows: &[Row]) -> std::result::Result<String, String> {
    let mut bars = Vec::new();
    for (operation, ops) in GROUPS {
        for ((system, who), op) in WHO.iter().zip(ops) {
            if let Some(seconds) = find(rows, "80 MB normal", system, op) {
                bars.push(Timing {
                    label: format!("{operation}: {who}"),
                    seconds,
                    side: if *system == "rust" {
                        Side::Ours
                    } else {
                        Side::Python
                    },
                });
            }
        }
    }
    timings(
        "80 MB of f64 values: median time of each operation (shorter is faster)",
        &bars,
    )
    .map_err(|e| e.to_string())
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

/// A ratio to two significant figures, as the report and the book give ratios: 360, 22, 7.6,
/// 0.96.
pub fn two_figures(x: f64) -> String {
    if !(x.is_finite() && x > 0.0) {
        return format!("{x}");
    }
    let magnitude = x.log10().floor() as i32;
    let step = 10f64.powi(magnitude - 1);
    let rounded = (x / step).round() * step;
    let decimals = usize::try_from(1 - magnitude).unwrap_or(0);
    format!("{rounded:.decimals$}")
}

/// The goals that matter, each a ratio in one direction: how many times faster (or smaller)
/// ours is than Python's in the same run, theirs divided by ours.
fn targets(report: &Report) -> Vec<Target> {
    let rows = &report.rows;
    let mut targets = Targets::default();
    let files = "article's Python files";
    targets.add(
        "the whole article, as a process: Rust's against Python's",
        div(
            find(
                rows,
                "whole article",
                "python",
                "python3 benches/article.py",
            ),
            find(
                rows,
                "whole article",
                "rust",
                "cargo run --release (the binary)",
            ),
        ),
        "≥ 100",
        |v| v >= 100.0,
    );
    targets.add(
        "reading the article's pickle: ours against pickle.load",
        div(
            find(rows, files, "python", "pickle.load Pck_LR_Model.pkl"),
            find(
                rows,
                files,
                "rust",
                "python::load Pck_LR_Model.pkl + model()",
            ),
        ),
        "≥ 1",
        |v| v >= 1.0,
    );
    targets.add(
        "reading the article's joblib file: ours against joblib.load",
        div(
            find(rows, files, "python", "joblib.load Jlib_LR_Model.pkl"),
            find(
                rows,
                files,
                "rust",
                "python::load Jlib_LR_Model.pkl + model()",
            ),
        ),
        "≥ 1",
        |v| v >= 1.0,
    );
    for kind in ["normal", "series"] {
        let w = format!("80 MB {kind}");
        let r = |op: &str| find(rows, &w, "rust", op);
        let p = |op: &str| find(rows, &w, "python", op);
        targets.add(
            format!("{w}, save: ours against np.save"),
            div(p("np.save"), r("write bincode (not synced)")),
            "≥ 1",
            |v| v >= 1.0,
        );
        targets.add(
            format!("{w}, load: ours against np.load"),
            div(p("np.load"), r("load bincode")),
            "≥ 0.8",
            |v| v >= 0.8,
        );
        targets.add(
            format!("{w}, first load of a fresh process: ours against np.load"),
            div(
                p("np.load (first in a fresh process)"),
                r("load bincode (first in a fresh process)"),
            ),
            "≥ 0.8",
            |v| v >= 0.8,
        );
        targets.add(
            format!("{w}, mapped open (checksum verified) against np.load"),
            div(
                p("np.load"),
                r("map bincode (Mapped::open, checksum verified)"),
            ),
            "≥ 2",
            |v| v >= 2.0,
        );
        targets.add(
            format!("{w}, compressed save: our zstd against joblib compress=3"),
            div(p("joblib dump compress=3"), r("write zstd (not synced)")),
            "≥ 10",
            |v| v >= 10.0,
        );
        let ours = size(rows, &w, "rust", "save zstd (atomic, synced)").map(|b| b as f64);
        let theirs = size(rows, &w, "python", "joblib dump compress=3").map(|b| b as f64);
        targets.add(
            format!("{w}, compressed file: joblib's size against ours"),
            div(theirs, ours),
            "≥ 1",
            |v| v >= 1.0,
        );
    }
    targets.0
}

/// The memory goals: peak memory of a load, anonymous memory of a mapping, each over the payload.
fn memory_targets(report: &Report) -> Vec<Target> {
    let mut targets = Targets::default();
    for m in &report.memory {
        if m.format == "bincode" {
            let what = format!("{}: peak memory of a load / payload", m.workload);
            targets.add(what, Some(m.ratio), "≤ 1.3", |v| v <= 1.3);
        } else if m.format.contains("mapped") {
            let what = format!("{}: anonymous memory of a mapping / payload", m.workload);
            targets.add(what, Some(m.ratio), "≤ 0.05", |v| v <= 0.05);
        }
    }
    targets.0
}

/// The 80 MB normal values in short: each operation's time for ours, numpy, joblib and pickle.
fn in_short(rows: &[Row]) -> String {
    let mut md = String::from(
        "| 80 MB of normal values | ours | numpy | joblib | pickle |\n|---|---:|---:|---:|---:|\n",
    );
    for (operation, ops) in GROUPS {
        let cells: Vec<String> = WHO
            .iter()
            .zip(ops)
            .map(|((system, _), op)| {
                find(rows, "80 MB normal", system, op)
                    .map(human_time)
                    .unwrap_or_default()
            })
            .collect();
        md += &format!("| {operation} | {} |\n", cells.join(" | "));
    }
    md
}

fn markdown(report: &Report) -> String {
    let mut md = String::from("# Benchmark results\n\n<!-- ANCHOR: short -->\n");
    md += &in_short(&report.rows);
    md += "<!-- ANCHOR_END: short -->\n\n<!-- ANCHOR: tables -->\n";
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
    md += "### Targets\n\nEach ratio is Python's time (or size) divided by ours, measured in the \
           same run: how many times faster (or smaller) ours is.\n\n\
           | goal | times faster | target | met |\n|---|---:|---|---|\n";
    let yes = |met: bool| if met { "yes" } else { "**no**" };
    for t in targets(report) {
        let value = two_figures(t.value);
        md += &format!("| {} | {value} | {} | {} |\n", t.what, t.target, yes(t.met));
    }
    md += "\n| memory | measured | target | met |\n|---|---:|---|---|\n";
    for t in memory_targets(report) {
        let value = format!("{:.2}", t.value);
        md += &format!("| {} | {value} | {} | {} |\n", t.what, t.target, yes(t.met));
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
