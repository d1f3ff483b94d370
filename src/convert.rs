//! Moving a linear model between files: from any file the crate reads (its own model files, and
//! scikit-learn's pickle, joblib and skops files) to one of its own, keeping what is known about
//! the model. The command line's `inspect`, `predict` and `convert` work through here.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::codec::Codec;
use crate::error::{Error, ErrorKind, Result};
use crate::layout::{Header, MAGIC, Metadata};
use crate::persist::{load_with_header, save_with};
use crate::sklearn::{self, PythonModel};
use crate::train::Model;

/// A linear model read from a file, with what the file says about it.
#[derive(Debug, Clone)]
pub struct Linear {
    /// The model, ready for `predict`, `r2` and `save`.
    pub model: Model,
    /// What is known about it: features and their names, scores, notes on where it came from.
    pub metadata: Metadata,
    /// The file it was read from, as that file describes itself.
    pub origin: Origin,
}

/// What kind of file a [`Linear`] was read from, and its description.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A model file of this crate, with its checked header.
    Ours(Header),
    /// A scikit-learn file, with what it says about the estimator.
    Sklearn(PythonModel),
}

/// Reads the linear model in the file at `path`, whichever kind it is: told apart by its first
/// bytes, not by its name.
///
/// ```
/// use model_persistence::convert;
/// use model_persistence::prelude::*;
/// use model_persistence::sklearn::ARTICLE_JOBLIB;
///
/// let dir = tempdir()?;
/// let python = dir.path().join("Jlib_LR_Model.pkl");
/// std::fs::write(&python, ARTICLE_JOBLIB)?;
/// let ours = dir.path().join("wine.bin");
/// save(&train(&load_wine())?, &ours, Codec::Bincode)?;
/// for path in [python, ours] {
///     assert_eq!(convert::load(&path)?.model.params().len(), 13);
/// }
/// # Ok::<(), Error>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<Linear> {
    let path = path.as_ref();
    if starts_with_magic(path)? {
        let loaded = load_with_header::<Model>(path)?;
        return Ok(Linear {
            model: loaded.model,
            metadata: loaded.header.metadata.clone(),
            origin: Origin::Ours(loaded.header),
        });
    }
    let python = sklearn::load(path)?;
    Ok(Linear {
        model: python.model().map_err(|e| e.at(path))?,
        metadata: python.metadata(),
        origin: Origin::Sklearn(python),
    })
}

/// Whether the file at `path` starts with this crate's magic bytes.
fn starts_with_magic(path: &Path) -> Result<bool> {
    let io_err = |e| Error::io(path, e);
    let file = File::open(path).map_err(io_err)?;
    if file.metadata().map_err(io_err)?.is_dir() {
        return Err(Error::from(ErrorKind::IsDirectory).at(path));
    }
    let mut head = Vec::with_capacity(MAGIC.len());
    file.take(MAGIC.len() as u64)
        .read_to_end(&mut head)
        .map_err(io_err)?;
    Ok(head == MAGIC)
}

/// Writes `linear` to `path` as a model file of this crate, with its metadata, atomically; the
/// codec is `codec`, or else the one `path`'s extension stands for. Returns the file's size.
///
/// ```
/// use model_persistence::convert;
/// use model_persistence::prelude::*;
/// use model_persistence::sklearn::ARTICLE_PICKLE;
///
/// let dir = tempdir()?;
/// let python = dir.path().join("Pck_LR_Model.pkl");
/// std::fs::write(&python, ARTICLE_PICKLE)?;
/// let ours = dir.path().join("wine.bin.zst");
/// convert::save(&convert::load(&python)?, &ours, None)?;
/// assert_eq!(inspect(&ours)?.codec, Codec::BincodeZstd);
/// assert!(convert::save(&convert::load(&python)?, dir.path().join("wine.txt"), None).is_err());
/// # Ok::<(), Error>(())
/// ```
pub fn save(linear: &Linear, path: impl AsRef<Path>, codec: Option<Codec>) -> Result<u64> {
    let path = path.as_ref();
    let codec = codec
        .or_else(|| Codec::for_path(path))
        .ok_or_else(|| ErrorKind::UnknownExtension(path.to_path_buf()))?;
    save_with(&linear.model, &linear.metadata, path, codec)
}
