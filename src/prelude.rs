//! One `use` for the book and the notebooks: the steps, their types, the crate's error, and the
//! linfa and ndarray items a reader handles.
//!
//! ```
//! use model_persistence::prelude::*;
//!
//! let wine: WineData = load_wine();
//! let (train_set, test_set) = train_test_split(&wine, 0.33, 3, true)?;
//! let model: Model = train(&train_set)?;
//! let predictions: Array1<f64> = predict(&model, test_set.records())?;
//! assert_eq!(predictions.len(), 59);
//! # Ok::<(), Error>(())
//! ```
//!
//! A notebook (the evcxr kernel) keeps a variable from one cell to the next only when it can
//! write down its type, so every type a reader holds has a short name here: `WineData`, `Model`,
//! `Array1<f64>`, `DatasetBase<Array2<f64>, Array1<f64>>`, `TempDir`, `Header`, `Loaded<Model>`.
//! `ArrayBase`, `OwnedRepr` and `Dim` are here for the variables of a pattern such as
//! `let (train_set, test_set) = ...`, which cannot be annotated one by one: evcxr spells their
//! type out in full, and needs each part of it in scope.
//!
//! ```
//! use model_persistence::prelude::*;
//!
//! let dir: TempDir = tempdir()?;
//! let path = dir.path().join("wine.bin");
//! let model: Model = train(&load_wine())?;
//! save(&model, &path, Codec::Bincode)?;
//! let header: Header = inspect(&path)?;
//! let loaded: Loaded<Model> = load_with_header(&path)?;
//! assert_eq!(loaded.header, header);
//!
//! // linfa's own traits, for fitting and predicting without the crate's helpers:
//! let wine: WineData = load_wine();
//! let numeric: DatasetBase<Array2<f64>, Array1<f64>> = Dataset::new(wine.records().clone(), wine.targets().mapv(|c| c as f64));
//! let fitted: Model = LinearRegression::new().fit(&numeric)?;
//! let predicted: Array1<f64> = fitted.predict(wine.records());
//! assert_eq!(fitted, model);
//! assert!(predicted.r2(&numeric)? > 0.9);
//! # Ok::<(), Error>(())
//! ```

pub use crate::article::data::{WineData, load_wine, load_wine_quality};
pub use crate::article::evaluate::{predict, r2, same_predictions};
pub use crate::article::split::{TestSize, train_test_split};
pub use crate::article::train::{Model, from_parts, train};
pub use crate::error::{BadSplit, Corruption, Error, ErrorKind};
pub use crate::file::codec::Codec;
pub use crate::file::layout::{
    Header, Loaded, MAGIC, MAX_PAYLOAD_BYTES, Metadata, decode, encode, encode_into, verify,
};
pub use crate::file::persist::{inspect, load, load_with_header, save, save_with};
pub use linfa::dataset::Records;
pub use linfa::prelude::SingleTargetRegression;
pub use linfa::traits::{Fit, Predict};
pub use linfa::{Dataset, DatasetBase};
pub use linfa_linear::{FittedLinearRegression, LinearRegression, TweedieRegressor};
pub use ndarray::{Array1, Array2, ArrayBase, Dim, OwnedRepr, array};
pub use tempfile::{TempDir, tempdir};
