//! skops files: a zip with `schema.json` and one `.npy` member per numeric array.
//!
//! `skops.io.dump` writes the object as a tree of nodes in `schema.json`. Each node names its
//! type (`__module__`, `__class__`) and the loader that rebuilds it (`__loader__`): an
//! `ObjectNode` for the estimator, whose `content` is a `DictNode` of its attributes; `JsonNode`s
//! for numbers, strings, bools and None (the value as JSON text in `content`); `NdArrayNode`s for
//! arrays and numpy scalars, either `"type": "numpy"` with the `.npy` member in `file`, or
//! `"type": "json"` for object arrays (items in `content`, a `TupleNode` in `shape`). The top
//! node also holds `protocol` and `_skops_version` (skops' `_persist.py`, `_general.py`,
//! `_numpy.py`).
//!
//! Like skops' own `audit_tree`, every node of the tree is checked against the allowlist before
//! anything is built, and the first type off it is named. All members together are read through
//! one limit.

pub(crate) mod write;

use std::io::{Cursor, Read};

use serde_json::{Map, Value as Json};

use super::Limits;
use super::error::SklearnProblem;
use super::estimator::{self, Attr, Container, Estimator, PythonModel};
use super::npy::{Dtype, NdArray, parse_npy};

/// The newest skops protocol this reader knows (skops 0.10 and later write 2).
const MAX_PROTOCOL: i64 = 2;
/// The name of the schema member.
const SCHEMA: &str = "schema.json";

/// Types a loader may name besides the estimators: `(loader, module, class)`.
const ALLOWED: &[(&str, &str, &[&str])] = &[
    ("DictNode", "builtins", &["dict"]),
    ("ListNode", "builtins", &["list"]),
    ("TupleNode", "builtins", &["tuple"]),
    (
        "JsonNode",
        "builtins",
        &[
            "str", "int", "float", "bool", "NoneType", "list", "dict", "tuple",
        ],
    ),
    (
        "TypeNode",
        "builtins",
        &[
            "str", "int", "float", "bool", "NoneType", "list", "dict", "tuple",
        ],
    ),
    (
        "NdArrayNode",
        "numpy",
        &["ndarray", "float64", "float32", "int64", "int32", "bool_"],
    ),
    ("DTypeNode", "numpy", &["dtype"]),
];

/// Reads the linear model in a skops file; all members together may inflate to the limit.
pub(crate) fn read(bytes: &[u8], limits: Limits) -> Result<PythonModel, SklearnProblem> {
    let limit = limits.max_bytes;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
    refuse_duplicates(bytes)?;
    let mut budget = limit;
    let text = member(&mut zip, SCHEMA, &mut budget, limit)?;
    refuse_costly(&text, limits)?;
    let schema: Json = serde_json::from_slice(&text)?;
    drop(text);
    let Json::Object(root) = &schema else {
        return Err(SklearnProblem::BadSchema {
            reason: "it is not a JSON object",
        });
    };
    let protocol = match root.get("protocol").and_then(Json::as_i64) {
        Some(p) if (0..=MAX_PROTOCOL).contains(&p) => p,
        Some(p) => return Err(SklearnProblem::SkopsProtocol { found: p }),
        None => {
            return Err(SklearnProblem::BadSchema {
                reason: "it has no integer protocol",
            });
        }
    };
    let version = root
        .get("_skops_version")
        .and_then(Json::as_str)
        .map(String::from);
    audit(&schema)?;

    // A RANSACRegressor predicts with its fitted estimator_: read that node instead.
    let (top, wrapper) = match names(root)? {
        (module, class, "ObjectNode") if estimator::is_wrapper(module, class) => {
            let inner = root
                .get("content")
                .and_then(|content| child(content, "content"))
                .and_then(|state| child(state, "estimator_"))
                .and_then(Json::as_object)
                .ok_or(SklearnProblem::WrongType {
                    attribute: "estimator_",
                    expected: "a fitted linear regressor",
                })?;
            (inner, Some(class.to_string()))
        }
        _ => (root, None),
    };
    let (estimator, module) = match estimator_of(top)? {
        Some(found) => found,
        None => {
            return Err(SklearnProblem::NotAnEstimator {
                found: "another object",
                inside: None,
            });
        }
    };
    let attrs = match top.get("content") {
        Some(content) => {
            let items = child(content, "content").and_then(Json::as_object).ok_or(
                SklearnProblem::BadSchema {
                    reason: "the estimator's state is not a dict",
                },
            )?;
            let mut attrs = Vec::with_capacity(items.len());
            for (key, node) in items {
                attrs.push((key.clone(), attr(node, &mut zip, &mut budget, limit)?));
            }
            attrs
        }
        None => Vec::new(),
    };
    let mut model = estimator::build(
        estimator,
        module,
        attrs,
        Container::Skops { protocol, version },
    )?;
    model.wrapper = wrapper;
    Ok(model)
}

/// Refuses a zip in which two members have one name: which of them a reader takes is up to
/// the reader (Python's `zipfile` and the zip crate take the last), so a hostile member could
/// hide behind a harmless one. The zip crate keeps one entry a name, so the names are counted
/// here, from the central directory itself.
fn refuse_duplicates(bytes: &[u8]) -> Result<(), SklearnProblem> {
    let bad = || {
        SklearnProblem::Zip(zip::result::ZipError::InvalidArchive(
            "bad central directory".into(),
        ))
    };
    let (start, count) = central_directory(bytes).ok_or_else(bad)?;
    let mut seen = std::collections::HashSet::new();
    let mut at = start;
    for _ in 0..count {
        let header = bytes
            .get(at..at.checked_add(46).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        if &header[..4] != b"PK\x01\x02" {
            return Err(bad());
        }
        let field =
            |offset: usize| usize::from(u16::from_le_bytes([header[offset], header[offset + 1]]));
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let name = bytes.get(at + 46..at + 46 + name_len).ok_or_else(bad)?;
        if !seen.insert(name) {
            let name = String::from_utf8_lossy(name).into_owned();
            return Err(SklearnProblem::DuplicateMember { name });
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(())
}

/// Where the central directory of a zip starts and how many entries it has, from the end of
/// central directory record (and its zip64 form when the plain one is saturated).
fn central_directory(bytes: &[u8]) -> Option<(usize, u64)> {
    // The record is 22 bytes plus a comment of up to 65,535 bytes, at the very end.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[from..];
    let eocd = from + tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let record = bytes.get(eocd..eocd + 22)?;
    let u16_at = |o: usize| u16::from_le_bytes([record[o], record[o + 1]]);
    let u32_at =
        |o: usize| u32::from_le_bytes([record[o], record[o + 1], record[o + 2], record[o + 3]]);
    let (count, offset) = (u16_at(10), u32_at(16));
    if count != u16::MAX && offset != u32::MAX {
        return Some((usize::try_from(offset).ok()?, u64::from(count)));
    }
    // zip64: a locator just before the record points at the zip64 record.
    let locator = bytes.get(eocd.checked_sub(20)?..eocd)?;
    if &locator[..4] != b"PK\x06\x07" {
        return None;
    }
    let at = usize::try_from(u64::from_le_bytes(locator[8..16].try_into().ok()?)).ok()?;
    let record = bytes.get(at..at.checked_add(56)?)?;
    if &record[..4] != b"PK\x06\x06" {
        return None;
    }
    let count = u64::from_le_bytes(record[32..40].try_into().ok()?);
    let offset = u64::from_le_bytes(record[48..56].try_into().ok()?);
    Some((usize::try_from(offset).ok()?, count))
}

/// Memory a parsed JSON value takes beyond its text, about: the value, and its entry in the
/// array or map that holds it.
const JSON_VALUE_BYTES: usize = 80;

/// Refuses a schema whose parsed tree would take more memory than a pickle of its size may
/// ([`Limits::memory_budget`]): the values are counted first, on the text, without building
/// anything. A real schema has a value for every 20 bytes or so; a hostile one, such as an
/// array of a million zeros, one for every two.
fn refuse_costly(text: &[u8], limits: Limits) -> Result<(), SklearnProblem> {
    let (mut values, mut in_string, mut escaped) = (1usize, false, false);
    for &b in text {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b',' | b':' | b'[' | b'{') => values += 1,
            (false, _, _) => {}
        }
    }
    let needed = values
        .saturating_mul(JSON_VALUE_BYTES)
        .saturating_add(text.len());
    let limit = usize::try_from(limits.memory_budget(text.len() as u64)).unwrap_or(usize::MAX);
    if needed > limit {
        return Err(SklearnProblem::CostlySchema { values, limit });
    }
    Ok(())
}

/// The estimator a top node names, if it is an `ObjectNode` of one of the linear estimators.
fn estimator_of(node: &Map<String, Json>) -> Result<Option<(Estimator, String)>, SklearnProblem> {
    let (module, class, loader) = names(node)?;
    if loader != "ObjectNode" {
        return Ok(None);
    }
    Ok(Estimator::from_path(module, class).map(|e| (e, module.to_string())))
}

/// `__module__`, `__class__` and `__loader__` of a node.
fn names(node: &Map<String, Json>) -> Result<(&str, &str, &str), SklearnProblem> {
    let field = |key| node.get(key).and_then(Json::as_str);
    match (field("__module__"), field("__class__"), field("__loader__")) {
        (Some(module), Some(class), Some(loader)) => Ok((module, class, loader)),
        _ => Err(SklearnProblem::BadSchema {
            reason: "a node lacks __module__, __class__ or __loader__",
        }),
    }
}

/// A node's field at `key`, if the node is an object.
fn child<'j>(node: &'j Json, key: &str) -> Option<&'j Json> {
    node.as_object()?.get(key)
}

/// Checks every node against the allowlist, depth first.
///
/// The schema is at most 128 levels deep (serde_json's recursion limit), so the walk keeps its
/// own stack only to stay simple to reason about.
fn audit(schema: &Json) -> Result<(), SklearnProblem> {
    let mut pending = vec![schema];
    while let Some(node) = pending.pop() {
        let Json::Object(map) = node else {
            return Err(SklearnProblem::BadSchema {
                reason: "a node is not a JSON object",
            });
        };
        let (module, class, loader) = names(map)?;
        check(map, module, class, loader)?;
        let mut next: Vec<&Json> = Vec::new();
        match loader {
            "ObjectNode" | "DTypeNode" => next.extend(map.get("content")),
            "LossNode" => {
                next.extend(map.get("content"));
                next.extend(map.get("__reduce__").and_then(|r| child(r, "args")));
            }
            "DictNode" => {
                if let Some(Json::Object(items)) = map.get("content") {
                    next.extend(items.values());
                } else {
                    return Err(SklearnProblem::BadSchema {
                        reason: "a DictNode has no dict content",
                    });
                }
                next.extend(map.get("key_types"));
            }
            "ListNode" | "TupleNode" => next.extend(items(map)?),
            "NdArrayNode" if map.get("type").and_then(Json::as_str) == Some("json") => {
                next.extend(items(map)?);
                next.extend(map.get("shape"));
            }
            _ => {}
        }
        // Reversed, so the first child is checked first.
        pending.extend(next.into_iter().rev());
    }
    Ok(())
}

/// The items of a list-like node's `content`.
fn items(map: &Map<String, Json>) -> Result<&Vec<Json>, SklearnProblem> {
    map.get("content")
        .and_then(Json::as_array)
        .ok_or(SklearnProblem::BadSchema {
            reason: "a list, tuple or object array has no list content",
        })
}

/// Whether a node's type may be read; the refusal or the unsupported estimator if not. A node
/// is refused by its loader and what it loads: `MethodNode
/// sklearn.linear_model._base.LinearRegression.fit`, a bound method, is no estimator.
fn check(
    map: &Map<String, Json>,
    module: &str,
    class: &str,
    loader: &str,
) -> Result<(), SklearnProblem> {
    let linear = Estimator::from_path(module, class).is_some();
    if loader == "ObjectNode" && (linear || estimator::is_wrapper(module, class)) {
        return Ok(());
    }
    // A GLM's loss: an object, or a Cython loss that skops 0.10 and later writes as a LossNode.
    if matches!(loader, "ObjectNode" | "LossNode") && estimator::is_loss_part(module, class) {
        return Ok(());
    }
    let allowed = ALLOWED
        .iter()
        .any(|(l, m, classes)| *l == loader && *m == module && classes.contains(&class));
    if allowed {
        return Ok(());
    }
    let method = match (loader, child_str(map, "func")) {
        ("MethodNode", Some(func)) => format!(".{func}"),
        _ => String::new(),
    };
    let refused = |name: String| SklearnProblem::RefusedType {
        name: format!("{loader} {name}{method}"),
    };
    if loader == "ObjectNode" {
        return Err(SklearnProblem::off_allowlist(module, class, refused));
    }
    Err(refused(format!("{module}.{class}")))
}

/// The string at `content.key` of a node, as a `MethodNode` names its function.
fn child_str<'j>(map: &'j Map<String, Json>, key: &str) -> Option<&'j str> {
    map.get("content")?.as_object()?.get(key)?.as_str()
}

/// One attribute node as an [`Attr`]; arrays are read from their `.npy` members.
fn attr(
    node: &Json,
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    budget: &mut u64,
    limit: u64,
) -> Result<Attr, SklearnProblem> {
    let bad = |reason| SklearnProblem::BadSchema { reason };
    let Json::Object(map) = node else {
        return Err(bad("a node is not a JSON object"));
    };
    let (_, _, loader) = names(map)?;
    match (loader, map.get("type").and_then(Json::as_str)) {
        ("JsonNode", _) => Ok(json_attr(map)?),
        ("NdArrayNode", Some("numpy")) => {
            let file = map
                .get("file")
                .and_then(Json::as_str)
                .ok_or(bad("an array has no file"))?;
            Ok(Attr::Array(parse_npy(&member(zip, file, budget, limit)?)?))
        }
        ("NdArrayNode", Some("json")) => {
            let items = items(map)?
                .iter()
                .map(|item| match item.as_object().map(json_attr) {
                    Some(Ok(Attr::Str(s))) => Some(s),
                    _ => None,
                })
                .collect();
            let shape = map
                .get("shape")
                .and_then(Json::as_object)
                .and_then(|shape| shape.get("content"))
                .and_then(Json::as_array)
                .ok_or(bad("an object array has no shape"))?;
            let shape = shape
                .iter()
                .map(|dim| match dim.as_object().map(json_attr) {
                    Some(Ok(Attr::Int(n))) => usize::try_from(n).ok(),
                    _ => None,
                })
                .collect::<Option<Vec<usize>>>()
                .ok_or(bad("an object array's shape is not a tuple of sizes"))?;
            let array = NdArray::from_objects(Dtype::OBJECT, shape, items);
            Ok(Attr::Array(array.ok_or(bad(
                "an object array's items do not match its shape",
            ))?))
        }
        _ => Ok(Attr::Other),
    }
}

/// A `JsonNode`'s value: its `content` is the value as JSON text.
fn json_attr(map: &Map<String, Json>) -> Result<Attr, SklearnProblem> {
    let text = map
        .get("content")
        .and_then(Json::as_str)
        .ok_or(SklearnProblem::BadSchema {
            reason: "a JsonNode has no text content",
        })?;
    Ok(match serde_json::from_str::<Json>(text)? {
        Json::Null => Attr::None,
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Attr::Int(i),
            (None, Some(x)) => Attr::Float(x),
            _ => Attr::Other,
        },
        Json::String(s) => Attr::Str(s),
        _ => Attr::Other,
    })
}

/// A zip member, read through what is left of the budget.
fn member(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut u64,
    limit: u64,
) -> Result<Vec<u8>, SklearnProblem> {
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(SklearnProblem::MissingMember {
                name: name.to_string(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    file.take(budget.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| SklearnProblem::Zip(e.into()))?;
    let used = out.len() as u64;
    if used > *budget {
        return Err(SklearnProblem::TooLarge { limit });
    }
    *budget -= used;
    Ok(out)
}
