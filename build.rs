//! Turns the chapter list of the book, `book/src/SUMMARY.md`, into the doc-test modules of
//! `src/lib.rs` (one empty module a chapter, documented by the chapter), so that the list is
//! written once: a chapter added to the book is tested without another step.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let book = Path::new(&root).join("book/src");
    let summary_path = book.join("SUMMARY.md");
    println!("cargo::rerun-if-changed={}", summary_path.display());
    let summary = fs::read_to_string(&summary_path).expect("book/src/SUMMARY.md is readable");
    let mut modules = String::new();
    // The same scan as `summary_chapters` in xtask/src/markdown.rs, written here again so that
    // the package builds without the xtask folder, which `cargo package` leaves out.
    for file in summary
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
    {
        let name = file.trim_end_matches(".md").replace(['-', '/'], "_");
        let path = book.join(file);
        modules += &format!(
            "#[doc = include_str!({:?})]\npub mod {name} {{}}\n\n",
            path.display().to_string()
        );
    }
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("book.rs");
    fs::write(out, modules).expect("OUT_DIR is writable");
}
