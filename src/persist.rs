//! Steps 6 and 7: save a model to a file and load it back, the pickle way (bincode), the joblib
//! way (bincode + zstd) or as JSON, in the checked layout of [`crate::format`].
//!
//! Saving is atomic: the bytes go to a temporary file in the same folder, which is flushed, synced
//! and renamed over the target, so a crash leaves either the old file or the new one. Loading
//! checks the file before decoding anything and never runs code from it, unlike pickle.

use std::any::Any;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

pub use crate::format::{Format, FormatError, Header, MAX_PAYLOAD_BYTES, Metadata};
use crate::format::{read, verify_from, write};

/// Why a model could not be saved or loaded; the message names the file and fits on one line.
#[derive(Debug, Error)]
pub enum PersistError {
    /// The file does not exist.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The path asked for.
        path: PathBuf,
    },
    /// The path is a folder.
    #[error("{}: is a directory, not a model file", path.display())]
    IsDirectory {
        /// The path asked for.
        path: PathBuf,
    },
    /// The file is larger than a model file may be.
    #[error("{}: too large: {bytes} bytes, above the limit of {limit}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file's content is not a model we can load.
    #[error("{}: {source}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: FormatError,
    },
}

impl PersistError {
    fn io(path: &Path, source: io::Error) -> Self {
        let path = path.to_path_buf();
        match source.kind() {
            io::ErrorKind::NotFound => PersistError::NotFound { path },
            io::ErrorKind::IsADirectory => PersistError::IsDirectory { path },
            _ => PersistError::Io { path, source },
        }
    }

    fn format(path: &Path, source: FormatError) -> Self {
        PersistError::Format {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A model read from a file, with the file's checked header.
#[derive(Debug, Clone)]
pub struct Loaded<M> {
    /// What the file says about itself.
    pub header: Header,
    /// The model.
    pub model: M,
}

/// Writes `model` to `path` in `format`, atomically, and returns the file's size in bytes.
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
pub fn save<M: Serialize + Any>(
    model: &M,
    path: impl AsRef<Path>,
    format: Format,
) -> Result<u64, PersistError> {
    save_with(model, &Metadata::default(), path, format)
}

/// Writes `model` and what is known about it (`metadata`) to `path` in `format`, atomically.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.bin");
/// let meta = Metadata { features: Some(13), ..Metadata::default() };
/// save_with(&train(&load_wine())?, &meta, &path, Format::Bincode)?;
/// assert_eq!(inspect(&path)?.metadata.features, Some(13));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_with<M: Serialize + Any>(
    model: &M,
    metadata: &Metadata,
    path: impl AsRef<Path>,
    format: Format,
) -> Result<u64, PersistError> {
    let path = path.as_ref();
    write_atomically(path, |file| write(model, metadata, format, file))
}

// ANCHOR: atomic
/// Runs `write` on a new temporary file next to `path`, syncs it and renames it over `path`.
/// On any error the temporary file is removed and `path` is untouched.
fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<T, FormatError>,
) -> Result<T, PersistError> {
    let io_err = |e| PersistError::io(path, e);
    let name = path.file_name().ok_or_else(|| {
        io_err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ))
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.suffix(".tmp");
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    builder.prefix(&prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut temp = builder.tempfile_in(dir).map_err(io_err)?;
    let written = write(temp.as_file_mut()).map_err(|e| PersistError::format(path, e))?;
    temp.as_file().sync_all().map_err(io_err)?;
    temp.persist(path).map_err(|e| io_err(e.error))?;
    // Make the rename itself durable.
    #[cfg(unix)]
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err)?;
    Ok(written)
}
// ANCHOR_END: atomic

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
pub fn load<M: DeserializeOwned + Any>(path: impl AsRef<Path>) -> Result<M, PersistError> {
    open(path).map(|loaded| loaded.model)
}

/// Reads a model of type `M` and the file's header from `path`.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.json");
/// save(&train(&load_wine())?, &path, Format::Json)?;
/// let loaded = open::<Model>(&path)?;
/// assert_eq!(loaded.header.format, Format::Json);
/// assert_eq!(loaded.model.params().len(), 13);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open<M: DeserializeOwned + Any>(path: impl AsRef<Path>) -> Result<Loaded<M>, PersistError> {
    open_with_limit(path, MAX_PAYLOAD_BYTES)
}

/// [`open`] with a limit, in bytes, on the file and on its payload once decompressed.
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::persist::open_with_limit;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.bin");
/// save(&train(&load_wine())?, &path, Format::Bincode)?;
/// // The model's payload is 115 bytes.
/// let err = open_with_limit::<Model>(&path, 100).unwrap_err();
/// assert!(err.to_string().contains("too large: the payload is 115 bytes"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_with_limit<M: DeserializeOwned + Any>(
    path: impl AsRef<Path>,
    limit: u64,
) -> Result<Loaded<M>, PersistError> {
    let path = path.as_ref();
    let (file, len) = open_bounded(path, limit)?;
    let (header, model) = read(file, len, limit).map_err(|e| PersistError::format(path, e))?;
    Ok(Loaded { header, model })
}

/// Verifies the file at `path` without knowing its model type and returns its header.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.bin");
/// save(&train(&load_wine())?, &path, Format::Bincode)?;
/// assert!(inspect(&path)?.model_type.ends_with("FittedLinearRegression<f64>"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inspect(path: impl AsRef<Path>) -> Result<Header, PersistError> {
    let path = path.as_ref();
    let (file, len) = open_bounded(path, MAX_PAYLOAD_BYTES)?;
    verify_from(file, len).map_err(|e| PersistError::format(path, e))
}

/// Opens the file for reading and returns its length, refusing a folder or a file larger than
/// `limit` plus room for the header.
fn open_bounded(path: &Path, limit: u64) -> Result<(File, u64), PersistError> {
    let io_err = |e| PersistError::io(path, e);
    let file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(PersistError::IsDirectory { path: path.into() });
    }
    // The descriptor and fixed fields of a real file take far less than 1 MiB.
    let max = limit.saturating_add(1 << 20);
    if meta.len() > max {
        return Err(PersistError::TooLarge {
            path: path.into(),
            bytes: meta.len(),
            limit: max,
        });
    }
    Ok((file, meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_writer_failing_half_way_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        save(&vec![1.0_f64; 100], &path, Format::Bincode).unwrap();
        let before = fs::read(&path).unwrap();

        let failed = write_atomically(&path, |file| {
            io::Write::write_all(file, &[0xAB; 4096])?;
            Err::<(), _>(io::Error::other("disk full half-way").into())
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).unwrap(), before);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("model.bin")]);
        assert_eq!(load::<Vec<f64>>(&path).unwrap(), vec![1.0; 100]);
    }

    #[test]
    fn saving_over_a_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("taken");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep.txt"), "data").unwrap();
        assert!(save(&1.0_f64, &target, Format::Bincode).is_err());
        assert_eq!(fs::read_to_string(target.join("keep.txt")).unwrap(), "data");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn saved_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        save(&1.0_f64, &path, Format::Bincode).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
}
