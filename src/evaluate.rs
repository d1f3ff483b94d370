//! Step 5: score the model with R² on the training and the test set; and, for step 7, compare
//! two models' predictions bit for bit.

use linfa::prelude::SingleTargetRegression;
use linfa::traits::Predict;
use ndarray::{Array1, Array2};

use crate::data::WineData;
use crate::error::{ErrorKind, Result};
use crate::train::Model;

/// The model's prediction for each row of `records`, or an error when the rows do not have the
/// number of features the model was trained on (where linfa's `predict` would panic).
///
/// ```
/// use model_persistence::prelude::*;
///
/// let wine = load_wine();
/// let model = train(&wine)?;
/// assert_eq!(predict(&model, wine.records())?.len(), 178);
/// assert!(predict(&model, &Array2::zeros((2, 5))).is_err());
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn predict(model: &Model, records: &Array2<f64>) -> Result<Array1<f64>> {
    let (expected, found) = (model.params().len(), records.ncols());
    if expected != found {
        return Err(ErrorKind::FeatureCount { expected, found }.into());
    }
    Ok(model.predict(records))
}

/// R², the coefficient of determination (scikit-learn's `score`), of `model` on `dataset`.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
/// let model = train(&train_set)?;
/// assert!((r2(&model, &train_set)? - 0.914045280377521).abs() < 1e-9);
/// assert!((r2(&model, &test_set)? - 0.855120280462724).abs() < 1e-9);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn r2(model: &Model, dataset: &WineData) -> Result<f64> {
    let predicted = predict(model, dataset.records())?;
    let actual = dataset.targets().mapv(|c| c as f64);
    predicted.r2(&actual).map_err(|_| ErrorKind::NoRows.into())
}

/// Whether two models predict bit-for-bit the same values on `records`.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let wine = load_wine();
/// let model = train(&wine)?;
/// assert!(same_predictions(&model, &model.clone(), wine.records())?);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn same_predictions(a: &Model, b: &Model, records: &Array2<f64>) -> Result<bool> {
    let (pa, pb) = (predict(a, records)?, predict(b, records)?);
    Ok(pa.iter().zip(&pb).all(|(x, y)| x.to_bits() == y.to_bits()))
}
