//! skops files: what `skops.io.load` turns into a real `sklearn.linear_model.LinearRegression`,
//! or, for a model with the log link, a real `PoissonRegressor`.
//!
//! A `.skops` file is a zip archive of `schema.json`, a tree of nodes that each name a Python type
//! and the skops loader that builds it, and one `.npy` member per numeric array. We write the tree
//! skops 0.16 writes for a fitted `LinearRegression` (schema protocol 2), built only from node
//! types that skops trusts by default (JSON values, `builtins.dict`/`list`/`tuple`/`str`, numpy
//! arrays and `numpy.float64`), so that `get_untrusted_types` names no type but the estimator's,
//! and skops 0.16 trusts that one too. Every node has its own `__id__` (skops memoizes nodes by
//! it), counted from 1 in writing order, so the same model always gives the same bytes.
//!
//! `rank_` and `singular_` are left out: they describe the training matrix, which the exported
//! model does not know, and scikit-learn's `predict` and `score` do not use them.
//!
//! A model with the log link (Poisson, Gamma, Tweedie with `link='log'`: they all predict
//! `exp(X @ coef_ + intercept_)`) is written as a `PoissonRegressor`, whose `predict` computes
//! exactly that through its `_base_loss`: a `HalfPoissonLoss` with its Cython part (`closs`, a
//! skops `LossNode`), its `LogLink` and its two `Interval`s, as skops 0.16 writes them for
//! scikit-learn 1.9. Every one of those types is on skops' default list of trusted types.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use serde::Serialize;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::article::linear::Link;
use crate::python::export::{Portable, Result, to_le_bytes};

/// The scikit-learn version recorded in `_sklearn_version`: scikit-learn warns when it loads an
/// estimator saved by another version.
const SKLEARN_VERSION: &str = "1.9.1";
/// The schema protocol of skops 0.16.
const PROTOCOL: u32 = 2;
/// The skops version whose layout we follow, recorded in `_skops_version`.
const SKOPS_VERSION: &str = "0.16.0";

const SCHEMA: &str = "schema.json";
const COEF_FILE: &str = "coef_.npy";
const INTERCEPT_FILE: &str = "intercept_.npy";

/// The skops file of `model`, already validated by `export::encode`, as bytes.
pub(crate) fn encode(model: &Portable) -> Result<Vec<u8>> {
    // scikit-learn's GLMs have one target: several with a link have no estimator to be.
    if model.link != Link::Identity && model.targets() != 1 {
        return Err(crate::python::export::ExportProblem::LinkNotWritten {
            format: "skops",
            link: model.link.name(),
        });
    }
    let schema = serde_json::to_vec_pretty(&schema(model))?;
    // Deflate, the one method every zip reader has; a fixed date and mode so that the bytes
    // depend on the model alone.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let members = [
        (SCHEMA, schema),
        (COEF_FILE, npy(&coef_shape(model), &model.coef)),
        (
            INTERCEPT_FILE,
            npy(&intercept_shape(model), &model.intercept),
        ),
    ];
    for (name, bytes) in members {
        zip.start_file(name, options)?;
        zip.write_all(&bytes).map_err(zip::result::ZipError::Io)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// `coef_`'s shape as scikit-learn has it: `(n,)` for one target, `(k, n)` for several.
fn coef_shape(model: &Portable) -> Vec<usize> {
    match model.targets() {
        1 => vec![model.n_features()],
        k => vec![k, model.n_features()],
    }
}

/// `intercept_`'s shape: a numpy scalar for one target, `(k,)` for several.
fn intercept_shape(model: &Portable) -> Vec<usize> {
    match model.targets() {
        1 => Vec::new(),
        k => vec![k],
    }
}

/// A node of `schema.json`. One struct for every kind we write, the fields a kind does not use
/// left out; unknown fields are refused when reading.
#[derive(Debug, PartialEq, Serialize)]
struct Node {
    #[serde(rename = "__class__")]
    class: String,
    #[serde(rename = "__module__")]
    module: String,
    #[serde(rename = "__loader__")]
    loader: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content: Option<Content>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_json: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_types: Option<Box<Node>>,
    /// `numpy` (a `.npy` member) or `json` (an object array stored as a list of nodes).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    storage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shape: Option<Box<Node>>,
    /// The arguments a `LossNode` rebuilds its Cython object with.
    #[serde(
        rename = "__reduce__",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    reduce: Option<Reduce>,
    #[serde(rename = "__id__")]
    id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    protocol: Option<u32>,
    #[serde(
        rename = "_skops_version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    skops_version: Option<String>,
}

/// The `__reduce__` of a `LossNode`: the arguments of its class, as a tuple node.
#[derive(Debug, PartialEq, Serialize)]
struct Reduce {
    args: Box<Node>,
}

/// What a node's `content` holds, depending on its loader.
#[derive(Debug, PartialEq, Serialize)]
#[serde(untagged)]
enum Content {
    /// A JSON text (`JsonNode`).
    Json(String),
    /// The items of a list, a tuple or an object array.
    Items(Vec<Node>),
    /// The attribute dict of an estimator (`ObjectNode`).
    Node(Box<Node>),
    /// The attributes by name (`DictNode`); sorted, which is all the same to Python.
    Attributes(BTreeMap<String, Node>),
}

impl Node {
    /// A node of this type and loader, with the next id and nothing else.
    fn new(ids: &mut u64, class: &str, module: &str, loader: &str) -> Node {
        *ids += 1;
        Node {
            class: class.to_owned(),
            module: module.to_owned(),
            loader: loader.to_owned(),
            content: None,
            is_json: None,
            key_types: None,
            storage: None,
            file: None,
            shape: None,
            reduce: None,
            id: *ids,
            protocol: None,
            skops_version: None,
        }
    }

    /// A value that Python's `json.loads` rebuilds; skops calls them all `builtins.str`.
    fn json(ids: &mut u64, text: String) -> Node {
        Node {
            content: Some(Content::Json(text)),
            is_json: Some(true),
            ..Node::new(ids, "str", "builtins", "JsonNode")
        }
    }

    /// A numpy array or scalar stored in the `.npy` member `file`.
    fn numpy(ids: &mut u64, class: &str, file: &str) -> Node {
        Node {
            storage: Some("numpy".to_owned()),
            file: Some(file.to_owned()),
            ..Node::new(ids, class, "numpy", "NdArrayNode")
        }
    }
}

/// The estimator a model is written as: its class, its module, and its constructor's defaults.
struct Class {
    name: &'static str,
    module: &'static str,
    defaults: &'static [(&'static str, &'static str)],
}

/// What a model of the identity link is: scikit-learn's plain least squares.
const LINEAR_REGRESSION: Class = Class {
    name: "LinearRegression",
    module: "sklearn.linear_model._base",
    defaults: &[
        ("fit_intercept", "true"),
        ("copy_X", "true"),
        ("tol", "1e-06"),
        ("n_jobs", "null"),
        ("positive", "false"),
    ],
};

/// What a model of the log link is: the GLM whose `predict` is `exp` of the linear part.
const POISSON_REGRESSOR: Class = Class {
    name: "PoissonRegressor",
    module: "sklearn.linear_model._glm.glm",
    defaults: &[
        ("alpha", "1.0"),
        ("fit_intercept", "true"),
        ("solver", "\"lbfgs\""),
        ("max_iter", "100"),
        ("tol", "0.0001"),
        ("warm_start", "false"),
        ("verbose", "0"),
    ],
};

/// The `schema.json` tree of `model`: an estimator whose attribute dict holds the constructor's
/// defaults and the fitted attributes (and, for the log link, the loss `predict` goes through).
fn schema(model: &Portable) -> Node {
    let ids = &mut 0;
    let n = model.n_features();
    let class = match model.link {
        Link::Identity => LINEAR_REGRESSION,
        Link::Exp => POISSON_REGRESSOR,
    };
    let mut attributes = BTreeMap::new();
    for (name, json) in class.defaults {
        attributes.insert(name.to_string(), Node::json(ids, json.to_string()));
    }
    attributes.insert("n_features_in_".to_owned(), Node::json(ids, n.to_string()));
    attributes.insert("coef_".to_owned(), Node::numpy(ids, "ndarray", COEF_FILE));
    let intercept = if model.targets() == 1 {
        "float64"
    } else {
        "ndarray"
    };
    attributes.insert(
        "intercept_".to_owned(),
        Node::numpy(ids, intercept, INTERCEPT_FILE),
    );
    if !model.feature_names.is_empty() {
        // scikit-learn keeps names as an object array of str, which skops stores as JSON items.
        let items = model
            .feature_names
            .iter()
            .map(|name| Node::json(ids, json_string(name)))
            .collect();
        let shape = Node {
            content: Some(Content::Items(vec![Node::json(ids, n.to_string())])),
            ..Node::new(ids, "tuple", "builtins", "TupleNode")
        };
        let array = Node {
            content: Some(Content::Items(items)),
            storage: Some("json".to_owned()),
            shape: Some(Box::new(shape)),
            ..Node::new(ids, "ndarray", "numpy", "NdArrayNode")
        };
        attributes.insert("feature_names_in_".to_owned(), array);
    }
    attributes.insert(
        "_sklearn_version".to_owned(),
        Node::json(ids, json_string(SKLEARN_VERSION)),
    );
    if model.link == Link::Exp {
        attributes.insert("_base_loss".to_owned(), poisson_loss(ids));
    }
    Node {
        protocol: Some(PROTOCOL),
        skops_version: Some(SKOPS_VERSION.to_owned()),
        ..object(ids, class.name, class.module, attributes)
    }
}

/// An instance of `module.name` whose `__dict__` is `attributes` (an `ObjectNode`).
fn object(ids: &mut u64, name: &str, module: &str, attributes: BTreeMap<String, Node>) -> Node {
    Node {
        content: Some(Content::Node(Box::new(dict(ids, attributes)))),
        ..Node::new(ids, name, module, "ObjectNode")
    }
}

/// A dict of `str` keys (a `DictNode`): its keys are rebuilt by calling one type per key, in
/// order.
fn dict(ids: &mut u64, attributes: BTreeMap<String, Node>) -> Node {
    let key_types = (0..attributes.len())
        .map(|_| Node::new(ids, "str", "builtins", "TypeNode"))
        .collect();
    let key_types = Node {
        content: Some(Content::Items(key_types)),
        ..Node::new(ids, "list", "builtins", "ListNode")
    };
    Node {
        content: Some(Content::Attributes(attributes)),
        key_types: Some(Box::new(key_types)),
        ..Node::new(ids, "dict", "builtins", "DictNode")
    }
}

/// The `_base_loss` of a `PoissonRegressor` as scikit-learn 1.9 builds it: `HalfPoissonLoss()`.
fn poisson_loss(ids: &mut u64) -> Node {
    let json = |ids: &mut u64, text: &str| Node::json(ids, text.to_owned());
    let no_args = Node {
        content: Some(Content::Items(Vec::new())),
        ..Node::new(ids, "tuple", "builtins", "TupleNode")
    };
    let closs = Node {
        content: Some(Content::Node(Box::new(dict(ids, BTreeMap::new())))),
        reduce: Some(Reduce {
            args: Box::new(no_args),
        }),
        ..Node::new(ids, "CyHalfPoissonLoss", "sklearn._loss._loss", "LossNode")
    };
    // `LogLink()` has no attributes: its state is `None`.
    let link = Node {
        content: Some(Content::Node(Box::new(json(ids, "null")))),
        ..Node::new(ids, "LogLink", "sklearn._loss.link", "ObjectNode")
    };
    let interval = |ids: &mut u64, low_inclusive: &str| {
        let bounds = [
            ("low", "0"),
            ("high", "Infinity"),
            ("low_inclusive", low_inclusive),
            ("high_inclusive", "false"),
        ];
        let bounds = bounds
            .into_iter()
            .map(|(name, value)| (name.to_owned(), json(ids, value)))
            .collect();
        object(ids, "Interval", "sklearn._loss.link", bounds)
    };
    let mut loss = BTreeMap::new();
    loss.insert("closs".to_owned(), closs);
    loss.insert("link".to_owned(), link);
    for name in ["n_classes", "xp", "device"] {
        loss.insert(name.to_owned(), json(ids, "null"));
    }
    for name in ["approx_hessian", "constant_hessian"] {
        loss.insert(name.to_owned(), json(ids, "false"));
    }
    loss.insert("interval_y_true".to_owned(), interval(ids, "true"));
    loss.insert("interval_y_pred".to_owned(), interval(ids, "false"));
    object(ids, "HalfPoissonLoss", "sklearn._loss.loss", loss)
}

/// A string as a JSON text, such as `"alcohol"` with its quotes.
fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// The NPY 1.0 header of a little-endian float64 array of this shape, as `numpy.save` writes it:
/// the magic string, the version, the header's length, then a Python dict literal padded with
/// spaces and a newline so that the data starts at a multiple of 64 bytes.
fn npy_header(shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {dims}, }}");
    let unpadded = 10 + dict.len() + 1;
    dict.extend(std::iter::repeat_n(
        ' ',
        unpadded.next_multiple_of(64) - unpadded,
    ));
    dict.push('\n');
    let mut header = b"\x93NUMPY\x01\x00".to_vec();
    // A dict longer than 65 535 bytes would need a shape of thousands of dimensions.
    header.extend((dict.len() as u16).to_le_bytes());
    header.extend(dict.as_bytes());
    header
}

/// A `.npy` file of these numbers.
fn npy(shape: &[usize], values: &[f64]) -> Vec<u8> {
    let mut bytes = npy_header(shape);
    bytes.extend(to_le_bytes(values));
    bytes
}
