//! Memory-mapped models, the counterpart of `joblib.load(path, mmap_mode="r")` and of
//! safetensors: a model file whose payload is a large run of `f64` (an `Array1<f64>`, a
//! `Vec<f64>`, or the crate's linear model and its coefficients) is mapped into memory, every
//! byte checked against the file's checksum, and its values viewed where they lie in the page
//! cache, without a copy.
//!
//! What it promises: the values are checked before they are shown, as by `load`; a view borrows
//! the [`Mapped`] it comes from, so the compiler refuses any use of it after the mapping is gone;
//! and the files this crate writes are never changed in place (`save` writes a new file and
//! renames it over the old), so a mapping keeps showing the file it mapped, even after the path
//! has been saved over. What it cannot promise: another program that truncates or rewrites the
//! same file in place while it is mapped changes what the mapping shows, or makes reading it
//! fail, as with any memory-mapped file (numpy's and joblib's `mmap_mode` included).

use std::ops::Range;
use std::path::Path;

use ndarray::ArrayView1;

use crate::error::{Error, Result};
use crate::file::layout::{self, Header, MAX_PAYLOAD_BYTES};
use crate::file::persist::{MAX_FILE_BYTES, open_bounded};

/// A model file mapped into memory and checked: its header, and its `f64` values in place.
///
/// ```
/// use model_persistence::file::mapped::Mapped;
/// use model_persistence::prelude::*;
///
/// let dir = tempdir()?;
/// let path = dir.path().join("big.bin");
/// let values = Array1::from_shape_fn(1_000_000, |i| i as f64 / 3.0);
/// save(&values, &path, Codec::Bincode)?;
///
/// let mapped = Mapped::open(&path)?;
/// assert_eq!(mapped.values(), values.view());
/// assert_eq!(mapped.header().payload_bytes, 8_000_000 + 11);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
pub struct Mapped {
    map: memmap2::Mmap,
    header: Header,
    values: Range<usize>,
    intercept: Option<f64>,
}

impl Mapped {
    /// Maps the model file at `path`, checks every byte of it against its checksum, and checks
    /// that its payload is an `Array1<f64>`, a `Vec<f64>` or the article's linear model, encoded with
    /// [`Codec::Bincode`](crate::file::codec::Codec::Bincode) by this version of the crate (which aligns
    /// large values).
    pub fn open(path: impl AsRef<Path>) -> Result<Mapped> {
        let path = path.as_ref();
        let (file, _) = open_bounded(path, MAX_FILE_BYTES)?;
        // SAFETY: the mapping is read-only, and the files this crate writes are never changed in
        // place: `save` writes a new file and renames it over the old one, which leaves this
        // mapping on the old file. Another program that truncates or rewrites the file in place
        // is the one hazard left, stated in the module's documentation, as for every mapping.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let view = layout::view(&map, MAX_PAYLOAD_BYTES).map_err(|e| e.at(path))?;
        Ok(Mapped {
            values: view.values,
            intercept: view.intercept,
            header: view.header,
            map,
        })
    }

    /// What the file says about itself, checked.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The values, where they lie in the mapped file: the array, or the linear model's
    /// coefficients. The view borrows the mapping, so it cannot outlive it:
    ///
    /// ```compile_fail,E0597
    /// use model_persistence::file::mapped::Mapped;
    ///
    /// let values = {
    ///     let mapped = Mapped::open("big.bin").unwrap();
    ///     mapped.values() // error: `mapped` does not live long enough
    /// };
    /// ```
    pub fn values(&self) -> ArrayView1<'_, f64> {
        let bytes = &self.map[self.values.clone()];
        // `view` checked that the values start on an 8-byte boundary and fill the range.
        ArrayView1::from(bytemuck::cast_slice::<u8, f64>(bytes))
    }

    /// The linear model's intercept, or `None` when the file holds an array.
    pub fn intercept(&self) -> Option<f64> {
        self.intercept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::layout::{Metadata, encode};
    use ndarray::Array1;

    #[test]
    fn every_bit_flip_and_truncation_of_a_mappable_file_is_refused() {
        let values = Array1::from_shape_fn(600, |i| (i as f64).sqrt());
        let bytes = encode(&values, &Metadata::default(), Codec::Bincode).unwrap();
        let view = layout::view(&bytes, MAX_PAYLOAD_BYTES).unwrap();
        assert_eq!(view.values.start % 8, 0);
        assert_eq!(
            bytemuck::cast_slice::<u8, f64>(&bytes[view.values]),
            values.as_slice().unwrap()
        );
        for bit in 0..bytes.len() * 8 {
            let mut damaged = bytes.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(
                layout::view(&damaged, MAX_PAYLOAD_BYTES).is_err(),
                "flip of bit {bit}"
            );
        }
        for len in 0..bytes.len() {
            assert!(
                layout::view(&bytes[..len], MAX_PAYLOAD_BYTES).is_err(),
                "cut to {len}"
            );
        }
    }

    use crate::file::codec::Codec;
}
