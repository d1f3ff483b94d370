//! Step 4: fit an ordinary least squares linear regression, with intercept, on the training set.
//!
//! As in the article, the wine class (0, 1 or 2) is used as a number to regress on.

use linfa::Dataset;
use linfa::traits::Fit;
use linfa_linear::{FittedLinearRegression, LinearRegression};

use crate::article::data::WineData;
use crate::error::{Error, Result};

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
    Ok(LinearRegression::new().fit(&numeric)?)
}

/// The fitted model with these coefficients (`params`, one per feature) and `intercept`: how a
/// model read from another format becomes the crate's [`Model`].
///
/// ```
/// use model_persistence::prelude::*;
/// use model_persistence::article::train::from_parts;
///
/// let model = from_parts(&[2.0, -1.0], 0.5)?;
/// assert_eq!(predict(&model, &array![[1.0, 3.0]])?, array![-0.5]);
/// # Ok::<(), Error>(())
/// ```
///
/// linfa-linear has no public constructor from coefficients (rust-ml/linfa issue 363): its fitted
/// model comes from `fit`, or from serde. We take the serde road: the two fields are written in
/// `FittedLinearRegression`'s own serde form (the intercept, then the parameters) with bincode
/// and read back as one, which keeps every bit; the tests of `sklearn` and `export` check it.
pub fn from_parts(params: &[f64], intercept: f64) -> Result<Model> {
    #[derive(serde::Serialize)]
    struct Fields {
        intercept: f64,
        params: ndarray::Array1<f64>,
    }
    let fields = Fields {
        intercept,
        params: ndarray::Array1::from(params.to_vec()),
    };
    let config = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&fields, config).map_err(Error::encode)?;
    let (model, _) = bincode::serde::decode_from_slice(&bytes, config).map_err(Error::encode)?;
    Ok(model)
}
