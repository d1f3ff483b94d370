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
use super::super::npy::{Dtype, NdArray};
use super::globals::{Global, Instance};
use super::listing::{Observer, Op, Quiet, bytes_text, float_text, str_text};


/// The deepest nesting of MARKs, and of containers inside containers, the machine accepts.
pub(super) const MAX_DEPTH: usize = 1000;
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

/// An int from little-endian two's complement bytes, as LONG1 and LONG4 store it.
pub(super) fn long_from_le(bytes: &[u8]) -> Result<i64, Vec<u8>> {
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
pub(super) fn pairs(items: Vec<Value>) -> Option<Vec<(Value, Value)>> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut iter = items.into_iter();
    while let Some(key) = iter.next() {
        out.push((key, iter.next()?));
    }
    Some(out)
}

/// An optional sign and at least one decimal digit, as `int()` reads protocol 0's numbers.
pub(super) fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The bytes of a STRING opcode's argument, with Python's backslash escapes decoded as
/// `codecs.escape_decode` does; an unknown escape keeps its backslash.
pub(super) fn escape_decode(quoted: &[u8]) -> Vec<u8> {
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
pub(super) fn raw_unicode_escape_decode(line: &[u8]) -> Option<String> {
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

pub(super) fn latin1_decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

pub(super) fn latin1_encode(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
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

    pub(super) fn push_new(&mut self, f: &mut Frame, obj: Obj, depth: usize) -> Result<(), SklearnProblem> {
        let value = self.alloc(obj, depth)?;
        self.push(f, value)
    }

    /// APPEND(S), SETITEM(S), ADDITEMS (`code`): adds `items` to the list, dict or set `target`.
    pub(super) fn extend(&mut self, code: u8, target: Value, items: Vec<Value>) -> Result<(), SklearnProblem> {
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
    pub(super) fn step(
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
    pub(super) fn width(code: u8) -> usize {
        use op::*;
        match code {
            SHORT_BINUNICODE | SHORT_BINBYTES | SHORT_BINSTRING | LONG1 | BINPUT | BINGET => 1,
            BINUNICODE | BINBYTES | BINSTRING | LONG4 | LONG_BINPUT | LONG_BINGET => 4,
            PUT | GET => 0,
            _ => 8,
        }
    }

    /// The protocol, framing and stack opcodes; STOP returns the pickle's value.
    pub(super) fn control(&mut self, f: &mut Frame, code: u8) -> Result<Option<Value>, SklearnProblem> {
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
    pub(super) fn scalar(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
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
    pub(super) fn text(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
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
    pub(super) fn container(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
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
    pub(super) fn memo_op(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
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
    pub(super) fn object(&mut self, f: &mut Frame, code: u8, nested: bool) -> Result<(), SklearnProblem> {
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
    pub(super) fn outside(&mut self, f: &mut Frame, code: u8) -> Result<(), SklearnProblem> {
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
    pub(super) fn unsupported(&self, reason: &'static str) -> Result<(), SklearnProblem> {
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

    /// Lists joblib's raw array data as one line of its own.
    pub(super) fn arg_line(&mut self, offset: usize, text: impl FnOnce() -> String) {
        if O::KEEPS {
            self.observer.opcode(offset, None, "(array data)", 0);
            self.observer.argument(text());
        }
    }
}
