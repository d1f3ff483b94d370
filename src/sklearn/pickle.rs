//! The pickle machine: reads pickles of protocols 2 to 5 without running anything, and scans
//! those of protocols 0 and 1 far enough to name what they call.
//!
//! Python's `pickle.load` is a small stack machine whose GLOBAL and REDUCE opcodes import and
//! call whatever the file names: `posix.system` as readily as `numpy.dtype`. This one is written
//! by hand because no crate does what a model file needs: read the opcodes without calling
//! anything *and* understand numpy and joblib. serde-pickle resolves only a few builtin globals
//! and has no numpy arrays; candle's reader handles protocol 2 and PyTorch tensors only.
//!
//! Here GLOBAL and STACK_GLOBAL only produce a [`Global`] when `module.name` is on the allowlist
//! ([`resolve`]) and stop with [`SklearnProblem::Refused`] otherwise. REDUCE, NEWOBJ and BUILD on an
//! allowed global never call it: they check that the arguments have the shape that global takes
//! and build an inert value at once, a numpy [`Dtype`] or [`NdArray`], or an [`Instance`] holding
//! the estimator's state. When BUILD completes a joblib `NumpyArrayWrapper`, the machine reads the
//! array bytes that joblib wrote into the stream right after it and goes on behind them.
//!
//! Objects live in an arena and the stack holds handles, so shared references (the memo) behave
//! as in Python, cycles are harmless, and nothing walks or drops a tree recursively. Bytes are
//! shared, never copied per use: an array built from a buffer holds the buffer's `Rc`. Every
//! length prefix is checked against the bytes that remain before anything is allocated, MARKs
//! and container nesting stop at [`MAX_DEPTH`], and everything the machine holds (objects,
//! container items, memo and stack entries, listed opcodes) is charged against the budget of
//! [`Limits::memory_budget`], so no file makes the reader take memory its size does not justify.
//!
//! The arena does not free what the stack pops: a reference count on every push, pop and memo
//! entry would double the bookkeeping of every opcode for the sake of files that no pickler
//! writes (a real model's pickle builds almost nothing it throws away). The budget bounds what
//! such a file can hold instead, and refuses it when it is spent.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use super::Limits;
use super::error::SklearnProblem;
use super::estimator::{self, Attr, Container, Estimator, PythonModel};
use super::joblib::{self, Compressor, Wrapper};
use super::numpy::{ByteOrder, Dtype, Kind, NdArray};

/// The deepest nesting of MARKs, and of containers inside containers, the machine accepts.
const MAX_DEPTH: usize = 1000;
/// What a value held in a growing vector (the stack, a container, the memo) costs: itself,
/// and room for the vector's slack and the copy it makes when it grows.
const HELD_VALUE: usize = 3 * std::mem::size_of::<Value>();
/// What one memo entry outside the run of slots 0, 1, 2... costs: the key, the value, and the
/// hash table's slack and copy.
const SPARSE_MEMO_ENTRY: usize = 96;
/// What one listed opcode costs: the [`Op`] and its argument, cut to a few dozen characters.
const LISTED_OP: usize = std::mem::size_of::<Op>() + 96;

/// A handle to an object in the machine's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ObjId(usize);

/// A value on the stack, in the memo or inside a container: small values inline, others by handle.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    /// `None`.
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An int that fits in i64.
    Int(i64),
    /// A float.
    Float(f64),
    /// Anything else, in the arena.
    Obj(ObjId),
}

/// An object built by the machine. None of them can run code.
#[derive(Debug, Clone, PartialEq)]
enum Obj {
    /// A str (also a Python 2 str, decoded as latin-1 like numpy advises).
    Str(String),
    /// bytes or bytearray, shared by every array built from them.
    Bytes(Rc<[u8]>),
    /// An int too large for i64, whose value nothing needs.
    BigInt,
    /// A list.
    List(Vec<Value>),
    /// A tuple.
    Tuple(Vec<Value>),
    /// A dict, as its items in insertion order.
    Dict(Vec<(Value, Value)>),
    /// A set or frozenset.
    Set(Vec<Value>),
    /// A reference to an allowed class or function.
    Global(Rc<Global>),
    /// An instance of an allowed class (an estimator, or a joblib wrapper before its BUILD).
    Instance(Instance),
    /// An empty array from numpy's `_reconstruct`, waiting for the BUILD that fills it; the
    /// global that made it is kept to be named if the state does not fit.
    Pending(Rc<Global>),
    /// A numpy array or scalar.
    Array(Box<NdArray>),
    /// A numpy dtype.
    Dtype(Dtype),
    /// Only in a listing: what a refused call or an unsupported opcode would have produced.
    Opaque,
}

impl Obj {
    /// The bytes this object owns on the heap, for the machine's budget. Shared bytes are
    /// charged once, by the object that made them.
    fn heap_bytes(&self) -> usize {
        let value = std::mem::size_of::<Value>();
        match self {
            Obj::Str(text) => text.len(),
            Obj::Bytes(bytes) => bytes.len(),
            Obj::List(items) | Obj::Tuple(items) | Obj::Set(items) => items.len() * value,
            Obj::Dict(items) => items.len() * 2 * value,
            Obj::Global(global) => {
                std::mem::size_of::<Global>() + global.module.len() + global.name.len()
            }
            Obj::Array(array) => {
                std::mem::size_of::<NdArray>()
                    + array.shape.len() * std::mem::size_of::<usize>()
                    + array.owned_bytes()
            }
            Obj::BigInt | Obj::Instance(_) | Obj::Pending(_) | Obj::Dtype(_) | Obj::Opaque => 0,
        }
    }
}

/// How the machine treats a global off the allowlist or an opcode it does not execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Refuses it: reading a model.
    Read,
    /// Lists every opcode and leaves a placeholder for what it would not build.
    List,
    /// As `List`, without keeping the listing: finding the globals a file names.
    Scan,
}

/// A global the file names, with what the machine will do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Global {
    /// The module, as the file spells it.
    module: String,
    /// The name inside the module.
    name: String,
    /// What it is to the machine.
    role: Role,
}

impl fmt::Display for Global {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.module, self.name)
    }
}

/// What an allowed global means; see [`resolve`] for the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// One of the linear estimator classes.
    Estimator(Estimator),
    /// A meta-estimator whose fitted `estimator_` predicts ([`estimator::WRAPPERS`]).
    Wrapper,
    /// A part of a GLM's loss ([`estimator::LOSS_PARTS`]): built as an inert object, whatever
    /// its arguments and state, and never looked at.
    LossPart,
    /// `copyreg._reconstructor(cls, object, None)`: an instance of `cls`.
    Reconstructor,
    /// `builtins.object`, as an argument of `_reconstructor`.
    Object,
    /// numpy's `_reconstruct(ndarray, (0,), b'b')`: an empty array that BUILD fills.
    Reconstruct,
    /// `numpy.ndarray`, as an argument.
    NdArray,
    /// `numpy.dtype(typestr, align, copy)`.
    Dtype,
    /// numpy's `scalar(dtype, bytes)`.
    Scalar,
    /// numpy's `_frombuffer(buffer, dtype, shape, order)` (protocol 5).
    FromBuffer,
    /// joblib's `NumpyArrayWrapper`.
    ArrayWrapper,
    /// `_codecs.encode(str, 'latin1')`: how protocol 2 stores bytes.
    CodecsEncode,
    /// Off the allowlist: only in a listing, which never refuses.
    Refused,
}

/// An instance of an allowed class, with the state BUILD gave it.
#[derive(Debug, Clone, PartialEq)]
struct Instance {
    /// Its class.
    class: Rc<Global>,
    /// The state dict, once BUILD ran.
    state: Option<Value>,
}

/// Where the allowlist sends a `module.name`: to a role, or to the reason it is refused.
///
/// The allowed names are the linear estimators of [`estimator::ESTIMATORS`], the
/// meta-estimators of [`estimator::WRAPPERS`], the inert loss parts of
/// [`estimator::LOSS_PARTS`],
/// `copyreg._reconstructor`, `builtins.object`, `numpy.ndarray`, `numpy.dtype`,
/// `_reconstruct` and `scalar` of `numpy.core.multiarray` / `numpy._core.multiarray`,
/// `_frombuffer` of `numpy.core.numeric` / `numpy._core.numeric`, joblib's
/// `NumpyArrayWrapper` (also under `sklearn.externals.joblib`), and `_codecs.encode`, without
/// which no protocol 2 pickle written by Python 3 can hold bytes. Any other `sklearn.*` name is
/// another scikit-learn object ([`SklearnProblem::Unsupported`]), `scipy.sparse.*` a sparse matrix
/// ([`SklearnProblem::Sparse`]); everything else is [`SklearnProblem::Refused`]. For protocols below 3,
/// Python 2's `__builtin__` and `copy_reg` stand for `builtins` and `copyreg`, as
/// `pickle.load`'s `fix_imports` maps them.
fn resolve(module: &str, name: &str, protocol: u8) -> Result<Role, SklearnProblem> {
    let fixed = match module {
        "__builtin__" if protocol < 3 => "builtins",
        "copy_reg" if protocol < 3 => "copyreg",
        other => other,
    };
    if let Some(estimator) = Estimator::from_path(fixed, name) {
        return Ok(Role::Estimator(estimator));
    }
    if estimator::is_wrapper(fixed, name) {
        return Ok(Role::Wrapper);
    }
    if estimator::is_loss_part(fixed, name) {
        return Ok(Role::LossPart);
    }
    let role = match (fixed, name) {
        ("copyreg", "_reconstructor") => Role::Reconstructor,
        ("builtins", "object") => Role::Object,
        ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct") => Role::Reconstruct,
        ("numpy.core.multiarray" | "numpy._core.multiarray", "scalar") => Role::Scalar,
        ("numpy.core.numeric" | "numpy._core.numeric", "_frombuffer") => Role::FromBuffer,
        ("numpy", "ndarray") => Role::NdArray,
        ("numpy", "dtype") => Role::Dtype,
        ("joblib.numpy_pickle" | "sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper") => {
            Role::ArrayWrapper
        }
        ("_codecs", "encode") => Role::CodecsEncode,
        (
            "joblib.numpy_pickle" | "sklearn.externals.joblib.numpy_pickle",
            "NDArrayWrapper" | "ZNDArrayWrapper",
        ) => {
            let wrapper = format!("{module}.{name}");
            return Err(SklearnProblem::OldJoblib { wrapper });
        }
        _ => {
            return Err(SklearnProblem::off_allowlist(module, name, |global| {
                SklearnProblem::Refused { global }
            }));
        }
    };
    Ok(role)
}

/// A pickle read by the machine: the machine, which holds the objects, and the value STOP
/// returned.
pub(crate) struct Pickle<'a> {
    machine: Machine<'a>,
    /// The value the pickle returns.
    root: Value,
    /// The protocol of its PROTO opcode.
    protocol: u8,
}

impl Pickle<'_> {
    /// The estimator this pickle holds, checked. `compressor` is that of the joblib file the
    /// pickle was decompressed from; without one, the pickle is a joblib file if it held
    /// joblib `NumpyArrayWrapper`s.
    pub(crate) fn to_model(
        &self,
        compressor: Option<Compressor>,
    ) -> Result<PythonModel, SklearnProblem> {
        let protocol = self.protocol;
        let container = if compressor.is_some() || self.machine.joblib {
            Container::Joblib {
                compressor,
                protocol,
            }
        } else {
            Container::Pickle { protocol }
        };
        let Some(Obj::Instance(instance)) = self.machine.obj(self.root) else {
            return Err(SklearnProblem::NotAnEstimator {
                found: self.describe(self.root),
            });
        };
        if instance.class.role != Role::Wrapper {
            return self.estimator_model(instance, container);
        }
        // A RANSACRegressor predicts with its fitted estimator_: read that one.
        let inner = self.state(instance)?.get("estimator_").copied();
        let Some(Obj::Instance(inner)) = inner.and_then(|value| self.machine.obj(value)) else {
            return Err(SklearnProblem::WrongType {
                attribute: "estimator_",
                expected: "a fitted linear regressor",
            });
        };
        let mut model = self.estimator_model(inner, container)?;
        model.wrapper = Some(instance.class.name.clone());
        Ok(model)
    }

    /// The model of an estimator instance, checked.
    fn estimator_model(
        &self,
        instance: &Instance,
        container: Container,
    ) -> Result<PythonModel, SklearnProblem> {
        let Role::Estimator(estimator) = instance.class.role else {
            let found = match instance.class.role {
                Role::LossPart => "a part of a loss",
                _ => "a joblib array wrapper",
            };
            return Err(SklearnProblem::NotAnEstimator { found });
        };
        let (last, order) = self.state_in_order(instance)?;
        let attrs = order
            .into_iter()
            .map(|key| (key.to_string(), self.attr(last[key])))
            .collect();
        estimator::build(estimator, instance.class.module.clone(), attrs, container)
    }

    /// An instance's state dict, each key's last value.
    fn state(&self, instance: &Instance) -> Result<HashMap<&str, Value>, SklearnProblem> {
        self.state_in_order(instance).map(|(last, _)| last)
    }

    /// An instance's state dict: each key's last value, and the keys in their first order. A
    /// later key wins, as in the dict Python builds; each key is converted once, however often
    /// a hostile file repeats it.
    fn state_in_order(
        &self,
        instance: &Instance,
    ) -> Result<(HashMap<&str, Value>, Vec<&str>), SklearnProblem> {
        let Some(Obj::Dict(items)) = instance.state.and_then(|state| self.machine.obj(state))
        else {
            return Err(SklearnProblem::WrongType {
                attribute: "the estimator's state",
                expected: "a dict",
            });
        };
        let mut last: HashMap<&str, Value> = HashMap::new();
        let mut order = Vec::new();
        for (key, value) in items {
            if let Some(Obj::Str(key)) = self.machine.obj(*key) {
                if last.insert(key.as_str(), *value).is_none() {
                    order.push(key.as_str());
                }
            }
        }
        Ok((last, order))
    }

    fn attr(&self, value: Value) -> Attr {
        match value {
            Value::None => Attr::None,
            Value::Int(n) => Attr::Int(n),
            Value::Float(x) => Attr::Float(x),
            Value::Bool(_) => Attr::Other,
            Value::Obj(_) => match self.machine.obj(value) {
                Some(Obj::Str(s)) => Attr::Str(s.clone()),
                Some(Obj::Array(array)) => Attr::Array(NdArray::clone(array)),
                _ => Attr::Other,
            },
        }
    }

    /// What a value is, with an article, for messages.
    fn describe(&self, value: Value) -> &'static str {
        match value {
            Value::None => "None",
            Value::Bool(_) => "a bool",
            Value::Int(_) => "an int",
            Value::Float(_) => "a float",
            Value::Obj(_) => match self.machine.obj(value) {
                Some(Obj::Str(_)) => "a str",
                Some(Obj::Bytes(_)) => "bytes",
                Some(Obj::BigInt) => "an int",
                Some(Obj::List(_)) => "a list",
                Some(Obj::Tuple(_)) => "a tuple",
                Some(Obj::Dict(_)) => "a dict",
                Some(Obj::Set(_)) => "a set",
                Some(Obj::Global(_)) => "a class or function",
                Some(Obj::Instance(_)) => "an object",
                Some(Obj::Array(_)) | Some(Obj::Pending(_)) => "a numpy array",
                Some(Obj::Dtype(_)) => "a numpy dtype",
                Some(Obj::Opaque) | None => "nothing readable",
            },
        }
    }
}

/// Reads a pickle (or an uncompressed joblib stream) into inert values; calls nothing.
///
/// A pickle this machine does not read but Python does (protocols 0 and 1, joblib's files from
/// before 0.10) is refused by the first global off the allowlist it names, if any: what
/// `pickle.load` would call.
pub(crate) fn load(bytes: &[u8], limits: Limits) -> Result<Pickle<'_>, SklearnProblem> {
    let mut machine = Machine::new(bytes, Mode::Read, limits);
    let (root, protocol) = match machine.run(false) {
        Ok(done) => done,
        Err(
            problem @ (SklearnProblem::NoProto { .. }
            | SklearnProblem::Protocol { found: 0 | 1 }
            | SklearnProblem::OldJoblib { .. }),
        ) => return Err(scan(bytes, limits).refused.unwrap_or(problem)),
        Err(problem) => return Err(problem),
    };
    if let Some(rest) = bytes.len().checked_sub(machine.pos).filter(|n| *n > 0) {
        return Err(SklearnProblem::TrailingData {
            offset: machine.pos - 1,
            count: rest,
        });
    }
    Ok(Pickle {
        machine,
        root,
        protocol,
    })
}

/// What a lenient run of a pickle found: the refusal of the first global off the allowlist it
/// names, and whether it ran to its STOP.
pub(crate) struct Scanned {
    /// What reading it would have refused first; `None` if every global it names is allowed.
    pub(crate) refused: Option<SklearnProblem>,
    /// Whether the bytes are a whole pickle, of any protocol.
    pub(crate) complete: bool,
}

/// Runs a pickle of any protocol, 0 to 5, without building or refusing anything, to find the
/// globals it names: what `pickle.load`, which calls each global as it comes to it, would have
/// called, even if the file is cut short after it. Only globals spelled as Python names are
/// counted, so a text file that happens to start like a protocol 0 pickle is not taken for one.
pub(crate) fn scan(bytes: &[u8], limits: Limits) -> Scanned {
    let mut machine = Machine::new(bytes, Mode::Scan, limits);
    let complete = machine.run(false).is_ok() && machine.pos == bytes.len();
    Scanned {
        refused: machine.refused,
        complete,
    }
}

/// Whether `text` is a dotted Python name: `posix`, `os.path`, `Foo.bar`.
fn python_name(text: &str) -> bool {
    text.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}

/// One line of a listing: an opcode with its offset and argument, like `pickletools.dis`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Offset of the opcode in the stream.
    pub offset: usize,
    /// The opcode byte; `None` for the raw array data joblib writes after a wrapper.
    pub code: Option<u8>,
    /// The opcode's name as `pickletools` spells it.
    pub name: &'static str,
    /// The argument, rendered briefly.
    pub arg: String,
    /// How many MARKs are open, for indentation.
    pub level: usize,
}

/// `   11: \x8c SHORT_BINUNICODE 'coef_'`, as `pickletools.dis` prints it.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = match self.code {
            Some(c) if c.is_ascii_graphic() => char::from(c).to_string(),
            Some(c) => format!("\\x{c:02x}"),
            None => String::new(),
        };
        let indent = "    ".repeat(self.level);
        let line = format!(
            "{:>5}: {code:<4} {indent}{:<10} {}",
            self.offset, self.name, self.arg
        );
        f.write_str(line.trim_end())
    }
}

/// Lists the opcodes of a pickle without building anything from them, like `pickletools.dis`.
///
/// A hostile file is listed, not refused: refused globals and unsupported opcodes only leave an
/// inert placeholder on the stack. Joblib's array data after a wrapper's BUILD is listed as one
/// line. Malformed or truncated input still stops with an error.
pub(crate) fn disassemble(bytes: &[u8], limits: Limits) -> Result<Vec<Op>, SklearnProblem> {
    let mut machine = Machine::new(bytes, Mode::List, limits);
    machine.run(false)?;
    Ok(machine.listing.unwrap_or_default())
}

/// An object and how deeply containers nest inside it.
#[derive(Debug, Clone)]
struct Slot {
    obj: Obj,
    depth: usize,
}

/// The opcode being run and its offset: what every error of the machine names.
#[derive(Debug, Clone, Copy)]
struct Here {
    name: &'static str,
    at: usize,
}

impl Here {
    fn truncated(self) -> SklearnProblem {
        SklearnProblem::Truncated {
            opcode: self.name,
            offset: self.at,
        }
    }

    fn malformed(self, expected: &'static str) -> SklearnProblem {
        SklearnProblem::Malformed {
            opcode: self.name,
            offset: self.at,
            expected,
        }
    }

    fn too_deep(self) -> SklearnProblem {
        SklearnProblem::TooDeep {
            limit: MAX_DEPTH,
            offset: self.at,
        }
    }
}

/// The memo of one pickle. Picklers number its slots 0, 1, 2..., which a vector holds; a slot
/// out of that run goes to a map, so a file naming slot 4,000,000,000 costs one entry.
#[derive(Default)]
struct Memo {
    dense: Vec<Option<Value>>,
    sparse: HashMap<u64, Value>,
    /// How many slots are filled: where MEMOIZE stores next, as Python's `len(memo)`.
    len: u64,
}

impl Memo {
    /// What storing at `index` adds to the memory held.
    fn cost(&self, index: u64) -> usize {
        match usize::try_from(index) {
            Ok(i) if i < self.dense.len() && self.dense[i].is_some() => 0,
            Ok(i) if i <= self.dense.len() => HELD_VALUE,
            _ if self.sparse.contains_key(&index) => 0,
            _ => SPARSE_MEMO_ENTRY,
        }
    }

    fn insert(&mut self, index: u64, value: Value) {
        let slot = match usize::try_from(index) {
            Ok(i) if i < self.dense.len() => &mut self.dense[i],
            Ok(i) if i == self.dense.len() && !self.sparse.contains_key(&index) => {
                self.dense.push(None);
                &mut self.dense[i]
            }
            _ => {
                if self.sparse.insert(index, value).is_none() {
                    self.len += 1;
                }
                return;
            }
        };
        if slot.replace(value).is_none() {
            self.len += 1;
        }
    }

    fn get(&self, index: u64) -> Option<Value> {
        let dense = usize::try_from(index)
            .ok()
            .and_then(|i| self.dense.get(i).copied().flatten());
        dense.or_else(|| self.sparse.get(&index).copied())
    }
}

/// The stack, marks and memo of one pickle; a nested pickle (joblib object arrays) gets its own.
struct Frame {
    stack: Vec<Value>,
    /// The most entries the stack has held, each charged to the budget once.
    high: usize,
    /// Stack length and offset of each open MARK.
    marks: Vec<(usize, usize)>,
    memo: Memo,
    protocol: u8,
}

impl Frame {
    /// The stack length at the innermost MARK: nothing below it may be popped.
    fn floor(&self) -> usize {
        self.marks.last().map_or(0, |m| m.0)
    }

    fn pop(&mut self, here: Here) -> Result<Value, SklearnProblem> {
        if self.stack.len() <= self.floor() {
            return Err(here.malformed("a value on the stack"));
        }
        self.stack
            .pop()
            .ok_or(here.malformed("a value on the stack"))
    }

    fn top(&self, here: Here) -> Result<Value, SklearnProblem> {
        match self.stack.last() {
            Some(value) if self.stack.len() > self.floor() => Ok(*value),
            _ => Err(here.malformed("a value on the stack")),
        }
    }

    fn set_top(&mut self, value: Value) {
        if let Some(top) = self.stack.last_mut() {
            *top = value;
        }
    }

    /// Pops everything above the innermost MARK, and the MARK.
    fn pop_mark(&mut self, here: Here) -> Result<Vec<Value>, SklearnProblem> {
        let (len, _) = self.marks.pop().ok_or(here.malformed("a MARK before it"))?;
        Ok(self.stack.split_off(len.min(self.stack.len())))
    }

    /// `(MARK at 66)`, as `pickletools` notes the MARK an opcode pops to.
    fn mark_text(&self) -> String {
        self.marks
            .last()
            .map(|m| format!("(MARK at {})", m.1))
            .unwrap_or_default()
    }
}

/// How an allowed class or function is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Reduce,
    NewObj,
}

/// The machine: the input, the arena of objects, and, when listing, the opcodes seen.
struct Machine<'a> {
    input: &'a [u8],
    pos: usize,
    here: Here,
    objects: Vec<Slot>,
    listing: Option<Vec<Op>>,
    /// Listing or scanning: refused globals and unsupported opcodes leave a placeholder.
    lenient: bool,
    /// The refusal of the first global off the allowlist that a lenient run met.
    refused: Option<SklearnProblem>,
    joblib: bool,
    /// Bytes of memory charged so far, and the most that may be.
    used: usize,
    budget: usize,
}

/// Declares the opcode constants (module `op`) and [`opcode_name`] from one table.
macro_rules! opcodes {
    ($($name:ident = $code:expr),* $(,)?) => {
        mod op {
            $(pub const $name: u8 = $code;)*
        }

        /// The name `pickletools` gives an opcode byte; `None` for a byte that is no opcode.
        fn opcode_name(code: u8) -> Option<&'static str> {
            match code {
                $(op::$name => Some(stringify!($name)),)*
                _ => None,
            }
        }
    };
}

// Every opcode of protocols 0 to 5, as `pickletools` names them.
opcodes! {
    MARK = b'(', STOP = b'.', POP = b'0', POP_MARK = b'1', DUP = b'2', FLOAT = b'F', INT = b'I',
    BININT = b'J', BININT1 = b'K', LONG = b'L', BININT2 = b'M', NONE = b'N', PERSID = b'P',
    BINPERSID = b'Q', REDUCE = b'R', STRING = b'S', BINSTRING = b'T', SHORT_BINSTRING = b'U',
    UNICODE = b'V', BINUNICODE = b'X', APPEND = b'a', BUILD = b'b', GLOBAL = b'c', DICT = b'd',
    EMPTY_DICT = b'}', APPENDS = b'e', GET = b'g', BINGET = b'h', INST = b'i', LONG_BINGET = b'j',
    LIST = b'l', EMPTY_LIST = b']', OBJ = b'o', PUT = b'p', BINPUT = b'q', LONG_BINPUT = b'r',
    SETITEM = b's', TUPLE = b't', EMPTY_TUPLE = b')', SETITEMS = b'u', BINFLOAT = b'G',
    PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85,
    TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b,
    BINBYTES = b'B', SHORT_BINBYTES = b'C', SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d,
    BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92,
    STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95, BYTEARRAY8 = 0x96, NEXT_BUFFER = 0x97,
    READONLY_BUFFER = 0x98,
}

fn bad_args(global: &Global) -> SklearnProblem {
    SklearnProblem::BadArguments {
        global: global.to_string(),
    }
}

/// The dtype's own global, named when its BUILD state does not fit.
const DTYPE: &str = "numpy.dtype";

/// An int from little-endian two's complement bytes, as LONG1 and LONG4 store it.
fn long_from_le(bytes: &[u8]) -> Result<i64, Vec<u8>> {
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let fill = if negative { 0xff } else { 0 };
    let mut buf = [fill; 8];
    for (i, b) in bytes.iter().enumerate() {
        match buf.get_mut(i) {
            Some(slot) => *slot = *b,
            None if *b == fill => {}
            None => return Err(bytes.to_vec()),
        }
    }
    let n = i64::from_le_bytes(buf);
    // Bytes dropped as sign filler must agree with the sign of what is kept.
    if (n < 0) == negative {
        Ok(n)
    } else {
        Err(bytes.to_vec())
    }
}

/// Flat items as (key, value) pairs; `None` for an odd count.
fn pairs(items: Vec<Value>) -> Option<Vec<(Value, Value)>> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut iter = items.into_iter();
    while let Some(key) = iter.next() {
        out.push((key, iter.next()?));
    }
    Some(out)
}

/// An optional sign and at least one decimal digit, as `int()` reads protocol 0's numbers.
fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The bytes of a STRING opcode's argument, with Python's backslash escapes decoded as
/// `codecs.escape_decode` does; an unknown escape keeps its backslash.
fn escape_decode(quoted: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(quoted.len());
    let mut rest = quoted;
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some((&e, tail)) = rest.split_first() else {
            out.push(b'\\');
            break;
        };
        rest = tail;
        let simple = match e {
            b'\n' => Some(None),
            b'\\' | b'\'' | b'"' => Some(Some(e)),
            b'a' => Some(Some(7)),
            b'b' => Some(Some(8)),
            b'f' => Some(Some(12)),
            b'n' => Some(Some(b'\n')),
            b'r' => Some(Some(b'\r')),
            b't' => Some(Some(b'\t')),
            b'v' => Some(Some(11)),
            _ => None,
        };
        if let Some(byte) = simple {
            out.extend(byte);
        } else if e == b'x' && rest.len() >= 2 && rest[..2].iter().all(u8::is_ascii_hexdigit) {
            let hex = std::str::from_utf8(&rest[..2]).unwrap_or("0");
            out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
            rest = &rest[2..];
        } else if (b'0'..=b'7').contains(&e) {
            let mut n = u32::from(e - b'0');
            for _ in 0..2 {
                match rest.split_first() {
                    Some((&d, tail)) if (b'0'..=b'7').contains(&d) => {
                        n = n * 8 + u32::from(d - b'0');
                        rest = tail;
                    }
                    _ => break,
                }
            }
            out.push((n & 0xff) as u8);
        } else {
            out.extend([b'\\', e]);
        }
    }
    out
}

/// A UNICODE opcode's argument: latin-1 bytes with `\uXXXX` and `\UXXXXXXXX` escapes, as
/// Python's `raw_unicode_escape` codec reads them; `None` for an escape that is no character.
fn raw_unicode_escape_decode(line: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while let Some(&b) = line.get(i) {
        let width = match (b, line.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            _ => 0,
        };
        if width == 0 {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let hex = line.get(i + 2..i + 2 + width)?;
        let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        out.push(char::from_u32(code)?);
        i += 2 + width;
    }
    Some(out)
}

fn latin1_decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn latin1_encode(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// Bytes as Python shows them, cut after 32: `b'\x00\x01ab'… (104 bytes)`.
fn bytes_text(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &b in bytes.iter().take(32) {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    if bytes.len() > 32 {
        out.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    out
}

/// A float as Python's `repr` shows it: `1e-06`, `0.5`, `nan`.
fn float_text(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    let text = format!("{x:?}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exponent),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

/// A str as Python's `repr` shows it, cut after 60 characters: `'coef_'`.
fn str_text(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars().take(60) {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => out.extend(['\\', c]),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    let count = text.chars().count();
    if count > 60 {
        out.push_str(&format!("… ({count} characters)"));
    }
    out
}

impl<'a> Machine<'a> {
    fn new(input: &'a [u8], mode: Mode, limits: Limits) -> Self {
        let here = Here {
            name: "PROTO",
            at: 0,
        };
        let budget = limits.memory_budget(input.len() as u64);
        let budget = usize::try_from(budget).unwrap_or(usize::MAX);
        Machine {
            input,
            pos: 0,
            here,
            objects: Vec::new(),
            listing: (mode == Mode::List).then(Vec::new),
            lenient: mode != Mode::Read,
            refused: None,
            joblib: false,
            used: 0,
            budget,
        }
    }

    /// Charges `bytes` of memory to the budget; past it, the pickle is refused as too large.
    fn charge(&mut self, bytes: usize) -> Result<(), SklearnProblem> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.budget {
            return Err(SklearnProblem::TooMuchMemory {
                limit: self.budget,
                offset: self.here.at,
            });
        }
        Ok(())
    }

    /// Pushes `value`, charging each new high-water entry of the stack (with its slack).
    fn push(&mut self, f: &mut Frame, value: Value) -> Result<(), SklearnProblem> {
        if f.stack.len() >= f.high {
            self.charge(HELD_VALUE)?;
            f.high += 1;
        }
        f.stack.push(value);
        Ok(())
    }

    /// Runs one pickle from `self.pos` to its STOP; returns its value and protocol.
    fn run(&mut self, nested: bool) -> Result<(Value, u8), SklearnProblem> {
        let start = self.pos;
        match self.input.get(start) {
            None if start == 0 => return Err(SklearnProblem::Empty),
            None => {
                return Err(SklearnProblem::Truncated {
                    opcode: "joblib array data",
                    offset: start,
                });
            }
            Some(&op::PROTO) => {}
            // Protocols 0 and 1 start with any opcode; only a scan for their globals runs them.
            Some(_) if start == 0 && self.lenient => {}
            Some(&byte) => return Err(SklearnProblem::NoProto { byte }),
        }
        let mut frame = Frame {
            stack: Vec::new(),
            high: 0,
            marks: Vec::new(),
            memo: Memo::default(),
            protocol: 0,
        };
        loop {
            let at = self.pos;
            let Some(&code) = self.input.get(at) else {
                return Err(SklearnProblem::MissingStop { offset: at });
            };
            let Some(name) = opcode_name(code) else {
                return Err(SklearnProblem::UnknownOpcode {
                    byte: code,
                    offset: at,
                });
            };
            self.pos += 1;
            self.here = Here { name, at };
            if let Some(value) = self.step(&mut frame, code, nested)? {
                return Ok((value, frame.protocol));
            }
        }
    }

    /// Lists the current opcode, without its argument yet.
    fn note(&mut self, f: &Frame, code: u8) -> Result<(), SklearnProblem> {
        let Here { name, at } = self.here;
        let level = f.marks.len();
        if self.listing.is_some() {
            self.charge(LISTED_OP)?;
        }
        if let Some(listing) = &mut self.listing {
            listing.push(Op {
                offset: at,
                code: Some(code),
                name,
                arg: String::new(),
                level,
            });
        }
        Ok(())
    }

    /// Sets the argument of the opcode just listed.
    fn arg(&mut self, text: impl FnOnce() -> String) {
        if let Some(op) = self.listing.as_mut().and_then(|l| l.last_mut()) {
            op.arg = text();
        }
    }

    // ---- input: every length is checked against what remains before it is used ----

    fn take(&mut self, n: usize) -> Result<&'a [u8], SklearnProblem> {
        let end = self.pos.checked_add(n);
        let bytes = end.and_then(|end| self.input.get(self.pos..end));
        let bytes = bytes.ok_or(self.here.truncated())?;
        self.pos += n;
        Ok(bytes)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], SklearnProblem> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| self.here.truncated())
    }

    fn byte(&mut self) -> Result<u8, SklearnProblem> {
        let [byte] = self.fixed()?;
        Ok(byte)
    }

    /// A little-endian length prefix of 1, 4 or 8 bytes.
    fn length(&mut self, width: usize) -> Result<usize, SklearnProblem> {
        let n = match width {
            1 => u64::from(self.byte()?),
            4 => u64::from(u32::from_le_bytes(self.fixed()?)),
            _ => u64::from_le_bytes(self.fixed()?),
        };
        // A claim past the address space is past the input too.
        usize::try_from(n).map_err(|_| self.here.truncated())
    }

    /// A signed 4-byte length (BINSTRING, LONG4), negative being malformed.
    fn signed_length(&mut self) -> Result<usize, SklearnProblem> {
        let n = i32::from_le_bytes(self.fixed()?);
        usize::try_from(n).map_err(|_| self.here.malformed("a non-negative length"))
    }

    fn line(&mut self) -> Result<&'a str, SklearnProblem> {
        let line = self.line_bytes()?;
        std::str::from_utf8(line).map_err(|_| self.here.malformed("a line of UTF-8 text"))
    }

    /// The bytes up to the next newline, which is consumed but not returned.
    fn line_bytes(&mut self) -> Result<&'a [u8], SklearnProblem> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(self.here.truncated())?;
        let line = self.take(n + 1)?;
        Ok(line.strip_suffix(b"\n").unwrap_or(line))
    }

    /// A memo index: a decimal line (PUT, GET), one byte, or four.
    fn memo_index(&mut self, width: usize) -> Result<u64, SklearnProblem> {
        match width {
            0 => self
                .line()?
                .parse()
                .map_err(|_| self.here.malformed("a memo index")),
            1 => Ok(u64::from(self.byte()?)),
            _ => Ok(u64::from(u32::from_le_bytes(self.fixed()?))),
        }
    }

    // ---- arena ----

    fn obj(&self, value: Value) -> Option<&Obj> {
        match value {
            Value::Obj(id) => self.objects.get(id.0).map(|slot| &slot.obj),
            _ => None,
        }
    }

    fn depth(&self, value: Value) -> usize {
        match value {
            Value::Obj(id) => self.objects.get(id.0).map_or(0, |slot| slot.depth),
            _ => 0,
        }
    }

    /// How deep a container holding `items` is.
    fn depth_of(&self, items: &[Value]) -> usize {
        items.iter().map(|v| self.depth(*v) + 1).max().unwrap_or(0)
    }

    fn alloc(&mut self, obj: Obj, depth: usize) -> Result<Value, SklearnProblem> {
        // The slot, twice for the arena's slack, and what the object owns on the heap.
        self.charge(2 * std::mem::size_of::<Slot>() + obj.heap_bytes())?;
        if depth > MAX_DEPTH {
            return Err(self.here.too_deep());
        }
        self.objects.push(Slot { obj, depth });
        Ok(Value::Obj(ObjId(self.objects.len() - 1)))
    }

    fn push_new(&mut self, f: &mut Frame, obj: Obj, depth: usize) -> Result<(), SklearnProblem> {
        let value = self.alloc(obj, depth)?;
        self.push(f, value)
    }

    /// APPEND(S), SETITEM(S), ADDITEMS (`code`): adds `items` to the list, dict or set `target`.
    fn extend(&mut self, code: u8, target: Value, items: Vec<Value>) -> Result<(), SklearnProblem> {
        let here = self.here;
        self.charge(HELD_VALUE * items.len())?;
        let depth = self.depth_of(&items);
        let wrong = here.malformed("a list, dict or set below its items");
        let Value::Obj(id) = target else {
            return Err(wrong);
        };
        let Some(slot) = self.objects.get_mut(id.0) else {
            return Err(wrong);
        };
        match (&mut slot.obj, code) {
            (Obj::List(list), op::APPEND | op::APPENDS) => list.extend(items),
            (Obj::Set(set), op::ADDITEMS) => set.extend(items),
            (Obj::Dict(dict), op::SETITEM | op::SETITEMS) => {
                dict.extend(pairs(items).ok_or(here.malformed("keys and values in pairs"))?);
            }
            (Obj::Opaque, _) => {}
            _ => return Err(wrong),
        }
        slot.depth = slot.depth.max(depth);
        if slot.depth > MAX_DEPTH {
            return Err(here.too_deep());
        }
        Ok(())
    }

    // ---- opcodes ----

    /// Executes one opcode; returns the pickle's value at STOP. The opcodes come in families,
    /// each executed by a method of its own. `run` has already stopped at any byte that is no
    /// opcode, and the families together name every opcode [`opcode_name`] knows, each once: so the
    /// `unreachable!` arms here and in the families are never reached.
    fn step(
        &mut self,
        f: &mut Frame,
        code: u8,
        nested: bool,
    ) -> Result<Option<Value>, SklearnProblem> {
        use op::*;
        self.note(f, code)?;
        match code {
            PROTO | FRAME | STOP | MARK | POP | POP_MARK | DUP => self.control(f, code),
            NONE | NEWTRUE | NEWFALSE | BININT | BININT1 | BININT2 | LONG1 | LONG4 | BINFLOAT
            | SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 | SHORT_BINBYTES | BINBYTES
            | BINBYTES8 | BYTEARRAY8 | SHORT_BINSTRING | BINSTRING => {
                self.scalar(f, code).map(|()| None)
            }
            EMPTY_LIST | EMPTY_TUPLE | EMPTY_DICT | EMPTY_SET | APPEND | SETITEM | APPENDS
            | SETITEMS | ADDITEMS | LIST | TUPLE | DICT | FROZENSET | TUPLE1 | TUPLE2 | TUPLE3 => {
                self.container(f, code).map(|()| None)
            }
            PUT | BINPUT | LONG_BINPUT | MEMOIZE | GET | BINGET | LONG_BINGET => {
                self.memo_op(f, code).map(|()| None)
            }
            GLOBAL | STACK_GLOBAL | REDUCE | NEWOBJ | NEWOBJ_EX | BUILD => {
                self.object(f, code, nested).map(|()| None)
            }
            INT | LONG | FLOAT | STRING | UNICODE => self.text(f, code).map(|()| None),
            INST | OBJ | PERSID | BINPERSID | EXT1 | EXT2 | EXT4 | NEXT_BUFFER
            | READONLY_BUFFER => self.outside(f, code).map(|()| None),
            _ => unreachable!("run stops at a byte that is no opcode"),
        }
    }

    /// The width of the length or index argument of `code`: 1, 4, 8 bytes, or 0 for a text line.
    fn width(code: u8) -> usize {
        use op::*;
        match code {
            SHORT_BINUNICODE | SHORT_BINBYTES | SHORT_BINSTRING | LONG1 | BINPUT | BINGET => 1,
            BINUNICODE | BINBYTES | BINSTRING | LONG4 | LONG_BINPUT | LONG_BINGET => 4,
            PUT | GET => 0,
            _ => 8,
        }
    }

    /// The protocol, framing and stack opcodes; STOP returns the pickle's value.
    fn control(&mut self, f: &mut Frame, code: u8) -> Result<Option<Value>, SklearnProblem> {
        use op::*;
        let h = self.here;
        match code {
            PROTO => {
                let v = self.byte()?;
                self.arg(|| v.to_string());
                // A scan reads protocols 0 and 1 too, to name what they call.
                let lowest = if self.lenient { 0 } else { 2 };
                if !(lowest..=5).contains(&v) {
                    return Err(SklearnProblem::Protocol { found: v });
                }
                f.protocol = v;
            }
            FRAME => {
                let n = self.length(8)?;
                self.arg(|| n.to_string());
                if n > self.input.len() - self.pos {
                    return Err(h.truncated());
                }
            }
            STOP => return f.pop(h).map(Some),
            MARK => {
                if f.marks.len() >= MAX_DEPTH {
                    return Err(h.too_deep());
                }
                f.marks.push((f.stack.len(), h.at));
            }
            POP if f.stack.len() > f.floor() => {
                f.stack.pop();
            }
            POP | POP_MARK => {
                self.arg(|| f.mark_text());
                f.pop_mark(h)?;
            }
            DUP => self.push(f, f.top(h)?)?,
            _ => unreachable!("step sends only control opcodes here"),
        }
        Ok(None)
    }

    /// The opcodes that push a number, a string or bytes.
    fn scalar(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
        use op::*;
        let h = self.here;
        let width = Self::width(code);
        match code {
            NONE => self.push(f, Value::None)?,
            NEWTRUE | NEWFALSE => self.push(f, Value::Bool(code == NEWTRUE))?,
            BININT | BININT1 | BININT2 => {
                let n = match code {
                    BININT => i64::from(i32::from_le_bytes(self.fixed()?)),
                    BININT1 => i64::from(self.byte()?),
                    _ => i64::from(u16::from_le_bytes(self.fixed()?)),
                };
                self.arg(|| n.to_string());
                self.push(f, Value::Int(n))?;
            }
            LONG1 | LONG4 => {
                let n = if code == LONG1 {
                    self.length(1)?
                } else {
                    self.signed_length()?
                };
                let value = match long_from_le(self.take(n)?) {
                    Ok(n) => {
                        self.arg(|| n.to_string());
                        Value::Int(n)
                    }
                    Err(big) => {
                        self.arg(|| format!("<{}-byte integer>", big.len()));
                        self.alloc(Obj::BigInt, 0)?
                    }
                };
                self.push(f, value)?;
            }
            BINFLOAT => {
                let x = f64::from_be_bytes(self.fixed()?);
                self.arg(|| float_text(x));
                self.push(f, Value::Float(x))?;
            }
            SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 => {
                let n = self.length(width)?;
                let text = String::from_utf8(self.take(n)?.to_vec())
                    .map_err(|_| h.malformed("valid UTF-8"))?;
                self.arg(|| str_text(&text));
                self.push_new(f, Obj::Str(text), 0)?;
            }
            SHORT_BINBYTES | BINBYTES | BINBYTES8 | BYTEARRAY8 => {
                let n = self.length(width)?;
                let bytes = self.take(n)?;
                self.arg(|| match code {
                    BYTEARRAY8 => format!("bytearray({})", bytes_text(bytes)),
                    _ => bytes_text(bytes),
                });
                self.push_new(f, Obj::Bytes(Rc::from(bytes)), 0)?;
            }
            SHORT_BINSTRING | BINSTRING => {
                let n = if code == BINSTRING {
                    self.signed_length()?
                } else {
                    self.length(1)?
                };
                let text = latin1_decode(self.take(n)?);
                self.arg(|| str_text(&text));
                self.push_new(f, Obj::Str(text), 0)?;
            }
            _ => unreachable!("step sends only scalar opcodes here"),
        }
        Ok(())
    }

    /// The text opcodes of protocol 0, which any protocol may use: a number or a string written
    /// out as Python's `repr` writes it, on a line of its own.
    fn text(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
        use op::*;
        let h = self.here;
        let line = self.line_bytes()?;
        self.arg(|| str_text(&latin1_decode(line)));
        let ascii = std::str::from_utf8(line).ok();
        match code {
            INT | LONG => {
                let digits = ascii.map(|t| {
                    if code == LONG {
                        t.strip_suffix('L').unwrap_or(t)
                    } else {
                        t
                    }
                });
                let value = match digits {
                    // How protocol 0 writes True and False.
                    Some("00") if code == INT => Value::Bool(false),
                    Some("01") if code == INT => Value::Bool(true),
                    Some(t) if is_decimal(t) => match t.parse::<i64>() {
                        Ok(n) => Value::Int(n),
                        Err(_) => self.alloc(Obj::BigInt, 0)?,
                    },
                    _ => return Err(h.malformed("a decimal integer")),
                };
                self.push(f, value)?;
            }
            FLOAT => {
                let x = ascii.and_then(|t| t.parse::<f64>().ok());
                self.push(f, Value::Float(x.ok_or(h.malformed("a decimal number"))?))?;
            }
            STRING => {
                let quoted = match line {
                    [q, inside @ .., last] if q == last && (*q == b'\'' || *q == b'"') => inside,
                    _ => return Err(h.malformed("a quoted string")),
                };
                let text = latin1_decode(&escape_decode(quoted));
                self.push_new(f, Obj::Str(text), 0)?;
            }
            _ => {
                let text = raw_unicode_escape_decode(line)
                    .ok_or(h.malformed("raw-unicode-escape text"))?;
                self.push_new(f, Obj::Str(text), 0)?;
            }
        }
        Ok(())
    }

    /// The opcodes that build or fill a list, a tuple, a dict or a set.
    fn container(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
        use op::*;
        let h = self.here;
        match code {
            EMPTY_LIST => self.push_new(f, Obj::List(Vec::new()), 0)?,
            EMPTY_TUPLE => self.push_new(f, Obj::Tuple(Vec::new()), 0)?,
            EMPTY_DICT => self.push_new(f, Obj::Dict(Vec::new()), 0)?,
            EMPTY_SET => self.push_new(f, Obj::Set(Vec::new()), 0)?,
            APPEND => {
                let value = f.pop(h)?;
                self.extend(code, f.top(h)?, vec![value])?;
            }
            SETITEM => {
                let value = f.pop(h)?;
                let key = f.pop(h)?;
                self.extend(code, f.top(h)?, vec![key, value])?;
            }
            APPENDS | SETITEMS | ADDITEMS => {
                self.arg(|| f.mark_text());
                let items = f.pop_mark(h)?;
                self.extend(code, f.top(h)?, items)?;
            }
            LIST | TUPLE | DICT | FROZENSET => {
                self.arg(|| f.mark_text());
                let items = f.pop_mark(h)?;
                let depth = self.depth_of(&items);
                let obj = match code {
                    LIST => Obj::List(items),
                    TUPLE => Obj::Tuple(items),
                    FROZENSET => Obj::Set(items),
                    _ => Obj::Dict(pairs(items).ok_or(h.malformed("keys and values in pairs"))?),
                };
                self.push_new(f, obj, depth)?;
            }
            TUPLE1 | TUPLE2 | TUPLE3 => {
                let mut items = Vec::new();
                for _ in TUPLE1..=code {
                    items.push(f.pop(h)?);
                }
                items.reverse();
                let depth = self.depth_of(&items);
                self.push_new(f, Obj::Tuple(items), depth)?;
            }
            _ => unreachable!("step sends only container opcodes here"),
        }
        Ok(())
    }

    /// The opcodes that store a value in the memo and fetch it back.
    fn memo_op(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
        use op::*;
        let h = self.here;
        let width = Self::width(code);
        match code {
            PUT | BINPUT | LONG_BINPUT | MEMOIZE => {
                let index = match code {
                    MEMOIZE => f.memo.len,
                    _ => self.memo_index(width)?,
                };
                self.arg(|| match code {
                    MEMOIZE => format!("(as {index})"),
                    _ => index.to_string(),
                });
                self.charge(f.memo.cost(index))?;
                f.memo.insert(index, f.top(h)?);
            }
            GET | BINGET | LONG_BINGET => {
                let index = self.memo_index(width)?;
                self.arg(|| index.to_string());
                let value = f.memo.get(index);
                let value = value.ok_or(SklearnProblem::MissingMemo {
                    index,
                    offset: h.at,
                })?;
                self.push(f, value)?;
            }
            _ => unreachable!("step sends only memo opcodes here"),
        }
        Ok(())
    }

    /// The opcodes that name a global and call it: checked against the allowlist, never run.
    fn object(&mut self, f: &mut Frame, code: u8, nested: bool) -> Result<(), SklearnProblem> {
        use op::*;
        let h = self.here;
        match code {
            GLOBAL => {
                let (module, name) = (self.line()?, self.line()?);
                self.arg(|| format!("'{module} {name}'"));
                let value = self.global(module, name, f.protocol)?;
                self.push(f, value)?;
            }
            STACK_GLOBAL => {
                let (name, module) = (f.pop(h)?, f.pop(h)?);
                let (Some(Obj::Str(module)), Some(Obj::Str(name))) =
                    (self.obj(module), self.obj(name))
                else {
                    return Err(h.malformed("a module and a name, both str"));
                };
                let (module, name) = (module.clone(), name.clone());
                self.arg(|| format!("'{module} {name}'"));
                let value = self.global(&module, &name, f.protocol)?;
                self.push(f, value)?;
            }
            REDUCE => {
                let args = f.pop(h)?;
                let value = self.call(f.top(h)?, args, None, Call::Reduce)?;
                f.set_top(value);
            }
            NEWOBJ | NEWOBJ_EX => {
                let kwargs = if code == NEWOBJ_EX {
                    Some(f.pop(h)?)
                } else {
                    None
                };
                let args = f.pop(h)?;
                let class = f.pop(h)?;
                let value = self.call(class, args, kwargs, Call::NewObj)?;
                self.push(f, value)?;
            }
            BUILD => {
                let state = f.pop(h)?;
                if let Some(value) = self.build(f.top(h)?, state, nested)? {
                    f.set_top(value);
                }
            }
            _ => unreachable!("step sends only global and call opcodes here"),
        }
        Ok(())
    }

    /// The opcodes the machine never executes; a listing shows them and goes on.
    fn outside(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
        use op::*;
        let h = self.here;
        match code {
            INST | OBJ => {
                if code == INST {
                    let (module, name) = (self.line()?, self.line()?);
                    self.arg(|| format!("'{module} {name}' {}", f.mark_text()));
                    self.global(module, name, f.protocol)?;
                } else {
                    self.arg(|| f.mark_text());
                }
                self.unsupported("protocol 0 and 1 instances are not read")?;
                f.pop_mark(h)?;
                self.push_new(f, Obj::Opaque, 0)?;
            }
            PERSID | BINPERSID => {
                if code == PERSID {
                    let id = self.line()?;
                    self.arg(|| str_text(id));
                } else {
                    f.pop(h)?;
                }
                self.unsupported("persistent IDs refer to objects outside the file")?;
                self.push_new(f, Obj::Opaque, 0)?;
            }
            EXT1 | EXT2 | EXT4 => {
                let n = match code {
                    EXT1 => u32::from(self.byte()?),
                    EXT2 => u32::from(u16::from_le_bytes(self.fixed()?)),
                    _ => u32::from_le_bytes(self.fixed()?),
                };
                self.arg(|| n.to_string());
                self.unsupported("extension codes name globals outside the file")?;
                self.push_new(f, Obj::Opaque, 0)?;
            }
            NEXT_BUFFER => {
                self.unsupported("out-of-band buffers are not in the file")?;
                self.push_new(f, Obj::Opaque, 0)?;
            }
            READONLY_BUFFER => self.unsupported("out-of-band buffers are not in the file")?,
            _ => unreachable!("step sends only the opcodes it does not execute here"),
        }
        Ok(())
    }

    /// The error for an opcode the machine does not execute; a listing goes on past it.
    fn unsupported(&self, reason: &'static str) -> Result<(), SklearnProblem> {
        let Here {
            name: opcode,
            at: offset,
        } = self.here;
        match self.lenient {
            true => Ok(()),
            false => Err(SklearnProblem::UnsupportedOpcode {
                opcode,
                offset,
                reason,
            }),
        }
    }

    /// GLOBAL and STACK_GLOBAL: an allowed global, or the refusal (a placeholder in a listing).
    fn global(&mut self, module: &str, name: &str, protocol: u8) -> Result<Value, SklearnProblem> {
        let role = match resolve(module, name, protocol) {
            Ok(role) => role,
            Err(refusal) if self.lenient => {
                let named = python_name(module) && python_name(name);
                // joblib's old wrappers only say the arrays are elsewhere: a later global is
                // what a file that has one would call.
                if named && !matches!(refusal, SklearnProblem::OldJoblib { .. }) {
                    self.refused.get_or_insert(refusal);
                }
                Role::Refused
            }
            Err(refusal) => return Err(refusal),
        };
        let (module, name) = (module.to_string(), name.to_string());
        self.alloc(Obj::Global(Rc::new(Global { module, name, role })), 0)
    }

    /// REDUCE and NEWOBJ: builds the inert value an allowed global stands for.
    fn call(
        &mut self,
        callable: Value,
        args: Value,
        kwargs: Option<Value>,
        how: Call,
    ) -> Result<Value, SklearnProblem> {
        let global = match self.obj(callable) {
            Some(Obj::Global(global)) => global.clone(),
            Some(Obj::Opaque) => return self.alloc(Obj::Opaque, 0),
            _ => return Err(self.here.malformed("a class or function to call")),
        };
        match self.apply(&global, args, kwargs, how) {
            Ok(obj) => self.alloc(obj, 0),
            Err(_) if self.lenient => self.alloc(Obj::Opaque, 0),
            Err(refusal) => Err(refusal),
        }
    }

    /// What calling `global` would build, if its arguments have the shape it takes.
    fn apply(
        &self,
        global: &Rc<Global>,
        args: Value,
        kwargs: Option<Value>,
        how: Call,
    ) -> Result<Obj, SklearnProblem> {
        let bad = || bad_args(global);
        let Some(Obj::Tuple(args)) = self.obj(args) else {
            return Err(bad());
        };
        let no_kwargs = match kwargs.map(|k| self.obj(k)) {
            None => true,
            Some(Some(Obj::Dict(items))) => items.is_empty(),
            Some(_) => false,
        };
        if !no_kwargs {
            return Err(bad());
        }
        let obj = match (global.role, how, args.as_slice()) {
            // A loss part is built from the numbers it is given (a Tweedie power), never called.
            (Role::LossPart, _, _) => Obj::Instance(Instance {
                class: global.clone(),
                state: None,
            }),
            (Role::Estimator(_) | Role::Wrapper | Role::ArrayWrapper, _, []) => {
                Obj::Instance(Instance {
                    class: global.clone(),
                    state: None,
                })
            }
            (Role::Reconstructor, Call::Reduce, [class, base, Value::None]) => {
                match (self.obj(*class), self.obj(*base)) {
                    (Some(Obj::Global(class)), Some(Obj::Global(base)))
                        if matches!(
                            class.role,
                            Role::Estimator(_)
                                | Role::Wrapper
                                | Role::LossPart
                                | Role::ArrayWrapper
                        ) && base.role == Role::Object =>
                    {
                        Obj::Instance(Instance {
                            class: class.clone(),
                            state: None,
                        })
                    }
                    _ => return Err(bad()),
                }
            }
            (Role::Reconstruct, Call::Reduce, [class, shape, code]) => {
                // numpy always writes `_reconstruct(ndarray, (0,), b'b')`; BUILD sets the rest.
                let class_ok =
                    matches!(self.obj(*class), Some(Obj::Global(g)) if g.role == Role::NdArray);
                let shape_ok = self.shape(*shape).as_deref() == Some(&[0]);
                let code_ok = self.raw_bytes(*code).as_deref() == Some(&b"b"[..]);
                if !(class_ok && shape_ok && code_ok) {
                    return Err(bad());
                }
                Obj::Pending(global.clone())
            }
            (Role::Dtype, Call::Reduce, [typestr, align, copy]) => match self.obj(*typestr) {
                Some(Obj::Str(typestr)) if flag(*align).is_some() && flag(*copy).is_some() => {
                    Obj::Dtype(Dtype::from_typestr(typestr).ok_or_else(bad)?)
                }
                _ => return Err(bad()),
            },
            (Role::Scalar, Call::Reduce, [dtype, data]) => {
                match (self.obj(*dtype), self.raw_bytes(*data)) {
                    (Some(Obj::Dtype(dtype)), Some(bytes)) if dtype.kind != Kind::Object => {
                        Obj::Array(Box::new(self.array(global, *dtype, Vec::new(), bytes)?))
                    }
                    _ => return Err(bad()),
                }
            }
            (Role::FromBuffer, Call::Reduce, [buffer, dtype, shape, order]) => {
                let fortran_order = match self.obj(*order) {
                    Some(Obj::Str(o)) if o == "C" || o == "F" => o == "F",
                    _ => return Err(bad()),
                };
                match (self.obj(*buffer), self.obj(*dtype), self.shape(*shape)) {
                    (Some(Obj::Bytes(bytes)), Some(Obj::Dtype(dtype)), Some(shape))
                        if dtype.kind != Kind::Object =>
                    {
                        let array = self.array(global, *dtype, shape, bytes.clone())?;
                        Obj::Array(Box::new(NdArray {
                            fortran_order,
                            ..array
                        }))
                    }
                    _ => return Err(bad()),
                }
            }
            (Role::CodecsEncode, Call::Reduce, [text, encoding]) => {
                match (self.obj(*text), self.obj(*encoding)) {
                    (Some(Obj::Str(text)), Some(Obj::Str(encoding)))
                        if encoding == "latin1" || encoding == "latin-1" =>
                    {
                        Obj::Bytes(Rc::from(latin1_encode(text).ok_or_else(bad)?))
                    }
                    _ => return Err(bad()),
                }
            }
            _ => return Err(bad()),
        };
        Ok(obj)
    }

    /// An array over raw bytes, which must be exactly what the shape and dtype need.
    fn array(
        &self,
        global: &Global,
        dtype: Dtype,
        shape: Vec<usize>,
        bytes: Rc<[u8]>,
    ) -> Result<NdArray, SklearnProblem> {
        let expected = super::numpy::byte_size(dtype, &shape);
        let found = bytes.len();
        NdArray::from_bytes(dtype, shape, bytes).ok_or_else(|| SklearnProblem::ArraySize {
            global: global.to_string(),
            expected,
            found,
        })
    }

    /// A tuple of non-negative ints, as a shape.
    fn shape(&self, value: Value) -> Option<Vec<usize>> {
        let Some(Obj::Tuple(items)) = self.obj(value) else {
            return None;
        };
        let dim = |v: &Value| match v {
            Value::Int(n) => usize::try_from(*n).ok(),
            _ => None,
        };
        items.iter().map(dim).collect()
    }

    /// bytes, or a str of code points below 256 (a Python 2 str loaded as latin-1).
    fn raw_bytes(&self, value: Value) -> Option<Rc<[u8]>> {
        match self.obj(value) {
            Some(Obj::Bytes(bytes)) => Some(Rc::clone(bytes)),
            Some(Obj::Str(text)) => latin1_encode(text).map(Rc::from),
            _ => None,
        }
    }

    /// BUILD: sets the state of an estimator, array or dtype; reads a joblib wrapper's array.
    /// Returns the value that replaces the target on the stack, if any.
    fn build(
        &mut self,
        target: Value,
        state: Value,
        nested: bool,
    ) -> Result<Option<Value>, SklearnProblem> {
        let Value::Obj(id) = target else {
            return Err(self.here.malformed("an object to set the state of"));
        };
        let result = match self.obj(target) {
            Some(Obj::Instance(instance)) => {
                let class = instance.class.clone();
                let fresh = instance.state.is_none();
                match (class.role, self.obj(state)) {
                    (Role::ArrayWrapper, _) if !nested => {
                        return self.unwrap_array(&class, state).map(Some);
                    }
                    (Role::LossPart, _) if fresh => Ok(Obj::Instance(Instance {
                        class,
                        state: Some(state),
                    })),
                    (Role::Estimator(_) | Role::Wrapper, Some(Obj::Dict(_))) if fresh => {
                        Ok(Obj::Instance(Instance {
                            class,
                            state: Some(state),
                        }))
                    }
                    _ => Err(bad_args(&class)),
                }
            }
            Some(Obj::Pending(global)) => self
                .array_state(global, state)
                .map(|array| Obj::Array(Box::new(array))),
            Some(Obj::Dtype(dtype)) => self.dtype_state(*dtype, state).map(Obj::Dtype),
            Some(Obj::Opaque) => return Ok(None),
            Some(Obj::Global(g)) if g.role == Role::Refused => return Ok(None),
            _ => {
                return Err(self
                    .here
                    .malformed("an estimator, array or dtype to set the state of"));
            }
        };
        let obj = match result {
            Ok(obj) => obj,
            Err(_) if self.lenient => return Ok(None),
            Err(refusal) => return Err(refusal),
        };
        // An array whose data was encoded from a str owns it: charged like a new object.
        self.charge(obj.heap_bytes())?;
        let depth = self.depth(state) + 1;
        if let Some(slot) = self.objects.get_mut(id.0) {
            slot.obj = obj;
            slot.depth = slot.depth.max(depth);
        }
        if depth > MAX_DEPTH {
            return Err(self.here.too_deep());
        }
        Ok(None)
    }

    /// ndarray.__setstate__: `(version, shape, dtype, is_fortran, rawdata)`, version optional.
    fn array_state(&self, global: &Global, state: Value) -> Result<NdArray, SklearnProblem> {
        let bad = || bad_args(global);
        let Some(Obj::Tuple(items)) = self.obj(state) else {
            return Err(bad());
        };
        let (shape, dtype, fortran, raw) = match items.as_slice() {
            [Value::Int(1), shape, dtype, fortran, raw] | [shape, dtype, fortran, raw] => {
                (shape, dtype, fortran, raw)
            }
            _ => return Err(bad()),
        };
        let shape = self.shape(*shape).ok_or_else(bad)?;
        let Some(Obj::Dtype(dtype)) = self.obj(*dtype) else {
            return Err(bad());
        };
        let fortran_order = flag(*fortran).ok_or_else(bad)?;
        if dtype.kind != Kind::Object {
            let bytes = self.raw_bytes(*raw).ok_or_else(bad)?;
            let array = self.array(global, *dtype, shape, bytes)?;
            return Ok(NdArray {
                fortran_order,
                ..array
            });
        }
        let Some(Obj::List(items)) = self.obj(*raw) else {
            return Err(bad());
        };
        let text = |v: &Value| match self.obj(*v) {
            Some(Obj::Str(s)) => Some(s.clone()),
            _ => None,
        };
        let items = items.iter().map(text).collect();
        NdArray::from_objects(*dtype, shape, items).ok_or_else(bad)
    }

    /// dtype.__setstate__: `(3, byteorder, subarray, names, fields, elsize, alignment, flags)`,
    /// or version 4 with metadata; only simple (unstructured) dtypes.
    fn dtype_state(&self, dtype: Dtype, state: Value) -> Result<Dtype, SklearnProblem> {
        let bad = || SklearnProblem::BadArguments {
            global: DTYPE.to_string(),
        };
        let Some(Obj::Tuple(items)) = self.obj(state) else {
            return Err(bad());
        };
        use Value::{Int, None as N};
        let (order, elsize) = match items.as_slice() {
            [Int(3), order, N, N, N, Int(elsize), Int(_), Int(_)]
            | [Int(4), order, N, N, N, Int(elsize), Int(_), Int(_), _] => (order, *elsize),
            _ => return Err(bad()),
        };
        let order = match self.obj(*order).map(|o| match o {
            Obj::Str(c) if c.chars().count() == 1 => {
                c.chars().next().and_then(ByteOrder::from_char)
            }
            _ => None,
        }) {
            Some(Some(order)) => order,
            _ => return Err(bad()),
        };
        if elsize != -1 && usize::try_from(elsize).ok() != Some(dtype.itemsize) {
            return Err(bad());
        }
        Ok(Dtype { order, ..dtype })
    }

    /// BUILD on a joblib `NumpyArrayWrapper`: reads the array written right after it.
    fn unwrap_array(&mut self, class: &Global, state: Value) -> Result<Value, SklearnProblem> {
        let wrapper = match self.wrapper_state(state) {
            Some(wrapper) => wrapper,
            None if self.lenient => return self.alloc(Obj::Opaque, 0),
            None => return Err(bad_args(class)),
        };
        self.joblib = true;
        let start = self.pos;
        if wrapper.dtype.kind == Kind::Object {
            // joblib pickles object arrays as a whole nested pickle, with its own memo.
            let here = self.here;
            let (value, _) = self.run(true)?;
            self.here = here;
            return match self.obj(value) {
                Some(Obj::Array(array))
                    if array.dtype.kind == Kind::Object && array.shape == wrapper.shape =>
                {
                    Ok(value)
                }
                _ if self.lenient => Ok(value),
                _ => Err(bad_args(class)),
            };
        }
        let (data, end) = joblib::array_data(&wrapper, self.input, start)?;
        let (size, len) = (end - start, data.len());
        let array = self.array(class, wrapper.dtype, wrapper.shape, Rc::from(data))?;
        let array = NdArray {
            fortran_order: wrapper.fortran_order,
            ..array
        };
        self.arg_line(start, || {
            let padding = if wrapper.aligned {
                format!("1 + {} padding bytes, then ", size.saturating_sub(len + 1))
            } else {
                String::new()
            };
            let shape = super::error::shape_text(&array.shape);
            format!("{padding}{len} bytes of {} {shape}", array.dtype)
        });
        self.pos = end;
        self.alloc(Obj::Array(Box::new(array)), 0)
    }

    /// Lists joblib's raw array data as one line of its own.
    fn arg_line(&mut self, offset: usize, text: impl FnOnce() -> String) {
        if let Some(listing) = &mut self.listing {
            let (name, arg) = ("(array data)", text());
            listing.push(Op {
                offset,
                code: None,
                name,
                arg,
                level: 0,
            });
        }
    }

    /// The wrapper's state dict: subclass, shape, order, dtype, allow_mmap and maybe alignment.
    fn wrapper_state(&self, state: Value) -> Option<Wrapper> {
        let Some(Obj::Dict(items)) = self.obj(state) else {
            return None;
        };
        let (mut shape, mut order, mut dtype, mut aligned) = (None, None, None, false);
        for (key, value) in items {
            let Some(Obj::Str(key)) = self.obj(*key) else {
                return None;
            };
            match (key.as_str(), self.obj(*value)) {
                ("subclass", Some(Obj::Global(g))) if g.role == Role::NdArray => {}
                ("shape", _) => shape = Some(self.shape(*value)?),
                ("order", Some(Obj::Str(o))) if o == "C" || o == "F" => order = Some(o == "F"),
                ("dtype", Some(Obj::Dtype(d))) => dtype = Some(*d),
                ("allow_mmap", _) => {
                    flag(*value)?;
                }
                ("numpy_array_alignment_bytes", _) => match value {
                    Value::Int(_) => aligned = true,
                    Value::None => {}
                    _ => return None,
                },
                _ => return None,
            }
        }
        Some(Wrapper {
            shape: shape?,
            dtype: dtype?,
            fortran_order: order?,
            aligned,
        })
    }
}

/// A bool, or the ints 0 and 1 older numpy writes for one.
fn flag(value: Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(b),
        Value::Int(0) => Some(false),
        Value::Int(1) => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_integers_decode_as_python_does() {
        assert_eq!(long_from_le(&[]), Ok(0));
        assert_eq!(long_from_le(&[0xff]), Ok(-1));
        assert_eq!(long_from_le(&[0x00, 0x80]), Ok(-32768));
        assert_eq!(long_from_le(&[0xff, 0x00]), Ok(255));
        let max = i64::MAX.to_le_bytes();
        assert_eq!(long_from_le(&[&max[..], &[0]].concat()), Ok(i64::MAX));
        assert_eq!(
            long_from_le(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0]),
            Err(vec![0, 0, 0, 0, 0, 0, 0, 0x80, 0])
        );
        assert!(long_from_le(&[1; 9]).is_err());
    }

    #[test]
    fn floats_print_as_python_prints_them() {
        let texts: Vec<String> = [1e-6, 0.5, 1e16, -2.5e-300, 1e15, f64::NAN, f64::INFINITY]
            .into_iter()
            .map(float_text)
            .collect();
        let python = [
            "1e-06",
            "0.5",
            "1e+16",
            "-2.5e-300",
            "1000000000000000.0",
            "nan",
            "inf",
        ];
        assert_eq!(texts, python);
    }

    #[test]
    fn the_allowlist_maps_python_2_names_only_below_protocol_3() {
        assert_eq!(
            resolve("copy_reg", "_reconstructor", 2).ok(),
            Some(Role::Reconstructor)
        );
        assert!(matches!(
            resolve("copy_reg", "_reconstructor", 3),
            Err(SklearnProblem::Refused { .. })
        ));
        assert_eq!(resolve("__builtin__", "object", 2).ok(), Some(Role::Object));
        assert!(matches!(
            resolve("numpy", "load", 4),
            Err(SklearnProblem::Refused { .. })
        ));
        assert!(matches!(
            resolve("sklearn.svm._classes", "SVR", 4),
            Err(SklearnProblem::Unsupported { .. })
        ));
        assert!(matches!(
            resolve("scipy.sparse._coo", "coo_matrix", 4),
            Err(SklearnProblem::Sparse { .. })
        ));
    }
}
