//! The book cannot drift from the code: every chapter is in `SUMMARY.md` (which `build.rs` turns
//! into doc-test modules), every code block is labelled, every number a block says it prints is in
//! that block's code, every source region it includes exists, and the appendix's table is the
//! program below it.

mod common;
#[path = "../xtask/src/markdown.rs"]
mod markdown;

use std::collections::BTreeSet;
use std::fs;

use common::{read, root};
use markdown::{anchor, blocks, expand_includes};

/// The chapter file names inside `(...)` links of `SUMMARY.md`, such as `step1-packages.md`.
fn summary_chapters() -> BTreeSet<String> {
    markdown::summary_chapters(&read("book/src/SUMMARY.md"))
        .into_iter()
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
fn every_chapter_is_in_the_summary_and_so_doc_tested() {
    let summary = summary_chapters();
    let files = chapter_files();
    assert_eq!(
        summary, files,
        "every file in book/src must be a chapter of SUMMARY.md, which build.rs makes doc-tests of"
    );
    assert!(summary.len() >= 13, "{summary:?}");
}

#[test]
fn every_code_block_is_labelled_and_runs_unless_it_includes_source() {
    for name in chapter_files() {
        for (info, body) in blocks(&read(format!("book/src/{name}"))) {
            match info.as_str() {
                "rust" => assert!(
                    !body.contains("{{#"),
                    "{name}: an include in a block rustdoc would compile"
                ),
                "rust,ignore" => assert!(
                    body.trim().starts_with("{{#include ../../src/"),
                    "{name}: only source included from src/ may be ignored"
                ),
                "text" | "console" | "toml" | "python" => {}
                // A block that must not compile, with the error it must fail with.
                label if label.starts_with("rust,compile_fail,E") => {}
                other => panic!("{name}: a code block labelled {other:?}"),
            }
        }
    }
}

#[test]
fn every_number_shown_as_output_is_in_the_code_that_prints_it() {
    for name in chapter_files() {
        let mut last_rust: Option<String> = None;
        for (info, body) in blocks(&read(format!("book/src/{name}"))) {
            match info.as_str() {
                "rust" => last_rust = Some(body),
                "text" => {
                    let Some(code) = &last_rust else { continue };
                    let code = code.replace('_', "");
                    for number in numbers(&body) {
                        assert!(
                            code.contains(&number),
                            "{name}: the output shows {number}, but the code above it never \
                             checks it:\n{}",
                            body
                        );
                    }
                }
                _ => last_rust = None,
            }
        }
    }
}

#[test]
fn included_regions_exist() {
    for name in chapter_files() {
        let chapter = read(format!("book/src/{name}"));
        for include in chapter.split("{{#include ").skip(1) {
            let target = include.split("}}").next().expect("a closed include");
            let Some((path, name)) = target.split_once(':') else {
                assert!(root().join("book/src").join(target).exists(), "{target}");
                continue;
            };
            let source = fs::read_to_string(root().join("book/src").join(path))
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            assert!(
                anchor(&source, name).is_some(),
                "{path} has no region {name:?}"
            );
        }
    }
}

#[test]
fn the_appendix_table_is_the_program_below_it() {
    let appendix = expand_includes(&read("book/src/appendix.md"), &root().join("book/src"));
    let program = blocks(&appendix)
        .into_iter()
        .find(|(info, _)| info == "rust")
        .expect("the appendix has a Rust program")
        .1;
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

#[test]
fn no_code_line_is_wider_than_a_page() {
    // At 1,280 pixels, mdBook shows about 88 characters of a code block before it scrolls. Lines
    // rustdoc hides (`# ...`) are shown only on request, and the lines of a program's output wrap
    // (`book/theme/fit.css`).
    for name in chapter_files() {
        for (info, body) in blocks(&read(format!("book/src/{name}"))) {
            if info == "text" {
                continue;
            }
            for line in body.lines() {
                let hidden = info.starts_with("rust") && (line.starts_with("# ") || line == "#");
                let width = line.chars().count();
                assert!(
                    hidden || line.contains("{{#include") || width <= 88,
                    "{name}: a {info} line of {width} characters: {line}"
                );
            }
        }
    }
}
