//! The bridge to Python, both ways: scikit-learn's pickle, joblib and skops files read without
//! running anything in them, and a linear model written for skops, onnxruntime, safetensors
//! readers and MLflow. One file per format, each reading and writing where the crate does both:
//!
//! | file | what it holds |
//! |---|---|
//! | [`sniff`] | what any file is, from its first bytes (ours included) |
//! | `limits.rs` | [`Limits`] and every other limit a file is held to |
//! | `pickle/` | the pickle machine (`machine.rs`, `opcodes.rs`), the meaning of numpy's, joblib's and scikit-learn's globals (`globals.rs`), and the `pickletools`-style listing, an observer the machine is handed (`listing.rs`) |
//! | `joblib.rs` | joblib's compressors and its arrays in the pickle stream |
//! | `skops/` | skops zips: read (`mod.rs`) and written (`write.rs`) |
//! | `npy.rs` | numpy's dtypes and `.npy` arrays, read and written |
//! | `onnx.rs`, `safetensors.rs` | the two exports that are read back too |
//! | `estimator.rs` | scikit-learn's estimators, from their state to a [`LinearModel`](crate::article::linear::LinearModel) |
//! | [`export`], [`convert`], [`mlflow`] | writing for Python; any file read, then written; MLflow folders |
//!
//! [`load`] reads a fitted linear estimator into a [`PythonModel`]: its coefficients, its
//! intercepts, its link, and what the file says about it (the class, `_sklearn_version`,
//! `n_features_in_`, the feature names, how it was written). Its [`linear`](PythonModel::linear)
//! is the crate's [`LinearModel`](crate::article::linear::LinearModel), and for one target
//! without a link [`model`](PythonModel::model) is the article's
//! [`Model`](crate::article::train::Model), so `predict`, `r2` and `save` work on it unchanged.
//! The container is told apart by content, not by name ([`sniff`]).
//!
//! Python's own `pickle.load` calls whatever a file names. Here a pickle is read by a machine that
//! knows the opcodes but calls nothing: a global off a short allowlist is refused by name
//! ([`Error::is_refused`]), and [`disassemble`] lists a file's opcodes as `pickletools.dis`
//! does, without building anything, so a hostile file can be shown before it is refused.

pub mod convert;
mod error;
mod estimator;
pub mod export;
mod joblib;
mod limits;
pub mod mlflow;
mod model;
mod npy;
mod onnx;
mod pickle;
mod safetensors;
pub(crate) mod skops;
pub mod sniff;

use std::fs::File;
use std::io::Read;
use std::path::Path;

pub(crate) use error::Class;
pub(crate) use error::SklearnProblem;
pub use estimator::{Container, Estimator, PythonModel};
pub use joblib::Compressor;
pub use limits::{Limits, MAX_BYTES, MEMORY_ALLOWANCE, MEMORY_PER_BYTE, MEMORY_PER_LIMIT_BYTE};
pub use model::{Linear, Origin};
pub use npy::Dtype;
pub use pickle::Op;

use crate::error::{Error, ErrorKind, Result};
use crate::file::persist;
use sniff::Kind;

/// The article's own `Pck_LR_Model.pkl`, as its code writes it (`pickle.dump`, scikit-learn
/// 1.9.1, numpy 2.4.6), shipped with the crate so that the book and the notebooks can open it.
pub const ARTICLE_PICKLE: &[u8] =
    include_bytes!("../../tests/data/python/current/Pck_LR_Model.pkl");
/// The article's own `Jlib_LR_Model.pkl`, as its code writes it (`joblib.dump`, joblib 1.6.0).
pub const ARTICLE_JOBLIB: &[u8] =
    include_bytes!("../../tests/data/python/current/Jlib_LR_Model.pkl");

/// Why bytes in no known format are not read: a pickle of protocol 0 or 1, which starts with
/// any opcode, is named by the first global off the allowlist it calls (Python would call it),
/// or else said to be a protocol this reader does not read; anything else is not a model file.
fn unknown(bytes: &[u8], limits: Limits) -> SklearnProblem {
    let scanned = pickle::scan(bytes, limits);
    match (scanned.refused, bytes.first()) {
        (Some(refusal), _) => refusal,
        (None, Some(&byte)) if scanned.complete => SklearnProblem::NoProto { byte },
        _ => SklearnProblem::UnknownFormat {
            start: bytes.iter().take(4).copied().collect(),
        },
    }
}

/// Reads the linear model in the pickle, joblib or skops file at `path`.
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::python::{self, ARTICLE_PICKLE, Estimator};
///
/// let dir = tempdir()?;
/// let path = dir.path().join("Pck_LR_Model.pkl");
/// std::fs::write(&path, ARTICLE_PICKLE)?;
/// let python = python::load(&path)?;
/// assert_eq!((python.estimator, python.n_features_in), (Estimator::LinearRegression, 13));
/// # Ok::<(), Error>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<PythonModel> {
    load_with(path, Limits::default())
}

/// [`load`], within `limits` instead of the default ones.
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::python::{self, ARTICLE_PICKLE, Limits};
///
/// let dir = tempdir()?;
/// let path = dir.path().join("Pck_LR_Model.pkl");
/// std::fs::write(&path, ARTICLE_PICKLE)?;
/// let roomy = Limits { max_bytes: 1 << 30 };
/// assert_eq!(python::load_with(&path, roomy)?.n_features_in, 13);
/// # Ok::<(), Error>(())
/// ```
pub fn load_with(path: impl AsRef<Path>, limits: Limits) -> Result<PythonModel> {
    let path = path.as_ref();
    let (file, len) = persist::open_bounded(path, u64::MAX)?;
    let bytes = read_whole(file, len, path, limits)?;
    decode_with(&bytes, limits).map_err(|e| e.at(path))
}

/// Reads the `len` bytes of `file`, opened from `path`, refusing a file above the limit.
pub(crate) fn read_whole(file: File, len: u64, path: &Path, limits: Limits) -> Result<Vec<u8>> {
    if len > limits.max_bytes {
        let problem = SklearnProblem::TooLarge {
            limit: limits.max_bytes,
        };
        return Err(Error::from(problem).at(path));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

/// Reads the linear model in the bytes of a pickle, joblib or skops file. A file that names
/// anything off the allowlist is refused by name, and nothing in it runs:
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::python;
///
/// // What `pickle.dumps` writes for an object whose `__reduce__` returns
/// // `(os.system, ("echo pwned",))`, on Linux.
/// let hostile = b"\x80\x04cposix\nsystem\n\x8c\x0aecho pwned\x85R.";
/// let err = python::decode(hostile).unwrap_err();
/// assert!(err.is_refused());
/// assert_eq!(
///     err.to_string(),
///     "refused: the pickle calls posix.system (only scikit-learn linear models and numpy arrays are read)"
/// );
/// ```
pub fn decode(bytes: &[u8]) -> Result<PythonModel> {
    decode_with(bytes, Limits::default())
}

/// [`decode`], within `limits` instead of the default ones.
///
/// ```
/// use model_persistence::python::{self, ARTICLE_PICKLE, Limits};
///
/// let roomy = Limits { max_bytes: 1 << 30 };
/// assert_eq!(python::decode_with(ARTICLE_PICKLE, roomy)?.n_features_in, 13);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn decode_with(bytes: &[u8], limits: Limits) -> Result<PythonModel> {
    Ok(read_with_limit(bytes, limits)?)
}

/// [`decode`], with its own kind of error, for the module's tests.
#[cfg(test)]
fn read(bytes: &[u8]) -> Result<PythonModel, SklearnProblem> {
    read_with_limit(bytes, Limits::default())
}

/// [`decode`], with the data bounded by `limit` bytes.
fn read_with_limit(bytes: &[u8], limits: Limits) -> Result<PythonModel, SklearnProblem> {
    let limit = limits.max_bytes;
    if bytes.len() as u64 > limit {
        return Err(SklearnProblem::TooLarge { limit });
    }
    match sniff::sniff(bytes) {
        Kind::Empty => Err(SklearnProblem::Empty),
        Kind::Skops => skops::read(bytes, limits),
        Kind::Pickle => pickle::load(bytes, limits)?.to_model(None),
        Kind::Joblib(compressor) => {
            let stream = joblib::decompress(bytes, compressor, limit)?;
            pickle::load(&stream, limits)?.to_model(Some(compressor))
        }
        Kind::OldJoblib => Err(joblib::old_refusal(bytes, limits)),
        _ => Err(unknown(bytes, limits)),
    }
}

/// Lists the opcodes of a pickle or joblib file, decompressing a joblib file first (offsets are
/// then in the decompressed stream). Listing builds nothing, so a hostile file is listed, not
/// refused. A skops file holds no pickle, and is an error here.
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::python;
///
/// let hostile = b"\x80\x04cposix\nsystem\n\x8c\x0aecho pwned\x85R.";
/// let lines: Vec<String> = python::disassemble(hostile)?.iter().map(|op| op.to_string()).collect();
/// assert_eq!(lines, [
///     "    0: \\x80 PROTO      4",
///     "    2: c    GLOBAL     'posix system'",
///     "   16: \\x8c SHORT_BINUNICODE 'echo pwned'",
///     "   28: \\x85 TUPLE1",
///     "   29: R    REDUCE",
///     "   30: .    STOP",
/// ]);
/// # Ok::<(), Error>(())
/// ```
pub fn disassemble(bytes: &[u8]) -> Result<Vec<Op>> {
    let limits = Limits::default();
    Ok(match sniff::sniff(bytes) {
        Kind::Empty => return Err(SklearnProblem::Empty.into()),
        Kind::Pickle => pickle::disassemble(bytes, limits)?,
        Kind::Joblib(compressor) => {
            let stream = joblib::decompress(bytes, compressor, limits.max_bytes)?;
            pickle::disassemble(&stream, limits)?
        }
        Kind::Skops => return Err(SklearnProblem::NoPickle.into()),
        Kind::OldJoblib => return Err(joblib::old_refusal(bytes, limits).into()),
        _ => match unknown(bytes, limits) {
            // Nothing a pickle of protocol 0 or 1 could be.
            problem @ SklearnProblem::UnknownFormat { .. } => return Err(problem.into()),
            // A pickle of protocol 0 or 1: listed like any other.
            _ => pickle::disassemble(bytes, limits)?,
        },
    })
}

#[cfg(test)]
mod tests;

impl From<SklearnProblem> for Error {
    fn from(problem: SklearnProblem) -> Self {
        // An empty file is the same error whoever finds it first.
        match problem {
            SklearnProblem::Empty => ErrorKind::Empty.into(),
            problem => ErrorKind::Python(crate::error::Detail::new(problem)).into(),
        }
    }
}
