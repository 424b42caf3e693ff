//! Loading the root file and, transitively, what it imports.

use super::Loader;
use crate::diag::{suggest, Code, Diagnostic, SourceId, Sources};
use crate::syntax::ast::{File, ItemKind};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// One loaded file.
pub struct Module {
    pub source: SourceId,
    /// `None` when it did not parse (its syntax error is reported).
    pub file: Option<File>,
    /// `std/NAME` modules are the embedded standard library.
    pub is_std: bool,
    /// For each import item, in order: the module it brings in (if it loaded) and its alias.
    pub imports: Vec<(Option<usize>, Option<String>)>,
}

pub struct Loaded {
    pub modules: Vec<Module>,
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a module comes from; two imports of the same key share one module.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    File(PathBuf),
    Std(String),
}

struct State<'l> {
    loader: &'l dyn Loader,
    loaded: Loaded,
    by_key: HashMap<Key, usize>,
    /// Modules being loaded, for cycle detection, and the import (source, span) by which
    /// each module after the first was entered.
    stack: Vec<usize>,
    entered_by: Vec<(SourceId, crate::diag::Span)>,
    names: Vec<String>,
}

pub fn load(path: &Path, text: &str, loader: &dyn Loader) -> Loaded {
    let mut state = State {
        loader,
        loaded: Loaded {
            modules: Vec::new(),
            sources: Sources::default(),
            diagnostics: Vec::new(),
        },
        by_key: HashMap::new(),
        stack: Vec::new(),
        entered_by: Vec::new(),
        names: Vec::new(),
    };
    let key = Key::File(normalize(path));
    state.module(key, path.display().to_string(), text.to_string(), false);
    state.loaded
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

impl State<'_> {
    fn module(&mut self, key: Key, name: String, text: String, is_std: bool) -> usize {
        let source = self.loaded.sources.add(name.clone(), text);
        let parsed = crate::syntax::parse(&self.loaded.sources.get(source).text, source);
        self.loaded.diagnostics.extend(parsed.diagnostics);
        let index = self.loaded.modules.len();
        self.loaded.modules.push(Module {
            source,
            file: None,
            is_std,
            imports: Vec::new(),
        });
        self.names.push(name);
        self.by_key.insert(key.clone(), index);
        self.stack.push(index);
        if let Some(file) = &parsed.file {
            let mut imports = Vec::new();
            for item in &file.items {
                let ItemKind::Import(import) = &item.kind else {
                    continue;
                };
                let target = self.import(&key, source, import);
                imports.push((target, import.alias.as_ref().map(|a| a.name.clone())));
            }
            self.loaded.modules[index].imports = imports;
        }
        self.stack.pop();
        self.loaded.modules[index].file = parsed.file;
        index
    }

    fn import(
        &mut self,
        from: &Key,
        source: SourceId,
        import: &crate::syntax::ast::Import,
    ) -> Option<usize> {
        let span = import.path.span;
        let Some(spec) = import.path.as_plain() else {
            self.error(
                Diagnostic::new(
                    Code::ImportNotFound,
                    source,
                    span,
                    "an import path cannot use `${…}`",
                )
                .with_help("write the path literally, e.g. `import \"./common.chaos\"`"),
            );
            return None;
        };
        let (key, name) = if let Some(module) = spec.strip_prefix("std/") {
            (Key::Std(module.to_string()), spec.clone())
        } else {
            let base = match from {
                Key::File(path) => path.parent().map(Path::to_path_buf).unwrap_or_default(),
                Key::Std(_) => PathBuf::new(),
            };
            let path = normalize(&base.join(&spec));
            let name = path.display().to_string();
            (Key::File(path), name)
        };
        if let Some(&existing) = self.by_key.get(&key) {
            if let Some(position) = self.stack.iter().position(|&m| m == existing) {
                let mut cycle: Vec<&str> = self.stack[position..]
                    .iter()
                    .map(|&m| self.names[m].as_str())
                    .collect();
                cycle.push(&self.names[existing]);
                let shown = cycle
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" → ");
                // Report at the import that starts the cycle, in the outermost file of it.
                let (at_source, at_span) = self
                    .entered_by
                    .get(position)
                    .copied()
                    .unwrap_or((source, span));
                self.error(
                    Diagnostic::new(
                        Code::ImportCycle,
                        at_source,
                        at_span,
                        format!("import cycle: {shown}"),
                    )
                    .with_label("this import starts the cycle")
                    .with_help("move what both files need into a third file that imports neither"),
                );
                return None;
            }
            return Some(existing);
        }
        match &key {
            Key::Std(module) => match crate::stdlib::module(module) {
                Some(text) => Some(self.module(key.clone(), name, text.to_string(), true)),
                None => {
                    let names = crate::stdlib::MODULES.iter().map(|(n, _)| *n);
                    let help = match suggest::closest(module, names) {
                        Some(s) => format!("did you mean `std/{s}`?"),
                        None => format!(
                            "the standard library has {}",
                            crate::stdlib::MODULES
                                .iter()
                                .map(|(n, _)| format!("`std/{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    self.error(
                        Diagnostic::new(
                            Code::UnknownStdModule,
                            source,
                            span,
                            format!("unknown standard library module `std/{module}`"),
                        )
                        .with_help(help),
                    );
                    None
                }
            },
            Key::File(path) if path.extension().is_none_or(|e| e != "chaos") => {
                // Not even opened: `/dev/zero`, a named pipe or `/proc/self/environ`
                // could hang, never end, or show secrets in a syntax error.
                self.error(
                    Diagnostic::new(
                        Code::ImportNotFound,
                        source,
                        span,
                        format!("cannot import `{spec}`: not a `.chaos` file"),
                    )
                    .with_label("imports name `.chaos` files")
                    .with_help("import a `.chaos` file, such as `./common.chaos`, or a standard module, `std/NAME`"),
                );
                None
            }
            Key::File(path) => match self.loader.read(path) {
                Ok(text) => {
                    self.entered_by.push((source, span));
                    let module = self.module(key.clone(), name, text, false);
                    self.entered_by.pop();
                    Some(module)
                }
                Err(error) => {
                    let reason = match error.kind() {
                        std::io::ErrorKind::NotFound => "no such file".to_string(),
                        _ => error.to_string(),
                    };
                    self.error(
                        Diagnostic::new(
                            Code::ImportNotFound,
                            source,
                            span,
                            format!("cannot import `{spec}`: {reason}"),
                        )
                        .with_label(format!("looked for `{name}`"))
                        .with_help("relative imports resolve against the importing file's folder; standard modules start with `std/`"),
                    );
                    None
                }
            },
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.loaded.diagnostics.push(diagnostic);
    }
}
