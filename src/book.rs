//! The book's chapters as doc-tests: each chapter of `book/src/` is the documentation of one empty
//! module, so `cargo test` compiles and runs every Rust block in it, and a failure names its
//! chapter. `tests/book.rs` checks that this list and `book/src/SUMMARY.md` name the same files.

#[doc = include_str!("../book/src/introduction.md")]
pub mod introduction {}

#[doc = include_str!("../book/src/step1-packages.md")]
pub mod step1_packages {}

#[doc = include_str!("../book/src/step2-load.md")]
pub mod step2_load {}

#[doc = include_str!("../book/src/step3-split.md")]
pub mod step3_split {}

#[doc = include_str!("../book/src/step4-train.md")]
pub mod step4_train {}

#[doc = include_str!("../book/src/step5-r2.md")]
pub mod step5_r2 {}

#[doc = include_str!("../book/src/step6-save.md")]
pub mod step6_save {}

#[doc = include_str!("../book/src/step7-load.md")]
pub mod step7_load {}

#[doc = include_str!("../book/src/joblib.md")]
pub mod joblib {}

#[doc = include_str!("../book/src/trust.md")]
pub mod trust {}

#[doc = include_str!("../book/src/pictures.md")]
pub mod pictures {}

#[doc = include_str!("../book/src/going-further.md")]
pub mod going_further {}

#[doc = include_str!("../book/src/speed.md")]
pub mod speed {}

#[doc = include_str!("../book/src/notebooks.md")]
pub mod notebooks {}

#[doc = include_str!("../book/src/appendix.md")]
pub mod appendix {}
