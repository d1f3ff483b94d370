//! The book cannot drift from the code: every chapter is a doc-test module in `src/book.rs`, every
//! code block is labelled, every number a block says it prints is in that block's code, every
//! source region it includes exists, and the appendix's table is the program below it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: impl AsRef<Path>) -> String {
    let path = root().join(path);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The chapter file names inside `(...)` links of `SUMMARY.md`, such as `step1-packages.md`.
fn summary_chapters() -> BTreeSet<String> {
    read("book/src/SUMMARY.md")
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(str::to_string)
        .collect()
}

/// The chapters `src/book.rs` includes as doc-test modules.
fn doctested_chapters() -> BTreeSet<String> {
    read("src/book.rs")
        .split("include_str!(\"../book/src/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

/// Every Markdown file of `book/src/` but `SUMMARY.md`.
fn chapter_files() -> BTreeSet<String> {
    fs::read_dir(root().join("book/src"))
        .expect("book/src exists")
        .map(|entry| entry.expect("a directory entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md") && name != "SUMMARY.md")
        .collect()
}

/// A fenced block of a chapter: its info string and its lines.
struct Block {
    info: String,
    body: String,
}

/// The fenced code blocks of a chapter, in order.
fn blocks(chapter: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<Block> = None;
    for line in chapter.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, open.take()) {
            (Some(_), Some(block)) => found.push(block),
            (Some(info), None) => {
                open = Some(Block {
                    info: info.trim().to_string(),
                    body: String::new(),
                })
            }
            (None, Some(mut block)) => {
                block.body += line;
                block.body += "\n";
                open = Some(block);
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a code block is not closed");
    found
}

/// The numbers in `text`: runs of digits, with inner `.`, `_` or `,` kept and then dropped.
fn numbers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_ascii_digit() || (!current.is_empty() && matches!(c, '.' | ',' | '_')) {
            current.push(c);
        } else if !current.is_empty() {
            let trimmed = current.trim_end_matches(['.', ',', '_']);
            found.push(trimmed.replace([',', '_'], ""));
            current.clear();
        }
    }
    found
}

#[test]
fn every_chapter_is_in_the_summary_and_doc_tested() {
    let summary = summary_chapters();
    let tested = doctested_chapters();
    let files = chapter_files();
    assert_eq!(
        summary, tested,
        "SUMMARY.md and src/book.rs must list the same chapters"
    );
    assert_eq!(
        summary, files,
        "every file in book/src must be a chapter of SUMMARY.md"
    );
    assert!(summary.len() >= 13, "{summary:?}");
}

#[test]
fn every_code_block_is_labelled_and_runs_unless_it_includes_source() {
    for name in chapter_files() {
        for block in blocks(&read(format!("book/src/{name}"))) {
            match block.info.as_str() {
                "rust" => assert!(
                    !block.body.contains("{{#"),
                    "{name}: an include in a block rustdoc would compile"
                ),
                "rust,ignore" => assert!(
                    block.body.trim().starts_with("{{#include ../../src/"),
                    "{name}: only source included from src/ may be ignored"
                ),
                "text" | "console" | "toml" | "python" => {}
                other => panic!("{name}: a code block labelled {other:?}"),
            }
        }
    }
}

#[test]
fn every_number_shown_as_output_is_in_the_code_that_prints_it() {
    for name in chapter_files() {
        let mut last_rust: Option<String> = None;
        for block in blocks(&read(format!("book/src/{name}"))) {
            match block.info.as_str() {
                "rust" => last_rust = Some(block.body),
                "text" => {
                    let Some(code) = &last_rust else { continue };
                    let code = code.replace('_', "");
                    for number in numbers(&block.body) {
                        assert!(
                            code.contains(&number),
                            "{name}: the output shows {number}, but the code above it never \
                             checks it:\n{}",
                            block.body
                        );
                    }
                }
                _ => last_rust = None,
            }
        }
    }
}

#[test]
fn included_source_regions_exist() {
    for name in chapter_files() {
        let chapter = read(format!("book/src/{name}"));
        for include in chapter.split("{{#include ").skip(1) {
            let target = include.split("}}").next().expect("a closed include");
            let (path, anchor) = target.split_once(':').expect("an include names an anchor");
            let source = read(
                Path::new("book/src")
                    .join(path)
                    .to_string_lossy()
                    .replace("book/src/../../", ""),
            );
            // mdBook finds anchors on any line, as `// ANCHOR:` in code or `<!-- ANCHOR: -->`.
            for marker in [format!("ANCHOR: {anchor}"), format!("ANCHOR_END: {anchor}")] {
                let found = source.lines().any(|line| {
                    line.trim_start_matches(['/', '<', '!', '-', ' '])
                        .starts_with(&marker)
                });
                assert!(found, "{name}: {path} has no {marker:?}");
            }
        }
    }
}

#[test]
fn the_appendix_table_is_the_program_below_it() {
    let appendix = read("book/src/appendix.md");
    let program = blocks(&appendix)
        .into_iter()
        .find(|b| b.info == "rust")
        .expect("the appendix has a Rust program")
        .body;
    let rows: Vec<&str> = appendix
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| step"))
        .collect();
    assert!(rows.len() >= 10, "{rows:?}");
    for row in rows {
        let rust = row
            .trim_end_matches(" |")
            .rsplit(" | ")
            .next()
            .expect("a Rust column")
            .trim_matches('`');
        assert!(
            program.contains(rust),
            "appendix: `{rust}` is in the table but not in the program"
        );
    }
}

#[test]
fn number_extraction() {
    assert_eq!(
        numbers("R² 0.855, 1,599 rows (800_020 bytes)."),
        ["0.855", "1599", "800020"]
    );
}
