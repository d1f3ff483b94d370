//! The pickle machine itself: the input, its opcodes, the stack, the memo and the arena of
//! objects. What an allowed global means is [`globals`](super::globals)'s; what a listing shows is
//! the [`Observer`]'s.
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
use std::rc::Rc;

use super::super::Limits;
use super::super::error::SklearnProblem;
pub(super) use super::super::limits::MAX_DEPTH;
use super::super::npy::{Dtype, NdArray};
use super::globals::{Global, Instance};
use super::listing::{Observer, Op, Quiet};
use super::opcodes::{op, opcode_name, pairs};

/// What a value held in a growing vector (the stack, a container, the memo) costs: itself,
/// and room for the vector's slack and the copy it makes when it grows.
pub(super) const HELD_VALUE: usize = 3 * std::mem::size_of::<Value>();
/// What one memo entry outside the run of slots 0, 1, 2... costs: the key, the value, and the
/// hash table's slack and copy.
pub(super) const SPARSE_MEMO_ENTRY: usize = 96;
/// What one listed opcode costs: the [`Op`] and its argument, cut to a few dozen characters.
pub(super) const LISTED_OP: usize = std::mem::size_of::<Op>() + 96;

/// A handle to an object in the machine's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ObjId(pub(super) usize);

/// A value on the stack, in the memo or inside a container: small values inline, others by handle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Value {
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
pub(super) enum Obj {
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
    pub(super) fn heap_bytes(&self) -> usize {
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

/// An object and how deeply containers nest inside it.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub(super) obj: Obj,
    pub(super) depth: usize,
}

/// The opcode being run and its offset: what every error of the machine names.
#[derive(Debug, Clone, Copy)]
pub(super) struct Here {
    pub(super) name: &'static str,
    pub(super) at: usize,
}

impl Here {
    pub(super) fn truncated(self) -> SklearnProblem {
        SklearnProblem::Truncated {
            opcode: self.name,
            offset: self.at,
        }
    }

    pub(super) fn malformed(self, expected: &'static str) -> SklearnProblem {
        SklearnProblem::Malformed {
            opcode: self.name,
            offset: self.at,
            expected,
        }
    }

    pub(super) fn too_deep(self) -> SklearnProblem {
        SklearnProblem::TooDeep {
            limit: MAX_DEPTH,
            offset: self.at,
        }
    }
}

/// The memo of one pickle. Picklers number its slots 0, 1, 2..., which a vector holds; a slot
/// out of that run goes to a map, so a file naming slot 4,000,000,000 costs one entry.
#[derive(Default)]
pub(super) struct Memo {
    pub(super) dense: Vec<Option<Value>>,
    pub(super) sparse: HashMap<u64, Value>,
    /// How many slots are filled: where MEMOIZE stores next, as Python's `len(memo)`.
    pub(super) len: u64,
}

impl Memo {
    /// What storing at `index` adds to the memory held.
    pub(super) fn cost(&self, index: u64) -> usize {
        match usize::try_from(index) {
            Ok(i) if i < self.dense.len() && self.dense[i].is_some() => 0,
            Ok(i) if i <= self.dense.len() => HELD_VALUE,
            _ if self.sparse.contains_key(&index) => 0,
            _ => SPARSE_MEMO_ENTRY,
        }
    }

    pub(super) fn insert(&mut self, index: u64, value: Value) {
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

    pub(super) fn get(&self, index: u64) -> Option<Value> {
        let dense = usize::try_from(index)
            .ok()
            .and_then(|i| self.dense.get(i).copied().flatten());
        dense.or_else(|| self.sparse.get(&index).copied())
    }
}

/// The stack, marks and memo of one pickle; a nested pickle (joblib object arrays) gets its own.
pub(super) struct Frame {
    pub(super) stack: Vec<Value>,
    /// The most entries the stack has held, each charged to the budget once.
    pub(super) high: usize,
    /// Stack length and offset of each open MARK.
    pub(super) marks: Vec<(usize, usize)>,
    pub(super) memo: Memo,
    pub(super) protocol: u8,
}

impl Frame {
    /// The stack length at the innermost MARK: nothing below it may be popped.
    pub(super) fn floor(&self) -> usize {
        self.marks.last().map_or(0, |m| m.0)
    }

    pub(super) fn pop(&mut self, here: Here) -> Result<Value, SklearnProblem> {
        if self.stack.len() <= self.floor() {
            return Err(here.malformed("a value on the stack"));
        }
        self.stack
            .pop()
            .ok_or(here.malformed("a value on the stack"))
    }

    pub(super) fn top(&self, here: Here) -> Result<Value, SklearnProblem> {
        match self.stack.last() {
            Some(value) if self.stack.len() > self.floor() => Ok(*value),
            _ => Err(here.malformed("a value on the stack")),
        }
    }

    pub(super) fn set_top(&mut self, value: Value) {
        if let Some(top) = self.stack.last_mut() {
            *top = value;
        }
    }

    /// Pops everything above the innermost MARK, and the MARK.
    pub(super) fn pop_mark(&mut self, here: Here) -> Result<Vec<Value>, SklearnProblem> {
        let (len, _) = self.marks.pop().ok_or(here.malformed("a MARK before it"))?;
        Ok(self.stack.split_off(len.min(self.stack.len())))
    }

    /// `(MARK at 66)`, as `pickletools` notes the MARK an opcode pops to.
    pub(super) fn mark_text(&self) -> String {
        self.marks
            .last()
            .map(|m| format!("(MARK at {})", m.1))
            .unwrap_or_default()
    }
}

/// How an allowed class or function is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    Reduce,
    NewObj,
}

/// The machine: the input, the arena of objects, and the observer it tells of each opcode.
pub(super) struct Machine<'a, O: Observer = Quiet> {
    pub(super) input: &'a [u8],
    pub(super) pos: usize,
    pub(super) here: Here,
    pub(super) objects: Vec<Slot>,
    pub(super) observer: O,
    /// Listing or scanning: refused globals and unsupported opcodes leave a placeholder.
    pub(super) lenient: bool,
    /// The refusal of the first global off the allowlist that a lenient run met.
    pub(super) refused: Option<SklearnProblem>,
    pub(super) joblib: bool,
    /// Bytes of memory charged so far, and the most that may be.
    pub(super) used: usize,
    pub(super) budget: usize,
}

impl<'a, O: Observer> Machine<'a, O> {
    /// A machine for `input`; a lenient one (a listing, a scan) leaves a placeholder for a
    /// refused global or an unsupported opcode and goes on.
    pub(super) fn new(input: &'a [u8], lenient: bool, limits: Limits, observer: O) -> Self {
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
            observer,
            lenient,
            refused: None,
            joblib: false,
            used: 0,
            budget,
        }
    }

    /// Charges `bytes` of memory to the budget; past it, the pickle is refused as too large.
    pub(super) fn charge(&mut self, bytes: usize) -> Result<(), SklearnProblem> {
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
    pub(super) fn push(&mut self, f: &mut Frame, value: Value) -> Result<(), SklearnProblem> {
        if f.stack.len() >= f.high {
            self.charge(HELD_VALUE)?;
            f.high += 1;
        }
        f.stack.push(value);
        Ok(())
    }

    /// Runs one pickle from `self.pos` to its STOP; returns its value and protocol.
    pub(super) fn run(&mut self, nested: bool) -> Result<(Value, u8), SklearnProblem> {
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
    pub(super) fn note(&mut self, f: &Frame, code: u8) -> Result<(), SklearnProblem> {
        let Here { name, at } = self.here;
        let level = f.marks.len();
        if O::KEEPS {
            self.charge(LISTED_OP)?;
        }
        self.observer.opcode(at, Some(code), name, level);
        Ok(())
    }

    /// Sets the argument of the opcode just listed.
    pub(super) fn arg(&mut self, text: impl FnOnce() -> String) {
        if O::KEEPS {
            self.observer.argument(text());
        }
    }

    // ---- input: every length is checked against what remains before it is used ----

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], SklearnProblem> {
        let end = self.pos.checked_add(n);
        let bytes = end.and_then(|end| self.input.get(self.pos..end));
        let bytes = bytes.ok_or(self.here.truncated())?;
        self.pos += n;
        Ok(bytes)
    }

    pub(super) fn fixed<const N: usize>(&mut self) -> Result<[u8; N], SklearnProblem> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| self.here.truncated())
    }

    pub(super) fn byte(&mut self) -> Result<u8, SklearnProblem> {
        let [byte] = self.fixed()?;
        Ok(byte)
    }

    /// A little-endian length prefix of 1, 4 or 8 bytes.
    pub(super) fn length(&mut self, width: usize) -> Result<usize, SklearnProblem> {
        let n = match width {
            1 => u64::from(self.byte()?),
            4 => u64::from(u32::from_le_bytes(self.fixed()?)),
            _ => u64::from_le_bytes(self.fixed()?),
        };
        // A claim past the address space is past the input too.
        usize::try_from(n).map_err(|_| self.here.truncated())
    }

    /// A signed 4-byte length (BINSTRING, LONG4), negative being malformed.
    pub(super) fn signed_length(&mut self) -> Result<usize, SklearnProblem> {
        let n = i32::from_le_bytes(self.fixed()?);
        usize::try_from(n).map_err(|_| self.here.malformed("a non-negative length"))
    }

    pub(super) fn line(&mut self) -> Result<&'a str, SklearnProblem> {
        let line = self.line_bytes()?;
        std::str::from_utf8(line).map_err(|_| self.here.malformed("a line of UTF-8 text"))
    }

    /// The bytes up to the next newline, which is consumed but not returned.
    pub(super) fn line_bytes(&mut self) -> Result<&'a [u8], SklearnProblem> {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(self.here.truncated())?;
        let line = self.take(n + 1)?;
        Ok(line.strip_suffix(b"\n").unwrap_or(line))
    }

    /// A memo index: a decimal line (PUT, GET), one byte, or four.
    pub(super) fn memo_index(&mut self, width: usize) -> Result<u64, SklearnProblem> {
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

    pub(super) fn obj(&self, value: Value) -> Option<&Obj> {
        match value {
            Value::Obj(id) => self.objects.get(id.0).map(|slot| &slot.obj),
            _ => None,
        }
    }

    pub(super) fn depth(&self, value: Value) -> usize {
        match value {
            Value::Obj(id) => self.objects.get(id.0).map_or(0, |slot| slot.depth),
            _ => 0,
        }
    }

    /// How deep a container holding `items` is.
    pub(super) fn depth_of(&self, items: &[Value]) -> usize {
        items.iter().map(|v| self.depth(*v) + 1).max().unwrap_or(0)
    }

    pub(super) fn alloc(&mut self, obj: Obj, depth: usize) -> Result<Value, SklearnProblem> {
        // The slot, twice for the arena's slack, and what the object owns on the heap.
        self.charge(2 * std::mem::size_of::<Slot>() + obj.heap_bytes())?;
        if depth > MAX_DEPTH {
            return Err(self.here.too_deep());
        }
        self.objects.push(Slot { obj, depth });
        Ok(Value::Obj(ObjId(self.objects.len() - 1)))
    }

    pub(super) fn push_new(
        &mut self,
        f: &mut Frame,
        obj: Obj,
        depth: usize,
    ) -> Result<(), SklearnProblem> {
        let value = self.alloc(obj, depth)?;
        self.push(f, value)
    }

    /// APPEND(S), SETITEM(S), ADDITEMS (`code`): adds `items` to the list, dict or set `target`.
    pub(super) fn extend(
        &mut self,
        code: u8,
        target: Value,
        items: Vec<Value>,
    ) -> Result<(), SklearnProblem> {
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

    /// Lists joblib's raw array data as one line of its own.
    pub(super) fn arg_line(&mut self, offset: usize, text: impl FnOnce() -> String) {
        if O::KEEPS {
            self.observer.opcode(offset, None, "(array data)", 0);
            self.observer.argument(text());
        }
    }
}
