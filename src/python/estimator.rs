//! The fitted linear model a file holds, checked attribute by attribute.
//!
//! Both readers end here: the pickle machine (plain pickle and joblib) and the skops schema
//! walker hand over the estimator's class and its attributes as [`Attr`] values, and [`build`]
//! checks them the way scikit-learn would use them in `predict`: `coef_` of floats, a row a
//! target, of `n_features_in_` columns, one intercept a target, as many feature names as
//! features, and the link the class and its `power` and `link` imply.

use std::fmt;

use serde::Serialize;

use super::error::SklearnProblem;
use super::joblib::Compressor;
use super::npy::NdArray;
use ndarray::{Array1, Array2};

use crate::article::linear::{LinearModel, Link};
use crate::article::train::Model;
use crate::file::layout::Metadata;

/// The scikit-learn estimators this reader accepts: each predicts `X @ coef_.T + intercept_`
/// once fitted (or its `exp`, for the log link of the GLMs), whatever it did to find them
/// (cross-validation, a path of alphas, a robust or quantile loss, stochastic gradient descent,
/// a Bayesian prior).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Estimator {
    /// `sklearn.linear_model.LinearRegression`.
    LinearRegression,
    /// `sklearn.linear_model.Ridge`.
    Ridge,
    /// `sklearn.linear_model.Lasso`.
    Lasso,
    /// `sklearn.linear_model.ElasticNet`.
    ElasticNet,
    /// `sklearn.linear_model.RidgeCV`.
    RidgeCV,
    /// `sklearn.linear_model.LassoCV`.
    LassoCV,
    /// `sklearn.linear_model.ElasticNetCV`.
    ElasticNetCV,
    /// `sklearn.linear_model.Lars`.
    Lars,
    /// `sklearn.linear_model.LarsCV`.
    LarsCV,
    /// `sklearn.linear_model.LassoLars`.
    LassoLars,
    /// `sklearn.linear_model.LassoLarsCV`.
    LassoLarsCV,
    /// `sklearn.linear_model.LassoLarsIC`.
    LassoLarsIC,
    /// `sklearn.linear_model.OrthogonalMatchingPursuit`.
    OrthogonalMatchingPursuit,
    /// `sklearn.linear_model.OrthogonalMatchingPursuitCV`.
    OrthogonalMatchingPursuitCV,
    /// `sklearn.linear_model.SGDRegressor`.
    SGDRegressor,
    /// `sklearn.linear_model.BayesianRidge`.
    BayesianRidge,
    /// `sklearn.linear_model.ARDRegression`.
    ARDRegression,
    /// `sklearn.linear_model.HuberRegressor`.
    HuberRegressor,
    /// `sklearn.svm.LinearSVR`.
    LinearSVR,
    /// `sklearn.linear_model.TheilSenRegressor`.
    TheilSenRegressor,
    /// `sklearn.linear_model.QuantileRegressor`.
    QuantileRegressor,
    /// `sklearn.linear_model.MultiTaskLasso`.
    MultiTaskLasso,
    /// `sklearn.linear_model.MultiTaskElasticNet`.
    MultiTaskElasticNet,
    /// `sklearn.linear_model.MultiTaskLassoCV`.
    MultiTaskLassoCV,
    /// `sklearn.linear_model.MultiTaskElasticNetCV`.
    MultiTaskElasticNetCV,
    /// `sklearn.linear_model.PoissonRegressor`: `exp` of the sum (its log link).
    PoissonRegressor,
    /// `sklearn.linear_model.GammaRegressor`: `exp` of the sum (its log link).
    GammaRegressor,
    /// `sklearn.linear_model.TweedieRegressor`: the sum, or its `exp` (its `link`, by `power`).
    TweedieRegressor,
}

/// The allowlist of estimator classes: module and class name as pickles and skops spell them.
pub(crate) const ESTIMATORS: [(&str, &str, Estimator); 28] = [
    (
        "sklearn.linear_model._base",
        "LinearRegression",
        Estimator::LinearRegression,
    ),
    ("sklearn.linear_model._ridge", "Ridge", Estimator::Ridge),
    (
        "sklearn.linear_model._coordinate_descent",
        "Lasso",
        Estimator::Lasso,
    ),
    (
        "sklearn.linear_model._coordinate_descent",
        "ElasticNet",
        Estimator::ElasticNet,
    ),
    ("sklearn.linear_model._ridge", "RidgeCV", Estimator::RidgeCV),
    (
        "sklearn.linear_model._coordinate_descent",
        "LassoCV",
        Estimator::LassoCV,
    ),
    (
        "sklearn.linear_model._coordinate_descent",
        "ElasticNetCV",
        Estimator::ElasticNetCV,
    ),
    ("sklearn.linear_model._least_angle", "Lars", Estimator::Lars),
    (
        "sklearn.linear_model._least_angle",
        "LarsCV",
        Estimator::LarsCV,
    ),
    (
        "sklearn.linear_model._least_angle",
        "LassoLars",
        Estimator::LassoLars,
    ),
    (
        "sklearn.linear_model._least_angle",
        "LassoLarsCV",
        Estimator::LassoLarsCV,
    ),
    (
        "sklearn.linear_model._least_angle",
        "LassoLarsIC",
        Estimator::LassoLarsIC,
    ),
    (
        "sklearn.linear_model._omp",
        "OrthogonalMatchingPursuit",
        Estimator::OrthogonalMatchingPursuit,
    ),
    (
        "sklearn.linear_model._omp",
        "OrthogonalMatchingPursuitCV",
        Estimator::OrthogonalMatchingPursuitCV,
    ),
    (
        "sklearn.linear_model._stochastic_gradient",
        "SGDRegressor",
        Estimator::SGDRegressor,
    ),
    (
        "sklearn.linear_model._bayes",
        "BayesianRidge",
        Estimator::BayesianRidge,
    ),
    (
        "sklearn.linear_model._bayes",
        "ARDRegression",
        Estimator::ARDRegression,
    ),
    (
        "sklearn.linear_model._huber",
        "HuberRegressor",
        Estimator::HuberRegressor,
    ),
    ("sklearn.svm._classes", "LinearSVR", Estimator::LinearSVR),
    (
        "sklearn.linear_model._theil_sen",
        "TheilSenRegressor",
        Estimator::TheilSenRegressor,
    ),
    (
        "sklearn.linear_model._quantile",
        "QuantileRegressor",
        Estimator::QuantileRegressor,
    ),
    (
        "sklearn.linear_model._coordinate_descent",
        "MultiTaskLasso",
        Estimator::MultiTaskLasso,
    ),
    (
        "sklearn.linear_model._coordinate_descent",
        "MultiTaskElasticNet",
        Estimator::MultiTaskElasticNet,
    ),
    (
        "sklearn.linear_model._coordinate_descent",
        "MultiTaskLassoCV",
        Estimator::MultiTaskLassoCV,
    ),
    (
        "sklearn.linear_model._coordinate_descent",
        "MultiTaskElasticNetCV",
        Estimator::MultiTaskElasticNetCV,
    ),
    (
        "sklearn.linear_model._glm.glm",
        "PoissonRegressor",
        Estimator::PoissonRegressor,
    ),
    (
        "sklearn.linear_model._glm.glm",
        "GammaRegressor",
        Estimator::GammaRegressor,
    ),
    (
        "sklearn.linear_model._glm.glm",
        "TweedieRegressor",
        Estimator::TweedieRegressor,
    ),
];

/// The meta-estimators whose fitted `estimator_` is what predicts, module and class name: a
/// RANSACRegressor fits its estimator on the inliers it found, and predicts with it.
pub(crate) const WRAPPERS: [(&str, &str); 1] =
    [("sklearn.linear_model._ransac", "RANSACRegressor")];

/// The parts of a fitted GLM's `_base_loss` (scikit-learn 1.1 and later): the loss, its Cython
/// twin, its link and the intervals of its values. None of them predicts (the estimator's
/// class and `power` say which link applies), so the readers keep them as inert objects,
/// never called, and skip them.
pub(crate) const LOSS_PARTS: [(&str, &[&str]); 3] = [
    (
        "sklearn._loss.loss",
        &[
            "HalfPoissonLoss",
            "HalfGammaLoss",
            "HalfTweedieLoss",
            "HalfTweedieLossIdentity",
        ],
    ),
    (
        "sklearn._loss._loss",
        &[
            "CyHalfPoissonLoss",
            "CyHalfGammaLoss",
            "CyHalfTweedieLoss",
            "CyHalfTweedieLossIdentity",
            // How Cython pickles them in scikit-learn 1.1 to 1.3: a function of the class, a
            // checksum and the state; named here as data, never called.
            "__pyx_unpickle_CyHalfPoissonLoss",
            "__pyx_unpickle_CyHalfGammaLoss",
            "__pyx_unpickle_CyHalfTweedieLoss",
            "__pyx_unpickle_CyHalfTweedieLossIdentity",
        ],
    ),
    (
        "sklearn._loss.link",
        &["LogLink", "IdentityLink", "Interval"],
    ),
];

/// Whether `module.name` is one of the [`LOSS_PARTS`].
pub(crate) fn is_loss_part(module: &str, name: &str) -> bool {
    LOSS_PARTS
        .iter()
        .any(|(m, names)| *m == module && names.contains(&name))
}

/// Whether `module.name` is one of the [`WRAPPERS`].
pub(crate) fn is_wrapper(module: &str, name: &str) -> bool {
    WRAPPERS.contains(&(module, name))
}

impl Estimator {
    /// The estimator for a module and class name on the allowlist.
    pub(crate) fn from_path(module: &str, name: &str) -> Option<Self> {
        ESTIMATORS
            .iter()
            .find(|(m, n, _)| *m == module && *n == name)
            .map(|(_, _, e)| *e)
    }

    /// The class name.
    pub fn name(self) -> &'static str {
        match self {
            Estimator::LinearRegression => "LinearRegression",
            Estimator::Ridge => "Ridge",
            Estimator::Lasso => "Lasso",
            Estimator::ElasticNet => "ElasticNet",
            Estimator::RidgeCV => "RidgeCV",
            Estimator::LassoCV => "LassoCV",
            Estimator::ElasticNetCV => "ElasticNetCV",
            Estimator::Lars => "Lars",
            Estimator::LarsCV => "LarsCV",
            Estimator::LassoLars => "LassoLars",
            Estimator::LassoLarsCV => "LassoLarsCV",
            Estimator::LassoLarsIC => "LassoLarsIC",
            Estimator::OrthogonalMatchingPursuit => "OrthogonalMatchingPursuit",
            Estimator::OrthogonalMatchingPursuitCV => "OrthogonalMatchingPursuitCV",
            Estimator::SGDRegressor => "SGDRegressor",
            Estimator::BayesianRidge => "BayesianRidge",
            Estimator::ARDRegression => "ARDRegression",
            Estimator::HuberRegressor => "HuberRegressor",
            Estimator::LinearSVR => "LinearSVR",
            Estimator::TheilSenRegressor => "TheilSenRegressor",
            Estimator::QuantileRegressor => "QuantileRegressor",
            Estimator::MultiTaskLasso => "MultiTaskLasso",
            Estimator::MultiTaskElasticNet => "MultiTaskElasticNet",
            Estimator::MultiTaskLassoCV => "MultiTaskLassoCV",
            Estimator::MultiTaskElasticNetCV => "MultiTaskElasticNetCV",
            Estimator::PoissonRegressor => "PoissonRegressor",
            Estimator::GammaRegressor => "GammaRegressor",
            Estimator::TweedieRegressor => "TweedieRegressor",
        }
    }
}

impl fmt::Display for Estimator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the model came from: the container and its format version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "container", rename_all = "lowercase")]
pub enum Container {
    /// A plain pickle (`pickle.dump`).
    Pickle {
        /// The pickle protocol, 2 to 5.
        protocol: u8,
    },
    /// A joblib file (`joblib.dump`): a pickle with array data inlined, maybe compressed.
    Joblib {
        /// The compressor, `None` for an uncompressed file.
        compressor: Option<Compressor>,
        /// The pickle protocol inside.
        protocol: u8,
    },
    /// A skops zip (`skops.io.dump`).
    Skops {
        /// The skops format protocol in `schema.json`.
        protocol: i64,
        /// `_skops_version` in `schema.json`, if present.
        version: Option<String>,
    },
}

/// A fitted linear model read from a scikit-learn file: enough to predict, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PythonModel {
    /// The estimator class.
    pub estimator: Estimator,
    /// The module the file names for the class, such as `sklearn.linear_model._base`.
    pub module: String,
    /// The meta-estimator the estimator is the fitted `estimator_` of, such as
    /// `RANSACRegressor`; `None` when the file holds the estimator itself.
    pub wrapper: Option<String>,
    /// `_sklearn_version`: the scikit-learn version that pickled it, if recorded.
    pub sklearn_version: Option<String>,
    /// `n_features_in_`, or the length of `coef_` for files older than scikit-learn 0.24.
    pub n_features_in: usize,
    /// `feature_names_in_`, present when the model was fitted on a DataFrame.
    pub feature_names_in: Option<Vec<String>>,
    /// `coef_`, converted to f64, a row a target: `(1, n)` for the usual one target.
    pub coef: Array2<f64>,
    /// `intercept_`, one a target (0.0 when fitted with `fit_intercept=False`).
    pub intercept: Array1<f64>,
    /// What the predictions pass through: `exp` for the log link of the Poisson, Gamma and
    /// Tweedie regressors.
    pub link: Link,
    /// The container it was read from.
    pub container: Container,
}

impl PythonModel {
    /// The article's [`Model`] with this file's coefficients and intercept, for a model of one
    /// target and no link: what `predict`, `r2` and `save` take. Every linear regressor read
    /// predicts as a linear regression does once fitted, so all become the same Rust type,
    /// every bit of their numbers kept.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    /// use model_persistence::python::{self, ARTICLE_PICKLE};
    ///
    /// let python = python::decode(ARTICLE_PICKLE)?;
    /// let model: Model = python.model()?;
    /// assert_eq!(model.params(), python.coef.row(0));
    /// assert_eq!(model.intercept(), python.intercept[0]);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn model(&self) -> crate::Result<Model> {
        self.linear()?.to_model()
    }

    /// The model of any number of targets, with its link.
    ///
    /// ```
    /// use model_persistence::python::{self, ARTICLE_PICKLE};
    ///
    /// let linear = python::decode(ARTICLE_PICKLE)?.linear()?;
    /// assert_eq!((linear.n_targets(), linear.n_features()), (1, 13));
    /// # Ok::<(), model_persistence::Error>(())
    /// ```
    pub fn linear(&self) -> crate::Result<LinearModel> {
        LinearModel::new(self.coef.clone(), self.intercept.clone(), self.link)
    }

    /// What the file says about the model, as the crate's [`Metadata`]: the number and names of
    /// the features, and a note on where it came from ([`origin`](PythonModel::origin)).
    ///
    /// ```
    /// use model_persistence::python::{self, ARTICLE_JOBLIB};
    ///
    /// let metadata = python::decode(ARTICLE_JOBLIB)?.metadata();
    /// assert_eq!(metadata.features, Some(13));
    /// assert_eq!(metadata.notes[0], "scikit-learn 1.9.1 LinearRegression (sklearn.linear_model._base), from a joblib file, uncompressed, pickle protocol 4");
    /// # Ok::<(), model_persistence::Error>(())
    /// ```
    pub fn metadata(&self) -> Metadata {
        Metadata {
            features: Some(self.n_features_in),
            feature_names: self.feature_names_in.clone().unwrap_or_default(),
            notes: vec![self.origin()],
            ..Metadata::default()
        }
    }

    /// One line on where the model came from: the scikit-learn version and class, and how the
    /// file was written.
    pub fn origin(&self) -> String {
        let version = self
            .sklearn_version
            .as_deref()
            .unwrap_or("(unknown version)");
        let inside = match &self.wrapper {
            Some(wrapper) => format!(", the estimator_ of a {wrapper}"),
            None => String::new(),
        };
        format!(
            "scikit-learn {version} {} ({}){inside}, from {}",
            self.estimator, self.module, self.container
        )
    }
}

impl fmt::Display for PythonModel {
    /// The report `model-persistence inspect` prints for a scikit-learn file, a field a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = self.sklearn_version.as_deref().unwrap_or("unknown");
        writeln!(f, "written as    {}", self.container)?;
        writeln!(f, "estimator     {} ({})", self.estimator, self.module)?;
        if let Some(wrapper) = &self.wrapper {
            writeln!(f, "inside        the estimator_ of a {wrapper}")?;
        }
        writeln!(f, "scikit-learn  {version}")?;
        writeln!(f, "features      {}", self.n_features_in)?;
        if let Some(names) = &self.feature_names_in {
            writeln!(f, "names         {}", names.join(", "))?;
        }
        if self.link != Link::Identity {
            writeln!(f, "link          {}", self.link.name())?;
        }
        let text = |values: ndarray::ArrayView1<f64>| {
            let values: Vec<String> = values.iter().map(f64::to_string).collect();
            values.join(", ")
        };
        if self.coef.nrows() == 1 {
            writeln!(f, "intercept     {}", self.intercept[0])?;
            return write!(f, "coef          {}", text(self.coef.row(0)));
        }
        writeln!(f, "targets       {}", self.coef.nrows())?;
        writeln!(f, "intercept     {}", text(self.intercept.view()))?;
        for (target, row) in self.coef.rows().into_iter().enumerate() {
            let sep = if target + 1 == self.coef.nrows() {
                ""
            } else {
                "\n"
            };
            write!(f, "coef[{target}]{:<6}{}{sep}", "", text(row))?;
        }
        Ok(())
    }
}

impl fmt::Display for Container {
    /// How the file was written: `a pickle, protocol 4`, `a joblib file, zlib-compressed, pickle
    /// protocol 4`, `a skops file, protocol 2 (skops 0.16.0)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Container::Pickle { protocol } => write!(f, "a pickle, protocol {protocol}"),
            Container::Joblib {
                compressor,
                protocol,
            } => {
                let how = match compressor {
                    Some(c) => format!("{}-compressed", c.name()),
                    None => "uncompressed".to_string(),
                };
                write!(f, "a joblib file, {how}, pickle protocol {protocol}")
            }
            Container::Skops { protocol, version } => {
                write!(f, "a skops file, protocol {protocol}")?;
                match version {
                    Some(version) => write!(f, " (skops {version})"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// One attribute of the estimator's state, reduced to what the checks need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Attr {
    /// `None`.
    None,
    /// An int that fits in i64.
    Int(i64),
    /// A Python float.
    Float(f64),
    /// A str.
    Str(String),
    /// A numpy array or scalar.
    Array(NdArray),
    /// Anything else: a bool, a container, a big int.
    Other,
}

/// Checks the attributes of an estimator and builds the model.
pub(crate) fn build(
    estimator: Estimator,
    module: String,
    attrs: Vec<(String, Attr)>,
    container: Container,
) -> Result<PythonModel, SklearnProblem> {
    // A later key wins, as in a Python dict built from the same items.
    let get = |name: &str| attrs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let missing = |attribute| SklearnProblem::MissingAttribute {
        estimator,
        attribute,
    };
    let coef = coef(estimator, get("coef_").ok_or_else(|| missing("coef_"))?)?;
    let attr = get("intercept_").ok_or_else(|| missing("intercept_"))?;
    let intercept = intercept(attr, coef.nrows())?;
    let n_features_in = match get("n_features_in_") {
        Some(attr) => count(attr)?,
        // Files older than scikit-learn 0.24 do not record it: the coefficients say.
        None => coef.ncols(),
    };
    if coef.ncols() != n_features_in {
        return Err(SklearnProblem::FeatureCount {
            attribute: "coef_",
            found: coef.ncols(),
            expected: n_features_in,
        });
    }
    let feature_names_in = feature_names(get("feature_names_in_"), n_features_in)?;
    let sklearn_version = match get("_sklearn_version") {
        None => None,
        Some(Attr::Str(version)) => Some(version.clone()),
        Some(_) => return Err(wrong("_sklearn_version", "a string")),
    };
    Ok(PythonModel {
        estimator,
        module,
        wrapper: None,
        sklearn_version,
        n_features_in,
        feature_names_in,
        coef,
        intercept,
        link: link(estimator, &get)?,
        container,
    })
}

/// The link a fitted estimator's predictions pass through, as scikit-learn's GLMs choose it:
/// log for Poisson and Gamma; for Tweedie, `link`, where `auto` is identity for a `power` of
/// 0 or less and log above.
fn link<'a>(
    estimator: Estimator,
    get: &impl Fn(&str) -> Option<&'a Attr>,
) -> Result<Link, SklearnProblem> {
    Ok(match estimator {
        Estimator::PoissonRegressor | Estimator::GammaRegressor => Link::Exp,
        Estimator::TweedieRegressor => {
            let power = match get("power") {
                Some(Attr::Float(p)) => *p,
                Some(Attr::Int(p)) => *p as f64,
                _ => return Err(wrong("power", "a number")),
            };
            match get("link") {
                Some(Attr::Str(link)) if link == "identity" => Link::Identity,
                Some(Attr::Str(link)) if link == "log" => Link::Exp,
                Some(Attr::Str(link)) if link == "auto" && power <= 0.0 => Link::Identity,
                Some(Attr::Str(link)) if link == "auto" => Link::Exp,
                _ => return Err(wrong("link", "'auto', 'identity' or 'log'")),
            }
        }
        _ => Link::Identity,
    })
}

fn wrong(attribute: &'static str, expected: &'static str) -> SklearnProblem {
    SklearnProblem::WrongType {
        attribute,
        expected,
    }
}

/// `coef_`: a float64 or float32 array of shape `(n,)` (one target), or `(k, n)` (a row a target,
/// `(1, n)` for a model fitted on a `y` of one column), as f64 values of shape `(k, n)`.
fn coef(estimator: Estimator, attr: &Attr) -> Result<Array2<f64>, SklearnProblem> {
    let Attr::Array(array) = attr else {
        return Err(wrong("coef_", "a numpy array"));
    };
    let shape = match array.shape.as_slice() {
        [n] => (1, *n),
        [k, n] if *k > 0 => (*k, *n),
        _ => {
            return Err(SklearnProblem::CoefShape {
                estimator,
                shape: array.shape.clone(),
            });
        }
    };
    let values = array.to_f64().ok_or(SklearnProblem::NotFloat {
        attribute: "coef_",
        dtype: array.dtype,
    })?;
    // A Fortran-ordered array holds its columns in turn.
    let coef = if array.fortran_order {
        Array2::from_shape_vec((shape.1, shape.0), values).map(|a| a.reversed_axes().to_owned())
    } else {
        Array2::from_shape_vec(shape, values)
    };
    coef.map_err(|_| SklearnProblem::CoefShape {
        estimator,
        shape: array.shape.clone(),
    })
}

/// `intercept_`, one a target of the `targets`: a Python float or int, or a numpy scalar of
/// floats (the same for every target: 0.0 when fitted without an intercept), or an array of
/// shape `(targets,)`.
fn intercept(attr: &Attr, targets: usize) -> Result<Array1<f64>, SklearnProblem> {
    let not_float = |array: &NdArray| SklearnProblem::NotFloat {
        attribute: "intercept_",
        dtype: array.dtype,
    };
    match attr {
        Attr::Float(x) => Ok(Array1::from_elem(targets, *x)),
        Attr::Int(n) => Ok(Array1::from_elem(targets, *n as f64)),
        Attr::Array(array) if array.shape.is_empty() => match array.to_f64().as_deref() {
            Some([x]) => Ok(Array1::from_elem(targets, *x)),
            _ => Err(not_float(array)),
        },
        Attr::Array(array) if array.shape == [targets] => Ok(Array1::from(
            array.to_f64().ok_or_else(|| not_float(array))?,
        )),
        Attr::Array(_) => Err(wrong("intercept_", "one number a target")),
        _ => Err(wrong("intercept_", "a number")),
    }
}

/// `n_features_in_`: a non-negative integer.
fn count(attr: &Attr) -> Result<usize, SklearnProblem> {
    let expected = "a non-negative integer";
    match attr {
        Attr::Int(n) => usize::try_from(*n).map_err(|_| wrong("n_features_in_", expected)),
        _ => Err(wrong("n_features_in_", expected)),
    }
}

/// `feature_names_in_`, when present: one string a feature.
fn feature_names(attr: Option<&Attr>, n: usize) -> Result<Option<Vec<String>>, SklearnProblem> {
    let names = match attr {
        None | Some(Attr::None) => return Ok(None),
        Some(Attr::Array(array)) if array.shape.len() == 1 => array
            .to_strings()
            .ok_or(wrong("feature_names_in_", "an array of strings"))?,
        Some(_) => {
            return Err(wrong(
                "feature_names_in_",
                "a one-dimensional array of strings",
            ));
        }
    };
    if names.len() != n {
        return Err(SklearnProblem::FeatureCount {
            attribute: "feature_names_in_",
            found: names.len(),
            expected: n,
        });
    }
    Ok(Some(names))
}
