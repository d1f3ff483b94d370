//! The notebooks in `notebooks/` are generated from the book (by `xtask/src/notebooks.rs`, which
//! this test includes): a committed notebook whose cells differ from what the book gives today
//! fails here. `cargo xtask notebooks` mends it, then `cargo xtask notebook-outputs` records
//! fresh outputs.

mod common;
#[path = "../xtask/src/markdown.rs"]
mod markdown;
#[path = "../xtask/src/notebooks.rs"]
#[allow(dead_code)]
mod notebooks;

use std::collections::HashSet;
use std::fs;

use common::{read, root};
use notebooks::{NOTEBOOKS, check, code_cell, generate, setup, to_jupyter_json};
use serde_json::json;

#[test]
fn notebooks_match_the_book() {
    let stale: Vec<String> = generate(&root())
        .into_iter()
        .filter(|(_, _, same)| !same)
        .map(|(notebook, _, _)| format!("notebooks/{}.ipynb", notebook.stem))
        .collect();
    assert!(
        stale.is_empty(),
        "these notebooks differ from the book: {stale:?}; regenerate them with \
         `cargo xtask notebooks`, then record their outputs with `cargo xtask notebook-outputs`"
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
fn the_first_cell_loads_this_crate_by_path_with_the_steps_alone() {
    let (code, _) = setup(&root());
    let manifest = read("Cargo.toml");
    let name = manifest
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("the package name");
    let dep = format!(
        ":dep {name} = {{ path = \"..\", default-features = false, features = [\"tutorial\"] }}"
    );
    assert!(code.lines().any(|l| l == dep), "{code}");
    assert!(code.lines().any(|l| l.starts_with(":cache ")), "{code}");
}

#[test]
fn every_notebook_has_run_and_printed_what_the_book_says() {
    for notebook in &NOTEBOOKS {
        let path = format!("notebooks/{}.ipynb", notebook.stem);
        let committed: serde_json::Value = serde_json::from_str(&read(&path)).expect("JSON");
        let problems = check(&path, &committed);
        assert!(
            problems.is_empty(),
            "{}\nrecord the notebooks' outputs with `cargo xtask notebook-outputs`",
            problems.join("\n")
        );
    }
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
