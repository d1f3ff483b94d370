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

mod kind;

pub use kind::{BadSplit, Corruption, ErrorKind};

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
