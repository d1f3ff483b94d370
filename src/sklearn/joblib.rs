//! joblib's container: an optional compressor around a pickle whose arrays follow their wrappers.
//!
//! `joblib.dump` writes a pickle in which every numpy array is replaced by a
//! `joblib.numpy_pickle.NumpyArrayWrapper` object, and the array's bytes are written into the
//! stream right after the wrapper's BUILD opcode (`NumpyArrayWrapper.write_array` in joblib's
//! `numpy_pickle.py`):
//!
//! - if the wrapper's state has `numpy_array_alignment_bytes` (joblib 1.2 and later, when the
//!   file could `tell()`), one byte giving a padding length, then that many padding bytes, so the
//!   data starts on a 16-byte boundary;
//! - then `shape product * itemsize` bytes of data, in the wrapper's `order`;
//! - for an object array instead, a whole nested pickle of the array (`pickle.dump(array)`).
//!
//! The whole stream may be compressed; [`detect`] tells the compressor apart by the first bytes,
//! exactly as joblib's `_detect_compressor` does with the prefixes of `joblib/compressor.py`.

use std::fmt;
use std::io::Read;

use super::error::SklearnProblem;
use super::numpy::{Dtype, byte_size};

/// The largest dictionary an lzma or xz stream may ask for: 96 MiB, above the 64 MiB of preset 9.
const MAX_LZMA_MEMORY_KIB: u32 = 96 * 1024;

/// A compressor joblib can wrap the pickle in (`joblib.dump(..., compress=(name, level))`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compressor {
    /// zlib, joblib's default for `compress=3` (`.z`).
    Zlib,
    /// gzip (`.gz`).
    Gzip,
    /// bzip2 (`.bz2`).
    Bz2,
    /// The legacy `.lzma` format (`FORMAT_ALONE`).
    Lzma,
    /// xz (`.xz`).
    Xz,
    /// An LZ4 frame (`.lz4`).
    Lz4,
}

/// joblib's prefixes (`_ZLIB_PREFIX` and the others), in the order joblib registers them.
const PREFIXES: [(&[u8], Compressor); 6] = [
    (b"\x78", Compressor::Zlib),
    (b"\x1f\x8b", Compressor::Gzip),
    (b"BZ", Compressor::Bz2),
    (b"\x5d\x00", Compressor::Lzma),
    (b"\xfd\x37\x7a\x58\x5a", Compressor::Xz),
    (b"\x04\x22\x4d\x18", Compressor::Lz4),
];

/// The prefix of files written by joblib before 0.10 (`_ZFILE_PREFIX`).
pub(crate) const OLD_PREFIX: &[u8] = b"ZF";

impl Compressor {
    /// joblib's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Compressor::Zlib => "zlib",
            Compressor::Gzip => "gzip",
            Compressor::Bz2 => "bz2",
            Compressor::Lzma => "lzma",
            Compressor::Xz => "xz",
            Compressor::Lz4 => "lz4",
        }
    }
}

impl fmt::Display for Compressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The compressor whose prefix starts `bytes`, as joblib's `_detect_compressor` finds it.
pub(crate) fn detect(bytes: &[u8]) -> Option<Compressor> {
    PREFIXES
        .iter()
        .find(|(prefix, _)| bytes.starts_with(prefix))
        .map(|(_, c)| *c)
}

/// Decompresses a joblib stream, stopping with [`SklearnProblem::TooLarge`] past `limit` bytes.
pub(crate) fn decompress(
    bytes: &[u8],
    compressor: Compressor,
    limit: u64,
) -> Result<Vec<u8>, SklearnProblem> {
    let corrupt = |source| SklearnProblem::Decompress { compressor, source };
    let reader: Box<dyn Read + '_> = match compressor {
        Compressor::Zlib => Box::new(flate2::read::ZlibDecoder::new(bytes)),
        Compressor::Gzip => Box::new(flate2::read::GzDecoder::new(bytes)),
        Compressor::Bz2 => Box::new(bzip2::read::BzDecoder::new(bytes)),
        Compressor::Lzma => Box::new(
            lzma_rust2::LzmaReader::new_mem_limit(bytes, MAX_LZMA_MEMORY_KIB, None)
                .map_err(corrupt)?,
        ),
        Compressor::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
            bytes,
            false,
            MAX_LZMA_MEMORY_KIB,
        )),
        Compressor::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(bytes)),
    };
    let mut out = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(corrupt)?;
    if out.len() as u64 > limit {
        return Err(SklearnProblem::TooLarge { limit });
    }
    Ok(out)
}

/// What a `NumpyArrayWrapper`'s state says about the array that follows it. Its `order` is
/// checked but not kept, as for every array ([`NdArray`](super::numpy::NdArray)).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wrapper {
    /// The array's shape.
    pub(crate) shape: Vec<usize>,
    /// The element type.
    pub(crate) dtype: Dtype,
    /// True when the state has `numpy_array_alignment_bytes` (joblib 1.2 and later): then a
    /// padding length byte and the padding come before the data.
    pub(crate) aligned: bool,
}

/// Finds the raw data of a non-object array written at `pos`; returns the data and the offset
/// after it.
pub(crate) fn array_data<'a>(
    wrapper: &Wrapper,
    input: &'a [u8],
    pos: usize,
) -> Result<(&'a [u8], usize), SklearnProblem> {
    let truncated = || SklearnProblem::Truncated {
        opcode: "joblib array data",
        offset: pos,
    };
    let start = if wrapper.aligned {
        let padding = input.get(pos).ok_or_else(truncated)?;
        pos + 1 + usize::from(*padding)
    } else {
        pos
    };
    // A size past the input, overflowing or not, is truncation, found before any allocation.
    let end = byte_size(wrapper.dtype, &wrapper.shape).and_then(|size| start.checked_add(size));
    let data = end.and_then(|end| input.get(start..end).map(|data| (data, end)));
    data.ok_or_else(truncated)
}
