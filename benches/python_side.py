"""The Python side of `cargo bench --bench speed`: the same workloads with pickle, joblib, numpy
and scikit-learn, on the data files the Rust driver wrote. Prints one JSON object.

With `serve` instead of QUICK, it takes orders on stdin instead: `np.save NAME` or `np.load NAME`
runs once on the values of DATA_DIR/NAME.f64 and prints its seconds, so that the Rust driver can
time `np.save` and `np.load` in the same rounds as its own saves and loads. `ready` prints 0.

Usage: python3 benches/python_side.py DATA_DIR QUICK
       python3 benches/python_side.py DATA_DIR serve
"""

import json
import os
import pickle
import subprocess
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
NPY = os.path.join(DATA, "py.npy")
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


def fresh(path):
    """What every save starts from, as on the Rust side: no file at the path, and the writeback of
    the runs before it finished."""
    return lambda: (os.path.exists(path) and os.remove(path), os.sync())


def fresh_processes(runs, code):
    """Median over `runs` new Python processes of the seconds `code` prints, after one warm-up."""
    times = []
    for i in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        if i:
            times.append(float(out.stdout))
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
    """pickle protocol 5 and joblib with compress=0 and 3: save (a new file each run), load, size."""
    pkl = os.path.join(DATA, "py.pkl")
    row(workload, "pickle dump", median(runs, lambda: pickle_dump(obj, pkl), fresh(pkl)), os.path.getsize(pkl))
    row(workload, "pickle dump + fsync", median(runs, lambda: pickle_dump(obj, pkl, True), fresh(pkl)))
    row(workload, "pickle load", median(runs, lambda: pickle_load(pkl)))
    for level in (0, 3):
        path = os.path.join(DATA, f"py.joblib{level}")
        # compress=3 takes seconds on 80 MB: fewer runs keep the whole benchmark to minutes.
        level_runs = min(runs, 7) if level == 3 and workload.startswith("80 MB") else runs
        timing = median(level_runs, lambda: joblib.dump(obj, path, compress=level), fresh(path))
        row(workload, f"joblib dump compress={level}", timing, os.path.getsize(path))
        row(workload, f"joblib load compress={level}", median(level_runs, lambda: joblib.load(path)))


def main():
    small = 20 if QUICK else 200
    large = 3 if QUICK else 21

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

    # The article's own files, which the Rust side wrote into DATA, read back into a model.
    pck, jlib = os.path.join(DATA, "Pck_LR_Model.pkl"), os.path.join(DATA, "Jlib_LR_Model.pkl")
    files = "article's Python files"
    row(files, "pickle.load Pck_LR_Model.pkl", median(small * 10, lambda: pickle_load(pck)))
    row(files, "joblib.load Jlib_LR_Model.pkl", median(small * 10, lambda: joblib.load(jlib)))

    x = np.fromfile(os.path.join(DATA, "synthetic_x.f64"), dtype="<f8").reshape(-1, 10)
    y = np.fromfile(os.path.join(DATA, "synthetic_y.f64"), dtype="<f8")
    row("fit", "fit 100000 x 10", median(large * 3, lambda: LinearRegression().fit(x, y)))

    for name in ("normal", "series"):
        values = np.fromfile(os.path.join(DATA, f"{name}.f64"), dtype="<f8")
        workload = f"80 MB {name}"
        persistence(workload, values, large)
        # np.save and np.load are timed by the Rust driver, in rounds with ours (see `serve`); the
        # file they leave is written again here for the loads below.
        np.save(NPY, values)
        timed_load = (
            "import time; import numpy as np; "
            f"start = time.perf_counter(); np.load({NPY!r}); print(time.perf_counter() - start)"
        )
        row(workload, "np.load (first in a fresh process)", fresh_processes(large, timed_load))
        row(workload, "np.load mmap_mode=r", median(large, lambda: np.load(NPY, mmap_mode="r")))
        # The file `persistence` above left behind: `values` dumped with compress=0.
        joblib0 = os.path.join(DATA, "py.joblib0")
        row(workload, "joblib load compress=0 mmap_mode=r", median(large, lambda: joblib.load(joblib0, mmap_mode="r")))

    print(
        json.dumps(
            {
                "versions": f"Python {sys.version.split()[0]}, numpy {np.__version__}, "
                f"scikit-learn {sklearn.__version__}, joblib {joblib.__version__}",
                "rows": ROWS,
            }
        )
    )


def serve():
    """Runs the orders of the Rust driver's head-to-head rounds, each save from a fresh file."""
    arrays = {}
    for line in sys.stdin:
        order = line.split()
        if order == ["ready"]:
            print(0, flush=True)
            continue
        operation, name = order
        if name not in arrays:
            arrays[name] = np.fromfile(os.path.join(DATA, f"{name}.f64"), dtype="<f8")
        if operation == "np.save":
            fresh(NPY)()
            start = time.perf_counter()
            np.save(NPY, arrays[name])
        else:
            start = time.perf_counter()
            np.load(NPY)
        print(time.perf_counter() - start, flush=True)


if sys.argv[2] == "serve":
    serve()
else:
    main()
