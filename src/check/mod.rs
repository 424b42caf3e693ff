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
mod bind;
mod body;
pub(crate) mod expr;
mod items;
pub(crate) mod modules;
mod parallel;
pub mod record;
pub(crate) mod scope;
pub mod signatures;
mod templates;
mod timeline;
pub mod types;

pub use bind::Bindings;
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
    let (checked, program) = compile(path, text, loader, None);
    crate::shared::release::drop_off_thread(program, text.len());
    checked
}

/// Loads and checks a program, and returns what the checker recorded about it (when
/// every file parsed). With `bindings`, params are bound to their values (the command
/// line's, the environment's, the defaults) once names are known and before anything
/// is checked, so that every value is checked and recorded as the plan will have it.
pub fn compile(
    path: &Path,
    text: &str,
    loader: &dyn Loader,
    bindings: Option<&Bindings>,
) -> (Checked, Option<record::Program>) {
    let threads = crate::syntax::threads_for(text.len());
    compile_on(path, text, loader, bindings, threads)
}

/// [`compile`] with a module's scenarios checked on up to `threads` threads (1: one
/// after the other), for tests that show the result does not depend on it.
pub fn compile_on(
    path: &Path,
    text: &str,
    loader: &dyn Loader,
    bindings: Option<&Bindings>,
    threads: usize,
) -> (Checked, Option<record::Program>) {
    let mut loaded = modules::load(path, text, loader);
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let mut result = None;
    if loaded.modules.iter().all(|m| m.file.is_some()) {
        let mut checker = scope::Checker::new(&loaded.modules);
        checker.threads = threads.max(1);
        checker.collect();
        if let Some(bindings) = bindings {
            let bound = checker.bind(bindings, &mut loaded.sources);
            diagnostics.extend(bound);
        }
        checker.check_all();
        let mut program = std::mem::take(&mut checker.program);
        program.scenarios = std::mem::take(&mut checker.scenarios);
        program.probes = std::mem::take(&mut checker.probes);
        program.targets = std::mem::take(&mut checker.targets);
        // Checked module by module, in source order within each.
        program.services.sort_by_key(|s| s.module);
        result = Some(program);
        diagnostics.extend(checker.into_diagnostics());
    }
    crate::shared::release::drop_off_thread(std::mem::take(&mut loaded.modules), text.len());
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
