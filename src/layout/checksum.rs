//! The checksum of a model file, XXH3-64, computed as the bytes pass on their way to or from the
//! file, so that they are hashed while they are still in the cache.

use std::io::{self, Read, Write};

use xxhash_rust::xxh3::Xxh3;

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

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

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
