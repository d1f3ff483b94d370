//! zstd, both ways: compressing a bincode stream (byte-shuffled when a trial says it pays) and
//! decompressing it with the window and the output bounded, whatever the frame claims.

use std::any::Any;
use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;

use super::shuffle::{ShuffleReader, ShuffleWriter, shuffle};
use super::{BlockWrite, CHUNK, Plain, bincode, payload_error};
use crate::error::{Corruption, Error, Result};

/// zstd's fastest regular level. On the benchmark's 80 MB payloads level 1 made files as small
/// as level 3 (joblib's `compress=3` counterpart) and was 15 to 20 % faster; zstd's worker
/// threads made it slower.
const LEVEL: i32 = 1;
/// Payloads below this size are compressed without trying the shuffle first.
const TRIAL_FROM: usize = 4096;
/// The largest window a frame may ask for, as a power of two: 16 MiB. Our writer's frames use at
/// most 2 MiB (level 1); zstd would otherwise allow up to 128 MiB.
const WINDOW_LOG_MAX: u32 = 24;

/// Where a [`Compressor`] sends its bytes once it has chosen.
enum Sink {
    Plain(zstd::Encoder<'static, Vec<u8>>),
    Shuffled(ShuffleWriter<zstd::Encoder<'static, Vec<u8>>>),
}

/// Compresses a stream with zstd, byte-shuffled or not. It holds back the first [`CHUNK`],
/// compresses that sample both ways and keeps the smaller way for the whole stream: shuffling
/// helps numbers that change smoothly, and hurts data that repeats whole values.
pub(crate) struct Compressor {
    len: u64,
    sample: Vec<u8>,
    sink: Option<Sink>,
}

impl Compressor {
    /// A compressor for a stream of exactly `len` bytes.
    pub(crate) fn new(len: u64) -> Self {
        Compressor {
            len,
            sample: Vec::new(),
            sink: None,
        }
    }

    /// Compresses the sample both ways, picks, and sends the sample on.
    fn choose(&mut self) -> io::Result<&mut Sink> {
        if self.sink.is_none() {
            let mut encoder = zstd::Encoder::new(Vec::new(), LEVEL)?;
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
        let plain = zstd::bulk::compress(&self.sample, LEVEL)?.len();
        let mut shuffled = vec![0; self.sample.len()];
        shuffle(&self.sample, &mut shuffled);
        let with_shuffle = zstd::bulk::compress(&shuffled, LEVEL)?.len();
        Ok(with_shuffle * 100 < plain * 97)
    }

    /// Ends the stream: the compressed bytes, and whether they were shuffled first.
    pub(crate) fn finish(mut self) -> io::Result<(Vec<u8>, bool)> {
        self.choose()?;
        match self.sink.take().expect("chosen") {
            Sink::Plain(w) => Ok((w.finish()?, false)),
            Sink::Shuffled(w) => Ok((w.finish()?.finish()?, true)),
        }
    }
}

impl BlockWrite for Compressor {}

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

/// A zstd decoder over `stored` that refuses frames asking for a window above 16 MiB.
fn decompressor<R: Read>(stored: R) -> Result<impl Read> {
    let zstd_error = |e| Error::from(Corruption::Zstd(e));
    let mut decoder = zstd::Decoder::new(stored).map_err(zstd_error)?;
    decoder.window_log_max(WINDOW_LOG_MAX).map_err(zstd_error)?;
    Ok(decoder)
}

/// Decompresses `stored` into the bincode of a model of `decoded` bytes, unshuffling it when it
/// was shuffled, and decodes it. Nothing may follow the model in the stream.
pub(crate) fn read<M: DeserializeOwned + Any, R: Read>(
    stored: R,
    decoded: u64,
    shuffled: bool,
) -> Result<M> {
    let mut unzstd = decompressor(stored)?;
    let model = if shuffled {
        bincode::read(Plain(ShuffleReader::new(&mut unzstd, decoded)), decoded)?
    } else {
        bincode::read(Plain(&mut unzstd), decoded)?
    };
    match unzstd.read(&mut [0u8; 1]).map_err(payload_error)? {
        0 => Ok(model),
        _ => Err(Corruption::AfterModel(1).into()),
    }
}

/// Decompresses `stored` without keeping it, and checks it is `decoded` bytes long.
pub(crate) fn check<R: Read>(stored: R, decoded: u64) -> Result<()> {
    let unzstd = decompressor(stored)?;
    let found = io::copy(&mut unzstd.take(decoded + 1), &mut io::sink());
    let found = found.map_err(payload_error)?;
    if found != decoded {
        let declared = decoded;
        return Err(Corruption::ZstdLength { found, declared }.into());
    }
    Ok(())
}
