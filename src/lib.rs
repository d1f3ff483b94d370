//! # model-persistence
//!
//! Save and load machine learning models in Rust: the steps of the article "How to Save and Load
//! Machine Learning Models in Python", one module each, with scikit-learn's numbers.
//!
//! | step | module | function |
//! |---|---|---|
//! | 1 packages | [`prelude`] | `use model_persistence::prelude::*` |
//! | 2 load the wine data | [`data`] | [`load_wine`](data::load_wine) |
//! | 3 stratified split | [`split`] | [`train_test_split`](split::train_test_split) |
//! | 4 train | [`train`](mod@train) | [`train`](train::train) |
//! | 5 R² on train and test | [`evaluate`] | [`r2`](evaluate::r2) |
//! | 6 save | [`persist`] | [`save`](persist::save) |
//! | 7 load and verify | [`persist`], [`evaluate`] | [`load`](persist::load), [`same_predictions`](evaluate::same_predictions) |
//!
//! ```
//! use model_persistence::prelude::*;
//!
//! let (train_set, test_set) = train_test_split(&load_wine(), 0.33, 3, true)?;
//! let model = train(&train_set)?;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("wine.bin");
//! save(&model, &path, Format::Bincode)?;
//! let reloaded: Model = load(&path)?;
//! assert_eq!(r2(&reloaded, &test_set)?, r2(&model, &test_set)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod article;
pub mod codec;
pub mod data;
pub mod error;
pub mod evaluate;
pub mod format;
pub mod persist;
pub mod plot;
pub mod prelude;
pub mod rng;
pub mod split;
pub mod train;

pub use error::Error;

#[cfg(doctest)]
mod book;
