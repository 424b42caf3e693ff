//! The checker's state: what each module defines, local scopes, and name resolution.

use super::modules::Module;
use super::types::{ParamTy, Ty, Val};
use crate::diag::{suggest, Code, Diagnostic, SourceId, Span};
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};

/// A syntax node's identity, as a key: its address (never turned back into a
/// reference). An integer rather than a pointer so that the checker can be sent to
/// another thread (see `parallel.rs`).
pub type NodeId = usize;

/// The [`NodeId`] of `node`.
pub fn node_id<T>(node: &T) -> NodeId {
    node as *const T as usize
}

/// Something a top-level or local name stands for.
#[derive(Clone, Copy)]
pub enum Def<'a> {
    Param(&'a Param),
    Const(&'a Const),
    Decl(&'a Decl),
    Template(&'a Template),
}

impl Def<'_> {
    /// "a probe", "a template": for "is X, not Y" messages.
    pub fn noun(&self) -> &'static str {
        match self {
            Def::Param(_) => "a param",
            Def::Const(_) => "a const",
            Def::Decl(d) => match d.kind {
                DeclKind::Service => "a service",
                DeclKind::Target => "a target",
                DeclKind::Probe => "a probe",
                DeclKind::Fault => "a fault preset",
            },
            Def::Template(_) => "a template",
        }
    }

    pub fn name_span(&self) -> Span {
        match self {
            Def::Param(p) => p.name.span,
            Def::Const(c) => c.name.span,
            Def::Decl(d) => d.name.span,
            Def::Template(t) => t.name.span,
        }
    }
}

/// A name defined at the top of a module.
#[derive(Clone, Copy)]
pub struct TopDef<'a> {
    pub def: Def<'a>,
    pub module: usize,
}

/// A template parameter bound while checking a template body.
#[derive(Clone)]
pub struct Bound {
    pub ty: ParamTy,
    pub value: Val,
}

/// A name in a scenario or template body (local items and template parameters).
#[derive(Clone)]
pub enum Local<'a> {
    Def(Def<'a>),
    Param(Bound),
}

pub struct Frame<'a> {
    pub names: HashMap<String, (Local<'a>, Span)>,
    pub used: HashSet<String>,
    /// Whether to report unused names when the frame is popped.
    pub report_unused: bool,
}

/// What a name resolved to.
#[derive(Clone)]
pub enum Resolved<'a> {
    Top(TopDef<'a>),
    Local(Local<'a>),
}

impl<'a> Resolved<'a> {
    pub fn def(&self) -> Option<Def<'a>> {
        match self {
            Resolved::Top(t) => Some(t.def),
            Resolved::Local(Local::Def(d)) => Some(*d),
            Resolved::Local(Local::Param(_)) => None,
        }
    }

    pub fn noun(&self) -> &'static str {
        match self {
            Resolved::Local(Local::Param(b)) => match b.ty {
                ParamTy::Service => "a service",
                ParamTy::Value(Ty::Target(_)) => "a target",
                _ => "a template parameter",
            },
            other => other.def().map_or("a name", |d| d.noun()),
        }
    }
}

pub struct Checker<'a> {
    pub modules: &'a [Module],
    /// Per module: its own top-level names.
    pub defs: Vec<HashMap<&'a str, TopDef<'a>>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Top-level names that something refers to: (module, name).
    pub used: HashSet<(usize, &'a str)>,
    /// The module whose items are being checked.
    pub module: usize,
    pub frames: Vec<Frame<'a>>,
    /// Consts being evaluated, to stop on `const a = b  const b = a`.
    pub evaluating: Vec<&'a Const>,
    /// Const cycles already reported (their consts, sorted), and the reports: kept apart
    /// from `diagnostics`, which evaluating a const truncates.
    pub cycles: HashSet<Vec<NodeId>>,
    pub cycle_diagnostics: Vec<Diagnostic>,
    /// Const values already computed, so that each is evaluated once and not once per
    /// reference (`const a0 = "${a1}${a1}"` … forty deep is 2^40 references): by const,
    /// the [`Checker::scope_epoch`] for a local const (`u64::MAX` for a top-level one,
    /// which is evaluated without locals) and the number of params bound.
    pub const_values: HashMap<(NodeId, u64, usize), Val>,
    /// Changes whenever the local frames do, so that cached local consts stay right.
    pub scope_epoch: u64,
    /// Set while re-checking a template body for one scenario: its name, for notes.
    pub expanding: Option<String>,
    /// Facts about each module that every scenario in it needs, computed once.
    pub facts: Vec<Option<FileFacts>>,
    /// Values given to params (lowering binds them; checking leaves them opaque).
    pub param_values: HashMap<NodeId, Val>,
    /// Every target a value refers to, by the key in `Val::Target`.
    pub targets: HashMap<String, super::record::TargetRecord>,
    /// Every probe declared, by key (see [`Checker::decl_key`]).
    pub probes: HashMap<String, super::record::ProbeRecord>,
    /// Every scenario checked, in the order checked.
    pub scenarios: Vec<super::record::ScenarioRecord>,
    /// The rest of what lowering needs (see [`super::record::Program`]).
    pub program: super::record::Program,
    /// The environment a plan is compiled for: its module and item.
    pub selected_environment: Option<(usize, NodeId)>,
    /// How many scenarios were checked before this checker's first one: 0, or where
    /// a fork's run of scenarios starts (`parallel.rs`).
    pub scenario_base: usize,
    /// Threads to check a module's scenarios on.
    pub threads: usize,
}

/// What the scenarios of a file inherit from it.
#[derive(Clone, Copy)]
pub struct FileFacts {
    /// `safety { max_duration … }`, in nanoseconds.
    pub max_duration: Option<f64>,
    /// Whether a file-level `safety` block has `allow_targets`.
    pub allow_targets: bool,
    /// Blocking assertions in the file's `slo` defaults and in those of its imports.
    pub blocking: usize,
    /// Whether a probe is declared at the top of the file or of an import.
    pub has_probe: bool,
}

impl<'a> Checker<'a> {
    pub fn new(modules: &'a [Module]) -> Self {
        Checker {
            modules,
            defs: Vec::new(),
            diagnostics: Vec::new(),
            used: HashSet::new(),
            module: 0,
            frames: Vec::new(),
            evaluating: Vec::new(),
            cycles: HashSet::new(),
            cycle_diagnostics: Vec::new(),
            const_values: HashMap::new(),
            scope_epoch: 0,
            expanding: None,
            facts: vec![None; modules.len()],
            param_values: HashMap::new(),
            targets: HashMap::new(),
            probes: HashMap::new(),
            scenarios: Vec::new(),
            program: super::record::Program {
                modules: modules
                    .iter()
                    .map(|m| super::record::ModuleRecord {
                        source: m.source,
                        imports: m
                            .imports
                            .iter()
                            .filter_map(|(module, alias)| Some(((*module)?, alias.is_some())))
                            .collect(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            },
            selected_environment: None,
            scenario_base: 0,
            threads: 1,
        }
    }

    /// The value of `expr` as a param of type `ty`, evaluated in `module`.
    pub fn evaluate_in(&mut self, module: usize, expr: &'a Expr, ty: ParamTy) -> Val {
        let saved = std::mem::replace(&mut self.module, module);
        let value = self.param_value(expr, ty, "param");
        self.module = saved;
        value
    }

    /// A param's default (or `set`) value. A `container`, `process` or `interface`
    /// param may be given as a plain string, as on the command line:
    /// `param db: container = "postgres"` means `container("postgres")`.
    pub fn param_value(&mut self, expr: &'a Expr, ty: ParamTy, what: &str) -> Val {
        use super::types::TargetKind::{Container, Interface, Process};
        let ty = match ty {
            ParamTy::Value(ty) => ty,
            ParamTy::Service => Ty::Target(&[Process]),
        };
        if let (Ty::Target([kind @ (Container | Process | Interface)]), ExprKind::String(s)) =
            (ty, &expr.kind)
        {
            if let Some(text) = self.string(s) {
                return self.named_target(*kind, text, format!("{:p}", expr as *const Expr));
            }
        }
        self.expect(expr, ty, what)
    }

    /// A target named by a string: `container(NAME)`, `process(name: NAME)`, `interface(NAME)`.
    pub fn named_target(
        &mut self,
        kind: super::types::TargetKind,
        name: String,
        key: String,
    ) -> Val {
        let mut args = HashMap::new();
        args.insert("name", Val::Str(Some(name.clone())));
        let key = format!("{name}#{key}");
        self.targets.insert(
            key.clone(),
            super::record::TargetRecord {
                kind,
                name: Some(name),
                service: None,
                args,
            },
        );
        Val::Target { kind, key }
    }

    /// A key that identifies one declaration for the whole run.
    pub fn decl_key(decl: &Decl) -> String {
        format!("{}#{:p}", decl.name.name, decl as *const Decl)
    }

    pub fn into_diagnostics(mut self) -> Vec<Diagnostic> {
        self.diagnostics.append(&mut self.cycle_diagnostics);
        self.diagnostics
    }

    pub fn source(&self) -> SourceId {
        self.modules[self.module].source
    }

    pub fn file(&self, module: usize) -> &'a File {
        self.modules[module]
            .file
            .as_ref()
            .expect("checked modules parsed")
    }

    /// Reports a diagnostic in the current module.
    pub fn emit(&mut self, mut diagnostic: Diagnostic) {
        if let Some(name) = &self.expanding {
            if diagnostic.note.is_none() {
                diagnostic.note = Some(format!(
                    "while expanding the template for scenario `{name}`"
                ));
            }
        }
        self.diagnostics.push(diagnostic);
    }

    pub fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, self.source(), span, message)
    }

    /// Learns every module's top-level names.
    pub fn collect(&mut self) {
        for module in 0..self.modules.len() {
            self.module = module;
            let defs = self.collect_defs(module);
            self.defs.push(defs);
        }
        self.module = 0;
    }

    /// Checks everything, once the names are known (and params bound, when lowering).
    pub fn check_all(&mut self) {
        for module in 0..self.modules.len() {
            self.module = module;
            self.check_module();
        }
        self.check_run_wide();
        for module in 0..self.modules.len() {
            self.module = module;
            self.report_unused_top_level();
        }
    }

    /// The module's own top-level names; reports duplicates.
    fn collect_defs(&mut self, module: usize) -> HashMap<&'a str, TopDef<'a>> {
        let mut defs: HashMap<&'a str, TopDef<'a>> = HashMap::new();
        for item in &self.file(module).items {
            let def = match &item.kind {
                ItemKind::Param(p) => Def::Param(p),
                ItemKind::Const(c) => Def::Const(c),
                ItemKind::Decl(d) => Def::Decl(d),
                ItemKind::Template(t) => Def::Template(t),
                _ => continue,
            };
            let name = match def {
                Def::Param(p) => &p.name,
                Def::Const(c) => &c.name,
                Def::Decl(d) => &d.name,
                Def::Template(t) => &t.name,
            };
            self.refuse_percentile_name(name, def.noun());
            if let Some(first) = defs.get(name.name.as_str()) {
                let first_span = first.def.name_span();
                let d = self
                    .error(Code::DuplicateDefinition, name.span, format!("`{}` is defined twice", name.name))
                    .with_label(format!("second definition of `{}`", name.name))
                    .with_secondary(first_span, "first defined here")
                    .with_help("rename one of them; names are shared by params, consts, targets, probes, services, presets and templates");
                self.emit(d);
                continue;
            }
            defs.insert(&name.name, TopDef { def, module });
        }
        defs
    }

    /// A name such as `p0` or `p99` is lexed as a percentile wherever a value is
    /// expected, so nothing could refer to what it names (E0209).
    fn refuse_percentile_name(&mut self, name: &Ident, noun: &str) {
        if !reads_as_percentile(&name.name) {
            return;
        }
        let kind = noun.trim_start_matches("a ").trim_start_matches("fault ");
        let word = kind.rsplit(' ').next().unwrap_or(kind);
        let d = self
            .error(
                Code::PercentileName,
                name.span,
                format!("the name `{}` reads as a percentile", name.name),
            )
            .with_label(format!("{noun} named like a percentile"))
            .with_help(format!(
                "rename the {kind}, e.g. `{}_{word}` or a name that says what it is",
                name.name
            ))
            .with_note(format!(
                "`p` and digits (`p0` to `p100`) is a percentile wherever a value is written, so `{}` could never refer to this {kind}",
                name.name
            ));
        self.emit(d);
    }

    /// Looks a path up: local frames (innermost first), the module, then its imports.
    pub fn lookup(&mut self, path: &Path) -> Option<Resolved<'a>> {
        if let Some(ns) = &path.namespace {
            let module = self.modules[self.module]
                .imports
                .iter()
                .find(|(_, alias)| alias.as_deref() == Some(ns.name.as_str()))
                .and_then(|(m, _)| *m)?;
            let def = *self.defs[module].get(path.name.name.as_str())?;
            self.used.insert((module, self.name_of(def)));
            return Some(Resolved::Top(def));
        }
        let name = path.name.name.as_str();
        for frame in self.frames.iter_mut().rev() {
            if let Some((local, _)) = frame.names.get(name) {
                frame.used.insert(name.to_string());
                return Some(Resolved::Local(local.clone()));
            }
        }
        let found = self.defs[self.module].get(name).copied().or_else(|| {
            self.modules[self.module]
                .imports
                .iter()
                .filter(|(_, alias)| alias.is_none())
                .filter_map(|(m, _)| *m)
                .find_map(|m| self.defs[m].get(name).copied())
        })?;
        self.used.insert((found.module, self.name_of(found)));
        Some(Resolved::Top(found))
    }

    fn name_of(&self, def: TopDef<'a>) -> &'a str {
        match def.def {
            Def::Param(p) => &p.name.name,
            Def::Const(c) => &c.name.name,
            Def::Decl(d) => &d.name.name,
            Def::Template(t) => &t.name.name,
        }
    }

    /// Every name visible here that `accept` likes: for "did you mean".
    pub fn visible_names(&self, accept: impl Fn(&Resolved<'a>) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        for frame in &self.frames {
            for (name, (local, _)) in &frame.names {
                if accept(&Resolved::Local(local.clone())) {
                    out.push(name.clone());
                }
            }
        }
        let mut modules = vec![(self.module, None)];
        for (m, alias) in &self.modules[self.module].imports {
            if let Some(m) = m {
                modules.push((*m, alias.clone()));
            }
        }
        for (m, alias) in modules {
            for (name, def) in &self.defs[m] {
                if accept(&Resolved::Top(*def)) {
                    out.push(match &alias {
                        Some(ns) => format!("{ns}.{name}"),
                        None => name.to_string(),
                    });
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// E0201 for `path`, with a suggestion among the names `accept` likes.
    pub fn unknown_name(
        &mut self,
        path: &Path,
        what: &str,
        accept: impl Fn(&Resolved<'a>) -> bool,
    ) {
        let shown = path.display();
        let candidates = self.visible_names(accept);
        let help = suggest::did_you_mean(&shown, candidates.iter().map(String::as_str))
            .unwrap_or_else(|| match candidates.len() {
                0 => format!("no {what} is defined; declare one first"),
                n if n <= 6 => format!(
                    "defined {what}s: {}",
                    candidates
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => format!("declare the {what} before using it"),
            });
        let d = self
            .error(
                Code::UnknownName,
                path.span,
                format!("unknown {what} `{shown}`"),
            )
            .with_label(if what == "name" {
                "not defined".to_string()
            } else {
                format!("no {what} has this name")
            })
            .with_help(help);
        self.emit(d);
    }

    pub fn push_frame(&mut self, report_unused: bool) {
        self.scope_epoch += 1;
        self.frames.push(Frame {
            names: HashMap::new(),
            used: HashSet::new(),
            report_unused,
        });
    }

    /// Adds a local name; reports duplicates in the frame and shadowing of file names.
    pub fn define_local(&mut self, name: &Ident, local: Local<'a>) {
        self.scope_epoch += 1;
        let noun = match &local {
            Local::Def(def) => def.noun(),
            Local::Param(_) => "a template parameter",
        };
        self.refuse_percentile_name(name, noun);
        let frame = self.frames.last().expect("a frame is pushed");
        if let Some((_, first)) = frame.names.get(&name.name) {
            let first = *first;
            let d = self
                .error(
                    Code::DuplicateDefinition,
                    name.span,
                    format!("`{}` is defined twice", name.name),
                )
                .with_label(format!("second definition of `{}`", name.name))
                .with_secondary(first, "first defined here")
                .with_help("rename one of them");
            self.emit(d);
            return;
        }
        if let Some(top) = self.defs[self.module].get(name.name.as_str()).copied() {
            if matches!(local, Local::Def(_)) && self.modules[top.module].source == self.source() {
                let d = self
                    .error(
                        Code::Shadowing,
                        name.span,
                        format!(
                            "`{}` hides the file-level {} of the same name",
                            name.name,
                            top.def.noun().trim_start_matches("a ")
                        ),
                    )
                    .with_label("this local definition")
                    .with_secondary(top.def.name_span(), "file-level definition")
                    .with_help("rename the local item so both stay reachable");
                self.emit(d);
            }
        }
        let frame = self.frames.last_mut().expect("a frame is pushed");
        frame.names.insert(name.name.clone(), (local, name.span));
    }

    /// Pops a frame, reporting unused local definitions.
    pub fn pop_frame(&mut self) {
        self.scope_epoch += 1;
        let frame = self.frames.pop().expect("a frame is pushed");
        if !frame.report_unused {
            return;
        }
        let mut unused: Vec<(Span, String, &'static str)> = frame
            .names
            .iter()
            .filter(|(name, _)| !frame.used.contains(*name))
            // Nothing could use it: E0209 says so already.
            .filter(|(name, _)| !reads_as_percentile(name))
            .filter_map(|(name, (local, span))| match local {
                Local::Def(def) if !runs_unnamed(def) => Some((*span, name.clone(), def.noun())),
                Local::Def(_) => None,
                Local::Param(_) => None,
            })
            .collect();
        unused.sort_by_key(|(span, _, _)| span.start);
        for (span, name, noun) in unused {
            let d = self
                .error(
                    Code::Unused,
                    span,
                    format!("{} `{name}` is never used", noun.trim_start_matches("a ")),
                )
                .with_label("defined here")
                .with_help("use it in the scenario or remove it");
            self.emit(d);
        }
    }

    /// W0001 for top-level names nothing refers to, in files that have scenarios.
    fn report_unused_top_level(&mut self) {
        let file = self.file(self.module);
        if self.modules[self.module].is_std
            || !file
                .items
                .iter()
                .any(|i| matches!(i.kind, ItemKind::Scenario(_)))
        {
            return;
        }
        let mut unused: Vec<(Span, &'a str, &'static str)> = self.defs[self.module]
            .iter()
            .filter(|(name, _)| !self.used.contains(&(self.module, **name)))
            .filter(|(name, _)| !reads_as_percentile(name))
            // Templates are a library's exports; services run whether referenced or not.
            .filter(|(_, def)| !matches!(def.def, Def::Template(_)) && !runs_unnamed(&def.def))
            .map(|(name, def)| (def.def.name_span(), *name, def.def.noun()))
            .collect();
        unused.sort_by_key(|(span, _, _)| span.start);
        for (span, name, noun) in unused {
            let d = self
                .error(
                    Code::Unused,
                    span,
                    format!("{} `{name}` is never used", noun.trim_start_matches("a ")),
                )
                .with_label("defined here")
                .with_help("use it in a scenario or remove it");
            self.emit(d);
        }
    }
}

/// Services and probes run in every scenario in their scope whether or not anything
/// names them, so they are never unused.
fn runs_unnamed(def: &Def) -> bool {
    matches!(def, Def::Decl(d) if matches!(d.kind, DeclKind::Service | DeclKind::Probe))
}

/// Whether an identifier is lexed as a percentile in an expression: `p` then digits
/// (`grammar/chaos.pest`, rule `percentile`).
pub fn reads_as_percentile(name: &str) -> bool {
    name.strip_prefix('p')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}
