//! safetensors files: plain tensors that `safetensors.numpy.load_file` reads without running code.
//!
//! Two float64 tensors, `coef` of shape `[n_features]` and `intercept` of shape `[1]`, written and
//! read with Hugging Face's `safetensors` crate; the string map `__metadata__` holds
//! [`Portable::metadata`], with `feature_names` as a JSON array.

use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};

use super::export::{ExportProblem as Error, Portable, Result, from_le_bytes, to_le_bytes};

const FORMAT: &str = "safetensors";
const COEF: &str = "coef";
const INTERCEPT: &str = "intercept";

/// The safetensors file of `model`, already validated by `export::encode`, as bytes.
pub(crate) fn encode(model: &Portable) -> Result<Vec<u8>> {
    let coef = to_le_bytes(&model.coef);
    let intercept = to_le_bytes(&model.intercept);
    // `[n]` for one target, as scikit-learn's coef_; `[k, n]` for several.
    let shape = match model.targets() {
        1 => vec![model.n_features()],
        k => vec![k, model.n_features()],
    };
    let tensors = [
        (COEF, TensorView::new(Dtype::F64, shape, &coef)?),
        (
            INTERCEPT,
            TensorView::new(Dtype::F64, vec![model.targets()], &intercept)?,
        ),
    ];
    let metadata: HashMap<String, String> = model.metadata()?.into_iter().collect();
    sort_header(safetensors::serialize(tensors, Some(metadata))?)
}

/// The model in a safetensors file written by [`encode`]: exactly the tensors `coef` and
/// `intercept`, float64, and the metadata.
pub(crate) fn decode(bytes: &[u8]) -> Result<Portable> {
    let tensors = SafeTensors::deserialize(bytes)?;
    let mut names = tensors.names();
    names.sort_unstable();
    if names != [COEF, INTERCEPT] {
        return Err(Error::unexpected(
            FORMAT,
            "the tensors",
            format!("{:?}", [COEF, INTERCEPT]),
            format!("{names:?}"),
        ));
    }
    let intercept = values(&tensors, INTERCEPT, 1)?;
    let coef = values(&tensors, COEF, intercept.len())?;
    let mut model = Portable::new(coef, 0.0);
    model.intercept = intercept;
    let (_, metadata) = SafeTensors::read_metadata(bytes)?;
    let metadata: BTreeMap<_, _> = metadata
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    model.apply_metadata(FORMAT, &metadata)?;
    Ok(model)
}

/// The numbers of the one-dimensional float64 tensor `name`.
/// The float64 values of the tensor `name`: one-dimensional, or `[rows, n]` when `rows` is more
/// than one.
fn values(tensors: &SafeTensors<'_>, name: &str, rows: usize) -> Result<Vec<f64>> {
    let view = tensors.tensor(name)?;
    if view.dtype() != Dtype::F64 {
        return Err(Error::unexpected(
            FORMAT,
            format!("the dtype of {name}"),
            "F64",
            format!("{:?}", view.dtype()),
        ));
    }
    // The crate has checked that the data is as long as the shape says.
    let values = from_le_bytes(view.data()).unwrap_or_default();
    let fits = match view.shape() {
        [len] => rows == 1 && *len == values.len(),
        [k, n] => rows > 1 && *k == rows && k * n == values.len(),
        _ => false,
    };
    if !fits {
        return Err(Error::unexpected(
            FORMAT,
            format!("the shape of {name}"),
            if rows == 1 {
                "one dimension".to_string()
            } else {
                format!("[{rows}, n]")
            },
            format!("{:?}", view.shape()),
        ));
    }
    Ok(values)
}

/// The JSON header of a safetensors file, with its keys in sorted maps.
#[derive(Serialize, Deserialize)]
struct Header {
    #[serde(rename = "__metadata__")]
    metadata: BTreeMap<String, String>,
    #[serde(flatten)]
    tensors: BTreeMap<String, serde_json::Value>,
}

/// The same file with its header's keys sorted. The crate writes `__metadata__` from a
/// `HashMap`, whose order changes from run to run; sorting keeps every key, value, length and
/// offset, so the file means the same and the same model always gives the same bytes.
fn sort_header(mut bytes: Vec<u8>) -> Result<Vec<u8>> {
    let (len, _) = SafeTensors::read_metadata(&bytes)?;
    let header = bytes
        .get(8..8 + len)
        .ok_or_else(|| Error::missing(FORMAT, "the header"))?;
    let mut sorted = serde_json::to_vec(&serde_json::from_slice::<Header>(header)?)?;
    if sorted.len() > len {
        return Err(Error::unexpected(
            FORMAT,
            "the sorted header",
            format!("at most {len} bytes"),
            sorted.len(),
        ));
    }
    sorted.resize(len, b' ');
    bytes.splice(8..8 + len, sorted);
    Ok(bytes)
}
