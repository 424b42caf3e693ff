//! Name resolution, imports, templates, types and units, timeline, SLO and safety
//! rules. Collects every diagnostic; never stops at the first.
//!
//! No IO of its own: imported files are read through the [`Loader`] the caller gives.
//!
//! - [`modules`]: loading the root file and its imports (std and relative), cycles;
//! - [`scope`]: the names each module defines and how a name is resolved;
//! - [`expr`]: typing values, calls and their arguments against [`signatures`];
//! - [`body`]: scenarios and templates: bodies, template expansion, timelines, assertions;
//! - [`items`]: suites, environments, safety blocks and the warnings about the whole file.

mod assertions;
mod body;
pub(crate) mod expr;
mod items;
pub(crate) mod modules;
pub mod record;
pub(crate) mod scope;
pub mod signatures;
mod templates;
mod timeline;
pub mod types;

pub use expr::example as expr_example;

use crate::diag::{self, Diagnostic, Sources};
use std::path::Path;

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

/// Checks the file `path` whose text is `text`, and everything it imports.
pub fn check(path: &Path, text: &str, loader: &dyn Loader) -> Checked {
    compile(path, text, loader, |_, _| Vec::new(), |_, _| ()).0
}

/// Loads and checks a program. `bind` runs once names are known and before anything is
/// checked (lowering binds params there; its diagnostics are reported with the rest);
/// `finish` reads the checker afterwards. `finish` runs only when every file parsed.
pub(crate) fn compile<R>(
    path: &Path,
    text: &str,
    loader: &dyn Loader,
    bind: impl FnOnce(&mut scope::Checker<'_>, &mut Sources) -> Vec<Diagnostic>,
    finish: impl FnOnce(&mut scope::Checker<'_>, &Sources) -> R,
) -> (Checked, Option<R>) {
    let mut loaded = modules::load(path, text, loader);
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let mut result = None;
    if loaded.modules.iter().all(|m| m.file.is_some()) {
        let mut checker = scope::Checker::new(&loaded.modules);
        checker.collect();
        let bound = bind(&mut checker, &mut loaded.sources);
        checker.check_all();
        result = Some(finish(&mut checker, &loaded.sources));
        diagnostics.extend(bound);
        diagnostics.extend(checker.into_diagnostics());
    }
    dedup(&mut diagnostics);
    diag::sort(&mut diagnostics);
    (
        Checked {
            sources: loaded.sources,
            diagnostics,
        },
        result,
    )
}

/// Template bodies are checked once on their own and again for each scenario built on
/// them; the same finding at the same place is reported once.
fn dedup(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| {
        let span = d.span();
        seen.insert((d.code, d.source, span.start, span.end, d.message.clone()))
    });
}
