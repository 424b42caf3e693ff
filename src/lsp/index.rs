//! What one file defines and uses, with byte spans: the server's own walk of the
//! syntax tree, for hover, definitions, references, symbols and completion.

use super::kinds::{self, Class};
use crate::diag::Span;
use crate::syntax::ast::*;

/// What a declared name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    Param,
    Const,
    Service,
    Target,
    Probe,
    Fault,
    Template,
    TemplateParam,
    Scenario,
    Suite,
    Environment,
    StepAlias,
}

impl DefKind {
    /// The word that declares it.
    pub fn word(self) -> &'static str {
        match self {
            DefKind::Param => "param",
            DefKind::Const => "const",
            DefKind::Service => "service",
            DefKind::Target => "target",
            DefKind::Probe => "probe",
            DefKind::Fault => "fault",
            DefKind::Template => "template",
            DefKind::TemplateParam => "template parameter",
            DefKind::Scenario => "scenario",
            DefKind::Suite => "suite",
            DefKind::Environment => "environment",
            DefKind::StepAlias => "step",
        }
    }
}

/// A declared name.
#[derive(Debug, Clone)]
pub struct Def {
    pub name: String,
    pub kind: DefKind,
    /// Where the name is written.
    pub span: Span,
    /// The whole declaration.
    pub item_span: Span,
    /// Where the name can be used: the file for top-level names, the body or template
    /// for local ones.
    pub scope: Span,
    pub top_level: bool,
    pub doc: Option<String>,
    /// What it is bound to, as a short text: `http(…)`, `int = 8080`, `(port: int)`.
    pub detail: String,
}

/// A use of a name (`name` or `ns.name`).
#[derive(Debug, Clone)]
pub struct Use {
    pub namespace: Option<String>,
    pub name: String,
    pub span: Span,
}

/// A call of a built-in kind.
#[derive(Debug, Clone)]
pub struct KindUse {
    pub name: String,
    pub class: Option<Class>,
    pub span: Span,
}

/// A named argument of a call: `delay: 100ms`.
#[derive(Debug, Clone)]
pub struct ArgUse {
    pub callee: String,
    pub class: Option<Class>,
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct QuantityUse {
    pub quantity: Quantity,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct MetricUse {
    pub name: String,
    pub span: Span,
}

/// An `import` item.
#[derive(Debug, Clone)]
pub struct ImportUse {
    pub spec: String,
    pub alias: Option<String>,
}

/// Everything found in one file.
#[derive(Debug, Default, Clone)]
pub struct Index {
    pub defs: Vec<Def>,
    pub uses: Vec<Use>,
    pub kinds: Vec<KindUse>,
    pub args: Vec<ArgUse>,
    pub quantities: Vec<QuantityUse>,
    pub metrics: Vec<MetricUse>,
    pub imports: Vec<ImportUse>,
    /// The definitions of each name, by position in `defs`: resolving every use of a
    /// large file stays linear.
    by_name: std::collections::HashMap<String, Vec<usize>>,
}

/// What is at a byte offset, the innermost first.
#[derive(Debug, Clone)]
pub enum At<'a> {
    Def(&'a Def),
    Use(&'a Use),
    Kind(&'a KindUse),
    Arg(&'a ArgUse),
    Quantity(&'a QuantityUse),
    Metric(&'a MetricUse),
}

fn contains(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

impl Index {
    pub fn of(file: &File) -> Index {
        let mut walker = Walker {
            index: Index::default(),
            // Past the last item too: comments and blank lines at the end of the file.
            scope: Span::new(0, usize::MAX),
            local: false,
        };
        for item in &file.items {
            walker.item(item);
        }
        let mut index = walker.index;
        for (i, def) in index.defs.iter().enumerate() {
            index.by_name.entry(def.name.clone()).or_default().push(i);
        }
        index
    }

    /// The definitions named `name`, as positions in `defs`.
    pub fn named(&self, name: &str) -> impl Iterator<Item = usize> + '_ {
        self.by_name.get(name).into_iter().flatten().copied()
    }

    /// The narrowest thing written at `offset`.
    pub fn at(&self, offset: usize) -> Option<At<'_>> {
        let mut found: Vec<(Span, At<'_>)> = Vec::new();
        found.extend(self.defs.iter().map(|d| (d.span, At::Def(d))));
        found.extend(self.uses.iter().map(|u| (u.span, At::Use(u))));
        found.extend(self.kinds.iter().map(|k| (k.span, At::Kind(k))));
        found.extend(self.args.iter().map(|a| (a.span, At::Arg(a))));
        found.extend(self.quantities.iter().map(|q| (q.span, At::Quantity(q))));
        found.extend(self.metrics.iter().map(|m| (m.span, At::Metric(m))));
        found
            .into_iter()
            .filter(|(span, _)| contains(*span, offset))
            .min_by_key(|(span, _)| span.len())
            .map(|(_, at)| at)
    }

    /// The definitions of `name` visible at `offset` in this file, the innermost first.
    pub fn visible(&self, name: &str, offset: usize) -> Option<usize> {
        self.named(name)
            .filter(|&i| {
                let d = &self.defs[i];
                d.kind != DefKind::Scenario && contains(d.scope, offset)
            })
            .min_by_key(|&i| self.defs[i].scope.len())
    }

    /// Every name that can be used at `offset` (for completion), local ones first.
    pub fn in_scope(&self, offset: usize) -> Vec<&Def> {
        let mut defs: Vec<&Def> = self
            .defs
            .iter()
            .filter(|d| d.kind != DefKind::Scenario && contains(d.scope, offset))
            .collect();
        defs.sort_by_key(|d| d.scope.len());
        defs
    }
}

struct Walker {
    index: Index,
    /// The scope a declaration made now is visible in.
    scope: Span,
    /// Inside a template or scenario.
    local: bool,
}

impl Walker {
    fn def(
        &mut self,
        name: &Ident,
        kind: DefKind,
        item_span: Span,
        doc: Option<&String>,
        detail: String,
    ) {
        let top_level = !self.local;
        self.index.defs.push(Def {
            name: name.name.clone(),
            kind,
            span: name.span,
            item_span,
            scope: self.scope,
            top_level,
            doc: doc.cloned(),
            detail,
        });
    }

    fn item(&mut self, item: &Item) {
        let doc = item.doc.as_ref();
        match &item.kind {
            ItemKind::Import(import) => {
                if let Some(spec) = import.path.as_plain() {
                    self.index.imports.push(ImportUse {
                        spec,
                        alias: import.alias.as_ref().map(|a| a.name.clone()),
                    });
                }
            }
            ItemKind::Param(param) => {
                let detail = format!(
                    "{}{}",
                    param.ty.name,
                    if param.default.is_some() {
                        " = …"
                    } else {
                        ""
                    }
                );
                self.def(&param.name, DefKind::Param, item.span, doc, detail);
                if let Some(default) = &param.default {
                    self.expr(default, None);
                }
            }
            ItemKind::Const(c) => self.constant(c, item.span, doc),
            ItemKind::Decl(decl) => self.decl(decl, item.span, doc),
            ItemKind::Template(template) => {
                let params: Vec<String> = template
                    .params
                    .iter()
                    .map(|p| format!("{}: {}", p.name.name, p.ty.name))
                    .collect();
                self.def(
                    &template.name,
                    DefKind::Template,
                    item.span,
                    doc,
                    format!("({})", params.join(", ")),
                );
                let outer = std::mem::replace(&mut self.scope, item.span);
                self.local = true;
                for param in &template.params {
                    self.def(
                        &param.name,
                        DefKind::TemplateParam,
                        param.span,
                        None,
                        param.ty.name.clone(),
                    );
                    if let Some(default) = &param.default {
                        self.expr(default, None);
                    }
                }
                self.based_on(template.base.as_ref(), template.body.as_ref());
                self.scope = outer;
                self.local = false;
            }
            ItemKind::Scenario(scenario) => {
                let name = Ident {
                    name: scenario.name.display(),
                    span: scenario.name.span,
                };
                self.def(&name, DefKind::Scenario, item.span, doc, String::new());
                let outer = std::mem::replace(&mut self.scope, item.span);
                self.local = true;
                self.based_on(scenario.base.as_ref(), scenario.body.as_ref());
                self.scope = outer;
                self.local = false;
            }
            ItemKind::Suite(suite) => {
                self.def(&suite.name, DefKind::Suite, item.span, doc, String::new());
                for entry in &suite.entries {
                    if let SuiteEntry::Cooldown(e, _) = entry {
                        self.expr(e, None);
                    }
                }
            }
            ItemKind::Environment(env) => {
                self.def(
                    &env.name,
                    DefKind::Environment,
                    item.span,
                    doc,
                    String::new(),
                );
                for entry in &env.entries {
                    match entry {
                        EnvEntry::Slo(slo) => self.assertions(&slo.assertions),
                        EnvEntry::Set(pairs, _) => {
                            for (name, value) in pairs {
                                self.name_use(None, name);
                                self.expr(value, None);
                            }
                        }
                        EnvEntry::Allow(..) | EnvEntry::Confirm(..) => {}
                    }
                }
            }
            ItemKind::Slo(slo) => self.assertions(&slo.assertions),
            ItemKind::Safety(safety) => self.safety(safety),
        }
    }

    fn constant(&mut self, c: &Const, span: Span, doc: Option<&String>) {
        self.def(&c.name, DefKind::Const, span, doc, "= …".into());
        self.expr(&c.value, None);
    }

    fn decl(&mut self, decl: &Decl, span: Span, doc: Option<&String>) {
        let kind = match decl.kind {
            DeclKind::Service => DefKind::Service,
            DeclKind::Target => DefKind::Target,
            DeclKind::Probe => DefKind::Probe,
            DeclKind::Fault => DefKind::Fault,
        };
        let class = match decl.kind {
            DeclKind::Service => Class::Service,
            DeclKind::Target => Class::Target,
            DeclKind::Probe => Class::Probe,
            DeclKind::Fault => Class::Fault,
        };
        self.def(
            &decl.name,
            kind,
            span,
            doc,
            format!("= {}(…)", decl.call.callee.display()),
        );
        self.call(&decl.call, Some(class));
    }

    fn based_on(&mut self, base: Option<&Call>, body: Option<&Body>) {
        if let Some(base) = base {
            self.call(base, None);
        }
        if let Some(body) = body {
            for entry in &body.entries {
                self.entry(entry);
            }
        }
    }

    fn entry(&mut self, entry: &BodyEntry) {
        match &entry.kind {
            BodyEntryKind::Description(_) | BodyEntryKind::Tags(_) => {}
            BodyEntryKind::Baseline(e) => self.expr(e, None),
            BodyEntryKind::SteadyState(assertions) => self.assertions(assertions),
            BodyEntryKind::Timeline(steps) => {
                for step in steps {
                    match &step.start {
                        StepStart::At(e) | StepStart::Then(Some(e)) => self.expr(e, None),
                        StepStart::Then(None) => {}
                    }
                    match &step.fault {
                        FaultUse::Call(call) => self.call(call, Some(Class::Fault)),
                        FaultUse::Name(path) => self.path_use(path),
                    }
                    if let Some(d) = &step.duration {
                        self.expr(d, None);
                    }
                    if let Some(alias) = &step.alias {
                        let detail = step.fault.path().display();
                        self.def(alias, DefKind::StepAlias, step.span, None, detail);
                    }
                }
            }
            BodyEntryKind::Recover { within, checks } => {
                self.expr(within, None);
                if let Some(c) = checks {
                    self.expr(c, None);
                }
            }
            BodyEntryKind::Slo(slo) => self.assertions(&slo.assertions),
            BodyEntryKind::Abort(abort) => self.abort(abort),
            BodyEntryKind::Safety(safety) => self.safety(safety),
            BodyEntryKind::Const(c) => self.constant(c, entry.span, None),
            BodyEntryKind::Decl(decl) => self.decl(decl, entry.span, None),
        }
    }

    fn safety(&mut self, safety: &SafetyBlock) {
        for entry in &safety.entries {
            match entry {
                SafetyEntry::MaxDuration(e, _) | SafetyEntry::Cooldown(e, _) => self.expr(e, None),
                SafetyEntry::Abort(abort) => self.abort(abort),
                SafetyEntry::Confirm(..) | SafetyEntry::AllowTargets(..) => {}
            }
        }
    }

    fn abort(&mut self, abort: &Abort) {
        self.condition(&abort.condition);
        if let Some(over) = &abort.over {
            self.expr(over, None);
        }
    }

    fn assertions(&mut self, assertions: &[Assertion]) {
        for assertion in assertions {
            self.condition(&assertion.condition);
        }
    }

    fn condition(&mut self, condition: &Condition) {
        self.index.metrics.push(MetricUse {
            name: condition.metric.name.clone(),
            span: condition.metric.span,
        });
        for arg in condition.args.iter().flatten() {
            self.expr(arg, None);
        }
        self.expr(&condition.value, None);
    }

    fn call(&mut self, call: &Call, class: Option<Class>) {
        let callee = &call.callee;
        let kind = callee
            .namespace
            .is_none()
            .then(|| kinds::find(class, &callee.name.name))
            .flatten();
        let class = kind.as_ref().map(|k| k.class);
        if kind.is_some() {
            self.index.kinds.push(KindUse {
                name: callee.name.name.clone(),
                class,
                span: callee.span,
            });
        } else {
            self.path_use(callee);
        }
        for arg in &call.args {
            if let Some(name) = &arg.name {
                self.index.args.push(ArgUse {
                    callee: callee.display(),
                    class,
                    name: name.name.clone(),
                    span: name.span,
                });
            }
            self.expr(&arg.value, None);
        }
    }

    fn expr(&mut self, expr: &Expr, class: Option<Class>) {
        match &expr.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Percentile(_)
            | ExprKind::Range(..) => {}
            ExprKind::String(s) => self.string(s),
            ExprKind::Quantity(q) => self.index.quantities.push(QuantityUse {
                quantity: q.clone(),
                span: expr.span,
            }),
            ExprKind::List(items) => {
                for item in items {
                    self.expr(item, None);
                }
            }
            ExprKind::Map(pairs) => {
                for (key, value) in pairs {
                    self.string(key);
                    self.expr(value, None);
                }
            }
            ExprKind::Path(path) => self.path_use(path),
            ExprKind::Call(call) => self.call(call, class),
        }
    }

    fn string(&mut self, s: &StringLit) {
        for part in &s.parts {
            if let StringPart::Interpolation(path) = part {
                self.path_use(path);
            }
        }
    }

    fn path_use(&mut self, path: &Path) {
        self.name_use(path.namespace.as_ref().map(|n| n.name.clone()), &path.name);
    }

    fn name_use(&mut self, namespace: Option<String>, name: &Ident) {
        self.index.uses.push(Use {
            namespace,
            name: name.name.clone(),
            span: name.span,
        });
    }
}
