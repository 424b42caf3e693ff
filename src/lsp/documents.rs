//! The open documents, kept in memory, and the loader through which imports are read:
//! an open buffer wins over the file on disk.

use super::index::Index;
use super::program::{normalize, Program};
use crate::check::Loader;
use crate::diag::Diagnostic;
use lsp_types::Url;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One open document and what was last found in it.
pub struct Document {
    pub uri: Url,
    /// The path its imports resolve against (a made-up one for an unsaved buffer).
    pub path: PathBuf,
    pub version: i32,
    pub text: String,
    /// The document and its imports, as they are now.
    pub program: Program,
    /// The index of the last text that parsed: names to complete while a line is
    /// half-written.
    pub last_parsed: Option<Index>,
    /// The checker's diagnostics in this document.
    pub diagnostics: Vec<Diagnostic>,
    /// Those it found in the files this one imports (by path; not the standard library).
    pub imported: Vec<(PathBuf, Diagnostic)>,
}

impl Document {
    pub fn module(&self) -> &super::program::Module {
        self.program.root()
    }
}

pub struct Documents {
    open: HashMap<Url, Document>,
    disk: Box<dyn Loader + Sync>,
}

/// Reads open buffers first, then the disk.
struct Overlay<'a> {
    open: &'a HashMap<Url, Document>,
    disk: &'a (dyn Loader + Sync),
}

impl Loader for Overlay<'_> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let path = normalize(path);
        match self.open.values().find(|d| d.path == path) {
            Some(document) => Ok(document.text.clone()),
            None => self.disk.read(&path),
        }
    }
}

/// The path of a document: its file, or for a buffer that is not a file (`untitled:`)
/// a name in the current folder, so that relative imports still mean something.
pub fn path_of(uri: &Url) -> PathBuf {
    match uri.to_file_path() {
        Ok(path) => normalize(&path),
        Err(()) => {
            let name = uri.path().rsplit('/').next().unwrap_or("untitled");
            std::env::current_dir()
                .unwrap_or_default()
                .join(format!("{name}.chaos"))
        }
    }
}

impl Documents {
    pub fn new(disk: Box<dyn Loader + Sync>) -> Documents {
        Documents {
            open: HashMap::new(),
            disk,
        }
    }

    pub fn get(&self, uri: &Url) -> Option<&Document> {
        self.open.get(uri)
    }

    pub fn all(&self) -> impl Iterator<Item = &Document> {
        self.open.values()
    }

    pub fn uris(&self) -> Vec<Url> {
        self.open.keys().cloned().collect()
    }

    /// The open documents that import (directly or not) a file at one of `paths`.
    pub fn importers(&self, paths: &[PathBuf]) -> Vec<Url> {
        self.open
            .values()
            .filter(|d| {
                d.program
                    .modules
                    .iter()
                    .skip(1)
                    .any(|m| m.path.as_ref().is_some_and(|p| paths.contains(p)))
            })
            .map(|d| d.uri.clone())
            .collect()
    }

    /// Opens or replaces a document's text, then checks it.
    pub fn set(&mut self, uri: Url, version: i32, text: String) {
        let path = path_of(&uri);
        let last_parsed = self.open.remove(&uri).and_then(|d| {
            d.program
                .modules
                .into_iter()
                .next()
                .and_then(|m| m.index)
                .or(d.last_parsed)
        });
        let placeholder = Document {
            uri: uri.clone(),
            path,
            version,
            text,
            program: Program {
                modules: Vec::new(),
            },
            last_parsed,
            diagnostics: Vec::new(),
            imported: Vec::new(),
        };
        self.open.insert(uri.clone(), placeholder);
        self.analyse(&uri);
    }

    pub fn close(&mut self, uri: &Url) {
        self.open.remove(uri);
    }

    /// Checks a document again (after it, or a file it imports, changed).
    pub fn analyse(&mut self, uri: &Url) {
        let Some(document) = self.open.get(uri) else {
            return;
        };
        let overlay = Overlay {
            open: &self.open,
            disk: &*self.disk,
        };
        // The checker and the server's own index each parse the text: on two threads, so
        // that a keystroke waits for the slower of them, not for both.
        let (checked, program) = std::thread::scope(|scope| {
            let program = scope.spawn(|| Program::load(&document.path, &document.text, &overlay));
            let checked = crate::check::check(&document.path, &document.text, &overlay);
            let program = program
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (checked, program)
        });
        // The root file is the checker's first source; imported files have their
        // normalised path as their name, the standard library `std/NAME`.
        let mut diagnostics = Vec::new();
        let mut imported = Vec::new();
        for d in checked.diagnostics {
            if d.source.0 == 0 {
                diagnostics.push(d);
                continue;
            }
            let name = &checked.sources.get(d.source).name;
            if Path::new(name).is_absolute() {
                imported.push((PathBuf::from(name), d));
            }
        }
        let document = self.open.get_mut(uri).expect("looked up above");
        document.diagnostics = diagnostics;
        document.imported = imported;
        document.program = program;
        if let Some(index) = &document.program.root().index {
            document.last_parsed = Some(index.clone());
        }
    }
}
