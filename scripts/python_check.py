"""Prove the exports with their real consumers: scikit-learn through skops, onnxruntime, and
safetensors, each loading the file that the Rust command line wrote.

    python python_check.py --rows CSV          write the article's test rows, for our `predict`
    python python_check.py DIR BOOK_CHAPTER [ARTICLE_CHAPTER...]   check the files in DIR

DIR holds wine.skops, wine.onnx and wine.safetensors (the article's model, converted by
`model-persistence convert`), ours.txt (our predictions for the article's test rows, one a line,
from `model-persistence predict`) and header.json (`model-persistence inspect --json` of the
model file they came from). Every consumer's predictions must equal ours to 1e-12, and skops'
score must equal our R². Then every ```python block of BOOK_CHAPTER runs in DIR, in order, in one
namespace, and must print what the ```text block after it shows; and so do the article's own
Python lines, which the chapters of part I show beside our Rust (ARTICLE_CHAPTERS, in the article's
order, in a namespace of their own, as one script). Prints a line per check; exits
with 1 if any fails, never skips one.
"""

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import safetensors
import safetensors.numpy
import skops.io
from book_blocks import run_book
from sklearn.datasets import load_wine
from sklearn.linear_model import LinearRegression, PoissonRegressor
from sklearn.model_selection import train_test_split

TOLERANCE = 1e-12
TRUSTED = "sklearn.linear_model._base.LinearRegression"
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail != '' else ''}")


def max_diff(a, b):
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    return float(np.max(np.abs(a - b))) if a.shape == b.shape else float("inf")


def article_rows():
    """The article's test rows, split as the article splits them, as a DataFrame."""
    wine = load_wine(as_frame=True)
    _, x_te, _, y_te = train_test_split(
        wine.data, wine.target, test_size=0.33, random_state=3, stratify=wine.target
    )
    return x_te, y_te.to_numpy(dtype=np.float64), list(wine.feature_names)


def check_skops(path, x_te, y_te, names, ours, r2_test):
    untrusted = skops.io.get_untrusted_types(file=path)
    check("skops: get_untrusted_types names nothing but LinearRegression", set(untrusted) <= {TRUSTED}, untrusted)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = skops.io.load(path, trusted=[TRUSTED])
        params = model.get_params()
        predicted = model.predict(x_te)
        score = model.score(x_te, y_te)
    check("skops: load, predict and score warn nothing", not caught, [str(w.message) for w in caught])
    check("skops: a real LinearRegression", type(model) is LinearRegression, type(model))
    check("skops: its parameters are the defaults", params == LinearRegression().get_params(), params)
    check("skops: n_features_in_", model.n_features_in_ == len(names), model.n_features_in_)
    check("skops: feature_names_in_", list(model.feature_names_in_) == names, list(model.feature_names_in_))
    diff = max_diff(predicted, ours)
    check("skops: predictions equal ours to 1e-12", diff <= TOLERANCE, f"max abs diff {diff:.3e}")
    check("skops: score equals our R² to 1e-12", abs(score - r2_test) <= TOLERANCE, f"{score!r} vs {r2_test!r}")


def check_onnx(path, x_te, names, ours, metadata):
    proto = onnx.load(path)
    try:
        onnx.checker.check_model(proto, full_check=True)
        check("onnx: onnx.checker.check_model(full_check=True)", True)
    except onnx.checker.ValidationError as err:
        check("onnx: onnx.checker.check_model(full_check=True)", False, err)
    check("onnx: producer model-persistence", proto.producer_name == "model-persistence", proto.producer_name)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    inputs = [(i.name, i.type, i.shape) for i in session.get_inputs()]
    check("onnx: one float64 input X of shape [N, 13]", inputs == [("X", "tensor(double)", ["N", len(names)])], inputs)
    (predicted,) = session.run(None, {"X": x_te.to_numpy()})
    check("onnx: float64 output of shape [N, 1]", predicted.shape == (len(x_te), 1) and predicted.dtype == np.float64)
    diff = max_diff(predicted, ours)
    check("onnx: predictions equal ours to 1e-12", diff <= TOLERANCE, f"max abs diff {diff:.3e}")
    meta = session.get_modelmeta().custom_metadata_map
    check("onnx: feature names in the metadata", json.loads(meta.get("feature_names", "null")) == names)
    check("onnx: R² test in the metadata", float(meta.get("r2_test", "nan")) == metadata["r2_test"], meta.get("r2_test"))


def check_safetensors(path, x_te, names, ours, metadata):
    tensors = safetensors.numpy.load_file(path)
    check("safetensors: tensors coef and intercept", sorted(tensors) == ["coef", "intercept"], sorted(tensors))
    coef, intercept = tensors["coef"], tensors["intercept"]
    check("safetensors: float64 coef [13] and intercept [1]", coef.dtype == intercept.dtype == np.float64
          and coef.shape == (len(names),) and intercept.shape == (1,))
    diff = max_diff(x_te.to_numpy() @ coef + intercept[0], ours)
    check("safetensors: X @ coef + intercept equals ours to 1e-12", diff <= TOLERANCE, f"max abs diff {diff:.3e}")
    with safetensors.safe_open(path, framework="np") as f:
        meta = f.metadata()
    check("safetensors: feature names in the metadata", json.loads(meta.get("feature_names", "null")) == names)
    check("safetensors: R² test in the metadata", float(meta.get("r2_test", "nan")) == metadata["r2_test"], meta.get("r2_test"))


def relative(a, b):
    """The largest difference of a and b relative to the larger of 1 and b."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


def check_regressors(folder, expected_path):
    """The exports of models of several targets or with a log link, which our command line
    wrote into `folder` from scikit-learn's files (STEM.onnx, STEM.safetensors and, without a
    link, STEM.skops), predict what scikit-learn predicted, to 1e-12 relative."""
    expected = json.loads(Path(expected_path).read_text())
    stems = sorted({p.stem for p in Path(folder).glob("*.onnx")})
    check("regressors: exports to check", len(stems) >= 4, stems)
    for stem in stems:
        model = next(m for m in expected["models"] if m["files"][0]["file"].startswith(stem + "."))
        x = np.array(expected["rows"][model["rows"]])
        want = np.array(model["predictions"])
        session = onnxruntime.InferenceSession(str(Path(folder) / f"{stem}.onnx"),
                                               providers=["CPUExecutionProvider"])
        (got,) = session.run(None, {"X": x})
        check(f"regressors: {stem}.onnx in onnxruntime predicts scikit-learn's",
              relative(got, want) <= TOLERANCE, relative(got, want))
        tensors = safetensors.numpy.load_file(str(Path(folder) / f"{stem}.safetensors"))
        with safetensors.safe_open(str(Path(folder) / f"{stem}.safetensors"), framework="np") as f:
            link = f.metadata().get("link", "identity")
        coef = tensors["coef"].reshape(len(tensors["intercept"]), -1)
        got = x @ coef.T + tensors["intercept"]
        got = np.exp(got) if link == "exp" else got
        check(f"regressors: {stem}.safetensors, X @ coef.T + intercept ({link}), is scikit-learn's",
              relative(got, want) <= TOLERANCE, relative(got, want))
        skops_path = Path(folder) / f"{stem}.skops"
        untrusted = skops.io.get_untrusted_types(file=str(skops_path))
        loaded = skops.io.load(str(skops_path), trusted=[TRUSTED] if untrusted else None)
        got = np.asarray(loaded.predict(x)).reshape(want.shape)
        # A log link is written as a PoissonRegressor, whose predict is exp of the linear part.
        kind = PoissonRegressor if link == "exp" else LinearRegression
        check(f"regressors: {stem}.skops is a {kind.__name__} predicting scikit-learn's",
              type(loaded) is kind and relative(got, want) <= TOLERANCE,
              f"{type(loaded).__name__}, {relative(got, want)}")
        if link == "exp":
            check(f"regressors: {stem}.skops names no untrusted type", untrusted == [], untrusted)


def main():
    if sys.argv[1] == "--regressors":
        check_regressors(sys.argv[2], sys.argv[3])
        failed = results.count(False)
        print(f"{len(results) - failed} passed, {failed} failed")
        sys.exit(1 if failed else 0)
    if sys.argv[1] == "--rows":
        x_te, _, _ = article_rows()
        # repr of a Python float is its shortest exact decimal: the rows reach Rust bit for bit.
        with open(sys.argv[2], "w") as f:
            f.write(",".join(x_te.columns) + "\n")
            for row in x_te.itertuples(index=False):
                f.write(",".join(repr(float(v)) for v in row) + "\n")
        return
    folder, chapter = Path(sys.argv[1]), os.path.abspath(sys.argv[2])
    article = [os.path.abspath(c) for c in sys.argv[3:]]
    x_te, y_te, names = article_rows()
    ours = np.array([float(line) for line in (folder / "ours.txt").read_text().split()])
    metadata = json.loads((folder / "header.json").read_text())["metadata"]
    check("our predictions: one per test row", len(ours) == len(x_te), len(ours))
    check_skops(str(folder / "wine.skops"), x_te, y_te, names, ours, metadata["r2_test"])
    check_onnx(str(folder / "wine.onnx"), x_te, names, ours, metadata)
    check_safetensors(str(folder / "wine.safetensors"), x_te, names, ours, metadata)
    run_book(folder, [chapter], check)
    if article:
        article_folder = folder / "article"
        article_folder.mkdir()
        run_book(article_folder, article, check)
    print(f"{results.count(True)} passed, {results.count(False)} failed")
    sys.exit(0 if results and all(results) else 1)


if __name__ == "__main__":
    main()
