//! What went wrong: [`ErrorKind`], and the two kinds that say more, [`BadSplit`] and
//! [`Corruption`]. Every variant is here whatever features are on.

use std::io;

use super::Detail;
#[cfg(doc)]
use super::Error;

/// What went wrong, for a program to match on. The message of each kind is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The split's arguments do not fit the data: a usage error.
    #[error("{0}")]
    Split(BadSplit),
    /// linfa-linear could not fit the model.
    #[error("training failed: {0}")]
    Train(#[source] Detail),
    /// linfa refused an operation: what `?` makes of linfa's own errors in a caller's code.
    #[error("linfa: {0}")]
    Linfa(#[source] Detail),
    /// Rows with a different number of columns than the model was trained on.
    #[error("the model expects {expected} features per row, but the data has {found}")]
    FeatureCount {
        /// Features the model was trained on.
        expected: usize,
        /// Columns in the data given.
        found: usize,
    },
    /// A score needs at least one row.
    #[error("cannot score a model on a dataset with no rows")]
    NoRows,
    /// A score of predictions against targets of another length.
    #[error("{found} predictions for {expected} targets")]
    PredictionCount {
        /// Targets given.
        expected: usize,
        /// Predictions given.
        found: usize,
    },
    /// A row of an input CSV file has the wrong number of columns.
    #[error("line {line}: {found} columns, the model expects {expected}")]
    Columns {
        /// The 1-based line of the row.
        line: u64,
        /// Columns in the row.
        found: usize,
        /// Features the model expects.
        expected: usize,
    },
    /// A field of an input CSV file is not a number.
    #[error("line {line}: {}: {text:?} is not a number", column_text(*.column, .name))]
    NotANumber {
        /// The 1-based line of the row.
        line: u64,
        /// The 1-based column.
        column: usize,
        /// The column's name in the header, if the file has one.
        name: Option<String>,
        /// The field as written.
        text: String,
    },
    /// A field of an input CSV file is a number too large for a float, or infinity or NaN,
    /// which scikit-learn refuses too.
    #[error("line {line}: {}: {text:?} is not a finite number", column_text(*.column, .name))]
    NotFinite {
        /// The 1-based line of the row.
        line: u64,
        /// The 1-based column.
        column: usize,
        /// The column's name in the header, if the file has one.
        name: Option<String>,
        /// The field as written.
        text: String,
    },
    /// A field of an input CSV file is empty: a missing value.
    #[error("line {line}: {} is empty", column_text(*.column, .name))]
    EmptyField {
        /// The 1-based line of the row.
        line: u64,
        /// The 1-based column.
        column: usize,
        /// The column's name in the header, if the file has one.
        name: Option<String>,
    },
    /// The header of an input CSV file lacks one of the model's features.
    #[error("the CSV's header has no column {name:?}, one of the model's features")]
    MissingColumn {
        /// The feature.
        name: String,
    },
    /// The header of an input CSV file names a column that is not one of the model's features.
    #[error("the CSV's header names {name:?}, which is not one of the model's features")]
    UnknownColumn {
        /// The column's name.
        name: String,
    },
    /// The header of an input CSV file names a column twice.
    #[error("the CSV's header names {name:?} twice")]
    DuplicateColumn {
        /// The column's name.
        name: String,
    },
    /// An input CSV file cannot be parsed.
    #[error("{0}")]
    Csv(#[source] Detail),

    /// The file does not exist.
    #[error("no such file")]
    NotFound,
    /// The path is a folder.
    #[error("is a directory, not a model file")]
    IsDirectory,
    /// The path is a FIFO, a socket or a device: nothing a model file is read from.
    #[error("is {what}, not a model file")]
    NotAFile {
        /// What it is instead: `a FIFO`, `a socket`, `a device`.
        what: &'static str,
    },
    /// The file is larger than a model file may be.
    #[error("too large: {bytes} bytes, above the limit of {limit}")]
    FileTooLarge {
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[source] io::Error),

    /// Zero bytes.
    #[error("empty file")]
    Empty,
    /// The magic bytes are not ours.
    #[error("not a model file of this crate (wrong magic bytes)")]
    NotAModel,
    /// The file ends before the lengths in its header say it should.
    #[error("truncated: the header announces {expected} bytes but the file has {found}")]
    Truncated {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// Written by a newer layout version than this crate reads.
    #[error(
        "written in format version {found}, newer than version {} that this build reads: upgrade model-persistence",
        crate::file::layout::VERSION
    )]
    NewerVersion {
        /// The version in the file.
        found: u16,
    },
    /// A layout version that no release ever wrote.
    #[error("unsupported format version {0}")]
    BadVersion(u16),
    /// The checksum does not match the bytes: the file was damaged or altered.
    #[error("corrupt: checksum mismatch (stored {stored:016x}, computed {computed:016x})")]
    Checksum {
        /// The checksum stored in the file.
        stored: u64,
        /// The checksum of the bytes read.
        computed: u64,
    },
    /// A codec byte this version does not know.
    #[error("unknown codec {0}")]
    UnknownCodec(u8),
    /// A codec name that is not one of [`Codec::name`](crate::file::codec::Codec::name)'s.
    #[error("unknown codec {0:?}: expected bincode, bincode+zstd or json")]
    UnknownCodecName(String),
    /// An output path whose extension names no format the crate writes.
    #[error(
        "cannot tell the format from the extension: use .bin, .bin.zst, .json, .skops, .onnx or .safetensors"
    )]
    UnknownExtension,
    /// A name that is neither a codec's nor an export format's, where either is accepted.
    #[error(
        "unknown format {0:?}: expected bincode, bincode+zstd, json, skops, onnx, safetensors or mlflow"
    )]
    UnknownTargetName(String),
    /// The decoded payload would exceed the allowed size.
    #[error("too large: the payload is {bytes} bytes, above the limit of {limit}")]
    PayloadTooLarge {
        /// The payload's declared size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The file holds another type of model than the one asked for.
    #[error("holds a {found}, not a {expected}")]
    WrongType {
        /// The type asked for.
        expected: String,
        /// The type in the file.
        found: String,
    },
    /// The checksum matched, but the content does not decode.
    #[error("corrupt: {0}")]
    Corrupt(Corruption),
    /// A mapping views a payload in place, which only uncompressed bincode allows.
    #[error("cannot be mapped: its payload is {0}, and only bincode is viewed in place")]
    NotMappable(crate::file::codec::Codec),
    /// A mapping views `f64` values in place, which needs them on an 8-byte boundary.
    #[error(
        "cannot be mapped: its values start at byte {0}, not a multiple of 8 (files saved by this version align them)"
    )]
    Unaligned(u64),
    /// The model could not be encoded.
    #[error("cannot encode the model: {0}")]
    Encode(#[source] Detail),

    /// A file from Python (pickle, joblib, skops) that cannot be read, or is refused: ask
    /// [`Error::is_refused`], [`Error::is_corrupt`], [`Error::is_unsupported`] or
    /// [`Error::is_too_large`] which.
    #[error("{0}")]
    Python(#[source] Detail),

    /// A model that cannot be written for Python, or a file that is not what the crate writes.
    #[error("{0}")]
    Export(#[source] Detail),

    /// An object store could not read or write a model at a URL: [`Error::is_not_found`],
    /// [`Error::is_conflict`] and [`Error::is_usage`] tell the cases a program acts on.
    #[error("{0}")]
    Store(#[source] Detail),

    /// A linear model of several targets or with a link, where only the article's model (one
    /// target, no link) fits.
    #[error(
        "the model has {targets} target(s) and the {link} link; this needs one target and no link"
    )]
    NotOneTarget {
        /// Its targets.
        targets: usize,
        /// Its link function's name: `identity` or `exp`.
        link: &'static str,
    },

    /// plotters could not lay out or write a figure.
    #[error("cannot draw the figure: {0}")]
    Draw(#[source] Detail),
}

/// Why a split cannot be made: each is a usage error, an argument that does not fit the data.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let err = train_test_split(&load_wine(), 178, 3, true).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Split(BadSplit::Count { count: 178, .. })));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BadSplit {
    /// The dataset has no rows.
    #[error("cannot split an empty dataset")]
    Empty,
    /// A test size that is neither a count nor a fraction.
    #[error("test size {0:?} is neither a fraction like 0.33 nor a row count like 59")]
    NotASize(String),
    /// A fractional test size outside (0, 1).
    #[error("test size {0} must be a fraction strictly between 0 and 1, or a row count")]
    Fraction(f64),
    /// A test row count of zero, or not smaller than the dataset.
    #[error("test size of {count} rows must be at least 1{}", rows.map(|r| format!(" and below the {r} rows of the dataset")).unwrap_or_default())]
    Count {
        /// The count asked for.
        count: usize,
        /// The number of rows in the dataset, when known.
        rows: Option<usize>,
    },
    /// The test set would take every row.
    #[error("a test set of {test} of the {rows} rows leaves no training rows")]
    EmptyTrain {
        /// Rows in the dataset.
        rows: usize,
        /// Rows the test set would take.
        test: usize,
    },
    /// Stratifying needs at least two rows of every class.
    #[error("cannot stratify: a class has only {0} row; every class needs at least 2")]
    ClassTooSmall(usize),
    /// Stratifying needs room for every class in both sets.
    #[error("cannot stratify: the {set} set has {rows} rows, fewer than the {classes} classes")]
    TooFewRows {
        /// "train" or "test".
        set: &'static str,
        /// Rows in that set.
        rows: usize,
        /// Number of classes.
        classes: usize,
    },
}

/// How a model file whose header and checksum looked right still fails to decode. A file with a
/// matching checksum and one of these was forged or written by a buggy writer.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let mut bytes = encode(&vec![1.0_f64], &Metadata::default(), Codec::Bincode)?;
/// bytes.push(0);
/// let err = decode::<Vec<f64>>(&bytes, MAX_PAYLOAD_BYTES).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Corrupt(Corruption::AfterChecksum(1))));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Corruption {
    /// The lengths in the header add up to more than a file can hold.
    #[error("impossible lengths in the header")]
    ImpossibleLengths,
    /// Bytes follow the checksum.
    #[error("{0} bytes after the checksum")]
    AfterChecksum(u64),
    /// Flag bits this version does not know, or the shuffle flag on a codec without zstd.
    #[error("unknown flags {0:#04x}")]
    Flags(u8),
    /// An uncompressed payload whose stored and decoded lengths differ.
    #[error("payload lengths differ")]
    Lengths,
    /// The descriptor is not the JSON this crate writes.
    #[error("descriptor: {0}")]
    Descriptor(#[source] serde_json::Error),
    /// The payload ends before the model does.
    #[error("the payload ends before the model does")]
    PayloadEnds,
    /// Bytes are left in the payload after the model.
    #[error("{0} bytes after the model")]
    AfterModel(u64),
    /// A length field claims more than the payload holds.
    #[error("a length field claims more data than the file holds")]
    LengthClaim,
    /// An `f64` array whose header does not match its data.
    #[error("the array's length does not match the payload")]
    ArrayLength,
    /// bincode could not decode the payload as the model's type.
    #[error("{0}")]
    Bincode(#[source] bincode::error::DecodeError),
    /// serde_json could not decode the payload as the model's type.
    #[error("{0}")]
    Json(#[source] serde_json::Error),
    /// zstd could not decompress the payload.
    #[error("zstd: {0}")]
    Zstd(#[source] io::Error),
    /// The decompressed payload is not as long as the header says.
    #[error("zstd payload is {found} bytes, the header says {declared}")]
    ZstdLength {
        /// Bytes the payload decompressed to (at most one past `declared`).
        found: u64,
        /// Bytes the header declares.
        declared: u64,
    },
}

/// `column 2`, or `column 2 (malic_acid)` when the header names it.
fn column_text(column: usize, name: &Option<String>) -> String {
    match name {
        Some(name) => format!("column {column} ({name})"),
        None => format!("column {column}"),
    }
}
