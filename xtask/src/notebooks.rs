//! The notebooks in `notebooks/` are generated from the book: this module builds each notebook's
//! cells from the chapters. `cargo xtask notebooks` writes them; `tests/notebooks.rs` (which
//! includes this file) fails when a committed notebook's cells differ from what the book gives.
//!
//! What goes into a notebook: the chapters it is made of, in order. Every `rust` block becomes a
//! code cell, and the prose, the headings and every other block between them Markdown cells, so
//! a notebook carries its chapters' explanations. In the code, the lines rustdoc hides (`# ...`)
//! are shown, since a notebook has no hidden lines, except assertions, the final
//! `Ok::<...>(())`, and lines that an earlier cell of the same notebook already ran, word for
//! word. The `text` block after a Rust block is what the cell must print, stored in the cell's
//! metadata (`book.prints`) for the run's check rather than shown, and the "It prints:" before it
//! is left out. Links to other chapters point into `book/src/`. The first code cell, with the
//! `:dep` line, is the one `book/src/notebooks.md` shows, and the paragraph after it there the
//! note after it here.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::markdown::{Piece, expand_includes, pieces};

/// The language of a notebook's code cells: Rust, through the evcxr kernel, or Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// evcxr's `rust` kernel: the chapters' `rust` blocks become the code cells.
    Rust,
    /// ipykernel, in the venv of `scripts/python-venv check`: the `python` blocks do.
    Python,
}

impl Kernel {
    /// The kernel's name, as `jupyter kernelspec list` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Rust => "rust",
            Kernel::Python => "model-persistence-python",
        }
    }

    /// The info string of the chapters' blocks that become code cells.
    fn block(self) -> &'static str {
        match self {
            Kernel::Rust => "rust",
            Kernel::Python => "python",
        }
    }
}

/// One notebook: its file name without `.ipynb`, its title, the chapters it is made of, the
/// crate's features its first cell turns on in place of the book's (`tutorial`), and its kernel.
pub struct Notebook {
    /// The file name without `.ipynb`.
    pub stem: &'static str,
    title: &'static str,
    about: &'static str,
    chapters: &'static [&'static str],
    features: &'static [&'static str],
    /// The language of its code cells.
    pub kernel: Kernel,
}

/// Every notebook, in order.
pub const NOTEBOOKS: [Notebook; 5] = [
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
        features: &[],
        kernel: Kernel::Rust,
    },
    Notebook {
        stem: "02-joblib-way",
        title: "The joblib way: compressed model files",
        about: "The same model saved with zstd compression (`Codec::BincodeZstd`), and the kind of \
                data for which compression pays.",
        chapters: &["joblib.md"],
        features: &[],
        kernel: Kernel::Rust,
    },
    Notebook {
        stem: "03-going-further",
        title: "Going further: figures, a larger dataset, the file header",
        about: "The model's figures drawn inline, the same steps on 1,599 red wines, other \
                linfa models, and what a model file says about itself.",
        chapters: &["pictures.md", "going-further.md", "large-arrays.md"],
        features: &[],
        kernel: Kernel::Rust,
    },
    Notebook {
        stem: "04-from-python",
        title: "From Python and back: pickle, joblib, skops, ONNX, safetensors",
        about: "The files the article's Python code writes, opened without running them: their \
                R², their opcodes, the globals they name, a hostile pickle refused by name; \
                then the model handed back to Python as skops, ONNX and safetensors.",
        chapters: &[
            "from-python.md",
            "inside-a-pickle.md",
            "hostile-pickle.md",
            "to-python.md",
        ],
        features: &["python"],
        kernel: Kernel::Rust,
    },
    Notebook {
        stem: "05-to-python-in-python",
        title: "To Python, on the Python side",
        about: "The model our command line wrote as skops, ONNX and safetensors files, loaded \
                in Python by skops and scikit-learn, onnxruntime and safetensors.",
        chapters: &["to-python.md"],
        features: &[],
        kernel: Kernel::Python,
    },
];

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

fn read(root: &Path, path: &str) -> String {
    let path = root.join(path);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether a line hidden from the book (after its `# ` is removed) stays out of the notebook.
fn book_only(line: &str) -> bool {
    line.starts_with("assert") || line.starts_with("Ok::<")
}

/// The code cell for a book block: hidden lines shown, except those only the book needs and
/// those an earlier cell already ran (`ran`, updated here).
pub fn code_cell(block: &str, ran: &mut HashSet<String>) -> String {
    let mut lines = Vec::new();
    for line in block.lines() {
        let hidden = if line == "#" {
            Some("")
        } else {
            line.strip_prefix("# ")
        };
        match hidden {
            Some(code) if book_only(code.trim()) || ran.contains(without_comment(code)) => {}
            Some(code) => lines.push(code),
            None => lines.push(line),
        }
    }
    for line in &lines {
        if !line.trim().is_empty() {
            ran.insert(without_comment(line).to_string());
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

/// A line of code, trimmed, without a `//` comment at its end: what makes two lines the same.
fn without_comment(line: &str) -> &str {
    let code = match line.find(" //") {
        Some(at) if !line[..at].contains('"') => &line[..at],
        _ => line,
    };
    code.trim()
}

/// The setup cell of the Rust notebooks shown in `book/src/notebooks.md`, and the paragraph
/// after it (what `tests/notebooks.rs` checks).
#[allow(dead_code)]
pub fn setup(root: &Path) -> (String, String) {
    setup_of(root, Kernel::Rust)
}

/// The setup cell of a notebook of `kernel` in `book/src/notebooks.md`: the block with the
/// `:dep` line for Rust, the `python` block for Python; and the paragraph after it.
fn setup_of(root: &Path, kernel: Kernel) -> (String, String) {
    let chapter = read(root, "book/src/notebooks.md");
    let mut pieces = pieces(&chapter).into_iter();
    let code = pieces
        .by_ref()
        .find_map(|p| match p {
            Piece::Block(info, body) if kernel == Kernel::Python && info == "python" => Some(body),
            Piece::Block(_, body)
                if kernel == Kernel::Rust && body.lines().any(|l| l.starts_with(":dep ")) =>
            {
                Some(body)
            }
            _ => None,
        })
        .expect("notebooks.md shows each kind of notebook's first cell");
    let note = pieces
        .find_map(|p| match p {
            Piece::Text(text) => Some(text),
            _ => None,
        })
        .expect("notebooks.md has a paragraph after the first cell");
    (code.trim_end().to_string(), note)
}

/// The first cell's code for `notebook`: the book's, with the notebook's features on the `:dep`
/// line.
fn setup_code(code: &str, notebook: &Notebook) -> String {
    if notebook.features.is_empty() {
        return code.to_string();
    }
    let features: Vec<String> = notebook.features.iter().map(|f| format!("{f:?}")).collect();
    let with = format!(", features = [{}] }}", features.join(", "));
    code.lines()
        .map(|line| {
            // The book's line names the features of the article's steps; a notebook that needs
            // others names its own in their place.
            match line.strip_prefix(":dep ").and_then(|l| {
                l.split_once(", features = [")
                    .map(|(dep, _)| dep)
                    .or_else(|| l.strip_suffix(" }"))
            }) {
                Some(dep) => format!(":dep {dep}{with}"),
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first code cell of `notebook`, as the generator writes it.
pub fn first_cell(root: &Path, notebook: &Notebook) -> String {
    setup_code(&setup_of(root, notebook.kernel).0, notebook)
}

impl Notebook {
    /// The features its first cell adds to the `:dep` line, as written there.
    pub fn features_line(&self) -> String {
        let features: Vec<String> = self.features.iter().map(|f| format!("`{f}`")).collect();
        features.join(", ")
    }
}

/// The cells of `notebook`, generated from the book.
fn cells(root: &Path, notebook: &Notebook) -> Vec<Cell> {
    let (setup_code, setup_note) = setup_of(root, notebook.kernel);
    let setup_code = self::setup_code(&setup_code, notebook);
    let how = match notebook.kernel {
        Kernel::Rust => {
            "**To run it** you need Jupyter and the Rust kernel, evcxr: `pip install \
             jupyterlab`, then `cargo install --locked evcxr_jupyter@0.22.0` (5 to 11 minutes) \
             and `evcxr_jupyter --install`. Start `jupyter lab` in the repository, open this \
             notebook from `notebooks/`, pick the kernel named **Rust** (Kernel, Change Kernel) \
             and run the cells in order."
        }
        Kernel::Python => {
            "**To run it** you need Jupyter and a Python with the packages of \
             `scripts/requirements-python-check.txt`: `scripts/python-venv check` makes such a \
             venv and prints its python, and `PYTHON -m ipykernel install --user --name \
             model-persistence-python` (with that python) makes it a kernel. Start `jupyter \
             lab` in the repository, open this notebook from `notebooks/`, pick that kernel \
             (Kernel, Change Kernel) and run the cells in order; the first one runs our command \
             line, so it needs the Rust toolchain too."
        }
    };
    let mut cells = vec![
        Cell::Markdown(format!(
            "# {}\n\n{}\n\n{how}\n\nThe text and the code come from the book's chapters \
             ({}), which `cargo test` and `scripts/python-check` run; this notebook is \
             generated from them.",
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
        cells.extend(chapter_cells(root, chapter, notebook.kernel, &mut ran));
    }
    cells
}

/// The cells one chapter gives: its prose and headings as Markdown cells, its Rust blocks as
/// code cells, each with what the book says it prints.
fn chapter_cells(
    root: &Path,
    chapter: &str,
    kernel: Kernel,
    ran: &mut HashSet<String>,
) -> Vec<Cell> {
    let text = expand_includes(
        &read(root, &format!("book/src/{chapter}")),
        &root.join("book/src"),
    );
    let mut cells = Vec::new();
    let mut markdown: Vec<String> = Vec::new();
    // The code cell that a `text` block after it belongs to, until a heading or another block.
    let mut last_code: Option<usize> = None;
    let flush = |markdown: &mut Vec<String>, cells: &mut Vec<Cell>| {
        if !markdown.is_empty() {
            cells.push(Cell::Markdown(markdown.join("\n\n")));
            markdown.clear();
        }
    };
    for piece in pieces(&text) {
        match piece {
            Piece::Heading(level, heading) => {
                markdown.push(format!("{} {heading}", "#".repeat(level + 1)));
                last_code = None;
            }
            Piece::Text(prose) => markdown.push(notebook_links(&prose)),
            Piece::Block(info, body) if info == kernel.block() => {
                flush(&mut markdown, &mut cells);
                // Python has no hidden lines: a `#` starts a comment.
                let source = match kernel {
                    Kernel::Rust => code_cell(&body, ran),
                    Kernel::Python => body.trim_end().to_string(),
                };
                cells.push(Cell::Code {
                    source,
                    chapter: chapter.to_string(),
                    prints: None,
                });
                last_code = Some(cells.len() - 1);
            }
            Piece::Block(info, body) if info == "text" && last_code.is_some() => {
                // "It prints:" introduces the output the cell shows by itself.
                if markdown
                    .last()
                    .is_some_and(|p| p.trim_end().ends_with("prints:"))
                {
                    markdown.pop();
                }
                if let Some(Cell::Code { prints, .. }) = last_code.and_then(|i| cells.get_mut(i)) {
                    prints.get_or_insert_with(String::new).push_str(&body);
                }
            }
            Piece::Block(info, body) => {
                markdown.push(format!("```{info}\n{body}```"));
                last_code = None;
            }
        }
    }
    flush(&mut markdown, &mut cells);
    assert!(
        cells.iter().any(|c| matches!(c, Cell::Code { .. })),
        "{chapter}: no {} block for the notebook",
        kernel.block()
    );
    cells
}

/// Prose with its links to other chapters and figures pointing into `book/src/`, where a
/// notebook in `notebooks/` finds them.
fn notebook_links(prose: &str) -> String {
    let mut out = String::new();
    let mut rest = prose;
    while let Some(at) = rest.find("](") {
        out += &rest[..at + 2];
        rest = &rest[at + 2..];
        let external = rest.starts_with("http") || rest.starts_with('#');
        if !external {
            out += "../book/src/";
        }
    }
    out + rest
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
pub fn source_text(cell: &Value) -> String {
    text_of(&cell["source"]).unwrap_or_else(|| panic!("a cell's source is {}", cell["source"]))
}

/// The notebook JSON for `cells`, keeping the outputs of `old`'s code cells whose source is
/// unchanged, and `old`'s notebook metadata (the kernel fills in its language).
fn notebook_json(notebook: &Notebook, cells: &[Cell], old: Option<&Value>) -> Value {
    let stem = notebook.stem;
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
    let metadata = old
        .map(|o| o["metadata"].clone())
        .unwrap_or_else(|| match notebook.kernel {
            Kernel::Python => json!({
                "kernelspec": {
                    "display_name": "Python (model-persistence)",
                    "language": "python",
                    "name": Kernel::Python.name()
                },
                "language_info": { "name": "python" }
            }),
            Kernel::Rust => json!({
                "kernelspec": { "display_name": "Rust", "language": "rust", "name": "rust" },
                "language_info": {
                    "codemirror_mode": "rust",
                    "file_extension": ".rs",
                    "mimetype": "text/rust",
                    "name": "Rust",
                    "pygment_lexer": "rust",
                    "version": ""
                }
            }),
        });
    json!({ "cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5 })
}

/// JSON as Jupyter writes it: one space of indent, keys sorted, a final newline.
pub fn to_jupyter_json(value: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut serializer).expect("JSON serializes");
    String::from_utf8(out).expect("UTF-8 JSON") + "\n"
}

/// What decides whether a notebook is up to date: each cell's kind, id, source and book
/// metadata, not its outputs.
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

/// Each notebook as the book gives it today, beside the committed one (if any) and whether the
/// two have the same cells.
pub fn generate(root: &Path) -> Vec<(&'static Notebook, Value, bool)> {
    NOTEBOOKS
        .iter()
        .map(|notebook| {
            let path = root.join(format!("notebooks/{}.ipynb", notebook.stem));
            let old: Option<Value> = fs::read_to_string(&path)
                .ok()
                .map(|text| serde_json::from_str(&text).expect("a committed notebook is JSON"));
            let new = notebook_json(notebook, &cells(root, notebook), old.as_ref());
            let same = old.is_some_and(|old| comparable(&old) == comparable(&new));
            (notebook, new, same)
        })
        .collect()
}

/// Writes the notebooks whose cells differ from what the book gives; returns their names.
pub fn write(root: &Path) -> Vec<String> {
    let mut written = Vec::new();
    for (notebook, value, same) in generate(root) {
        if !same {
            let path = root.join(format!("notebooks/{}.ipynb", notebook.stem));
            fs::create_dir_all(root.join("notebooks")).expect("create notebooks/");
            fs::write(&path, to_jupyter_json(&value)).expect("write the notebook");
            written.push(path.display().to_string());
        }
    }
    written
}

/// What is wrong with the cells of a notebook that ran: a cell that failed or did not run, one
/// that printed something else than the book says it prints (the `book.prints` metadata), a
/// figure cell without an SVG image.
pub fn check(name: &str, notebook: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let cells = notebook["cells"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, cell) in cells.iter().enumerate() {
        if cell["cell_type"] != "code" {
            continue;
        }
        let source = source_text(cell);
        let first = source.trim().lines().next().unwrap_or_default();
        let chapter = cell["metadata"]["book"]["chapter"].as_str().unwrap_or("?");
        let at = format!("{name}, cell {index} ({chapter}: {first})");
        let outputs = cell["outputs"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut stdout = String::new();
        for output in outputs {
            if output["output_type"] == "stream" && output["name"] == "stdout" {
                stdout += &text_of(&output["text"]).unwrap_or_default();
            }
            if output["output_type"] == "error" {
                let (ename, evalue) = (&output["ename"], &output["evalue"]);
                problems.push(format!("{at}: {ename}: {evalue}"));
            }
        }
        let expected = cell["metadata"]["book"]["prints"].as_str();
        if let Some(expected) = expected.filter(|e| e.trim_end() != stdout.trim_end()) {
            problems.push(format!(
                "{at}: printed\n{stdout}but the book says it prints\n{expected}"
            ));
        }
        let shows_svg = outputs
            .iter()
            .any(|o| o["data"].get("image/svg+xml").is_some());
        if source.contains(".evcxr_display()") && !shows_svg {
            problems.push(format!("{at}: shows no SVG figure"));
        }
        if cell["execution_count"].is_null() {
            problems.push(format!("{at}: did not run"));
        }
    }
    problems
}

/// A Jupyter text field (a cell's source, an output's text), a string or a list of lines, joined;
/// `None` when it is neither.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(lines) => Some(lines.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_cell_that_prints_something_else_is_reported() {
        let cell = |text: &str| {
            json!({"cell_type": "code", "execution_count": 1, "source": "println!(\"x\");",
                   "metadata": {"book": {"chapter": "c.md", "prints": "x\n"}},
                   "outputs": [{"output_type": "stream", "name": "stdout", "text": [text]}]})
        };
        assert!(check("n", &json!({"cells": [cell("x\n")]})).is_empty());
        assert_eq!(check("n", &json!({"cells": [cell("y\n")]})).len(), 1);
    }
}
