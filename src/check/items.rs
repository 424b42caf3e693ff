//! Top-level items: params, consts, declarations, suites, environments, `slo` and
//! `safety` blocks, and the rules about a whole run (scenario names).

use super::record::{AssertionRecord, EnvironmentRecord, SafetyRecord, ServiceRecord, SuiteRecord};
use super::scope::{Checker, Def, FileFacts};
use super::signatures;
use super::types::{param_type, ParamTy, Val};
use crate::diag::{suggest, Code, Span};
use crate::syntax::ast::*;

impl<'a> Checker<'a> {
    pub fn check_module(&mut self) {
        let file = self.file(self.module);
        // Checked after the other items, on several threads when there are many
        // (`parallel.rs`); nothing else reads what scenarios record.
        let mut scenarios = Vec::new();
        for item in &file.items {
            match &item.kind {
                ItemKind::Import(_) => {}
                ItemKind::Param(param) => match param_type(&param.ty.name) {
                    None => self.unknown_type(&param.ty),
                    Some(ty) => {
                        if let Some(default) = &param.default {
                            self.param_value(default, ty, &param.name.name);
                        }
                    }
                },
                ItemKind::Const(c) => {
                    // On the stack while its value is checked, so that a cycle through
                    // it is told from it: `a` → `b` → `a`.
                    self.evaluating.push(c);
                    self.infer(&c.value);
                    self.evaluating.pop();
                }
                ItemKind::Decl(decl) => {
                    let bound = self.decl(decl);
                    self.record_decl(decl, item.doc.as_ref(), bound);
                }
                ItemKind::Template(template) => self.check_template(template),
                ItemKind::Scenario(scenario) => scenarios.push((item, scenario)),
                ItemKind::Suite(suite) => self.suite(suite, item.doc.as_ref()),
                ItemKind::Environment(environment) => self.environment(environment),
                ItemKind::Slo(block) => {
                    let slo = self.slo_block(block);
                    self.program.modules[self.module].slo.extend(slo);
                }
                ItemKind::Safety(block) => {
                    let record = self.safety(block);
                    self.program.modules[self.module].safety.push(record);
                }
            }
        }
        self.check_scenarios(&scenarios);
    }

    /// A scenario and its documentation.
    pub(super) fn check_scenario_item(&mut self, item: &'a Item, scenario: &'a Scenario) {
        if let Some(doc) = &item.doc {
            let key = super::record::scenario_key(self.module, scenario.name.span);
            self.program.docs.insert(key, doc.clone());
        }
        self.check_scenario(scenario)
    }

    /// Records a top-level declaration for lowering: its documentation, a probe in
    /// its file's scope, a service with its readiness.
    fn record_decl(
        &mut self,
        decl: &'a Decl,
        doc: Option<&String>,
        bound: Option<super::expr::BoundCall>,
    ) {
        let key = Self::decl_key(decl);
        if let Some(doc) = doc {
            self.program.docs.insert(key.clone(), doc.clone());
        }
        match decl.kind {
            DeclKind::Probe => self.program.modules[self.module]
                .probes
                .push((decl.name.name.clone(), key)),
            DeclKind::Service => {
                let Some(bound) = bound else { return };
                let ready_probe = match bound.args.get("ready") {
                    Some((Val::Probe { key }, _)) => {
                        let written = decl
                            .call
                            .args
                            .iter()
                            .find(|a| a.name.as_ref().is_some_and(|n| n.name == "ready"));
                        // A named probe keeps its name; one written inline is the service's.
                        let name = match written.map(|a| &a.value.kind) {
                            Some(ExprKind::Path(path)) => path.display(),
                            _ => format!("{}.ready", decl.name.name),
                        };
                        Some((name, key.clone()))
                    }
                    _ => None,
                };
                self.program.services.push(ServiceRecord {
                    name: decl.name.name.clone(),
                    args: bound.filled(),
                    ready_probe,
                    module: self.module,
                    span: decl.name.span,
                });
            }
            DeclKind::Target | DeclKind::Fault => {}
        }
    }

    /// The assertions of an `slo` block, checked.
    fn slo_block(&mut self, block: &'a SloBlock) -> Vec<AssertionRecord> {
        block
            .assertions
            .iter()
            .filter_map(|assertion| self.checked_assertion(assertion))
            .collect()
    }

    /// Checks a window name after `during`.
    pub(super) fn window(&mut self, window: &Ident) {
        if !signatures::WINDOWS.contains(&window.name.as_str()) {
            let help = suggest::did_you_mean(&window.name, signatures::WINDOWS.iter().copied())
                .unwrap_or_else(|| {
                    format!("windows are {}", super::types::one_of(signatures::WINDOWS))
                });
            let d = self
                .error(
                    Code::UnknownOption,
                    window.span,
                    format!("unknown window `{}`", window.name),
                )
                .with_label("not a window")
                .with_help(help);
            self.emit(d);
        }
    }

    /// Checks a safety block and returns what it sets.
    pub fn safety(&mut self, block: &'a SafetyBlock) -> SafetyRecord {
        let mut record = SafetyRecord::default();
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for entry in &block.entries {
            let (key, span) = match entry {
                SafetyEntry::MaxDuration(_, s) => ("max_duration", *s),
                SafetyEntry::Cooldown(_, s) => ("cooldown", *s),
                SafetyEntry::Confirm(_, s) => ("confirm", *s),
                SafetyEntry::AllowTargets(_, s) => ("allow_targets", *s),
                SafetyEntry::Abort(_) => ("", Span::default()),
            };
            if !key.is_empty() {
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    let d = self
                        .error(
                            Code::DuplicateEntry,
                            span,
                            format!("`{key}` is given twice in this safety block"),
                        )
                        .with_secondary(*first, "first entry")
                        .with_help(format!("keep one `{key}` entry"));
                    self.emit(d);
                    continue;
                }
                seen.push((key, span));
            }
            match entry {
                SafetyEntry::MaxDuration(expr, _) => {
                    record.max_duration = self.duration(expr, "max_duration", false)
                }
                SafetyEntry::Cooldown(expr, _) => {
                    record.cooldown = self.duration(expr, "cooldown", true);
                }
                SafetyEntry::Confirm(kinds, _) => {
                    self.fault_kinds(kinds);
                    record.confirm.extend(kinds.iter().map(|k| k.name.clone()));
                }
                SafetyEntry::Abort(abort) => {
                    if let Some(abort) = self.abort(abort) {
                        record.aborts.push(abort);
                    }
                }
                SafetyEntry::AllowTargets(patterns, _) => {
                    record.has_allow_targets = true;
                    for pattern in patterns {
                        let text = self.string(pattern).unwrap_or_else(|| pattern.display());
                        record.allow_targets.push(text);
                    }
                }
            }
        }
        record
    }

    fn fault_kinds(&mut self, kinds: &[Ident]) {
        for kind in kinds {
            if signatures::lookup(signatures::CallClass::Fault, &kind.name).is_none() {
                let help = suggest::did_you_mean(&kind.name, signatures::fault_kinds())
                    .unwrap_or_else(|| {
                        "list fault kinds such as `container_stop` or `process_kill`".into()
                    });
                let d = self
                    .error(
                        Code::UnknownOption,
                        kind.span,
                        format!("unknown fault kind `{}`", kind.name),
                    )
                    .with_label("not a fault kind")
                    .with_help(help);
                self.emit(d);
            }
        }
    }

    /// What the scenarios of the current file inherit from it (computed once per file).
    pub fn file_facts(&mut self) -> FileFacts {
        if let Some(facts) = self.facts[self.module] {
            return facts;
        }
        let mut facts = FileFacts {
            max_duration: None,
            allow_targets: false,
            blocking: 0,
            has_probe: false,
        };
        for item in &self.file(self.module).items {
            if let ItemKind::Safety(block) = &item.kind {
                for entry in &block.entries {
                    match entry {
                        SafetyEntry::MaxDuration(expr, _) => {
                            if let ExprKind::Quantity(q) = &expr.kind {
                                if q.dimension == Dimension::Duration && !q.malformed {
                                    facts.max_duration = Some(q.value);
                                }
                            }
                        }
                        SafetyEntry::AllowTargets(..) => facts.allow_targets = true,
                        _ => {}
                    }
                }
            }
        }
        let mut modules = vec![self.module];
        modules.extend(
            self.modules[self.module]
                .imports
                .iter()
                .filter_map(|(m, _)| *m),
        );
        for module in modules {
            for item in &self.file(module).items {
                match &item.kind {
                    ItemKind::Slo(block) => {
                        facts.blocking += block.assertions.iter().filter(|a| !a.warn).count()
                    }
                    ItemKind::Decl(d) if d.kind == DeclKind::Probe => facts.has_probe = true,
                    _ => {}
                }
            }
        }
        self.facts[self.module] = Some(facts);
        facts
    }

    fn suite(&mut self, suite: &'a Suite, doc: Option<&String>) {
        let mut record = SuiteRecord {
            name: suite.name.name.clone(),
            doc: doc.cloned(),
            description: None,
            scenarios: Vec::new(),
            cooldown: None,
        };
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for entry in &suite.entries {
            let (key, span) = match entry {
                SuiteEntry::Description(s) => ("description", s.span),
                SuiteEntry::Scenarios(_, s) => ("scenarios", *s),
                SuiteEntry::Cooldown(_, s) => ("cooldown", *s),
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                let d = self
                    .error(
                        Code::DuplicateEntry,
                        span,
                        format!("`{key}` is given twice in suite `{}`", suite.name.name),
                    )
                    .with_secondary(*first, "first entry")
                    .with_help(format!("keep one `{key}` entry"));
                self.emit(d);
                continue;
            }
            seen.push((key, span));
            match entry {
                SuiteEntry::Description(s) => {
                    self.string(s);
                    record.description = Some(s.display());
                }
                SuiteEntry::Scenarios(names, _) => {
                    self.scenario_names(names);
                    record.scenarios = names.iter().map(|n| n.display()).collect();
                }
                SuiteEntry::Cooldown(expr, _) => {
                    record.cooldown = self.duration(expr, "cooldown", true);
                }
            }
        }
        self.program.suites.push(record);
    }

    fn environment(&mut self, environment: &'a Environment) {
        let mut record = EnvironmentRecord {
            name: environment.name.name.clone(),
            module: self.module,
            slo: Vec::new(),
            allow: None,
            confirm: Vec::new(),
        };
        for entry in &environment.entries {
            match entry {
                EnvEntry::Slo(block) => {
                    let slo = self.slo_block(block);
                    record.slo.extend(slo);
                }
                EnvEntry::Allow(names, _) => {
                    self.scenario_names(names);
                    // The first `allow` list is the one that counts.
                    if record.allow.is_none() {
                        record.allow = Some(names.iter().map(|n| n.display()).collect());
                    }
                }
                EnvEntry::Confirm(kinds, _) => {
                    self.fault_kinds(kinds);
                    record.confirm.extend(kinds.iter().map(|k| k.name.clone()));
                }
                EnvEntry::Set(pairs, _) => {
                    for (name, value) in pairs {
                        let path = Path {
                            namespace: None,
                            name: name.clone(),
                            span: name.span,
                        };
                        match self.lookup(&path).and_then(|r| r.def()) {
                            Some(Def::Param(param)) => {
                                if let Some(ParamTy::Value(ty)) = param_type(&param.ty.name) {
                                    self.expect(value, ty, &name.name);
                                }
                            }
                            Some(other) => {
                                let d = self
                                    .error(
                                        Code::WrongKindOfName,
                                        name.span,
                                        format!("`{}` is {}, not a param", name.name, other.noun()),
                                    )
                                    .with_help("`set` gives values to `param`s");
                                self.emit(d);
                            }
                            None => {
                                self.unknown_name(&path, "param", |r| {
                                    matches!(r.def(), Some(Def::Param(_)))
                                });
                                self.infer(value);
                            }
                        }
                    }
                }
            }
        }
        let selected = (self.module, super::scope::node_id(environment));
        if self.selected_environment == Some(selected) {
            self.program.environment = Some(record);
        }
    }

    /// Every scenario name of the run: the root file and what it imports.
    fn run_scenarios(&self) -> Vec<(usize, &'a StringLit)> {
        let mut out = Vec::new();
        // Imported modules first, so that a clash is reported in the importing file.
        for module in (1..self.modules.len()).chain([0]) {
            for item in &self.file(module).items {
                if let ItemKind::Scenario(s) = &item.kind {
                    out.push((module, &s.name));
                }
            }
        }
        out
    }

    fn scenario_names(&mut self, names: &'a [StringLit]) {
        // A library (a module that neither has scenarios nor imports any) names
        // scenarios of the files that will import it: its lists are policies over names
        // and cannot be checked here. A file that only gathers imported scenarios into
        // suites is not a library.
        if !self.sees_scenarios(self.module) {
            for name in names {
                self.string(name);
            }
            return;
        }
        let known: Vec<String> = self
            .run_scenarios()
            .iter()
            .map(|(_, s)| s.display())
            .collect();
        // Looked up by hash: a suite may list thousands of scenarios.
        let set: std::collections::HashSet<&str> = known.iter().map(String::as_str).collect();
        for name in names {
            let Some(text) = self.string(name) else {
                continue;
            };
            if !set.contains(text.as_str()) {
                let help = suggest::did_you_mean(&text, known.iter().map(String::as_str))
                    .unwrap_or_else(|| {
                        "name a scenario defined in this file or one it imports".into()
                    });
                let d = self
                    .error(
                        Code::UnknownName,
                        name.span,
                        format!("unknown scenario `{text}`"),
                    )
                    .with_label("no scenario with this name")
                    .with_help(help);
                self.emit(d);
            }
        }
    }

    /// Whether `module`, or a module it imports directly or not, defines a scenario.
    fn sees_scenarios(&self, module: usize) -> bool {
        let mut seen = vec![false; self.modules.len()];
        let mut stack = vec![module];
        while let Some(m) = stack.pop() {
            if std::mem::replace(&mut seen[m], true) {
                continue;
            }
            if self
                .file(m)
                .items
                .iter()
                .any(|i| matches!(i.kind, ItemKind::Scenario(_)))
            {
                return true;
            }
            stack.extend(self.modules[m].imports.iter().filter_map(|(i, _)| *i));
        }
        false
    }

    /// E0203: scenario names are unique across a run.
    pub fn check_run_wide(&mut self) {
        // By name, so that thousands of scenarios cost no more than reading them.
        let mut seen: std::collections::HashMap<String, (usize, Span)> =
            std::collections::HashMap::new();
        for (module, name) in self.run_scenarios() {
            let text = name.display();
            if let Some(&(first_module, first_span)) = seen.get(&text) {
                self.in_module(module, |c| {
                    let mut d = c
                        .error(Code::DuplicateScenario, name.span, format!("scenario `{text}` is defined twice in this run"))
                        .with_label("second scenario with this name")
                        .with_help("give each scenario its own name; reports and `--scenario` select by name");
                    if c.modules[first_module].source == c.source() {
                        d = d.with_secondary(first_span, "first defined here");
                    } else {
                        d = d.with_note("the first one is in an imported file");
                    }
                    c.emit(d);
                });
                continue;
            }
            seen.insert(text, (module, name.span));
        }
    }
}
