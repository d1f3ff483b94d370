//! The pickle machine: reads pickles of protocols 2 to 5 without running anything, and scans
//! those of protocols 0 and 1 far enough to name what they call.
//!
//! Python's `pickle.load` is a small stack machine whose GLOBAL and REDUCE opcodes import and
//! call whatever the file names: `posix.system` as readily as `numpy.dtype`. This one is written
//! by hand because no crate does what a model file needs: read the opcodes without calling
//! anything *and* understand numpy and joblib. serde-pickle resolves only a few builtin globals
//! and has no numpy arrays; candle's reader handles protocol 2 and PyTorch tensors only.
//!
//! Here GLOBAL and STACK_GLOBAL only produce a [`Global`](globals::Global) when `module.name` is on
//! the allowlist ([`resolve`](globals::resolve)) and stop with [`SklearnProblem::Refused`] otherwise. REDUCE, NEWOBJ and BUILD on an
//! allowed global never call it: they check that the arguments have the shape that global takes
//! and build an inert value at once, a numpy [`Dtype`](super::npy::Dtype) or [`NdArray`], or an [`Instance`] holding
//! the estimator's state. When BUILD completes a joblib `NumpyArrayWrapper`, the machine reads the
//! array bytes that joblib wrote into the stream right after it and goes on behind them.

mod globals;
mod listing;
mod machine;
mod opcodes;

use std::collections::HashMap;

use super::Limits;
use super::error::SklearnProblem;
use super::estimator::{self, Attr, Container, PythonModel};
use super::joblib::Compressor;
use super::npy::NdArray;
use globals::{Instance, Role};
pub use listing::Op;
use listing::{Listing, Quiet};
use machine::{Machine, Obj, Value};

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
                inside: self.estimator_inside(self.root),
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
            return Err(SklearnProblem::NotAnEstimator {
                found,
                inside: None,
            });
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
    /// The class of the first estimator among the items of a list, a tuple, a set or a dict's
    /// values: what a file that bundles a model with something else holds.
    fn estimator_inside(&self, value: Value) -> Option<String> {
        let items: Vec<Value> = match self.machine.obj(value)? {
            Obj::List(items) | Obj::Tuple(items) | Obj::Set(items) => items.clone(),
            Obj::Dict(pairs) => pairs.iter().map(|(_, v)| *v).collect(),
            _ => return None,
        };
        items
            .into_iter()
            .find_map(|item| match self.machine.obj(item) {
                Some(Obj::Instance(instance))
                    if matches!(instance.class.role, Role::Estimator(_) | Role::Wrapper) =>
                {
                    Some(instance.class.name.clone())
                }
                _ => None,
            })
    }

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
    let mut machine = Machine::new(bytes, false, limits, Quiet);
    let (root, protocol) = match machine.run(false) {
        Ok(done) => done,
        Err(
            problem @ (SklearnProblem::NoProto { .. }
            | SklearnProblem::Protocol { found: 0 | 1 }
            | SklearnProblem::OldJoblib { .. }),
        ) => return Err(scan(bytes, limits).refused.unwrap_or(problem)),
        Err(problem) => return Err(problem),
    };
    if matches!(bytes.get(machine.pos..machine.pos + 2), Some([0x80, 2..=5])) {
        // PROTO of a protocol pickle writes, again: `pickle.dump` called twice on one file.
        return Err(SklearnProblem::SecondPickle {
            offset: machine.pos,
        });
    }
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
    let mut machine = Machine::new(bytes, true, limits, Quiet);
    let complete = machine.run(false).is_ok() && machine.pos == bytes.len();
    Scanned {
        refused: machine.refused,
        complete,
    }
}

/// Lists the opcodes of a pickle without building anything from them, like `pickletools.dis`.
///
/// A hostile file is listed, not refused: refused globals and unsupported opcodes only leave an
/// inert placeholder on the stack. Joblib's array data after a wrapper's BUILD is listed as one
/// line. Malformed or truncated input still stops with an error.
pub(crate) fn disassemble(bytes: &[u8], limits: Limits) -> Result<Vec<Op>, SklearnProblem> {
    let mut machine = Machine::new(bytes, true, limits, Listing::default());
    machine.run(false)?;
    Ok(machine.observer.ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use globals::*;
    use listing::*;
    use opcodes::*;

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
