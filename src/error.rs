//! The crate's error type: every step returns it, and its message is one line a user can act on.

use thiserror::Error;

use crate::persist::PersistError;
use crate::split::SplitError;

/// Anything that can go wrong in the article's steps.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let err = train_test_split(&load_wine(), 1.5, 3, true).unwrap_err();
/// assert_eq!(
///     Error::from(err).to_string(),
///     "test size 1.5 must be a fraction strictly between 0 and 1, or a row count"
/// );
/// ```
#[derive(Debug, Error)]
pub enum Error {
    /// The split's arguments do not fit the data.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// linfa-linear could not fit the model.
    #[error("training failed: {0}")]
    Train(#[from] linfa_linear::LinearError<f64>),
    /// Saving or loading a model file failed.
    #[error(transparent)]
    Persist(#[from] PersistError),
    /// Rows with a different number of columns than the model was trained on.
    #[error("the model expects {expected} features per row, but the data has {found}")]
    FeatureCount {
        /// Features the model was trained on.
        expected: usize,
        /// Columns in the data given.
        found: usize,
    },
    /// An input file for predictions has a bad row.
    #[error("{}: {}{reason}", path.display(), line.map(|n| format!("line {n}: ")).unwrap_or_default())]
    Input {
        /// The input file.
        path: std::path::PathBuf,
        /// The 1-based line of the bad row, if the problem is in one.
        line: Option<u64>,
        /// What is wrong.
        reason: String,
    },
    /// A score needs at least one row.
    #[error("cannot score a model on a dataset with no rows")]
    NoRows,
}
