//! A root file and what it imports, each with its own [`Index`], and how a name used in
//! one of them resolves to a definition (locals, the file's names, then its imports).

use super::index::{Def, Index, Use};
use super::position::LineIndex;
pub use crate::check::modules::normalize;
use crate::check::Loader;
use crate::diag::{SourceId, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One file of a program.
pub struct Module {
    /// `None` for a `std/…` module.
    pub path: Option<PathBuf>,
    pub text: String,
    pub lines: LineIndex,
    /// `None` when the text does not parse.
    pub index: Option<Index>,
    /// For each import of the file: the module it brings in and its alias.
    pub imports: Vec<(usize, Option<String>)>,
}

/// A definition somewhere in a program: (module, index among its definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefRef {
    pub module: usize,
    pub def: usize,
}

/// The root file (module 0) and, transitively, what it imports.
pub struct Program {
    pub modules: Vec<Module>,
}

impl Program {
    pub fn load(path: &Path, text: &str, loader: &dyn Loader) -> Program {
        let mut loading = Loading {
            loader,
            modules: Vec::new(),
            by_key: HashMap::new(),
        };
        loading.module(Key::File(normalize(path)), text.to_string());
        Program {
            modules: loading.modules,
        }
    }

    pub fn root(&self) -> &Module {
        &self.modules[0]
    }

    pub fn def(&self, at: DefRef) -> &Def {
        &self
            .index(at.module)
            .expect("a definition's module has an index")
            .defs[at.def]
    }

    fn index(&self, module: usize) -> Option<&Index> {
        self.modules.get(module)?.index.as_ref()
    }

    /// The definition a use in `module` stands for.
    pub fn resolve(&self, module: usize, used: &Use) -> Option<DefRef> {
        let index = self.index(module)?;
        let top_level_in = |m: usize, name: &str| -> Option<DefRef> {
            let index = self.index(m)?;
            let def = index.named(name).find(|&i| {
                let d = &index.defs[i];
                d.top_level && d.kind.is_usable()
            })?;
            Some(DefRef { module: m, def })
        };
        match &used.namespace {
            Some(alias) => {
                let (target, _) = self.modules[module]
                    .imports
                    .iter()
                    .find(|(_, a)| a.as_deref() == Some(alias))?;
                top_level_in(*target, &used.name)
            }
            None => {
                if let Some(def) = index.visible(&used.name, used.span.start) {
                    return Some(DefRef { module, def });
                }
                self.modules[module]
                    .imports
                    .iter()
                    .filter(|(_, alias)| alias.is_none())
                    .find_map(|(target, _)| top_level_in(*target, &used.name))
            }
        }
    }

    /// The definition at `offset` of `module`: the one declared there, or the one a use
    /// there resolves to.
    pub fn definition_at(&self, module: usize, offset: usize) -> Option<DefRef> {
        let index = self.index(module)?;
        match index.at(offset)? {
            super::index::At::Def(def) => {
                let def = index.defs.iter().position(|d| std::ptr::eq(d, def))?;
                Some(DefRef { module, def })
            }
            super::index::At::Use(used) => self.resolve(module, used),
            _ => None,
        }
    }

    /// Every use of `target` in the program, as (module, span).
    pub fn uses_of(&self, target: DefRef) -> Vec<(usize, Span)> {
        let name = &self.def(target).name;
        let mut out = Vec::new();
        for (module, m) in self.modules.iter().enumerate() {
            let Some(index) = &m.index else { continue };
            for used in index.uses.iter().filter(|u| &u.name == name) {
                if self.resolve(module, used) == Some(target) {
                    out.push((module, used.span));
                }
            }
        }
        out
    }

    /// The module of this program read from `path`.
    pub fn module_of(&self, path: &Path) -> Option<usize> {
        let path = normalize(path);
        self.modules
            .iter()
            .position(|m| m.path.as_deref() == Some(&*path))
    }
}

impl super::index::DefKind {
    /// Whether a use can name it (scenarios are named by strings, not names).
    pub fn is_usable(self) -> bool {
        self != super::index::DefKind::Scenario
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    File(PathBuf),
    Std(String),
}

struct Loading<'l> {
    loader: &'l dyn Loader,
    modules: Vec<Module>,
    by_key: HashMap<Key, usize>,
}

impl Loading<'_> {
    fn module(&mut self, key: Key, text: String) -> usize {
        let parsed = crate::syntax::parse(&text, SourceId(0));
        let index = parsed.file.as_ref().map(Index::of);
        let number = self.modules.len();
        self.by_key.insert(key.clone(), number);
        let path = match &key {
            Key::File(path) => Some(path.clone()),
            Key::Std(_) => None,
        };
        let specs: Vec<(String, Option<String>)> = index
            .iter()
            .flat_map(|i| i.imports.iter().map(|u| (u.spec.clone(), u.alias.clone())))
            .collect();
        self.modules.push(Module {
            path,
            lines: LineIndex::new(&text),
            text,
            index,
            imports: Vec::new(),
        });
        let mut imports = Vec::new();
        for (spec, alias) in specs {
            if let Some(target) = self.import(&key, &spec) {
                imports.push((target, alias));
            }
        }
        self.modules[number].imports = imports;
        number
    }

    fn import(&mut self, from: &Key, spec: &str) -> Option<usize> {
        let key = match spec.strip_prefix("std/") {
            Some(name) => Key::Std(name.to_string()),
            None => {
                let base = match from {
                    Key::File(path) => path.parent().map(Path::to_path_buf).unwrap_or_default(),
                    Key::Std(_) => return None,
                };
                let path = normalize(&base.join(spec));
                if path.extension().is_none_or(|e| e != "chaos") {
                    return None;
                }
                Key::File(path)
            }
        };
        if let Some(&known) = self.by_key.get(&key) {
            return Some(known);
        }
        let text = match &key {
            Key::Std(name) => crate::stdlib::module(name)?.to_string(),
            Key::File(path) => self.loader.read(path).ok()?,
        };
        Some(self.module(key, text))
    }
}
