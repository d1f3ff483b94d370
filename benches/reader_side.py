"""The Python side of `cargo bench --bench reader`: predictions for the rows of a CSV file, the
way a scikit-learn user makes them, timed inside this process.

    python3 benches/reader_side.py ROWS.csv OUT.txt RUNS

Fits the article's LinearRegression (the stratified 67/33 split, random_state=3) on the wine
data as a DataFrame, then, RUNS times after a warm-up: pandas.read_csv, model.predict, and one
repr a line into OUT.txt. Prints one JSON object: the median seconds, the process's peak resident
memory (ru_maxrss, taken in a fresh process that predicts once) and the versions.
"""

import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.datasets import load_wine
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split


def article_model():
    wine = load_wine(as_frame=True)
    x_train, _, y_train, _ = train_test_split(
        wine.data, wine.target, test_size=0.33, random_state=3, stratify=wine.target
    )
    return LinearRegression().fit(x_train, y_train)


def predict(model, rows, out):
    frame = pd.read_csv(rows)
    predictions = model.predict(frame)
    with open(out, "w") as f:
        f.write("\n".join(map(repr, predictions.tolist())))
        f.write("\n")


def main():
    rows, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = article_model()
    if runs == 0:
        predict(model, rows, out)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
        return
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        predict(model, rows, out)
        if i:
            times.append(time.perf_counter() - start)
    peak = subprocess.run(
        [sys.executable, __file__, rows, out, "0"], capture_output=True, text=True, check=True
    )
    print(json.dumps({
        "median_s": float(np.median(times)),
        "peak_bytes": int(peak.stdout),
        "versions": f"Python {sys.version.split()[0]}, pandas {pd.__version__}, "
                    f"numpy {np.__version__}, scikit-learn {sklearn.__version__}",
    }))


main()
