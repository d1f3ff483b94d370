//! The listing of a pickle, as `pickletools.dis` prints it. The machine does not know it: it
//! tells an [`Observer`] of each opcode and its argument as it runs them, and only [`Listing`]
//! keeps what it is told, so reading a model pays nothing for the listing.

use std::fmt;

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

/// What the machine tells as it runs: each opcode, then its argument. A read or a scan tells no
/// one ([`Quiet`]); a [`Listing`] keeps the lines.
pub(super) trait Observer {
    /// Whether it keeps what it is told: only then does the machine render arguments and charge
    /// its memory budget for them.
    const KEEPS: bool;
    /// An opcode (`None` for joblib's raw array data) at `offset`, with `level` MARKs open.
    fn opcode(&mut self, offset: usize, code: Option<u8>, name: &'static str, level: usize);
    /// The argument of the opcode told last.
    fn argument(&mut self, text: String);
}

/// The observer of a read or a scan: it keeps nothing.
pub(super) struct Quiet;

impl Observer for Quiet {
    const KEEPS: bool = false;
    fn opcode(&mut self, _: usize, _: Option<u8>, _: &'static str, _: usize) {}
    fn argument(&mut self, _: String) {}
}

/// The observer of [`disassemble`](super::disassemble): the lines of the listing.
#[derive(Debug, Default)]
pub(super) struct Listing {
    pub(super) ops: Vec<Op>,
}

impl Observer for Listing {
    const KEEPS: bool = true;
    fn opcode(&mut self, offset: usize, code: Option<u8>, name: &'static str, level: usize) {
        let arg = String::new();
        self.ops.push(Op {
            offset,
            code,
            name,
            arg,
            level,
        });
    }
    fn argument(&mut self, text: String) {
        if let Some(op) = self.ops.last_mut() {
            op.arg = text;
        }
    }
}

/// Bytes as Python shows them, cut after 32: `b'\x00\x01ab'… (104 bytes)`.
pub(super) fn bytes_text(bytes: &[u8]) -> String {
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
pub(super) fn float_text(x: f64) -> String {
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
pub(super) fn str_text(text: &str) -> String {
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
