//! The schema of `benches/results/results.json`, which `cargo bench --bench speed` writes and
//! `cargo xtask bench-report` turns into the Markdown report and the chart. Both include this
//! file, so the two cannot disagree; keep it stable, so that runs stay comparable.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One timed operation: the median of `runs` runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// What the operation works on: `article model`, `80 MB normal`, ...
    pub workload: String,
    /// `rust` or `python`.
    pub system: String,
    /// What was timed.
    pub operation: String,
    /// The median wall time, in seconds.
    pub median_s: f64,
    /// How many runs the median is of.
    pub runs: usize,
    /// The size of the file written, when the operation writes one.
    pub bytes: Option<u64>,
}

/// The peak memory of one load, measured in a fresh process.
#[derive(Debug, Serialize, Deserialize)]
pub struct Memory {
    /// The workload loaded.
    pub workload: String,
    /// The codec of the file.
    pub format: String,
    /// The payload's size.
    pub payload_bytes: u64,
    /// Peak resident memory above what the process used before loading.
    pub peak_bytes: u64,
    /// `peak_bytes / payload_bytes`.
    pub ratio: f64,
}

/// A whole run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    /// The machine, the compiler, the Python side's versions.
    pub system: Value,
    /// What was not measured, and why.
    pub skipped: Vec<String>,
    /// Every timing.
    pub rows: Vec<Row>,
    /// Every peak memory measurement.
    pub memory: Vec<Memory>,
}
