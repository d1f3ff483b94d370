//! The layout of a model file: a fixed header, a JSON descriptor, the encoded model, and a
//! checksum. Every file this crate writes has this layout (integers little-endian):
//!
#![doc = include_str!("table.md")]
//!
//! Codec 2 compresses the bincode bytes with zstd at level 1, after a byte shuffle when a trial
//! on the first MiB says it helps ([`Codec::BincodeZstd`]).
//!
//! Reading checks the magic, the version, the lengths against the file size and the size limit
//! first; then the codec, the descriptor and the model type; then it decodes while the bytes pass
//! through the checksum, which is compared at the end. A problem found after the fixed fields is
//! reported as damage when the checksum disagrees, damage being the likelier cause (`view`
//! compares the checksum before anything else). Decoding never runs code from the file, and every
//! allocation it makes is bounded by the declared and checked lengths.
//!
//! This module works on bytes and streams; [`crate::file::persist`] works on files, atomically.

mod checksum;
mod fixed;

use std::any::{Any, type_name};
use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Corruption, Error, ErrorKind, Result};
use crate::file::codec::{self, Codec, Payload};
use checksum::{HashReader, HashWriter};
use fixed::{CHECKSUM_LEN, FIXED_LEN, Fixed};

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"\x89MODEL\r\n";
/// The file format version this crate writes, and the newest it reads.
pub const VERSION: u16 = 1;
/// The largest decoded payload a load accepts unless told otherwise: 2 GiB.
pub const MAX_PAYLOAD_BYTES: u64 = 2 << 30;

/// What a user needs to know about a model before trusting it; all optional.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let meta = Metadata { features: Some(13), r2_test: Some(0.855), ..Metadata::default() };
/// assert_eq!(meta.train_rows, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metadata {
    /// The number of features a row must have.
    pub features: Option<usize>,
    /// The features' names, in column order.
    pub feature_names: Vec<String>,
    /// Rows the model was trained on.
    pub train_rows: Option<usize>,
    /// R² on the training set.
    pub r2_train: Option<f64>,
    /// R² on the test set.
    pub r2_test: Option<f64>,
    /// Free-form notes: the dataset, the split, who trained it.
    pub notes: Vec<String>,
}

/// The descriptor, stored as JSON after the fixed header.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Descriptor {
    model_type: String,
    crate_version: String,
    metadata: Metadata,
}

/// Everything a file says about itself, checked: what `model-persistence inspect` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    /// The file format version the file was written in.
    pub format_version: u16,
    /// The codec of the payload.
    pub codec: Codec,
    /// Whether the payload was byte-shuffled before compression (zstd only).
    pub shuffled: bool,
    /// The Rust type of the model, as `std::any::type_name` spells it.
    pub model_type: String,
    /// The version of this crate that wrote the file.
    pub crate_version: String,
    /// Size of the whole file.
    pub file_bytes: u64,
    /// Size of the payload as stored.
    pub stored_bytes: u64,
    /// Size of the payload once decompressed.
    pub payload_bytes: u64,
    /// The checksum, as 16 hexadecimal digits.
    pub checksum: String,
    /// Whether every byte was read and matched the checksum: false when only the header and the
    /// descriptor were (`store::inspect`).
    pub verified: bool,
    /// What the writer said about the model.
    pub metadata: Metadata,
}

/// A model read from a file, with the file's checked header.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let bytes = encode(&vec![0.5_f64], &Metadata::default(), Codec::Json)?;
/// let loaded: Loaded<Vec<f64>> = decode(&bytes, MAX_PAYLOAD_BYTES)?;
/// assert_eq!((loaded.model, loaded.header.codec), (vec![0.5], Codec::Json));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Loaded<M> {
    /// What the file says about itself.
    pub header: Header,
    /// The model.
    pub model: M,
}

/// The bytes of a model file holding `model`, encoded with `codec` and described by `metadata`.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let bytes = encode(&vec![1.0_f64, 2.0], &Metadata::default(), Codec::BincodeZstd)?;
/// assert!(bytes.starts_with(&MAGIC));
/// # Ok::<(), Error>(())
/// ```
pub fn encode<M: Serialize + Any>(model: &M, metadata: &Metadata, codec: Codec) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    encode_into(model, metadata, codec, &mut bytes)?;
    Ok(bytes)
}

/// [`encode`] into a writer, streaming: returns the number of bytes written. Large bincode
/// payloads go to `out` in chunks, never whole in memory.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let mut out = Vec::new();
/// let bytes = encode_into(&vec![1.0_f64, 2.0], &Metadata::default(), Codec::Bincode, &mut out)?;
/// assert_eq!(bytes, out.len() as u64);
/// # Ok::<(), Error>(())
/// ```
pub fn encode_into<M: Serialize + Any, W: Write>(
    model: &M,
    metadata: &Metadata,
    codec: Codec,
    out: W,
) -> Result<u64> {
    Prepared::new(model, metadata, codec)?.write(model, out)
}

/// Large `f64` values start at a multiple of this many bytes in the file, so that a mapping of
/// the file can view them in place (a cache line; an `f64` needs 8).
const VALUES_ALIGN: u64 = 64;
/// Values from this many bytes on are aligned: below it, a mapping would not pay, and the
/// article's small files keep their size.
const ALIGN_FROM: u64 = 4 << 10;

/// A model file ready to be written: its parts, and so its length, known before a byte is.
pub(crate) struct Prepared {
    fixed: Fixed,
    descriptor: Vec<u8>,
    payload: Payload,
}

impl Prepared {
    /// Encodes the descriptor and as much of the payload as its lengths need.
    pub(crate) fn new<M: Serialize + Any>(
        model: &M,
        metadata: &Metadata,
        codec: Codec,
    ) -> Result<Prepared> {
        let descriptor = Descriptor {
            model_type: type_name::<M>().to_string(),
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            metadata: metadata.clone(),
        };
        let mut descriptor = serde_json::to_vec(&descriptor).map_err(Error::encode)?;
        let payload = Payload::encode(model, codec)?;
        if let Some((at, _)) = payload.values().filter(|&(_, n)| n * 8 >= ALIGN_FROM) {
            // Spaces after the JSON, which a JSON reader skips, until the values are aligned.
            let start = FIXED_LEN as u64 + descriptor.len() as u64 + at;
            let pad = (VALUES_ALIGN - start % VALUES_ALIGN) % VALUES_ALIGN;
            descriptor.resize(descriptor.len() + pad as usize, b' ');
        }
        let descriptor_len = u32::try_from(descriptor.len()).map_err(Error::encode)?;
        let (stored, decoded) = (payload.stored_len(), payload.decoded_len());
        let fixed = Fixed::new(codec, payload.shuffled(), descriptor_len, stored, decoded);
        Ok(Prepared {
            fixed,
            descriptor,
            payload,
        })
    }

    /// The length of the file, in bytes.
    pub(crate) fn len(&self) -> u64 {
        (FIXED_LEN + self.descriptor.len() + CHECKSUM_LEN) as u64 + self.payload.stored_len()
    }

    /// Writes the file for `model` (the model it was prepared for) to `out`; returns its length.
    pub(crate) fn write<M: Serialize + Any, W: Write>(&self, model: &M, out: W) -> Result<u64> {
        let mut out = HashWriter::new(out);
        out.write_all(&self.fixed.to_bytes())?;
        out.write_all(&self.descriptor)?;
        self.payload.write(model, &mut out)?;
        let checksum = out.digest();
        out.inner().write_all(&checksum.to_le_bytes())?;
        out.flush()?;
        Ok(self.len())
    }
}

/// Checks `bytes` and decodes the model of type `M` they hold, refusing a payload that decodes
/// to more than `limit` bytes. Nothing in the bytes runs, and a decoding problem is reported as
/// damage when the checksum disagrees.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let bytes = encode(&vec![1.5_f64, 2.5], &Metadata::default(), Codec::BincodeZstd)?;
/// let loaded = decode::<Vec<f64>>(&bytes, MAX_PAYLOAD_BYTES)?;
/// assert_eq!(loaded.model, vec![1.5, 2.5]);
/// let err = decode::<String>(&bytes, MAX_PAYLOAD_BYTES).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::WrongType { .. }));
/// # Ok::<(), Error>(())
/// ```
pub fn decode<M: DeserializeOwned + Any>(bytes: &[u8], limit: u64) -> Result<Loaded<M>> {
    decode_from(bytes, bytes.len() as u64, limit)
}

/// Checks everything in `bytes` that can be checked without knowing the model's type,
/// decompressing the payload without keeping it, and returns the header.
///
/// ```
/// use model_persistence::prelude::*;
///
/// let meta = Metadata { features: Some(2), ..Metadata::default() };
/// let bytes = encode(&vec![1.0_f64, 2.0], &meta, Codec::BincodeZstd)?;
/// assert_eq!(verify(&bytes)?.metadata.features, Some(2));
/// # Ok::<(), Error>(())
/// ```
pub fn verify(bytes: &[u8]) -> Result<Header> {
    verify_from(bytes, bytes.len() as u64)
}

/// [`decode`] from `input`, a file of `len` bytes, read once, front to back.
pub(crate) fn decode_from<M: DeserializeOwned + Any, R: Read>(
    input: R,
    len: u64,
    limit: u64,
) -> Result<Loaded<M>> {
    let (mut reader, opened) = Reader::open(input, len, limit)?;
    if opened.descriptor.model_type != type_name::<M>() {
        let err = ErrorKind::WrongType {
            expected: type_name::<M>().to_string(),
            found: opened.descriptor.model_type.clone(),
        };
        return Err(reader.damage_or(err.into()));
    }
    let f = &opened.fixed;
    let model = codec::decode(
        opened.codec,
        opened.shuffled,
        f.stored_len,
        f.decoded_len,
        &mut reader.input,
    );
    let model = model.map_err(|err| reader.damage_or(err))?;
    match reader.drain()? {
        0 => {}
        extra => return Err(reader.damage_or(Corruption::AfterModel(extra).into())),
    }
    let checksum = reader.finish()?;
    Ok(Loaded {
        header: opened.header(len, checksum),
        model,
    })
}

/// [`verify`] from `input`, a file of `len` bytes.
pub(crate) fn verify_from<R: Read>(input: R, len: u64) -> Result<Header> {
    let (mut reader, opened) = Reader::open(input, len, MAX_PAYLOAD_BYTES)?;
    let f = &opened.fixed;
    let checked = codec::check(opened.codec, f.stored_len, f.decoded_len, &mut reader.input);
    checked.map_err(|err| reader.damage_or(err))?;
    // The rest of the payload was not decoded, but it goes through the checksum.
    reader.drain()?;
    let checksum = reader.finish()?;
    Ok(opened.header(len, checksum))
}

/// How many bytes at the start of a file of `len` bytes hold its fixed header and descriptor,
/// from its first [`FIXED_LEN`] bytes (or all of them, if fewer): what a ranged read fetches.
#[cfg(feature = "store")]
pub(crate) fn head_len(first: &[u8], len: u64) -> Result<u64> {
    let fixed = Fixed::parse(first, len, MAX_PAYLOAD_BYTES)?;
    Ok(FIXED_LEN as u64 + u64::from(fixed.descriptor_len))
}

/// What the fixed header and descriptor in `head` say about a file of `len` bytes whose last
/// eight bytes are `stored`, checked as far as they go. The payload is not read, so the checksum
/// is the stored one, not verified.
#[cfg(feature = "store")]
pub(crate) fn peek(head: &[u8], len: u64, stored: [u8; CHECKSUM_LEN]) -> Result<Header> {
    let fixed = Fixed::parse(head, len, MAX_PAYLOAD_BYTES)?;
    let descriptor = head.get(FIXED_LEN..FIXED_LEN + fixed.descriptor_len as usize);
    let Some(descriptor) = descriptor else {
        return Err(Corruption::Descriptor(serde::de::Error::custom("cut short")).into());
    };
    let mut header = Opened::new(fixed, descriptor)?.header(len, u64::from_le_bytes(stored));
    header.verified = false;
    Ok(header)
}

/// A model file's bytes, checked, with where its run of `f64` values lies: what a mapping shows.
pub(crate) struct View {
    /// What the file says about itself.
    pub(crate) header: Header,
    /// Where the values are in the file, on an 8-byte boundary.
    pub(crate) values: std::ops::Range<usize>,
    /// The intercept, for the crate's linear model.
    pub(crate) intercept: Option<f64>,
}

/// Checks `bytes`, a whole model file, as [`decode`] does (the lengths, the checksum over every
/// byte, the codec, the descriptor, the type), for a payload that is an `Array1<f64>`, a
/// `Vec<f64>` or the crate's linear model in bincode, and finds its values without copying them.
pub(crate) fn view(bytes: &[u8], limit: u64) -> Result<View> {
    let len = bytes.len() as u64;
    let head = &bytes[..bytes.len().min(FIXED_LEN)];
    let fixed = Fixed::parse(head, len, limit)?;
    // Fixed::parse checked that the lengths add up to the file's: these ranges are in bounds.
    let body = &bytes[..bytes.len() - CHECKSUM_LEN];
    let stored = u64::from_le_bytes(bytes[body.len()..].try_into().expect("8 bytes"));
    let checksum = matching(stored, twox_hash::XxHash3_64::oneshot(body))?;
    let descriptor_end = FIXED_LEN + fixed.descriptor_len as usize;
    let opened = Opened::new(fixed, &bytes[FIXED_LEN..descriptor_end])?;
    if opened.codec != Codec::Bincode {
        return Err(ErrorKind::NotMappable(opened.codec).into());
    }
    let payload = &body[descriptor_end..];
    let (values_at, intercept) = codec::values_in(&opened.descriptor.model_type, payload)?;
    let values = descriptor_end + values_at..body.len();
    if values.start % 8 != 0 {
        return Err(ErrorKind::Unaligned(values.start as u64).into());
    }
    Ok(View {
        header: opened.header(len, checksum),
        values,
        intercept,
    })
}

/// What the fixed header and the descriptor of a file say, checked.
struct Opened {
    fixed: Fixed,
    codec: Codec,
    shuffled: bool,
    descriptor: Descriptor,
}

impl Opened {
    /// Checks the fixed fields' codec against the rest, and parses the descriptor's bytes.
    fn new(fixed: Fixed, descriptor: &[u8]) -> Result<Opened> {
        let (codec, shuffled) = fixed.validate()?;
        let descriptor = serde_json::from_slice(descriptor).map_err(Corruption::Descriptor)?;
        Ok(Opened {
            fixed,
            codec,
            shuffled,
            descriptor,
        })
    }

    /// The header of a file of `len` bytes whose checksum was verified.
    fn header(self, len: u64, checksum: u64) -> Header {
        Header {
            format_version: self.fixed.version,
            codec: self.codec,
            shuffled: self.shuffled,
            model_type: self.descriptor.model_type,
            crate_version: self.descriptor.crate_version,
            file_bytes: len,
            stored_bytes: self.fixed.stored_len,
            payload_bytes: self.fixed.decoded_len,
            checksum: format!("{checksum:016x}"),
            verified: true,
            metadata: self.descriptor.metadata,
        }
    }
}

/// A file being read front to back: every byte goes through the checksum.
struct Reader<R> {
    input: HashReader<R>,
    len: u64,
}

impl<R: Read> Reader<R> {
    /// Reads and checks the fixed header and the descriptor of a file of `len` bytes.
    fn open(input: R, len: u64, limit: u64) -> Result<(Reader<R>, Opened)> {
        let mut reader = Reader {
            input: HashReader::new(input),
            len,
        };
        let mut head = [0u8; FIXED_LEN];
        let head = &mut head[..len.min(FIXED_LEN as u64) as usize];
        reader
            .input
            .read_exact(head)
            .map_err(|e| read_error(e, len))?;
        let fixed = Fixed::parse(head, len, limit)?;

        // From here on, a problem may be damage: the checksum, checked first, says which.
        let mut descriptor = vec![0; fixed.descriptor_len as usize];
        reader
            .input
            .read_exact(&mut descriptor)
            .map_err(|e| read_error(e, len))?;
        let opened = Opened::new(fixed, &descriptor).map_err(|err| reader.damage_or(err))?;
        Ok((reader, opened))
    }

    /// Reads, through the checksum, whatever is left before the stored checksum; returns how
    /// many bytes that was.
    fn drain(&mut self) -> Result<u64> {
        let len = self.len;
        let left = (len - CHECKSUM_LEN as u64).saturating_sub(self.input.bytes_read());
        let drained = io::copy(&mut (&mut self.input).take(left), &mut io::sink())
            .map_err(|e| read_error(e, len))?;
        if drained < left {
            let found = len - (left - drained);
            return Err(ErrorKind::Truncated {
                expected: len,
                found,
            }
            .into());
        }
        Ok(drained)
    }

    /// Reads the stored checksum, which every byte so far has gone through, and returns it if it
    /// matches them.
    fn finish(&mut self) -> Result<u64> {
        let computed = self.input.digest();
        let mut stored = [0u8; CHECKSUM_LEN];
        let len = self.len;
        self.input
            .inner()
            .read_exact(&mut stored)
            .map_err(|e| read_error(e, len))?;
        matching(u64::from_le_bytes(stored), computed)
    }

    /// The error to report for `err` found before the end: a checksum mismatch if the file is
    /// damaged (the likelier cause), else `err` itself.
    fn damage_or(&mut self, err: Error) -> Error {
        match self.drain().and_then(|_| self.finish()) {
            Ok(_) => err,
            Err(damage) => damage,
        }
    }
}

/// The checksum, if the one `stored` in the file matches the one `computed` from its bytes.
fn matching(stored: u64, computed: u64) -> Result<u64> {
    if stored != computed {
        return Err(ErrorKind::Checksum { stored, computed }.into());
    }
    Ok(computed)
}

/// An I/O error while reading a file that announced `len` bytes.
fn read_error(err: io::Error, len: u64) -> Error {
    if err.kind() == io::ErrorKind::UnexpectedEof {
        let found = len.saturating_sub(1);
        ErrorKind::Truncated {
            expected: len,
            found,
        }
        .into()
    } else {
        err.into()
    }
}

impl std::fmt::Display for Header {
    /// The report `model-persistence inspect` prints, one field per line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shuffled = if self.shuffled { ", byte-shuffled" } else { "" };
        let (name, version) = (self.codec.name(), self.format_version);
        writeln!(
            f,
            "codec         {name}{shuffled} (file format version {version})"
        )?;
        writeln!(f, "model type    {}", self.model_type)?;
        writeln!(f, "written by    model-persistence {}", self.crate_version)?;
        writeln!(
            f,
            "size          {} bytes; payload {} bytes stored, {} decoded",
            self.file_bytes, self.stored_bytes, self.payload_bytes
        )?;
        let verified = if self.verified {
            "verified"
        } else {
            "as stored, not verified: the payload was not read"
        };
        write!(f, "checksum      xxh3-64 {} ({verified})", self.checksum)?;
        write!(f, "{}", self.metadata)
    }
}

impl std::fmt::Display for Metadata {
    /// The fields that are known, each on a line of its own that starts with a line break, so
    /// that the lines follow whatever report comes before them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(n) = self.features {
            write!(f, "\nfeatures      {n}")?;
        }
        if !self.feature_names.is_empty() {
            write!(f, "\nnames         {}", self.feature_names.join(", "))?;
        }
        if let Some(rows) = self.train_rows {
            write!(f, "\ntrain rows    {rows}")?;
        }
        if let Some(r2) = self.r2_train {
            write!(f, "\nR² train      {r2}")?;
        }
        if let Some(r2) = self.r2_test {
            write!(f, "\nR² test       {r2}")?;
        }
        for note in &self.notes {
            write!(f, "\nnote          {note}")?;
        }
        Ok(())
    }
}
