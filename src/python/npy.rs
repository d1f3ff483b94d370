//! numpy arrays, dtypes and scalars as pickles and `.npy` files store them.
//!
//! A pickle rebuilds an array in one of three ways, all ending here: `_reconstruct` followed by
//! BUILD with `(version, shape, dtype, is_fortran, rawdata)`, `_frombuffer(buffer, dtype, shape,
//! order)` (protocol 5), or `scalar(dtype, bytes)` for a numpy scalar such as `intercept_`. A skops
//! file stores arrays as `.npy` members, read by [`parse_npy`]. Every constructor checks that the
//! data holds exactly `shape product * itemsize` bytes, with overflow-checked arithmetic.

use std::fmt;
use std::rc::Rc;

use super::error::SklearnProblem;
use super::limits::MAX_NPY_HEADER;

/// The first bytes of every `.npy` file.
const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";

/// The byte order of a dtype, as the pickle's dtype state or the `.npy` descr gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteOrder {
    /// `<`; also `=` (native), as every machine scikit-learn runs on today is little-endian, and
    /// `|` (one-byte and object types), where order does not apply.
    Little,
    /// `>`.
    Big,
}

impl ByteOrder {
    /// The order for a numpy byte-order character.
    pub(crate) fn from_char(c: char) -> Option<Self> {
        match c {
            '<' | '=' | '|' => Some(Self::Little),
            '>' => Some(Self::Big),
            _ => None,
        }
    }
}

/// What the elements of an array are, from numpy's one-letter kind code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `f`: float16/32/64/128.
    Float,
    /// `i`: signed integers.
    Int,
    /// `u`: unsigned integers.
    UInt,
    /// `b`: bool.
    Bool,
    /// `c`: complex.
    Complex,
    /// `O`: Python objects (strings, for `feature_names_in_`).
    Object,
    /// `S`: fixed-length bytes.
    Bytes,
    /// `U`: fixed-length UTF-32 strings.
    Unicode,
    /// `V`, `M`, `m` and anything else: kept only to be named in a message.
    Other(char),
}

/// A numpy dtype: element kind, size in bytes, byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dtype {
    /// Element kind.
    pub(crate) kind: Kind,
    /// Bytes per element.
    pub(crate) itemsize: usize,
    /// Byte order.
    pub(crate) order: ByteOrder,
}

impl Dtype {
    /// `object`, the dtype of a skops object array (`O8`).
    pub(crate) const OBJECT: Dtype = Dtype {
        kind: Kind::Object,
        itemsize: 8,
        order: ByteOrder::Little,
    };

    /// The dtype for a type string without byte order, as `numpy.dtype` pickles it: `f8`, `i4`,
    /// `b1`, `O8`, `U7` (seven characters, 28 bytes). `None` when it is not one.
    pub(crate) fn from_typestr(typestr: &str) -> Option<Self> {
        let mut chars = typestr.chars();
        let code = chars.next()?;
        let digits = chars.as_str();
        let count: usize = if digits.is_empty() {
            0
        } else if digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse().ok()?
        } else {
            return None;
        };
        let (kind, itemsize) = match code {
            'f' => (Kind::Float, count),
            'i' => (Kind::Int, count),
            'u' => (Kind::UInt, count),
            'b' | '?' => (Kind::Bool, count.max(1)),
            'c' => (Kind::Complex, count),
            'O' => (Kind::Object, if count == 0 { 8 } else { count }),
            'S' => (Kind::Bytes, count),
            'U' => (Kind::Unicode, count.checked_mul(4)?),
            'V' | 'M' | 'm' => (Kind::Other(code), count),
            _ => return None,
        };
        Some(Dtype {
            kind,
            itemsize,
            order: ByteOrder::Little,
        })
    }

    /// The dtype for a `.npy` descr such as `<f8` or `|b1`.
    fn from_descr(descr: &str) -> Option<Self> {
        let mut chars = descr.chars();
        let order = ByteOrder::from_char(chars.next()?)?;
        let dtype = Self::from_typestr(chars.as_str())?;
        Some(Dtype { order, ..dtype })
    }
}

/// numpy's name for the dtype: `float64`, `int32`, `bool`, `object`, `<U7`.
impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A hostile file may claim an itemsize whose bits overflow: then numpy's type string.
        let Some(bits) = self.itemsize.checked_mul(8) else {
            return write!(f, "an item of {} bytes", self.itemsize);
        };
        match self.kind {
            Kind::Float => write!(f, "float{bits}"),
            Kind::Int => write!(f, "int{bits}"),
            Kind::UInt => write!(f, "uint{bits}"),
            Kind::Bool => write!(f, "bool"),
            Kind::Complex => write!(f, "complex{bits}"),
            Kind::Object => write!(f, "object"),
            Kind::Bytes => write!(f, "|S{}", self.itemsize),
            Kind::Unicode => write!(f, "<U{}", self.itemsize / 4),
            Kind::Other(code) => write!(f, "{code}{}", self.itemsize),
        }
    }
}

/// The elements of an array.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Data {
    /// Raw element bytes in the dtype's byte order, in the order the file stores them; shared
    /// with the bytes object they came from, if any.
    Bytes(Rc<[u8]>),
    /// The items of an object array: `Some` for a Python `str`, `None` for anything else.
    Objects(Rc<[Option<String>]>),
}

/// A numpy array (or a numpy scalar, with an empty shape) read from a file.
///
/// The readers keep a file's C or Fortran order flag: a `coef_` of several targets is often
/// Fortran-ordered (scikit-learn transposes what it solved for), its columns stored in turn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NdArray {
    /// Element type.
    pub(crate) dtype: Dtype,
    /// Shape; empty for a scalar.
    pub(crate) shape: Vec<usize>,
    /// The elements.
    pub(crate) data: Data,
    /// Whether the elements are stored in Fortran order (the first index varying fastest).
    pub(crate) fortran_order: bool,
}

/// The number of elements of a shape, or `None` on overflow.
fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

/// The bytes an array of this dtype and shape holds, or `None` on overflow.
pub(crate) fn byte_size(dtype: Dtype, shape: &[usize]) -> Option<usize> {
    element_count(shape)?.checked_mul(dtype.itemsize)
}

impl NdArray {
    /// An array of a non-object dtype over raw bytes; `None` unless they are exactly
    /// [`byte_size`] bytes.
    pub(crate) fn from_bytes(dtype: Dtype, shape: Vec<usize>, bytes: Rc<[u8]>) -> Option<Self> {
        let fits = byte_size(dtype, &shape) == Some(bytes.len()) && dtype.kind != Kind::Object;
        fits.then_some(NdArray {
            dtype,
            shape,
            data: Data::Bytes(bytes),
            fortran_order: false,
        })
    }

    /// An object array; `None` unless the item count matches the shape.
    pub(crate) fn from_objects(
        dtype: Dtype,
        shape: Vec<usize>,
        items: Vec<Option<String>>,
    ) -> Option<Self> {
        let fits = element_count(&shape) == Some(items.len()) && dtype.kind == Kind::Object;
        fits.then_some(NdArray {
            dtype,
            shape,
            data: Data::Objects(Rc::from(items)),
            fortran_order: false,
        })
    }

    /// The heap bytes this array alone holds: its data, unless it shares them, and the strings
    /// of an object array. What the pickle machine charges to its budget.
    pub(crate) fn owned_bytes(&self) -> usize {
        match &self.data {
            Data::Bytes(bytes) if Rc::strong_count(bytes) == 1 => bytes.len(),
            Data::Bytes(_) => 0,
            Data::Objects(items) => items
                .iter()
                .map(|item| {
                    std::mem::size_of::<Option<String>>() + item.as_ref().map_or(0, String::len)
                })
                .sum(),
        }
    }

    /// The elements as f64, in stored order, for float64 and float32 arrays; `None` otherwise.
    pub(crate) fn to_f64(&self) -> Option<Vec<f64>> {
        let Data::Bytes(bytes) = &self.data else {
            return None;
        };
        let big = self.dtype.order == ByteOrder::Big;
        match (self.dtype.kind, self.dtype.itemsize) {
            (Kind::Float, 8) => Some(
                bytes
                    .chunks_exact(8)
                    .filter_map(|c| <[u8; 8]>::try_from(c).ok())
                    .map(|b| {
                        if big {
                            f64::from_be_bytes(b)
                        } else {
                            f64::from_le_bytes(b)
                        }
                    })
                    .collect(),
            ),
            (Kind::Float, 4) => Some(
                bytes
                    .chunks_exact(4)
                    .filter_map(|c| <[u8; 4]>::try_from(c).ok())
                    .map(|b| {
                        if big {
                            f32::from_be_bytes(b)
                        } else {
                            f32::from_le_bytes(b)
                        }
                    })
                    .map(f64::from)
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The items of an object array of strings, in stored order; `None` if any is not a string.
    pub(crate) fn to_strings(&self) -> Option<Vec<String>> {
        match &self.data {
            Data::Objects(items) => items.iter().cloned().collect(),
            Data::Bytes(_) => None,
        }
    }
}

/// Parses a `.npy` file: magic, version 1, 2 or 3, the header dict, then the raw data.
///
/// The header is a Python dict literal, `{'descr': '<f8', 'fortran_order': False, 'shape':
/// (13,), }`, read by a small strict parser (no evaluation). Object arrays need pickle and are
/// refused, as numpy refuses them with `allow_pickle=False`.
pub(crate) fn parse_npy(bytes: &[u8]) -> Result<NdArray, SklearnProblem> {
    let bad = |reason| SklearnProblem::BadNpy { reason };
    let Some((magic, rest)) = bytes.split_at_checked(NPY_MAGIC.len()) else {
        return Err(bad("it is shorter than the magic"));
    };
    if magic != NPY_MAGIC {
        return Err(bad("it does not start with \\x93NUMPY"));
    }
    let (header_len, rest) = match rest {
        [1, _, a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        [2 | 3, _, a, b, c, d, rest @ ..] => (u32::from_le_bytes([*a, *b, *c, *d]) as usize, rest),
        [1..=3, ..] => return Err(bad("it is truncated in its header length")),
        _ => return Err(bad("its format version is not 1, 2 or 3")),
    };
    if header_len > MAX_NPY_HEADER {
        return Err(bad("its header is longer than 65536 bytes"));
    }
    let Some((header, data)) = rest.split_at_checked(header_len) else {
        return Err(bad("it is truncated in its header"));
    };
    let header = std::str::from_utf8(header).map_err(|_| bad("its header is not text"))?;
    let fields = NpyHeader::parse(header).ok_or(bad(
        "its header is not a dict of 'descr', 'fortran_order' and 'shape'",
    ))?;
    let dtype = Dtype::from_descr(&fields.descr).ok_or(bad("its descr is not a simple dtype"))?;
    if dtype.kind == Kind::Object {
        return Err(bad("it holds Python objects, which need pickle"));
    }
    let array = NdArray::from_bytes(dtype, fields.shape, Rc::from(data))
        .ok_or(bad("its data does not match its shape and dtype"))?;
    Ok(NdArray {
        fortran_order: fields.fortran_order,
        ..array
    })
}

/// The `.npy` header fields.
struct NpyHeader {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

impl NpyHeader {
    /// Parses `{'descr': '<f8', 'fortran_order': False, 'shape': (13,), }` plus padding.
    fn parse(text: &str) -> Option<Self> {
        let mut p = Cursor {
            rest: text.trim_end_matches([' ', '\n']),
        };
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        p.eat('{')?;
        while !p.eat_if('}') {
            let key = p.quoted()?;
            p.eat(':')?;
            match key {
                "descr" if descr.is_none() => descr = Some(p.quoted()?.to_string()),
                "fortran_order" if fortran.is_none() => fortran = Some(p.boolean()?),
                "shape" if shape.is_none() => shape = Some(p.tuple()?),
                _ => return None,
            }
            if !p.eat_if(',') {
                p.eat('}')?;
                break;
            }
        }
        p.rest.trim().is_empty().then_some(())?;
        Some(NpyHeader {
            descr: descr?,
            fortran_order: fortran?,
            shape: shape?,
        })
    }
}

/// A cursor over the header text that skips spaces between tokens.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn eat_if(&mut self, c: char) -> bool {
        self.rest = self.rest.trim_start();
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn eat(&mut self, c: char) -> Option<()> {
        self.eat_if(c).then_some(())
    }

    /// A single-quoted string without escapes.
    fn quoted(&mut self) -> Option<&'a str> {
        self.eat('\'')?;
        let (inside, rest) = self.rest.split_once('\'')?;
        (!inside.contains('\\')).then_some(())?;
        self.rest = rest;
        Some(inside)
    }

    fn boolean(&mut self) -> Option<bool> {
        self.rest = self.rest.trim_start();
        for (word, value) in [("True", true), ("False", false)] {
            if let Some(rest) = self.rest.strip_prefix(word) {
                self.rest = rest;
                return Some(value);
            }
        }
        None
    }

    /// `()`, `(13,)`, `(2, 13)`: non-negative integers, trailing comma allowed.
    fn tuple(&mut self) -> Option<Vec<usize>> {
        self.eat('(')?;
        let mut items = Vec::new();
        while !self.eat_if(')') {
            self.rest = self.rest.trim_start();
            let end = self
                .rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(self.rest.len());
            let (digits, rest) = self.rest.split_at(end);
            items.push(digits.parse().ok()?);
            self.rest = rest;
            if !self.eat_if(',') {
                self.eat(')')?;
                // `(13)` is an int in Python, not a tuple: a one-item tuple needs its comma.
                (items.len() != 1).then_some(())?;
                break;
            }
        }
        Some(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.npy` file of format version 1 with this header text and data.
    fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut out = NPY_MAGIC.to_vec();
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn reads_what_numpy_save_writes() {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }          \n";
        let data = [1.5f64.to_le_bytes(), (-2.0f64).to_le_bytes()].concat();
        let array = parse_npy(&npy(header, &data)).expect("valid");
        assert_eq!(array.shape, [2]);
        assert_eq!(array.to_f64(), Some(vec![1.5, -2.0]));

        let header = "{'descr': '>f4', 'fortran_order': True, 'shape': (), }\n";
        let array = parse_npy(&npy(header, &0.5f32.to_be_bytes())).expect("a scalar");
        assert_eq!(array.shape.len(), 0);
        assert_eq!(array.to_f64(), Some(vec![0.5]));

        let mut v2 = NPY_MAGIC.to_vec();
        let header = "{'shape': (1, 1), 'fortran_order': False, 'descr': '|b1'}\n";
        v2.extend_from_slice(&[2, 0]);
        v2.extend_from_slice(&(header.len() as u32).to_le_bytes());
        v2.extend_from_slice(header.as_bytes());
        v2.push(1);
        let array = parse_npy(&v2).expect("version 2");
        assert_eq!(
            (array.dtype.to_string(), array.to_f64()),
            ("bool".to_string(), None)
        );
    }

    #[test]
    fn refuses_what_numpy_save_does_not_write() {
        let reason = |bytes: &[u8]| match parse_npy(bytes) {
            Err(SklearnProblem::BadNpy { reason }) => reason,
            other => panic!("{other:?}"),
        };
        let f8 = |shape: &str| {
            format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}\n")
        };
        assert_eq!(
            reason(b"\x93NUMPX\x01\x00"),
            "it does not start with \\x93NUMPY"
        );
        assert_eq!(
            reason(b"\x93NUMPY\x04\x00\x00\x00"),
            "its format version is not 1, 2 or 3"
        );
        assert_eq!(
            reason(&npy(&f8("(1,)"), &[0; 7])),
            "its data does not match its shape and dtype"
        );
        assert_eq!(
            reason(&npy(&f8("(1,)"), &[0; 9])),
            "its data does not match its shape and dtype"
        );
        let overflow = f8("(4611686018427387904, 4)");
        assert_eq!(
            reason(&npy(&overflow, &[])),
            "its data does not match its shape and dtype"
        );
        for header in [
            f8("(1)"),
            f8("(-1,)"),
            f8("(99999999999999999999999,)"),
            "{'descr': '<f8', 'fortran_order': False}\n".to_string(),
            "{'descr': '<f8', 'fortran_order': 0, 'shape': ()}\n".to_string(),
            "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'x': 1}\n".to_string(),
            "{'descr': '<f8', 'fortran_order': False, 'shape': ()} junk\n".to_string(),
            "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': ()}\n".to_string(),
        ] {
            let expected = "its header is not a dict of 'descr', 'fortran_order' and 'shape'";
            assert_eq!(reason(&npy(&header, &[0; 8])), expected, "{header}");
        }
        let object = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n";
        assert_eq!(
            reason(&npy(object, &[0; 8])),
            "it holds Python objects, which need pickle"
        );
        let record = "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }\n";
        assert!(parse_npy(&npy(record, &[0; 8])).is_err());
    }

    #[test]
    fn dtypes_are_named_as_numpy_names_them() {
        let name = |typestr: &str| Dtype::from_typestr(typestr).map(|d| d.to_string());
        assert_eq!(name("f8").as_deref(), Some("float64"));
        assert_eq!(name("f4").as_deref(), Some("float32"));
        assert_eq!(name("i8").as_deref(), Some("int64"));
        assert_eq!(name("b1").as_deref(), Some("bool"));
        assert_eq!(name("O8").as_deref(), Some("object"));
        assert_eq!(name("U7").as_deref(), Some("<U7"));
        assert_eq!(name("x8"), None);
        assert_eq!(name("f8x"), None);
        assert_eq!(
            Dtype::from_descr(">f8").map(|d| d.order),
            Some(ByteOrder::Big)
        );
    }
}
