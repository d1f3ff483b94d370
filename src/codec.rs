//! The streaming pieces under [`crate::format`]: a checksum that is computed as bytes pass, the
//! byte shuffle that helps zstd on numbers, and bincode with bounded decoding and a bulk path for
//! `f64` arrays.
//!
//! Everything streams in chunks of [`CHUNK`] bytes, so saving or loading a large model in bincode
//! never holds a second copy of it, and the file's bytes are hashed while they are still in the
//! cache. (A compressed save keeps the compressed bytes in memory until their length is known.)

use std::any::Any;
use std::io::{self, Read, Write};

use bincode::error::{DecodeError, EncodeError};
use ndarray::Array1;
use serde::Serialize;
use serde::de::DeserializeOwned;
use xxhash_rust::xxh3::Xxh3;

/// The size of the pieces data moves in.
pub const CHUNK: usize = 1 << 20;
/// Bytes per lane of the shuffle: the size of an `f64`.
const LANE: usize = 8;

/// A writer that hashes (XXH3-64) every byte it passes on.
///
/// ```
/// use std::io::Write;
/// use model_persistence::codec::HashWriter;
///
/// let mut out = HashWriter::new(Vec::new());
/// out.write_all(b"model")?;
/// assert_eq!(out.digest(), xxhash_rust::xxh3::xxh3_64(b"model"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct HashWriter<W> {
    inner: W,
    hasher: Xxh3,
}

impl<W: Write> HashWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Xxh3::new(),
        }
    }

    /// The checksum of everything written so far.
    pub fn digest(&self) -> u64 {
        self.hasher.digest()
    }

    /// The wrapped writer, to write what must not be hashed (the checksum itself).
    pub fn inner(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes (XXH3-64) every byte it hands out.
///
/// ```
/// use std::io::Read;
/// use model_persistence::codec::HashReader;
///
/// let mut input = HashReader::new(&b"model"[..]);
/// let mut text = String::new();
/// input.read_to_string(&mut text)?;
/// assert_eq!(input.digest(), xxhash_rust::xxh3::xxh3_64(b"model"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct HashReader<R> {
    inner: R,
    hasher: Xxh3,
    count: u64,
}

impl<R: Read> HashReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        HashReader {
            inner,
            hasher: Xxh3::new(),
            count: 0,
        }
    }

    /// How many bytes have been read so far.
    pub fn bytes_read(&self) -> u64 {
        self.count
    }

    /// The checksum of everything read so far.
    pub fn digest(&self) -> u64 {
        self.hasher.digest()
    }

    /// The wrapped reader, to read what must not be hashed (the checksum itself).
    pub fn inner(&mut self) -> &mut R {
        &mut self.inner
    }
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Groups the bytes of each chunk by their position in an 8-byte lane: all first bytes, then
/// all second bytes, and so on. Exponents and high mantissa bytes of neighbouring `f64` values
/// repeat, so after the shuffle a compressor finds long runs it would otherwise miss (the idea of
/// Blosc and HDF5's shuffle filter). Bytes past the last whole lane stay where they are.
///
/// ```
/// use model_persistence::codec::{shuffle, unshuffle};
///
/// let data: Vec<u8> = (0..20).collect();
/// let mut out = vec![0; 20];
/// shuffle(&data, &mut out);
/// assert_eq!(&out[..4], &[0, 8, 1, 9]);
/// let mut back = vec![0; 20];
/// unshuffle(&out, &mut back);
/// assert_eq!(back, data);
/// ```
pub fn shuffle(data: &[u8], out: &mut [u8]) {
    let lanes = data.len() / LANE;
    let blocks = lanes / 8;
    // Eight lanes at a time: an 8 x 8 byte transpose in registers.
    for block in 0..blocks {
        let rows = std::array::from_fn(|i| {
            let at = (block * 8 + i) * LANE;
            u64::from_le_bytes(data[at..at + LANE].try_into().expect("8 bytes"))
        });
        for (byte, row) in transpose(rows).into_iter().enumerate() {
            let at = byte * lanes + block * 8;
            out[at..at + 8].copy_from_slice(&row.to_le_bytes());
        }
    }
    for i in blocks * 8..lanes {
        for byte in 0..LANE {
            out[byte * lanes + i] = data[i * LANE + byte];
        }
    }
    out[lanes * LANE..].copy_from_slice(&data[lanes * LANE..]);
}

/// Undoes [`shuffle`].
///
/// ```
/// use model_persistence::codec::unshuffle;
///
/// let mut out = [0; 4];
/// unshuffle(&[1, 2, 3, 4], &mut out);
/// assert_eq!(out, [1, 2, 3, 4]);
/// ```
pub fn unshuffle(data: &[u8], out: &mut [u8]) {
    let lanes = data.len() / LANE;
    let blocks = lanes / 8;
    for block in 0..blocks {
        let rows = std::array::from_fn(|byte| {
            let at = byte * lanes + block * 8;
            u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"))
        });
        for (i, row) in transpose(rows).into_iter().enumerate() {
            let at = (block * 8 + i) * LANE;
            out[at..at + LANE].copy_from_slice(&row.to_le_bytes());
        }
    }
    for i in blocks * 8..lanes {
        for byte in 0..LANE {
            out[i * LANE + byte] = data[byte * lanes + i];
        }
    }
    out[lanes * LANE..].copy_from_slice(&data[lanes * LANE..]);
}

/// Transposes an 8 x 8 matrix of bytes held as eight little-endian rows: byte `j` of row `i`
/// becomes byte `i` of row `j`. Three rounds swap 4 x 4, 2 x 2 and 1 x 1 blocks with masks.
fn transpose(mut r: [u64; 8]) -> [u64; 8] {
    for (shift, mask, pairs) in [
        (
            32,
            0x0000_0000_FFFF_FFFF_u64,
            [(0, 4), (1, 5), (2, 6), (3, 7)],
        ),
        (16, 0x0000_FFFF_0000_FFFF, [(0, 2), (1, 3), (4, 6), (5, 7)]),
        (8, 0x00FF_00FF_00FF_00FF, [(0, 1), (2, 3), (4, 5), (6, 7)]),
    ] {
        for (a, b) in pairs {
            let t = ((r[a] >> shift) ^ r[b]) & mask;
            r[a] ^= t << shift;
            r[b] ^= t;
        }
    }
    r
}

/// A writer that shuffles each [`CHUNK`] of what it is given before passing it on.
///
/// ```
/// use std::io::Write;
/// use model_persistence::codec::ShuffleWriter;
///
/// let mut out = ShuffleWriter::new(Vec::new());
/// out.write_all(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])?;
/// assert_eq!(&out.finish()?[..4], &[1, 9, 2, 10]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ShuffleWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    shuffled: Vec<u8>,
}

impl<W: Write> ShuffleWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        // Buffers grow with use, so a small model costs no megabyte-sized allocation.
        let (pending, shuffled) = (Vec::new(), Vec::new());
        ShuffleWriter {
            inner,
            pending,
            shuffled,
        }
    }

    fn emit(&mut self) -> io::Result<()> {
        self.shuffled.resize(self.pending.len(), 0);
        shuffle(&self.pending, &mut self.shuffled);
        self.inner.write_all(&self.shuffled)?;
        self.pending.clear();
        Ok(())
    }

    /// Shuffles and writes the last, partial chunk and returns the wrapped writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.emit()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ShuffleWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(CHUNK - self.pending.len());
        self.pending.extend_from_slice(&buf[..n]);
        if self.pending.len() == CHUNK {
            self.emit()?;
        }
        Ok(n)
    }

    /// Passes on a flush without emitting a partial chunk: chunk edges must not depend on it.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that undoes [`ShuffleWriter`], chunk by chunk, for a stream of `len` bytes; it
/// never reads past them, and a stream that ends early is an error.
///
/// ```
/// use std::io::{Read, Write};
/// use model_persistence::codec::{ShuffleReader, ShuffleWriter};
///
/// let data: Vec<u8> = (0..=255).cycle().take(3_000_000).collect();
/// let mut writer = ShuffleWriter::new(Vec::new());
/// writer.write_all(&data)?;
/// let mut back = Vec::new();
/// ShuffleReader::new(&writer.finish()?[..], 3_000_000).read_to_end(&mut back)?;
/// assert_eq!(back, data);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ShuffleReader<R> {
    inner: R,
    remaining: u64,
    shuffled: Vec<u8>,
    ready: Vec<u8>,
    at: usize,
}

impl<R: Read> ShuffleReader<R> {
    /// Wraps `inner`, which holds `len` shuffled bytes.
    pub fn new(inner: R, len: u64) -> Self {
        let (shuffled, ready) = (Vec::new(), Vec::new());
        ShuffleReader {
            inner,
            remaining: len,
            shuffled,
            ready,
            at: 0,
        }
    }

    /// The wrapped reader, positioned after the `len` bytes.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for ShuffleReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.ready.len() {
            // Unshuffle the next chunk whole: the writer's chunk edges are every CHUNK bytes.
            let size = self.remaining.min(CHUNK as u64) as usize;
            self.shuffled.resize(size, 0);
            self.inner.read_exact(&mut self.shuffled)?;
            self.remaining -= size as u64;
            self.ready.resize(size, 0);
            unshuffle(&self.shuffled, &mut self.ready);
            self.at = 0;
        }
        let n = buf.len().min(self.ready.len() - self.at);
        buf[..n].copy_from_slice(&self.ready[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// zstd's fastest regular level. On the benchmark's 80 MB payloads level 1 made files as small
/// as level 3 (joblib's `compress=3` counterpart) and was 15 to 20 % faster; zstd's worker
/// threads made it slower.
const ZSTD_LEVEL: i32 = 1;
/// Payloads below this size are compressed without trying the shuffle first.
const TRIAL_FROM: usize = 4096;

/// Where a [`Compressor`] sends its bytes once it has chosen.
enum Sink {
    Plain(zstd::Encoder<'static, Vec<u8>>),
    Shuffled(ShuffleWriter<zstd::Encoder<'static, Vec<u8>>>),
}

/// Compresses a stream with zstd, byte-shuffled or not. It holds back the first [`CHUNK`],
/// compresses that sample both ways and keeps the smaller way for the whole stream: shuffling
/// helps numbers that change smoothly, and hurts data that repeats whole values.
///
/// ```
/// use std::io::Write;
/// use model_persistence::codec::Compressor;
///
/// let mut zstd = Compressor::new(8000)?;
/// for i in 0..1000 {
///     zstd.write_all(&(i as f64).to_le_bytes())?;
/// }
/// let (compressed, shuffled) = zstd.finish()?;
/// assert!(compressed.len() < 8000);
/// println!("shuffled: {shuffled}");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Compressor {
    len: u64,
    sample: Vec<u8>,
    sink: Option<Sink>,
}

impl Compressor {
    /// A compressor for a stream of exactly `len` bytes.
    pub fn new(len: u64) -> io::Result<Self> {
        Ok(Compressor {
            len,
            sample: Vec::new(),
            sink: None,
        })
    }

    /// Compresses the sample both ways, picks, and sends the sample on.
    fn choose(&mut self) -> io::Result<&mut Sink> {
        if self.sink.is_none() {
            let mut encoder = zstd::Encoder::new(Vec::new(), ZSTD_LEVEL)?;
            encoder.set_pledged_src_size(Some(self.len))?;
            encoder.include_contentsize(true)?;
            // Shuffle only for a clear gain: it costs time on both ends.
            let mut sink = if self.shuffling_pays()? {
                Sink::Shuffled(ShuffleWriter::new(encoder))
            } else {
                Sink::Plain(encoder)
            };
            match &mut sink {
                Sink::Plain(w) => w.write_all(&self.sample)?,
                Sink::Shuffled(w) => w.write_all(&self.sample)?,
            }
            self.sample = Vec::new();
            self.sink = Some(sink);
        }
        Ok(self.sink.as_mut().expect("chosen"))
    }

    /// Whether the sample compresses clearly better shuffled. A sample too small to tell, such
    /// as a small model, is not shuffled, and costs no trial compression.
    fn shuffling_pays(&self) -> io::Result<bool> {
        if self.sample.len() < TRIAL_FROM {
            return Ok(false);
        }
        let plain = zstd::bulk::compress(&self.sample, ZSTD_LEVEL)?.len();
        let mut shuffled = vec![0; self.sample.len()];
        shuffle(&self.sample, &mut shuffled);
        let with_shuffle = zstd::bulk::compress(&shuffled, ZSTD_LEVEL)?.len();
        Ok(with_shuffle * 100 < plain * 97)
    }

    /// Ends the stream: the compressed bytes, and whether they were shuffled first.
    pub fn finish(mut self) -> io::Result<(Vec<u8>, bool)> {
        self.choose()?;
        match self.sink.take().expect("chosen") {
            Sink::Plain(w) => Ok((w.finish()?, false)),
            Sink::Shuffled(w) => Ok((w.finish()?.finish()?, true)),
        }
    }
}

impl Write for Compressor {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.sink.is_none() {
            let n = buf.len().min(CHUNK - self.sample.len());
            self.sample.extend_from_slice(&buf[..n]);
            if self.sample.len() == CHUNK {
                self.choose()?;
            }
            return Ok(n);
        }
        match self.sink.as_mut().expect("chosen") {
            Sink::Plain(w) => w.write(buf),
            Sink::Shuffled(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// The values of a model that is one contiguous run of `f64` (an `Array1<f64>` or a
/// `Vec<f64>`), with the bincode bytes that come before them. Such a model is written and read
/// in one block instead of one element at a time; the bytes are those bincode's serde path
/// writes, which a test checks.
fn f64_block<M: Any>(model: &M) -> Option<(Vec<u8>, &[f64])> {
    if cfg!(target_endian = "big") {
        return None;
    }
    let any = model as &dyn Any;
    if let Some(array) = any.downcast_ref::<Array1<f64>>() {
        let values = array.as_slice()?;
        // ndarray's serde form: format version 1, the shape, then the elements as a sequence.
        let prefix = bincode::encode_to_vec((1u8, values.len(), values.len()), config()).ok()?;
        return Some((prefix, values));
    }
    let values = any.downcast_ref::<Vec<f64>>()?;
    Some((bincode::encode_to_vec(values.len(), config()).ok()?, values))
}

/// The number of bytes bincode will write for `model`.
///
/// ```
/// use model_persistence::codec::bincode_len;
///
/// assert_eq!(bincode_len(&vec![1.0_f64; 1000])?, 3 + 8000);
/// # Ok::<(), bincode::error::EncodeError>(())
/// ```
pub fn bincode_len<M: Serialize + Any>(model: &M) -> Result<u64, EncodeError> {
    if let Some((prefix, values)) = f64_block(model) {
        return Ok((prefix.len() + size_of_val(values)) as u64);
    }
    let mut size = bincode::enc::write::SizeWriter::default();
    bincode::serde::encode_into_writer(model, &mut size, config())?;
    Ok(size.bytes_written as u64)
}

/// Writes `model` as bincode to `out`.
///
/// ```
/// use model_persistence::codec::write_bincode;
///
/// let mut out = Vec::new();
/// write_bincode(&vec![0.5_f64, 1.5], &mut out)?;
/// assert_eq!(out, bincode::serde::encode_to_vec(vec![0.5_f64, 1.5], bincode::config::standard())?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_bincode<M: Serialize + Any, W: Write>(model: &M, out: &mut W) -> io::Result<()> {
    if let Some((prefix, values)) = f64_block(model) {
        out.write_all(&prefix)?;
        for chunk in values.chunks(CHUNK / 8) {
            out.write_all(bytemuck::cast_slice(chunk))?;
        }
        return Ok(());
    }
    let mut buffered = io::BufWriter::with_capacity(CHUNK / 16, out);
    bincode::serde::encode_into_std_write(model, &mut buffered, config()).map_err(|e| match e {
        EncodeError::Io { inner, .. } => inner,
        other => io::Error::other(other.to_string()),
    })?;
    buffered.flush()
}

/// Reads a model of type `M` from exactly `len` bytes of bincode in `input`.
///
/// Memory stays bounded on hostile input: bincode may claim at most four times `len` for one
/// container, serde's collections grow only as elements actually arrive, and the `f64` block
/// path allocates only after checking its length against `len`.
///
/// ```
/// use model_persistence::codec::read_bincode;
///
/// let bytes = bincode::serde::encode_to_vec(vec![0.5_f64, 1.5], bincode::config::standard())?;
/// let values: Vec<f64> = read_bincode(&bytes[..], bytes.len() as u64)?;
/// assert_eq!(values, vec![0.5, 1.5]);
/// assert!(read_bincode::<Vec<f64>, _>(&bytes[..], bytes.len() as u64 + 1).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_bincode<M: DeserializeOwned + Any, R: Read>(input: R, len: u64) -> io::Result<M> {
    let mut input = input.take(len);
    if let Some(model) = read_f64_block::<M, _>(&mut input, len)? {
        return Ok(model);
    }
    let capacity = (CHUNK as u64 / 16).min(len) as usize;
    let mut buffered = io::BufReader::with_capacity(capacity, &mut input);
    let model = read_limited(&mut buffered, len)?;
    let left = buffered.buffer().len() as u64 + buffered.into_inner().limit();
    if left > 0 {
        return Err(invalid(format!("{left} bytes left after the model")));
    }
    Ok(model)
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// The bulk path of [`read_bincode`] for `Array1<f64>` and `Vec<f64>`; `None` for other types.
fn read_f64_block<M: Any, R: Read>(input: &mut R, len: u64) -> io::Result<Option<M>> {
    let is_array = std::any::TypeId::of::<M>() == std::any::TypeId::of::<Array1<f64>>();
    let is_vec = std::any::TypeId::of::<M>() == std::any::TypeId::of::<Vec<f64>>();
    if cfg!(target_endian = "big") || !(is_array || is_vec) {
        return Ok(None);
    }
    let (version, shape) = if is_array {
        let version = bincode::decode_from_std_read::<u8, _, _>(input, config());
        let shape = bincode::decode_from_std_read::<u64, _, _>(input, config());
        (
            version.map_err(decode_error)?,
            Some(shape.map_err(decode_error)?),
        )
    } else {
        (1, None)
    };
    let count =
        bincode::decode_from_std_read::<u64, _, _>(input, config()).map_err(decode_error)?;
    if version != 1 || shape.is_some_and(|s| s != count) {
        return Err(invalid("array header does not match its data"));
    }
    let prefix = if is_array {
        bincode::encode_to_vec((1u8, count, count), config())
    } else {
        bincode::encode_to_vec(count, config())
    };
    let prefix = prefix.map_err(|e| invalid(e.to_string()))?.len() as u64;
    if count.checked_mul(8).and_then(|b| b.checked_add(prefix)) != Some(len) {
        return Err(invalid("the array's length does not match the payload"));
    }
    let mut values = vec![0.0_f64; count as usize];
    for chunk in values.chunks_mut(CHUNK / 8) {
        input.read_exact(bytemuck::cast_slice_mut(chunk))?;
    }
    let model: Box<dyn Any> = if is_array {
        Box::new(Array1::from_vec(values))
    } else {
        Box::new(values)
    };
    Ok(model.downcast::<M>().ok().map(|m| *m))
}

/// Decodes with a limit on container claims of the smallest power of four at or above `len`
/// (bincode's limit is a compile-time constant, hence the ladder).
fn read_limited<M: DeserializeOwned, R: Read>(input: &mut R, len: u64) -> io::Result<M> {
    macro_rules! with_limit {
        ($($shift:literal),*) => {
            $(if len <= 1u64 << $shift {
                let config = config().with_limit::<{ 1usize << $shift }>();
                return bincode::serde::decode_from_std_read(input, config).map_err(decode_error);
            })*
        };
    }
    with_limit!(16, 18, 20, 22, 24, 26, 28, 30, 32, 34);
    Err(invalid("the payload is too large to decode"))
}

fn decode_error(err: DecodeError) -> io::Error {
    match err {
        DecodeError::Io { inner, .. } => inner,
        DecodeError::UnexpectedEnd { .. } => invalid("the payload ends before the model does"),
        DecodeError::LimitExceeded => {
            invalid("a length field claims more data than the file holds")
        }
        other => invalid(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `model` by the block path and checks it against bincode's serde path, both ways.
    fn round_trip<M: Serialize + DeserializeOwned + Any + PartialEq + std::fmt::Debug>(model: &M) {
        let expected = bincode::serde::encode_to_vec(model, config()).unwrap();
        let mut out = Vec::new();
        write_bincode(model, &mut out).unwrap();
        assert_eq!(out, expected);
        assert_eq!(bincode_len(model).unwrap(), expected.len() as u64);
        let back: M = read_bincode(&out[..], out.len() as u64).unwrap();
        assert_eq!(&back, model);
    }

    #[test]
    fn the_f64_block_path_writes_and_reads_exactly_bincodes_bytes() {
        // Lengths on each side of bincode's varint thresholds.
        for n in [0, 1, 250, 251, 65_535, 65_536, 200_000] {
            let values: Vec<f64> = (0..n).map(|i| i as f64 * 0.25 - 3.0).collect();
            round_trip(&values);
            round_trip(&Array1::from(values));
        }
    }

    #[test]
    fn shuffle_matches_the_byte_by_byte_definition() {
        for len in [0, 7, 8, 63, 64, 65, 200, 1000, 4099] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 13) as u8).collect();
            let lanes = len / LANE;
            let mut expected = data.clone();
            for i in 0..lanes {
                for byte in 0..LANE {
                    expected[byte * lanes + i] = data[i * LANE + byte];
                }
            }
            let mut out = vec![0; len];
            shuffle(&data, &mut out);
            assert_eq!(out, expected, "len {len}");
            let mut back = vec![0; len];
            unshuffle(&out, &mut back);
            assert_eq!(back, data, "len {len}");
        }
    }

    #[test]
    fn a_block_with_a_lying_length_is_refused() {
        let mut out = Vec::new();
        write_bincode(&vec![1.0_f64; 10], &mut out).unwrap();
        let short = read_bincode::<Vec<f64>, _>(&out[..out.len() - 8], out.len() as u64 - 8);
        assert!(short.is_err());
        let long = read_bincode::<Vec<f64>, _>(&out[..], out.len() as u64 + 8);
        assert!(long.is_err());
    }
}
