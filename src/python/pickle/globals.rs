//! What the globals a pickle names mean to the machine: the allowlist ([`resolve`]), and how
//! REDUCE, NEWOBJ and BUILD on an allowed global build an inert value (a numpy dtype or array, a
//! joblib wrapper's array, an estimator's [`Instance`]) instead of calling anything.

use std::fmt;
use std::rc::Rc;

use super::super::error::SklearnProblem;
use super::super::estimator::{self, Estimator};
use super::super::joblib::{self, Wrapper};
use super::super::npy::{ByteOrder, Dtype, Kind, NdArray};
use super::listing::Observer;
use super::machine::*;
use super::opcodes::latin1_encode;

/// A global the file names, with what the machine will do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Global {
    /// The module, as the file spells it.
    pub(super) module: String,
    /// The name inside the module.
    pub(super) name: String,
    /// What it is to the machine.
    pub(super) role: Role,
}

impl fmt::Display for Global {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.module, self.name)
    }
}

/// What an allowed global means; see [`resolve`] for the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
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
pub(super) struct Instance {
    /// Its class.
    pub(super) class: Rc<Global>,
    /// The state dict, once BUILD ran.
    pub(super) state: Option<Value>,
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
pub(super) fn resolve(module: &str, name: &str, protocol: u8) -> Result<Role, SklearnProblem> {
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

pub(super) fn bad_args(global: &Global) -> SklearnProblem {
    SklearnProblem::BadArguments {
        global: global.to_string(),
    }
}

/// The dtype's own global, named when its BUILD state does not fit.
pub(super) const DTYPE: &str = "numpy.dtype";

impl<O: Observer> Machine<'_, O> {
    /// GLOBAL and STACK_GLOBAL: an allowed global, or the refusal (a placeholder in a listing).
    pub(super) fn global(
        &mut self,
        module: &str,
        name: &str,
        protocol: u8,
    ) -> Result<Value, SklearnProblem> {
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
    pub(super) fn call(
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
    pub(super) fn apply(
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
    pub(super) fn array(
        &self,
        global: &Global,
        dtype: Dtype,
        shape: Vec<usize>,
        bytes: Rc<[u8]>,
    ) -> Result<NdArray, SklearnProblem> {
        let expected = super::super::npy::byte_size(dtype, &shape);
        let found = bytes.len();
        NdArray::from_bytes(dtype, shape, bytes).ok_or_else(|| SklearnProblem::ArraySize {
            global: global.to_string(),
            expected,
            found,
        })
    }

    /// A tuple of non-negative ints, as a shape.
    pub(super) fn shape(&self, value: Value) -> Option<Vec<usize>> {
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
    pub(super) fn raw_bytes(&self, value: Value) -> Option<Rc<[u8]>> {
        match self.obj(value) {
            Some(Obj::Bytes(bytes)) => Some(Rc::clone(bytes)),
            Some(Obj::Str(text)) => latin1_encode(text).map(Rc::from),
            _ => None,
        }
    }

    /// BUILD: sets the state of an estimator, array or dtype; reads a joblib wrapper's array.
    /// Returns the value that replaces the target on the stack, if any.
    pub(super) fn build(
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
    pub(super) fn array_state(
        &self,
        global: &Global,
        state: Value,
    ) -> Result<NdArray, SklearnProblem> {
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
    pub(super) fn dtype_state(&self, dtype: Dtype, state: Value) -> Result<Dtype, SklearnProblem> {
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
    pub(super) fn unwrap_array(
        &mut self,
        class: &Global,
        state: Value,
    ) -> Result<Value, SklearnProblem> {
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
            let shape = super::super::error::shape_text(&array.shape);
            format!("{padding}{len} bytes of {} {shape}", array.dtype)
        });
        self.pos = end;
        self.alloc(Obj::Array(Box::new(array)), 0)
    }

    /// The wrapper's state dict: subclass, shape, order, dtype, allow_mmap and maybe alignment.
    pub(super) fn wrapper_state(&self, state: Value) -> Option<Wrapper> {
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
pub(super) fn flag(value: Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(b),
        Value::Int(0) => Some(false),
        Value::Int(1) => Some(true),
        _ => None,
    }
}

/// Whether `text` is a dotted Python name: `posix`, `os.path`, `Foo.bar`.
pub(super) fn python_name(text: &str) -> bool {
    text.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}
