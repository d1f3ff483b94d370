//! How a model is encoded in a file's payload: the [`Codec`]s, and the streaming encoders and
//! bounded decoders behind them.
//!
//! Everything streams in chunks of a mebibyte, so saving or loading a large model in bincode
//! never holds a second copy of it. (A compressed save holds the compressed bytes in memory until
//! their length is known.)

mod bincode;
mod shuffle;
mod zstd;

pub(crate) use bincode::values_in;

use std::any::Any;
use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Corruption, Error, ErrorKind, Result};

/// The size of the pieces data moves in.
pub(crate) const CHUNK: usize = 1 << 20;

/// A writer that takes a payload's large blocks whole, so that whatever it does besides writing
/// them (the layout's checksum) can run beside the write, on another core.
pub(crate) trait BlockWrite: Write {
    /// Writes all of `block`.
    fn write_block(&mut self, block: &[u8]) -> io::Result<()> {
        self.write_all(block)
    }
}

/// A reader that fills a payload's large blocks whole, so that whatever it does besides reading
/// them (the layout's checksum) can run beside the read, on another core.
pub(crate) trait BlockRead: Read {
    /// Fills all of `block`.
    fn read_block(&mut self, block: &mut [u8]) -> io::Result<()> {
        self.read_exact(block)
    }
}

impl<W: BlockWrite + ?Sized> BlockWrite for &mut W {
    fn write_block(&mut self, block: &[u8]) -> io::Result<()> {
        (**self).write_block(block)
    }
}

impl<R: BlockRead + ?Sized> BlockRead for &mut R {
    fn read_block(&mut self, block: &mut [u8]) -> io::Result<()> {
        (**self).read_block(block)
    }
}

impl BlockWrite for Vec<u8> {}
impl BlockRead for &[u8] {}

/// Any reader, read block by block the plain way: the decompressed stream of a zstd payload.
pub(crate) struct Plain<R>(pub(crate) R);

impl<R: Read> Read for Plain<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> BlockRead for Plain<R> {}

/// How the model is encoded in a file's payload.
///
/// ```
/// use model_persistence::prelude::*;
///
/// assert_eq!("bincode+zstd".parse::<Codec>()?, Codec::BincodeZstd);
/// assert_eq!(Codec::BincodeZstd.extension(), "bin.zst");
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Codec {
    /// serde + bincode, uncompressed: the pickle way.
    #[serde(rename = "bincode")]
    Bincode,
    /// serde + bincode, byte-shuffled when that helps, then zstd at level 1: the joblib way,
    /// which compresses.
    #[serde(rename = "bincode+zstd")]
    BincodeZstd,
    /// serde + JSON: slower and larger, but a person can read the payload.
    #[serde(rename = "json")]
    Json,
}

impl Codec {
    /// Every codec, in the order the article uses them.
    pub const ALL: [Codec; 3] = [Codec::Bincode, Codec::BincodeZstd, Codec::Json];

    /// A short lowercase name, used in reports and on the command line.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// assert_eq!(Codec::BincodeZstd.name(), "bincode+zstd");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Codec::Bincode => "bincode",
            Codec::BincodeZstd => "bincode+zstd",
            Codec::Json => "json",
        }
    }

    /// The file name extension the article's files use for this codec.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// assert_eq!(Codec::Json.extension(), "json");
    /// ```
    pub fn extension(self) -> &'static str {
        match self {
            Codec::Bincode => "bin",
            Codec::BincodeZstd => "bin.zst",
            Codec::Json => "json",
        }
    }

    /// The codec a file name's extension stands for, if any.
    ///
    /// ```
    /// use model_persistence::prelude::*;
    ///
    /// assert_eq!(Codec::for_path("models/wine.bin.zst"), Some(Codec::BincodeZstd));
    /// assert_eq!(Codec::for_path("wine.pkl"), None);
    /// ```
    pub fn for_path(path: impl AsRef<std::path::Path>) -> Option<Codec> {
        let name = path.as_ref().file_name()?.to_str()?;
        // The longest extension first: `.bin.zst` before `.bin`.
        [Codec::BincodeZstd, Codec::Bincode, Codec::Json]
            .into_iter()
            .find(|codec| name.ends_with(&format!(".{}", codec.extension())))
    }

    /// The byte that stands for the codec in a file's fixed header.
    pub(crate) fn code(self) -> u8 {
        match self {
            Codec::Bincode => 1,
            Codec::BincodeZstd => 2,
            Codec::Json => 3,
        }
    }

    /// The codec a header byte stands for.
    pub(crate) fn from_code(code: u8) -> Option<Codec> {
        Codec::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl std::str::FromStr for Codec {
    type Err = Error;

    /// Reads a codec's [`name`](Codec::name).
    fn from_str(text: &str) -> Result<Codec> {
        Codec::ALL
            .into_iter()
            .find(|c| c.name() == text)
            .ok_or_else(|| ErrorKind::UnknownCodecName(text.to_string()).into())
    }
}

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A model's payload, encoded and measured before the file's header is written, since the header
/// holds its lengths.
pub(crate) enum Payload {
    /// bincode, which streams straight to the file after the header: only its length is known.
    Bincode {
        /// Its length.
        len: u64,
        /// Where a run of `f64` values that ends the payload starts, and how many there are.
        values: Option<(u64, u64)>,
    },
    /// The bytes of a payload that had to be encoded whole to know their length.
    Stored {
        /// The bytes as stored.
        bytes: Vec<u8>,
        /// Their length once decoded.
        decoded: u64,
        /// Whether they were byte-shuffled before zstd.
        shuffled: bool,
    },
}

impl Payload {
    /// Encodes `model` with `codec`, as far as needed to know the payload's lengths.
    pub(crate) fn encode<M: Serialize + Any>(model: &M, codec: Codec) -> Result<Payload> {
        Ok(match codec {
            Codec::Bincode => Payload::Bincode {
                len: bincode::len(model)?,
                values: bincode::values_at(model),
            },
            Codec::BincodeZstd => {
                let decoded = bincode::len(model)?;
                let mut zstd = zstd::Compressor::new(decoded);
                bincode::write(model, &mut zstd)?;
                let (bytes, shuffled) = zstd.finish()?;
                Payload::Stored {
                    bytes,
                    decoded,
                    shuffled,
                }
            }
            Codec::Json => {
                let bytes = serde_json::to_vec_pretty(model).map_err(Error::encode)?;
                let decoded = bytes.len() as u64;
                Payload::Stored {
                    bytes,
                    decoded,
                    shuffled: false,
                }
            }
        })
    }

    /// Where the payload's run of `f64` values starts within it and how many there are, when it
    /// is stored as is and ends with one.
    pub(crate) fn values(&self) -> Option<(u64, u64)> {
        match self {
            Payload::Bincode { values, .. } => *values,
            Payload::Stored { .. } => None,
        }
    }

    /// The payload's length as stored in the file.
    pub(crate) fn stored_len(&self) -> u64 {
        match self {
            Payload::Bincode { len, .. } => *len,
            Payload::Stored { bytes, .. } => bytes.len() as u64,
        }
    }

    /// The payload's length once decoded.
    pub(crate) fn decoded_len(&self) -> u64 {
        match self {
            Payload::Bincode { len, .. } => *len,
            Payload::Stored { decoded, .. } => *decoded,
        }
    }

    /// Whether the payload was byte-shuffled before zstd.
    pub(crate) fn shuffled(&self) -> bool {
        matches!(self, Payload::Stored { shuffled: true, .. })
    }

    /// Writes the payload of `model` to `out`.
    pub(crate) fn write<M: Serialize + Any>(
        &self,
        model: &M,
        out: &mut impl BlockWrite,
    ) -> Result<()> {
        match self {
            Payload::Bincode { .. } => bincode::write(model, out),
            Payload::Stored { bytes, .. } => Ok(out.write_all(bytes)?),
        }
    }
}

/// Decodes a model of type `M` from `stored` bytes of `input`, encoded with `codec`, that
/// decode to `decoded` bytes. Every allocation is bounded by these lengths.
pub(crate) fn decode<M: DeserializeOwned + Any>(
    codec: Codec,
    shuffled: bool,
    stored: u64,
    decoded: u64,
    input: &mut impl BlockRead,
) -> Result<M> {
    match codec {
        // bincode bounds its own reads by `stored`, and takes large blocks whole.
        Codec::Bincode => bincode::read(input, stored),
        Codec::BincodeZstd => zstd::read(input.take(stored), decoded, shuffled),
        Codec::Json => {
            let payload = io::BufReader::new(input.take(stored));
            serde_json::from_reader(payload).map_err(|e| {
                if e.is_io() {
                    payload_error(e.into())
                } else if e.is_eof() {
                    Corruption::PayloadEnds.into()
                } else {
                    Corruption::Json(e).into()
                }
            })
        }
    }
}

/// Checks what can be checked of a payload without knowing the model's type: a compressed
/// payload is decompressed, without keeping it, to its declared length.
pub(crate) fn check(codec: Codec, stored: u64, decoded: u64, input: &mut impl Read) -> Result<()> {
    match codec {
        Codec::BincodeZstd => zstd::check(input.take(stored), decoded),
        Codec::Bincode | Codec::Json => Ok(()),
    }
}

/// An I/O error under a payload reader as the kind a user acts on: the payload is bounded by its
/// declared length, so running out is corruption; zstd reports a damaged frame with the kinds
/// `Other` and `InvalidData`, which nothing else below a payload reader uses.
fn payload_error(err: io::Error) -> Error {
    match err.kind() {
        io::ErrorKind::UnexpectedEof => Corruption::PayloadEnds.into(),
        io::ErrorKind::Other | io::ErrorKind::InvalidData => Corruption::Zstd(err).into(),
        _ => err.into(),
    }
}
