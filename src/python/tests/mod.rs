//! The reader's own tests: every fixture made by real Python reads exactly, and hand-made bad
//! inputs each stop with their own error. They reach the module's internals (the pickle machine,
//! joblib's decompression), so they live here rather than in `tests/`.

mod fixtures;
mod hostile;
