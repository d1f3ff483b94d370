//! The model file format: a fixed header, a JSON descriptor, the encoded model, and a checksum.
//!
//! Every file this crate writes has this layout (integers little-endian):
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 8 | magic `\x89MODEL\r\n`: binary, and a text-mode transfer visibly breaks it |
//! | 8 | 2 | format version, `VERSION` |
//! | 10 | 1 | codec: 1 bincode, 2 bincode shuffled and zstd-compressed, 3 JSON (`Format`) |
//! | 11 | 1 | flags: bit 0 set when the payload was byte-shuffled before zstd; others 0 |
//! | 12 | 4 | descriptor length `d` |
//! | 16 | 8 | stored payload length `s` |
//! | 24 | 8 | decoded payload length (equal to `s` unless compressed) |
//! | 32 | `d` | descriptor: JSON with the model type, the crate version and the `Metadata` |
//! | 32 + `d` | `s` | payload: the model, serialized with serde in the codec's encoding |
//! | 32 + `d` + `s` | 8 | XXH3-64 checksum of every byte before it |
//!
//! Codec 2 compresses the bincode bytes with zstd at level 1, after shuffling them when that
//! helps ([`crate::codec::Compressor`] tries the first MiB both ways): each 1 MiB chunk is
//! rearranged so that the first bytes of every 8-byte lane come first, then the second bytes, and
//! so on ([`crate::codec::shuffle`]); numbers that are close share their high bytes, which then
//! form runs that compress well.
//!
//! Reading checks, in order: the magic, the version, the lengths against the file size, the
//! checksum, the codec, the descriptor, the size limit, the model type, and only then decodes.
//! Decoding never runs code from the file, and every allocation it makes is bounded by the
//! declared and checked lengths (see [`decode`]).

use std::any::{Any, type_name};
use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::codec::{
    Compressor, HashReader, HashWriter, ShuffleReader, bincode_len, read_bincode, write_bincode,
};

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"\x89MODEL\r\n";
/// The format version this crate writes, and the newest it reads.
pub const VERSION: u16 = 1;
/// The largest decoded payload [`decode`] accepts by default: 2 GiB.
pub const MAX_PAYLOAD_BYTES: u64 = 2 << 30;

const FIXED: usize = 32;
const CHECKSUM: usize = 8;
/// Flag: the payload was byte-shuffled before zstd compressed it.
const SHUFFLED: u8 = 1;

/// How the model is encoded in the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// serde + bincode, uncompressed: the pickle way.
    Bincode,
    /// serde + bincode, then zstd: the joblib way, which compresses.
    Zstd,
    /// serde + JSON: slower and larger, but a person can read the payload.
    Json,
}

impl Format {
    /// Every format, in the order the article uses them.
    pub const ALL: [Format; 3] = [Format::Bincode, Format::Zstd, Format::Json];

    /// A short lowercase name, used in reports.
    ///
    /// ```
    /// # use model_persistence::format::Format;
    /// assert_eq!(Format::Zstd.name(), "zstd");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::Bincode => "bincode",
            Format::Zstd => "zstd",
            Format::Json => "json",
        }
    }

    /// The file name extension the article uses for this format.
    ///
    /// ```
    /// # use model_persistence::format::Format;
    /// assert_eq!(Format::Zstd.extension(), "bin.zst");
    /// ```
    pub fn extension(self) -> &'static str {
        match self {
            Format::Bincode => "bin",
            Format::Zstd => "bin.zst",
            Format::Json => "json",
        }
    }

    fn code(self) -> u8 {
        match self {
            Format::Bincode => 1,
            Format::Zstd => 2,
            Format::Json => 3,
        }
    }

    fn from_code(code: u8) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// What a user needs to know about a model before trusting it; all optional.
///
/// ```
/// use model_persistence::format::Metadata;
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
    /// The format version the file was written in.
    pub format_version: u16,
    /// The codec of the payload.
    pub format: Format,
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
    /// What the writer said about the model.
    pub metadata: Metadata,
}

/// Why bytes are not a model file we can load; each message is one line.
#[derive(Debug, Error)]
pub enum FormatError {
    /// Zero bytes.
    #[error("empty file")]
    Empty,
    /// The magic bytes are not ours.
    #[error("not a model file of this crate (wrong magic bytes)")]
    NotAModel,
    /// The file ends before the lengths in its header say it should.
    #[error("truncated: the header announces {expected} bytes but the file has {found}")]
    Truncated {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// Written by a newer format version than this crate reads.
    #[error(
        "written in format version {found}, newer than version {VERSION} that this build reads: upgrade model-persistence"
    )]
    NewerVersion {
        /// The version in the file.
        found: u16,
    },
    /// A version number that no release ever wrote.
    #[error("unsupported format version {0}")]
    BadVersion(u16),
    /// The checksum does not match the bytes: the file was damaged or altered.
    #[error("corrupt: checksum mismatch (stored {stored:016x}, computed {computed:016x})")]
    Checksum {
        /// The checksum stored in the file.
        stored: u64,
        /// The checksum of the bytes read.
        computed: u64,
    },
    /// A codec this version does not know.
    #[error("unknown codec {0}")]
    UnknownCodec(u8),
    /// The decoded payload would exceed the allowed size.
    #[error("too large: the payload is {bytes} bytes, above the limit of {limit}")]
    TooLarge {
        /// The payload's declared size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The file holds another type of model than the one asked for.
    #[error("holds a {found}, not a {expected}")]
    WrongType {
        /// The type asked for.
        expected: String,
        /// The type in the file.
        found: String,
    },
    /// The checksum matched, but the content does not decode.
    #[error("corrupt: {0}")]
    Corrupt(String),
    /// The model could not be encoded.
    #[error("cannot encode the model: {0}")]
    Encode(String),
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Writes the file for `model`, encoded in `format` and described by `metadata`, to `out`, and
/// returns the number of bytes written. Large payloads stream through in chunks.
///
/// ```
/// use model_persistence::format::{Format, Metadata, MAGIC, write};
///
/// let mut out = Vec::new();
/// let bytes = write(&vec![1.0_f64, 2.0], &Metadata::default(), Format::Bincode, &mut out)?;
/// assert!(out.starts_with(&MAGIC));
/// assert_eq!(bytes, out.len() as u64);
/// # Ok::<(), model_persistence::format::FormatError>(())
/// ```
pub fn write<M: Serialize + Any, W: Write>(
    model: &M,
    metadata: &Metadata,
    format: Format,
    out: W,
) -> Result<u64, FormatError> {
    let descriptor = Descriptor {
        model_type: type_name::<M>().to_string(),
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        metadata: metadata.clone(),
    };
    let descriptor = serde_json::to_vec(&descriptor).map_err(encode_error)?;
    let descriptor_len = u32::try_from(descriptor.len()).map_err(encode_error)?;
    // Bincode streams straight to `out`; the other codecs need their stored length first.
    let mut flags = 0;
    let (stored, stored_len, decoded_len) = match format {
        Format::Bincode => {
            let len = bincode_len(model).map_err(encode_error)?;
            (None, len, len)
        }
        Format::Zstd => {
            let len = bincode_len(model).map_err(encode_error)?;
            let mut zstd = Compressor::new(len)?;
            write_bincode(model, &mut zstd)?;
            let (stored, shuffled) = zstd.finish()?;
            flags = if shuffled { SHUFFLED } else { 0 };
            let stored_len = stored.len() as u64;
            (Some(stored), stored_len, len)
        }
        Format::Json => {
            let stored = serde_json::to_vec_pretty(model).map_err(encode_error)?;
            let len = stored.len() as u64;
            (Some(stored), len, len)
        }
    };

    let mut out = HashWriter::new(out);
    let mut fixed = Vec::with_capacity(FIXED);
    fixed.extend_from_slice(&MAGIC);
    fixed.extend_from_slice(&VERSION.to_le_bytes());
    fixed.push(format.code());
    fixed.push(flags);
    fixed.extend_from_slice(&descriptor_len.to_le_bytes());
    fixed.extend_from_slice(&stored_len.to_le_bytes());
    fixed.extend_from_slice(&decoded_len.to_le_bytes());
    out.write_all(&fixed)?;
    out.write_all(&descriptor)?;
    match stored {
        None => write_bincode(model, &mut out)?,
        Some(stored) => out.write_all(&stored)?,
    }
    let checksum = out.digest();
    out.inner().write_all(&checksum.to_le_bytes())?;
    out.flush()?;
    Ok((FIXED + descriptor.len() + CHECKSUM) as u64 + stored_len)
}

/// The bytes of a model file holding `model`: [`write`] into memory.
///
/// ```
/// use model_persistence::format::{Format, Metadata, MAGIC, encode};
///
/// let bytes = encode(&vec![1.0_f64, 2.0], &Metadata::default(), Format::Zstd)?;
/// assert!(bytes.starts_with(&MAGIC));
/// # Ok::<(), model_persistence::format::FormatError>(())
/// ```
pub fn encode<M: Serialize + Any>(
    model: &M,
    metadata: &Metadata,
    format: Format,
) -> Result<Vec<u8>, FormatError> {
    let mut bytes = Vec::new();
    write(model, metadata, format, &mut bytes)?;
    Ok(bytes)
}

fn encode_error(err: impl std::fmt::Display) -> FormatError {
    FormatError::Encode(err.to_string())
}

/// The checked fixed part and descriptor of a file, and where reading stands.
struct Opened<R> {
    header: Header,
    input: HashReader<R>,
}

/// Reads and checks the fixed header and the descriptor of a file of `len` bytes.
fn open_header<R: Read>(input: R, len: u64, limit: u64) -> Result<Opened<R>, FormatError> {
    if len == 0 {
        return Err(FormatError::Empty);
    }
    let mut input = HashReader::new(input);
    let mut fixed = [0u8; FIXED];
    let head = len.min(FIXED as u64) as usize;
    input
        .read_exact(&mut fixed[..head])
        .map_err(|e| read_error(e, len))?;
    if !fixed[..head.min(MAGIC.len())].eq(&MAGIC[..head.min(MAGIC.len())]) {
        return Err(FormatError::NotAModel);
    }
    if head < FIXED {
        return Err(FormatError::Truncated {
            expected: FIXED as u64,
            found: len,
        });
    }
    let u64_at = |at: usize| u64::from_le_bytes(fixed[at..at + 8].try_into().expect("8 bytes"));
    let version = u16::from_le_bytes([fixed[8], fixed[9]]);
    match version {
        0 => return Err(FormatError::BadVersion(0)),
        v if v > VERSION => return Err(FormatError::NewerVersion { found: v }),
        _ => {}
    }
    let descriptor_len = u32::from_le_bytes(fixed[12..16].try_into().expect("4 bytes")) as u64;
    let (stored_len, decoded_len) = (u64_at(16), u64_at(24));
    let expected = (FIXED as u64 + CHECKSUM as u64)
        .checked_add(descriptor_len)
        .and_then(|n| n.checked_add(stored_len))
        .ok_or_else(|| FormatError::Corrupt("impossible lengths in the header".into()))?;
    if len < expected {
        return Err(FormatError::Truncated {
            expected,
            found: len,
        });
    }
    if len > expected {
        let extra = len - expected;
        return Err(FormatError::Corrupt(format!(
            "{extra} bytes after the checksum"
        )));
    }
    if decoded_len > limit {
        return Err(FormatError::TooLarge {
            bytes: decoded_len,
            limit,
        });
    }

    // From here on, a problem may be damage: the checksum, checked first, says which.
    let mut descriptor = vec![0; descriptor_len as usize];
    input
        .read_exact(&mut descriptor)
        .map_err(|e| read_error(e, len))?;
    let mut opened = Opened {
        header: Header {
            format_version: version,
            format: Format::Bincode,
            shuffled: false,
            model_type: String::new(),
            crate_version: String::new(),
            file_bytes: len,
            stored_bytes: stored_len,
            payload_bytes: decoded_len,
            checksum: String::new(),
            metadata: Metadata::default(),
        },
        input,
    };
    let format = match Format::from_code(fixed[10]) {
        Some(format) => format,
        None => return Err(opened.damage_or(FormatError::UnknownCodec(fixed[10]))),
    };
    let flags = fixed[11];
    if flags & !SHUFFLED != 0 || (flags == SHUFFLED && format != Format::Zstd) {
        let err = FormatError::Corrupt(format!("unknown flags {flags:#04x}"));
        return Err(opened.damage_or(err));
    }
    if format != Format::Zstd && decoded_len != stored_len {
        let err = FormatError::Corrupt("payload lengths differ".into());
        return Err(opened.damage_or(err));
    }
    let descriptor: Descriptor = match serde_json::from_slice(&descriptor) {
        Ok(descriptor) => descriptor,
        Err(e) => return Err(opened.damage_or(FormatError::Corrupt(format!("descriptor: {e}")))),
    };
    opened.header.format = format;
    opened.header.shuffled = flags == SHUFFLED;
    opened.header.model_type = descriptor.model_type;
    opened.header.crate_version = descriptor.crate_version;
    opened.header.metadata = descriptor.metadata;
    Ok(opened)
}

impl<R: Read> Opened<R> {
    /// Reads, through the checksum, whatever is left before the stored checksum; returns how
    /// many bytes that was.
    fn drain(&mut self) -> Result<u64, FormatError> {
        let len = self.header.file_bytes;
        let left = (len - CHECKSUM as u64).saturating_sub(self.input.bytes_read());
        let drained = io::copy(&mut (&mut self.input).take(left), &mut io::sink())
            .map_err(|e| read_error(e, len))?;
        if drained < left {
            return Err(FormatError::Truncated {
                expected: len,
                found: len - (left - drained),
            });
        }
        Ok(drained)
    }

    /// Checks that the payload was read to its end, then the checksum.
    fn finish_payload(&mut self) -> Result<(), FormatError> {
        match self.drain()? {
            0 => self.finish(),
            extra => Err(self.damage_or(FormatError::Corrupt(format!(
                "{extra} bytes after the model"
            )))),
        }
    }

    /// Finishes reading at the checksum, which every byte so far has gone through.
    fn finish(&mut self) -> Result<(), FormatError> {
        let computed = self.input.digest();
        let mut stored = [0u8; CHECKSUM];
        let len = self.header.file_bytes;
        self.input
            .inner()
            .read_exact(&mut stored)
            .map_err(|e| read_error(e, len))?;
        let stored = u64::from_le_bytes(stored);
        if stored != computed {
            return Err(FormatError::Checksum { stored, computed });
        }
        self.header.checksum = format!("{computed:016x}");
        Ok(())
    }

    /// The error to report for `err` found before the end: a checksum mismatch if the file is
    /// damaged (the likelier cause), else `err` itself.
    fn damage_or(&mut self, err: FormatError) -> FormatError {
        if let Err(e) = self.drain() {
            return e;
        }
        match self.finish() {
            Ok(()) => err,
            Err(damage) => damage,
        }
    }
}

/// An I/O error while reading a file that announced `len` bytes.
fn read_error(err: io::Error, len: u64) -> FormatError {
    if err.kind() == io::ErrorKind::UnexpectedEof {
        FormatError::Truncated {
            expected: len,
            found: len.saturating_sub(1),
        }
    } else {
        FormatError::Io(err)
    }
}

/// Reads a model of type `M` from `input`, a file of `len` bytes, with a payload of at most
/// `limit` bytes once decompressed. The checksum covers everything read; a decoding problem is
/// reported as damage when the checksum disagrees.
///
/// ```
/// use model_persistence::format::{Format, Metadata, MAX_PAYLOAD_BYTES, encode, read};
///
/// let bytes = encode(&vec![1.5_f64, 2.5], &Metadata::default(), Format::Zstd)?;
/// let (header, model) = read::<Vec<f64>, _>(&bytes[..], bytes.len() as u64, MAX_PAYLOAD_BYTES)?;
/// assert_eq!(model, vec![1.5, 2.5]);
/// assert_eq!(header.format, Format::Zstd);
/// # Ok::<(), model_persistence::format::FormatError>(())
/// ```
pub fn read<M: DeserializeOwned + Any, R: Read>(
    input: R,
    len: u64,
    limit: u64,
) -> Result<(Header, M), FormatError> {
    let mut opened = open_header(input, len, limit)?;
    if opened.header.model_type != type_name::<M>() {
        let err = FormatError::WrongType {
            expected: type_name::<M>().to_string(),
            found: opened.header.model_type.clone(),
        };
        return Err(opened.damage_or(err));
    }
    let (stored, decoded) = (opened.header.stored_bytes, opened.header.payload_bytes);
    let mut payload = (&mut opened.input).take(stored);
    let payload = &mut payload;
    let model = match opened.header.format {
        Format::Bincode => read_bincode(payload, stored),
        Format::Zstd => decompressor(payload).and_then(|mut unzstd| {
            let model = if opened.header.shuffled {
                let mut unshuffled = ShuffleReader::new(&mut unzstd, decoded);
                read_bincode(&mut unshuffled, decoded)?
            } else {
                read_bincode(&mut unzstd, decoded)?
            };
            // Nothing may follow the model in the decompressed stream.
            match unzstd.read(&mut [0u8; 1])? {
                0 => Ok(model),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "data after the model",
                )),
            }
        }),
        Format::Json => {
            serde_json::from_reader(io::BufReader::new(payload)).map_err(io::Error::from)
        }
    };
    match model {
        Ok(model) => {
            opened.finish_payload()?;
            Ok((opened.header, model))
        }
        Err(e) => {
            let err = match e.kind() {
                // The payload is bounded by its declared length, so running out is corruption.
                io::ErrorKind::UnexpectedEof => {
                    FormatError::Corrupt("the payload ends before the model does".into())
                }
                io::ErrorKind::Other | io::ErrorKind::InvalidData => {
                    FormatError::Corrupt(e.to_string())
                }
                _ => FormatError::Io(e),
            };
            Err(opened.damage_or(err))
        }
    }
}

/// A zstd decoder that refuses frames asking for more than 16 MiB of window; our writer's use at
/// most 2 MiB (level 1), and zstd would otherwise allow up to 128 MiB.
fn decompressor<R: Read>(stored: R) -> io::Result<impl Read> {
    let mut decoder = zstd::Decoder::new(stored)?;
    decoder.window_log_max(24)?;
    Ok(decoder)
}

/// Checks `bytes` and decodes the model of type `M` they hold: [`read`] from memory.
///
/// ```
/// use model_persistence::format::{Format, FormatError, Metadata, MAX_PAYLOAD_BYTES, decode, encode};
///
/// let bytes = encode(&vec![1.5_f64, 2.5], &Metadata::default(), Format::Json)?;
/// let (header, model) = decode::<Vec<f64>>(&bytes, MAX_PAYLOAD_BYTES)?;
/// assert_eq!(model, vec![1.5, 2.5]);
/// assert!(matches!(decode::<String>(&bytes, MAX_PAYLOAD_BYTES), Err(FormatError::WrongType { .. })));
/// # Ok::<(), FormatError>(())
/// ```
pub fn decode<M: DeserializeOwned + Any>(
    bytes: &[u8],
    limit: u64,
) -> Result<(Header, M), FormatError> {
    read(bytes, bytes.len() as u64, limit)
}

/// Checks everything that can be checked without knowing the model's type, decompressing the
/// payload without keeping it, and returns the header.
///
/// ```
/// use model_persistence::format::{Format, Metadata, encode, verify_from};
///
/// let bytes = encode(&"a model", &Metadata::default(), Format::Zstd)?;
/// assert_eq!(verify_from(&bytes[..], bytes.len() as u64)?.model_type, "&str");
/// # Ok::<(), model_persistence::format::FormatError>(())
/// ```
pub fn verify_from<R: Read>(input: R, len: u64) -> Result<Header, FormatError> {
    let mut opened = open_header(input, len, MAX_PAYLOAD_BYTES)?;
    if opened.header.format == Format::Zstd {
        let (stored, decoded) = (opened.header.stored_bytes, opened.header.payload_bytes);
        let mut payload = (&mut opened.input).take(stored);
        let counted = decompressor(&mut payload)
            .and_then(|d| io::copy(&mut d.take(decoded + 1), &mut io::sink()));
        match counted {
            Ok(n) if n == decoded => {}
            Ok(n) => {
                let err = FormatError::Corrupt(format!(
                    "zstd payload is {n} bytes, the header says {decoded}"
                ));
                return Err(opened.damage_or(err));
            }
            Err(e) => return Err(opened.damage_or(FormatError::Corrupt(format!("zstd: {e}")))),
        }
    }
    // The rest of the payload was not decoded, but it goes through the checksum.
    opened.drain()?;
    opened.finish()?;
    Ok(opened.header)
}

/// [`verify_from`] on bytes in memory.
///
/// ```
/// use model_persistence::format::{Format, Metadata, encode, verify};
///
/// let meta = Metadata { features: Some(2), ..Metadata::default() };
/// let bytes = encode(&vec![1.0_f64, 2.0], &meta, Format::Zstd)?;
/// assert_eq!(verify(&bytes)?.metadata.features, Some(2));
/// # Ok::<(), model_persistence::format::FormatError>(())
/// ```
pub fn verify(bytes: &[u8]) -> Result<Header, FormatError> {
    verify_from(bytes, bytes.len() as u64)
}

impl std::fmt::Display for Header {
    /// The report `model-persistence inspect` prints, one field per line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let meta = &self.metadata;
        let shuffled = if self.shuffled { ", byte-shuffled" } else { "" };
        let (name, version) = (self.format.name(), self.format_version);
        writeln!(
            f,
            "format        {name}{shuffled} (file format version {version})"
        )?;
        writeln!(f, "model type    {}", self.model_type)?;
        writeln!(f, "written by    model-persistence {}", self.crate_version)?;
        writeln!(
            f,
            "size          {} bytes; payload {} bytes stored, {} decoded",
            self.file_bytes, self.stored_bytes, self.payload_bytes
        )?;
        write!(f, "checksum      xxh3-64 {} (verified)", self.checksum)?;
        if let Some(n) = meta.features {
            write!(f, "\nfeatures      {n}")?;
        }
        if !meta.feature_names.is_empty() {
            write!(f, "\nnames         {}", meta.feature_names.join(", "))?;
        }
        if let Some(rows) = meta.train_rows {
            write!(f, "\ntrain rows    {rows}")?;
        }
        if let Some(r2) = meta.r2_train {
            write!(f, "\nR² train      {r2}")?;
        }
        if let Some(r2) = meta.r2_test {
            write!(f, "\nR² test       {r2}")?;
        }
        for note in &meta.notes {
            write!(f, "\nnote          {note}")?;
        }
        Ok(())
    }
}
