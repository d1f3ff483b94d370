//! Every limit the Python bridge holds a file to, in one place. A stranger's file can claim any
//! size in a few bytes; each claim is checked against one of these before anything is allocated,
//! so no file makes the reader take memory that its size does not justify.
//!
//! | limit | value | what it bounds |
//! |---|---|---|
//! | [`MAX_BYTES`] ([`Limits::max_bytes`]) | 8 MiB | a pickle, joblib or skops file's data, decompressed |
//! | [`Limits::memory_budget`] | 16 bytes a byte of data, at most 4 a byte of the limit, plus 4 MiB | what a read builds (objects, memo, stack, listing) |
//! | `MAX_DEPTH` | 1,000 | nested MARKs and containers in a pickle |
//! | `MAX_LZMA_MEMORY_KIB` | 96 MiB | the dictionary an lzma or xz stream asks for |
//! | `MAX_NPY_HEADER` | 64 KiB | the header of a `.npy` array in a skops file |
//! | [`SNIFF_BYTES`](super::sniff::SNIFF_BYTES) | 16 | the bytes read to tell a file's kind |
//!
//! Our own files have theirs in the file wing: [`MAX_PAYLOAD_BYTES`](crate::file::layout::MAX_PAYLOAD_BYTES)
//! (2 GiB of payload) and the file's size a little above it.

/// The most bytes of pickle or skops data a file may hold, decompressed: 8 MiB. A linear model
/// of n features takes about 8n bytes (`coef_` in float64), so this is room for about a million
/// features (the memory budget, [`Limits::memory_budget`], lets about 150,000 of them carry names,
/// each a string of its own); a file that inflates past it is refused before
/// the rest is read. A caller with a larger model raises it with [`Limits`].
pub const MAX_BYTES: u64 = 8 << 20;

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

/// The deepest nesting of MARKs, and of containers inside containers, a pickle may have.
pub(crate) const MAX_DEPTH: usize = 1000;

/// The largest dictionary an lzma or xz stream may ask for: 96 MiB, above the 64 MiB of preset 9.
pub(crate) const MAX_LZMA_MEMORY_KIB: u32 = 96 * 1024;

/// The longest `.npy` header read: numpy itself refuses headers over 10 000 bytes by default.
pub(crate) const MAX_NPY_HEADER: usize = 65_536;
