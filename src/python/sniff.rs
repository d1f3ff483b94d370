//! What a file is, from its first bytes: the one place where the crate tells apart the formats it
//! reads, its own among them. The content decides, never the file's name, so a joblib file
//! called `model.pkl` (as the article names it) is read as joblib.

use super::joblib::{self, Compressor};
use crate::file::layout::MAGIC;

/// The bytes [`sniff`] looks at, at most: a caller that reads a file's start reads this many.
pub const SNIFF_BYTES: usize = 16;

/// What [`sniff`] finds a file to be.
///
/// | first bytes | kind | read by |
/// |---|---|---|
/// | `\x89MODEL\r\n` | [`Ours`](Kind::Ours) | `file::layout` |
/// | `PK\x03\x04` | [`Skops`](Kind::Skops) | `python/skops/` |
/// | `\x80` (PROTO) | [`Pickle`](Kind::Pickle), or joblib uncompressed | `python/pickle/` |
/// | `\x78`, `\x1f\x8b`, `BZ`, `\x5d\x00`, `\xfd7zXZ`, `\x04\x22\x4d\x18` | [`Joblib`](Kind::Joblib) | `python/joblib.rs`, then `python/pickle/` |
/// | `ZF` | [`OldJoblib`](Kind::OldJoblib), joblib before 0.10 | named and refused |
/// | a length, then `{` at byte 8 | [`Safetensors`](Kind::Safetensors) | `python/safetensors.rs` |
/// | `\x08` (field 1 of a protobuf) | [`Onnx`](Kind::Onnx) | `python/onnx.rs` |
/// | anything else | [`Unknown`](Kind::Unknown): a pickle of protocol 0 or 1 is named and refused | |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// No bytes at all.
    Empty,
    /// A model file of this crate.
    Ours,
    /// A skops zip.
    Skops,
    /// A pickle of protocol 2 or later, or a joblib file without compression.
    Pickle,
    /// A joblib file compressed with this compressor.
    Joblib(Compressor),
    /// A joblib file written before joblib 0.10, whose arrays are in other files.
    OldJoblib,
    /// A safetensors file.
    Safetensors,
    /// An ONNX model.
    Onnx,
    /// None of these.
    Unknown,
}

impl Kind {
    /// Whether scikit-learn's reader (`python::load`) is the one to read it: a pickle, a joblib
    /// or a skops file, or what may be a pickle of an old protocol.
    pub fn is_scikit_learn(self) -> bool {
        !matches!(self, Kind::Ours | Kind::Safetensors | Kind::Onnx)
    }
}

/// What the file starting with `head` is; `head` is the file's first [`SNIFF_BYTES`] bytes, or
/// all of it when it is shorter.
///
/// ```
/// use model_persistence::python::sniff::{Kind, sniff};
/// use model_persistence::python::{ARTICLE_JOBLIB, ARTICLE_PICKLE, Compressor};
///
/// // The article's joblib file is not compressed: a pickle, with its arrays inside.
/// assert_eq!(sniff(ARTICLE_PICKLE), Kind::Pickle);
/// assert_eq!(sniff(ARTICLE_JOBLIB), Kind::Pickle);
/// assert_eq!(sniff(b"\x78\x9c\x6b\x60"), Kind::Joblib(Compressor::Zlib));
/// assert_eq!(sniff(b"\x89MODEL\r\n\x00\x01"), Kind::Ours);
/// assert_eq!(sniff(b"city,population\n"), Kind::Unknown);
/// ```
pub fn sniff(head: &[u8]) -> Kind {
    if head.is_empty() {
        Kind::Empty
    } else if head.starts_with(&MAGIC) {
        Kind::Ours
    } else if head.starts_with(b"PK\x03\x04") {
        Kind::Skops
    } else if head.starts_with(b"\x80") {
        Kind::Pickle
    } else if head.starts_with(joblib::OLD_PREFIX) {
        Kind::OldJoblib
    } else if let Some(compressor) = joblib::detect(head) {
        Kind::Joblib(compressor)
    } else if head.get(8) == Some(&b'{') {
        Kind::Safetensors
    } else if head.first() == Some(&0x08) {
        Kind::Onnx
    } else {
        Kind::Unknown
    }
}
