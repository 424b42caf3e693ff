//! Name resolution, imports, templates, types and units, timeline, SLO and safety
//! rules. Collects every diagnostic; never stops at the first.
//!
//! No IO of its own: imported files are read through the [`Loader`] the caller gives.

use crate::diag::{self, Diagnostic, Sources};
use std::path::{Path, PathBuf};

/// Reads imported files for the checker (the CLI reads the file system; tests use memory).
pub trait Loader {
    /// The text of the file at `path`, which is already resolved against the importer.
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// The outcome of checking one root file and everything it imports.
pub struct Checked {
    /// Every file read, so diagnostics can be rendered.
    pub sources: Sources,
    /// In source order: by file, then offset.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Checks the file `path` whose text is `text`.
pub fn check(path: &Path, text: &str, _loader: &dyn Loader) -> Checked {
    let mut sources = Sources::default();
    let id = sources.add(display_name(path), text);
    let parsed = crate::syntax::parse(text, id);
    let mut diagnostics = parsed.diagnostics;
    diag::sort(&mut diagnostics);
    Checked {
        sources,
        diagnostics,
    }
}

fn display_name(path: &Path) -> String {
    PathBuf::from(path).display().to_string()
}
