//! The fixed part of a model file: its first [`FIXED_LEN`] bytes, written and parsed as plain
//! values, with the checks that need nothing else.

use crate::error::{Corruption, ErrorKind, Result};
use crate::file::codec::Codec;

use super::{MAGIC, VERSION};

/// Bytes of the fixed header.
pub(crate) const FIXED_LEN: usize = 32;
/// Bytes of the checksum at the end of a file.
pub(crate) const CHECKSUM_LEN: usize = 8;
/// Flag: the payload was byte-shuffled before zstd compressed it.
const SHUFFLED: u8 = 1;

/// The fixed header's fields. A file is `FIXED_LEN + descriptor_len + stored_len +
/// CHECKSUM_LEN` bytes long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fixed {
    pub(crate) version: u16,
    pub(crate) codec: u8,
    pub(crate) flags: u8,
    pub(crate) descriptor_len: u32,
    pub(crate) stored_len: u64,
    pub(crate) decoded_len: u64,
}

impl Fixed {
    /// The fixed header of a file this version writes.
    pub(crate) fn new(
        codec: Codec,
        shuffled: bool,
        descriptor_len: u32,
        stored: u64,
        decoded: u64,
    ) -> Fixed {
        Fixed {
            version: VERSION,
            codec: codec.code(),
            flags: if shuffled { SHUFFLED } else { 0 },
            descriptor_len,
            stored_len: stored,
            decoded_len: decoded,
        }
    }

    /// The 32 bytes, little-endian.
    pub(crate) fn to_bytes(self) -> [u8; FIXED_LEN] {
        let mut bytes = [0u8; FIXED_LEN];
        bytes[..8].copy_from_slice(&MAGIC);
        bytes[8..10].copy_from_slice(&self.version.to_le_bytes());
        bytes[10] = self.codec;
        bytes[11] = self.flags;
        bytes[12..16].copy_from_slice(&self.descriptor_len.to_le_bytes());
        bytes[16..24].copy_from_slice(&self.stored_len.to_le_bytes());
        bytes[24..32].copy_from_slice(&self.decoded_len.to_le_bytes());
        bytes
    }

    /// Parses the start of a file of `file_len` bytes (`head` holds its first
    /// `min(file_len, 32)` bytes) and checks what the fixed part alone can tell: the magic, the
    /// version, the lengths against the file's size, and the payload against `limit`.
    pub(crate) fn parse(head: &[u8], file_len: u64, limit: u64) -> Result<Fixed> {
        if file_len == 0 {
            return Err(ErrorKind::Empty.into());
        }
        let magic = head.len().min(MAGIC.len());
        if head[..magic] != MAGIC[..magic] {
            return Err(ErrorKind::NotAModel.into());
        }
        let Some(bytes) = head.first_chunk::<FIXED_LEN>() else {
            let expected = FIXED_LEN as u64;
            return Err(ErrorKind::Truncated {
                expected,
                found: file_len,
            }
            .into());
        };
        let fixed = Fixed::from_bytes(bytes);
        match fixed.version {
            0 => return Err(ErrorKind::BadVersion(0).into()),
            found if found > VERSION => return Err(ErrorKind::NewerVersion { found }.into()),
            _ => {}
        }
        let expected = fixed.file_len().ok_or(Corruption::ImpossibleLengths)?;
        if file_len < expected {
            return Err(ErrorKind::Truncated {
                expected,
                found: file_len,
            }
            .into());
        }
        if file_len > expected {
            return Err(Corruption::AfterChecksum(file_len - expected).into());
        }
        if fixed.decoded_len > limit {
            let bytes = fixed.decoded_len;
            return Err(ErrorKind::PayloadTooLarge { bytes, limit }.into());
        }
        Ok(fixed)
    }

    fn from_bytes(bytes: &[u8; FIXED_LEN]) -> Fixed {
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        Fixed {
            version: u16::from_le_bytes([bytes[8], bytes[9]]),
            codec: bytes[10],
            flags: bytes[11],
            descriptor_len: u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")),
            stored_len: u64_at(16),
            decoded_len: u64_at(24),
        }
    }

    /// The length of the whole file the header announces, if it fits in a `u64`.
    fn file_len(&self) -> Option<u64> {
        ((FIXED_LEN + CHECKSUM_LEN) as u64)
            .checked_add(u64::from(self.descriptor_len))
            .and_then(|n| n.checked_add(self.stored_len))
    }

    /// The codec and whether the payload was shuffled, checked against each other and the
    /// lengths. A failure here may be damage, so the caller asks the checksum before reporting it.
    pub(crate) fn validate(&self) -> Result<(Codec, bool)> {
        let codec = Codec::from_code(self.codec).ok_or(ErrorKind::UnknownCodec(self.codec))?;
        let shuffled = self.flags == SHUFFLED;
        if self.flags & !SHUFFLED != 0 || (shuffled && codec != Codec::BincodeZstd) {
            return Err(Corruption::Flags(self.flags).into());
        }
        if codec != Codec::BincodeZstd && self.decoded_len != self.stored_len {
            return Err(Corruption::Lengths.into());
        }
        Ok((codec, shuffled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_header_round_trips_and_checks_the_file_size() {
        let fixed = Fixed::new(Codec::BincodeZstd, true, 100, 50, 400);
        let bytes = fixed.to_bytes();
        let len = 32 + 100 + 50 + 8;
        assert_eq!(Fixed::parse(&bytes, len, 1000).unwrap(), fixed);
        assert_eq!(fixed.validate().unwrap(), (Codec::BincodeZstd, true));
        let short = Fixed::parse(&bytes, len - 1, 1000).unwrap_err();
        assert!(matches!(short.kind(), ErrorKind::Truncated { .. }));
        let long = Fixed::parse(&bytes, len + 2, 1000).unwrap_err();
        assert!(matches!(
            long.kind(),
            ErrorKind::Corrupt(Corruption::AfterChecksum(2))
        ));
        let big = Fixed::parse(&bytes, len, 399).unwrap_err();
        assert!(matches!(
            big.kind(),
            ErrorKind::PayloadTooLarge {
                bytes: 400,
                limit: 399
            }
        ));
        assert!(matches!(
            Fixed::parse(&bytes[..5], 5, 1000).unwrap_err().kind(),
            ErrorKind::Truncated { .. }
        ));
        assert!(matches!(
            Fixed::parse(b"PK", 2, 1000).unwrap_err().kind(),
            ErrorKind::NotAModel
        ));
    }

    #[test]
    fn flags_must_fit_the_codec() {
        let shuffled_bincode = Fixed::new(Codec::Bincode, true, 0, 1, 1);
        assert!(matches!(
            shuffled_bincode.validate().unwrap_err().kind(),
            ErrorKind::Corrupt(Corruption::Flags(1))
        ));
        let lengths = Fixed::new(Codec::Json, false, 0, 1, 2);
        assert!(matches!(
            lengths.validate().unwrap_err().kind(),
            ErrorKind::Corrupt(Corruption::Lengths)
        ));
    }
}
