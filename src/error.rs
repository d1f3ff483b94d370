//! The crate's one error type. Every public function returns [`Result`], whose error is an
//! [`Error`]: a message of one line that names the file it is about, predicates that a program
//! asks ([`Error::is_not_found`], [`Error::is_corrupt`], [`Error::is_refused`], ...), and an
//! [`ErrorKind`] for the rare program that needs the detail. `ErrorKind` has the same variants
//! whatever features are on: what comes from a wing that a feature compiles (the Python bridge,
//! the object store, linfa, csv, plotters) is carried as an opaque [`Detail`], which the
//! predicates look into.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// `Result<T, Error>`, what every fallible function of the crate returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Anything that can go wrong in the crate: what happened ([`kind`](Error::kind)) and, when it is
/// about a file, which one ([`path`](Error::path)). Its message is one line, the path first.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let err = load::<Model>("no/such/model.bin").unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::NotFound));
/// assert_eq!(err.to_string(), "no/such/model.bin: no such file");
/// ```
pub struct Error {
    // Boxed, so that a `Result` stays one pointer wide on the happy path.
    inner: Box<Inner>,
}

struct Inner {
    path: Option<PathBuf>,
    kind: ErrorKind,
}

impl Error {
    /// What went wrong.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// let err = train_test_split(&load_wine(), 1.5, 3, true).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::Split(BadSplit::Fraction(_))));
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The file the error is about, if it is about one.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// let err = inspect("missing.bin").unwrap_err();
    /// assert_eq!(err.path(), Some(std::path::Path::new("missing.bin")));
    /// ```
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The same error, about the file at `path` (unless it already names one).
    pub(crate) fn at(mut self, path: &Path) -> Self {
        self.inner.path.get_or_insert_with(|| path.to_path_buf());
        self
    }

    /// An error of the operating system while working on the file at `path`, with the kinds a
    /// user acts on (no such file, a folder) told apart.
    pub(crate) fn io(path: &Path, err: io::Error) -> Self {
        let kind = match err.kind() {
            io::ErrorKind::NotFound => ErrorKind::NotFound,
            io::ErrorKind::IsADirectory => ErrorKind::IsDirectory,
            _ => ErrorKind::Io(err),
        };
        Error::from(kind).at(path)
    }

    /// Whether the file or object does not exist.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// assert!(load::<Model>("no/such/model.bin").unwrap_err().is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        match self.kind() {
            ErrorKind::NotFound => true,
            #[cfg(feature = "store")]
            ErrorKind::Store(detail) => {
                matches!(detail.get(), Some(crate::store::StoreProblem::NotFound))
            }
            _ => false,
        }
    }

    /// Whether the file is damaged or is not what it claims to be: a checksum that disagrees,
    /// a file cut short, a pickle or zip that does not hold together. Fetch it again.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// let mut bytes = encode(&vec![1.0_f64], &Metadata::default(), Codec::Bincode)?;
    /// let last = bytes.len() - 9;
    /// bytes[last] ^= 1;
    /// assert!(decode::<Vec<f64>>(&bytes, MAX_PAYLOAD_BYTES).unwrap_err().is_corrupt());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn is_corrupt(&self) -> bool {
        match self.kind() {
            ErrorKind::Empty
            | ErrorKind::Truncated { .. }
            | ErrorKind::Checksum { .. }
            | ErrorKind::Corrupt(_)
            | ErrorKind::UnknownCodec(_)
            | ErrorKind::BadVersion(_) => true,
            #[cfg(feature = "python")]
            ErrorKind::Python(detail) => detail.class() == Some(crate::python::Class::Corrupt),
            #[cfg(feature = "python")]
            ErrorKind::Export(detail) => detail
                .get::<crate::python::export::ExportProblem>()
                .is_some_and(|p| p.is_corrupt()),
            _ => false,
        }
    }

    /// Whether the file was refused for what it holds: a pickle that names code to run, a
    /// skops type off the allowlist, a zip built to mislead. Do not open it in Python either.
    ///
    /// ```
    /// use model_persistence::python;
    ///
    /// let hostile = b"\x80\x04cposix\nsystem\n\x8c\x0aecho pwned\x85R.";
    /// assert!(python::decode(hostile).unwrap_err().is_refused());
    /// ```
    pub fn is_refused(&self) -> bool {
        #[cfg(feature = "python")]
        if let ErrorKind::Python(detail) = self.kind() {
            return detail.class() == Some(crate::python::Class::Refused);
        }
        false
    }

    /// Whether the file, its payload or what reading it would take is above a limit; the
    /// message names the limit and how to raise it.
    ///
    /// ```
    /// use model_persistence::python::{self, ARTICLE_PICKLE, Limits};
    ///
    /// let err = python::decode_with(ARTICLE_PICKLE, Limits { max_bytes: 64 }).unwrap_err();
    /// assert!(err.is_too_large());
    /// ```
    pub fn is_too_large(&self) -> bool {
        match self.kind() {
            ErrorKind::FileTooLarge { .. } | ErrorKind::PayloadTooLarge { .. } => true,
            #[cfg(feature = "python")]
            ErrorKind::Python(detail) => detail.class() == Some(crate::python::Class::TooLarge),
            _ => false,
        }
    }

    /// Whether the file is sound but holds what the crate does not read or write: another
    /// estimator, a newer file format, a codec that cannot be mapped, a folder or a device.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// let bytes = encode(&vec![1.0_f64], &Metadata::default(), Codec::Json)?;
    /// assert!(decode::<String>(&bytes, MAX_PAYLOAD_BYTES).unwrap_err().is_unsupported());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn is_unsupported(&self) -> bool {
        match self.kind() {
            ErrorKind::NotAModel
            | ErrorKind::NewerVersion { .. }
            | ErrorKind::WrongType { .. }
            | ErrorKind::NotMappable(_)
            | ErrorKind::NotOneTarget { .. }
            | ErrorKind::Unaligned(_)
            | ErrorKind::IsDirectory
            | ErrorKind::NotAFile { .. } => true,
            #[cfg(feature = "python")]
            ErrorKind::Python(detail) => detail.class() == Some(crate::python::Class::Unsupported),
            #[cfg(feature = "python")]
            ErrorKind::Export(detail) => detail
                .get::<crate::python::export::ExportProblem>()
                .is_some_and(|p| !p.is_corrupt()),
            #[cfg(feature = "store")]
            ErrorKind::Store(detail) => matches!(
                detail.get(),
                Some(crate::store::StoreProblem::Unsupported(_))
            ),
            _ => false,
        }
    }

    /// Whether the rows given to a model do not fit it: a wrong number of columns, a field that
    /// is no finite number, a header that names other features.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// let model = train(&load_wine())?;
    /// let err = predict(&model, &Array2::zeros((2, 3))).unwrap_err();
    /// assert!(err.is_bad_rows());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn is_bad_rows(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::FeatureCount { .. }
                | ErrorKind::NoRows
                | ErrorKind::PredictionCount { .. }
                | ErrorKind::Columns { .. }
                | ErrorKind::NotANumber { .. }
                | ErrorKind::NotFinite { .. }
                | ErrorKind::EmptyField { .. }
                | ErrorKind::MissingColumn { .. }
                | ErrorKind::UnknownColumn { .. }
                | ErrorKind::DuplicateColumn { .. }
                | ErrorKind::Csv(_)
        )
    }

    /// Whether an argument is wrong rather than a file: a split that does not fit the data, a
    /// format or extension the crate does not know, a URL it does not open. The command line
    /// exits with 2 for these.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// assert!(train_test_split(&load_wine(), 1.5, 3, true).unwrap_err().is_usage());
    /// ```
    pub fn is_usage(&self) -> bool {
        match self.kind() {
            ErrorKind::Split(_)
            | ErrorKind::UnknownExtension
            | ErrorKind::UnknownTargetName(_)
            | ErrorKind::UnknownCodecName(_) => true,
            #[cfg(feature = "store")]
            ErrorKind::Store(detail) => {
                matches!(detail.get(), Some(crate::store::StoreProblem::BadUrl(_)))
            }
            _ => false,
        }
    }

    /// Whether a save found another writer's object where it expected none (create-only) or
    /// another version than it read (update-if-unchanged): read again, then decide.
    ///
    /// ```
    /// # #[cfg(feature = "store")] {
    /// use model_persistence::prelude::*;
    /// use model_persistence::store::{self, Location, Mode};
    ///
    /// let at = Location::parse("memory://doc-conflict/m.bin")?;
    /// let meta = Metadata::default();
    /// store::save(&vec![1.0_f64], &meta, &at, Codec::Bincode, Mode::Create)?;
    /// let err = store::save(&vec![2.0_f64], &meta, &at, Codec::Bincode, Mode::Create);
    /// assert!(err.unwrap_err().is_conflict());
    /// # }
    /// # Ok::<(), model_persistence::Error>(())
    /// ```
    pub fn is_conflict(&self) -> bool {
        #[cfg(feature = "store")]
        if let ErrorKind::Store(detail) = self.kind() {
            use crate::store::StoreProblem;
            return matches!(
                detail.get(),
                Some(StoreProblem::Exists | StoreProblem::Changed)
            );
        }
        false
    }

    /// The operating system's kind of error, when the error is one: a full disk, a permission,
    /// a closed pipe.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// let err = Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
    /// assert_eq!(err.io_kind(), Some(std::io::ErrorKind::BrokenPipe));
    /// ```
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self.kind() {
            ErrorKind::Io(err) => Some(err.kind()),
            _ => None,
        }
    }

    /// A model that could not be encoded (or, in `train::from_parts`, rebuilt).
    pub(crate) fn encode(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        ErrorKind::Encode(Detail::new(err)).into()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(Inner { path: None, kind }),
        }
    }
}

/// `From` for the errors of the steps and their libraries, each through its [`ErrorKind`], so
/// that `?` works on them in a function that returns the crate's [`Result`].
macro_rules! from_kinds {
    ($($source:ty => $kind:path),* $(,)?) => {
        $(impl From<$source> for Error {
            fn from(source: $source) -> Self {
                $kind(source).into()
            }
        })*
    };
}

from_kinds! {
    io::Error => ErrorKind::Io,
    BadSplit => ErrorKind::Split,
    Corruption => ErrorKind::Corrupt,
}

#[cfg(feature = "tutorial")]
impl From<linfa_linear::LinearError<f64>> for Error {
    fn from(source: linfa_linear::LinearError<f64>) -> Self {
        ErrorKind::Train(Detail::new(source)).into()
    }
}

#[cfg(feature = "tutorial")]
impl From<linfa::Error> for Error {
    fn from(source: linfa::Error) -> Self {
        ErrorKind::Linfa(Detail::new(source)).into()
    }
}

/// The cause of an error that comes from a wing a feature compiles (the Python bridge, the
/// object store) or from a library (linfa, csv, plotters, serde): its message, and its own
/// source. It is opaque, so that [`ErrorKind`] keeps one shape whatever features are on; the
/// predicates of [`Error`] look into it.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let hostile = b"\x80\x04cposix\nsystem\n\x8c\x0aecho pwned\x85R.";
/// let err = model_persistence::python::decode(hostile).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Python(_)));
/// assert!(err.is_refused());
/// assert!(err.to_string().starts_with("refused: the pickle calls posix.system"));
/// ```
pub struct Detail(Box<dyn std::error::Error + Send + Sync + 'static>);

impl Detail {
    /// Wraps `source`.
    pub(crate) fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Detail(Box::new(source))
    }

    /// The wing's own error, when it is a `T`.
    #[cfg(any(feature = "python", feature = "store"))]
    pub(crate) fn get<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }

    /// The class of a problem of the Python reader, when it is one.
    #[cfg(feature = "python")]
    pub(crate) fn class(&self) -> Option<crate::python::Class> {
        self.get::<crate::python::SklearnProblem>()
            .map(|p| p.class())
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for Detail {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.path {
            Some(path) => write!(f, "{}: {}", path.display(), self.inner.kind),
            None => write!(f, "{}", self.inner.kind),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("path", &self.inner.path)
            .field("kind", &self.inner.kind)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.inner.kind)
    }
}

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
