//! The checksum of a model file, XXH3-64, computed as the bytes pass on their way to or from the
//! file: small pieces are hashed as they go, and a large block of a payload is hashed by two
//! threads in turn, one of them also writing or reading it, so that a second core does most of
//! the hashing when it is free.

use std::hash::Hasher;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};

use twox_hash::XxHash3_64;

use crate::file::codec::{BlockRead, BlockWrite};

/// Blocks from this size on are hashed on a second thread: below it, starting one costs more
/// than hashing (XXH3 takes about 20 µs a mebibyte of cached bytes here, with AVX2).
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
    hasher: XxHash3_64,
    count: u64,
}

impl<W: Write> HashWriter<W> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: XxHash3_64::new(),
            count: 0,
        }
    }

    /// The checksum of everything written so far.
    pub(crate) fn digest(&self) -> u64 {
        self.hasher.finish()
    }

    /// The wrapped writer, to write what must not be hashed (the checksum itself).
    pub(crate) fn inner(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.write(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> BlockWrite for HashWriter<W> {
    /// Writes `block` piece by piece while a second thread hashes it, at most one piece ahead of
    /// the write: a piece is then still in the cache both cores share when it is written, so the
    /// write copies it from there rather than from memory. A piece that nobody has hashed yet
    /// is hashed here, just before it is written, unless the second thread is busy hashing.
    /// Pieces after the first start at a multiple of [`PIECE`] in the file, as large pages of
    /// the page cache do.
    fn write_block(&mut self, block: &[u8]) -> io::Result<()> {
        if block.len() < PARALLEL_FROM {
            return self.write_all(block);
        }
        let (first, rest) = block.split_at(first_piece(self.count, block.len()));
        let all: Vec<&[u8]> = std::iter::once(first).chain(rest.chunks(PIECE)).collect();
        let pieces = Pieces::new(&mut self.hasher, all.len());
        let inner = &mut self.inner;
        pieces.with_help(|| {
            pieces.arrive(0, all[0]);
            for (i, piece) in all.iter().enumerate() {
                // The second thread may hash the next piece while this one is written.
                if let Some(&next) = all.get(i + 1) {
                    pieces.arrive(i + 1, next);
                }
                pieces.try_hash_before(i + 1);
                inner.write_all(piece)?;
            }
            Ok(())
        })?;
        self.count += block.len() as u64;
        Ok(())
    }
}

/// The pieces of a large block on their way through the checksum, shared by the thread that
/// writes or reads them and a second thread that helps hash them. Whoever holds the lock hashes
/// the next piece, so the pieces are hashed in order, and the writing or reading thread never
/// waits for the other to start or to catch up: a second core that is slow to wake (a virtual
/// machine's often is) just hashes fewer of them.
struct Pieces<'a> {
    /// Each piece, once it may be hashed: when writing, as the write reaches the piece before
    /// it; when reading, once it has arrived.
    ready: Vec<OnceLock<&'a [u8]>>,
    hashing: Mutex<Hashing<'a>>,
}

/// The hasher, and how many pieces it has hashed.
struct Hashing<'a> {
    hasher: &'a mut XxHash3_64,
    hashed: usize,
}

impl<'a> Pieces<'a> {
    fn new(hasher: &'a mut XxHash3_64, count: usize) -> Self {
        Pieces {
            ready: (0..count).map(|_| OnceLock::new()).collect(),
            hashing: Mutex::new(Hashing { hasher, hashed: 0 }),
        }
    }

    /// Marks piece `i` (or as much of it as was read) as ready to hash; from now on it is only
    /// read.
    fn arrive(&self, i: usize, piece: &'a [u8]) {
        self.ready[i].set(piece).expect("each piece arrives once");
    }

    /// Hashes, in order, the ready pieces before piece `end`, at most `most` of them; returns
    /// how many it hashed.
    fn hash_before(&self, hashing: &mut Hashing<'a>, end: usize, most: usize) -> usize {
        let mut count = 0;
        while count < most && hashing.hashed < end.min(self.ready.len()) {
            let Some(piece) = self.ready[hashing.hashed].get() else {
                break;
            };
            hashing.hasher.write(piece);
            hashing.hashed += 1;
            count += 1;
        }
        count
    }

    /// Hashes the ready pieces before piece `end`, unless the other thread is hashing.
    fn try_hash_before(&self, end: usize) {
        if let Ok(mut hashing) = self.hashing.try_lock() {
            self.hash_before(&mut hashing, end, usize::MAX);
        }
    }

    /// Runs `work`, the writing or reading of the pieces, which marks them ready as it goes,
    /// while a second thread hashes the ready ones one by one; then hashes here whatever is
    /// ready and left, instead of waiting for the second thread to do it. Without a second
    /// thread (none could be started), all the hashing is done here.
    fn with_help(&self, work: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let helper = std::thread::Builder::new().spawn_scoped(scope, || {
                while !done.load(Relaxed) {
                    let hashed = match self.hashing.try_lock() {
                        Ok(hashing) if hashing.hashed == self.ready.len() => return,
                        Ok(mut hashing) => self.hash_before(&mut hashing, usize::MAX, 1),
                        Err(_) => 0,
                    };
                    if hashed == 0 {
                        wait_without_sleeping();
                    }
                }
            });
            // Without a helper the work still gets done, hashing and all, on this thread.
            drop(helper);
            let stop = Stop(&done);
            let result = work();
            drop(stop);
            let mut hashing = self.hashing.lock().expect("hashing does not panic");
            self.hash_before(&mut hashing, usize::MAX, usize::MAX);
            result
        })
    }
}

/// Tells the second thread to stop when dropped, also when the work panics, so that the scope
/// does not wait forever for a thread that waits for work.
struct Stop<'a>(&'a AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Relaxed);
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
    hasher: XxHash3_64,
    count: u64,
}

impl<R: Read> HashReader<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> Self {
        HashReader {
            inner,
            hasher: XxHash3_64::new(),
            count: 0,
        }
    }

    /// How many bytes have been read so far.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.count
    }

    /// The checksum of everything read so far.
    pub(crate) fn digest(&self) -> u64 {
        self.hasher.finish()
    }

    /// The wrapped reader, to read what must not be hashed (the checksum itself).
    pub(crate) fn inner(&mut self) -> &mut R {
        &mut self.inner
    }
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.write(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: Read> BlockRead for HashReader<R> {
    /// Reads `block` piece by piece while a second thread hashes each piece that has arrived; if
    /// it falls behind, the pieces before the newest one are hashed here. Pieces after the first
    /// start at a multiple of [`PIECE`] in the file.
    fn read_block(&mut self, block: &mut [u8]) -> io::Result<()> {
        if block.len() < PARALLEL_FROM {
            return self.read_exact(block);
        }
        let (first, rest) = block.split_at_mut(first_piece(self.count, block.len()));
        let pieces = Pieces::new(&mut self.hasher, 1 + rest.len().div_ceil(PIECE));
        let inner = &mut self.inner;
        let mut read = 0;
        let result = pieces.with_help(|| {
            let all = std::iter::once(first).chain(rest.chunks_mut(PIECE));
            for (i, piece) in all.enumerate() {
                let (filled, result) = fill(inner, piece);
                read += filled;
                let piece: &[u8] = piece;
                pieces.arrive(i, &piece[..filled]);
                result?;
                pieces.try_hash_before(i);
            }
            Ok(())
        });
        // Also after an error: the count and the checksum are those of the bytes read, which is
        // what tells a damaged file from one that could not be read.
        self.count += read as u64;
        result
    }
}

/// Fills `buf` as `read_exact` does, but says how much it filled also when it fails, which
/// `read_exact` does not: the checksum must cover every byte read.
fn fill(inner: &mut impl Read, buf: &mut [u8]) -> (usize, io::Result<()>) {
    let mut filled = 0;
    while filled < buf.len() {
        match inner.read(&mut buf[filled..]) {
            Ok(0) => return (filled, Err(io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (filled, Err(e)),
        }
    }
    (filled, Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_hash_as_small_pieces_do() {
        let data: Vec<u8> = (0..11_000_000u32).map(|i| ((i * 31) >> 3) as u8).collect();
        let mut out = HashWriter::new(Vec::new());
        out.write_all(b"head").unwrap();
        out.write_block(&data).unwrap();
        assert_eq!(
            out.digest(),
            XxHash3_64::oneshot(&[&b"head"[..], &data].concat())
        );
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

    #[test]
    fn pieces_are_hashed_in_order_and_never_past_one_that_has_not_arrived() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let parts: Vec<&[u8]> = data.chunks(1000).collect();
        let mut hasher = XxHash3_64::new();
        let pieces = Pieces::new(&mut hasher, parts.len());
        pieces.arrive(0, parts[0]);
        pieces.arrive(2, parts[2]);
        let mut hashing = pieces.hashing.lock().unwrap();
        assert_eq!(pieces.hash_before(&mut hashing, 5, usize::MAX), 1);
        drop(hashing);
        for i in [1, 3, 4] {
            pieces.arrive(i, parts[i]);
        }
        pieces.try_hash_before(3);
        let mut hashing = pieces.hashing.lock().unwrap();
        assert_eq!(hashing.hashed, 3);
        assert_eq!(pieces.hash_before(&mut hashing, 5, 1), 1);
        assert_eq!(pieces.hash_before(&mut hashing, 5, usize::MAX), 1);
        assert_eq!(hashing.hasher.finish(), XxHash3_64::oneshot(&data));
    }

    /// A reader of `data` that fails once, with a timeout, after `at` bytes.
    struct Hiccup<'a> {
        data: &'a [u8],
        at: usize,
    }

    impl Read for Hiccup<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == 0 {
                self.at = usize::MAX;
                return Err(io::ErrorKind::TimedOut.into());
            }
            let n = buf.len().min(self.data.len()).min(self.at);
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.at = self.at.saturating_sub(n);
            Ok(n)
        }
    }

    #[test]
    fn a_large_read_that_fails_half_way_counts_and_hashes_every_byte_it_read() {
        let data: Vec<u8> = (0..(9u32 << 20)).map(|i| (i % 253) as u8).collect();
        let at = (5 << 20) + 123;
        let mut input = HashReader::new(Hiccup { data: &data, at });
        let mut block = vec![0u8; data.len()];
        let err = input.read_block(&mut block).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(input.bytes_read(), at as u64);
        let mut rest = Vec::new();
        input.read_to_end(&mut rest).unwrap();
        assert_eq!(input.bytes_read(), data.len() as u64);
        assert_eq!(input.digest(), XxHash3_64::oneshot(&data));

        let mut short = HashReader::new(&data[..at]);
        let err = short.read_block(&mut block).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(short.bytes_read(), at as u64);
        assert_eq!(short.digest(), XxHash3_64::oneshot(&data[..at]));
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

    /// A disk whose driver panics on the first write.
    struct Panics;

    impl Write for Panics {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            panic!("driver bug");
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_writer_that_panics_does_not_leave_the_hashing_thread_waiting() {
        let mut out = HashWriter::new(Panics);
        let block = vec![1u8; 9 << 20];
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| out.write_block(&block)));
        assert!(caught.is_err());
    }

    #[test]
    fn both_ends_hash_what_passes() {
        let mut out = HashWriter::new(Vec::new());
        out.write_all(b"model").unwrap();
        assert_eq!(out.digest(), XxHash3_64::oneshot(b"model"));
        let mut input = HashReader::new(&b"model"[..]);
        let mut text = String::new();
        input.read_to_string(&mut text).unwrap();
        assert_eq!(
            (input.digest(), input.bytes_read()),
            (XxHash3_64::oneshot(b"model"), 5)
        );
    }
}
