//! From Python to Rust: the scikit-learn linear models that `pickle.dump`, `joblib.dump` and
//! `skops.io.dump` write, read without running anything in the file.
//!
//! [`load`] reads a fitted `LinearRegression`, `Ridge`, `Lasso` or `ElasticNet` into a
//! [`PythonModel`]: its coefficients, its intercept, and what the file says about it (the class,
//! `_sklearn_version`, `n_features_in_`, the feature names, how it was written). Its
//! [`model`](PythonModel::model) is the crate's [`Model`](crate::article::train::Model), so `predict`, `r2` and `save` work on
//! it unchanged. The container is told apart by content, not by name:
//!
//! | first bytes | container | read by |
//! |---|---|---|
//! | `PK\x03\x04` | skops zip | `skops.rs` |
//! | `\x80` (PROTO) | pickle, or uncompressed joblib | `pickle.rs` |
//! | `\x78`, `\x1f\x8b`, `BZ`, `\x5d\x00`, `\xfd7zXZ`, `\x04\x22\x4d\x18` | compressed joblib | `joblib.rs`, then `pickle.rs` |
//! | `ZF` | joblib before 0.10 | named and refused (`joblib.rs`) |
//! | any other pickle opcode | protocol 0 or 1 | named and refused (`pickle.rs`) |
//!
//! Everything a read holds is bounded: a file's data by [`Limits::max_bytes`], the memory its
//! objects take by [`Limits::memory_budget`].
//!
//! Python's own `pickle.load` calls whatever a file names. Here a pickle is read by a machine that
//! knows the opcodes but calls nothing: a global off a short allowlist is refused by name
//! ([`SklearnProblem::Refused`]), and [`disassemble`] lists a file's opcodes as `pickletools.dis`
//! does, without building anything, so a hostile file can be shown before it is refused.

pub mod convert;
mod error;
mod estimator;
pub mod export;
mod joblib;
pub mod mlflow;
mod npy;
mod onnx;
mod pickle;
mod safetensors;
pub(crate) mod skops;

use std::fs::File;
use std::io::Read;
use std::path::Path;

pub(crate) use error::Class;
pub(crate) use error::SklearnProblem;
pub use estimator::{Container, Estimator, PythonModel};
pub use joblib::Compressor;
pub use npy::Dtype;
pub use pickle::Op;

use crate::error::{Error, ErrorKind, Result};
use crate::file::persist;

/// The article's own `Pck_LR_Model.pkl`, as its code writes it (`pickle.dump`, scikit-learn
/// 1.9.1, numpy 2.4.6), shipped with the crate so that the book and the notebooks can open it.
pub const ARTICLE_PICKLE: &[u8] =
    include_bytes!("../../tests/data/python/current/Pck_LR_Model.pkl");
/// The article's own `Jlib_LR_Model.pkl`, as its code writes it (`joblib.dump`, joblib 1.6.0).
pub const ARTICLE_JOBLIB: &[u8] =
    include_bytes!("../../tests/data/python/current/Jlib_LR_Model.pkl");

/// The most bytes of pickle or skops data a file may hold, decompressed: 8 MiB. A linear model
/// of n features takes about 8n bytes (`coef_` in float64), so this is room for about a million
/// features (the memory budget, [`Limits::memory_budget`], lets about 150,000 of them carry names,
/// each a string of its own); a file that inflates past it is refused before
/// the rest is read. A caller with a larger model raises it with [`Limits`].
pub const MAX_BYTES: u64 = 8 << 20;

/// The zip magic that starts a skops file.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// How much a scikit-learn file may make the reader take. The default holds any linear model of
/// up to about a million features; the memory a read takes is a small multiple of this and of
/// the file's size (see the module documentation), so raising it is safe where the files are.
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::python::{self, ARTICLE_JOBLIB, Limits};
///
/// let tight = Limits { max_bytes: 100 };
/// let err = python::decode_with(ARTICLE_JOBLIB, tight).unwrap_err();
/// assert!(err.is_too_large() && err.to_string().contains("limit of 100 bytes"));
/// assert_eq!(python::decode_with(ARTICLE_JOBLIB, Limits::default())?.n_features_in, 13);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes of pickle or skops data a file may hold once decompressed (and so the
    /// largest file); [`MAX_BYTES`] by default.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: MAX_BYTES,
        }
    }
}

/// Bytes of memory a read may take for each byte of pickle or skops data. A real model's file
/// needs about one for its arrays, which are read once and then shared, and about thirteen for
/// the feature names of a model fitted on a DataFrame (each short name is a string, an item of
/// a list and a memo entry, for some seventeen bytes of pickle); a file of nothing but one-byte
/// opcodes that each build an object would need about a hundred.
pub const MEMORY_PER_BYTE: u64 = 16;
/// Bytes of memory a read may take, at most, for each byte of [`Limits::max_bytes`]: whatever
/// the file, the budget stops at this many times the data limit (plus the allowance).
pub const MEMORY_PER_LIMIT_BYTE: u64 = 4;
/// Memory a read may take whatever the file's size: room for a small model's objects.
pub const MEMORY_ALLOWANCE: u64 = 4 << 20;

impl Limits {
    /// The most memory reading `len` bytes of pickle or skops data may take:
    /// [`MEMORY_PER_BYTE`] for each of them, but at most [`MEMORY_PER_LIMIT_BYTE`] for each byte
    /// of [`max_bytes`](Limits::max_bytes), plus [`MEMORY_ALLOWANCE`]. Past it, a file is refused
    /// before it takes more. By default what a read builds is held to 36 MiB; with the file's data
    /// beside it, no hostile file of the test corpus takes more than 64 MiB in all.
    ///
    /// ```
    /// use model_persistence::python::Limits;
    ///
    /// let limits = Limits::default();
    /// assert_eq!(limits.memory_budget(1_000), 16_000 + (4 << 20));
    /// assert_eq!(limits.memory_budget(1 << 30), 36 << 20);
    /// ```
    pub fn memory_budget(&self, len: u64) -> u64 {
        let scaled = len.saturating_mul(MEMORY_PER_BYTE);
        let ceiling = self.max_bytes.saturating_mul(MEMORY_PER_LIMIT_BYTE);
        scaled.min(ceiling).saturating_add(MEMORY_ALLOWANCE)
    }
}

/// Which container a file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Skops,
    Pickle,
    Joblib(Compressor),
    /// joblib before 0.10: `ZF`, the length in hex, then a zlib stream.
    OldJoblib,
}

fn detect(bytes: &[u8], limits: Limits) -> Result<Format, SklearnProblem> {
    if bytes.is_empty() {
        Err(SklearnProblem::Empty)
    } else if bytes.starts_with(ZIP_MAGIC) {
        Ok(Format::Skops)
    } else if bytes.starts_with(b"\x80") {
        Ok(Format::Pickle)
    } else if bytes.starts_with(joblib::OLD_PREFIX) {
        Ok(Format::OldJoblib)
    } else if let Some(compressor) = joblib::detect(bytes) {
        Ok(Format::Joblib(compressor))
    } else {
        Err(unknown(bytes, limits))
    }
}

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

/// Whether `bytes` start like a file this module reads: a pickle, a joblib file or a skops zip.
///
/// ```
/// use model_persistence::python::{ARTICLE_JOBLIB, ARTICLE_PICKLE, looks_like};
///
/// assert!(looks_like(ARTICLE_PICKLE) && looks_like(ARTICLE_JOBLIB));
/// assert!(!looks_like(b"\x89MODEL\r\n"));
/// ```
pub fn looks_like(bytes: &[u8]) -> bool {
    detect(bytes, Limits::default()).is_ok()
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
    match detect(bytes, limits)? {
        Format::Skops => skops::read(bytes, limits),
        Format::Pickle => pickle::load(bytes, limits)?.to_model(None),
        Format::Joblib(compressor) => {
            let stream = joblib::decompress(bytes, compressor, limit)?;
            pickle::load(&stream, limits)?.to_model(Some(compressor))
        }
        Format::OldJoblib => Err(joblib::old_refusal(bytes, limits)),
    }
}

/// Lists the opcodes of a pickle or joblib file, decompressing a joblib file first (offsets are
/// then in the decompressed stream). Listing builds nothing, so a hostile file is listed, not
/// refused. A skops file holds no pickle ([`SklearnProblem::NoPickle`]).
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
    Ok(match detect(bytes, limits) {
        Ok(Format::Pickle) => pickle::disassemble(bytes, limits)?,
        Ok(Format::Joblib(compressor)) => {
            let stream = joblib::decompress(bytes, compressor, limits.max_bytes)?;
            pickle::disassemble(&stream, limits)?
        }
        Ok(Format::Skops) => return Err(SklearnProblem::NoPickle.into()),
        Ok(Format::OldJoblib) => return Err(joblib::old_refusal(bytes, limits).into()),
        // Nothing a pickle of protocol 0 or 1 could be.
        Err(problem @ (SklearnProblem::Empty | SklearnProblem::UnknownFormat { .. })) => {
            return Err(problem.into());
        }
        // A pickle of protocol 0 or 1: listed like any other.
        Err(_) => pickle::disassemble(bytes, limits)?,
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
