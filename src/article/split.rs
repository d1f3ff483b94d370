//! Step 3: split the data into a training set and a test set, row for row as scikit-learn does.
//!
//! `train_test_split(X, y, test_size=0.33, random_state=3, stratify=y)` runs scikit-learn's
//! `StratifiedShuffleSplit`; without `stratify` it runs `ShuffleSplit`. Both draw from numpy's
//! legacy `RandomState` ([`crate::article::rng`]); replaying those draws in the same order gives the same
//! rows in the same order, so every number downstream matches the Python article.

use linfa::Dataset;
use ndarray::Axis;

use crate::article::data::WineData;
use crate::article::rng::RandomState;
use crate::error::{BadSplit, Result};

/// How large the test set is: a fraction of the rows (rounded up) or a number of rows.
///
/// ```
/// use model_persistence::article::split::TestSize;
///
/// assert_eq!(TestSize::from(0.33).test_rows(178)?, 59);
/// assert_eq!(TestSize::from(36).test_rows(178)?, 36);
/// assert!(TestSize::from(1.5).test_rows(178).is_err());
/// # Ok::<(), model_persistence::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum TestSize {
    /// A fraction in (0, 1) of the rows; the count is rounded up, as in scikit-learn.
    Fraction(f64),
    /// An absolute number of rows, at least 1 and fewer than the dataset has.
    Count(usize),
}

impl From<f64> for TestSize {
    fn from(fraction: f64) -> Self {
        TestSize::Fraction(fraction)
    }
}

impl From<usize> for TestSize {
    fn from(count: usize) -> Self {
        TestSize::Count(count)
    }
}

impl std::str::FromStr for TestSize {
    type Err = crate::Error;

    /// Reads `0.33` as a fraction and `59` as a count, and rejects anything else.
    fn from_str(text: &str) -> Result<Self> {
        let size = if let Ok(count) = text.parse::<usize>() {
            TestSize::Count(count)
        } else if let Ok(fraction) = text.parse::<f64>() {
            TestSize::Fraction(fraction)
        } else {
            return Err(BadSplit::NotASize(text.to_string()).into());
        };
        size.validate()?;
        Ok(size)
    }
}

impl std::fmt::Display for TestSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TestSize::Fraction(x) => write!(f, "{x}"),
            TestSize::Count(n) => write!(f, "{n} rows"),
        }
    }
}

impl TestSize {
    /// Rejects sizes that are wrong whatever the dataset: a fraction outside (0, 1), a count of 0.
    fn validate(self) -> Result<(), BadSplit> {
        match self {
            TestSize::Fraction(x) if !(x > 0.0 && x < 1.0) => Err(BadSplit::Fraction(x)),
            TestSize::Count(0) => Err(BadSplit::Count {
                count: 0,
                rows: None,
            }),
            _ => Ok(()),
        }
    }

    /// The number of test rows for a dataset of `rows` rows, checked as scikit-learn checks it.
    pub fn test_rows(self, rows: usize) -> Result<usize> {
        self.validate()?;
        if rows == 0 {
            return Err(BadSplit::Empty.into());
        }
        let test = match self {
            TestSize::Fraction(x) => (x * rows as f64).ceil() as usize,
            TestSize::Count(n) if n >= rows => {
                let rows = Some(rows);
                return Err(BadSplit::Count { count: n, rows }.into());
            }
            TestSize::Count(n) => n,
        };
        if test >= rows {
            return Err(BadSplit::EmptyTrain { rows, test }.into());
        }
        Ok(test)
    }
}

/// The row indices of the training and the test set, in scikit-learn's order.
///
/// With `stratify` set to the class labels, this is `StratifiedShuffleSplit`; with `None` it is
/// `ShuffleSplit`.
///
/// ```
/// use model_persistence::article::split::split_indices;
///
/// let labels = [0, 0, 1, 1, 1, 1, 2, 2];
/// let (train, test) = split_indices(labels.len(), 0.5.into(), 3, Some(&labels[..]))?;
/// assert_eq!((train.len(), test.len()), (4, 4));
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn split_indices<T: Ord>(
    rows: usize,
    test_size: TestSize,
    seed: u32,
    stratify: Option<&[T]>,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let n_test = test_size.test_rows(rows)?;
    let n_train = rows - n_test;
    let mut rng = RandomState::new(seed);
    match stratify {
        None => {
            let permutation = rng.permutation(rows);
            Ok((
                permutation[n_test..].to_vec(),
                permutation[..n_test].to_vec(),
            ))
        }
        Some(labels) => stratified(labels, n_train, n_test, &mut rng),
    }
}

// ANCHOR: stratified
/// `StratifiedShuffleSplit._iter_indices` for one split: share the rows out class by class.
fn stratified<T: Ord>(
    labels: &[T],
    n_train: usize,
    n_test: usize,
    rng: &mut RandomState,
) -> Result<(Vec<usize>, Vec<usize>)> {
    // Rows of each class in row order, classes sorted (`np.unique` + a stable argsort).
    let mut by_class: Vec<usize> = (0..labels.len()).collect();
    by_class.sort_by(|&a, &b| labels[a].cmp(&labels[b]));
    let class_rows: Vec<&[usize]> = by_class.chunk_by(|&a, &b| labels[a] == labels[b]).collect();
    let counts: Vec<usize> = class_rows.iter().map(|rows| rows.len()).collect();

    if let Some(&smallest) = counts.iter().min().filter(|&&c| c < 2) {
        return Err(BadSplit::ClassTooSmall(smallest).into());
    }
    for (set, rows) in [("train", n_train), ("test", n_test)] {
        if rows < counts.len() {
            let classes = counts.len();
            return Err(BadSplit::TooFewRows { set, rows, classes }.into());
        }
    }

    let train_counts = approximate_mode(&counts, n_train, rng);
    let left: Vec<usize> = counts
        .iter()
        .zip(&train_counts)
        .map(|(c, t)| c - t)
        .collect();
    let test_counts = approximate_mode(&left, n_test, rng);

    let (mut train, mut test) = (Vec::with_capacity(n_train), Vec::with_capacity(n_test));
    for (class, rows) in class_rows.iter().enumerate() {
        let shuffled: Vec<usize> = rng
            .permutation(rows.len())
            .iter()
            .map(|&i| rows[i])
            .collect();
        let (n_i, t_i) = (train_counts[class], test_counts[class]);
        train.extend_from_slice(&shuffled[..n_i]);
        test.extend_from_slice(&shuffled[n_i..n_i + t_i]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    Ok((train, test))
}

/// scikit-learn's `_approximate_mode`: how many of `draws` rows each class gets, in proportion to
/// `counts`, handing the rounding remainder to the classes with the largest fractional parts
/// and breaking ties at random.
fn approximate_mode(counts: &[usize], draws: usize, rng: &mut RandomState) -> Vec<usize> {
    let total = counts.iter().sum::<usize>() as f64;
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total * draws as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|x| x.floor() as usize).collect();
    let mut need = draws - floored.iter().sum::<usize>();
    let remainder: Vec<f64> = continuous.iter().map(|x| x - x.floor()).collect();
    let mut values = remainder.clone();
    values.sort_by(|a, b| b.total_cmp(a));
    values.dedup();
    for value in values {
        if need == 0 {
            break;
        }
        let tied: Vec<usize> = (0..remainder.len())
            .filter(|&i| remainder[i] == value)
            .collect();
        let take = tied.len().min(need);
        for i in rng.choice(&tied, take) {
            floored[i] += 1;
        }
        need -= take;
    }
    floored
}
// ANCHOR_END: stratified

/// Splits `dataset` into a training and a test set, picking the rows scikit-learn's
/// `train_test_split(X, y, test_size, random_state=seed, stratify=y if stratify else None)` picks.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let (train, test) = train_test_split(&load_wine(), 0.33, 3, true)?;
/// assert_eq!((train.nsamples(), test.nsamples()), (119, 59));
/// assert_eq!(train.feature_names(), load_wine().feature_names());
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn train_test_split(
    dataset: &WineData,
    test_size: impl Into<TestSize>,
    seed: u32,
    stratify: bool,
) -> Result<(WineData, WineData)> {
    let labels = dataset.targets().to_vec();
    let strata = stratify.then_some(labels.as_slice());
    let rows_in = dataset.records().nrows();
    let (train, test) = split_indices(rows_in, test_size.into(), seed, strata)?;
    Ok((rows(dataset, &train), rows(dataset, &test)))
}

/// The given rows of `dataset`, in that order, with its feature names.
fn rows(dataset: &WineData, indices: &[usize]) -> WineData {
    let records = dataset.records().select(Axis(0), indices);
    let targets = dataset.targets().select(Axis(0), indices);
    Dataset::new(records, targets).with_feature_names(dataset.feature_names().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::error::ErrorKind;

    /// The split's problem, from an `Err`.
    fn bad<T: std::fmt::Debug>(result: Result<T>) -> Result<T, BadSplit> {
        result.map_err(|e| match e.kind() {
            ErrorKind::Split(bad) => bad.clone(),
            other => panic!("not a split error: {other:?}"),
        })
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let labels = [0, 0, 1, 1, 2];
        let split = |size: TestSize, stratify: bool| {
            bad(split_indices(5, size, 0, stratify.then_some(&labels[..])))
        };
        assert_eq!(
            split(TestSize::Fraction(0.0), false),
            Err(BadSplit::Fraction(0.0))
        );
        assert_eq!(
            split(TestSize::Fraction(1.0), false),
            Err(BadSplit::Fraction(1.0))
        );
        assert!(matches!(
            split(TestSize::Fraction(f64::NAN), false),
            Err(BadSplit::Fraction(_))
        ));
        assert_eq!(
            split(TestSize::Count(5), false),
            Err(BadSplit::Count {
                count: 5,
                rows: Some(5)
            })
        );
        assert_eq!(
            split(TestSize::Fraction(0.9), false),
            Err(BadSplit::EmptyTrain { rows: 5, test: 5 })
        );
        assert_eq!(
            split(TestSize::Count(2), true),
            Err(BadSplit::ClassTooSmall(1))
        );
        assert_eq!(
            bad(split_indices::<u8>(0, TestSize::Fraction(0.5), 0, None)),
            Err(BadSplit::Empty)
        );
        let too_few = bad(split_indices(
            6,
            TestSize::Count(2),
            0,
            Some(&[0, 0, 1, 1, 2, 2][..]),
        ));
        assert_eq!(
            too_few,
            Err(BadSplit::TooFewRows {
                set: "test",
                rows: 2,
                classes: 3
            })
        );
    }

    #[test]
    fn test_size_parses_counts_and_fractions() {
        assert_eq!(
            "0.33".parse::<TestSize>().unwrap(),
            TestSize::Fraction(0.33)
        );
        assert_eq!("59".parse::<TestSize>().unwrap(), TestSize::Count(59));
        assert!("0".parse::<TestSize>().is_err());
        assert!("-0.2".parse::<TestSize>().is_err());
        assert!("a third".parse::<TestSize>().is_err());
    }

    #[test]
    fn unstratified_split_is_a_permutation() {
        let (train, test) = split_indices::<u8>(10, TestSize::Count(3), 7, None).unwrap();
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(test.len(), 3);
    }
}
