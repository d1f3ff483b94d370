//! The "How fast" chapter quotes the committed benchmark results: every number in its prose must
//! be in `benches/results/results.md`, which `cargo xtask bench` writes (after a full run of
//! `cargo bench --bench speed`).

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
fn every_figure_in_the_chapter_is_in_the_results() {
    let chapter = read("book/src/speed.md");
    let results = read("benches/results/results.md");
    let quoted = figures(&chapter);
    assert!(quoted.len() >= 15, "{quoted:?}");
    for figure in quoted {
        assert!(
            results.contains(&figure),
            "speed.md quotes {figure}, which results.md lacks: quote the figures of the last \
             run (`cargo xtask bench` writes results.md)"
        );
    }
}

#[test]
fn the_chapter_shows_the_tables_and_the_chart() {
    let chapter = read("book/src/speed.md");
    assert!(chapter.contains("{{#include ../../benches/results/results.md:tables}}"));
    assert!(chapter.contains("(figures/speed.svg)"));
    let results = read("benches/results/results.md");
    assert!(results.contains("ANCHOR: tables") && results.contains("ANCHOR_END: tables"));
    assert!(read("book/src/figures/speed.svg").starts_with("<svg"));
    // Every target has a row, measured in the same run.
    for target in ["≥ 20", "≥ 100", "≤ 1.5", "≥ 10", "≤ 1.3"] {
        assert!(
            results.contains(target),
            "results.md has no target {target}"
        );
    }
}
