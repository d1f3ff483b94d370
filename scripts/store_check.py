"""MLflow serves what our command line writes (run by scripts/store-check, with SeaweedFS up).

    python store_check.py FOLDER

Writes the article's model with `model-persistence` as an MLflow model folder, on disk and straight
into the store (s3://models/wine-mlflow/), then loads both with mlflow.pyfunc (onnxruntime under
it) and mlflow.sklearn (skops under it), runs `mlflow models predict` on the folder, and compares
every prediction of the article's test rows with ours, to 1e-12. The DataFrame's columns are given
in reverse order: MLflow's signature, which we write from the feature names, must put them back.
Exits 1 when any check fails.
"""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split

warnings.filterwarnings("ignore")
os.environ.setdefault("MLFLOW_TRACKING_URI", "file:///nonexistent-tracking")
os.environ["MLFLOW_S3_ENDPOINT_URL"] = os.environ["AWS_ENDPOINT"]
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

import mlflow.pyfunc  # noqa: E402
import mlflow.sklearn  # noqa: E402
from book_blocks import run_book  # noqa: E402

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail != '' else ''}")


def ours(*args):
    command = ["cargo", "run", "--quiet", "--locked", "--", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def max_diff(a, b):
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    return float(np.max(np.abs(a - b))) if a.shape == b.shape else float("inf")


def main():
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True)
    wine = load_wine(as_frame=True)
    _, x_te, _, _ = train_test_split(
        wine.data, wine.target, test_size=0.33, random_state=3, stratify=wine.target
    )
    rows = folder / "rows.csv"
    with open(rows, "w") as f:
        f.write(",".join(x_te.columns) + "\n")
        for row in x_te.itertuples(index=False):
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    ours("--out-dir", str(folder / "models"))
    model = str(folder / "models" / "wine_linear.bin")
    predicted = np.array([float(v) for v in ours("predict", model, "--input", str(rows)).split()])
    reversed_frame = x_te[list(reversed(x_te.columns))]

    local = folder / "wine-mlflow"
    ours("convert", model, str(local), "--format", "mlflow")
    served = mlflow.pyfunc.load_model(str(local))
    got = served.predict(reversed_frame)
    check("pyfunc (onnx flavor) on disk: predictions equal ours", max_diff(got, predicted) <= 1e-12,
          max_diff(got, predicted))
    names = [c.name for c in served.metadata.get_input_schema().inputs]
    check("the signature names the 13 features", names == list(x_te.columns), names)
    sk = mlflow.sklearn.load_model(str(local))
    got = sk.predict(x_te)
    check("sklearn flavor (skops): a LinearRegression predicting ours",
          type(sk).__name__ == "LinearRegression" and max_diff(got, predicted) <= 1e-12,
          f"{type(sk).__name__}, {max_diff(got, predicted)}")

    out = folder / "served.json"
    cli = [str(Path(sys.executable).parent / "mlflow"), "models", "predict", "-m", str(local),
           "-i", str(rows), "-t", "csv", "-o", str(out), "--env-manager", "local"]
    done = subprocess.run(cli, capture_output=True, text=True)
    check("mlflow models predict exits 0", done.returncode == 0,
          "" if done.returncode == 0 else done.stderr.strip()[-500:])
    if done.returncode == 0:
        answer = json.loads(out.read_text())["predictions"]
        values = [list(p.values())[0] if isinstance(p, dict) else p for p in answer]
        check("mlflow models predict: predictions equal ours", max_diff(values, predicted) <= 1e-12,
              max_diff(values, predicted))

    remote = "s3://models/wine-mlflow/"
    ours("convert", model, remote, "--format", "mlflow", "--create-only")
    from_store = mlflow.pyfunc.load_model(remote.rstrip("/"))
    got = from_store.predict(reversed_frame)
    check("pyfunc from s3://models/wine-mlflow: predictions equal ours",
          max_diff(got, predicted) <= 1e-12, max_diff(got, predicted))

    # A Poisson regressor, with its log link: MLflow serves scikit-learn's predictions from both
    # flavors, ONNX through pyfunc and a real PoissonRegressor through skops.
    fixtures = Path(__file__).parent.parent / "tests/data/python/regressors/current"
    expected = json.loads((fixtures / "expected.json").read_text())
    poisson = next(m for m in expected["models"] if m["estimator"] == "PoissonRegressor")
    glm = folder / "poisson-mlflow"
    ours("convert", str(fixtures / "poisson.protocol4.pkl"), str(glm), "--format", "mlflow")
    x = np.array(expected["rows"][poisson["rows"]])
    got = mlflow.pyfunc.load_model(str(glm)).predict(x)["variable"]
    want = np.array(poisson["predictions"])
    relative = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))
    check("a PoissonRegressor through MLflow's pyfunc (ONNX): scikit-learn's predictions",
          relative <= 1e-12, relative)
    sk = mlflow.sklearn.load_model(str(glm))
    got = np.asarray(sk.predict(x)).reshape(want.shape)
    relative = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))
    check("a PoissonRegressor through MLflow's sklearn flavor (skops): scikit-learn's predictions",
          type(sk).__name__ == "PoissonRegressor" and relative <= 1e-12,
          f"{type(sk).__name__}, {relative}")

    # The chapter's Python, as the book shows it, in the folder that holds wine-mlflow.
    run_book(folder, [str(Path(__file__).parent.parent / "book/src/object-storage.md")], check, 2)

    failed = results.count(False)
    print(f"{len(results) - failed} of {len(results)} MLflow checks passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
