"""Make one set of model files with real Python, for the tests of the crate's pickle reader.

The crate reads scikit-learn models saved by pickle, joblib and skops without running them. This
script writes the files such a reader meets, made by the libraries themselves in the Python
environment that runs it, plus `expected.json`: what each file holds (coefficients, intercept,
predictions on the test rows, the pickle protocol, the globals the stream names) and which files
must be refused and why.

    python scripts/python_fixtures.py OUT_DIR

OUT_DIR must not exist yet, or be empty. Normally `scripts/python-fixtures` runs this twice, once in
a venv with current packages and once with numpy 1.26 and scikit-learn 1.3, into
tests/data/python/current and tests/data/python/legacy. The output is deterministic: the same
environment writes the same bytes (skops archives are normalised for that, see normalise_skops).

The hostile files are never loaded here: they are only walked with pickletools (see scan_pickle),
which reads opcodes and never imports or calls anything.
"""

import copy
import gzip
import hashlib
import importlib.metadata
import io
import json
import lzma
import os
import bz2
import pickle
import pickletools
import platform
import re
import subprocess
import sys
import warnings
import zipfile
import zlib

import joblib
import joblib.numpy_pickle_utils
import lz4.frame
import numpy as np
import pandas as pd
import scipy.sparse
import sklearn
import skops.io
from sklearn.datasets import load_diabetes, load_wine
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import train_test_split

# The hostile files and the names they must carry are written only where the current packages run:
# the legacy set is there to show what older numpy and scikit-learn write for honest models.
LEGACY = np.lib.NumpyVersion(np.__version__) < "2.0.0"

# The compressors joblib ships, with the `compress=` argument used for each file.
JOBLIB_FILES = [
    ("linear_joblib_raw.joblib", 0),
    ("linear_joblib_compress3.joblib", 3),
    ("linear_joblib_true.joblib", True),
    ("linear_joblib_zlib.joblib", ("zlib", 3)),
    ("linear_joblib_gzip.joblib", ("gzip", 3)),
    ("linear_joblib_bz2.joblib", ("bz2", 3)),
    ("linear_joblib_lzma.joblib", ("lzma", 3)),
    ("linear_joblib_xz.joblib", ("xz", 3)),
    ("linear_joblib_lz4.joblib", ("lz4", 3)),
]

# A fixed date for every member of a skops archive (the earliest a zip can hold).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


# ---------------------------------------------------------------------------------------------
# Walking a pickle stream without running it
# ---------------------------------------------------------------------------------------------


class ScanError(Exception):
    """The stream holds something this walker does not follow (it is a test helper, not a reader)."""


class Global:
    """What GLOBAL or STACK_GLOBAL pushes: only the dotted name, nothing is imported."""

    def __init__(self, name):
        self.name = name


class Call:
    """What REDUCE, NEWOBJ, NEWOBJ_EX, INST or OBJ pushes: the callable and its arguments."""

    def __init__(self, func, args):
        self.func = func
        self.args = args
        self.state = None


class Dict:
    """A dict as a list of pairs, so keys that Python could not hash still fit."""

    def __init__(self, pairs=()):
        self.pairs = list(pairs)

    def get(self, key, default=None):
        for k, v in self.pairs:
            if isinstance(k, str) and k == key:
                return v
        return default


class JoblibArray:
    """Stands for an array whose bytes joblib wrote after its NumpyArrayWrapper."""

    def __init__(self, dtype, shape):
        self.dtype = dtype
        self.shape = shape


def pop_mark(stack, metastack):
    items = stack[:]
    stack[:] = metastack.pop()
    return items


def wrapper_dtype(dtype_call):
    """The numpy dtype a NumpyArrayWrapper state names, from the `numpy.dtype('f8', ...)` call."""
    if not (isinstance(dtype_call, Call) and isinstance(dtype_call.func, Global)):
        raise ScanError("NumpyArrayWrapper dtype is not a numpy.dtype call")
    if dtype_call.func.name != "numpy.dtype":
        raise ScanError(f"NumpyArrayWrapper dtype is built by {dtype_call.func.name}")
    code = dtype_call.args[0]
    if not (isinstance(code, str) and re.fullmatch(r"[a-zA-Z]\d*", code)):
        raise ScanError(f"unexpected dtype code {code!r}")
    return np.dtype(code)


def skip_joblib_array(f, state, result):
    """Move f past the array bytes joblib writes right after a NumpyArrayWrapper's BUILD.

    Numeric arrays: an optional padding-length byte and padding (when the wrapper records an
    alignment), then count * itemsize raw bytes. Object arrays (feature names, say): a whole
    nested pickle stream, which is walked like the outer one.
    """
    if not isinstance(state, Dict):
        raise ScanError("NumpyArrayWrapper state is not a dict")
    dtype = wrapper_dtype(state.get("dtype"))
    shape = state.get("shape")
    if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise ScanError(f"NumpyArrayWrapper shape {shape!r}")
    if dtype.hasobject:
        nested = scan_stream(f, joblib_stream=False)
        result["globals"] |= nested["globals"]
        result["nested_protocols"].append(nested["protocol"])
    else:
        alignment = state.get("numpy_array_alignment_bytes")
        if alignment is not None:
            pad = f.read(1)
            if len(pad) != 1:
                raise ScanError("stream ends before the padding byte")
            f.seek(pad[0], io.SEEK_CUR)
        count = 1
        for n in shape:
            count *= n
        data = f.read(count * dtype.itemsize)
        if len(data) != count * dtype.itemsize:
            raise ScanError("stream ends inside array data")
    return JoblibArray(dtype.str, shape)


def scan_stream(f, joblib_stream=False, keep_opcodes=False):
    """Walk one pickle stream from f's position to its STOP, with pickletools, running nothing.

    Returns the protocol of its PROTO opcode (None when there is none), the set of dotted names
    its GLOBAL, STACK_GLOBAL and INST opcodes push, and optionally every opcode with its offset.
    A small stack and memo of plain values are kept so that STACK_GLOBAL's two strings (often
    fetched from the memo) can be named, and so that joblib's array bytes, which follow a
    NumpyArrayWrapper's BUILD outside the pickle opcodes, can be stepped over.
    """
    result = {"protocol": None, "globals": set(), "opcodes": [], "nested_protocols": []}
    stack, metastack, memo = [], [], {}
    for opcode, arg, pos in pickletools.genops(f):
        name = opcode.name
        if keep_opcodes:
            result["opcodes"].append([pos, name])
        if name == "PROTO":
            if result["protocol"] is None:
                result["protocol"] = arg
        elif name == "FRAME":
            pass
        elif name == "STOP":
            break
        elif name == "MARK":
            metastack.append(stack[:])
            stack[:] = []
        elif name == "POP":
            stack.pop()
        elif name == "POP_MARK":
            pop_mark(stack, metastack)
        elif name == "DUP":
            stack.append(stack[-1])
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        elif name == "NONE":
            stack.append(None)
        elif name in ("NEWTRUE", "NEWFALSE"):
            stack.append(name == "NEWTRUE")
        elif name in (
            "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4",
            "FLOAT", "BINFLOAT",
            "STRING", "BINSTRING", "SHORT_BINSTRING",
            "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
            "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8",
        ):
            stack.append(arg)
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name == "TUPLE":
            stack.append(tuple(pop_mark(stack, metastack)))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "LIST":
            stack.append(pop_mark(stack, metastack))
        elif name == "APPEND":
            value = stack.pop()
            if isinstance(stack[-1], list):
                stack[-1].append(value)
        elif name == "APPENDS":
            items = pop_mark(stack, metastack)
            if isinstance(stack[-1], list):
                stack[-1].extend(items)
        elif name == "EMPTY_DICT":
            stack.append(Dict())
        elif name == "DICT":
            items = pop_mark(stack, metastack)
            stack.append(Dict(zip(items[::2], items[1::2])))
        elif name == "SETITEM":
            value = stack.pop()
            key = stack.pop()
            if isinstance(stack[-1], Dict):
                stack[-1].pairs.append((key, value))
        elif name == "SETITEMS":
            items = pop_mark(stack, metastack)
            if isinstance(stack[-1], Dict):
                stack[-1].pairs.extend(zip(items[::2], items[1::2]))
        elif name == "EMPTY_SET":
            stack.append([])
        elif name == "ADDITEMS":
            items = pop_mark(stack, metastack)
            if isinstance(stack[-1], list):
                stack[-1].extend(items)
        elif name == "FROZENSET":
            stack.append(tuple(pop_mark(stack, metastack)))
        elif name == "GLOBAL":
            module, qualname = arg.split(" ", 1)
            result["globals"].add(f"{module}.{qualname}")
            stack.append(Global(f"{module}.{qualname}"))
        elif name == "STACK_GLOBAL":
            qualname = stack.pop()
            module = stack.pop()
            if not (isinstance(module, str) and isinstance(qualname, str)):
                raise ScanError(f"STACK_GLOBAL at {pos} on {module!r}, {qualname!r}")
            result["globals"].add(f"{module}.{qualname}")
            stack.append(Global(f"{module}.{qualname}"))
        elif name == "INST":
            module, qualname = arg.split(" ", 1)
            result["globals"].add(f"{module}.{qualname}")
            stack.append(Call(Global(f"{module}.{qualname}"), tuple(pop_mark(stack, metastack))))
        elif name == "OBJ":
            items = pop_mark(stack, metastack)
            stack.append(Call(items[0], tuple(items[1:])))
        elif name == "REDUCE":
            args = stack.pop()
            stack.append(Call(stack.pop(), args))
        elif name == "NEWOBJ":
            args = stack.pop()
            stack.append(Call(stack.pop(), args))
        elif name == "NEWOBJ_EX":
            stack.pop()  # keyword arguments
            args = stack.pop()
            stack.append(Call(stack.pop(), args))
        elif name == "BUILD":
            state = stack.pop()
            target = stack[-1]
            if isinstance(target, Call):
                target.state = state
                if (
                    joblib_stream
                    and isinstance(target.func, Global)
                    and target.func.name == "joblib.numpy_pickle.NumpyArrayWrapper"
                ):
                    stack[-1] = skip_joblib_array(f, state, result)
        else:
            # PERSID, BINPERSID, EXT1/2/4, NEXT_BUFFER, READONLY_BUFFER: never in these files.
            raise ScanError(f"opcode {name} at {pos} is not followed by this walker")
    return result


def scan_pickle_bytes(data, joblib_stream=False, keep_opcodes=False):
    """scan_stream over a whole byte string, checking that nothing follows the STOP."""
    f = io.BytesIO(data)
    result = scan_stream(f, joblib_stream=joblib_stream, keep_opcodes=keep_opcodes)
    rest = f.read()
    if rest:
        raise ScanError(f"{len(rest)} bytes after STOP")
    return result


# ---------------------------------------------------------------------------------------------
# joblib files: which compressor, and the pickle stream inside
# ---------------------------------------------------------------------------------------------


def joblib_compressor(path):
    """The compressor joblib's own magic-number check finds (None for an uncompressed file)."""
    with open(path, "rb") as f:
        found = joblib.numpy_pickle_utils._detect_compressor(f)
    return None if found == "not-compressed" else found


def joblib_stream(path, compressor):
    """The decompressed bytes of a joblib file, with the standard library (and lz4) only."""
    with open(path, "rb") as f:
        raw = f.read()
    if compressor is None:
        return raw
    if compressor == "zlib":
        return zlib.decompress(raw)
    if compressor == "gzip":
        return gzip.decompress(raw)
    if compressor == "bz2":
        return bz2.decompress(raw)
    if compressor == "lzma":
        return lzma.decompress(raw, format=lzma.FORMAT_ALONE)
    if compressor == "xz":
        return lzma.decompress(raw, format=lzma.FORMAT_XZ)
    if compressor == "lz4":
        return lz4.frame.decompress(raw)
    raise ValueError(f"compressor {compressor}")


def describe_container(path, container):
    """protocol, compressor and globals of one file, read from its bytes only."""
    if container == "pickle":
        with open(path, "rb") as f:
            scan = scan_pickle_bytes(f.read())
        return {"protocol": scan["protocol"], "compressor": None,
                "globals": sorted(scan["globals"])}
    if container == "joblib":
        compressor = joblib_compressor(path)
        stream = joblib_stream(path, compressor)
        scan = scan_pickle_bytes(stream, joblib_stream=True)
        out = {"protocol": scan["protocol"], "compressor": compressor,
               "globals": sorted(scan["globals"]), "stream_bytes": len(stream)}
        if scan["nested_protocols"]:
            out["nested_protocols"] = scan["nested_protocols"]
        return out
    if container == "skops":
        with zipfile.ZipFile(path) as z:
            schema = json.loads(z.read("schema.json"))
        return {"protocol": None, "compressor": None, "globals": sorted(skops_types(schema)),
                "skops_protocol": schema["protocol"],
                "skops_untrusted": sorted(skops.io.get_untrusted_types(file=path))}
    raise ValueError(container)


def skops_types(node):
    """Every `__module__.__class__` a skops schema names, at any depth."""
    found = set()
    if isinstance(node, dict):
        if isinstance(node.get("__module__"), str) and isinstance(node.get("__class__"), str):
            found.add(f"{node['__module__']}.{node['__class__']}")
        for value in node.values():
            found |= skops_types(value)
    elif isinstance(node, list):
        for value in node:
            found |= skops_types(value)
    return found


# ---------------------------------------------------------------------------------------------
# skops archives, made reproducible
# ---------------------------------------------------------------------------------------------


def normalise_skops(path):
    """Rewrite a skops zip so the same model always gives the same bytes.

    skops names objects by their id() (memory addresses: `__id__` in schema.json and the names of
    the .npy members) and stamps every member with the current time. Here the ids are renumbered
    1, 2, 3... in the order schema.json first mentions them, member names follow, and every date
    becomes 1980-01-01. Member order, compression and the schema's own formatting
    (json.dumps(..., indent=2), as skops writes it) are kept; the caller loads the result with
    skops to make sure it still reads.
    """
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    raw = dict((info.filename, data) for info, data in members)["schema.json"]
    schema = json.loads(raw)
    if json.dumps(schema, indent=2).encode() != raw:
        raise RuntimeError(f"{path}: schema.json is not formatted as expected")

    renumber = {}

    def new_id(old):
        return renumber.setdefault(old, len(renumber) + 1)

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int):
                    node[key] = new_id(value)
                elif key == "file" and isinstance(value, str) and re.fullmatch(r"\d+\.npy", value):
                    node[key] = f"{new_id(int(value[:-4]))}.npy"
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    with zipfile.ZipFile(path, "w") as z:
        for info, data in members:
            if info.filename == "schema.json":
                name, data = info.filename, json.dumps(schema, indent=2).encode()
            elif re.fullmatch(r"\d+\.npy", info.filename):
                name = f"{renumber[int(info.filename[:-4])]}.npy"
            else:
                raise RuntimeError(f"{path}: unexpected member {info.filename}")
            fixed = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            fixed.create_system = info.create_system
            z.writestr(fixed, data)


def skops_dump(obj, path):
    skops.io.dump(obj, path)
    normalise_skops(path)


def skops_load(path):
    """Load a skops file, trusting exactly the types skops itself reports as untrusted."""
    return skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))


# ---------------------------------------------------------------------------------------------
# Objects whose pickles name what a safe reader must refuse
# ---------------------------------------------------------------------------------------------


class SystemPayload:
    """Pickles as os.system("echo pwned"): on Linux the stream names posix.system."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


class EvalPayload:
    """Pickles as eval(...): the stream names builtins.eval."""

    def __reduce__(self):
        return (eval, ("__import__('os').system('echo pwned')",))


class SubprocessPayload:
    """Pickles as subprocess.call(["echo", "pwned"])."""

    def __reduce__(self):
        return (subprocess.call, (["echo", "pwned"],))


class ForgedCall:
    """Pickles as func(*args), then BUILD with state when one is given: any call we like."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        if self.state is None:
            return (self.func, self.args)
        return (self.func, self.args, self.state)


class HandMadeRegressor:
    """A class of this script, not of scikit-learn: its pickle names __main__.HandMadeRegressor."""


# The script is run as a program, so the class lives in __main__; say so explicitly so the name in
# the pickle does not depend on how the module was imported.
HandMadeRegressor.__module__ = "__main__"


# ---------------------------------------------------------------------------------------------
# Helpers for expected.json
# ---------------------------------------------------------------------------------------------


def floats(values):
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def version(dist):
    return importlib.metadata.version(dist)


def write_pickle(path, obj, protocol):
    """pickle.dump into a new file; protocol None is pickle's default (4 on CPython 3.11)."""
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def load_container(path, container):
    """Load a non-hostile fixture back with the library that wrote it."""
    if container == "pickle":
        with open(path, "rb") as f:
            return pickle.load(f)
    if container == "joblib":
        return joblib.load(path)
    if container == "skops":
        return skops_load(path)
    raise ValueError(container)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/python_fixtures.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if os.listdir(out):
        sys.exit(f"{out} is not empty")
    if sys.modules[HandMadeRegressor.__module__].__dict__.get("HandMadeRegressor") is not HandMadeRegressor:
        sys.exit("run this file as a program: python scripts/python_fixtures.py OUT_DIR")

    def path(name):
        return os.path.join(out, name)

    # --- The article's data and model --------------------------------------------------------
    wine = load_wine()
    X, y = wine.data, wine.target
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.33, random_state=3, stratify=y
    )
    lreg = LinearRegression().fit(X_train, y_train)

    diabetes_X, diabetes_y = load_diabetes(return_X_y=True)
    d_train, d_test, dy_train, dy_test = train_test_split(
        diabetes_X, diabetes_y, test_size=0.25, random_state=0
    )

    feature_names = list(wine.feature_names)
    df_train = pd.DataFrame(X_train, columns=feature_names)
    df_test = pd.DataFrame(X_test, columns=feature_names)

    datasets = {
        "wine": {"X_test": [floats(row) for row in X_test], "y_test": floats(y_test)},
        "diabetes": {"X_test": [floats(row) for row in d_test], "y_test": floats(dy_test)},
    }
    # The rows each model is scored and checked on: (X_test, y_test, X_train, y_train).
    data_for = {
        "wine": (X_test, y_test, X_train, y_train),
        "wine_dataframe": (df_test, y_test, df_train, y_train),
        "wine_float32": (X_test.astype(np.float32), y_test, X_train.astype(np.float32), y_train),
        "diabetes": (d_test, dy_test, d_train, dy_train),
    }

    models = []  # entries of expected.json "models"
    checks = []  # (file, container, rows key) to load back at the end

    def record(name, container, model, rows="wine", **extra):
        """Describe a model fixture from the fitted object and from the file's bytes."""
        Xt, yt, Xtr, ytr = data_for[rows]
        entry = {
            "file": name,
            "container": container,
            "estimator": type(model).__name__,
            "module": type(model).__module__,
            "sklearn_version": sklearn.__version__,
            "n_features_in": int(model.n_features_in_),
            "feature_names": (
                [str(n) for n in model.feature_names_in_]
                if hasattr(model, "feature_names_in_") else None
            ),
            "dataset": "diabetes" if rows == "diabetes" else "wine",
            "coef": floats(model.coef_),
            "coef_dtype": model.coef_.dtype.str,
            "intercept": floats(model.intercept_)[0],
            "intercept_type": f"{type(model.intercept_).__module__}.{type(model.intercept_).__name__}",
            "predictions": floats(model.predict(Xt)),
            "r2_test": float(model.score(Xt, yt)),
            "r2_train": float(model.score(Xtr, ytr)),
        }
        entry.update(describe_container(path(name), container))
        entry.update(extra)
        models.append(entry)
        checks.append((name, container, rows))
        return entry

    # --- The article's two files, with the article's own code ---------------------------------
    pck_file = path("Pck_LR_Model.pkl")
    with open(pck_file, "wb") as file:
        pickle.dump(lreg, file)
    article = record("Pck_LR_Model.pkl", "pickle", lreg)
    # Every opcode with its offset, to check the Rust disassembler against pickletools.
    with open(pck_file, "rb") as f:
        article["opcodes"] = scan_pickle_bytes(f.read(), keep_opcodes=True)["opcodes"]

    jlib_file = path("Jlib_LR_Model.pkl")
    joblib.dump(lreg, jlib_file)
    record("Jlib_LR_Model.pkl", "joblib", lreg)

    # --- Protocols 2 to 5 (0 and 1, the text-era protocols, are not made) ---------------------
    for protocol in (2, 3, 4, 5):
        name = f"linear_protocol{protocol}.pkl"
        # Protocol 5 in-band: no buffer_callback, so numpy writes _frombuffer + BYTEARRAY8.
        write_pickle(path(name), lreg, protocol)
        entry = record(name, "pickle", lreg)
        if protocol == 5:
            with open(path(name), "rb") as f:
                ops = {op for _, op in scan_pickle_bytes(f.read(), keep_opcodes=True)["opcodes"]}
            frombuffer = [g for g in entry["globals"] if g.endswith("._frombuffer")]
            assert "BYTEARRAY8" in ops and frombuffer, "protocol 5 did not write in-band buffers"
            entry["note"] = (
                "protocol 5 in-band: each ndarray is "
                f"{frombuffer[0]}(BYTEARRAY8 data, dtype, shape, order)"
            )

    # --- joblib with every compressor ----------------------------------------------------------
    for name, compress in JOBLIB_FILES:
        joblib.dump(lreg, path(name), compress=compress)
        record(name, "joblib", lreg, compress=repr(compress))

    # --- skops ---------------------------------------------------------------------------------
    skops_dump(lreg, path("linear.skops"))
    record("linear.skops", "skops", lreg)

    # --- Other linear estimators on the same split ---------------------------------------------
    fit_warnings = {}

    def fit(estimator, Xf, yf):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(Xf, yf)
        if caught:
            fit_warnings[type(estimator).__name__] = sorted(
                {f"{w.category.__name__}: {str(w.message).splitlines()[0]}" for w in caught}
            )
        return estimator

    ridge = fit(Ridge(alpha=1.0), X_train, y_train)
    lasso = fit(Lasso(alpha=0.01), X_train, y_train)
    enet = fit(ElasticNet(alpha=0.01, l1_ratio=0.5), X_train, y_train)
    for name, model in (("ridge.pkl", ridge), ("lasso.pkl", lasso), ("elasticnet.pkl", enet)):
        write_pickle(path(name), model, None)
        extra = {}
        if type(model).__name__ in fit_warnings:
            extra["fit_warnings"] = fit_warnings[type(model).__name__]
        record(name, "pickle", model, **extra)
    joblib.dump(ridge, path("ridge.joblib"), compress=3)
    record("ridge.joblib", "joblib", ridge, compress="3")
    skops_dump(lasso, path("lasso.skops"))
    record("lasso.skops", "skops", lasso)

    # --- Feature names from a DataFrame ---------------------------------------------------------
    lreg_df = LinearRegression().fit(df_train, y_train)
    assert lreg_df.feature_names_in_.dtype == object
    write_pickle(path("linear_dataframe.pkl"), lreg_df, None)
    record("linear_dataframe.pkl", "pickle", lreg_df, rows="wine_dataframe",
           note="fitted on a pandas DataFrame: feature_names_in_ is an object array of str")
    joblib.dump(lreg_df, path("linear_dataframe.joblib"))
    record("linear_dataframe.joblib", "joblib", lreg_df, rows="wine_dataframe",
           note="fitted on a pandas DataFrame: feature_names_in_ is an object array of str, "
                "which joblib writes as a nested pickle stream after its NumpyArrayWrapper")

    # --- Another dataset, another feature count --------------------------------------------------
    lreg_diabetes = LinearRegression().fit(d_train, dy_train)
    write_pickle(path("linear_diabetes.pkl"), lreg_diabetes, None)
    record("linear_diabetes.pkl", "pickle", lreg_diabetes, rows="diabetes")

    # --- Big-endian coefficients -----------------------------------------------------------------
    lreg_be = copy.copy(lreg)
    lreg_be.coef_ = lreg.coef_.astype(">f8")
    assert np.array_equal(lreg_be.predict(X_test), lreg.predict(X_test))
    write_pickle(path("linear_bigendian.pkl"), lreg_be, None)
    record("linear_bigendian.pkl", "pickle", lreg_be,
           note="coef_ is big-endian float64 ('>f8' in the pickle's dtype state), intercept_ is "
                "native; predictions are bit-identical to the article model's. numpy swaps the "
                "array to native order while unpickling, so Python's pickle.load gives a '<f8' "
                "coef_ with the same values")

    # --- float32 ---------------------------------------------------------------------------------
    lreg_32 = LinearRegression().fit(X_train.astype(np.float32), y_train)
    assert lreg_32.coef_.dtype == np.float32
    write_pickle(path("linear_float32.pkl"), lreg_32, None)
    record("linear_float32.pkl", "pickle", lreg_32, rows="wine_float32",
           predict_input_dtype="float32",
           note="fitted on X_train cast to float32, so coef_ and intercept_ are float32; "
                "predictions and R2 are sklearn's on X_test cast to float32, computed in float32 "
                "arithmetic and only then widened to float64: compare with a float32 tolerance")

    # --- One target given as a column: y of shape (n, 1) -------------------------------------------
    # LinearRegression and Ridge then keep a coef_ of shape (1, n), Lasso and ElasticNet one of
    # shape (n,); all four an intercept_ of shape (1,). predict returns (m, 1) or (m,) likewise.
    y_column = y_train.reshape(-1, 1).astype(np.float64)
    for name, container, model in (
        ("linear_ycolumn.pkl", "pickle", LinearRegression()),
        ("ridge_ycolumn.joblib", "joblib", Ridge(alpha=1.0)),
        ("lasso_ycolumn.pkl", "pickle", Lasso(alpha=0.01)),
        ("elasticnet_ycolumn.skops", "skops", ElasticNet(alpha=0.01, l1_ratio=0.5)),
    ):
        fit(model, X_train, y_column)
        if container == "pickle":
            write_pickle(path(name), model, None)
        elif container == "joblib":
            joblib.dump(model, path(name))
        else:
            skops_dump(model, path(name))
        record(name, container, model,
               note=f"fitted on y of shape (n, 1): coef_ of shape {model.coef_.shape}, "
                    f"intercept_ of shape {np.shape(model.intercept_)}")

    # --- Models the reader should open but not accept ----------------------------------------------
    unsupported = []

    def record_unsupported(name, found, why, container="pickle"):
        entry = {"file": name, "container": container, "found": found, "why": why}
        entry.update(describe_container(path(name), container))
        unsupported.append(entry)

    logistic = LogisticRegression(max_iter=5000).fit(X_train, y_train)
    write_pickle(path("unsupported_logistic.pkl"), logistic, None)
    record_unsupported(
        "unsupported_logistic.pkl", "LogisticRegression",
        "a classifier (sklearn.linear_model._logistic.LogisticRegression) with a coef_ of shape "
        f"{list(logistic.coef_.shape)}, one row per class, and a classes_ array: not a regressor")

    y2 = np.column_stack([y_train, y_train * 2.0 + 1.0])
    lreg_2d = LinearRegression().fit(X_train, y2)
    write_pickle(path("unsupported_coef2d.pkl"), lreg_2d, None)
    record_unsupported(
        "unsupported_coef2d.pkl", "LinearRegression with 2-D coef_",
        f"fitted on a y of two columns: coef_ has shape {list(lreg_2d.coef_.shape)} and "
        f"intercept_ is an array of {lreg_2d.intercept_.shape[0]}, not a vector and a scalar")

    lreg_int = copy.copy(lreg)
    lreg_int.coef_ = lreg.coef_.astype(np.int64)
    write_pickle(path("unsupported_int_coef.pkl"), lreg_int, None)
    record_unsupported(
        "unsupported_int_coef.pkl", "LinearRegression with int64 coef_",
        "coef_ has dtype int64 ('<i8'), not float64 or float32")

    lreg_sparse = copy.copy(lreg)
    lreg_sparse.coef_ = scipy.sparse.csr_matrix(lreg.coef_)
    write_pickle(path("unsupported_sparse_coef.pkl"), lreg_sparse, None)
    sparse_name = f"{type(lreg_sparse.coef_).__module__}.{type(lreg_sparse.coef_).__name__}"
    record_unsupported(
        "unsupported_sparse_coef.pkl", f"LinearRegression with {sparse_name} coef_",
        f"coef_ is a scipy sparse matrix ({sparse_name}), not an ndarray")

    # --- Hostile files (current set only) ---------------------------------------------------------
    refused = []
    skipped = []

    def record_refused(name, global_name, why, container="pickle", where=None):
        entry = {"file": name, "container": container, "global": global_name, "why": why}
        if where:
            entry["where"] = where
        entry.update(describe_container(path(name), container))
        listed = entry["skops_untrusted"] if container == "skops" else entry["globals"]
        assert global_name in listed, (name, global_name, listed)
        refused.append(entry)

    if LEGACY:
        skipped.append({
            "what": "hostile_*.pkl, hostile_in_state.joblib, hostile.skops",
            "why": "hostile files are written in the current set only; the legacy set holds "
                   "honest models written by older numpy, scikit-learn, joblib and skops",
        })
    else:
        write_pickle(path("hostile_posix_system.pkl"), SystemPayload(), pickle.DEFAULT_PROTOCOL)
        record_refused("hostile_posix_system.pkl", "posix.system",
                       "calls os.system('echo pwned') when unpickled")

        write_pickle(path("hostile_builtins_eval.pkl"), EvalPayload(), pickle.DEFAULT_PROTOCOL)
        record_refused("hostile_builtins_eval.pkl", "builtins.eval",
                       "evaluates a Python expression that runs a shell command")

        write_pickle(path("hostile_subprocess_call.pkl"), SubprocessPayload(),
                     pickle.DEFAULT_PROTOCOL)
        record_refused("hostile_subprocess_call.pkl", "subprocess.call",
                       "starts the program echo through subprocess.call")

        hand_made = HandMadeRegressor()
        hand_made.coef_ = lreg.coef_
        hand_made.intercept_ = lreg.intercept_
        hand_made.n_features_in_ = 13
        write_pickle(path("hostile_unknown_class.pkl"), hand_made, pickle.DEFAULT_PROTOCOL)
        record_refused("hostile_unknown_class.pkl", "__main__.HandMadeRegressor",
                       "an instance of a class that is not scikit-learn's, although its state "
                       "looks like a linear model's (coef_, intercept_, n_features_in_)")

        # copy.copy shares the arrays but gives the copy its own __dict__: lreg stays clean.
        in_state = copy.copy(lreg)
        in_state.payload = SystemPayload()
        write_pickle(path("hostile_in_state.pkl"), in_state, pickle.DEFAULT_PROTOCOL)
        record_refused("hostile_in_state.pkl", "posix.system",
                       "the article's model with an extra attribute whose value is built by "
                       "os.system('echo pwned'): the call sits inside the model's BUILD state",
                       where="LinearRegression state, key 'payload'")
        joblib.dump(in_state, path("hostile_in_state.joblib"))
        record_refused("hostile_in_state.joblib", "posix.system",
                       "the same model and payload written by joblib.dump",
                       container="joblib", where="LinearRegression state, key 'payload'")

        # Allowed-looking names called with the wrong arguments. At protocol 2 Python 3 normally
        # writes Python 2 names (fix_imports: copy_reg, __builtin__.unicode for str); this file is
        # written with fix_imports=False so it names copyreg._reconstructor and builtins.object, the
        # names an allowlist written for Python 3 would hold.
        import copyreg
        with open(path("hostile_bad_args.pkl"), "wb") as f:
            pickle.dump(ForgedCall(copyreg._reconstructor, (np.dtype, object, None)), f,
                        protocol=2, fix_imports=False)
        record_refused("hostile_bad_args.pkl", "copyreg._reconstructor",
                       "copyreg._reconstructor(numpy.dtype, builtins.object, None): the shape "
                       "protocols 0 and 1 use to rebuild an estimator, but the class is "
                       "numpy.dtype, a global the reader allows, instead of a scikit-learn class")

        reconstruct = np.ndarray.__reduce__(lreg.coef_)[0]  # numpy's own _reconstruct
        bad_coef = copy.copy(lreg)
        bad_coef.coef_ = ForgedCall(reconstruct, ("ndarray", [0], 3.5))
        write_pickle(path("hostile_bad_args2.pkl"), bad_coef, pickle.DEFAULT_PROTOCOL)
        reconstruct_name = f"{reconstruct.__module__}.{reconstruct.__name__}"
        record_refused("hostile_bad_args2.pkl", reconstruct_name,
                       f"the article's model whose coef_ is {reconstruct_name}('ndarray', [0], "
                       "3.5): a str where the ndarray class goes, a list where the shape tuple "
                       "goes and a float where the dtype bytes go; every global it names is one "
                       "an honest model uses", where="LinearRegression state, key 'coef_'")

        short = copy.copy(lreg)
        short.coef_ = ForgedCall(
            reconstruct, (np.ndarray, (0,), b"b"),
            (1, (13,), np.dtype("<f8"), False, b"\x00" * 8),
        )
        write_pickle(path("hostile_bad_args3.pkl"), short, pickle.DEFAULT_PROTOCOL)
        record_refused("hostile_bad_args3.pkl", reconstruct_name,
                       "the article's model whose coef_ array state says 13 float64 values "
                       "(104 bytes) but carries 8 bytes of data: a reader must check the length "
                       "instead of reading past the buffer", where="LinearRegression state, "
                       "key 'coef_', the BUILD state of the array")

        hostile_skops = copy.copy(lreg)
        hostile_skops.payload = os.system
        skops_dump(hostile_skops, path("hostile.skops"))
        record_refused("hostile.skops", "posix.system",
                       "a skops archive of the article's model with an extra attribute that "
                       "schema.json describes as the function posix.system (a TypeNode); "
                       "skops.io.get_untrusted_types lists it",
                       container="skops", where="schema.json, content of LinearRegression, "
                                                "key 'payload'")

    # --- Load every model fixture back and check it predicts what we recorded -------------------
    for entry, (name, container, rows) in zip(models, checks):
        loaded = load_container(path(name), container)
        Xt = data_for[rows][0]
        got = floats(loaded.predict(Xt))
        assert got == entry["predictions"], f"{name}: reloaded predictions differ"
        assert floats(loaded.coef_) == entry["coef"], f"{name}: reloaded coef_ differs"
        assert floats(loaded.intercept_)[0] == entry["intercept"], f"{name}: intercept_ differs"
        written, got_dtype = np.dtype(entry["coef_dtype"]), loaded.coef_.dtype
        assert (written.kind, written.itemsize) == (got_dtype.kind, got_dtype.itemsize), name
        if got_dtype.str != written.str:
            # numpy's ndarray.__setstate__ swaps a non-native array into native order.
            entry["python_loads_coef_dtype"] = got_dtype.str
    for entry in unsupported:
        loaded = load_container(path(entry["file"]), entry["container"])
        assert type(loaded).__name__ in ("LogisticRegression", "LinearRegression"), entry["file"]

    expected = {
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": version("scipy"),
            "scikit-learn": sklearn.__version__,
            "joblib": joblib.__version__,
            "skops": version("skops"),
            "pandas": pd.__version__,
            "lz4": version("lz4"),
            "threadpoolctl": version("threadpoolctl"),
            "pickle_default_protocol": pickle.DEFAULT_PROTOCOL,
            "pickle_highest_protocol": pickle.HIGHEST_PROTOCOL,
        },
        "datasets": datasets,
        "models": models,
        "refused": refused,
        "unsupported": unsupported,
        "skipped": skipped,
    }
    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True, allow_nan=False)
        f.write("\n")

    # A short summary on stdout: one line per file with its size and hash.
    for name in sorted(os.listdir(out)):
        with open(path(name), "rb") as f:
            data = f.read()
        print(f"{hashlib.sha256(data).hexdigest()[:16]}  {len(data):7d}  {name}")


if __name__ == "__main__":
    main()
