"""The Python article end to end, as one process, for `cargo bench --bench speed` to time against
`model-persistence`: load the wine data, split, fit, score, save and reload with pickle and with
joblib (compress=3), and check the reloaded models score the same.

Usage: python3 benches/article.py OUT_DIR
"""

import os
import pickle
import sys

import joblib
from sklearn.datasets import load_wine
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split

out = sys.argv[1]
wine = load_wine()
x_train, x_test, y_train, y_test = train_test_split(
    wine.data, wine.target, test_size=0.33, random_state=3, stratify=wine.target
)
model = LinearRegression().fit(x_train, y_train)
r2_train, r2_test = model.score(x_train, y_train), model.score(x_test, y_test)

pickle_path = os.path.join(out, "Pck_LR_Model.pkl")
with open(pickle_path, "wb") as f:
    pickle.dump(model, f)
with open(pickle_path, "rb") as f:
    assert pickle.load(f).score(x_test, y_test) == r2_test

joblib_path = os.path.join(out, "Jlib_LR_Model.pkl")
joblib.dump(model, joblib_path, compress=3)
assert joblib.load(joblib_path).score(x_test, y_test) == r2_test
print(f"R2 train {r2_train:.15f}, test {r2_test:.15f}")
