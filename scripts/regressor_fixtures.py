"""Fixtures of scikit-learn's linear regressors beyond the article's four, as real Python saves
them, with what scikit-learn predicts (run by `scripts/python-fixtures --regressors`).

    python regressor_fixtures.py OUT_DIR

Every regressor of `sklearn.linear_model` (and `sklearn.svm.LinearSVR`) whose prediction is a
linear function of the row, or that passed through a link: fitted on the article's split of the
wine data, then saved with `pickle.dump` (protocol 2 and the default), `joblib.dump` with zlib
and with lzma, and `skops.io.dump`. OUT_DIR/expected.json lists each model with its files, its class,
its module, the rows it is checked on (the wine test rows, or the same rows standardised for the
estimators that are fitted on standardised data) and scikit-learn's predictions of them. The
Rust side (tests/regressors.rs) reads every file and either predicts the same numbers, to 1e-12
relative, or refuses it by name; it never prints other numbers.
"""

import json
import os
import pickle
import sys
import warnings

import joblib
import numpy as np
import sklearn
from sklearn import linear_model as lm
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVR
from sklearn.ensemble import (
    GradientBoostingRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeRegressor

from python_fixtures import skops_dump  # skops's zip, with fixed timestamps: deterministic


def floats(values):
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


# scikit-learn before 1.2 (the oldest set's 1.1) normalises X by default in the LARS family and
# OMP (normalize="deprecated" meant True there; the parameter is gone in 1.2): pass False there so
# every set fits the same models.
LARS = {"normalize": False} if tuple(map(int, sklearn.__version__.split(".")[:2])) < (1, 2) else {}

# (file stem, estimator, rows, target): rows "wine" or "scaled"; target "y" (the class as a
# float), "positive" (y + 1, for the log link) or "two" (two targets: y and 2y + 1).
ESTIMATORS = [
    ("ridgecv", lambda: lm.RidgeCV(), "wine", "y"),
    ("lassocv", lambda: lm.LassoCV(cv=3, random_state=0, max_iter=50_000), "scaled", "y"),
    ("elasticnetcv", lambda: lm.ElasticNetCV(cv=3, random_state=0, max_iter=50_000), "scaled", "y"),
    ("lars", lambda: lm.Lars(**LARS), "wine", "y"),
    ("larscv", lambda: lm.LarsCV(cv=3, **LARS), "wine", "y"),
    ("lassolars", lambda: lm.LassoLars(alpha=0.001, **LARS), "scaled", "y"),
    ("lassolarscv", lambda: lm.LassoLarsCV(cv=3, **LARS), "scaled", "y"),
    ("lassolarsic", lambda: lm.LassoLarsIC(**LARS), "scaled", "y"),
    ("omp", lambda: lm.OrthogonalMatchingPursuit(**LARS), "wine", "y"),
    ("ompcv", lambda: lm.OrthogonalMatchingPursuitCV(cv=3, **LARS), "wine", "y"),
    ("sgd", lambda: lm.SGDRegressor(random_state=0), "scaled", "y"),
    ("sgd_averaged", lambda: lm.SGDRegressor(random_state=0, average=True), "scaled", "y"),
    ("bayesianridge", lambda: lm.BayesianRidge(), "wine", "y"),
    ("ard", lambda: lm.ARDRegression(), "scaled", "y"),
    ("huber", lambda: lm.HuberRegressor(max_iter=10_000), "scaled", "y"),
    ("linearsvr", lambda: LinearSVR(random_state=0, max_iter=100_000), "scaled", "y"),
    ("theilsen", lambda: lm.TheilSenRegressor(random_state=0), "scaled", "y"),
    ("quantile", lambda: lm.QuantileRegressor(alpha=0.0, solver="highs"), "scaled", "y"),
    ("ransac", lambda: lm.RANSACRegressor(random_state=0), "wine", "y"),
    ("ransac_tree", lambda: lm.RANSACRegressor(DecisionTreeRegressor(max_depth=2), min_samples=20,
                                                       random_state=0),
     "wine", "y"),
    ("poisson", lambda: lm.PoissonRegressor(max_iter=1000), "scaled", "positive"),
    ("gamma", lambda: lm.GammaRegressor(max_iter=1000), "scaled", "positive"),
    ("tweedie_log", lambda: lm.TweedieRegressor(power=1.5, max_iter=1000), "scaled", "positive"),
    ("tweedie_identity", lambda: lm.TweedieRegressor(power=0.0, max_iter=1000), "scaled", "y"),
    ("linear_two_targets", lambda: lm.LinearRegression(), "wine", "two"),
    ("ridge_two_targets", lambda: lm.Ridge(), "wine", "two"),
    ("multitasklasso", lambda: lm.MultiTaskLasso(alpha=0.01, max_iter=50_000), "scaled", "two"),
    ("multitaskelasticnet", lambda: lm.MultiTaskElasticNet(alpha=0.01, max_iter=50_000), "scaled", "two"),
    # Tree-based models, which are not read: each must be refused, naming its class.
    ("tree", lambda: DecisionTreeRegressor(max_depth=2, random_state=0), "wine", "y"),
    ("forest", lambda: RandomForestRegressor(n_estimators=2, max_depth=2, random_state=0),
     "wine", "y"),
    ("boosting", lambda: GradientBoostingRegressor(n_estimators=2, max_depth=2, random_state=0),
     "wine", "y"),
    ("hist_boosting", lambda: HistGradientBoostingRegressor(max_iter=2, random_state=0),
     "wine", "y"),
]

# Files that bundle a linear model with something else, which are not read either: (file stem,
# what a refusal must say the file holds, how it is written). Pickle protocol 4 and joblib zlib.
BUNDLES = [
    ("bundle_dict", "a dict holding a LinearRegression", lambda m: {"model": m, "version": 1}),
    ("bundle_tuple", "a tuple holding a LinearRegression", lambda m: (m, "v1")),
    ("bundle_list", "a list holding a LinearRegression", lambda m: [m]),
]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/regressor_fixtures.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    wine = load_wine()
    X_train, X_test, y_train, _ = train_test_split(
        wine.data, wine.target, test_size=0.33, random_state=3, stratify=wine.target
    )
    scaler = StandardScaler().fit(X_train)
    rows = {
        "wine": (X_train, X_test),
        "scaled": (scaler.transform(X_train), scaler.transform(X_test)),
    }
    y = y_train.astype(np.float64)
    targets = {"y": y, "positive": y + 1.0, "two": np.c_[y, 2.0 * y + 1.0]}

    entries = []
    for stem, make, rows_key, target in ESTIMATORS:
        Xtr, Xte = rows[rows_key]
        model = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(Xtr, targets[target])
        predictions = np.asarray(model.predict(Xte), dtype=np.float64)
        files = []
        for protocol in (2, pickle.DEFAULT_PROTOCOL):
            name = f"{stem}.protocol{protocol}.pkl"
            with open(os.path.join(out, name), "wb") as f:
                pickle.dump(model, f, protocol=protocol)
            files.append((name, "pickle"))
        for compress in ("zlib", "lzma"):
            name = f"{stem}.{compress}.joblib"
            joblib.dump(model, os.path.join(out, name), compress=(compress, 3))
            files.append((name, "joblib"))
        name = f"{stem}.skops"
        skops_dump(model, os.path.join(out, name))
        files.append((name, "skops"))
        entries.append({
            "files": [{"file": name, "container": container} for name, container in files],
            "estimator": type(model).__name__,
            # What a refusal must name: the class inside, for a meta-estimator.
            "names": type(model.estimator_ if isinstance(model, lm.RANSACRegressor) else model).__name__,
            "module": type(model).__module__,
            "rows": rows_key,
            "targets": 1 if predictions.ndim == 1 else predictions.shape[1],
            "predictions": [floats(row) for row in predictions.reshape(len(Xte), -1)],
        })
    bundles = []
    plain = lm.LinearRegression().fit(X_train, y)
    for stem, holds, wrap in BUNDLES:
        files = [f"{stem}.protocol4.pkl", f"{stem}.zlib.joblib"]
        with open(os.path.join(out, files[0]), "wb") as f:
            pickle.dump(wrap(plain), f, protocol=4)
        joblib.dump(wrap(plain), os.path.join(out, files[1]), compress=("zlib", 3))
        bundles.append({"files": files, "holds": holds})
    # Two models dumped one after the other into one file: pickle.load reads the first only.
    name = "bundle_two.protocol4.pkl"
    with open(os.path.join(out, name), "wb") as f:
        pickle.dump(plain, f, protocol=4)
        pickle.dump(plain, f, protocol=4)
    bundles.append({"files": [name], "holds": "two pickles"})
    expected = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "joblib_version": joblib.__version__,
        "skops_version": __import__("skops").__version__,
        "rows": {key: [floats(r) for r in test] for key, (_, test) in rows.items()},
        "models": entries,
        "bundles": bundles,
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
