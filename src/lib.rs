#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

#[cfg(feature = "tutorial")]
pub mod article;
mod error;
pub mod file;
#[cfg(feature = "tutorial")]
pub mod prelude;
#[cfg(feature = "python")]
pub mod python;
#[cfg(feature = "store")]
pub mod store;

pub use error::{BadSplit, Corruption, Detail, Error, ErrorKind, Result};

/// The book's chapters as doc-tests: `build.rs` makes each chapter that `book/src/SUMMARY.md`
/// lists the documentation of one empty module, so `cargo test` compiles and runs every Rust
/// block in the book, and a failure names its chapter.
#[cfg(doctest)]
mod book {
    include!(concat!(env!("OUT_DIR"), "/book.rs"));
}
