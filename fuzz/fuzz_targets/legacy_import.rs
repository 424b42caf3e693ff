//! Arbitrary bytes that are UTF-8 → the legacy YAML importer; see `fuzz/README.md`.
//!
//! The body is `tests/support/exercise_legacy.rs`, shared with
//! `tests/robustness_legacy.rs`, which compiles it in every `cargo test` (so this
//! target cannot silently rot).

#![no_main]

#[allow(dead_code)]
#[path = "../../tests/support/exercise.rs"]
mod exercise;
#[path = "../../tests/support/exercise_legacy.rs"]
mod exercise_legacy;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        exercise_legacy::exercise_import(text);
    }
});
