//! Arbitrary bytes that are UTF-8 → parse, check and format; see `fuzz/README.md`.
//!
//! The body is `tests/support/exercise.rs`, shared with `tests/robustness.rs`, which
//! compiles it in every `cargo test` (so this target cannot silently rot).

#![no_main]

#[path = "../../tests/support/exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        exercise::exercise(text);
    }
});
