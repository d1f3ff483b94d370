//! One `use` for the book and the notebooks: the steps, their types, and the linfa and ndarray
//! items a reader handles.
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

pub use crate::data::{WineData, load_wine, load_wine_quality};
pub use crate::error::Error;
pub use crate::evaluate::{predict, r2, same_predictions};
pub use crate::persist::{Format, Metadata, inspect, load, open, save, save_with};
pub use crate::split::{TestSize, train_test_split};
pub use crate::train::{Model, train};
pub use linfa::Dataset;
pub use linfa::dataset::Records;
pub use linfa_linear::{FittedLinearRegression, LinearRegression};
pub use ndarray::{Array1, Array2, array};
