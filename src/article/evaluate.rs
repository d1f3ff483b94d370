//! Step 5: score the model with R² on the training and the test set; and, for step 7, compare
//! two models' predictions bit for bit.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use crate::article::data::WineData;
use crate::article::train::Model;
use crate::error::{ErrorKind, Result};
use crate::file::mapped::Mapped;

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
    predict_with(model.params().view(), model.intercept(), records.view())
}

/// [`predict`] from the coefficients and intercept themselves, wherever they are (a mapped file
/// holds them in place); the same arithmetic as linfa's, so the same bits.
pub(crate) fn predict_with(
    params: ArrayView1<'_, f64>,
    intercept: f64,
    records: ArrayView2<'_, f64>,
) -> Result<Array1<f64>> {
    let (expected, found) = (params.len(), records.ncols());
    if expected != found {
        return Err(ErrorKind::FeatureCount { expected, found }.into());
    }
    Ok(records.dot(&params) + intercept)
}

/// R², the coefficient of determination (scikit-learn's `score`), of `model` on `dataset`.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
/// let model = train(&train_set)?;
/// assert!((r2(&model, &train_set)? - 0.914045280377521).abs() < 1e-12);
/// assert!((r2(&model, &test_set)? - 0.855120280462724).abs() < 1e-12);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn r2(model: &Model, dataset: &WineData) -> Result<f64> {
    let predicted = predict(model, dataset.records())?;
    let actual = dataset.targets().mapv(|c| c as f64);
    r2_score(&actual, &predicted)
}

/// R² of `predicted` against `actual` as scikit-learn's `r2_score` computes it: one minus the
/// residual sum of squares over the total sum of squares. linfa's own `r2` adds 1e-10 to the
/// total, which moves the article's test score by 4e-13; this keeps scikit-learn's numbers.
/// Like scikit-learn, a constant target scores 1 when it is predicted exactly, and 0 otherwise.
///
/// ```
/// use model_persistence::article::evaluate::r2_score;
/// use model_persistence::prelude::*;
///
/// assert_eq!(r2_score(&array![1.0, 2.0, 3.0], &array![1.0, 2.0, 3.0])?, 1.0);
/// assert_eq!(r2_score(&array![1.0, 2.0, 3.0], &array![2.0, 2.0, 2.0])?, 0.0);
/// # Ok::<(), Error>(())
/// ```
pub fn r2_score(actual: &Array1<f64>, predicted: &Array1<f64>) -> Result<f64> {
    let mean = actual.mean().ok_or(ErrorKind::NoRows)?;
    if predicted.len() != actual.len() {
        let (expected, found) = (actual.len(), predicted.len());
        return Err(ErrorKind::PredictionCount { expected, found }.into());
    }
    let residual: f64 = actual
        .iter()
        .zip(predicted)
        .map(|(y, p)| (y - p) * (y - p))
        .sum();
    let total: f64 = actual.iter().map(|y| (y - mean) * (y - mean)).sum();
    if total == 0.0 {
        return Ok(if residual == 0.0 { 1.0 } else { 0.0 });
    }
    Ok(1.0 - residual / total)
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

/// The linear view of a mapped file: the article's model predicted from its coefficients where
/// they lie in the page cache. It lives with the steps, since the file wing knows no model.
impl Mapped {
    /// The predictions of the mapped linear model for `records`, computed from the coefficients
    /// in place; an error for a file that holds an array, or rows of another width. (A model of
    /// a few coefficients, like the article's, is not aligned for a mapping, and `load` is what
    /// suits it.)
    ///
    /// ```
    /// use model_persistence::file::mapped::Mapped;
    /// use model_persistence::prelude::*;
    ///
    /// let dir = tempdir()?;
    /// let path = dir.path().join("wide.bin");
    /// let model = from_parts(&vec![0.5; 10_000], 1.0)?;
    /// save(&model, &path, Codec::Bincode)?;
    /// let rows = Array2::from_elem((2, 10_000), 0.25);
    /// let mapped = Mapped::open(&path)?;
    /// assert_eq!(mapped.predict(&rows)?, predict(&model, &rows)?);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn predict(&self, records: &Array2<f64>) -> Result<Array1<f64>> {
        let intercept = self.intercept().ok_or_else(|| ErrorKind::WrongType {
            expected: std::any::type_name::<Model>().to_string(),
            found: self.header().model_type.clone(),
        })?;
        predict_with(self.values(), intercept, records.view())
    }
}
