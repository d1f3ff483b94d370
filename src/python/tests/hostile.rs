//! Hand-made bad inputs: each stops with its own error, quickly, without a panic or a stack
//! overflow, and nothing in them runs.

use std::io::Write;
use std::path::PathBuf;

use crate::python::{self, SklearnProblem, pickle};

/// A fixture made by `scripts/python-fixtures`.
fn fixture(set: &str, file: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/python");
    std::fs::read(root.join(set).join(file)).unwrap_or_else(|e| panic!("{set}/{file}: {e}"))
}

/// A pickle from pieces: PROTO 4, the pieces, STOP.
fn pickle(pieces: &[&[u8]]) -> Vec<u8> {
    let mut out = b"\x80\x04".to_vec();
    pieces.iter().for_each(|p| out.extend_from_slice(p));
    out.push(b'.');
    out
}

/// Limits of `max_bytes`.
fn limits(max_bytes: u64) -> python::Limits {
    python::Limits { max_bytes }
}

/// Runs `f` in a thread with the default 2 MiB stack, so deep recursion would overflow it.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic and no stack overflow")
}

#[test]
fn empty_and_garbage_are_not_model_files() {
    assert!(matches!(python::read(b""), Err(SklearnProblem::Empty)));
    let err = python::read(b"hello world").unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a model file: it starts with 68 65 6c 6c, which is neither this crate's format nor \
         a pickle (protocol 2 to 5), a joblib file or a skops zip"
    );
    assert!(matches!(
        python::read(b"ZF\x00\x00"),
        Err(SklearnProblem::OldJoblib { .. })
    ));
}

#[test]
fn only_protocols_2_to_5_are_read() {
    assert!(matches!(
        python::read(b"\x80\x01N."),
        Err(SklearnProblem::Protocol { found: 1 })
    ));
    assert!(matches!(
        python::read(b"\x80\x06N."),
        Err(SklearnProblem::Protocol { found: 6 })
    ));
    // Protocol 0 has no PROTO opcode, and Python reads it: a scan names what it would call...
    let protocol0 = b"cos\nsystem\n(S'echo pwned'\ntR.";
    let err = python::read(protocol0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused: the pickle calls os.system (only scikit-learn linear models and numpy arrays are read)"
    );
    assert!(matches!(
        pickle::load(protocol0, python::Limits::default()),
        Err(SklearnProblem::Refused { .. })
    ));
    // ...a harmless one is said to be of a protocol this reader does not read...
    let err = python::read(b"(lp0\nI1\naF0.5\na.").unwrap_err();
    assert!(
        matches!(err, SklearnProblem::NoProto { byte: b'(' }),
        "{err}"
    );
    // ...and text that only starts like one is no model file.
    let err = python::read(b"city,population\nParis,2102650\n").unwrap_err();
    assert!(matches!(err, SklearnProblem::UnknownFormat { .. }), "{err}");
}

#[test]
fn every_prefix_of_the_article_pickle_is_an_error() {
    for (set, file) in [
        ("current", "Pck_LR_Model.pkl"),
        ("legacy", "Pck_LR_Model.pkl"),
        ("current", "Jlib_LR_Model.pkl"),
        ("current", "linear_dataframe.joblib"),
        ("current", "linear_protocol2.pkl"),
        ("current", "linear_protocol5.pkl"),
    ] {
        let bytes = fixture(set, file);
        assert!(python::read(&bytes).is_ok());
        for n in 0..bytes.len() {
            let err = python::read(&bytes[..n]).expect_err("a prefix is not a model");
            // One line, and the right kind: nothing else can go wrong with a cut pickle.
            assert!(!err.to_string().contains('\n'));
            assert!(
                matches!(
                    err,
                    SklearnProblem::Empty
                        | SklearnProblem::Truncated { .. }
                        | SklearnProblem::MissingStop { .. }
                        | SklearnProblem::Malformed { .. }
                ),
                "{set}/{file} cut at {n}: {err}"
            );
        }
    }
}

#[test]
fn every_bit_flip_reads_or_errs_without_panicking() {
    for (set, file) in [
        ("current", "Pck_LR_Model.pkl"),
        ("current", "linear_joblib_raw.joblib"),
        ("current", "linear_dataframe.joblib"),
        ("current", "linear_joblib_zlib.joblib"),
        ("current", "linear.skops"),
    ] {
        let mut bytes = fixture(set, file);
        let (mut read, mut refused) = (0, 0);
        for i in 0..bytes.len() * 8 {
            bytes[i / 8] ^= 1 << (i % 8);
            match python::read(&bytes) {
                Ok(_) => read += 1,
                Err(_) => refused += 1,
            }
            let _ = python::disassemble(&bytes);
            bytes[i / 8] ^= 1 << (i % 8);
        }
        assert!(
            read > 0 && refused > 0,
            "{file}: {read} read, {refused} refused"
        );
    }
}

#[test]
fn lying_lengths_are_truncation_before_any_allocation() {
    let huge = (1u64 << 60).to_le_bytes();
    for (op, len) in [
        (&b"\x8e"[..], &huge[..]),            // BINBYTES8
        (b"\x8d", &huge),                     // BINUNICODE8
        (b"\x96", &huge),                     // BYTEARRAY8
        (b"\x95", &huge),                     // FRAME
        (b"B", &[0xff, 0xff, 0xff, 0xff]),    // BINBYTES
        (b"X", &[0xff, 0xff, 0xff, 0xff]),    // BINUNICODE
        (b"\x8b", &[0xff, 0xff, 0xff, 0x7f]), // LONG4
    ] {
        let bytes = pickle(&[op, len]);
        let started = std::time::Instant::now();
        let err = python::read(&bytes).unwrap_err();
        assert!(
            matches!(err, SklearnProblem::Truncated { offset: 2, .. }),
            "{err}"
        );
        assert!(started.elapsed().as_millis() < 100);
    }
}

#[test]
fn a_million_marks_is_too_deep() {
    let err = on_small_stack(|| {
        let bytes = pickle(&[&vec![b'('; 1_000_000]]);
        python::read(&bytes).unwrap_err().to_string()
    });
    assert_eq!(
        err,
        "the pickle nests deeper than 1000 levels at offset 1002"
    );
}

#[test]
fn a_million_nested_lists_is_too_deep() {
    let err = on_small_stack(|| {
        let bytes = pickle(&[&vec![b']'; 2_000], &vec![b'a'; 1_999]]);
        python::read(&bytes).unwrap_err()
    });
    assert!(
        matches!(err, SklearnProblem::TooDeep { limit: 1000, .. }),
        "{err}"
    );

    let err = on_small_stack(|| {
        let bytes = pickle(&[b")", &vec![0x85; 1_000_000]]); // EMPTY_TUPLE, TUPLE1...
        python::read(&bytes).unwrap_err()
    });
    assert!(
        matches!(err, SklearnProblem::TooDeep { limit: 1000, .. }),
        "{err}"
    );
}

#[test]
fn a_million_lists_nested_through_the_memo_do_not_overflow() {
    // Built from the outside in (GET the innermost list, append a new one, PUT it), the nesting
    // never shows in the depth of the list being appended to: the arena must hold it flat.
    // (Fifteen thousand levels: more would spend the memory budget first.)
    let err = on_small_stack(|| {
        let step: &[u8] = b"h\x00]q\x00a0"; // BINGET 0, EMPTY_LIST, BINPUT 0, APPEND, POP
        let bytes = pickle(&[b"]q\x00", &step.repeat(15_000)]);
        python::read(&bytes).unwrap_err()
    });
    assert!(
        matches!(
            err,
            SklearnProblem::NotAnEstimator {
                found: "a list",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_missing_memo_entry_is_its_own_error() {
    let err = python::read(&pickle(&[b"N\x94h\x07"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the pickle reads memo entry 7 at offset 4, which was never stored"
    );
}

#[test]
fn unknown_opcodes_and_trailing_bytes_are_errors() {
    let err = python::read(&pickle(&[b"N\xff"])).unwrap_err();
    assert_eq!(err.to_string(), "unknown pickle opcode 0xff at offset 3");
    let mut bytes = pickle(&[b"N"]);
    bytes.extend_from_slice(b"junk");
    let err = python::read(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "4 bytes follow the pickle's STOP opcode at offset 3"
    );
    // A byte that only looks like the start of a second pickle is trailing data too.
    let err = python::read(b"\x80\x04N.\x80").unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 bytes follow the pickle's STOP opcode at offset 3"
    );
    let err = python::read(b"\x80\x04N.\x80\x04N.").unwrap_err();
    assert!(
        matches!(err, SklearnProblem::SecondPickle { offset: 4 }),
        "{err}"
    );
    let err = python::read(b"\x80\x04N").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the pickle ends at offset 3 without a STOP opcode"
    );
}

#[test]
fn opcodes_that_reach_outside_the_file_are_refused() {
    for (piece, name) in [
        (&b"\x97"[..], "NEXT_BUFFER"),
        (b"Pid\n", "PERSID"),
        (b"N\x51", "BINPERSID"),
        (b"\x82\x01", "EXT1"),
    ] {
        match python::read(&pickle(&[piece])) {
            Err(SklearnProblem::UnsupportedOpcode { opcode, .. }) => assert_eq!(opcode, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn globals_off_the_allowlist_are_refused_as_spelled() {
    let refused = |bytes: Vec<u8>| match python::read(&bytes) {
        Err(SklearnProblem::Refused { global }) => global,
        other => panic!("{other:?}"),
    };
    // GLOBAL, protocol 2's Python 2 spelling, STACK_GLOBAL from the memo, INST.
    assert_eq!(refused(pickle(&[b"cos\nsystem\n"])), "os.system");
    let mut protocol2 = b"\x80\x02c__builtin__\neval\n".to_vec();
    protocol2.push(b'.');
    assert_eq!(refused(protocol2), "__builtin__.eval");
    let stack_global: &[u8] = b"\x8c\x05posix\x94\x8c\x06system\x94h\x00h\x01\x93";
    assert_eq!(refused(pickle(&[stack_global])), "posix.system");
    assert_eq!(
        refused(pickle(&[b"(X\x02\x00\x00\x00lsios\nsystem\n"])),
        "os.system"
    );
    assert_eq!(
        refused(pickle(&[b"cnumpy\nfrombuffer\n"])),
        "numpy.frombuffer"
    );
    assert_eq!(
        refused(pickle(&[b"cbuiltins\ngetattr\n"])),
        "builtins.getattr"
    );
    assert_eq!(
        refused(pickle(&[b"coperator\nattrgetter\n"])),
        "operator.attrgetter"
    );

    let err = python::read(&pickle(&[b"cscipy.sparse._csr\ncsr_matrix\n"])).unwrap_err();
    assert!(matches!(err, SklearnProblem::Sparse { .. }), "{err}");
    let err = python::read(&pickle(&[
        b"csklearn.tree._classes\nDecisionTreeRegressor\n",
    ]));
    assert_eq!(
        err.unwrap_err().to_string(),
        "the file holds a DecisionTreeRegressor, a tree-based model; read are scikit-learn's \
         linear regressors (LinearRegression, Ridge, Lasso, ElasticNet, SGDRegressor, \
         PoissonRegressor and 22 more)"
    );
}

#[test]
fn allowed_globals_with_wrong_arguments_are_refused() {
    let bad = |bytes: Vec<u8>| match python::read(&bytes) {
        Err(SklearnProblem::BadArguments { global }) => global,
        other => panic!("{other:?}"),
    };
    // copyreg._reconstructor(numpy.dtype, object, None): not an estimator class.
    let reconstructor: &[u8] =
        b"ccopyreg\n_reconstructor\ncnumpy\ndtype\ncbuiltins\nobject\nN\x87R";
    assert_eq!(bad(pickle(&[reconstructor])), "copyreg._reconstructor");
    // numpy.dtype('f8', 'yes', True).
    let dtype: &[u8] = b"cnumpy\ndtype\n\x8c\x02f8\x8c\x03yes\x88\x87R";
    assert_eq!(bad(pickle(&[dtype])), "numpy.dtype");
    // builtins.object() is allowed only as an argument.
    assert_eq!(bad(pickle(&[b"cbuiltins\nobject\n)R"])), "builtins.object");
    // scalar(dtype('f8'), 3 bytes).
    let scalar: &[u8] =
        b"cnumpy.core.multiarray\nscalar\ncnumpy\ndtype\n\x8c\x02f8\x89\x88\x87RC\x03abc\x86R";
    let err = python::read(&pickle(&[scalar])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the pickle calls numpy.core.multiarray.scalar with 3 bytes of data, but the shape and \
         dtype it names need 8"
    );
}

/// A protocol 2 pickle of a LinearRegression as Python 2 spells its globals, with coef_ from
/// `_frombuffer` and a float intercept_.
fn hand_made_linear_regression() -> Vec<u8> {
    let mut coef = Vec::new();
    [1.5f64, -2.0, 0.25]
        .iter()
        .for_each(|x| coef.extend_from_slice(&x.to_le_bytes()));
    let mut out = b"\x80\x02ccopy_reg\n_reconstructor\n".to_vec();
    out.extend_from_slice(
        b"csklearn.linear_model._base\nLinearRegression\nc__builtin__\nobject\nN\x87R",
    );
    out.extend_from_slice(b"}(X\x05\x00\x00\x00coef_cnumpy.core.numeric\n_frombuffer\n(C\x18");
    out.extend_from_slice(&coef);
    out.extend_from_slice(
        b"cnumpy\ndtype\nX\x02\x00\x00\x00f8K\x00K\x01\x87RK\x03\x85X\x01\x00\x00\x00Ctq\x05R",
    );
    out.extend_from_slice(b"X\x0a\x00\x00\x00intercept_G\x40\x00\x00\x00\x00\x00\x00\x00");
    out.extend_from_slice(b"X\x0e\x00\x00\x00n_features_in_K\x03ub.");
    out
}

#[test]
fn a_hand_made_protocol_2_pickle_reads() {
    let model = python::read(&hand_made_linear_regression()).expect("reads");
    assert_eq!(model.coef, ndarray::array![[1.5, -2.0, 0.25]]);
    assert_eq!(model.intercept, ndarray::array![2.0]);
    assert_eq!(model.n_features_in, 3);
    assert_eq!(model.sklearn_version, None);
    let x = ndarray::array![[2.0, 1.0, 4.0]];
    let predicted = crate::article::evaluate::predict(&model.model().expect("a model"), &x)
        .expect("3 features");
    assert_eq!(predicted[0], 4.0);
}

/// A zlib stream that inflates to `mib` MiB of zeros: the deflate blocks of one MiB, repeated.
/// It has no end, which a reader finds only after inflating all of it.
fn zlib_bomb(mib: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0; 1 << 20]).expect("compress");
    encoder
        .flush()
        .expect("sync flush: the blocks end on a byte, not final");
    let (header, blocks) = encoder.get_ref().split_at(2);
    let mut out = header.to_vec();
    (0..mib).for_each(|_| out.extend_from_slice(blocks));
    out
}

#[test]
fn a_joblib_bomb_stops_at_the_limit() {
    let bomb = zlib_bomb(1024);
    assert!(
        bomb.len() < 2 << 20,
        "1 GiB of zeros in {} bytes",
        bomb.len()
    );
    let err = python::read_with_limit(&bomb, limits(16 << 20)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the model's data exceed the limit of 16777216 bytes; a larger model needs a larger limit (python::Limits, --max-bytes)"
    );
}

/// A skops zip whose members are given as (name, bytes), deflated.
fn skops_zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, options).expect("member");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

#[test]
fn a_skops_member_that_inflates_past_the_limit_stops() {
    let schema = br#"{"__class__": "LinearRegression", "__module__": "sklearn.linear_model._base",
        "__loader__": "ObjectNode", "protocol": 2, "content": {"__class__": "dict",
        "__module__": "builtins", "__loader__": "DictNode", "content": {"coef_": {
        "__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode",
        "type": "numpy", "file": "coef.npy"}}}}"#;
    let zeros = vec![0u8; 8 << 20];
    let bytes = skops_zip(&[("schema.json", schema), ("coef.npy", &zeros)]);
    let err = python::read_with_limit(&bytes, limits(1 << 20)).unwrap_err();
    assert!(
        matches!(err, SklearnProblem::TooLarge { limit: 1048576 }),
        "{err}"
    );
    // The schema alone, inflating past the limit, stops too.
    let mut padded = schema.to_vec();
    padded.extend(vec![b' '; 4 << 20]);
    let err = python::read_with_limit(&skops_zip(&[("schema.json", &padded)]), limits(1 << 20));
    assert!(matches!(err, Err(SklearnProblem::TooLarge { .. })));
}

#[test]
fn skops_types_off_the_allowlist_are_refused_by_name() {
    let schema = br#"{"__class__": "LinearRegression", "__module__": "sklearn.linear_model._base",
        "__loader__": "ObjectNode", "protocol": 2, "content": {"__class__": "dict",
        "__module__": "builtins", "__loader__": "DictNode", "content": {"fn": {
        "__class__": "eval", "__module__": "builtins", "__loader__": "FunctionNode"}}}}"#;
    let err = python::read(&skops_zip(&[("schema.json", schema)])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused: the skops file holds FunctionNode builtins.eval (only scikit-learn linear models and numpy arrays are read)"
    );
    let newer = br#"{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
        "content": {}, "protocol": 3}"#;
    let err = python::read(&skops_zip(&[("schema.json", newer)])).unwrap_err();
    assert!(
        matches!(err, SklearnProblem::SkopsProtocol { found: 3 }),
        "{err}"
    );
    let missing = br#"{"__class__": "LinearRegression", "__module__": "sklearn.linear_model._base",
        "__loader__": "ObjectNode", "protocol": 2, "content": {"__class__": "dict",
        "__module__": "builtins", "__loader__": "DictNode", "content": {"coef_": {
        "__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode",
        "type": "numpy", "file": "gone.npy"}}}}"#;
    let err = python::read(&skops_zip(&[("schema.json", missing)])).unwrap_err();
    assert_eq!(err.to_string(), "the skops file has no member gone.npy");
    let err = python::disassemble(&fixture("current", "linear.skops")).unwrap_err();
    assert!(matches!(
        err.kind(),
        crate::ErrorKind::Python(detail) if matches!(detail.get(), Some(SklearnProblem::NoPickle))
    ));
}

#[test]
fn a_deeply_nested_skops_schema_is_an_error() {
    let err = on_small_stack(|| {
        let schema = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        python::read(&skops_zip(&[("schema.json", schema.as_bytes())])).unwrap_err()
    });
    // Counted before it is parsed, it is refused for its cost.
    assert!(matches!(err, SklearnProblem::CostlySchema { .. }), "{err}");
}

#[test]
fn a_hostile_pickle_is_listed_with_its_globals() {
    let listing =
        python::disassemble(&fixture("current", "hostile_posix_system.pkl")).expect("listed");
    let text: Vec<String> = listing.iter().map(|op| op.to_string()).collect();
    assert_eq!(text[6], "   28: \\x93 STACK_GLOBAL 'posix system'");
    assert_eq!(text[12], "   45: R    REDUCE");
    // Joblib's raw array data is one line, not a stream of nonsense opcodes.
    let listing =
        python::disassemble(&fixture("current", "linear_joblib_raw.joblib")).expect("listed");
    let data: Vec<&pickle::Op> = listing.iter().filter(|op| op.code.is_none()).collect();
    assert_eq!(data.len(), 2, "coef_ and singular_");
    assert!(
        data[0].arg.ends_with("104 bytes of float64 (13,)"),
        "{}",
        data[0]
    );
}

#[test]
fn skops_members_compressed_with_bzip2_or_zstd_read_as_deflated_ones() {
    // `skops.io.dump(..., compression=zipfile.ZIP_BZIP2)`, and Python 3.14's ZIP_ZSTANDARD.
    let original = fixture("current", "linear.skops");
    let expected = python::read(&original).expect("the fixture reads");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&original[..])).expect("a zip");
    let mut members = Vec::new();
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).expect("a member");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut member, &mut bytes).expect("read");
        members.push((member.name().to_string(), bytes));
    }
    for method in [zip::CompressionMethod::Bzip2, zip::CompressionMethod::Zstd] {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, bytes) in &members {
            zip.start_file(name.as_str(), options).expect("member");
            zip.write_all(bytes).expect("write");
        }
        let rewritten = zip.finish().expect("zip").into_inner();
        let model = python::read(&rewritten).unwrap_or_else(|e| panic!("{method:?}: {e}"));
        assert_eq!(
            (model.coef, model.intercept),
            (expected.coef.clone(), expected.intercept.clone())
        );
    }
}
