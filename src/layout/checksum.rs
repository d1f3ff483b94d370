//! The checksum of a model file, XXH3-64, computed as the bytes pass on their way to or from the
//! file: small pieces are hashed as they go, and a large block of a payload is hashed on a second
//! core while the first one writes or reads it.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{self, TryRecvError};

use xxhash_rust::xxh3::Xxh3;

use crate::codec::{BlockRead, BlockWrite};

/// Blocks from this size on are hashed on a second thread: below it, starting one costs more
/// than hashing (XXH3 takes about 30 µs a mebibyte here).
const PARALLEL_FROM: usize = 4 << 20;
/// The pieces in which a block is written or read: each is hashed just before it is written, or
/// just after it has arrived. Pieces this large keep the file in large pages of the page cache.
const PIECE: usize = 2 << 20;

/// The length of the first piece of a block of `len` bytes that starts `at` bytes into the file:
/// up to the next multiple of [`PIECE`], so that the pieces after it start at one.
fn first_piece(at: u64, len: usize) -> usize {
    let to_boundary = PIECE - (at % PIECE as u64) as usize;
    to_boundary.min(len)
}

/// A writer that hashes every byte it passes on, and counts them.
pub(crate) struct HashWriter<W> {
    inner: W,
    hasher: Xxh3,
    count: u64,
}

impl<W: Write> HashWriter<W> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Xxh3::new(),
            count: 0,
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
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> BlockWrite for HashWriter<W> {
    /// Hashes `block` piece by piece on another thread, at most one piece ahead of the write: a
    /// piece is then still in the cache both cores share when it is written, so the write copies
    /// it from there rather than from memory and comes out faster than a bare `write_all`.
    /// Pieces after the first start at a multiple of [`PIECE`] in the file, as large pages of the
    /// page cache do.
    fn write_block(&mut self, block: &[u8]) -> io::Result<()> {
        if block.len() < PARALLEL_FROM {
            return self.write_all(block);
        }
        let (first, rest) = block.split_at(first_piece(self.count, block.len()));
        let pieces = std::iter::once(first).chain(rest.chunks(PIECE));
        // How many pieces are written; only pacing, no data passes through it.
        let written = AtomicUsize::new(0);
        let (inner, hasher) = (&mut self.inner, &mut self.hasher);
        std::thread::scope(|scope| {
            let (to_hash, written_so_far) = (pieces.clone(), &written);
            let hashing = scope.spawn(move || {
                for (i, piece) in to_hash.enumerate() {
                    while i > written_so_far.load(Relaxed).saturating_add(1) {
                        wait_without_sleeping();
                    }
                    hasher.update(piece);
                }
            });
            let result = pieces.into_iter().try_for_each(|piece| -> io::Result<()> {
                inner.write_all(piece)?;
                written.fetch_add(1, Relaxed);
                Ok(())
            });
            // Lets the hashing finish even when a write failed.
            written.store(usize::MAX, Relaxed);
            hashing.join().expect("hashing does not panic");
            result
        })?;
        self.count += block.len() as u64;
        Ok(())
    }
}

/// How the hashing thread waits for the reader or the writer: it yields its core instead of
/// sleeping, because waking a sleeping thread would cost the reader or the writer a system call
/// for every piece, which cost a large write or read more than the hashing thread's spinning
/// costs the idle core.
fn wait_without_sleeping() {
    std::thread::yield_now();
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
    /// arrived, while the next one is read. Pieces after the first start at a multiple of
    /// [`PIECE`] in the file.
    fn read_block(&mut self, block: &mut [u8]) -> io::Result<()> {
        if block.len() < PARALLEL_FROM {
            return self.read_exact(block);
        }
        let (inner, hasher) = (&mut self.inner, &mut self.hasher);
        std::thread::scope(|scope| {
            let (pieces, arrived) = mpsc::channel::<&[u8]>();
            let hashing = scope.spawn(move || {
                loop {
                    match arrived.try_recv() {
                        Ok(piece) => hasher.update(piece),
                        Err(TryRecvError::Empty) => wait_without_sleeping(),
                        Err(TryRecvError::Disconnected) => break,
                    }
                }
            });
            let mut read = Ok(());
            let (first, rest) = block.split_at_mut(first_piece(self.count, block.len()));
            for piece in std::iter::once(first).chain(rest.chunks_mut(PIECE)) {
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
    fn pieces_after_the_first_start_at_a_multiple_of_the_piece_size() {
        assert_eq!(first_piece(4, 11 << 20), PIECE - 4);
        assert_eq!(first_piece(PIECE as u64 * 3, 11 << 20), PIECE);
        assert_eq!(first_piece(4, 10), 10);
    }

    /// A disk that fills up after `room` bytes.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_failing_half_way_through_a_block_stops_the_hashing_and_is_returned() {
        let mut out = HashWriter::new(Full { room: 3 << 20 });
        let err = out.write_block(&vec![7u8; 9 << 20]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
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
