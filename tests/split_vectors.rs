//! Every split in `tests/data/split_vectors.json`, made by scikit-learn 1.9 and numpy 2.4
//! (`scripts/split_vectors.py`), must pick the same rows in the same order here.

use std::collections::HashMap;

use model_persistence::article::split::{TestSize, split_indices};
use model_persistence::{BadSplit, ErrorKind};
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("data/split_vectors.json");
    serde_json::from_str(text).expect("split_vectors.json is valid JSON")
}

fn indices(value: &Value) -> Vec<usize> {
    let list = value.as_array().expect("a list of row indices");
    list.iter()
        .map(|v| v.as_u64().expect("an index") as usize)
        .collect()
}

fn test_size(value: &Value) -> TestSize {
    match value.as_u64() {
        Some(count) => TestSize::Count(count as usize),
        None => TestSize::Fraction(value.as_f64().expect("a number")),
    }
}

#[test]
fn every_split_matches_scikit_learn() {
    let vectors = vectors();
    let labels: HashMap<&str, Vec<usize>> = vectors["labels"]
        .as_object()
        .expect("label sets")
        .iter()
        .map(|(name, list)| (name.as_str(), indices(list)))
        .collect();

    let (mut matched, mut refused) = (0, 0);
    for case in vectors["cases"].as_array().expect("cases") {
        let y = &labels[case["labels"].as_str().expect("a label set name")];
        let seed = case["seed"].as_u64().expect("a seed") as u32;
        let stratify = case["stratify"].as_bool().expect("a flag");
        let got = split_indices(
            y.len(),
            test_size(&case["test_size"]),
            seed,
            stratify.then_some(&y[..]),
        );
        match (got, case.get("error")) {
            (Ok((train, test)), None) => {
                assert_eq!(
                    train,
                    indices(&case["train"]),
                    "train rows differ for {case}"
                );
                assert_eq!(test, indices(&case["test"]), "test rows differ for {case}");
                matched += 1;
            }
            (Err(err), Some(_))
                if matches!(err.kind(), ErrorKind::Split(BadSplit::TooFewRows { .. })) =>
            {
                refused += 1
            }
            (got, expected) => panic!("{case}: got {got:?}, scikit-learn gave {expected:?}"),
        }
    }
    println!("{matched} splits identical to scikit-learn, {refused} refused by both");
    assert_eq!(
        matched + refused,
        vectors["cases"].as_array().map_or(0, Vec::len)
    );
    assert!(matched > 600 && refused > 0);
}
