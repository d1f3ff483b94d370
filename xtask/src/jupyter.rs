//! Runs the notebooks in Jupyter with the evcxr kernel, then checks them with
//! [`check`](crate::notebooks::check).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::notebooks::{Kernel, NOTEBOOKS, check};
use crate::{Result, has, run, run_quiet};

/// The evcxr kernel this project's notebooks are run with.
const EVCXR_JUPYTER: &str = "evcxr_jupyter@0.22.0";

/// Installs what running a notebook needs when it is missing: Jupyter's nbconvert, the evcxr
/// kernel, and its registration with Jupyter as `rust`.
pub fn install() -> Result<()> {
    if !has("jupyter", &["nbconvert", "--version"]) {
        println!("installing Jupyter's nbconvert");
        run(Command::new("python3").args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "nbconvert==7.17.2",
            "nbclient==0.11.0",
            "jupyter_client==8.10.0",
        ]))?;
    }
    if !has("evcxr_jupyter", &["--help"]) {
        println!("installing {EVCXR_JUPYTER} (several minutes)");
        run(crate::cargo().args(["install", "--locked", EVCXR_JUPYTER]))?;
    }
    let kernels = Command::new("jupyter")
        .args(["kernelspec", "list"])
        .output()
        .map_err(|e| format!("jupyter kernelspec list: {e}"))?;
    let listed = String::from_utf8_lossy(&kernels.stdout)
        .lines()
        .any(|l| l.split_whitespace().next() == Some("rust"));
    if !listed {
        run_quiet(Command::new("evcxr_jupyter").arg("--install"))?;
    }
    install_python_kernel()
}

/// Makes the venv of `scripts/python-venv check` (the pinned consumers of the exports, and
/// ipykernel) Jupyter's kernel `model-persistence-python`, for the notebook of "To Python".
fn install_python_kernel() -> Result<()> {
    let root = crate::root();
    let output = Command::new(root.join("scripts/python-venv"))
        .arg("check")
        .output()
        .map_err(|e| format!("scripts/python-venv check: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let python = String::from_utf8_lossy(&output.stdout).trim().to_string();
    run_quiet(Command::new(python).args([
        "-m",
        "ipykernel",
        "install",
        "--user",
        "--name",
        Kernel::Python.name(),
        "--display-name",
        "Python (model-persistence)",
    ]))
}

/// Runs every notebook top to bottom and checks its cells. With `refresh` the notebooks are run
/// in place, so their committed outputs are rewritten; otherwise copies are run in a temporary
/// folder and the notebooks stay as they are.
pub fn run_all(root: &Path, refresh: bool) -> Result<()> {
    install()?;
    let scratch =
        (!refresh).then(|| std::env::temp_dir().join(format!("notebooks-{}", std::process::id())));
    if let Some(scratch) = &scratch {
        fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    }
    let out_dir = scratch.clone().unwrap_or_else(|| root.join("notebooks"));
    let mut failures = Vec::new();
    for notebook in &NOTEBOOKS {
        let name = format!("{}.ipynb", notebook.stem);
        let start = Instant::now();
        // The notebooks load the crate with
        // `:dep model-persistence = { path = "..", ... }`: the kernel must
        // start in notebooks/, which nbconvert does for a notebook given by name.
        let output = execute(
            &root.join("notebooks"),
            notebook.kernel,
            &["--ExecutePreprocessor.record_timing=False"],
            &out_dir,
            &name,
        )
        .output()
        .map_err(|e| format!("jupyter nbconvert: {e}"))?;
        if !output.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
            failures.push(format!("{name}: a cell failed"));
            continue;
        }
        println!("{name}: ran in {} s", start.elapsed().as_secs());
        let path = out_dir.join(&name);
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let ran: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
        match check(&name, &ran) {
            problems if problems.is_empty() => {
                println!("{name}: every cell printed what the book says")
            }
            problems => failures.extend(problems),
        }
    }
    if let Some(scratch) = &scratch {
        let _ = fs::remove_dir_all(scratch);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// The command that runs the notebook `name` of `dir` top to bottom in `kernel` (with
/// `options`, nbconvert's further `--...` settings) and writes it, with its outputs, to `out_dir`.
fn execute(dir: &Path, kernel: Kernel, options: &[&str], out_dir: &Path, name: &str) -> Command {
    let mut command = Command::new("jupyter");
    command
        .current_dir(dir)
        .args(["nbconvert", "--to", "notebook", "--execute"])
        .arg(format!(
            "--ExecutePreprocessor.kernel_name={}",
            kernel.name()
        ))
        .arg("--ExecutePreprocessor.timeout=1800")
        .args(options)
        .arg("--output-dir")
        .arg(out_dir)
        .arg(name);
    command
}

/// How long the first cell of a notebook takes, cold (evcxr's cache emptied first) and warm (a
/// new kernel, the cache full), for the first cell of `01-pickle-way` and of `04-from-python`:
/// two runs of each, written to `benches/results/first-cell.md`, which the chapter "Running the
/// notebooks" includes. It empties evcxr's cache (`~/.cache/evcxr`), which a later session then
/// fills again.
pub fn first_cell(root: &Path) -> Result<()> {
    install()?;
    let cache = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cache/evcxr"))
        .ok_or("HOME is not set")?;
    let mut lines = vec![
        "<!-- ANCHOR: first-cell -->".to_string(),
        "| notebook | `:dep` features | cold, 1st run | cold, 2nd run | warm, 1st run | warm, 2nd run |".to_string(),
        "|---|---|---:|---:|---:|---:|".to_string(),
    ];
    for notebook in [&NOTEBOOKS[0], &NOTEBOOKS[3]] {
        let cells = crate::notebooks::first_cell(root, notebook);
        let mut times = Vec::new();
        for cold in [true, true, false, false] {
            if cold {
                let _ = fs::remove_dir_all(&cache);
            }
            times.push(time_first_cell(root, &cells)?);
        }
        let features = if notebook.features_line().is_empty() {
            "(none)".to_string()
        } else {
            notebook.features_line()
        };
        let cells: Vec<String> = times.iter().map(|t| format!("{t:.1} s")).collect();
        lines.push(format!(
            "| `{}` | {features} | {} |",
            notebook.stem,
            cells.join(" | ")
        ));
        println!("{}: {}", notebook.stem, cells.join(", "));
    }
    lines.push("<!-- ANCHOR_END: first-cell -->".to_string());
    let path = root.join("benches/results/first-cell.md");
    fs::write(&path, lines.join("\n") + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// Runs a notebook of the first cell `source` and one line of code in a fresh kernel; returns the
/// first cell's time in seconds, as Jupyter records it.
fn time_first_cell(root: &Path, source: &str) -> Result<f64> {
    use serde_json::json;
    let name = format!("first-cell-{}.ipynb", std::process::id());
    let dir = root.join("notebooks");
    let notebook = json!({
        "cells": [
            {"cell_type": "code", "execution_count": null, "id": "a", "metadata": {}, "outputs": [], "source": source},
            {"cell_type": "code", "execution_count": null, "id": "b", "metadata": {}, "outputs": [],
             "source": "use model_persistence::prelude::*;\nprintln!(\"{}\", load_wine().records().nrows());"}
        ],
        "metadata": {"kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"}},
        "nbformat": 4, "nbformat_minor": 5
    });
    fs::write(dir.join(&name), notebook.to_string()).map_err(|e| e.to_string())?;
    let out = std::env::temp_dir().join(format!("first-cell-out-{}", std::process::id()));
    let ran = execute(&dir, Kernel::Rust, &[], &out, &name)
        .output()
        .map_err(|e| format!("jupyter nbconvert: {e}"));
    let _ = fs::remove_file(dir.join(&name));
    if !ran?.status.success() {
        return Err("the timing notebook failed".to_string());
    }
    let text = fs::read_to_string(out.join(&name)).map_err(|e| e.to_string())?;
    let _ = fs::remove_dir_all(&out);
    let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let timing = &value["cells"][0]["metadata"]["execution"];
    let at = |key: &str| {
        timing[key]
            .as_str()
            .and_then(seconds_of_day)
            .ok_or_else(|| format!("no {key} in the first cell's metadata"))
    };
    Ok(at("shell.execute_reply")? - at("iopub.execute_input")?)
}

/// The seconds since midnight of a Jupyter timestamp such as `2026-11-30T07:55:05.123456Z`.
fn seconds_of_day(stamp: &str) -> Option<f64> {
    let time = stamp.split('T').nth(1)?.trim_end_matches('Z');
    let mut parts = time.split(':');
    let (h, m, s): (f64, f64, f64) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    Some(h * 3600.0 + m * 60.0 + s)
}
