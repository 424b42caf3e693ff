//! One input through the legacy importer, panicking when a property breaks.
//!
//! Shared, word for word, by `tests/robustness_legacy.rs` and the cargo-fuzz target
//! `fuzz/fuzz_targets/legacy_import.rs` (both include this file and `exercise.rs`,
//! whose checks of diagnostics it uses, with `#[path]`), so the test also proves that
//! the fuzz target compiles against the library. Nothing here may depend on test-only
//! crates.
//!
//! Properties, for every valid UTF-8 text:
//! - `plan::legacy::import` returns (no panic, no stack overflow);
//! - every diagnostic's labels lie inside the YAML text, on character boundaries, and
//!   the renderers (`short`, `json`, miette) accept them;
//! - an import that succeeds is a program that parses without syntax errors.

use super::exercise::assert_renderable;
use chaosc::diag::{Diagnostic, SourceId, Sources};

/// Imports `text` and asserts the properties above.
pub fn exercise_import(text: &str) {
    let mut sources = Sources::default();
    let source = sources.add("input.yml", text);
    let (diagnostics, chaos) = match chaosc::plan::legacy::import(text, source) {
        Ok(imported) => (imported.diagnostics, Some(imported.chaos)),
        Err(diagnostics) => (diagnostics, None),
    };
    assert_renderable("import", &diagnostics, &sources);
    if let Some(chaos) = chaos {
        let parsed = chaosc::syntax::parse(&chaos, SourceId(0));
        let errors: Vec<&str> = parsed
            .diagnostics
            .iter()
            .filter(|d| Diagnostic::is_error(d))
            .map(|d| d.message.as_str())
            .collect();
        assert!(
            errors.is_empty(),
            "an imported program does not parse: {errors:?}\n--- program ---\n{chaos}"
        );
    }
}
