//! The notebooks in `notebooks/` are generated from the book, never edited by hand: this test
//! builds each notebook's cells from the chapters and fails when a committed notebook's cells
//! (their kinds, ids and sources, not their outputs) differ from what the book gives today.
//!
//! After changing a chapter, regenerate the notebooks with
//! `UPDATE_NOTEBOOKS=1 cargo test --test notebooks`, then run them for real with
//! `scripts/run-notebooks --refresh` to record fresh outputs.
//!
//! What goes into a notebook: in the chapters a notebook is made of, every `rust` block followed,
//! before the next `rust` block, by a comment `<!-- notebook: ... -->`. The block becomes a code
//! cell and the comment's text the Markdown cell after it. In the code, the lines rustdoc hides
//! (`# ...`) are shown, since a notebook has no hidden lines, except assertions, the final
//! `Ok::<...>(())`, and lines that an earlier cell of the same notebook already ran, word for
//! word. The `text` block between a Rust block and its comment is what the cell must print:
//! `scripts/run-notebooks` checks it. The first code cell, with the `:dep` line, is the one
//! `book/src/notebooks.md` shows.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// One notebook: its file name without `.ipynb`, its title, and the chapters it is made of.
struct Notebook {
    stem: &'static str,
    title: &'static str,
    about: &'static str,
    chapters: &'static [&'static str],
}

const NOTEBOOKS: [Notebook; 3] = [
    Notebook {
        stem: "01-pickle-way",
        title: "The pickle way: steps 1 to 7",
        about: "Load the wine data, split it as scikit-learn does, fit a linear regression, \
                score it, save it with bincode, load it back and check that nothing changed.",
        chapters: &[
            "step1-packages.md",
            "step2-load.md",
            "step3-split.md",
            "step4-train.md",
            "step5-r2.md",
            "step6-save.md",
            "step7-load.md",
        ],
    },
    Notebook {
        stem: "02-joblib-way",
        title: "The joblib way: compressed model files",
        about: "The same model saved with zstd compression (`Format::Zstd`), and the kind of \
                data for which compression pays.",
        chapters: &["joblib.md"],
    },
    Notebook {
        stem: "03-going-further",
        title: "Going further: figures, a larger dataset, the file header",
        about: "The model's figures drawn inline, the same steps on 1,599 red wines, other \
                linfa models, and what a model file says about itself.",
        chapters: &["pictures.md", "going-further.md"],
    },
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: impl AsRef<Path>) -> String {
    let path = root().join(path);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A cell of a notebook, before it is written as JSON.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Markdown(String),
    Code {
        source: String,
        /// The chapter the code comes from.
        chapter: String,
        /// What the book says the code prints, if it shows it.
        prints: Option<String>,
    },
}

/// What a chapter holds for the notebooks, in order.
enum Piece {
    /// A heading: its level (1 for `#`) and its text.
    Heading(usize, String),
    /// A fenced block: its info string and its body.
    Block(String, String),
    /// The text of a `<!-- notebook: ... -->` comment.
    Note(String),
}

/// Splits a chapter into headings, fenced blocks and notebook comments.
fn pieces(chapter: &str) -> Vec<Piece> {
    let mut found = Vec::new();
    let mut lines = chapter.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let mut body = String::new();
            for inner in lines.by_ref() {
                if inner.starts_with("```") {
                    break;
                }
                body += inner;
                body += "\n";
            }
            found.push(Piece::Block(info.trim().to_string(), body));
        } else if let Some(rest) = line.strip_prefix("<!-- notebook:") {
            let mut text = rest.to_string();
            while !text.contains("-->") {
                let next = lines.next().expect("a notebook comment is closed with -->");
                text += "\n";
                text += next;
            }
            let text = text.split("-->").next().expect("the comment's text");
            let text: Vec<&str> = text.split_whitespace().collect();
            found.push(Piece::Note(text.join(" ")));
        } else if line.starts_with('#') {
            let level = line.chars().take_while(|&c| c == '#').count();
            found.push(Piece::Heading(level, line[level..].trim().to_string()));
        }
    }
    found
}

/// Whether a line hidden from the book (after its `# ` is removed) stays out of the notebook.
fn book_only(line: &str) -> bool {
    line.starts_with("assert") || line.starts_with("Ok::<")
}

/// The code cell for a book block: hidden lines shown, except those only the book needs and
/// those an earlier cell already ran (`ran`, updated here).
fn code_cell(block: &str, ran: &mut HashSet<String>) -> String {
    let mut lines = Vec::new();
    for line in block.lines() {
        let hidden = if line == "#" {
            Some("")
        } else {
            line.strip_prefix("# ")
        };
        match hidden {
            Some(code) if book_only(code.trim()) || ran.contains(code.trim()) => {}
            Some(code) => lines.push(code),
            None => lines.push(line),
        }
    }
    for line in &lines {
        if !line.trim().is_empty() {
            ran.insert(line.trim().to_string());
        }
    }
    // No blank line at either end, and none doubled where hidden lines were dropped.
    let mut source = String::new();
    for line in lines {
        if line.trim().is_empty() && (source.is_empty() || source.ends_with("\n\n")) {
            continue;
        }
        source += line;
        source += "\n";
    }
    source.trim_end().to_string()
}

/// The setup cell shown in `book/src/notebooks.md`, and the note after it.
fn setup() -> (String, String) {
    let chapter = read("book/src/notebooks.md");
    let mut pieces = pieces(&chapter).into_iter();
    let code = pieces
        .by_ref()
        .find_map(|p| match p {
            Piece::Block(_, body) if body.lines().any(|l| l.starts_with(":dep ")) => Some(body),
            _ => None,
        })
        .expect("notebooks.md shows the first cell, with its :dep line");
    let note = pieces
        .find_map(|p| match p {
            Piece::Note(text) => Some(text),
            _ => None,
        })
        .expect("notebooks.md has a notebook comment after the first cell");
    (code.trim_end().to_string(), note)
}

/// The cells of `notebook`, generated from the book.
fn cells(notebook: &Notebook) -> Vec<Cell> {
    let (setup_code, setup_note) = setup();
    let mut cells = vec![
        Cell::Markdown(format!(
            "# {}\n\n{}\n\nThe code comes from the book's chapters ({}), which `cargo test` \
             runs as doc-tests; this notebook is generated from them. Run the cells in order.",
            notebook.title,
            notebook.about,
            notebook
                .chapters
                .iter()
                .map(|c| format!("`book/src/{c}`"))
                .collect::<Vec<_>>()
                .join(", "),
        )),
        Cell::Code {
            source: setup_code,
            chapter: "notebooks.md".to_string(),
            prints: None,
        },
        Cell::Markdown(setup_note),
    ];
    let mut ran = HashSet::new();
    for chapter in notebook.chapters {
        let mut title = None;
        let mut section = None;
        let mut pending: Option<(String, Option<String>)> = None;
        let mut emitted_in_chapter = 0;
        let mut last_section = None;
        for piece in pieces(&read(format!("book/src/{chapter}"))) {
            match piece {
                Piece::Heading(1, text) => title = Some(text),
                Piece::Heading(2, text) => section = Some(text),
                Piece::Heading(..) => {}
                Piece::Block(info, body) if info == "rust" => pending = Some((body, None)),
                Piece::Block(info, body) if info == "text" => {
                    if let Some((_, prints)) = &mut pending {
                        prints.get_or_insert_with(String::new).push_str(&body);
                    }
                }
                Piece::Block(..) => {}
                Piece::Note(note) => {
                    let (body, prints) = pending
                        .take()
                        .unwrap_or_else(|| panic!("{chapter}: a notebook comment after no block"));
                    if emitted_in_chapter == 0 {
                        let title = title.clone().expect("a chapter starts with a title");
                        cells.push(Cell::Markdown(format!("## {title}")));
                    }
                    if section.is_some() && section != last_section {
                        let heading = section.clone().expect("a section");
                        cells.push(Cell::Markdown(format!("### {heading}")));
                        last_section = section.clone();
                    }
                    cells.push(Cell::Code {
                        source: code_cell(&body, &mut ran),
                        chapter: chapter.to_string(),
                        prints,
                    });
                    cells.push(Cell::Markdown(note));
                    emitted_in_chapter += 1;
                }
            }
        }
        assert!(
            emitted_in_chapter > 0,
            "{chapter}: no block is marked for the notebook"
        );
    }
    cells
}

/// A cell's source as Jupyter stores it: one string per line, each but the last ending in `\n`.
fn source_lines(source: &str) -> Value {
    let mut lines: Vec<String> = source.split_inclusive('\n').map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    json!(lines)
}

/// A cell's source from its JSON, whether a string or a list of lines.
fn source_text(cell: &Value) -> String {
    match &cell["source"] {
        Value::String(s) => s.clone(),
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
        other => panic!("a cell's source is {other}"),
    }
}

/// The notebook JSON for `cells`, keeping the outputs of `old`'s code cells whose source is
/// unchanged, and `old`'s notebook metadata (the kernel fills in its language).
fn notebook_json(stem: &str, cells: &[Cell], old: Option<&Value>) -> Value {
    let mut old_outputs: BTreeMap<String, Vec<(Value, Value)>> = BTreeMap::new();
    if let Some(old) = old {
        for cell in old["cells"].as_array().into_iter().flatten().rev() {
            if cell["cell_type"] == "code" {
                old_outputs
                    .entry(source_text(cell))
                    .or_default()
                    .push((cell["execution_count"].clone(), cell["outputs"].clone()));
            }
        }
    }
    let cells: Vec<Value> = cells
        .iter()
        .enumerate()
        .map(|(i, cell)| match cell {
            Cell::Markdown(text) => json!({
                "cell_type": "markdown",
                "id": format!("{stem}-{i:02}"),
                "metadata": {},
                "source": source_lines(text),
            }),
            Cell::Code {
                source,
                chapter,
                prints,
            } => {
                let (count, outputs) = old_outputs
                    .get_mut(source)
                    .and_then(Vec::pop)
                    .unwrap_or((Value::Null, json!([])));
                let mut book = json!({ "chapter": format!("book/src/{chapter}") });
                if let Some(prints) = prints {
                    book["prints"] = json!(prints);
                }
                json!({
                    "cell_type": "code",
                    "execution_count": count,
                    "id": format!("{stem}-{i:02}"),
                    "metadata": { "book": book },
                    "outputs": outputs,
                    "source": source_lines(source),
                })
            }
        })
        .collect();
    let metadata = old.map(|o| o["metadata"].clone()).unwrap_or_else(|| {
        json!({
            "kernelspec": { "display_name": "Rust", "language": "rust", "name": "rust" },
            "language_info": {
                "codemirror_mode": "rust",
                "file_extension": ".rs",
                "mimetype": "text/rust",
                "name": "Rust",
                "pygment_lexer": "rust",
                "version": ""
            }
        })
    });
    json!({ "cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5 })
}

/// JSON as Jupyter writes it: one space of indent, keys sorted, a final newline.
fn to_jupyter_json(value: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut serializer).expect("JSON serializes");
    String::from_utf8(out).expect("UTF-8 JSON") + "\n"
}

/// What the test compares: each cell's kind, id, source and book metadata, not its outputs.
fn comparable(notebook: &Value) -> Vec<(String, String, String, Value)> {
    notebook["cells"]
        .as_array()
        .expect("a notebook has cells")
        .iter()
        .map(|cell| {
            (
                cell["cell_type"].as_str().unwrap_or_default().to_string(),
                cell["id"].as_str().unwrap_or_default().to_string(),
                source_text(cell),
                cell["metadata"]["book"].clone(),
            )
        })
        .collect()
}

#[test]
fn notebooks_match_the_book() {
    let update = std::env::var_os("UPDATE_NOTEBOOKS").is_some_and(|v| !v.is_empty() && v != "0");
    let dir = root().join("notebooks");
    let mut stale = Vec::new();
    for notebook in &NOTEBOOKS {
        let path = dir.join(format!("{}.ipynb", notebook.stem));
        let old: Option<Value> = fs::read_to_string(&path)
            .ok()
            .map(|text| serde_json::from_str(&text).expect("a committed notebook is JSON"));
        let new = notebook_json(notebook.stem, &cells(notebook), old.as_ref());
        let same = old
            .as_ref()
            .is_some_and(|old| comparable(old) == comparable(&new));
        if update && !same {
            fs::create_dir_all(&dir).expect("create notebooks/");
            fs::write(&path, to_jupyter_json(&new)).expect("write the notebook");
        } else if !same {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "these notebooks differ from the book: {stale:?}; regenerate them with \
         `UPDATE_NOTEBOOKS=1 cargo test --test notebooks`, then `scripts/run-notebooks --refresh`"
    );

    // No notebook in the folder that the book does not generate.
    let expected: Vec<String> = NOTEBOOKS
        .iter()
        .map(|n| format!("{}.ipynb", n.stem))
        .collect();
    let mut found: Vec<String> = fs::read_dir(root().join("notebooks"))
        .expect("notebooks/ exists")
        .map(|entry| entry.expect("a directory entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".ipynb"))
        .collect();
    found.sort();
    assert_eq!(found, expected);
}

#[test]
fn the_first_cell_loads_this_crate_by_path_and_caches() {
    let (code, _) = setup();
    let manifest = read("Cargo.toml");
    let name = manifest
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("the package name");
    assert!(
        code.lines()
            .any(|l| l == format!(":dep {name} = {{ path = \"..\" }}")),
        "{code}"
    );
    assert!(code.lines().any(|l| l.starts_with(":cache ")), "{code}");
}

#[test]
fn hidden_lines_become_setup_unless_the_book_alone_needs_them() {
    let mut ran = HashSet::new();
    let first = code_cell(
        "use a::*;\n\n# let x = 1;\nlet y = x + 1;\n# assert_eq!(y, 2);\n# Ok::<(), E>(())\n",
        &mut ran,
    );
    assert_eq!(first, "use a::*;\n\nlet x = 1;\nlet y = x + 1;");
    let second = code_cell("use a::*;\n\n# let x = 1;\nprintln!(\"{x}\");\n", &mut ran);
    assert_eq!(second, "use a::*;\n\nprintln!(\"{x}\");");
}

#[test]
fn notebooks_are_written_as_jupyter_writes_them() {
    let value = json!({ "b": [], "a": { "d": 1, "c": "x\ny" } });
    assert_eq!(
        to_jupyter_json(&value),
        "{\n \"a\": {\n  \"c\": \"x\\ny\",\n  \"d\": 1\n },\n \"b\": []\n}\n"
    );
}
