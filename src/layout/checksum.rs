//! The checksum of a model file, XXH3-64, computed as the bytes pass on their way to or from the
//! file: small pieces are hashed as they go, and a large block of a payload is hashed on a second
//! core while the first one writes or reads it.

use std::io::{self, Read, Write};
use std::sync::mpsc;

use xxhash_rust::xxh3::Xxh3;

use crate::codec::{BlockRead, BlockWrite};

/// Blocks from this size on are hashed on a second thread: below it, starting one costs more
/// than hashing (XXH3 takes about 30 µs a mebibyte here).
const PARALLEL_FROM: usize = 4 << 20;
/// The pieces in which a block is read, each hashed as soon as it has arrived.
const PIECE: usize = 2 << 20;

/// A writer that hashes every byte it passes on.
pub(crate) struct HashWriter<W> {
    inner: W,
    hasher: Xxh3,
}

impl<W: Write> HashWriter<W> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Xxh3::new(),
        }
    }

    /// The checksum of everything written so far.
    pub(crate) fn digest(&self) -> u64 {
        self.hasher.digest()
    }

    /// The wrapped writer, to write what must not be hashed (the checksum itself).
    pub(crate) fn inner(&mut self) -> &mut W {
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

impl<W: Write> BlockWrite for HashWriter<W> {
    /// Writes `block` while another thread hashes it: both only read the block.
    fn write_block(&mut self, block: &[u8]) -> io::Result<()> {
        if block.len() < PARALLEL_FROM {
            return self.write_all(block);
        }
        let (inner, hasher) = (&mut self.inner, &mut self.hasher);
        std::thread::scope(|scope| {
            let hashing = scope.spawn(move || hasher.update(block));
            let written = inner.write_all(block);
            hashing.join().expect("hashing does not panic");
            written
        })
    }
}

/// A reader that hashes every byte it hands out, and counts them.
pub(crate) struct HashReader<R> {
    inner: R,
    hasher: Xxh3,
    count: u64,
}

impl<R: Read> HashReader<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> Self {
        HashReader {
            inner,
            hasher: Xxh3::new(),
            count: 0,
        }
    }

    /// How many bytes have been read so far.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.count
    }

    /// The checksum of everything read so far.
    pub(crate) fn digest(&self) -> u64 {
        self.hasher.digest()
    }

    /// The wrapped reader, to read what must not be hashed (the checksum itself).
    pub(crate) fn inner(&mut self) -> &mut R {
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

impl<R: Read> BlockRead for HashReader<R> {
    /// Reads `block` piece by piece, each piece hashed on another thread as soon as it has
    /// arrived, while the next one is read.
    fn read_block(&mut self, block: &mut [u8]) -> io::Result<()> {
        if block.len() < PARALLEL_FROM {
            return self.read_exact(block);
        }
        let (inner, hasher) = (&mut self.inner, &mut self.hasher);
        std::thread::scope(|scope| {
            let (pieces, arrived) = mpsc::channel::<&[u8]>();
            let hashing = scope.spawn(move || arrived.into_iter().for_each(|p| hasher.update(p)));
            let mut read = Ok(());
            for piece in block.chunks_mut(PIECE) {
                read = inner.read_exact(piece);
                if read.is_err() {
                    break;
                }
                // The piece is only read from now on, by the hashing thread.
                pieces
                    .send(piece)
                    .expect("the hashing thread waits for every piece");
            }
            drop(pieces);
            hashing.join().expect("hashing does not panic");
            read
        })?;
        self.count += block.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

    #[test]
    fn large_blocks_hash_as_small_pieces_do() {
        let data: Vec<u8> = (0..11_000_000u32).map(|i| ((i * 31) >> 3) as u8).collect();
        let mut out = HashWriter::new(Vec::new());
        out.write_all(b"head").unwrap();
        out.write_block(&data).unwrap();
        assert_eq!(out.digest(), xxh3_64(&[&b"head"[..], &data].concat()));
        let mut input = HashReader::new(&out.inner()[..]);
        let mut head = [0u8; 4];
        input.read_exact(&mut head).unwrap();
        let mut back = vec![0u8; data.len()];
        input.read_block(&mut back).unwrap();
        assert_eq!(
            (back == data, input.bytes_read()),
            (true, 4 + data.len() as u64)
        );
        assert_eq!(input.digest(), out.digest());
        let mut short = HashReader::new(&out.inner()[..1000]);
        assert!(short.read_block(&mut back).is_err());
    }

    #[test]
    fn both_ends_hash_what_passes() {
        let mut out = HashWriter::new(Vec::new());
        out.write_all(b"model").unwrap();
        assert_eq!(out.digest(), xxh3_64(b"model"));
        let mut input = HashReader::new(&b"model"[..]);
        let mut text = String::new();
        input.read_to_string(&mut text).unwrap();
        assert_eq!((input.digest(), input.bytes_read()), (xxh3_64(b"model"), 5));
    }
}
