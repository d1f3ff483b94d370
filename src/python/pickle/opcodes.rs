//! The opcodes: their table (the names `pickletools` gives them), and what the machine does for
//! each, by family: control, scalars, text, containers, the memo, objects, and the opcodes it
//! never executes. Every length an opcode reads is checked against what remains first.

use std::rc::Rc;

use super::super::error::SklearnProblem;
use super::listing::{Observer, bytes_text, float_text, str_text};
use super::machine::*;

/// Declares the opcode constants (module `op`) and [`opcode_name`] from one table.
macro_rules! opcodes {
    ($($name:ident = $code:expr),* $(,)?) => {
        pub(super) mod op {
            $(pub(in super::super) const $name: u8 = $code;)*
        }

        /// The name `pickletools` gives an opcode byte; `None` for a byte that is no opcode.
        pub(super) fn opcode_name(code: u8) -> Option<&'static str> {
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

impl<O: Observer> Machine<'_, O> {
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
    pub(super) fn control(
        &mut self,
        f: &mut Frame,
        code: u8,
    ) -> Result<Option<Value>, SklearnProblem> {
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
    pub(super) fn object(
        &mut self,
        f: &mut Frame,
        code: u8,
        nested: bool,
    ) -> Result<(), SklearnProblem> {
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
}
