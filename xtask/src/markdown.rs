//! The one Markdown scanner of the workspace, for what the tools need from the book's chapters:
//! headings, fenced blocks and the prose between them, in order. The xtask and the
//! tests and `build.rs` (through `#[path]`) share this file; each uses a part of it.
#![allow(dead_code)]

/// What a chapter holds, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// A heading: its level (1 for `#`) and its text.
    Heading(usize, String),
    /// A fenced block: its info string (`rust`, `text`, ...) and its body, each line ending in
    /// a newline.
    Block(String, String),
    /// A run of prose lines (a paragraph, a list, a table, a quote) up to a blank line, as
    /// written.
    Text(String),
}

/// Splits a chapter into headings, fenced blocks and paragraphs of prose.
pub fn pieces(chapter: &str) -> Vec<Piece> {
    let mut found = Vec::new();
    let mut lines = chapter.lines();
    let mut prose = String::new();
    let flush = |prose: &mut String, found: &mut Vec<Piece>| {
        if !prose.trim().is_empty() {
            found.push(Piece::Text(prose.trim_end().to_string()));
        }
        prose.clear();
    };
    while let Some(line) = lines.next() {
        let fence = line.trim_start().starts_with("```");
        if fence || line.trim().is_empty() || line.starts_with('#') {
            flush(&mut prose, &mut found);
        }
        if let Some(info) = line.trim_start().strip_prefix("```") {
            let mut body = String::new();
            let mut closed = false;
            for inner in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    closed = true;
                    break;
                }
                body += inner;
                body += "\n";
            }
            assert!(closed, "a code block is not closed");
            found.push(Piece::Block(info.trim().to_string(), body));
        } else if line.starts_with('#') {
            let level = line.chars().take_while(|&c| c == '#').count();
            found.push(Piece::Heading(level, line[level..].trim().to_string()));
        } else if !line.trim().is_empty() {
            prose += line;
            prose += "\n";
        }
    }
    flush(&mut prose, &mut found);
    found
}

/// The fenced blocks of a chapter, in order: (info string, body).
pub fn blocks(chapter: &str) -> Vec<(String, String)> {
    pieces(chapter)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Block(info, body) => Some((info, body)),
            _ => None,
        })
        .collect()
}

/// The chapter files that `SUMMARY.md`'s `(...)` links name, such as `step1-packages.md`, in
/// order.
pub fn summary_chapters(summary: &str) -> Vec<&str> {
    summary
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .collect()
}

/// The region of `text` between the lines marked `ANCHOR: name` and `ANCHOR_END: name`, as
/// mdBook's `{{#include file:name}}` takes it (without the marker lines).
pub fn anchor(text: &str, name: &str) -> Option<String> {
    let marks = |line: &str, marker: &str| {
        line.split_once(marker)
            .is_some_and(|(_, rest)| rest.trim().trim_end_matches("-->").trim() == name)
    };
    let mut region: Option<String> = None;
    for line in text.lines() {
        if marks(line, "ANCHOR_END: ") {
            return region;
        }
        if let Some(region) = &mut region {
            *region += line;
            *region += "\n";
        }
        if marks(line, "ANCHOR: ") {
            region = Some(String::new());
        }
    }
    None
}

/// `chapter` with every `{{#include path}}` and `{{#include path:anchor}}` replaced by what it
/// names, as mdBook does; paths are relative to `dir`, the chapter's folder.
pub fn expand_includes(chapter: &str, dir: &std::path::Path) -> String {
    let mut out = String::new();
    let mut rest = chapter;
    while let Some(at) = rest.find("{{#include ") {
        out += &rest[..at];
        let after = &rest[at + "{{#include ".len()..];
        let end = after.find("}}").expect("an include is closed with }}");
        let target = after[..end].trim();
        let (file, name) = match target.split_once(':') {
            Some((file, name)) => (file, Some(name)),
            None => (target, None),
        };
        let path = dir.join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match name {
            Some(name) => {
                let region = anchor(&text, name);
                out += &region.unwrap_or_else(|| panic!("{}: no anchor {name}", path.display()));
            }
            None => out += &text,
        }
        rest = &after[end + 2..];
    }
    out + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_a_chapter() {
        let chapter = "# Title\n\ntext\n\n```rust\nlet x = 1;\n```\n\none\ntwo\n## Part\n";
        assert_eq!(
            pieces(chapter),
            [
                Piece::Heading(1, "Title".into()),
                Piece::Text("text".into()),
                Piece::Block("rust".into(), "let x = 1;\n".into()),
                Piece::Text("one\ntwo".into()),
                Piece::Heading(2, "Part".into()),
            ]
        );
    }

    #[test]
    fn anchors_in_markdown_and_in_code() {
        let readme = "a\n<!-- ANCHOR: steps -->\n| x |\n| y |\n<!-- ANCHOR_END: steps -->\nb\n";
        assert_eq!(anchor(readme, "steps").as_deref(), Some("| x |\n| y |\n"));
        let code = "// ANCHOR: f\nfn f() {}\n// ANCHOR_END: f\n";
        assert_eq!(anchor(code, "f").as_deref(), Some("fn f() {}\n"));
        assert_eq!(anchor(code, "g"), None);
    }
}
