//! bincode, with decoding bounded by the payload's length and a bulk path for models that are one
//! run of `f64` values (`Array1<f64>`, `Vec<f64>`), which are written and read in one block
//! instead of one element at a time; the bytes are those of bincode's serde path (a test checks).

use std::any::{Any, TypeId, type_name};
use std::io::{self, Read, Write};

use bincode::error::{DecodeError, EncodeError};
use ndarray::Array1;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{BlockRead, BlockWrite, CHUNK, payload_error};
use crate::error::{Corruption, Error, ErrorKind, Result};

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// The values of a model that is one contiguous run of `f64`, with the bincode bytes that come
/// before them; `None` for any other model.
fn f64_block<M: Any>(model: &M) -> Option<(Vec<u8>, &[f64])> {
    if cfg!(target_endian = "big") {
        return None;
    }
    let any = model as &dyn Any;
    if let Some(array) = any.downcast_ref::<Array1<f64>>() {
        let values = array.as_slice()?;
        return Some((array_prefix(values.len() as u64).ok()?, values));
    }
    let values = any.downcast_ref::<Vec<f64>>()?;
    Some((vec_prefix(values.len() as u64).ok()?, values))
}

/// ndarray's serde form of an `Array1`: format version 1, the shape, then the elements as a
/// sequence (its length first).
fn array_prefix(count: u64) -> Result<Vec<u8>, EncodeError> {
    bincode::encode_to_vec((1u8, count, count), config())
}

/// A `Vec`'s serde form: its length, then the elements.
fn vec_prefix(count: u64) -> Result<Vec<u8>, EncodeError> {
    bincode::encode_to_vec(count, config())
}

/// Where the `f64` values of `model` start in its bincode, and how many there are, for the models
/// whose values are one run of `f64` at the end: `Array1<f64>`, `Vec<f64>`, and the crate's
/// linear model (its intercept, then its parameters). `layout::view` finds them for [`Mapped`](crate::file::mapped::Mapped).
pub(crate) fn values_at<M: Any>(model: &M) -> Option<(u64, u64)> {
    let any = model as &dyn Any;
    let (before, count, prefix) = if let Some(array) = any.downcast_ref::<Array1<f64>>() {
        let count = array.len() as u64;
        (0, count, array_prefix(count))
    } else if let Some(values) = any.downcast_ref::<Vec<f64>>() {
        let count = values.len() as u64;
        (0, count, vec_prefix(count))
    } else if let Some(params) = linear_params(any) {
        let count = params.len() as u64;
        (8, count, array_prefix(count))
    } else {
        return None;
    };
    Some((before + prefix.ok()?.len() as u64, count))
}

/// The type of the article's linear model, as its files record it: the one model the file wing
/// knows by name, because its coefficients are a mappable run after its intercept, and linfa's
/// type cannot say so itself. A test checks the name against the type.
const LINEAR_MODEL: &str = "linfa_linear::ols::FittedLinearRegression<f64>";

/// The coefficients of the article's linear model, when `any` is one.
fn linear_params(any: &dyn Any) -> Option<&[f64]> {
    #[cfg(feature = "tutorial")]
    if let Some(model) = any.downcast_ref::<crate::article::train::Model>() {
        return model.params().as_slice();
    }
    let _ = any;
    None
}

/// Where the `f64` values of a bincode `payload` of `model_type` start (see [`values_at`]), and
/// the linear model's intercept; the values must fill the rest of the payload exactly.
pub(crate) fn values_in(model_type: &str, payload: &[u8]) -> Result<(usize, Option<f64>)> {
    let wrong_type = || ErrorKind::WrongType {
        expected: format!(
            "{}, {} or {}",
            type_name::<Array1<f64>>(),
            type_name::<Vec<f64>>(),
            LINEAR_MODEL
        ),
        found: model_type.to_string(),
    };
    let mut input = payload;
    let (count, intercept) = if model_type == type_name::<Vec<f64>>() {
        (next::<u64, _>(&mut input)?, None)
    } else {
        let intercept = if model_type == LINEAR_MODEL {
            Some(next::<f64, _>(&mut input)?)
        } else if model_type == type_name::<Array1<f64>>() {
            None
        } else {
            return Err(wrong_type().into());
        };
        (array_len(&mut input)?, intercept)
    };
    if count.checked_mul(8) != Some(input.len() as u64) {
        return Err(Corruption::ArrayLength.into());
    }
    Ok((payload.len() - input.len(), intercept))
}

/// The number of bytes bincode will write for `model`.
pub(crate) fn len<M: Serialize + Any>(model: &M) -> Result<u64> {
    if let Some((prefix, values)) = f64_block(model) {
        return Ok((prefix.len() + size_of_val(values)) as u64);
    }
    let mut size = bincode::enc::write::SizeWriter::default();
    bincode::serde::encode_into_writer(model, &mut size, config()).map_err(Error::encode)?;
    Ok(size.bytes_written as u64)
}

/// Writes `model` as bincode to `out`; the values of an `f64` block go as one block.
pub(crate) fn write<M: Serialize + Any, W: BlockWrite>(model: &M, out: &mut W) -> Result<()> {
    if let Some((prefix, values)) = f64_block(model) {
        out.write_all(&prefix)?;
        out.write_block(bytemuck::cast_slice(values))?;
        return Ok(());
    }
    let mut buffered = io::BufWriter::with_capacity(CHUNK / 16, out);
    bincode::serde::encode_into_std_write(model, &mut buffered, config()).map_err(|e| match e {
        EncodeError::Io { inner, .. } => Error::from(inner),
        other => Error::encode(other),
    })?;
    buffered.flush()?;
    Ok(())
}

/// Reads a model of type `M` from exactly `len` bytes of bincode in `input`.
///
/// Memory stays bounded on hostile input: bincode may claim at most four times `len` for one
/// container, serde's collections grow only as elements actually arrive, and the `f64` block
/// path allocates only after checking its length against `len`.
pub(crate) fn read<M: DeserializeOwned + Any, R: BlockRead>(mut input: R, len: u64) -> Result<M> {
    if let Some(model) = read_f64_block::<M, _>(&mut input, len)? {
        return Ok(model);
    }
    let mut input = input.take(len);
    let capacity = (CHUNK as u64 / 16).min(len) as usize;
    let mut buffered = io::BufReader::with_capacity(capacity, &mut input);
    let model = read_limited(&mut buffered, len)?;
    let left = buffered.buffer().len() as u64 + buffered.into_inner().limit();
    if left > 0 {
        return Err(Corruption::AfterModel(left).into());
    }
    Ok(model)
}

/// The bulk path of [`read`] for `Array1<f64>` and `Vec<f64>`; `None` for other types. It reads
/// exactly `len` bytes: the prefix, then the values as one block.
fn read_f64_block<M: Any, R: BlockRead>(input: &mut R, len: u64) -> Result<Option<M>> {
    let is_array = TypeId::of::<M>() == TypeId::of::<Array1<f64>>();
    let is_vec = TypeId::of::<M>() == TypeId::of::<Vec<f64>>();
    if cfg!(target_endian = "big") || !(is_array || is_vec) {
        return Ok(None);
    }
    let count = if is_array {
        array_len(input)?
    } else {
        next(input)?
    };
    let prefix = if is_array {
        array_prefix(count)
    } else {
        vec_prefix(count)
    };
    let prefix = prefix.map_err(Error::encode)?.len() as u64;
    if count.checked_mul(8).and_then(|b| b.checked_add(prefix)) != Some(len) {
        return Err(Corruption::ArrayLength.into());
    }
    let mut values = vec![0.0_f64; count as usize];
    advise_huge_pages(&mut values);
    input
        .read_block(bytemuck::cast_slice_mut(&mut values))
        .map_err(payload_error)?;
    let model: Box<dyn Any> = if is_array {
        Box::new(Array1::from_vec(values))
    } else {
        Box::new(values)
    };
    Ok(model.downcast::<M>().ok().map(|m| *m))
}

/// Asks the kernel to back `values` with 2 MiB pages where it can, as numpy does for large
/// arrays: a fresh 80 MB buffer then costs 40 page faults instead of 20,000, which is most of what
/// reading it into memory costs. Advice only: nothing changes if the kernel declines.
fn advise_huge_pages(values: &mut [f64]) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let (start, len) = (values.as_mut_ptr() as usize, size_of_val(values));
        let (first, last) = (start.next_multiple_of(PAGE), (start + len) / PAGE * PAGE);
        if len >= 4 << 20 && last > first {
            // SAFETY: the range lies inside `values`' allocation, rounded inward to whole pages,
            // and MADV_HUGEPAGE neither frees nor changes memory: it only says how to back it.
            let advised = unsafe {
                rustix::mm::madvise(
                    first as *mut _,
                    last - first,
                    rustix::mm::Advice::LinuxHugepage,
                )
            };
            // A kernel without transparent huge pages refuses the advice; the read still works.
            let _ = advised;
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = values;
}

/// The next bincode value of `input`.
/// The length of the `Array1` whose bincode `input` starts with: ndarray's serde version, its
/// shape, and the element count, which must agree.
fn array_len(input: &mut impl Read) -> Result<u64> {
    let (version, shape, count): (u8, u64, u64) = (next(input)?, next(input)?, next(input)?);
    if version != 1 || shape != count {
        return Err(Corruption::ArrayLength.into());
    }
    Ok(count)
}

fn next<T: bincode::Decode<()>, R: Read>(input: &mut R) -> Result<T> {
    bincode::decode_from_std_read(input, config()).map_err(decode_error)
}

/// Decodes with a limit on container claims of the smallest power of four at or above `len`
/// (bincode's limit is a compile-time constant, hence the ladder).
fn read_limited<M: DeserializeOwned, R: Read>(input: &mut R, len: u64) -> Result<M> {
    macro_rules! with_limit {
        ($($shift:literal),*) => {
            $(if len <= 1u64 << $shift {
                let config = config().with_limit::<{ 1usize << $shift }>();
                return bincode::serde::decode_from_std_read(input, config).map_err(decode_error);
            })*
        };
    }
    with_limit!(16, 18, 20, 22, 24, 26, 28, 30, 32, 34);
    Err(Corruption::LengthClaim.into())
}

/// A bincode error as the kind a reader of the file can act on.
fn decode_error(err: DecodeError) -> Error {
    match err {
        DecodeError::Io { inner, .. } => payload_error(inner),
        DecodeError::UnexpectedEnd { .. } => Corruption::PayloadEnds.into(),
        DecodeError::LimitExceeded => Corruption::LengthClaim.into(),
        other => Corruption::Bincode(other).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "tutorial")]
    #[test]
    fn the_linear_model_is_named_as_its_type() {
        assert_eq!(LINEAR_MODEL, type_name::<crate::article::train::Model>());
    }

    /// Writes `model` by the block path and checks it against bincode's serde path, both ways.
    fn round_trip<M: Serialize + DeserializeOwned + Any + PartialEq + std::fmt::Debug>(model: &M) {
        let expected = bincode::serde::encode_to_vec(model, config()).unwrap();
        let mut out = Vec::new();
        write(model, &mut out).unwrap();
        assert_eq!(out, expected);
        assert_eq!(len(model).unwrap(), expected.len() as u64);
        let back: M = read(&out[..], out.len() as u64).unwrap();
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
    fn a_block_with_a_lying_length_is_refused() {
        let mut out = Vec::new();
        write(&vec![1.0_f64; 10], &mut out).unwrap();
        let short = read::<Vec<f64>, _>(&out[..out.len() - 8], out.len() as u64 - 8);
        assert!(matches!(
            short.unwrap_err().kind(),
            ErrorKind::Corrupt(Corruption::ArrayLength)
        ));
        let long = read::<Vec<f64>, _>(&out[..], out.len() as u64 + 8);
        assert!(long.is_err());
    }

    #[test]
    fn bytes_left_after_the_model_are_corruption() {
        let mut out = Vec::new();
        write(&"model".to_string(), &mut out).unwrap();
        out.push(7);
        let err = read::<String, _>(&out[..], out.len() as u64).unwrap_err();
        assert!(matches!(
            err.kind(),
            ErrorKind::Corrupt(Corruption::AfterModel(1))
        ));
    }
}
