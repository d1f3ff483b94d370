//! A linear model of any number of targets, with the link its predictions pass through: what
//! every scikit-learn linear regressor is once fitted, and what the bridge to Python reads and
//! writes. The article's [`Model`] (linfa's, one target, no link) converts to and from it.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::article::evaluate::predict_with;
use crate::article::train::{Model, from_parts};
use crate::error::{ErrorKind, Result};

/// What a prediction passes through after `X @ coef.T + intercept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Link {
    /// Nothing: the sum is the prediction.
    #[default]
    Identity,
    /// `exp`, the inverse of the log link of scikit-learn's Poisson, Gamma and Tweedie
    /// regressors: predictions are positive.
    Exp,
}

impl Link {
    /// The link's name, as `inspect` prints it.
    ///
    /// ```
    /// assert_eq!(model_persistence::article::linear::Link::Exp.name(), "exp");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Link::Identity => "identity",
            Link::Exp => "exp",
        }
    }
}

/// Coefficients of shape `(targets, features)`, one intercept a target, and a link.
///
/// ```
/// use model_persistence::article::linear::{LinearModel, Link};
/// use ndarray::array;
///
/// let model = LinearModel::new(array![[1.0, 2.0], [0.0, -1.0]], array![0.5, 1.0], Link::Identity)?;
/// assert_eq!(model.predict(&array![[1.0, 1.0]])?, array![[3.5, 0.0]]);
/// # Ok::<(), model_persistence::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Parts")]
pub struct LinearModel {
    coef: Array2<f64>,
    intercept: Array1<f64>,
    link: Link,
}

/// The fields of a [`LinearModel`] as a file holds them, checked by [`LinearModel::new`] before
/// they become one: a file whose checksum matches may still pair three rows of coefficients
/// with two intercepts.
#[derive(Deserialize)]
struct Parts {
    coef: Array2<f64>,
    intercept: Array1<f64>,
    link: Link,
}

impl TryFrom<Parts> for LinearModel {
    type Error = crate::Error;

    fn try_from(parts: Parts) -> Result<LinearModel> {
        LinearModel::new(parts.coef, parts.intercept, parts.link)
    }
}

impl LinearModel {
    /// A model from its parts; `intercept` must have one value a row of `coef`, and there must
    /// be at least one target.
    pub fn new(coef: Array2<f64>, intercept: Array1<f64>, link: Link) -> Result<LinearModel> {
        if coef.nrows() == 0 || intercept.len() != coef.nrows() {
            return Err(ErrorKind::PredictionCount {
                expected: coef.nrows(),
                found: intercept.len(),
            }
            .into());
        }
        // Rows in memory order, so that every source (a Fortran-ordered coef_ among them) sums
        // a target's terms the same way, to the same bits.
        let coef = coef.as_standard_layout().into_owned();
        Ok(LinearModel {
            coef,
            intercept,
            link,
        })
    }

    /// The coefficients, a row a target.
    pub fn coef(&self) -> ArrayView2<'_, f64> {
        self.coef.view()
    }

    /// The intercepts, one a target.
    pub fn intercept(&self) -> ArrayView1<'_, f64> {
        self.intercept.view()
    }

    /// The link the predictions pass through.
    pub fn link(&self) -> Link {
        self.link
    }

    /// The number of features a row must have.
    pub fn n_features(&self) -> usize {
        self.coef.ncols()
    }

    /// The number of targets predicted for each row.
    pub fn n_targets(&self) -> usize {
        self.coef.nrows()
    }

    /// The predictions for `records`, a row of `n_targets` a record. Each target is computed
    /// as [`crate::article::evaluate::predict`] computes the article's model, so a model of one target
    /// and no link predicts the same bits as the [`Model`] it came from.
    ///
    /// ```
    /// use model_persistence::article::linear::LinearModel;
    /// use model_persistence::prelude::*;
    ///
    /// let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
    /// let model = train(&train_set)?;
    /// let linear = LinearModel::from(&model);
    /// let ours = linear.predict(test_set.records())?;
    /// assert_eq!(ours.column(0), predict(&model, test_set.records())?);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn predict(&self, records: &Array2<f64>) -> Result<Array2<f64>> {
        let mut out = Array2::zeros((records.nrows(), self.n_targets()));
        for (target, mut column) in out.axis_iter_mut(Axis(1)).enumerate() {
            let sum = predict_with(
                self.coef.row(target),
                self.intercept[target],
                records.view(),
            )?;
            column.assign(&sum);
        }
        if self.link == Link::Exp {
            out.mapv_inplace(f64::exp);
        }
        Ok(out)
    }

    /// The article's [`Model`] with these numbers, when there is one target and no link.
    ///
    /// ```
    /// use model_persistence::article::linear::LinearModel;
    /// use model_persistence::prelude::*;
    ///
    /// let model = train(&load_wine())?;
    /// assert_eq!(LinearModel::from(&model).to_model()?, model);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_model(&self) -> Result<Model> {
        if self.n_targets() != 1 || self.link != Link::Identity {
            return Err(ErrorKind::NotOneTarget {
                targets: self.n_targets(),
                link: self.link.name(),
            }
            .into());
        }
        let params: Vec<f64> = self.coef.row(0).to_vec();
        from_parts(&params, self.intercept[0])
    }

    /// Whether the model is one the article's [`Model`] can hold: one target, no link.
    pub fn is_plain(&self) -> bool {
        self.n_targets() == 1 && self.link == Link::Identity
    }
}

impl From<&Model> for LinearModel {
    fn from(model: &Model) -> LinearModel {
        let n = model.params().len();
        LinearModel {
            coef: model
                .params()
                .to_owned()
                .into_shape_with_order((1, n))
                .expect("one row"),
            intercept: Array1::from_elem(1, model.intercept()),
            link: Link::Identity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_file_pairing_coefficients_and_intercepts_wrongly_is_refused_not_read() {
        let good = LinearModel::new(array![[1.0], [2.0]], array![0.0, 1.0], Link::Exp).unwrap();
        let text = serde_json::to_string(&good).unwrap();
        assert_eq!(serde_json::from_str::<LinearModel>(&text).unwrap(), good);
        let bad = text.replace(
            "\"intercept\":{\"v\":1,\"dim\":[2],\"data\":[0.0,1.0]}",
            "\"intercept\":{\"v\":1,\"dim\":[1],\"data\":[0.0]}",
        );
        assert_ne!(bad, text);
        assert!(serde_json::from_str::<LinearModel>(&bad).is_err());
    }
}
