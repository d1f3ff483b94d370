//! Steps 6 and 7: save a model to a file and load it back, the pickle way (plain bincode) or
//! the joblib way (bincode compressed with zstd).
//!
//! Unlike pickle, loading only decodes data into the type you ask for: no code in the file runs.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

/// The first bytes of every model file this crate writes.
pub const MAGIC: [u8; 8] = *b"MPMODEL\0";

/// How the model is encoded in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// serde + bincode, uncompressed: the pickle way.
    Bincode,
    /// serde + bincode, then zstd: the joblib way, which compresses.
    Zstd,
}

impl Format {
    /// Every format, in the order the article uses them.
    pub const ALL: [Format; 2] = [Format::Bincode, Format::Zstd];

    /// A short lowercase name, used in reports and file names.
    ///
    /// ```
    /// # use model_persistence::persist::Format;
    /// assert_eq!(Format::Zstd.name(), "zstd");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::Bincode => "bincode",
            Format::Zstd => "zstd",
        }
    }

    /// The file name extension the article uses for this format.
    ///
    /// ```
    /// # use model_persistence::persist::Format;
    /// assert_eq!(Format::Zstd.extension(), "bin.zst");
    /// ```
    pub fn extension(self) -> &'static str {
        match self {
            Format::Bincode => "bin",
            Format::Zstd => "bin.zst",
        }
    }

    fn code(self) -> u8 {
        match self {
            Format::Bincode => 1,
            Format::Zstd => 2,
        }
    }

    fn from_code(code: u8) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// Why a model could not be saved or loaded.
#[derive(Debug, Error)]
pub enum PersistError {
    /// Reading or writing the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file does not start with this crate's magic bytes.
    #[error("{}: not a model file of this crate", path.display())]
    NotAModel {
        /// The file.
        path: PathBuf,
    },
    /// The file names a codec this version does not know.
    #[error("{}: unknown codec {code}", path.display())]
    UnknownCodec {
        /// The file.
        path: PathBuf,
        /// The codec byte found.
        code: u8,
    },
    /// The model could not be encoded.
    #[error("cannot encode the model: {0}")]
    Encode(String),
    /// The bytes after the header do not decode to the model type asked for.
    #[error("{}: corrupt model data: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
}

/// Writes `model` to `path` in `format` and returns the file's size in bytes.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let model = train(&load_wine())?;
/// let bytes = save(&model, dir.path().join("wine.bin"), Format::Bincode)?;
/// assert!(bytes > 13 * 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save<M: Serialize>(
    model: &M,
    path: impl AsRef<Path>,
    format: Format,
) -> Result<u64, PersistError> {
    let path = path.as_ref();
    let payload = bincode::serde::encode_to_vec(model, bincode::config::standard())
        .map_err(|e| PersistError::Encode(e.to_string()))?;
    let body = match format {
        Format::Bincode => payload,
        Format::Zstd => zstd::encode_all(&payload[..], 3).map_err(|e| io_error(path, e))?,
    };
    let mut bytes = Vec::with_capacity(MAGIC.len() + 1 + body.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.push(format.code());
    bytes.extend_from_slice(&body);
    fs::write(path, &bytes).map_err(|e| io_error(path, e))?;
    Ok(bytes.len() as u64)
}

/// Reads a model of type `M` from `path`, whichever format it was saved in.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.bin.zst");
/// let model = train(&load_wine())?;
/// save(&model, &path, Format::Zstd)?;
/// let reloaded: Model = load(&path)?;
/// assert_eq!(reloaded, model);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load<M: DeserializeOwned>(path: impl AsRef<Path>) -> Result<M, PersistError> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(|e| io_error(path, e))?;
    let rest = bytes
        .strip_prefix(&MAGIC[..])
        .ok_or_else(|| PersistError::NotAModel { path: path.into() })?;
    let (&code, body) = rest
        .split_first()
        .ok_or_else(|| PersistError::NotAModel { path: path.into() })?;
    let format = Format::from_code(code).ok_or(PersistError::UnknownCodec {
        path: path.into(),
        code,
    })?;
    let corrupt = |reason: String| PersistError::Corrupt {
        path: path.into(),
        reason,
    };
    let payload = match format {
        Format::Bincode => body.to_vec(),
        Format::Zstd => zstd::decode_all(body).map_err(|e| corrupt(e.to_string()))?,
    };
    let (model, _) = bincode::serde::decode_from_slice(&payload, bincode::config::standard())
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(model)
}

fn io_error(path: &Path, source: io::Error) -> PersistError {
    PersistError::Io {
        path: path.into(),
        source,
    }
}
