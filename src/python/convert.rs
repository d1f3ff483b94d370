//! Moving a linear model between files: from any file the crate reads (its own model files,
//! scikit-learn's pickle, joblib and skops files, and the ONNX and safetensors files it exports)
//! to one of its own or to a file for Python, keeping what is known about the model. The command
//! line's `inspect`, `predict` and `convert` work through here.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use crate::article::linear::LinearModel;
use crate::article::train::Model;
use crate::error::{Error, ErrorKind, Result};
use crate::file::codec::Codec;
use crate::file::layout::{self, MAX_PAYLOAD_BYTES};
use crate::file::persist::{MAX_FILE_BYTES, open_bounded, save_with, write_atomically};
use crate::python::export::{self, Format};
use crate::python::sniff::{Kind, SNIFF_BYTES, sniff};
use crate::python::{self, Limits, Linear, Origin};

/// What [`save`] writes: a model file of this crate with one of its codecs, or a file for Python.
///
/// ```
/// use model_persistence::python::convert::Target;
/// use model_persistence::python::export::Format;
/// use model_persistence::prelude::*;
///
/// assert_eq!(Target::for_path("wine.bin.zst"), Some(Target::Ours(Codec::BincodeZstd)));
/// assert_eq!("onnx".parse::<Target>()?, Target::Python(Format::Onnx));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A model file of this crate, with this codec.
    Ours(Codec),
    /// A file that Python reads.
    Python(Format),
    /// An MLflow model directory ([`crate::python::mlflow`]).
    Mlflow,
}

impl Target {
    /// The target a file name's extension stands for, if any.
    pub fn for_path(path: impl AsRef<Path>) -> Option<Target> {
        let path = path.as_ref();
        Codec::for_path(path)
            .map(Target::Ours)
            .or_else(|| Format::for_path(path).map(Target::Python))
    }
}

impl std::str::FromStr for Target {
    type Err = Error;

    /// Reads a codec's name (`bincode`, `bincode+zstd`, `json`), a format's (`skops`, `onnx`,
    /// `safetensors`) or `mlflow`.
    fn from_str(text: &str) -> Result<Target> {
        if text == "mlflow" {
            return Ok(Target::Mlflow);
        }
        let codec = Codec::ALL.into_iter().find(|c| c.name() == text);
        let format = Format::ALL.into_iter().find(|f| f.extension() == text);
        (codec.map(Target::Ours))
            .or(format.map(Target::Python))
            .ok_or_else(|| ErrorKind::UnknownTargetName(text.to_string()).into())
    }
}

/// Reads the linear model in the file at `path`, whichever kind it is: told apart by its first
/// bytes, not by its name.
///
/// ```
/// use model_persistence::python::convert;
/// use model_persistence::prelude::*;
/// use model_persistence::python::ARTICLE_JOBLIB;
///
/// let dir = tempdir()?;
/// let python = dir.path().join("Jlib_LR_Model.pkl");
/// std::fs::write(&python, ARTICLE_JOBLIB)?;
/// let ours = dir.path().join("wine.bin");
/// save(&train(&load_wine())?, &ours, Codec::Bincode)?;
/// for path in [python, ours] {
///     assert_eq!(convert::load(&path)?.model.n_features(), 13);
/// }
/// # Ok::<(), Error>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<Linear> {
    load_with(path, Limits::default())
}

/// [`load`], reading a scikit-learn file within `limits` instead of the default ones.
///
/// ```
/// use model_persistence::python::convert;
/// use model_persistence::prelude::*;
/// use model_persistence::python::{ARTICLE_JOBLIB, Limits};
///
/// let dir = tempdir()?;
/// let path = dir.path().join("Jlib_LR_Model.pkl");
/// std::fs::write(&path, ARTICLE_JOBLIB)?;
/// assert!(convert::load_with(&path, Limits { max_bytes: 64 }).is_err());
/// assert_eq!(convert::load_with(&path, Limits::default())?.model.n_features(), 13);
/// # Ok::<(), Error>(())
/// ```
pub fn load_with(path: impl AsRef<Path>, limits: Limits) -> Result<Linear> {
    let path = path.as_ref();
    let (mut file, len) = open_bounded(path, MAX_FILE_BYTES)?;
    if sniff(&head(&mut file).map_err(|e| Error::io(path, e))?) == Kind::Ours {
        let loaded = layout::decode_from::<Model, _>(file, len, MAX_PAYLOAD_BYTES);
        return match loaded {
            Err(err) if holds_linear_model(&err) => {
                // Several targets or a link: the file holds the crate's LinearModel. Read again.
                let (file, len) = open_bounded(path, MAX_FILE_BYTES)?;
                let loaded = layout::decode_from::<LinearModel, _>(file, len, MAX_PAYLOAD_BYTES);
                Ok(ours_linear(loaded.map_err(|e| e.at(path))?))
            }
            loaded => Ok(ours(loaded.map_err(|e| e.at(path))?)),
        };
    }
    let bytes = python::read_whole(file, len, path, limits)?;
    theirs(&bytes, limits).map_err(|e| e.at(path))
}

/// [`load_with`] from `bytes`, a whole file of any kind that [`load`] reads, held in memory (as
/// an object downloaded from a store is).
///
/// ```
/// use model_persistence::python::convert;
/// use model_persistence::python::{ARTICLE_PICKLE, Limits};
///
/// let linear = convert::from_bytes(ARTICLE_PICKLE, Limits::default())?;
/// assert_eq!(linear.model.n_features(), 13);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn from_bytes(bytes: &[u8], limits: Limits) -> Result<Linear> {
    if sniff(bytes) == Kind::Ours {
        return match layout::decode::<Model>(bytes, MAX_PAYLOAD_BYTES) {
            Err(err) if holds_linear_model(&err) => {
                layout::decode::<LinearModel>(bytes, MAX_PAYLOAD_BYTES).map(ours_linear)
            }
            loaded => loaded.map(ours),
        };
    }
    theirs(bytes, limits)
}

/// Whether reading the article's model failed because the file holds the crate's
/// [`LinearModel`] (several targets, or a link), which [`save`] writes for such a model.
fn holds_linear_model(err: &Error) -> bool {
    let linear = std::any::type_name::<LinearModel>();
    matches!(err.kind(), ErrorKind::WrongType { found, .. } if found == linear)
}

/// The linear model of a checked model file of this crate that holds the article's model.
fn ours(loaded: layout::Loaded<Model>) -> Linear {
    Linear {
        model: LinearModel::from(&loaded.model),
        metadata: loaded.header.metadata.clone(),
        origin: Origin::Ours(loaded.header),
    }
}

/// The linear model of a checked model file of this crate that holds a [`LinearModel`].
fn ours_linear(loaded: layout::Loaded<LinearModel>) -> Linear {
    Linear {
        model: loaded.model,
        metadata: loaded.header.metadata.clone(),
        origin: Origin::Ours(loaded.header),
    }
}

/// The linear model of the bytes of a file that is not ours: scikit-learn's, or an export.
fn theirs(bytes: &[u8], limits: Limits) -> Result<Linear> {
    if !sniff(bytes).is_scikit_learn() {
        return export::decode(bytes);
    }
    let python = python::decode_with(bytes, limits)?;
    Ok(Linear {
        model: python.linear()?,
        metadata: python.metadata(),
        origin: Origin::Sklearn(python),
    })
}

/// The first bytes of `file`, which [`sniff`] tells apart; `file` is read from its start again
/// after.
fn head(file: &mut File) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    file.rewind()?;
    Ok(head)
}

/// Writes `linear` to `path`, atomically: as a model file of this crate (with its metadata) or as
/// a file for Python, as `target` says, or else as `path`'s extension says. Returns the file's
/// size.
///
/// ```
/// use model_persistence::python::convert;
/// use model_persistence::prelude::*;
/// use model_persistence::python::ARTICLE_PICKLE;
///
/// let dir = tempdir()?;
/// let python = dir.path().join("Pck_LR_Model.pkl");
/// std::fs::write(&python, ARTICLE_PICKLE)?;
/// let linear = convert::load(&python)?;
/// convert::save(&linear, dir.path().join("wine.bin.zst"), None)?;
/// assert_eq!(inspect(dir.path().join("wine.bin.zst"))?.codec, Codec::BincodeZstd);
/// convert::save(&linear, dir.path().join("wine.onnx"), None)?;
/// assert_eq!(convert::load(dir.path().join("wine.onnx"))?.model, linear.model);
/// assert!(convert::save(&linear, dir.path().join("wine.txt"), None).is_err());
/// # Ok::<(), Error>(())
/// ```
pub fn save(linear: &Linear, path: impl AsRef<Path>, target: Option<Target>) -> Result<u64> {
    let path = path.as_ref();
    let target = target_for(path, target)?;
    match target {
        // The article's model when it holds this one, so that its files stay what they were.
        Target::Ours(codec) if linear.model.is_plain() => {
            save_with(&linear.model.to_model()?, &linear.metadata, path, codec)
        }
        Target::Ours(codec) => save_with(&linear.model, &linear.metadata, path, codec),
        Target::Mlflow => crate::python::mlflow::save(linear, path),
        Target::Python(_) => {
            let bytes = to_bytes(linear, target).map_err(|e| e.at(path))?;
            write_atomically(path, true, |file| {
                std::io::Write::write_all(file, &bytes)?;
                Ok(bytes.len() as u64)
            })
        }
    }
}

/// The target [`save`] writes to `path`: `target` if given, else the one `path`'s extension
/// names.
pub(crate) fn target_for(path: &Path, target: Option<Target>) -> Result<Target> {
    target
        .or_else(|| Target::for_path(path))
        .ok_or_else(|| Error::from(ErrorKind::UnknownExtension).at(path))
}

/// The bytes of the file [`save`] writes for `linear` as `target` (an MLflow directory is
/// several files: [`crate::python::mlflow::files`]).
///
/// ```
/// use model_persistence::python::convert::{self, Target};
/// use model_persistence::prelude::*;
/// use model_persistence::python::{ARTICLE_PICKLE, Limits};
///
/// let linear = convert::from_bytes(ARTICLE_PICKLE, Limits::default())?;
/// let bytes = convert::to_bytes(&linear, Target::Ours(Codec::Bincode))?;
/// assert_eq!(convert::from_bytes(&bytes, Limits::default())?.model, linear.model);
/// # Ok::<(), Error>(())
/// ```
pub fn to_bytes(linear: &Linear, target: Target) -> Result<Vec<u8>> {
    match target {
        Target::Ours(codec) if linear.model.is_plain() => {
            layout::encode(&linear.model.to_model()?, &linear.metadata, codec)
        }
        Target::Ours(codec) => layout::encode(&linear.model, &linear.metadata, codec),
        Target::Python(format) => export::encode(linear, format),
        Target::Mlflow => Err(Error::encode(std::io::Error::other(
            "an MLflow model is a folder of files (mlflow::files), not one file",
        ))),
    }
}
