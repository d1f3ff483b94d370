//! The hostile corpus (`tests/data/hostile/`, written by `cargo xtask hostile-corpus`): every file
//! is refused by `inspect` and `predict` with exit 1 and one `error:` line that names the global
//! the file would call (or what else it does), and reading it takes a bounded amount of memory.
//! Also the paths that are no files: a FIFO, a folder, a device.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use model_persistence::python::convert;

mod common;
use common::alloc::{Counting, peak_during};
use common::{command, root};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most heap one read of a hostile file may take: the 64 MiB.
const CEILING: usize = 64 << 20;

/// One file of the corpus and what its error must name.
struct Hostile {
    path: PathBuf,
    names: Option<String>,
}

fn corpus() -> Vec<Hostile> {
    let dir = root().join("tests/data/hostile");
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("the manifest");
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let files = manifest["files"].as_array().expect("files");
    assert!(files.len() >= 100, "only {} hostile files", files.len());
    files
        .iter()
        .map(|entry| Hostile {
            path: dir.join(entry["file"].as_str().expect("file")),
            names: entry["names"].as_str().map(String::from),
        })
        .collect()
}

/// The one line a command printed on standard error, checked to be an `error:` line.
fn one_error_line(args: &[&str]) -> String {
    let output = command(args);
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    stderr
}

#[test]
fn every_hostile_file_is_refused_in_one_line_by_name() {
    let dir = tempfile::tempdir().expect("a folder");
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "1,2,3,4,5,6,7,8,9,10,11,12,13\n").expect("rows");
    let rows = rows.to_str().expect("UTF-8");
    for hostile in corpus() {
        let file = hostile.path.to_str().expect("UTF-8");
        for args in [
            vec!["inspect", file],
            vec!["predict", file, "--input", rows],
        ] {
            let line = one_error_line(&args);
            assert!(line.starts_with(&format!("error: {file}: ")), "{line}");
            if let Some(names) = &hostile.names {
                assert!(
                    line.contains(names.as_str()),
                    "{file}: {line} (wanted {names})"
                );
            }
        }
    }
}

#[test]
fn no_hostile_file_takes_more_than_64_mib() {
    let mut worst = (0, PathBuf::new());
    for hostile in corpus() {
        let (result, peak) = peak_during(|| convert::load(&hostile.path));
        assert!(result.is_err(), "{} was read", hostile.path.display());
        assert!(peak < CEILING, "{}: {peak} bytes", hostile.path.display());
        if peak > worst.0 {
            worst = (peak, hostile.path);
        }
    }
    println!(
        "the most memory a hostile file took: {} bytes ({})",
        worst.0,
        worst.1.display()
    );
}

/// Runs the command with `args`, killing it if it has not ended within ten seconds.
fn ends_within_seconds(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_model-persistence"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            child.kill().expect("kill");
            panic!("{args:?} still waits after ten seconds");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[cfg(unix)]
#[test]
fn a_fifo_a_folder_and_a_device_are_refused_without_waiting() {
    let dir = tempfile::tempdir().expect("a folder");
    let fifo = dir.path().join("model.pkl");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "1\n").expect("rows");
    let folder = dir.path().to_str().expect("UTF-8").to_string();
    for (path, what) in [
        (fifo.to_str().expect("UTF-8"), "is a FIFO, not a model file"),
        (folder.as_str(), "is a directory, not a model file"),
        ("/dev/zero", "is a device, not a model file"),
    ] {
        for args in [
            vec!["inspect", path],
            vec!["predict", path, "--input", rows.to_str().expect("UTF-8")],
            vec!["convert", path, "out.bin"],
        ] {
            let output = ends_within_seconds(&args);
            let stderr = String::from_utf8(output.stderr).expect("UTF-8");
            assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
            assert_eq!(stderr, format!("error: {path}: {what}\n"));
        }
    }
    assert!(!Path::new("out.bin").exists());
}

#[test]
fn the_chapter_gives_the_corpus_and_the_limits_as_they_are() {
    use model_persistence::python::{Limits, MAX_BYTES, MEMORY_PER_BYTE, MEMORY_PER_LIMIT_BYTE};
    let chapter = common::read("book/src/hostile-pickle.md");
    let count = corpus().len();
    let mib = |bytes: u64| format!("{} MiB", bytes >> 20);
    for phrase in [
        format!("{count} small files"),
        format!("{MEMORY_PER_BYTE} bytes for each byte of data"),
        format!("at most {}", mib(Limits::default().memory_budget(u64::MAX))),
        format!("pass {}", mib(MAX_BYTES)),
        format!("larger than the {} limit", mib(MAX_BYTES)),
        format!(
            "{} bytes for each byte of the limit",
            ["zero", "one", "two", "three", "four"][MEMORY_PER_LIMIT_BYTE as usize]
        ),
        format!("more than {}", mib(CEILING as u64)),
    ] {
        assert!(
            chapter.contains(&phrase),
            "hostile-pickle.md should say {phrase:?}"
        );
    }
    let from_python = common::read("book/src/from-python.md");
    assert!(from_python.contains(&format!("a corpus of {count} hostile files")));
    let readme = common::read("README.md");
    for phrase in [
        format!("holds {count} files that"),
        format!("held to {MEMORY_PER_BYTE} bytes of"),
        format!(
            "more than {}",
            mib(Limits::default().memory_budget(u64::MAX))
        ),
        format!("past {}", mib(MAX_BYTES)),
    ] {
        assert!(readme.contains(&phrase), "README.md should say {phrase:?}");
    }
    // The time it quotes is the one the reader benchmark wrote (`cargo xtask bench-reader`).
    let results = common::read("benches/results/reader.md");
    let quoted = chapter
        .split("took ")
        .nth(1)
        .and_then(|rest| rest.split(" ms").next())
        .expect("a time in ms");
    assert!(
        results.contains(&format!("{quoted} ms")),
        "reader.md lacks {quoted} ms"
    );
}

/// The predicate a program asks of each kind of hostile file.
fn class_of(err: &model_persistence::Error) -> Vec<&'static str> {
    let mut classes = Vec::new();
    for (yes, name) in [
        (err.is_refused(), "refused"),
        (err.is_corrupt(), "corrupt"),
        (err.is_too_large(), "too large"),
        (err.is_unsupported(), "unsupported"),
        (err.is_not_found(), "not found"),
        (err.is_usage(), "usage"),
    ] {
        if yes {
            classes.push(name);
        }
    }
    classes
}

#[test]
fn every_hostile_file_answers_exactly_one_predicate_and_code_is_refused() {
    let dir = root().join("tests/data/hostile");
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("the manifest");
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    for entry in manifest["files"].as_array().expect("files") {
        let file = entry["file"].as_str().expect("file");
        let err = model_persistence::python::convert::load(dir.join(file)).expect_err(file);
        let classes = class_of(&err);
        assert_eq!(classes.len(), 1, "{file}: {classes:?}: {err}");
        let wanted = match (entry["kind"].as_str().expect("kind"), file) {
            // A skops zip with a pickle and no schema.json is not a skops file at all.
            (_, "skops_pickle_inside.skops") => "corrupt",
            // The shared buffer is read within the budget; what it builds is no estimator.
            (_, "shared_bytes_frombuffer.joblib" | "shared_bytes_reconstruct.joblib") => {
                "unsupported"
            }
            // The lzma decoder's own memory limit stops it, reported as a decoding error.
            (_, "bomb_lzma_dictionary.joblib") => "corrupt",
            ("a global that runs code" | "one member hidden behind another", _) => "refused",
            ("memory" | "decompression bomb", _) => "too large",
            _ => classes[0],
        };
        assert_eq!(classes[0], wanted, "{file}: {err}");
    }
}
