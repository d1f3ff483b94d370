//! The book's figures in `book/src/figures/` are what `article::figures::book_figures` draws today;
//! `cargo xtask figures` rewrites them.

mod common;

use std::fs;

use common::{read, root};
use model_persistence::article::figures::book_figures;

#[test]
fn committed_figures_are_up_to_date() {
    let figures = book_figures().expect("the figures draw");
    let stale: Vec<String> = figures
        .iter()
        .map(|figure| format!("book/src/figures/{}.svg", figure.name))
        .zip(&figures)
        .filter(|(path, figure)| {
            fs::read_to_string(root().join(path)).ok() != Some(figure.svg.clone())
        })
        .map(|(path, _)| path)
        .collect();
    assert!(
        stale.is_empty(),
        "these figures differ from what the code draws: {stale:?}; rewrite them with \
         `cargo xtask figures` and look at them before committing"
    );
    // Drawing twice gives the same bytes: nothing in a figure depends on time or chance.
    assert_eq!(book_figures().expect("the figures draw again"), figures);
}

#[test]
fn every_figure_is_shown_in_the_book() {
    let mut book = String::new();
    for entry in fs::read_dir(root().join("book/src")).expect("book/src") {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            book += &read(format!("book/src/{name}"));
        }
    }
    for figure in book_figures().expect("the figures draw") {
        let link = format!("(figures/{}.svg)", figure.name);
        assert!(book.contains(&link), "no chapter shows {link}");
    }
}
