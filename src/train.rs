//! Step 4: fit an ordinary least squares linear regression, with intercept, on the training set.
//!
//! As in the article, the wine class (0, 1 or 2) is used as a number to regress on.

use linfa::Dataset;
use linfa::traits::Fit;
use linfa_linear::{FittedLinearRegression, LinearRegression};

use crate::data::WineData;
use crate::error::{ErrorKind, Result};

/// The fitted model the article saves and loads: linfa-linear's ordinary least squares.
pub type Model = FittedLinearRegression<f64>;

/// Fits `LinearRegression` (with intercept) on `train`, its class labels taken as numbers.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let (train_set, _) = train_test_split(&load_wine(), 0.33, 3, true)?;
/// let model = train(&train_set)?;
/// assert_eq!(model.params().len(), 13);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn train(train: &WineData) -> Result<Model> {
    let numeric = Dataset::new(train.records().clone(), train.targets().mapv(|c| c as f64));
    LinearRegression::new()
        .fit(&numeric)
        .map_err(|e| ErrorKind::Train(e).into())
}
