//! MLflow model directories: a linear model handed to MLflow, which serves it from Python with
//! `mlflow.pyfunc.load_model(DIR).predict(frame)` or `mlflow models serve -m DIR`.
//!
//! The directory holds what `mlflow.onnx.save_model` and `mlflow.sklearn.save_model` write:
//! the model as ONNX (`model.onnx`, the `onnx` flavor, which the `python_function` flavor loads
//! through onnxruntime) and as skops (`model.skops`, the `sklearn` flavor with
//! `serialization_format: skops`, which `mlflow.sklearn.load_model` turns into a
//! `LinearRegression` without unpickling); an `MLmodel` naming both, with a signature built from
//! the feature names (MLflow then takes a DataFrame's columns by name, in any order); and the
//! environment files `mlflow models serve` builds its Python from. The versions written are the
//! ones `scripts/store-check` proves the directory with.

use std::path::Path;

use serde::Serialize;

use crate::article::linear::Link;
use crate::error::{Error, Result};
use crate::python::Linear;
use crate::python::export::{self, Format};

/// The MLflow release the directory is written for (`mlflow_version` in `MLmodel`).
pub const MLFLOW_VERSION: &str = "3.18.0";
/// The Python packages the served model needs, pinned as the check runs them.
const REQUIREMENTS: [&str; 6] = [
    "mlflow==3.18.0",
    "onnx==1.23.2",
    "onnxruntime==1.32.0",
    "pandas==3.1.1",
    "scikit-learn==1.9.1",
    "skops==0.16.0",
];
/// The Python the environment files ask for.
const PYTHON: &str = "3.11";
/// The model's files, as MLflow's own flavors name them.
const ONNX_FILE: &str = "model.onnx";
const SKOPS_FILE: &str = "model.skops";

/// The files of the MLflow model directory for `linear`, each a name and its bytes, `MLmodel`
/// last (a store that is read while it is written shows `MLmodel` only once the rest is there).
///
/// ```
/// use model_persistence::python::{convert, mlflow};
/// use model_persistence::python::{ARTICLE_PICKLE, Limits};
///
/// let linear = convert::from_bytes(ARTICLE_PICKLE, Limits::default())?;
/// let files = mlflow::files(&linear)?;
/// let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
/// assert_eq!(names.last(), Some(&"MLmodel"));
/// assert!(names.contains(&"model.onnx") && names.contains(&"python_env.yaml"));
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn files(linear: &Linear) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = vec![(ONNX_FILE.to_string(), export::encode(linear, Format::Onnx)?)];
    // skops writes one target with a link, or any number without: scikit-learn has no GLM of
    // several targets, so such a folder has the ONNX flavor only.
    let sklearn = linear.model.link() == Link::Identity || linear.model.n_targets() == 1;
    if sklearn {
        let skops = export::encode(linear, Format::Skops)?;
        files.push((SKOPS_FILE.to_string(), skops));
    }
    files.extend([
        ("requirements.txt".to_string(), requirements().into_bytes()),
        ("python_env.yaml".to_string(), python_env().into_bytes()),
        ("conda.yaml".to_string(), conda().into_bytes()),
    ]);
    let size = files.iter().map(|(_, bytes)| bytes.len()).sum();
    let mlmodel = mlmodel(linear, size, sklearn)?;
    files.push(("MLmodel".to_string(), mlmodel.into_bytes()));
    Ok(files)
}

/// Writes the MLflow model directory for `linear` at `dir`, which must not exist or be empty,
/// atomically: the files go to a new folder beside it, which is renamed to `dir` once complete.
/// Returns the bytes written.
///
/// ```
/// use model_persistence::python::{convert, mlflow};
/// use model_persistence::python::{ARTICLE_JOBLIB, Limits};
///
/// let linear = convert::from_bytes(ARTICLE_JOBLIB, Limits::default())?;
/// let dir = tempfile::tempdir()?;
/// mlflow::save(&linear, dir.path().join("wine"))?;
/// let mlmodel = std::fs::read_to_string(dir.path().join("wine/MLmodel"))?;
/// assert!(mlmodel.contains("loader_module: mlflow.onnx"));
/// assert!(mlflow::save(&linear, dir.path().join("wine")).is_err());
/// # Ok::<(), model_persistence::Error>(())
/// ```
pub fn save(linear: &Linear, dir: impl AsRef<Path>) -> Result<u64> {
    let dir = dir.as_ref();
    let io_err = |e| Error::io(dir, e);
    let files = files(linear).map_err(|e| e.at(dir))?;
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        let taken = std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "the folder exists and is not empty (MLflow writes a model into a new folder)",
        );
        return Err(io_err(taken));
    }
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".mlflow-")
        .tempdir_in(parent)
        .map_err(io_err)?;
    let mut bytes = 0;
    for (name, content) in &files {
        std::fs::write(temp.path().join(name), content).map_err(io_err)?;
        bytes += content.len() as u64;
    }
    #[cfg(unix)]
    std::fs::set_permissions(
        temp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .map_err(io_err)?;
    // An empty folder at `dir` is replaced; a rename does not replace a folder with files.
    let _ = std::fs::remove_dir(dir);
    std::fs::rename(temp.keep(), dir).map_err(io_err)?;
    Ok(bytes)
}

/// `requirements.txt`: the packages, one per line.
fn requirements() -> String {
    REQUIREMENTS.map(|r| format!("{r}\n")).concat()
}

/// `python_env.yaml`, what `mlflow models serve --env-manager virtualenv` builds.
fn python_env() -> String {
    format!(
        "python: '{PYTHON}'\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\n\
         dependencies:\n- -r requirements.txt\n"
    )
}

/// `conda.yaml`, the same environment for `--env-manager conda`.
fn conda() -> String {
    let pip = REQUIREMENTS.map(|r| format!("  - {r}\n")).concat();
    format!(
        "channels:\n- conda-forge\ndependencies:\n- python={PYTHON}\n- pip\n- pip:\n{pip}\
         name: mlflow-env\n"
    )
}

/// One column of a signature's inputs, as MLflow writes it.
#[derive(Serialize)]
struct Column<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
    required: bool,
}

/// `MLmodel`: the flavors, the signature and what MLflow records about the model. YAML written
/// by hand: it is a fixed shape with a few plain values, and serde_yaml is no longer maintained.
fn mlmodel(linear: &Linear, model_bytes: usize, sklearn: bool) -> Result<String> {
    let names = &linear.metadata.feature_names;
    let n = linear.model.n_features();
    let inputs = if names.is_empty() {
        format!(
            r#"[{{"type": "tensor", "tensor-spec": {{"dtype": "float64", "shape": [-1, {n}]}}}}]"#
        )
    } else {
        let columns: Vec<Column> = names
            .iter()
            .map(|name| Column {
                kind: "double",
                name,
                required: true,
            })
            .collect();
        serde_json::to_string(&columns).map_err(Error::encode)?
    };
    let k = linear.model.n_targets();
    let outputs = format!(
        r#"[{{"type": "tensor", "tensor-spec": {{"dtype": "float64", "shape": [-1, {k}]}}}}]"#
    );
    let uuid = uuid::Uuid::new_v4().simple();
    let created = jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M:%S%.6f");
    let onnx = REQUIREMENTS[1].trim_start_matches("onnx==");
    let version = REQUIREMENTS[4].trim_start_matches("scikit-learn==");
    let sklearn_flavor = if sklearn {
        format!(
            "  sklearn:\n    code: null\n    pickled_model: {SKOPS_FILE}\n    \
             serialization_format: skops\n    sklearn_version: {version}\n    \
             skops_trusted_types: null\n"
        )
    } else {
        String::new()
    };
    Ok(format!(
        "flavors:
  onnx:
    code: null
    data: {ONNX_FILE}
    onnx_session_options: null
    onnx_version: {onnx}
    providers:
    - CPUExecutionProvider
  python_function:
    data: {ONNX_FILE}
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: '{PYTHON}'
{sklearn_flavor}is_signature_from_type_hint: false
mlflow_version: {MLFLOW_VERSION}
model_id: null
model_size_bytes: {model_bytes}
model_uuid: {uuid}
prompts: null
signature:
  inputs: {}
  outputs: {}
  params: null
type_hint_from_example: false
utc_time_created: '{created}'
",
        quoted(&inputs),
        quoted(&outputs),
    ))
}

/// `text` as a YAML single-quoted scalar, on one line.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_in_yaml() {
        assert_eq!(quoted(r#"[{"name": "it's"}]"#), r#"'[{"name": "it''s"}]'"#);
    }
}
