//! Step 2: load the data the article works on.
//!
//! [`load_wine`] gives the UCI wine recognition data exactly as scikit-learn's `load_wine()` does;
//! the CSV is the one scikit-learn ships, compiled into the crate, so nothing is downloaded.
//! [`load_wine_quality`] gives the 1,599 red wines of `linfa_datasets::winequality()`, a dataset
//! whose target is a real quality score, for the book's "going further" chapters.

use std::path::Path;

use linfa::Dataset;
use ndarray::{Array1, Array2, Ix1};

use crate::error::Error;

/// The wine CSV from scikit-learn's `sklearn/datasets/data/wine_data.csv` (UCI, CC BY 4.0).
const WINE_CSV: &str = include_str!("../data/wine_data.csv");

/// Rows of measurements with one class label or score per row, as both loaders return them.
pub type WineData = Dataset<f64, usize, Ix1>;

/// Feature names in scikit-learn's order and spelling.
pub const WINE_FEATURES: [&str; 13] = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280/od315_of_diluted_wines",
    "proline",
];

/// The wine recognition data: 178 wines, 13 named chemical measurements, and the cultivar
/// (class 0, 1 or 2) as target, the same rows in the same order as scikit-learn's `load_wine()`.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let wine = load_wine();
/// assert_eq!(wine.records().dim(), (178, 13));
/// assert_eq!(wine.feature_names()[0], "alcohol");
/// let class_1 = wine.targets().iter().filter(|&&c| c == 1).count();
/// assert_eq!(class_1, 71);
/// ```
pub fn load_wine() -> WineData {
    // The first line is scikit-learn's header: rows, features, then the class names.
    let mut lines = WINE_CSV.lines();
    let header = lines.next().unwrap_or_default();
    let rows: usize = header
        .split(',')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);

    let mut records = Array2::zeros((rows, WINE_FEATURES.len()));
    let mut targets = Array1::zeros(rows);
    // The CSV is compiled in and checked by the tests below, so a parse failure is a build bug.
    for (i, line) in lines.enumerate() {
        let mut fields = line.split(',');
        for j in 0..WINE_FEATURES.len() {
            let field = fields.next().expect("wine CSV: missing field");
            records[[i, j]] = field.parse().expect("wine CSV: bad number");
        }
        let class = fields.next().expect("wine CSV: missing class");
        targets[i] = class.trim().parse().expect("wine CSV: bad class");
    }
    Dataset::new(records, targets).with_feature_names(WINE_FEATURES.to_vec())
}

/// Reads rows of `features` numbers from a CSV file, for predictions; a first line with no
/// number in it is taken as a header and skipped.
///
/// ```
/// use model_persistence::data::read_rows;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("rows.csv");
/// std::fs::write(&path, "a,b\n1,2\n3.5,-4\n")?;
/// let rows = read_rows(&path, 2)?;
/// assert_eq!(rows, ndarray::array![[1.0, 2.0], [3.5, -4.0]]);
/// assert!(read_rows(&path, 3).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_rows(path: &Path, features: usize) -> Result<Array2<f64>, Error> {
    let fail = |line: Option<u64>, reason: String| Error::Input {
        path: path.into(),
        line,
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| fail(None, e.to_string()))?;
    let mut values = Vec::new();
    let mut rows = 0;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| fail(Some(i as u64 + 1), e.to_string()))?;
        let line = Some(record.position().map_or(i as u64 + 1, |p| p.line()));
        if i == 0 && record.iter().all(|field| field.parse::<f64>().is_err()) {
            continue;
        }
        if record.len() != features {
            let reason = format!("{} columns, the model expects {features}", record.len());
            return Err(fail(line, reason));
        }
        for (column, field) in record.iter().enumerate() {
            let value = field.parse::<f64>().map_err(|_| {
                fail(
                    line,
                    format!("column {}: {field:?} is not a number", column + 1),
                )
            })?;
            values.push(value);
        }
        rows += 1;
    }
    Array2::from_shape_vec((rows, features), values).map_err(|e| fail(None, e.to_string()))
}

/// The red wine quality data of `linfa_datasets::winequality()`: 1,599 wines, 11 named
/// measurements, and a quality score from 3 to 8 as target.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let wines = load_wine_quality();
/// assert_eq!(wines.records().dim(), (1599, 11));
/// assert!(wines.targets().iter().all(|q| (3..=8).contains(q)));
/// ```
pub fn load_wine_quality() -> WineData {
    linfa_datasets::winequality()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wine_has_scikit_learns_shape_and_classes() {
        let wine = load_wine();
        assert_eq!(wine.records().dim(), (178, 13));
        let counts: Vec<usize> = (0..3)
            .map(|c| wine.targets().iter().filter(|&&t| t == c).count())
            .collect();
        assert_eq!(counts, [59, 71, 48]);
        assert_eq!(wine.feature_names().len(), 13);
        // First and last rows of scikit-learn's load_wine().data.
        assert_eq!(wine.records()[[0, 0]], 14.23);
        assert_eq!(wine.records()[[0, 12]], 1065.0);
        assert_eq!(wine.records()[[177, 0]], 14.13);
        assert_eq!(wine.records()[[177, 12]], 560.0);
    }
}
