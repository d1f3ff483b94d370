//! Helpers the integration tests share. Each test file is its own crate and uses a part of them.
#![allow(dead_code)]

pub mod alloc;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text of a file of the repository, by its path from the root.
pub fn read(path: impl AsRef<Path>) -> String {
    let path = root().join(path);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs the `model-persistence` command with `args`.
#[cfg(feature = "cli")]
pub fn command(args: &[&str]) -> Output {
    command_in(&root(), args)
}

/// Runs the `model-persistence` command with `args` in the folder `dir`.
#[cfg(feature = "cli")]
pub fn command_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_model-persistence"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}
