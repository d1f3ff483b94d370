//! The byte shuffle that helps zstd on numbers: each chunk is rearranged so that the first bytes
//! of every 8-byte lane come first, then the second bytes, and so on (the idea of Blosc and
//! HDF5's shuffle filter). Exponents and high mantissa bytes of neighbouring `f64` values repeat,
//! so after the shuffle a compressor finds long runs it would otherwise miss.

use std::io::{self, Read, Write};

use super::CHUNK;

/// Bytes per lane of the shuffle: the size of an `f64`.
const LANE: usize = 8;

/// Groups the bytes of `data` by their position in an 8-byte lane, into `out` (of the same
/// length). Bytes past the last whole lane stay where they are.
pub(crate) fn shuffle(data: &[u8], out: &mut [u8]) {
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
pub(crate) fn unshuffle(data: &[u8], out: &mut [u8]) {
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
pub(crate) struct ShuffleWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    shuffled: Vec<u8>,
}

impl<W: Write> ShuffleWriter<W> {
    /// Wraps `inner`. Buffers grow with use, so a small model costs no megabyte-sized allocation.
    pub(crate) fn new(inner: W) -> Self {
        ShuffleWriter {
            inner,
            pending: Vec::new(),
            shuffled: Vec::new(),
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
    pub(crate) fn finish(mut self) -> io::Result<W> {
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
pub(crate) struct ShuffleReader<R> {
    inner: R,
    remaining: u64,
    shuffled: Vec<u8>,
    ready: Vec<u8>,
    at: usize,
}

impl<R: Read> ShuffleReader<R> {
    /// Wraps `inner`, which holds `len` shuffled bytes.
    pub(crate) fn new(inner: R, len: u64) -> Self {
        ShuffleReader {
            inner,
            remaining: len,
            shuffled: Vec::new(),
            ready: Vec::new(),
            at: 0,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_stream_round_trips_across_chunk_edges() {
        let data: Vec<u8> = (0..=255).cycle().take(3 * CHUNK + 1001).collect();
        let mut writer = ShuffleWriter::new(Vec::new());
        writer.write_all(&data).unwrap();
        let shuffled = writer.finish().unwrap();
        assert_ne!(shuffled, data);
        let mut back = Vec::new();
        ShuffleReader::new(&shuffled[..], data.len() as u64)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }
}
