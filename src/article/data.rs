//! Step 2: load the data the article works on.
//!
//! [`load_wine`] gives the UCI wine recognition data exactly as scikit-learn's `load_wine()` does;
//! the CSV is the one scikit-learn ships, compiled into the crate, so nothing is downloaded.
//! [`load_wine_quality`] gives the 1,599 red wines of `linfa_datasets::winequality()`, a dataset
//! whose target is a real quality score, for the book's "going further" chapters.

use linfa::Dataset;
use ndarray::{Array1, Array2, Ix1};

/// The wine CSV from scikit-learn's `sklearn/datasets/data/wine_data.csv` (UCI, CC BY 4.0).
const WINE_CSV: &str = include_str!("../../data/wine_data.csv");

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
    // The first line is scikit-learn's header (rows, features, class names), then one wine a
    // line: 13 measurements and the class. The CSV is compiled in and checked by the tests below,
    // so a row that does not parse is a bug in the build, not an input error.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(WINE_CSV.as_bytes());
    let mut records = Vec::new();
    let mut targets = Vec::new();
    for row in reader.deserialize::<Vec<f64>>() {
        let mut values = row.expect("the wine CSV compiled into the crate parses");
        let class = values.pop().expect("a row ends with the class");
        records.extend(values);
        targets.push(class as usize);
    }
    let records = Array2::from_shape_vec((targets.len(), WINE_FEATURES.len()), records)
        .expect("the wine CSV has 13 measurements a row");
    Dataset::new(records, Array1::from(targets)).with_feature_names(WINE_FEATURES.to_vec())
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
