//! `cargo xtask COMMAND`: the one place that regenerates every artefact the repository commits,
//! and runs the checks CI runs. Tests only check; when one finds a stale artefact, it names the
//! command here that mends it. (The convention of rust-analyzer and the Rust Cookbook: a small
//! binary crate of the workspace, run through the alias in `.cargo/config.toml`.)

mod chart;
mod jupyter;
mod markdown;
mod notebooks;
mod report;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// An xtask either succeeds or says, in its message, what failed.
type Result<T, E = String> = std::result::Result<T, E>;

const USAGE: &str = "usage: cargo xtask COMMAND

commands:
  notebooks          write the notebooks' cells from the book's chapters
  notebook-outputs   run the notebooks in Jupyter, check every cell, and record the outputs
  first-cell         time the notebooks' first cell, cold and warm (empties evcxr's cache)
  figures            write the book's figures in book/src/figures/, all but the speed chart
  bench [ARGS]       run `cargo bench --bench speed -- ARGS` (--quick, --no-python), then bench-report
  bench-report       write benches/results/results.md and the speed chart from results.json
  bench-reader [ARGS] run `cargo bench --bench reader -- ARGS`: benches/results/reader.md
  bench-store        run scripts/store-check --bench: benches/results/store.md
  split-vectors      record tests/data/split_vectors.json from scikit-learn
  python-fixtures    make the Python files of tests/data/python/ (scripts/python-fixtures)
  hostile-corpus     write the hostile files of tests/data/hostile/ (scripts/hostile-corpus)
  exports            write the article's model as skops, ONNX and safetensors in tests/data/exports/
  ci                 run every check CI runs (what .ci/run does)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root();
    let result = match args.first().map(String::as_str) {
        Some("notebooks") => write_notebooks(&root),
        Some("notebook-outputs") => jupyter::run_all(&root, true),
        Some("first-cell") => jupyter::first_cell(&root),
        Some("figures") => figures(&root),
        Some("bench") => bench(&root, &args[1..]),
        Some("bench-report") => report::write(&root),
        Some("bench-reader") => run(cargo()
            .current_dir(&root)
            .args(["bench", "--bench", "reader", "--"])
            .args(&args[1..])),
        Some("bench-store") => run(Command::new(root.join("scripts/store-check")).arg("--bench")),
        Some("split-vectors") => split_vectors(&root),
        Some("exports") => exports(&root),
        Some("python-fixtures") => run(&mut Command::new(root.join("scripts/python-fixtures"))),
        Some("hostile-corpus") => run(&mut Command::new(root.join("scripts/hostile-corpus"))),
        Some("ci") => ci(&root),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace's root: the folder above this crate's.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is inside the workspace")
        .to_path_buf()
}

/// Runs `command`, showing its output; an error if it cannot start or fails.
fn run(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    println!("$ {}", shown.replace('"', ""));
    let status = command
        .status()
        .map_err(|e| format!("{shown} did not start: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("{shown} failed ({status})"))
}

/// Runs `command` with its output captured, shown only if it fails.
fn run_quiet(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|e| format!("{shown} did not start: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    Err(format!("{shown} failed ({})", output.status))
}

/// Whether `program` runs and succeeds with `args`.
fn has(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The cargo that runs this xtask, to run the other cargo commands with.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn write_notebooks(root: &Path) -> Result<()> {
    let written = notebooks::write(root);
    if written.is_empty() {
        println!("the notebooks' cells already match the book");
    }
    for path in written {
        println!("wrote {path}; record its outputs with `cargo xtask notebook-outputs`");
    }
    Ok(())
}

fn figures(root: &Path) -> Result<()> {
    let dir = root.join("book/src/figures");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for figure in model_persistence::article::figures::book_figures().map_err(|e| e.to_string())? {
        let path = dir.join(format!("{}.svg", figure.name));
        fs::write(&path, &figure.svg).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The article's model, as `cargo run` saves it, exported to every format Python reads: the
/// files `tests/exports.rs` compares the exporters' output with.
fn exports(root: &Path) -> Result<()> {
    use model_persistence::article::{Options, run};
    use model_persistence::python::{convert, export};

    let scratch = std::env::temp_dir().join(format!("exports-{}", std::process::id()));
    let options = Options {
        out_dir: scratch.clone(),
        ..Options::default()
    };
    run(&options).map_err(|e| e.to_string())?;
    let linear = convert::load(scratch.join("wine_linear.bin")).map_err(|e| e.to_string())?;
    let dir = root.join("tests/data/exports");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for format in export::Format::ALL {
        let bytes = export::encode(&linear, format).map_err(|e| e.to_string())?;
        let path = dir.join(format!("wine.{}", format.extension()));
        fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    fs::remove_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))
}

fn bench(root: &Path, args: &[String]) -> Result<()> {
    run(cargo()
        .current_dir(root)
        .args(["bench", "--bench", "speed", "--"])
        .args(args))?;
    report::write(root)
}

fn split_vectors(root: &Path) -> Result<()> {
    // The split vectors come from the same pinned scikit-learn and numpy as the fixtures.
    let output = Command::new(root.join("scripts/python-venv"))
        .arg("current")
        .output()
        .map_err(|e| format!("scripts/python-venv: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let python = String::from_utf8_lossy(&output.stdout).trim().to_string();
    // One BLAS thread and a fixed hash seed, as for the fixtures: the same numbers every run.
    let vectors = Command::new(python)
        .envs([("OMP_NUM_THREADS", "1"), ("OPENBLAS_NUM_THREADS", "1")])
        .env("PYTHONHASHSEED", "0")
        .arg(root.join("scripts/split_vectors.py"))
        .output()
        .map_err(|e| format!("scripts/split_vectors.py: {e}"))?;
    if !vectors.status.success() {
        return Err(String::from_utf8_lossy(&vectors.stderr).into_owned());
    }
    let path = root.join("tests/data/split_vectors.json");
    fs::write(&path, vectors.stdout).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Every check CI runs, in order, from a clean clone: formatting, lints, the README's test
/// command, the API documentation, the book's build, the exports in their Python consumers and
/// the notebooks in Jupyter, and the object store and MLflow against their real servers.
fn ci(root: &Path) -> Result<()> {
    run_quiet(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))?;
    run(cargo().current_dir(root).args(["fmt", "--all", "--check"]))?;
    run(cargo().current_dir(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        // The tests against a real server, too.
        "--all-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The README's test command, as a newcomer types it.
    run(cargo().current_dir(root).args(["test", "--locked"]))?;
    // The API documentation, without a broken link or a missing doc.
    run(cargo()
        .current_dir(root)
        .env("RUSTDOCFLAGS", "-D warnings")
        .args(["doc", "--no-deps", "--locked"]))?;
    // The book: every chapter's code already ran above as doc-tests; here mdBook must build it.
    let mdbook = Command::new("mdbook").arg("--version").output();
    if !mdbook.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "mdbook v0.5.4") {
        run(cargo().args(["install", "--locked", "mdbook@0.5.4"]))?;
    }
    run(Command::new("mdbook")
        .current_dir(root)
        .args(["build", "book"]))?;
    // The exports, loaded by their real consumers in Python, and the book's Python code.
    run(&mut Command::new(root.join("scripts/python-check")))?;
    // Model files in a real S3 server (SeaweedFS) and MLflow serving what we write.
    run(&mut Command::new(root.join("scripts/store-check")))?;
    // The notebooks, each top to bottom in Jupyter, every cell checked against the book.
    jupyter::run_all(root, false)
}
