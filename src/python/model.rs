//! The model the bridge hands around: a [`LinearModel`] with what its file said about it. Every
//! reader returns one and every exporter takes one, so `convert` is reading, then writing.

use crate::article::linear::LinearModel;
use crate::file::layout::{Header, Metadata};
use crate::python::PythonModel;
use crate::python::export::Format;

/// A linear model read from a file, with what the file says about it.
#[derive(Debug, Clone)]
pub struct Linear {
    /// The model: coefficients of one or several targets, and a link.
    pub model: LinearModel,
    /// What is known about it: features and their names, scores, notes on where it came from.
    pub metadata: Metadata,
    /// The file it was read from, as that file describes itself.
    pub origin: Origin,
}

/// What kind of file a [`Linear`] was read from, and its description.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A model file of this crate, with its checked header.
    Ours(Header),
    /// A scikit-learn file, with what it says about the estimator.
    Sklearn(PythonModel),
    /// An ONNX or safetensors file that [`export`](crate::python::export) wrote.
    Exported(Format),
}

impl Linear {
    /// What trained the model, as the file recorded it: a Rust type for our files, the
    /// estimator's `module.class` for scikit-learn's, and the article's model for a file we
    /// exported (which records it in its own metadata).
    ///
    /// ```
    /// use model_persistence::python::{ARTICLE_PICKLE, Limits, convert};
    ///
    /// let linear = convert::from_bytes(ARTICLE_PICKLE, Limits::default())?;
    /// assert_eq!(linear.trained_by(), "sklearn.linear_model._base.LinearRegression");
    /// # Ok::<(), model_persistence::Error>(())
    /// ```
    pub fn trained_by(&self) -> String {
        match &self.origin {
            Origin::Ours(header) => header.model_type.clone(),
            Origin::Sklearn(python) => format!("{}.{}", python.module, python.estimator),
            Origin::Exported(_) => {
                std::any::type_name::<crate::article::train::Model>().to_string()
            }
        }
    }
}
