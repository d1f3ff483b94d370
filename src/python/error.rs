//! What can go wrong when reading a scikit-learn model file: one enum, one line per message.
//!
//! Offsets are byte offsets into the pickle stream (after decompression, for a compressed joblib
//! file). No message names the file: the caller knows which file it opened.

use thiserror::Error;

use super::estimator::Estimator;
use super::joblib::Compressor;
use super::npy::Dtype;

/// Everything that stops [`decode`](super::decode) or [`disassemble`](super::disassemble), and
/// so [`load`](super::load).
///
/// Refusals are their own variants ([`SklearnProblem::Refused`], [`SklearnProblem::RefusedType`]): a file
/// that asks for a function or class off the allowlist is named, not reported as corrupt.
#[derive(Debug, Error)]
pub(crate) enum SklearnProblem {
    /// The input has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The first bytes match no format this reader knows.
    #[error(
        "not a model file: it starts with {}, which is neither this crate's format nor a pickle (protocol 2 to 5), a joblib file or a skops zip",
        hex(.start)
    )]
    UnknownFormat {
        /// Up to the first four bytes of the input.
        start: Vec<u8>,
    },
    /// [`disassemble`](super::disassemble) was given a skops file, which holds no opcodes.
    #[error("a skops file holds no pickle: its schema.json lists what is inside")]
    NoPickle,
    /// A pickle whose PROTO opcode names a protocol other than 2, 3, 4 or 5.
    #[error("pickle protocol {found} is not supported (only 2 to 5)")]
    Protocol {
        /// The protocol byte found.
        found: u8,
    },
    /// A pickle that does not start with a PROTO opcode (protocols 0 and 1 have none).
    #[error(
        "the pickle starts with opcode 0x{byte:02x}, not PROTO: protocols 0 and 1 are not read"
    )]
    NoProto {
        /// The first byte.
        byte: u8,
    },
    /// An opcode or a length prefix needs more bytes than remain.
    #[error("the pickle is truncated: {opcode} at offset {offset} needs more bytes than remain")]
    Truncated {
        /// What was being read (an opcode name, or `joblib array data`).
        opcode: &'static str,
        /// Offset of the opcode.
        offset: usize,
    },
    /// The input ends before a STOP opcode.
    #[error("the pickle ends at offset {offset} without a STOP opcode")]
    MissingStop {
        /// Length of the input.
        offset: usize,
    },
    /// A byte that is no pickle opcode.
    #[error("unknown pickle opcode 0x{byte:02x} at offset {offset}")]
    UnknownOpcode {
        /// The byte.
        byte: u8,
        /// Its offset.
        offset: usize,
    },
    /// A real opcode this reader does not execute.
    #[error("pickle opcode {opcode} at offset {offset} is not supported: {reason}")]
    UnsupportedOpcode {
        /// The opcode's name as `pickletools` spells it.
        opcode: &'static str,
        /// Its offset.
        offset: usize,
        /// Why it is not read.
        reason: &'static str,
    },
    /// An opcode found the stack or its argument in a state it cannot work with.
    #[error("pickle opcode {opcode} at offset {offset} expects {expected}")]
    Malformed {
        /// The opcode's name.
        opcode: &'static str,
        /// Its offset.
        offset: usize,
        /// What it needed.
        expected: &'static str,
    },
    /// A GET opcode names a memo slot no PUT filled.
    #[error("the pickle reads memo entry {index} at offset {offset}, which was never stored")]
    MissingMemo {
        /// The memo index.
        index: u64,
        /// Offset of the GET opcode.
        offset: usize,
    },
    /// MARKs or containers nest deeper than the reader's limit, 1000 levels.
    #[error("the pickle nests deeper than {limit} levels at offset {offset}")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Offset of the opcode that went past it.
        offset: usize,
    },
    /// Reading the pickle would take more memory than its size justifies
    /// ([`Limits::memory_budget`](super::Limits::memory_budget)).
    #[error(
        "reading the pickle would take more than {limit} bytes of memory (at offset {offset}): more than a model of its size needs, or than the data limit allows"
    )]
    TooMuchMemory {
        /// The budget, in bytes.
        limit: usize,
        /// Offset of the opcode that went past it.
        offset: usize,
    },
    /// Bytes follow the STOP opcode.
    #[error("{count} bytes follow the pickle's STOP opcode at offset {offset}")]
    TrailingData {
        /// Offset of STOP.
        offset: usize,
        /// How many bytes follow.
        count: usize,
    },
    /// The pickle names a global off the allowlist: nothing was called.
    #[error(
        "refused: the pickle calls {global} (only scikit-learn linear models and numpy arrays are read)"
    )]
    Refused {
        /// `module.name`, as the file spells it.
        global: String,
    },
    /// The skops schema names a type off the allowlist: nothing was built.
    #[error(
        "refused: the skops file holds {name} (only scikit-learn linear models and numpy arrays are read)"
    )]
    RefusedType {
        /// `module.class`, as the schema spells it.
        name: String,
    },
    /// An allowed global is applied to arguments or a state it never takes.
    #[error("the pickle calls {global} with arguments it does not take")]
    BadArguments {
        /// `module.name` of the allowed global.
        global: String,
    },
    /// The file holds a scikit-learn object other than the linear regressors read.
    #[error(
        "the file holds a {}{}; read are scikit-learn's linear regressors (LinearRegression, Ridge, \
         Lasso, ElasticNet, SGDRegressor, PoissonRegressor and {} more)",
        last_part(.class),
        kind_of(.class),
        super::estimator::ESTIMATORS.len() - 6
    )]
    Unsupported {
        /// `module.name` of the class.
        class: String,
    },
    /// The file holds a scipy sparse matrix.
    #[error("the file holds a sparse matrix ({class}), which is not supported")]
    Sparse {
        /// `module.name` of the sparse class.
        class: String,
    },
    /// The top object is not an estimator (a dict, a list, a bare array...).
    #[error(
        "the file holds {found}{}, not a scikit-learn estimator; read is one estimator saved by itself",
        inside.as_ref().map(|class| format!(" holding a {class}")).unwrap_or_default()
    )]
    NotAnEstimator {
        /// What it holds, with an article: `a dict`, `a numpy array`.
        found: &'static str,
        /// The class of an estimator among its items, for a dict, a list or a tuple.
        inside: Option<String>,
    },
    /// A second pickle follows the first: two objects dumped one after the other.
    #[error(
        "the file holds two pickles, the second at offset {offset}; read is one estimator saved by itself"
    )]
    SecondPickle {
        /// Where the second one starts.
        offset: usize,
    },
    /// A joblib file written before joblib 0.10, which keeps its arrays in files of their own
    /// (the `ZF` prefix of a compressed one, or the wrapper classes it names).
    #[error(
        "a joblib file written before joblib 0.10, whose arrays are in other files ({wrapper}), is not read"
    )]
    OldJoblib {
        /// The wrapper the pickle names, or `the ZF format` for a compressed file.
        wrapper: String,
    },
    /// The compressed stream of a joblib file is corrupt.
    #[error("the {compressor} stream is corrupt: {source}")]
    Decompress {
        /// The compressor.
        compressor: Compressor,
        /// What the decompressor said.
        #[source]
        source: std::io::Error,
    },
    /// The file's data (a pickle, a joblib stream once decompressed, or all skops members
    /// together) is larger than [`Limits::max_bytes`](super::Limits::max_bytes).
    #[error(
        "the model's data exceed the limit of {limit} bytes; a larger model needs a larger limit (python::Limits, --max-bytes)"
    )]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// An allowed numpy global is given data that does not match the shape and dtype it names.
    #[error("the pickle calls {global} with {found} bytes of data, but the shape and dtype it names need {}", expected.map_or("more than 2^64".to_string(), |n| n.to_string()))]
    ArraySize {
        /// `module.name` of the numpy global.
        global: String,
        /// Bytes the shape and dtype need; `None` past `usize`.
        expected: Option<usize>,
        /// Bytes present.
        found: usize,
    },
    /// A `.npy` member of a skops file is malformed.
    #[error("a .npy array is malformed: {reason}")]
    BadNpy {
        /// What is wrong.
        reason: &'static str,
    },
    /// The skops zip cannot be read.
    #[error("the skops zip is unreadable: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// The skops zip lacks a member its schema names.
    #[error("the skops file has no member {name}")]
    MissingMember {
        /// The member's name.
        name: String,
    },
    /// The skops zip holds two members of one name.
    #[error(
        "the skops zip holds two members named {name}; which one a reader takes is its own choice"
    )]
    DuplicateMember {
        /// The name.
        name: String,
    },
    /// `schema.json` holds so many values that parsing it would take more memory than its size
    /// justifies.
    #[error(
        "the skops schema.json holds {values} JSON values, which would take more than {limit} bytes of memory to parse"
    )]
    CostlySchema {
        /// The values counted.
        values: usize,
        /// The memory allowed, in bytes.
        limit: usize,
    },
    /// `schema.json` is not JSON.
    #[error("the skops schema.json is not valid JSON: {0}")]
    SchemaJson(#[from] serde_json::Error),
    /// `schema.json` is JSON, but not a skops schema this reader understands.
    #[error("the skops schema.json is malformed: {reason}")]
    BadSchema {
        /// What is wrong.
        reason: &'static str,
    },
    /// A skops protocol outside 0 to 2.
    #[error("skops protocol {found} is not supported (only 0 to 2)")]
    SkopsProtocol {
        /// The protocol in `schema.json`.
        found: i64,
    },
    /// A fitted attribute is missing: the estimator was saved before `fit`.
    #[error("the {estimator} has no {attribute}; was it saved before fitting?")]
    MissingAttribute {
        /// The estimator.
        estimator: Estimator,
        /// The attribute.
        attribute: &'static str,
    },
    /// An attribute has another type than scikit-learn gives it.
    #[error("{attribute} should be {expected}")]
    WrongType {
        /// The attribute.
        attribute: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// `coef_` is of another shape than one target's: `(n,)` or `(1, n)`.
    #[error("the {estimator}'s coef_ has shape {}; only one target is read, a coef_ of shape (n,) or (1, n)", shape_text(.shape))]
    CoefShape {
        /// The estimator.
        estimator: Estimator,
        /// The shape found.
        shape: Vec<usize>,
    },
    /// An array attribute holds no floats.
    #[error("{attribute} has dtype {dtype}; only float64 and float32 are read")]
    NotFloat {
        /// The attribute.
        attribute: &'static str,
        /// Its dtype.
        dtype: Dtype,
    },
    /// `coef_` or `feature_names_in_` disagree with `n_features_in_`.
    #[error("{attribute} has {found} entries, but n_features_in_ is {expected}")]
    FeatureCount {
        /// The attribute.
        attribute: &'static str,
        /// Its length.
        found: usize,
        /// `n_features_in_`.
        expected: usize,
    },
}

impl SklearnProblem {
    /// The problem with a `module.name` off an allowlist: another scikit-learn object
    /// ([`Unsupported`](Self::Unsupported)), a scipy sparse matrix ([`Sparse`](Self::Sparse)),
    /// or else `other`, the reader's own refusal. One rule for pickles and skops files alike.
    pub(crate) fn off_allowlist(
        module: &str,
        name: &str,
        other: impl FnOnce(String) -> Self,
    ) -> Self {
        let path = format!("{module}.{name}");
        if module == "sklearn" || module.starts_with("sklearn.") {
            Self::Unsupported { class: path }
        } else if module.starts_with("scipy.sparse") {
            Self::Sparse { class: path }
        } else {
            other(path)
        }
    }
}

/// Bytes as `78 9c 01`, for messages.
fn hex(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(" ")
}

/// What kind of model `module.Class` is, when its name says it is no linear model: trees,
/// forests and boosting.
fn kind_of(path: &str) -> &'static str {
    let tree_like = ["sklearn.tree.", "sklearn.ensemble."];
    if tree_like.iter().any(|prefix| path.starts_with(prefix)) {
        ", a tree-based model"
    } else {
        ""
    }
}

/// Which of the [`crate::Error`] predicates a problem answers yes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Damaged, or not what it claims to be.
    Corrupt,
    /// Names what it would run or what no model file holds.
    Refused,
    /// Above a limit.
    TooLarge,
    /// Well formed, but holding what is not read.
    Unsupported,
}

impl SklearnProblem {
    /// The predicate class of the problem.
    pub(crate) fn class(&self) -> Class {
        use SklearnProblem as P;
        match self {
            P::Refused { .. } | P::RefusedType { .. } | P::BadArguments { .. } => Class::Refused,
            P::DuplicateMember { .. } => Class::Refused,
            P::TooDeep { .. } | P::TooMuchMemory { .. } | P::TooLarge { .. } => Class::TooLarge,
            P::CostlySchema { .. } => Class::TooLarge,
            P::UnknownFormat { .. } | P::NoPickle | P::Protocol { .. } | P::NoProto { .. } => {
                Class::Unsupported
            }
            P::UnsupportedOpcode { .. } | P::Unsupported { .. } | P::Sparse { .. } => {
                Class::Unsupported
            }
            P::NotAnEstimator { .. }
            | P::SecondPickle { .. }
            | P::OldJoblib { .. }
            | P::SkopsProtocol { .. } => Class::Unsupported,
            P::CoefShape { .. } | P::NotFloat { .. } => Class::Unsupported,
            P::Empty
            | P::Truncated { .. }
            | P::MissingStop { .. }
            | P::UnknownOpcode { .. }
            | P::Malformed { .. }
            | P::MissingMemo { .. }
            | P::TrailingData { .. }
            | P::Decompress { .. }
            | P::ArraySize { .. }
            | P::BadNpy { .. }
            | P::Zip(_)
            | P::MissingMember { .. }
            | P::SchemaJson(_)
            | P::BadSchema { .. }
            | P::MissingAttribute { .. }
            | P::WrongType { .. }
            | P::FeatureCount { .. } => Class::Corrupt,
        }
    }
}

/// The class name of `module.Class`.
fn last_part(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// A shape as Python prints it: `(13,)`, `(2, 13)`, `()`.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}
