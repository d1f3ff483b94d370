//! The chapters "How fast" and "How the speed is measured" quote the committed benchmark
//! results: every number in their prose must be in `benches/results/results.md`, which
//! `cargo xtask bench` writes (after a full run of `cargo bench --bench speed`).

mod common;

use common::read;

/// The numbers in `text` with a decimal point or a unit of time after them: figures, not counts.
fn figures(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let number = word
            .trim_matches(|c: char| !c.is_ascii_digit() && c != '.')
            .trim_end_matches('.');
        let unit = words
            .get(i + 1)
            .is_some_and(|w| ["ns", "µs", "ms"].iter().any(|u| w.starts_with(u)));
        let digits = number.chars().all(|c| c.is_ascii_digit() || c == '.');
        if !number.is_empty() && digits && (number.contains('.') || unit) {
            out.push(if unit {
                format!("{number} {}", &words[i + 1][..2])
            } else {
                number.to_string()
            });
        }
    }
    out
}

#[test]
fn every_figure_in_the_chapters_is_in_the_results() {
    let results = read("benches/results/results.md");
    for (chapter, at_least) in [("speed.md", 8), ("speed-method.md", 30)] {
        let quoted = figures(&read(format!("book/src/{chapter}")));
        assert!(quoted.len() >= at_least, "{chapter}: {quoted:?}");
        for figure in quoted {
            assert!(
                results.contains(&figure),
                "{chapter} quotes {figure}, which results.md lacks: quote the figures of the \
                 last run (`cargo xtask bench` writes results.md)"
            );
        }
    }
}

#[test]
fn the_chapters_show_the_tables_and_the_chart() {
    let short = read("book/src/speed.md");
    assert!(short.contains("{{#include ../../benches/results/results.md:short}}"));
    assert!(short.contains("(figures/speed.svg)"));
    let chapter = read("book/src/speed-method.md");
    assert!(chapter.contains("{{#include ../../benches/results/results.md:tables}}"));
    let results = read("benches/results/results.md");
    assert!(results.contains("ANCHOR: tables") && results.contains("ANCHOR_END: tables"));
    assert!(results.contains("ANCHOR: short") && results.contains("ANCHOR_END: short"));
    assert!(read("book/src/figures/speed.svg").starts_with("<svg"));
    // Every target has a row, measured in the same run.
    for target in ["≥ 100", "≥ 10", "≥ 2", "≥ 0.8", "≤ 1.3"] {
        assert!(
            results.contains(target),
            "results.md has no target {target}"
        );
    }
}
