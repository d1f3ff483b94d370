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

use super::Limits;
use super::error::SklearnProblem;
use super::limits::MAX_LZMA_MEMORY_KIB;
use super::npy::{Dtype, byte_size};

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

/// Decompresses a joblib file, stopping with [`SklearnProblem::TooLarge`] past `limit` bytes.
///
/// Every stream is decoded, one after the other: Python's bz2, lzma and lz4 readers go on to the
/// next stream when one ends, so to `joblib.load` a file of two streams is one pickle, and a
/// hostile second stream runs. Here it is read too, and refused by what it names.
pub(crate) fn decompress(
    bytes: &[u8],
    compressor: Compressor,
    limit: u64,
) -> Result<Vec<u8>, SklearnProblem> {
    let corrupt = |source| SklearnProblem::Decompress { compressor, source };
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let before = rest.len();
        rest = one_stream(rest, compressor, limit, &mut out).map_err(corrupt)?;
        if rest.len() == before {
            // A decoder that takes nothing would be asked again forever.
            let stuck = std::io::Error::other("a stream that ends where it starts");
            return Err(corrupt(stuck));
        }
        if out.len() as u64 > limit {
            return Err(SklearnProblem::TooLarge { limit });
        }
    }
    Ok(out)
}

/// Decodes the stream at the start of `input` onto `out`, at most one byte past `limit` in all;
/// returns the bytes after the stream.
fn one_stream<'a>(
    input: &'a [u8],
    compressor: Compressor,
    limit: u64,
    out: &mut Vec<u8>,
) -> std::io::Result<&'a [u8]> {
    use flate2::bufread::{GzDecoder, ZlibDecoder};
    // The bufread decoders take from the slice only what their stream uses.
    match compressor {
        Compressor::Zlib => {
            let mut decoder = ZlibDecoder::new(input);
            read_capped(&mut decoder, out, limit)?;
            Ok(decoder.into_inner())
        }
        Compressor::Gzip => {
            let mut decoder = GzDecoder::new(input);
            read_capped(&mut decoder, out, limit)?;
            Ok(decoder.into_inner())
        }
        Compressor::Bz2 => {
            let mut decoder = bzip2::bufread::BzDecoder::new(input);
            read_capped(&mut decoder, out, limit)?;
            Ok(decoder.into_inner())
        }
        Compressor::Lzma => {
            // The window grows with what is decoded, so a stream that claims a large
            // dictionary takes no more memory than its output.
            let mut decoder =
                lzma_rust2::LzmaReader::new_mem_limit(input, MAX_LZMA_MEMORY_KIB, None)?;
            read_capped(&mut decoder, out, limit)?;
            let (after, unread) = decoder.into_parts();
            let used = input.len() - after.len() - unread.len();
            Ok(&input[used..])
        }
        Compressor::Xz => {
            // The xz reader itself goes on through every stream and the padding between.
            let mut decoder = lzma_rust2::XzReader::new_mem_limit(input, true, MAX_LZMA_MEMORY_KIB);
            read_capped(&mut decoder, out, limit)?;
            Ok(&[])
        }
        Compressor::Lz4 => {
            // The frame decoder stops at the end of a frame; the next one is read anew.
            let mut decoder = lz4_flex::frame::FrameDecoder::new(input);
            read_capped(&mut decoder, out, limit)?;
            Ok(decoder.into_inner())
        }
    }
}

/// Reads `reader` to its end onto `out`, stopping once `out` holds one byte more than `limit`.
/// The buffer grows by doubling but never past that, so a bomb costs the limit and no more.
fn read_capped(reader: &mut impl Read, out: &mut Vec<u8>, limit: u64) -> std::io::Result<()> {
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    while out.len() < cap {
        let len = out.len();
        if len == out.capacity() {
            let want = len.saturating_mul(2).clamp(64 << 10, cap);
            out.reserve_exact(want - len);
        }
        out.resize(out.capacity().min(cap), 0);
        match reader.read(&mut out[len..]) {
            Ok(0) => {
                out.truncate(len);
                return Ok(());
            }
            Ok(n) => out.truncate(len + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => out.truncate(len),
            Err(e) => {
                out.truncate(len);
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Why a file of joblib before 0.10 (`ZF`, its length in hex padded to 19 bytes, then a zlib
/// stream) is not read: the first global off the allowlist its pickle names, which
/// `joblib.load` would call, or else that its arrays are kept in other files.
pub(crate) fn old_refusal(bytes: &[u8], limits: Limits) -> SklearnProblem {
    let wrapper = || SklearnProblem::OldJoblib {
        wrapper: "the ZF format".to_string(),
    };
    let Some(stream) = bytes.get(OLD_PREFIX.len() + OLD_LENGTH..) else {
        return wrapper();
    };
    match decompress(stream, Compressor::Zlib, limits.max_bytes) {
        Ok(pickle) => super::pickle::scan(&pickle, limits)
            .refused
            .unwrap_or_else(wrapper),
        Err(problem) => problem,
    }
}

/// The width of the hex length after `ZF`: `len(hex(2**64))`, as joblib wrote it.
const OLD_LENGTH: usize = 19;

/// What a `NumpyArrayWrapper`'s state says about the array that follows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wrapper {
    /// The array's shape.
    pub(crate) shape: Vec<usize>,
    /// The element type.
    pub(crate) dtype: Dtype,
    /// Whether the data that follows is in Fortran order (`order` is `'F'`).
    pub(crate) fortran_order: bool,
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
        pos.checked_add(1 + usize::from(*padding))
            .ok_or_else(truncated)?
    } else {
        pos
    };
    // A size past the input, overflowing or not, is truncation, found before any allocation.
    let end = byte_size(wrapper.dtype, &wrapper.shape).and_then(|size| start.checked_add(size));
    let data = end.and_then(|end| input.get(start..end).map(|data| (data, end)));
    data.ok_or_else(truncated)
}
