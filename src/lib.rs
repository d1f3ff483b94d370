#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod article;
pub mod batch;
pub mod codec;
#[cfg(feature = "python")]
pub mod convert;
pub mod data;
mod error;
pub mod evaluate;
#[cfg(feature = "python")]
pub mod export;
pub mod layout;
pub mod linear;
pub mod mapped;
#[cfg(feature = "python")]
pub mod mlflow;
pub mod persist;
pub mod plot;
pub mod prelude;
pub mod rng;
#[cfg(feature = "python")]
pub mod sklearn;
pub mod split;
#[cfg(feature = "store")]
pub mod store;
pub mod train;

pub use error::{BadSplit, Corruption, Error, ErrorKind, Result};

/// The book's chapters as doc-tests: `build.rs` makes each chapter that `book/src/SUMMARY.md`
/// lists the documentation of one empty module, so `cargo test` compiles and runs every Rust
/// block in the book, and a failure names its chapter.
#[cfg(doctest)]
mod book {
    include!(concat!(env!("OUT_DIR"), "/book.rs"));
}
