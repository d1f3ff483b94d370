"""The Python side of `cargo bench --bench speed`: the same workloads with pickle, joblib, numpy
and scikit-learn, on the data files the Rust driver wrote. Prints one JSON object.

Usage: python3 benches/python_side.py DATA_DIR QUICK
"""

import json
import os
import pickle
import sys
import time

import joblib
import numpy as np
import sklearn
from sklearn.datasets import load_wine
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split

DATA = sys.argv[1]
QUICK = sys.argv[2] == "1"
ROWS = []


def median(runs, action, setup=None):
    """Median wall time of `action` over `runs` runs, after one warm-up run."""
    times = []
    for i in range(runs + 1):
        if setup:
            setup()
        start = time.perf_counter()
        action()
        elapsed = time.perf_counter() - start
        if i:
            times.append(elapsed)
    return float(np.median(times)), runs


def row(workload, operation, timing, nbytes=None):
    seconds, runs = timing
    ROWS.append(
        {
            "workload": workload,
            "system": "python",
            "operation": operation,
            "median_s": seconds,
            "runs": runs,
            "bytes": nbytes,
        }
    )


def pickle_dump(obj, path, sync=False):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=5)
        if sync:
            f.flush()
            os.fsync(f.fileno())


def pickle_load(path):
    with open(path, "rb") as f:
        return pickle.load(f)


def persistence(workload, obj, runs):
    """pickle protocol 5 and joblib with compress=0 and 3: save, load, size."""
    pkl = os.path.join(DATA, "py.pkl")
    row(workload, "pickle dump", median(runs, lambda: pickle_dump(obj, pkl)), os.path.getsize(pkl))
    row(workload, "pickle dump + fsync", median(runs, lambda: pickle_dump(obj, pkl, True)))
    row(workload, "pickle load", median(runs, lambda: pickle_load(pkl)))
    for level in (0, 3):
        path = os.path.join(DATA, f"py.joblib{level}")
        timing = median(runs, lambda: joblib.dump(obj, path, compress=level))
        row(workload, f"joblib dump compress={level}", timing, os.path.getsize(path))
        row(workload, f"joblib load compress={level}", median(runs, lambda: joblib.load(path)))


def main():
    small = 20 if QUICK else 200
    large = 3 if QUICK else 7

    wine = load_wine()
    x_train, _, y_train, _ = train_test_split(
        wine.data, wine.target, test_size=0.33, random_state=3, stratify=wine.target
    )
    model = LinearRegression().fit(x_train, y_train)
    persistence("article model", model, small)
    blob = pickle.dumps(model, protocol=5)
    row("article model", "pickle.dumps (in memory)", median(small * 10, lambda: pickle.dumps(model, protocol=5)), len(blob))
    row("article model", "pickle.loads (in memory)", median(small * 10, lambda: pickle.loads(blob)))
    row("fit", "fit wine (119 x 13)", median(small, lambda: LinearRegression().fit(x_train, y_train)))

    x = np.fromfile(os.path.join(DATA, "synthetic_x.f64"), dtype="<f8").reshape(-1, 10)
    y = np.fromfile(os.path.join(DATA, "synthetic_y.f64"), dtype="<f8")
    row("fit", "fit 100000 x 10", median(large * 3, lambda: LinearRegression().fit(x, y)))

    for name in ("normal", "series"):
        values = np.fromfile(os.path.join(DATA, f"{name}.f64"), dtype="<f8")
        workload = f"80 MB {name}"
        persistence(workload, values, large)
        npy = os.path.join(DATA, "py.npy")
        row(workload, "np.save", median(large, lambda: np.save(npy, values)), os.path.getsize(npy))
        row(workload, "np.load", median(large, lambda: np.load(npy)))

    print(
        json.dumps(
            {
                "versions": f"Python {sys.version.split()[0]}, numpy {np.__version__}, "
                f"scikit-learn {sklearn.__version__}, joblib {joblib.__version__}",
                "rows": ROWS,
            }
        )
    )


main()
