"""Regenerate tests/data/split_vectors.json: the rows scikit-learn's train_test_split picks.

`cargo xtask split-vectors` runs it with the pinned scikit-learn and numpy of
scripts/requirements-fixtures.txt (in the venv `scripts/python-venv current` makes) and writes its
output to tests/data/split_vectors.json. By hand, with scikit-learn and numpy installed:

    python3 scripts/split_vectors.py > tests/data/split_vectors.json

The Rust tests replay every case and must pick the same rows in the same order.
"""

import json
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_wine
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split


def label_sets():
    wine = load_wine()
    rng = np.random.RandomState(12345)
    yield "wine", wine.target
    # Equal class sizes force ties in _approximate_mode, which scikit-learn breaks at random.
    yield "tied_3x10", np.repeat([0, 1, 2], 10)
    yield "tied_5x7", np.repeat([4, 9, 1, 3, 2], 7)
    yield "uneven_random", rng.randint(0, 4, size=61)
    yield "two_big_classes", np.repeat([0, 1], [700, 301])


def cases():
    seeds = [0, 1, 3, 7, 42, 123, 2024, 65535, 4294967295]
    sizes = [0.33, 0.2, 0.5, 0.1, 0.9, 0.25, 5, 17]
    for name, y in label_sets():
        n = len(y)
        for seed in seeds:
            for size in sizes:
                for stratify in (True, False):
                    case = {
                        "labels": name,
                        "seed": seed,
                        "test_size": size,
                        "stratify": stratify,
                    }
                    idx = np.arange(n)
                    try:
                        tr, te = train_test_split(
                            idx,
                            test_size=size,
                            random_state=seed,
                            stratify=y if stratify else None,
                        )
                        case["train"] = tr.tolist()
                        case["test"] = te.tolist()
                    except ValueError as err:
                        case["error"] = str(err).splitlines()[0]
                    yield case


def article():
    wine = load_wine()
    out = {}
    for seed, size in [(3, 0.33), (42, 0.2), (0, 0.5)]:
        xtr, xte, ytr, yte = train_test_split(
            wine.data, wine.target, test_size=size, random_state=seed, stratify=wine.target
        )
        lreg = LinearRegression().fit(xtr, ytr)
        out[f"seed{seed}_test{size}"] = {
            "seed": seed,
            "test_size": size,
            "train_rows": len(ytr),
            "test_rows": len(yte),
            "r2_train": lreg.score(xtr, ytr),
            "r2_test": lreg.score(xte, yte),
            "intercept": float(lreg.intercept_),
            "coef": lreg.coef_.tolist(),
        }
    return out


labels = {name: y.tolist() for name, y in label_sets()}
json.dump(
    {
        "generated_by": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}",
        "labels": labels,
        "article": article(),
        "cases": list(cases()),
    },
    sys.stdout,
)
sys.stdout.write("\n")
