//! The book's figures in `book/src/figures/` are what `plot::book_figures` draws today.
//!
//! After changing a plot or the data, rewrite them with
//! `UPDATE_FIGURES=1 cargo test --test figures` and look at them before committing.

use std::fs;
use std::path::PathBuf;

use model_persistence::plot::book_figures;

#[test]
fn committed_figures_are_up_to_date() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src/figures");
    let update = std::env::var_os("UPDATE_FIGURES").is_some_and(|v| !v.is_empty() && v != "0");
    let figures = book_figures().expect("the figures draw");
    let mut stale = Vec::new();
    for figure in &figures {
        let path = dir.join(format!("{}.svg", figure.name));
        if update {
            fs::create_dir_all(&dir).expect("create book/src/figures");
            fs::write(&path, &figure.svg).expect("write the figure");
        } else if fs::read_to_string(&path).ok().as_deref() != Some(figure.svg.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "these figures differ from what the code draws: {stale:?}; \
         rewrite them with `UPDATE_FIGURES=1 cargo test --test figures`"
    );
    // Drawing twice gives the same bytes: nothing in a figure depends on time or chance.
    assert_eq!(book_figures().expect("the figures draw again"), figures);
}

#[test]
fn every_figure_is_shown_in_the_book() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let mut book = String::new();
    for entry in fs::read_dir(&root).expect("book/src") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            book += &fs::read_to_string(&path).expect("a chapter");
        }
    }
    for figure in book_figures().expect("the figures draw") {
        let link = format!("(figures/{}.svg)", figure.name);
        assert!(book.contains(&link), "no chapter shows {link}");
    }
}
