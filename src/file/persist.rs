//! Steps 6 and 7: save a model to a file and load it back, the pickle way (bincode), the joblib
//! way (bincode then zstd) or as JSON, in the checked [`layout`].
//!
//! Saving is atomic: the bytes go to a temporary file in the same folder, which is flushed, synced
//! and renamed over the target, so a crash leaves either the old file or the new one. Loading
//! checks the file before decoding anything and never runs code from it, unlike pickle.

use std::any::Any;
use std::fs::File;
use std::io;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};
use crate::file::codec::Codec;
use crate::file::layout::{self, Header, Loaded, MAX_PAYLOAD_BYTES, Metadata, Prepared};

/// Writes `model` to `path`, encoded with `codec`, atomically, and returns the file's size in
/// bytes.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let model = train(&load_wine())?;
/// let bytes = save(&model, dir.path().join("wine.bin"), Codec::Bincode)?;
/// assert!(bytes > 13 * 8);
/// # Ok::<(), Error>(())
/// ```
pub fn save<M: Serialize + Any>(model: &M, path: impl AsRef<Path>, codec: Codec) -> Result<u64> {
    save_with(model, &Metadata::default(), path, codec)
}

/// [`save`], with what is known about the model (`metadata`) in the file's descriptor.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.bin");
/// let meta = Metadata { features: Some(13), ..Metadata::default() };
/// save_with(&train(&load_wine())?, &meta, &path, Codec::Bincode)?;
/// assert_eq!(inspect(&path)?.metadata.features, Some(13));
/// # Ok::<(), Error>(())
/// ```
pub fn save_with<M: Serialize + Any>(
    model: &M,
    metadata: &Metadata,
    path: impl AsRef<Path>,
    codec: Codec,
) -> Result<u64> {
    write_model(model, metadata, path.as_ref(), codec, true)
}

/// [`save`] without waiting for the disk: the file is still written to a temporary file and
/// renamed over `path`, so a crash of the program leaves the old file or the new one, but a crash
/// of the machine may lose both. (`pickle.dump` and `np.save` do less: they write in place.)
///
/// ```
/// use model_persistence::file::persist::save_unsynced;
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("big.bin");
/// let values = Array1::from_elem(1_000_000, 0.5);
/// save_unsynced(&values, &path, Codec::Bincode)?;
/// assert_eq!(load::<Array1<f64>>(&path)?, values);
/// # Ok::<(), Error>(())
/// ```
pub fn save_unsynced<M: Serialize + Any>(
    model: &M,
    path: impl AsRef<Path>,
    codec: Codec,
) -> Result<u64> {
    write_model(model, &Metadata::default(), path.as_ref(), codec, false)
}

/// Writes the file of `model` to `path` atomically, its blocks reserved on the disk first, and
/// synced when `sync` says so.
fn write_model<M: Serialize + Any>(
    model: &M,
    metadata: &Metadata,
    path: &Path,
    codec: Codec,
    sync: bool,
) -> Result<u64> {
    let prepared = Prepared::new(model, metadata, codec).map_err(|e| e.at(path))?;
    write_atomically(path, sync, |file| {
        preallocate(file, prepared.len());
        prepared.write(model, file)
    })
}

/// Reserves `len` bytes of disk for `file` before it is written, as numpy does before it writes
/// an array: the file system then allocates the blocks at once instead of while the bytes
/// arrive, which makes an 80 MB write a third faster here. A small file is not worth the extra
/// system call. Advice only: a file system that cannot reserve space still takes the write.
fn preallocate(file: &File, len: u64) {
    #[cfg(target_os = "linux")]
    if len >= 1 << 20 {
        let flags = rustix::fs::FallocateFlags::KEEP_SIZE;
        let _ = rustix::fs::fallocate(file, flags, 0, len);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, len);
}

// ANCHOR: atomic
/// Runs `write` on a new temporary file next to `path`, syncs it (when `sync` says so) and
/// renames it over `path`. On any error the temporary file is removed and `path` is untouched.
pub(crate) fn write_atomically<T>(
    path: &Path,
    sync: bool,
    write: impl FnOnce(&mut File) -> Result<T>,
) -> Result<T> {
    let io_err = |e| Error::io(path, e);
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
    let written = write(temp.as_file_mut()).map_err(|e| e.at(path))?;
    if sync {
        temp.as_file().sync_all().map_err(io_err)?;
    }
    temp.persist(path).map_err(|e| io_err(e.error))?;
    // Make the rename itself durable.
    #[cfg(unix)]
    if sync {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io_err)?;
    }
    Ok(written)
}
// ANCHOR_END: atomic

/// Reads a model of type `M` from `path`, whichever codec it was saved with.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.bin.zst");
/// let model = train(&load_wine())?;
/// save(&model, &path, Codec::BincodeZstd)?;
/// let reloaded: Model = load(&path)?;
/// assert_eq!(reloaded, model);
/// # Ok::<(), Error>(())
/// ```
pub fn load<M: DeserializeOwned + Any>(path: impl AsRef<Path>) -> Result<M> {
    load_with_header(path).map(|loaded| loaded.model)
}

/// [`load`], keeping the file's checked header beside the model.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.json");
/// save(&train(&load_wine())?, &path, Codec::Json)?;
/// let loaded = load_with_header::<Model>(&path)?;
/// assert_eq!(loaded.header.codec, Codec::Json);
/// assert_eq!(loaded.model.params().len(), 13);
/// # Ok::<(), Error>(())
/// ```
pub fn load_with_header<M: DeserializeOwned + Any>(path: impl AsRef<Path>) -> Result<Loaded<M>> {
    let path = path.as_ref();
    let (file, len) = open_bounded(path, MAX_FILE_BYTES)?;
    layout::decode_from(file, len, MAX_PAYLOAD_BYTES).map_err(|e| e.at(path))
}

/// Verifies the file at `path` without knowing its model type and returns its header.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("wine.bin");
/// save(&train(&load_wine())?, &path, Codec::Bincode)?;
/// assert!(inspect(&path)?.model_type.ends_with("FittedLinearRegression<f64>"));
/// # Ok::<(), Error>(())
/// ```
pub fn inspect(path: impl AsRef<Path>) -> Result<Header> {
    let path = path.as_ref();
    let (file, len) = open_bounded(path, MAX_FILE_BYTES)?;
    layout::verify_from(file, len).map_err(|e| e.at(path))
}

/// The largest model file the crate opens: the largest payload, and room for the header, whose
/// descriptor and fixed fields take far less than 1 MiB in a real file.
pub(crate) const MAX_FILE_BYTES: u64 = MAX_PAYLOAD_BYTES + (1 << 20);

/// Opens the file for reading and returns its length, refusing anything but a regular file
/// (a folder, a FIFO, a socket, a device) and a file longer than `limit` bytes. Every reader of
/// the crate opens files through here.
pub(crate) fn open_bounded(path: &Path, limit: u64) -> Result<(File, u64)> {
    let io_err = |e| Error::io(path, e);
    // `stat` first: opening a FIFO for reading waits until something writes to it.
    refuse_special(path, &std::fs::metadata(path).map_err(io_err)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should the path become a FIFO between the two, the open still returns at once.
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        rustix::fs::OFlags::NONBLOCK.bits() as i32,
    );
    let file = options.open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    refuse_special(path, &meta)?;
    refuse_above(path, meta.len(), limit)?;
    Ok((file, meta.len()))
}

/// Refuses what is not a regular file, saying what it is.
fn refuse_special(path: &Path, meta: &std::fs::Metadata) -> Result<()> {
    let file_type = meta.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    if file_type.is_dir() {
        return Err(Error::from(ErrorKind::IsDirectory).at(path));
    }
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            "a FIFO"
        } else if file_type.is_socket() {
            "a socket"
        } else if file_type.is_block_device() || file_type.is_char_device() {
            "a device"
        } else {
            "not a regular file"
        }
    };
    #[cfg(not(unix))]
    let what = "not a regular file";
    Err(Error::from(ErrorKind::NotAFile { what }).at(path))
}

/// Refuses the file at `path`, of `bytes` bytes, when it is longer than `limit`.
pub(crate) fn refuse_above(path: &Path, bytes: u64, limit: u64) -> Result<()> {
    if bytes > limit {
        return Err(Error::from(ErrorKind::FileTooLarge { bytes, limit }).at(path));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_writer_failing_half_way_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        save(&vec![1.0_f64; 100], &path, Codec::Bincode).unwrap();
        let before = fs::read(&path).unwrap();

        let failed = write_atomically(&path, true, |file| {
            io::Write::write_all(file, &[0xAB; 4096])?;
            Err::<(), _>(Error::from(io::Error::other("disk full half-way")))
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
        assert!(save(&1.0_f64, &target, Codec::Bincode).is_err());
        assert_eq!(fs::read_to_string(target.join("keep.txt")).unwrap(), "data");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn saved_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        save(&1.0_f64, &path, Codec::Bincode).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
}
