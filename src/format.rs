//! The model file format: a fixed header, a JSON descriptor, the encoded model, and a checksum.
//!
//! Every file this crate writes has this layout (integers little-endian):
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 8 | magic `\x89MODEL\r\n`: binary, and a text-mode transfer visibly breaks it |
//! | 8 | 2 | format version, [`VERSION`] |
//! | 10 | 1 | codec: 1 bincode, 2 bincode + zstd, 3 JSON ([`Format`]) |
//! | 11 | 1 | reserved, 0 |
//! | 12 | 4 | descriptor length `d` |
//! | 16 | 8 | stored payload length `s` |
//! | 24 | 8 | decoded payload length (equal to `s` unless compressed) |
//! | 32 | `d` | descriptor: JSON with the model type, the crate version and the [`Metadata`] |
//! | 32 + `d` | `s` | payload: the model, serialized with serde in the codec's encoding |
//! | 32 + `d` + `s` | 8 | XXH3-64 checksum of every byte before it |
//!
//! Reading checks, in order: the magic, the version, the lengths against the file size, the
//! checksum, the codec, the descriptor, the size limit, the model type, and only then decodes.
//! Decoding never runs code from the file, and every allocation it makes is bounded by the
//! declared and checked lengths (see [`decode`]).

use std::any::type_name;

use bincode::error::DecodeError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use xxhash_rust::xxh3::xxh3_64;

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"\x89MODEL\r\n";
/// The format version this crate writes, and the newest it reads.
pub const VERSION: u16 = 1;
/// The largest decoded payload [`decode`] accepts by default: 2 GiB.
pub const MAX_PAYLOAD_BYTES: u64 = 2 << 30;

const FIXED: usize = 32;
const CHECKSUM: usize = 8;
/// zstd level 3, as joblib's `compress=3`.
const ZSTD_LEVEL: i32 = 3;

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
}

/// The bytes of a model file holding `model`, encoded in `format`, described by `metadata`.
///
/// ```
/// use model_persistence::format::{Format, Metadata, MAGIC, encode};
///
/// let bytes = encode(&vec![1.0_f64, 2.0], &Metadata::default(), Format::Bincode)?;
/// assert!(bytes.starts_with(&MAGIC));
/// # Ok::<(), model_persistence::format::FormatError>(())
/// ```
pub fn encode<M: Serialize>(
    model: &M,
    metadata: &Metadata,
    format: Format,
) -> Result<Vec<u8>, FormatError> {
    let descriptor = Descriptor {
        model_type: type_name::<M>().to_string(),
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        metadata: metadata.clone(),
    };
    let descriptor = serde_json::to_vec(&descriptor).map_err(encode_error)?;
    let payload = match format {
        Format::Json => serde_json::to_vec_pretty(model).map_err(encode_error)?,
        Format::Bincode | Format::Zstd => {
            bincode::serde::encode_to_vec(model, bincode::config::standard())
                .map_err(encode_error)?
        }
    };
    let decoded_len = payload.len() as u64;
    let stored = match format {
        Format::Zstd => zstd::bulk::compress(&payload, ZSTD_LEVEL).map_err(encode_error)?,
        Format::Bincode | Format::Json => payload,
    };

    let mut bytes = Vec::with_capacity(FIXED + descriptor.len() + stored.len() + CHECKSUM);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.push(format.code());
    bytes.push(0);
    let descriptor_len = u32::try_from(descriptor.len()).map_err(encode_error)?;
    bytes.extend_from_slice(&descriptor_len.to_le_bytes());
    bytes.extend_from_slice(&(stored.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&decoded_len.to_le_bytes());
    bytes.extend_from_slice(&descriptor);
    bytes.extend_from_slice(&stored);
    let checksum = xxh3_64(&bytes);
    bytes.extend_from_slice(&checksum.to_le_bytes());
    Ok(bytes)
}

fn encode_error(err: impl std::fmt::Display) -> FormatError {
    FormatError::Encode(err.to_string())
}

/// A checked file, split into its parts.
struct Parts<'a> {
    header: Header,
    stored: &'a [u8],
}

/// Checks everything but the payload's content and returns the file's [`Header`].
///
/// ```
/// use model_persistence::format::{Format, Metadata, encode, read_header};
///
/// let meta = Metadata { features: Some(2), ..Metadata::default() };
/// let bytes = encode(&vec![1.0_f64, 2.0], &meta, Format::Zstd)?;
/// let header = read_header(&bytes)?;
/// assert_eq!(header.format, Format::Zstd);
/// assert_eq!(header.metadata.features, Some(2));
/// # Ok::<(), model_persistence::format::FormatError>(())
/// ```
pub fn read_header(bytes: &[u8]) -> Result<Header, FormatError> {
    parts(bytes, MAX_PAYLOAD_BYTES).map(|p| p.header)
}

fn parts(bytes: &[u8], limit: u64) -> Result<Parts<'_>, FormatError> {
    if bytes.is_empty() {
        return Err(FormatError::Empty);
    }
    let found = bytes.len() as u64;
    if !bytes.starts_with(&MAGIC) {
        if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
            return Err(FormatError::Truncated {
                expected: FIXED as u64,
                found,
            });
        }
        return Err(FormatError::NotAModel);
    }
    if bytes.len() < FIXED {
        return Err(FormatError::Truncated {
            expected: FIXED as u64,
            found,
        });
    }
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    match version {
        0 => return Err(FormatError::BadVersion(0)),
        v if v > VERSION => return Err(FormatError::NewerVersion { found: v }),
        _ => {}
    }
    let descriptor_len = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as u64;
    let (stored_len, decoded_len) = (u64_at(16), u64_at(24));
    let expected = (FIXED as u64 + CHECKSUM as u64)
        .checked_add(descriptor_len)
        .and_then(|n| n.checked_add(stored_len))
        .ok_or_else(|| FormatError::Corrupt("impossible lengths in the header".into()))?;
    if found < expected {
        return Err(FormatError::Truncated { expected, found });
    }
    if found > expected {
        let extra = found - expected;
        return Err(FormatError::Corrupt(format!(
            "{extra} bytes after the checksum"
        )));
    }

    let (body, tail) = bytes.split_at(bytes.len() - CHECKSUM);
    let stored_sum = u64::from_le_bytes(tail.try_into().expect("8 bytes"));
    let computed = xxh3_64(body);
    if stored_sum != computed {
        return Err(FormatError::Checksum {
            stored: stored_sum,
            computed,
        });
    }

    let format = Format::from_code(bytes[10]).ok_or(FormatError::UnknownCodec(bytes[10]))?;
    if bytes[11] != 0 {
        return Err(FormatError::Corrupt(format!(
            "reserved byte is {}",
            bytes[11]
        )));
    }
    let descriptor_end = FIXED + descriptor_len as usize;
    let descriptor: Descriptor = serde_json::from_slice(&bytes[FIXED..descriptor_end])
        .map_err(|e| FormatError::Corrupt(format!("descriptor: {e}")))?;
    if format != Format::Zstd && decoded_len != stored_len {
        return Err(FormatError::Corrupt("payload lengths differ".into()));
    }
    if decoded_len > limit {
        return Err(FormatError::TooLarge {
            bytes: decoded_len,
            limit,
        });
    }
    let header = Header {
        format_version: version,
        format,
        model_type: descriptor.model_type,
        crate_version: descriptor.crate_version,
        file_bytes: found,
        stored_bytes: stored_len,
        payload_bytes: decoded_len,
        checksum: format!("{computed:016x}"),
        metadata: descriptor.metadata,
    };
    Ok(Parts {
        header,
        stored: &body[descriptor_end..],
    })
}

/// Checks `bytes` and decodes the model of type `M` they hold, with a payload of at most `limit`
/// bytes once decompressed.
///
/// Memory stays bounded on hostile input: the decompressor stops at the declared length, bincode
/// may claim at most four times the payload for one container, and serde's collections grow only
/// as elements actually arrive.
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
pub fn decode<M: DeserializeOwned>(bytes: &[u8], limit: u64) -> Result<(Header, M), FormatError> {
    let Parts { header, stored } = parts(bytes, limit)?;
    if header.model_type != type_name::<M>() {
        return Err(FormatError::WrongType {
            expected: type_name::<M>().to_string(),
            found: header.model_type,
        });
    }
    let model = match header.format {
        Format::Bincode => decode_bincode(stored)?,
        Format::Zstd => decode_bincode(&decompress(stored, header.payload_bytes)?)?,
        Format::Json => {
            serde_json::from_slice(stored).map_err(|e| FormatError::Corrupt(e.to_string()))?
        }
    };
    Ok((header, model))
}

/// Checks `bytes` as [`read_header`] does and also decompresses the payload, without decoding it:
/// everything that can be verified without knowing the model's type.
///
/// ```
/// use model_persistence::format::{Format, Metadata, encode, verify};
///
/// let bytes = encode(&"a model", &Metadata::default(), Format::Zstd)?;
/// assert_eq!(verify(&bytes)?.model_type, "&str");
/// # Ok::<(), model_persistence::format::FormatError>(())
/// ```
pub fn verify(bytes: &[u8]) -> Result<Header, FormatError> {
    let Parts { header, stored } = parts(bytes, MAX_PAYLOAD_BYTES)?;
    if header.format == Format::Zstd {
        decompress(stored, header.payload_bytes)?;
    }
    Ok(header)
}

/// Decompresses a zstd frame that must expand to exactly `len` bytes, never holding more.
fn decompress(stored: &[u8], len: u64) -> Result<Vec<u8>, FormatError> {
    use std::io::Read;
    let corrupt = |e: std::io::Error| FormatError::Corrupt(format!("zstd: {e}"));
    let mut decoder = zstd::stream::read::Decoder::with_buffer(stored).map_err(corrupt)?;
    // Our writer's frames use windows of at most 2 MiB (level 3); refuse a frame that asks the
    // decoder for more than 16 MiB of window, which zstd would otherwise allow up to 128 MiB.
    decoder.window_log_max(24).map_err(corrupt)?;
    let mut out = Vec::new();
    // Grows with the data that really comes out, so a lying header costs nothing.
    decoder
        .take(len + 1)
        .read_to_end(&mut out)
        .map_err(corrupt)?;
    if out.len() as u64 != len {
        return Err(FormatError::Corrupt(format!(
            "zstd payload is {} bytes, the header says {len}",
            out.len()
        )));
    }
    Ok(out)
}

/// Decodes bincode with a limit on container claims of the smallest power of four at or above
/// the payload's size (bincode's limit is a compile-time constant, hence the ladder).
fn decode_bincode<M: DeserializeOwned>(payload: &[u8]) -> Result<M, FormatError> {
    macro_rules! with_limit {
        ($($shift:literal),*) => {
            $(if payload.len() <= 1usize << $shift {
                return finish(bincode::serde::decode_from_slice(
                    payload,
                    bincode::config::standard().with_limit::<{ 1usize << $shift }>(),
                ), payload.len());
            })*
        };
    }
    with_limit!(16, 18, 20, 22, 24, 26, 28, 30, 32);
    Err(FormatError::TooLarge {
        bytes: payload.len() as u64,
        limit: 1 << 32,
    })
}

fn finish<M>(decoded: Result<(M, usize), DecodeError>, len: usize) -> Result<M, FormatError> {
    match decoded {
        Ok((model, used)) if used == len => Ok(model),
        Ok((_, used)) => Err(FormatError::Corrupt(format!(
            "{} bytes left after the model",
            len - used
        ))),
        Err(DecodeError::UnexpectedEnd { .. }) => Err(FormatError::Corrupt(
            "the payload ends before the model does".into(),
        )),
        Err(DecodeError::LimitExceeded) => Err(FormatError::Corrupt(
            "a length field claims more data than the file holds".into(),
        )),
        Err(e) => Err(FormatError::Corrupt(e.to_string())),
    }
}

impl std::fmt::Display for Header {
    /// The report `model-persistence inspect` prints, one field per line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let meta = &self.metadata;
        writeln!(
            f,
            "format        {} (file format version {})",
            self.format.name(),
            self.format_version
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
