//! From Python to Rust: the scikit-learn linear models that `pickle.dump`, `joblib.dump` and
//! `skops.io.dump` write, read without running anything in the file.
//!
//! [`load`] reads a fitted `LinearRegression`, `Ridge`, `Lasso` or `ElasticNet` into a
//! [`PythonModel`]: its coefficients, its intercept, and what the file says about it (the class,
//! `_sklearn_version`, `n_features_in_`, the feature names, how it was written). Its
//! [`model`](PythonModel::model) is the crate's [`Model`](crate::train::Model), so `predict`, `r2` and `save` work on
//! it unchanged. The container is told apart by content, not by name:
//!
//! | first bytes | container | read by |
//! |---|---|---|
//! | `PK\x03\x04` | skops zip | `skops.rs` |
//! | `\x80` (PROTO) | pickle, or uncompressed joblib | `pickle.rs` |
//! | `\x78`, `\x1f\x8b`, `BZ`, `\x5d\x00`, `\xfd7zXZ`, `\x04\x22\x4d\x18` | compressed joblib | `joblib.rs`, then `pickle.rs` |
//!
//! Python's own `pickle.load` calls whatever a file names. Here a pickle is read by a machine that
//! knows the opcodes but calls nothing: a global off a short allowlist is refused by name
//! ([`SklearnProblem::Refused`]), and [`disassemble`] lists a file's opcodes as `pickletools.dis`
//! does, without building anything, so a hostile file can be shown before it is refused.

mod error;
mod estimator;
mod joblib;
mod numpy;
mod pickle;
mod skops;

use std::fs::File;
use std::io::Read;
use std::path::Path;

pub use error::SklearnProblem;
pub use estimator::{Container, Estimator, PythonModel};
pub use joblib::Compressor;
pub use numpy::Dtype;
pub use pickle::Op;

use crate::error::{Error, ErrorKind, Result};
use crate::persist;

/// The article's own `Pck_LR_Model.pkl`, as its code writes it (`pickle.dump`, scikit-learn
/// 1.9.1, numpy 2.4.6), shipped with the crate so that the book and the notebooks can open it.
pub const ARTICLE_PICKLE: &[u8] =
    include_bytes!("../../tests/data/python/current/Pck_LR_Model.pkl");
/// The article's own `Jlib_LR_Model.pkl`, as its code writes it (`joblib.dump`, joblib 1.6.0).
pub const ARTICLE_JOBLIB: &[u8] =
    include_bytes!("../../tests/data/python/current/Jlib_LR_Model.pkl");

/// The most bytes a file may have, and a compressed joblib stream or all skops members together
/// may inflate to: 256 MiB, far above any linear model.
pub const MAX_BYTES: u64 = 256 << 20;

/// The zip magic that starts a skops file.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Which container a file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Skops,
    Pickle,
    Joblib(Compressor),
}

fn detect(bytes: &[u8]) -> Result<Format, SklearnProblem> {
    if bytes.is_empty() {
        Err(SklearnProblem::Empty)
    } else if bytes.starts_with(ZIP_MAGIC) {
        Ok(Format::Skops)
    } else if bytes.starts_with(b"\x80") {
        Ok(Format::Pickle)
    } else if bytes.starts_with(joblib::OLD_PREFIX) {
        Err(SklearnProblem::OldJoblib)
    } else if let Some(compressor) = joblib::detect(bytes) {
        Ok(Format::Joblib(compressor))
    } else {
        Err(SklearnProblem::UnknownFormat {
            start: bytes.iter().take(4).copied().collect(),
        })
    }
}

/// Whether `bytes` start like a file this module reads: a pickle, a joblib file or a skops zip.
///
/// ```
/// use model_persistence::sklearn::{ARTICLE_JOBLIB, ARTICLE_PICKLE, looks_like};
///
/// assert!(looks_like(ARTICLE_PICKLE) && looks_like(ARTICLE_JOBLIB));
/// assert!(!looks_like(b"\x89MODEL\r\n"));
/// ```
pub fn looks_like(bytes: &[u8]) -> bool {
    detect(bytes).is_ok()
}

/// Reads the linear model in the pickle, joblib or skops file at `path`.
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::sklearn::{self, ARTICLE_PICKLE, Estimator};
///
/// let dir = tempdir()?;
/// let path = dir.path().join("Pck_LR_Model.pkl");
/// std::fs::write(&path, ARTICLE_PICKLE)?;
/// let python = sklearn::load(&path)?;
/// assert_eq!((python.estimator, python.n_features_in), (Estimator::LinearRegression, 13));
/// # Ok::<(), Error>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<PythonModel> {
    let path = path.as_ref();
    let (file, len) = persist::open_bounded(path, MAX_BYTES)?;
    let bytes = read_whole(file, len, path)?;
    decode(&bytes).map_err(|e| e.at(path))
}

/// Reads the `len` bytes of `file`, opened from `path`, refusing a file above [`MAX_BYTES`].
pub(crate) fn read_whole(file: File, len: u64, path: &Path) -> Result<Vec<u8>> {
    persist::refuse_above(path, len, MAX_BYTES)?;
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
/// use model_persistence::sklearn::{self, SklearnProblem};
///
/// // What `pickle.dumps` writes for an object whose `__reduce__` returns
/// // `(os.system, ("echo pwned",))`, on Linux.
/// let hostile = b"\x80\x04cposix\nsystem\n\x8c\x0aecho pwned\x85R.";
/// let err = sklearn::decode(hostile).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Sklearn(SklearnProblem::Refused { .. })));
/// assert_eq!(
///     err.to_string(),
///     "refused: the pickle calls posix.system (only scikit-learn linear models and numpy arrays are read)"
/// );
/// ```
pub fn decode(bytes: &[u8]) -> Result<PythonModel> {
    Ok(read_with_limit(bytes, MAX_BYTES)?)
}

/// [`decode`], with its own kind of error, for the module's tests.
#[cfg(test)]
fn read(bytes: &[u8]) -> Result<PythonModel, SklearnProblem> {
    read_with_limit(bytes, MAX_BYTES)
}

/// [`decode`], with decompressed data bounded by `limit` bytes.
fn read_with_limit(bytes: &[u8], limit: u64) -> Result<PythonModel, SklearnProblem> {
    match detect(bytes)? {
        Format::Skops => skops::read(bytes, limit),
        Format::Pickle => pickle::load(bytes)?.to_model(None),
        Format::Joblib(compressor) => {
            let stream = joblib::decompress(bytes, compressor, limit)?;
            pickle::load(&stream)?.to_model(Some(compressor))
        }
    }
}

/// Lists the opcodes of a pickle or joblib file, decompressing a joblib file first (offsets are
/// then in the decompressed stream). Listing builds nothing, so a hostile file is listed, not
/// refused. A skops file holds no pickle ([`SklearnProblem::NoPickle`]).
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::sklearn;
///
/// let hostile = b"\x80\x04cposix\nsystem\n\x8c\x0aecho pwned\x85R.";
/// let lines: Vec<String> = sklearn::disassemble(hostile)?.iter().map(|op| op.to_string()).collect();
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
    Ok(match detect(bytes)? {
        Format::Pickle => pickle::disassemble(bytes)?,
        Format::Joblib(compressor) => {
            pickle::disassemble(&joblib::decompress(bytes, compressor, MAX_BYTES)?)?
        }
        Format::Skops => return Err(SklearnProblem::NoPickle.into()),
    })
}

#[cfg(test)]
mod tests;

impl From<SklearnProblem> for Error {
    fn from(problem: SklearnProblem) -> Self {
        ErrorKind::Sklearn(problem).into()
    }
}
