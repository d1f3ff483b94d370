//! Runs the notebooks in Jupyter with the evcxr kernel, then checks them with
//! [`check`](crate::notebooks::check).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::notebooks::{NOTEBOOKS, check};
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
        run(Command::new("cargo").args(["install", "--locked", EVCXR_JUPYTER]))?;
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
    Ok(())
}

/// Runs every notebook top to bottom and checks its cells. With `refresh` the notebooks are run
/// in place, so their committed outputs are rewritten; otherwise copies are run in a temporary
/// folder and the notebooks stay as they are.
pub fn run_all(root: &Path, refresh: bool) -> Result<()> {
    install()?;
    let scratch = std::env::temp_dir().join(format!("notebooks-{}", std::process::id()));
    fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let out_dir = if refresh {
        root.join("notebooks")
    } else {
        scratch.clone()
    };
    let mut failures = Vec::new();
    for notebook in &NOTEBOOKS {
        let name = format!("{}.ipynb", notebook.stem);
        let start = Instant::now();
        // The notebooks load the crate with `:dep model-persistence = { path = ".." }`: the
        // kernel must start in notebooks/, which nbconvert does for a notebook given by name.
        let output = Command::new("jupyter")
            .current_dir(root.join("notebooks"))
            .args(["nbconvert", "--to", "notebook", "--execute"])
            .arg("--ExecutePreprocessor.kernel_name=rust")
            .arg("--ExecutePreprocessor.timeout=1800")
            .arg("--ExecutePreprocessor.record_timing=False")
            .arg("--output-dir")
            .arg(&out_dir)
            .arg(&name)
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
    let _ = fs::remove_dir_all(&scratch);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}
