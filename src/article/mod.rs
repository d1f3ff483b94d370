//! The article's steps, one module each: the wine data ([`data`]), the split ([`split`], with
//! numpy's draws in [`rng`]), the fit ([`train`](mod@train)), the scores ([`evaluate`]), and the pictures
//! ([`figures`]); the linear model that the Python bridge reads into ([`linear`]) and the batch
//! predictions of a CSV file ([`batch`]). Saving and loading are the file wing's
//! ([`crate::file`]).
//!
//! This module runs the whole article in one call: load, split, train, score, save with every
//! codec, reload and verify. This is what `cargo run --release` runs and prints.

pub mod batch;
pub mod data;
pub mod evaluate;
pub mod figures;
pub mod linear;
pub mod rng;
pub mod split;
pub mod train;

use std::fmt;
use std::fs;
use std::path::PathBuf;

use serde::Serialize;

use crate::article::data::load_wine;
use crate::article::evaluate::{r2, same_predictions};
use crate::article::split::{TestSize, train_test_split};
use crate::article::train::{Model, train};
use crate::error::{Error, Result};
use crate::file::codec::Codec;
use crate::file::layout::Metadata;
use crate::file::persist::{load, save_with};

/// The article's knobs, with its values as defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// `random_state`: the seed of the split.
    pub seed: u32,
    /// `test_size`: a fraction or a row count.
    pub test_size: TestSize,
    /// `stratify=y`: keep the class balance in both sets.
    pub stratify: bool,
    /// Where the model files go.
    pub out_dir: PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 3,
            test_size: TestSize::Fraction(0.33),
            stratify: true,
            out_dir: PathBuf::from("models"),
        }
    }
}

/// One saved model file.
#[derive(Debug, Clone, Serialize)]
pub struct SavedFile {
    /// The codec it was written with.
    pub codec: Codec,
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Whether the model loaded from it predicts the test set bit for bit as the original.
    pub identical: bool,
}

/// What a run of the article found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The seed used.
    pub seed: u32,
    /// The test size used.
    pub test_size: TestSize,
    /// Whether the split was stratified.
    pub stratify: bool,
    /// Rows in the wine data.
    pub rows: usize,
    /// Features per row.
    pub features: usize,
    /// Rows in the training set.
    pub train_rows: usize,
    /// Rows in the test set.
    pub test_rows: usize,
    /// R² on the training set.
    pub r2_train: f64,
    /// R² on the test set.
    pub r2_test: f64,
    /// One entry per codec.
    pub files: Vec<SavedFile>,
    /// True only when every reloaded model predicted the test set bit-identically.
    pub reloaded_identical: bool,
}

/// Runs the article end to end and reports what happened.
///
/// ```
/// use model_persistence::article::{Options, run};
///
/// let dir = tempfile::tempdir()?;
/// let options = Options { out_dir: dir.path().into(), ..Options::default() };
/// let report = run(&options)?;
/// assert_eq!((report.train_rows, report.test_rows), (119, 59));
/// assert!(report.reloaded_identical);
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn run(options: &Options) -> Result<Report> {
    let wine = load_wine();
    let (train_set, test_set) =
        train_test_split(&wine, options.test_size, options.seed, options.stratify)?;
    let model = train(&train_set)?;
    let (r2_train, r2_test) = (r2(&model, &train_set)?, r2(&model, &test_set)?);

    fs::create_dir_all(&options.out_dir).map_err(|e| Error::io(&options.out_dir, e))?;
    let metadata = Metadata {
        features: Some(wine.records().ncols()),
        feature_names: wine.feature_names().to_vec(),
        train_rows: Some(train_set.records().nrows()),
        r2_train: Some(r2_train),
        r2_test: Some(r2_test),
        notes: vec![format!(
            "wine recognition data, split with seed {}, test size {}, {}",
            options.seed,
            options.test_size,
            if options.stratify {
                "stratified"
            } else {
                "not stratified"
            }
        )],
    };
    let mut files = Vec::new();
    for codec in Codec::ALL {
        let path = options
            .out_dir
            .join(format!("wine_linear.{}", codec.extension()));
        let bytes = save_with(&model, &metadata, &path, codec)?;
        let reloaded: Model = load(&path)?;
        let identical = same_predictions(&model, &reloaded, test_set.records())?;
        files.push(SavedFile {
            codec,
            path,
            bytes,
            identical,
        });
    }

    Ok(Report {
        seed: options.seed,
        test_size: options.test_size,
        stratify: options.stratify,
        rows: wine.records().nrows(),
        features: wine.records().ncols(),
        train_rows: train_set.records().nrows(),
        test_rows: test_set.records().nrows(),
        r2_train,
        r2_test,
        reloaded_identical: files.iter().all(|f| f.identical),
        files,
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = if self.stratify {
            "stratified"
        } else {
            "not stratified"
        };
        writeln!(
            f,
            "Wine data      {} rows x {} features",
            self.rows, self.features
        )?;
        writeln!(
            f,
            "Split          {} train rows, {} test rows (seed {}, test size {}, {how})",
            self.train_rows, self.test_rows, self.seed, self.test_size
        )?;
        writeln!(f, "R² train       {:.15}", self.r2_train)?;
        writeln!(f, "R² test        {:.15}", self.r2_test)?;
        for file in &self.files {
            let check = if file.identical {
                "identical"
            } else {
                "DIFFERENT"
            };
            writeln!(
                f,
                "Saved {:<13}{} ({} bytes), reloaded: {check} predictions",
                file.codec.name(),
                file.path.display(),
                file.bytes
            )?;
        }
        let verdict = if self.reloaded_identical { "yes" } else { "NO" };
        write!(
            f,
            "Every reloaded model predicts bit-identically: {verdict}"
        )
    }
}
