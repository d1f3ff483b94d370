//! From Rust to Python: a linear model handed to scikit-learn (a `.skops` file that
//! `skops.io.load` turns into a real `LinearRegression`), to onnxruntime (an `.onnx` graph that
//! computes in float64) and to numpy or any safetensors reader (`.safetensors`). The files are
//! checked by those consumers themselves in `scripts/python-check`; this module writes them, and
//! reads back the ONNX and safetensors files it wrote (a `.skops` file reads back through
//! [`crate::python`], like any skops file).

use std::collections::BTreeMap;
use std::path::Path;

use crate::article::linear::{LinearModel, Link};
use crate::file::layout::Metadata;
use crate::python::{Linear, Origin};

/// Who wrote a file, as the exports record it in ONNX and safetensors metadata.
pub const PRODUCER: &str = concat!("model-persistence ", env!("CARGO_PKG_VERSION"));

/// A file format Python reads that this module writes.
///
/// ```
/// use model_persistence::python::export::Format;
///
/// assert_eq!(Format::for_path("wine.onnx"), Some(Format::Onnx));
/// assert_eq!(Format::Safetensors.extension(), "safetensors");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A skops zip, for scikit-learn.
    Skops,
    /// An ONNX model, for onnxruntime.
    Onnx,
    /// safetensors, for numpy and the Rust and Python ML libraries that read it.
    Safetensors,
}

impl Format {
    /// Every format, in the order the book presents them.
    pub const ALL: [Format; 3] = [Format::Skops, Format::Onnx, Format::Safetensors];

    /// The format's lowercase name, also its file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Skops => "skops",
            Format::Onnx => "onnx",
            Format::Safetensors => "safetensors",
        }
    }

    /// The format a file name's extension stands for, if any.
    pub fn for_path(path: impl AsRef<Path>) -> Option<Format> {
        let extension = path.as_ref().extension()?.to_str()?;
        Format::ALL.into_iter().find(|f| f.extension() == extension)
    }
}

impl std::fmt::Display for Format {
    /// The format as a sentence names it: `a skops file`, `an ONNX file`, `a safetensors file`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Skops => "a skops file",
            Format::Onnx => "an ONNX file",
            Format::Safetensors => "a safetensors file",
        })
    }
}

/// The bytes of `linear` as a file of `format`.
///
/// ```
/// use model_persistence::python::convert;
/// use model_persistence::python::export::{self, Format};
/// use model_persistence::prelude::*;
///
/// let dir = tempdir()?;
/// let path = dir.path().join("wine.bin");
/// save(&train(&load_wine())?, &path, Codec::Bincode)?;
/// let linear = convert::load(&path)?;
/// let onnx = export::encode(&linear, Format::Onnx)?;
/// assert_eq!(export::decode(&onnx)?.model, linear.model);
/// # Ok::<(), Error>(())
/// ```
pub fn encode(linear: &Linear, format: Format) -> crate::Result<Vec<u8>> {
    let portable = Portable::of(linear)?;
    portable.validate()?;
    Ok(match format {
        Format::Skops => super::skops::write::encode(&portable)?,
        Format::Onnx => super::onnx::encode(&portable)?,
        Format::Safetensors => super::safetensors::encode(&portable)?,
    })
}

/// Reads back an ONNX or safetensors file that [`encode`] wrote, told apart by content.
pub fn decode(bytes: &[u8]) -> crate::Result<Linear> {
    let (format, portable) = if super::sniff::sniff(bytes) == super::sniff::Kind::Safetensors {
        (Format::Safetensors, super::safetensors::decode(bytes)?)
    } else {
        (Format::Onnx, super::onnx::decode(bytes)?)
    };
    portable.into_linear(format)
}

/// The model every format takes: a linear model of one target or several, with its link, and
/// what a user needs to know about it, as plain numbers and strings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Portable {
    /// One coefficient per feature, in column order, a target after another.
    pub(crate) coef: Vec<f64>,
    /// The constant terms, one a target.
    pub(crate) intercept: Vec<f64>,
    /// What the predictions pass through.
    pub(crate) link: Link,
    /// The features' names, in column order; empty when unknown.
    pub(crate) feature_names: Vec<String>,
    /// What trained it, such as `linfa_linear::ols::FittedLinearRegression<f64>`.
    pub(crate) model_type: String,
    /// R² on the training set, when known.
    pub(crate) r2_train: Option<f64>,
    /// R² on the test set, when known.
    pub(crate) r2_test: Option<f64>,
}

impl Portable {
    /// The numbers and names of `linear`.
    fn of(linear: &Linear) -> Result<Self> {
        let model_type = linear.trained_by();
        Ok(Portable {
            coef: linear.model.coef().iter().copied().collect(),
            intercept: linear.model.intercept().to_vec(),
            link: linear.model.link(),
            feature_names: linear.metadata.feature_names.clone(),
            model_type,
            r2_train: linear.metadata.r2_train,
            r2_test: linear.metadata.r2_test,
        })
    }
}

impl Portable {
    /// The crate's [`Linear`] for a model read back from a file of `format`.
    fn into_linear(self, format: Format) -> crate::Result<Linear> {
        let (targets, features) = (self.targets(), self.n_features());
        let coef = ndarray::Array2::from_shape_vec((targets, features), self.coef)
            .map_err(|e| crate::Error::encode(std::io::Error::other(e)))?;
        let model = LinearModel::new(coef, self.intercept.into(), self.link)?;
        let metadata = Metadata {
            features: Some(features),
            feature_names: self.feature_names,
            r2_train: self.r2_train,
            r2_test: self.r2_test,
            notes: vec![format!("{}, from {format}", self.model_type)],
            ..Metadata::default()
        };
        Ok(Linear {
            model,
            metadata,
            origin: Origin::Exported(format),
        })
    }

    /// A model of one target with these numbers and nothing else known about it.
    pub(crate) fn new(coef: Vec<f64>, intercept: f64) -> Self {
        Portable {
            coef,
            intercept: vec![intercept],
            link: Link::Identity,
            feature_names: Vec::new(),
            model_type: "linear regression".to_owned(),
            r2_train: None,
            r2_test: None,
        }
    }

    /// The number of features a row must have.
    pub(crate) fn n_features(&self) -> usize {
        self.coef.len() / self.targets().max(1)
    }

    /// The number of targets.
    pub(crate) fn targets(&self) -> usize {
        self.intercept.len()
    }

    /// The coefficients a feature a row, a target a column: what `X @ coef` multiplies by.
    pub(crate) fn transposed(&self) -> Vec<f64> {
        let (n, k) = (self.n_features(), self.targets());
        (0..n * k).map(|i| self.coef[(i % k) * n + i / k]).collect()
    }

    /// Checks what every format needs: at least one coefficient, finite numbers, and as many
    /// names as coefficients when names are given.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.coef.is_empty() || self.intercept.is_empty() {
            return Err(ExportProblem::NoCoefficients);
        }
        if self.coef.len() % self.targets() != 0 {
            return Err(ExportProblem::unexpected(
                "the model",
                "coefficients",
                format!("a multiple of its {} targets", self.targets()),
                self.coef.len(),
            ));
        }
        if !self.feature_names.is_empty() && self.feature_names.len() != self.n_features() {
            return Err(ExportProblem::NamesMismatch {
                coefficients: self.n_features(),
                names: self.feature_names.len(),
            });
        }
        if let Some(i) = self.coef.iter().position(|c| !c.is_finite()) {
            return Err(ExportProblem::NotFinite {
                what: format!("coefficient {i}"),
            });
        }
        if self.intercept.iter().any(|i| !i.is_finite()) {
            return Err(ExportProblem::NotFinite {
                what: "the intercept".to_owned(),
            });
        }
        Ok(())
    }

    /// The string map that ONNX `metadata_props` and the safetensors `__metadata__` hold: sorted
    /// keys, numbers in Rust's shortest form that reads back to the same bits, and the names as
    /// a JSON array (names may contain commas).
    pub(crate) fn metadata(&self) -> Result<BTreeMap<String, String>> {
        let mut map = BTreeMap::new();
        map.insert("model_type".to_owned(), self.model_type.clone());
        map.insert("n_features".to_owned(), self.n_features().to_string());
        // Written only when they are not the one target and no link, which keeps the files of
        // such a model byte for byte what they were.
        if self.targets() != 1 {
            map.insert("n_targets".to_owned(), self.targets().to_string());
        }
        if self.link != Link::Identity {
            map.insert("link".to_owned(), self.link.name().to_owned());
        }
        map.insert("producer".to_owned(), PRODUCER.to_owned());
        if !self.feature_names.is_empty() {
            map.insert(
                "feature_names".to_owned(),
                serde_json::to_string(&self.feature_names)?,
            );
        }
        if let Some(r2) = self.r2_train {
            map.insert("r2_train".to_owned(), r2.to_string());
        }
        if let Some(r2) = self.r2_test {
            map.insert("r2_test".to_owned(), r2.to_string());
        }
        Ok(map)
    }

    /// Fills the names, model type and scores from a map written by [`Portable::metadata`],
    /// checking that it announces as many features as the coefficients read.
    pub(crate) fn apply_metadata(
        &mut self,
        format: &'static str,
        map: &BTreeMap<String, String>,
    ) -> Result<()> {
        let get = |key: &str| {
            map.get(key)
                .ok_or_else(|| ExportProblem::missing(format, format!("metadata {key:?}")))
        };
        let n: usize = parse(format, "n_features", get("n_features")?)?;
        let targets = match map.get("n_targets") {
            Some(text) => parse(format, "n_targets", text)?,
            None => 1,
        };
        if targets != self.targets() || n.checked_mul(targets) != Some(self.coef.len()) {
            return Err(ExportProblem::unexpected(
                format,
                "metadata \"n_features\" and \"n_targets\"",
                format!(
                    "{} coefficients and {} intercepts",
                    self.coef.len(),
                    self.targets()
                ),
                format!("{n} features and {targets} targets"),
            ));
        }
        self.link = match map.get("link").map(String::as_str) {
            None => Link::Identity,
            Some("exp") => Link::Exp,
            Some(other) => {
                return Err(ExportProblem::unexpected(
                    format,
                    "metadata \"link\"",
                    "exp",
                    format!("{other:?}"),
                ));
            }
        };
        self.model_type = get("model_type")?.clone();
        if let Some(names) = map.get("feature_names") {
            self.feature_names = serde_json::from_str(names)?;
        }
        self.r2_train = map
            .get("r2_train")
            .map(|s| parse(format, "r2_train", s))
            .transpose()?;
        self.r2_test = map
            .get("r2_test")
            .map(|s| parse(format, "r2_test", s))
            .transpose()?;
        self.validate()
    }
}

/// A metadata value parsed as a number, or an error that quotes it.
fn parse<T: std::str::FromStr>(format: &'static str, key: &str, text: &str) -> Result<T> {
    text.parse().map_err(|_| {
        ExportProblem::unexpected(
            format,
            format!("metadata {key:?}"),
            "a number",
            format!("{text:?}"),
        )
    })
}

/// `Result` with the module's own kind of error, converted to the crate's at its edge.
pub(crate) type Result<T, E = ExportProblem> = std::result::Result<T, E>;

/// What can go wrong writing a model for Python, or reading back what was written: one line
/// each, with the kinds a program acts on kept apart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ExportProblem {
    /// A model with no coefficient cannot be exported.
    #[error("the model has no coefficients")]
    NoCoefficients,
    /// A model of several targets with a link, which no scikit-learn estimator is.
    #[error(
        "{format}: a model of several targets with the {link} link is not written as {format}, since scikit-learn's GLMs have one target (ONNX and safetensors carry it)"
    )]
    LinkNotWritten {
        /// The format.
        format: &'static str,
        /// The link's name.
        link: &'static str,
    },
    /// The feature names, when given, must name every coefficient.
    #[error("the model has {coefficients} coefficients but {names} feature names")]
    NamesMismatch {
        /// Coefficients in the model.
        coefficients: usize,
        /// Names given.
        names: usize,
    },
    /// NaN or infinity, which no consumer would predict with sensibly.
    #[error("{what} is not a finite number")]
    NotFinite {
        /// The coefficient or the intercept.
        what: String,
    },
    /// The file does not hold what this crate writes: "expected X, but found Y".
    #[error("{format}: expected {expected} for {what}, but found {found}")]
    Unexpected {
        /// `skops`, `onnx` or `safetensors`.
        format: &'static str,
        /// The part of the file.
        what: String,
        /// What this crate writes there.
        expected: String,
        /// What the file has.
        found: String,
    },
    /// A part this crate always writes is absent.
    #[error("{format}: missing {what}")]
    Missing {
        /// `skops`, `onnx` or `safetensors`.
        format: &'static str,
        /// The part of the file.
        what: String,
    },
    /// The zip archive of a skops file is damaged.
    #[error("skops: zip archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// JSON that does not parse, or not into the shape this crate writes.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Bytes that are not an ONNX protobuf message.
    #[error("onnx: not a protobuf model: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// The safetensors crate refused the data.
    #[error("safetensors: {0}")]
    Safetensors(#[from] ::safetensors::SafeTensorError),
}

impl ExportProblem {
    /// Whether the problem is in a file read back (damaged or not ours), rather than in a
    /// model that cannot be written.
    pub(crate) fn is_corrupt(&self) -> bool {
        !matches!(
            self,
            ExportProblem::NoCoefficients
                | ExportProblem::LinkNotWritten { .. }
                | ExportProblem::NamesMismatch { .. }
                | ExportProblem::NotFinite { .. }
        )
    }
}

impl ExportProblem {
    /// An [`ExportProblem::Unexpected`], from anything printable.
    pub(crate) fn unexpected(
        format: &'static str,
        what: impl Into<String>,
        expected: impl std::fmt::Display,
        found: impl std::fmt::Display,
    ) -> Self {
        ExportProblem::Unexpected {
            format,
            what: what.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    /// An [`ExportProblem::Missing`].
    pub(crate) fn missing(format: &'static str, what: impl Into<String>) -> Self {
        ExportProblem::Missing {
            format,
            what: what.into(),
        }
    }
}

impl From<ExportProblem> for crate::Error {
    fn from(problem: ExportProblem) -> Self {
        crate::ErrorKind::Export(crate::error::Detail::new(problem)).into()
    }
}

/// Numbers as little-endian bytes, the layout of `.npy` `<f8`, ONNX `raw_data` and safetensors
/// `F64`.
pub(crate) fn to_le_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The numbers in little-endian bytes, or `None` when the length is not a multiple of 8.
pub(crate) fn from_le_bytes(bytes: &[u8]) -> Option<Vec<f64>> {
    let chunks = bytes.chunks_exact(8);
    if !chunks.remainder().is_empty() {
        return None;
    }
    Some(
        chunks
            .map(|chunk| f64::from_le_bytes(chunk.try_into().expect("chunks of 8")))
            .collect(),
    )
}
