//! Lowering: a checked program → a [`Plan`].
//!
//! Lowering runs the checker with params bound to their values (`--set`, the selected
//! environment's `set`, defaults) and translates what it recorded. Choices that the
//! contract leaves open are written down in `docs/plan.md`.

use super::*;
use crate::check::record::{
    AbortRecord, AssertionRecord, ConditionRecord, ProbeRecord, ScenarioRecord, StepRecord,
};
use crate::check::scope::{Checker, Def};
use crate::check::types::{param_type, ParamTy, TargetKind, Ty, Val};
use crate::check::{Checked, Loader};
use crate::diag::{suggest, Code, Diagnostic, SourceId, Sources, Span};
use crate::syntax::ast::{self, DeclKind, Dimension, ItemKind};
use std::collections::HashMap;
use std::path::Path;

/// What to compile and how: the selection flags of `chaosc plan` and `chaosc run`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--env NAME`
    pub environment: Option<String>,
    /// `--set NAME=VALUE`, in order.
    pub sets: Vec<(String, String)>,
    /// `--suite NAME`
    pub suite: Option<String>,
    /// `--scenario NAME` (repeatable)
    pub scenarios: Vec<String>,
    /// `--tag TAG` (repeatable): scenarios with any of them.
    pub tags: Vec<String>,
}

impl Options {
    /// Reads selection flags written as on the command line (`--env production --set
    /// n=4 --scenario "Light CPU Stress"`), as used by `// plan:` lines in the test
    /// fixtures and the error explanations.
    pub fn from_flags(text: &str) -> Result<Options, String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in text.chars() {
            match c {
                '"' => quoted = !quoted,
                c if c.is_whitespace() && !quoted => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                c => word.push(c),
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        let mut options = Options::default();
        let mut words = words.into_iter();
        while let Some(flag) = words.next() {
            let value = words
                .next()
                .ok_or_else(|| format!("`{flag}` needs a value"))?;
            match flag.as_str() {
                "--env" => options.environment = Some(value),
                "--set" => {
                    let (name, v) = value
                        .split_once('=')
                        .ok_or_else(|| format!("expected NAME=VALUE, found `{value}`"))?;
                    options.sets.push((name.to_string(), v.to_string()));
                }
                "--suite" => options.suite = Some(value),
                "--scenario" => options.scenarios.push(value),
                "--tag" => options.tags.push(value),
                other => return Err(format!("unknown flag `{other}`")),
            }
        }
        Ok(options)
    }

    /// The options of a `// plan: FLAGS` line in `text`, with its 1-based line number.
    pub fn from_header(text: &str) -> Option<(usize, Result<Options, String>)> {
        let (index, line) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.trim_start().starts_with("// plan:"))?;
        Some((
            index + 1,
            Options::from_flags(line.trim_start().trim_start_matches("// plan:")),
        ))
    }
}

/// A compilation: every diagnostic, and the plan when there was no error.
pub struct Lowered {
    pub checked: Checked,
    pub plan: Option<Plan>,
}

/// Compiles `path` (whose text is `text`) into a plan.
pub fn lower(path: &Path, text: &str, loader: &dyn Loader, options: &Options) -> Lowered {
    let source_name = path.display().to_string();
    let (mut checked, plan) = crate::check::compile(
        path,
        text,
        loader,
        |checker, sources| bind(checker, sources, options),
        |checker, sources| build(checker, sources, options, &source_name),
    );
    let plan = match plan {
        Some(Ok(plan)) if !checked.has_errors() => Some(plan),
        Some(Err(errors)) => {
            checked.diagnostics.extend(errors);
            None
        }
        _ => None,
    };
    crate::diag::sort(&mut checked.diagnostics);
    Lowered { checked, plan }
}

/// Where selection errors point: the command line, shown as a source of its own.
struct CommandLine {
    source: SourceId,
    /// (flag text, span) for each flag, to point at.
    spans: HashMap<String, Span>,
}

impl CommandLine {
    fn new(sources: &mut Sources, options: &Options) -> CommandLine {
        let mut text = String::from("chaosc plan");
        let mut spans = HashMap::new();
        let mut add = |key: String, shown: String| {
            text.push(' ');
            let start = text.len();
            text.push_str(&shown);
            spans.insert(key, Span::new(start, text.len()));
        };
        if let Some(env) = &options.environment {
            add("env".into(), format!("--env {env}"));
        }
        for (name, value) in &options.sets {
            add(format!("set:{name}"), format!("--set {name}={value}"));
        }
        if let Some(suite) = &options.suite {
            add("suite".into(), format!("--suite {suite}"));
        }
        for scenario in &options.scenarios {
            add(
                format!("scenario:{scenario}"),
                format!("--scenario {scenario:?}"),
            );
        }
        for tag in &options.tags {
            add(format!("tag:{tag}"), format!("--tag {tag}"));
        }
        let source = sources.add("command line", text);
        CommandLine { source, spans }
    }

    fn error(&self, code: Code, key: &str, message: String) -> Diagnostic {
        let span = self.spans.get(key).copied().unwrap_or_default();
        Diagnostic::new(code, self.source, span, message)
    }
}

/// The environment `--env` names, among those the root file can see.
fn find_environment<'a>(
    checker: &Checker<'a>,
    name: &str,
) -> Option<(usize, &'a ast::Environment)> {
    let mut modules = vec![0];
    modules.extend(checker.modules[0].imports.iter().filter_map(|(m, _)| *m));
    // The root's own definition wins over an imported one.
    for module in modules {
        for item in &checker.file(module).items {
            if let ItemKind::Environment(env) = &item.kind {
                if env.name.name == name {
                    return Some((module, env));
                }
            }
        }
    }
    None
}

fn visible_environments(checker: &Checker) -> Vec<String> {
    let mut modules = vec![0];
    modules.extend(checker.modules[0].imports.iter().filter_map(|(m, _)| *m));
    let mut names: Vec<String> = modules
        .into_iter()
        .flat_map(|m| checker.file(m).items.iter())
        .filter_map(|item| match &item.kind {
            ItemKind::Environment(env) => Some(env.name.name.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Binds every param to its value before the program is checked again with them.
fn bind(checker: &mut Checker, sources: &mut Sources, options: &Options) -> Vec<Diagnostic> {
    let command_line = CommandLine::new(sources, options);
    let mut diagnostics = Vec::new();
    let environment = match &options.environment {
        Some(name) => match find_environment(checker, name) {
            Some(found) => Some(found),
            None => {
                let known = visible_environments(checker);
                let help = suggest::did_you_mean(name, known.iter().map(String::as_str))
                    .unwrap_or_else(|| match known.len() {
                        0 => "this program defines no environment; `import \"std/environments\"` brings development, staging and production".into(),
                        _ => format!("environments: {}", known.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
                    });
                diagnostics.push(
                    command_line
                        .error(
                            Code::UnknownEnvironment,
                            "env",
                            format!("unknown environment `{name}`"),
                        )
                        .with_label("no environment with this name")
                        .with_help(help),
                );
                None
            }
        },
        None => None,
    };
    let params = all_params(checker);
    for (name, _) in &options.sets {
        if !params.iter().any(|(_, p)| p.name.name == *name) {
            let names: Vec<&str> = params.iter().map(|(_, p)| p.name.name.as_str()).collect();
            let help = suggest::did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
                match names.len() {
                    0 => "this program declares no `param`".into(),
                    _ => format!(
                        "params: {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            });
            diagnostics.push(
                command_line
                    .error(
                        Code::UnknownSetting,
                        &format!("set:{name}"),
                        format!("`--set` names no param `{name}`"),
                    )
                    .with_label("unknown param")
                    .with_help(help),
            );
        }
    }
    for (module, param) in params {
        let Some(ty) = param_type(&param.ty.name) else {
            continue;
        };
        let from_cli = options
            .sets
            .iter()
            .rev()
            .find(|(n, _)| *n == param.name.name);
        let from_env = environment.and_then(|(env_module, env)| {
            env.entries.iter().find_map(|entry| match entry {
                ast::EnvEntry::Set(pairs, _) => pairs
                    .iter()
                    .find(|(n, _)| n.name == param.name.name)
                    .map(|(_, value)| (env_module, value)),
                _ => None,
            })
        });
        let value = if let Some((_, text)) = from_cli {
            match parse_setting(checker, ty, text) {
                Ok(value) => Some(value),
                Err(expected) => {
                    let source = checker.modules[module].source;
                    diagnostics.push(
                        command_line
                            .error(
                                Code::BadSetting,
                                &format!("set:{}", param.name.name),
                                format!(
                                    "`{text}` is not a valid `{}` for `{}`",
                                    param.ty.name, param.name.name
                                ),
                            )
                            .with_label(format!("expected {expected}"))
                            .with_help(format!(
                                "`{}` is declared as `{}` in `{}`",
                                param.name.name,
                                param.ty.name,
                                sources.get(source).name
                            )),
                    );
                    None
                }
            }
        } else if let Some((env_module, expr)) = from_env {
            Some(checker.evaluate_in(env_module, expr, ty))
        } else {
            param
                .default
                .as_ref()
                .map(|expr| checker.evaluate_in(module, expr, ty))
        };
        match value {
            Some(value) => {
                checker
                    .param_values
                    .insert(param as *const ast::Param, value);
            }
            None if from_cli.is_none() => {
                let source = checker.modules[module].source;
                diagnostics.push(
                    Diagnostic::new(
                        Code::MissingParam,
                        source,
                        param.name.span,
                        format!("param `{}` has no value", param.name.name),
                    )
                    .with_label("no default")
                    .with_help(format!(
                        "pass `--set {}=…` ({}) or give it a default",
                        param.name.name, param.ty.name
                    )),
                );
            }
            None => {}
        }
    }
    diagnostics
}

/// Every `param` of the run's files: the root's first.
fn all_params<'a>(checker: &Checker<'a>) -> Vec<(usize, &'a ast::Param)> {
    let mut out = Vec::new();
    for module in 0..checker.modules.len() {
        for item in &checker.file(module).items {
            if let ItemKind::Param(param) = &item.kind {
                out.push((module, param));
            }
        }
    }
    out
}

/// Parses a `--set` value by the param's type; on failure, what was expected.
fn parse_setting(checker: &mut Checker, ty: ParamTy, text: &str) -> Result<Val, String> {
    use TargetKind::*;
    let target = |kind: TargetKind, checker: &mut Checker| {
        Ok(checker.named_target(kind, text.to_string(), "--set".into()))
    };
    match ty {
        ParamTy::Service => {
            Err("a service name (services cannot be set from the command line)".into())
        }
        ParamTy::Value(ty) => match ty {
            Ty::Str => Ok(Val::Str(Some(text.to_string()))),
            Ty::Int => text
                .replace('_', "")
                .parse()
                .map(Val::Int)
                .map_err(|_| "an integer such as `4`".into()),
            Ty::Float => text
                .parse()
                .map(Val::Float)
                .map_err(|_| "a number such as `0.5`".into()),
            Ty::Bool => match text {
                "true" => Ok(Val::Bool(true)),
                "false" => Ok(Val::Bool(false)),
                _ => Err("`true` or `false`".into()),
            },
            Ty::Quantity(dimension) => parse_quantity(text, dimension),
            Ty::Target([Container]) => target(Container, checker),
            Ty::Target([Process]) => target(Process, checker),
            Ty::Target([Interface]) => target(Interface, checker),
            _ => Err("a value that can be written on the command line".into()),
        },
    }
}

/// `30s`, `5%`, `256MiB` … read with the language's own lexer and units.
fn parse_quantity(text: &str, dimension: Dimension) -> Result<Val, String> {
    let expected = || {
        format!(
            "{} such as `{}`",
            crate::check::types::a(crate::check::types::noun(dimension)),
            crate::check::expr_example(dimension)
        )
    };
    let probe = format!("const v = {text}");
    let parsed = crate::syntax::parse(&probe, SourceId(0));
    if !parsed.diagnostics.is_empty() {
        return Err(expected());
    }
    let file = parsed.file.ok_or_else(expected)?;
    match file.items.as_slice() {
        [ast::Item {
            kind: ItemKind::Const(c),
            ..
        }] => match &c.value.kind {
            ast::ExprKind::Quantity(q) if q.dimension == dimension => {
                Ok(Val::Quantity(dimension, q.value))
            }
            _ => Err(expected()),
        },
        _ => Err(expected()),
    }
}

/// Builds the plan from what the checker recorded.
fn build(
    checker: &mut Checker,
    sources: &Sources,
    options: &Options,
    source: &str,
) -> Result<Plan, Vec<Diagnostic>> {
    let docs = docs(checker);
    let mut lowering = Lowering {
        checker,
        sources,
        errors: Vec::new(),
        docs,
    };
    let plan = lowering.plan(options, source);
    if lowering.errors.is_empty() {
        Ok(plan)
    } else {
        Err(lowering.errors)
    }
}

struct Lowering<'c, 'a> {
    checker: &'c mut Checker<'a>,
    sources: &'c Sources,
    errors: Vec<Diagnostic>,
    /// The `///` documentation of top-level items, by [`doc_key`].
    docs: HashMap<String, String>,
}

/// Which documented item a key names: a declaration by its checker key, a scenario by
/// its module and the position of its name.
fn doc_key(module: usize, item: &ast::Item) -> Option<String> {
    match &item.kind {
        ItemKind::Decl(decl) => Some(Checker::decl_key(decl)),
        ItemKind::Scenario(scenario) => Some(scenario_key(module, scenario.name.span)),
        _ => None,
    }
}

fn scenario_key(module: usize, name: Span) -> String {
    format!("scenario@{module}:{}", name.start)
}

/// Every documented declaration and scenario of the run's files.
fn docs(checker: &Checker) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for module in 0..checker.modules.len() {
        for item in &checker.file(module).items {
            if let (Some(doc), Some(key)) = (&item.doc, doc_key(module, item)) {
                out.insert(key, doc.clone());
            }
        }
    }
    out
}

impl<'a> Lowering<'_, 'a> {
    fn plan(&mut self, options: &Options, source: &str) -> Plan {
        let environment = options
            .environment
            .as_deref()
            .and_then(|name| find_environment(self.checker, name));
        let records = self.run_order();
        let mut scenarios = Vec::new();
        for record in &records {
            scenarios.push(self.scenario(record, environment));
        }
        let safety = self.safety(environment);
        let suites = self.suites(safety.cooldown_ms);
        let mut plan = Plan {
            plan_version: PLAN_VERSION,
            source: source.to_string(),
            environment: environment.map(|(_, env)| env.name.name.clone()),
            params: self.params(options, environment),
            services: self.services(),
            safety,
            scenarios,
            suites,
        };
        self.select(&mut plan, options);
        plan
    }

    /// Scenarios of imported files first (in import order), then the root file's.
    fn run_order(&self) -> Vec<ScenarioRecord> {
        let mut records = self.checker.scenarios.clone();
        records.sort_by_key(|r| if r.module == 0 { usize::MAX } else { r.module });
        records
    }

    fn params(
        &mut self,
        options: &Options,
        environment: Option<(usize, &'a ast::Environment)>,
    ) -> Vec<ParamValue> {
        let mut out = Vec::new();
        for (_, param) in all_params(self.checker) {
            let value = self
                .checker
                .param_values
                .get(&(param as *const ast::Param))
                .cloned();
            let from = if options.sets.iter().any(|(n, _)| *n == param.name.name) {
                ParamSource::CommandLine
            } else if environment.is_some_and(|(_, env)| {
                env.entries.iter().any(|e| matches!(e, ast::EnvEntry::Set(pairs, _) if pairs.iter().any(|(n, _)| n.name == param.name.name)))
            }) {
                ParamSource::Environment
            } else if value.is_some() {
                ParamSource::Default
            } else {
                ParamSource::Unset
            };
            out.push(ParamValue {
                name: param.name.name.clone(),
                ty: param.ty.name.clone(),
                value: value.as_ref().map(json_value),
                from,
            });
        }
        out
    }

    fn services(&mut self) -> Vec<Service> {
        let mut out = Vec::new();
        for module in 0..self.checker.modules.len() {
            let items = &self.checker.file(module).items;
            for item in items {
                let ItemKind::Decl(decl) = &item.kind else {
                    continue;
                };
                if decl.kind != DeclKind::Service {
                    continue;
                }
                let args = self.call_args(
                    module,
                    &decl.call,
                    crate::check::signatures::CallClass::Service,
                );
                let ready = match args.get("ready") {
                    Some(Val::Probe { .. }) => match &decl
                        .call
                        .args
                        .iter()
                        .find(|a| a.name.as_ref().is_some_and(|n| n.name == "ready"))
                        .map(|a| &a.value.kind)
                    {
                        Some(ast::ExprKind::Path(path)) => self
                            .probe_by_path(module, path)
                            .map(|p| Ready::Probe(Box::new(p))),
                        Some(ast::ExprKind::Call(call)) => {
                            let args = self.call_args(
                                module,
                                call,
                                crate::check::signatures::CallClass::Probe,
                            );
                            Some(Ready::Probe(Box::new(self.probe(
                                format!("{}.ready", decl.name.name),
                                call.callee.name.name.as_str(),
                                &args,
                                module,
                                call.span,
                            ))))
                        }
                        _ => None,
                    },
                    Some(value) => Some(Ready::Url(self.text(value))),
                    None => None,
                };
                out.push(Service {
                    name: decl.name.name.clone(),
                    argv: self.text_list(args.get("argv")),
                    ready,
                    cwd: args.get("cwd").map(|v| self.text(v)),
                    env: self.text_map(args.get("env")),
                    ready_timeout_ms: args.get("ready_timeout").map_or(30_000, ms),
                    span: self.span(module, decl.name.span),
                });
            }
        }
        out
    }

    /// Runs `f` on the checker as if in `module`, dropping the diagnostics it reports
    /// (the check reported them already).
    fn quietly<T>(&mut self, module: usize, f: impl FnOnce(&mut Checker<'a>) -> T) -> T {
        let quiet = self.checker.diagnostics.len();
        let saved = std::mem::replace(&mut self.checker.module, module);
        let out = f(self.checker);
        self.checker.module = saved;
        self.checker.diagnostics.truncate(quiet);
        out
    }

    /// Evaluates a call's arguments in `module` (its problems were reported by the check).
    fn call_args(
        &mut self,
        module: usize,
        call: &'a ast::Call,
        class: crate::check::signatures::CallClass,
    ) -> HashMap<&'static str, Val> {
        self.quietly(module, |c| {
            c.check_call(call, class, true)
                .map(|b| b.values())
                .unwrap_or_default()
        })
    }

    fn safety(&mut self, environment: Option<(usize, &'a ast::Environment)>) -> Safety {
        let mut safety = Safety::default();
        for record in self.file_safety(0) {
            if record.max_duration.is_some() {
                safety.max_duration_ms = record.max_duration.map(ns_to_ms);
            }
            if let Some(cooldown) = record.cooldown {
                safety.cooldown_ms = ns_to_ms(cooldown);
            }
            safety.confirm.extend(record.confirm.iter().cloned());
            safety
                .allow_targets
                .extend(record.allow_targets.iter().cloned());
            for abort in &record.aborts {
                safety
                    .abort
                    .extend(self.aborts(abort, Level::File, &self.top_probes(0)));
            }
        }
        // Files that contribute scenarios add the targets they allow.
        for module in 1..self.checker.modules.len() {
            for record in self.file_safety(module) {
                safety
                    .allow_targets
                    .extend(record.allow_targets.iter().cloned());
            }
        }
        if let Some((_, env)) = environment {
            for entry in &env.entries {
                if let ast::EnvEntry::Confirm(kinds, _) = entry {
                    safety.confirm.extend(kinds.iter().map(|k| k.name.clone()));
                }
            }
        }
        // Destructive kinds always need confirmation (language.md §8).
        for kind in crate::check::signatures::CALLS
            .iter()
            .filter(|c| c.destructive)
        {
            safety.confirm.push(kind.name.to_string());
        }
        safety.confirm.sort();
        safety.confirm.dedup();
        safety.allow_targets.dedup();
        safety
    }

    fn file_safety(&mut self, module: usize) -> Vec<crate::check::record::SafetyRecord> {
        let mut out = Vec::new();
        for item in &self.checker.file(module).items {
            if let ItemKind::Safety(block) = &item.kind {
                out.push(self.quietly(module, |c| c.safety(block)));
            }
        }
        out
    }

    /// Every suite; one without a `cooldown` of its own has the run's (`file_cooldown_ms`).
    fn suites(&mut self, file_cooldown_ms: u64) -> Vec<Suite> {
        let mut out = Vec::new();
        for module in 0..self.checker.modules.len() {
            for item in &self.checker.file(module).items {
                let ItemKind::Suite(suite) = &item.kind else {
                    continue;
                };
                let mut plan_suite = Suite {
                    name: suite.name.name.clone(),
                    doc: item.doc.clone(),
                    description: None,
                    scenarios: Vec::new(),
                    cooldown_ms: file_cooldown_ms,
                };
                for entry in &suite.entries {
                    match entry {
                        ast::SuiteEntry::Description(s) => {
                            plan_suite.description = Some(s.display())
                        }
                        ast::SuiteEntry::Scenarios(names, _) => {
                            plan_suite.scenarios = names.iter().map(|n| n.display()).collect()
                        }
                        ast::SuiteEntry::Cooldown(expr, _) => {
                            // A const or param is folded like any duration (its problems
                            // were reported by the check).
                            let cooldown =
                                self.quietly(module, |c| c.duration(expr, "cooldown", true));
                            if let Some(ns) = cooldown {
                                plan_suite.cooldown_ms = ns_to_ms(ns);
                            }
                        }
                    }
                }
                out.push(plan_suite);
            }
        }
        out
    }

    /// Applies `--suite`, `--scenario` and `--tag`.
    fn select(&mut self, plan: &mut Plan, options: &Options) {
        if let Some(name) = &options.suite {
            match plan.suites.iter().find(|s| s.name == *name) {
                Some(suite) => {
                    // The suite's cooldown is the pause between the scenarios of this run.
                    plan.safety.cooldown_ms = suite.cooldown_ms;
                    let order = suite.scenarios.clone();
                    let mut selected = Vec::new();
                    for scenario in &order {
                        if let Some(found) = plan.scenarios.iter().find(|s| s.name == *scenario) {
                            selected.push(found.clone());
                        }
                    }
                    plan.scenarios = selected;
                }
                None => {
                    let names: Vec<&str> = plan.suites.iter().map(|s| s.name.as_str()).collect();
                    self.selection_error(&format!("--suite {name}"), "suite", name, &names);
                    return;
                }
            }
        }
        for name in &options.scenarios {
            if !plan.scenarios.iter().any(|s| s.name == *name) {
                let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
                self.selection_error(&format!("--scenario {name:?}"), "scenario", name, &names);
            }
        }
        if !options.scenarios.is_empty() {
            plan.scenarios
                .retain(|s| options.scenarios.contains(&s.name));
        }
        if !options.tags.is_empty() {
            plan.scenarios
                .retain(|s| s.tags.iter().any(|t| options.tags.contains(t)));
            if plan.scenarios.is_empty() {
                let tag = &options.tags[0];
                self.selection_error(&format!("--tag {tag}"), "tag", tag, &[]);
            }
        }
    }

    fn selection_error(&mut self, flag: &str, what: &str, name: &str, known: &[&str]) {
        let source = SourceId(self.command_line_source());
        let line = &self.sources.get(source).text;
        let span = line.find(flag).map_or(Span::default(), |start| {
            Span::new(start, start + flag.len())
        });
        let help =
            suggest::did_you_mean(name, known.iter().copied()).unwrap_or_else(|| match what {
                "tag" => "no selected scenario has this tag".to_string(),
                _ => format!(
                    "{what}s: {}",
                    known
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        self.errors.push(
            Diagnostic::new(
                Code::EmptySelection,
                source,
                span,
                format!("no {what} `{name}` to select"),
            )
            .with_label("selects nothing")
            .with_help(help),
        );
    }

    /// The command line, added as a source of its own by `bind`.
    fn command_line_source(&self) -> u32 {
        (self
            .sources
            .files
            .iter()
            .rposition(|f| f.name == "command line")
            .unwrap_or(0)) as u32
    }

    fn scenario(
        &mut self,
        record: &ScenarioRecord,
        environment: Option<(usize, &'a ast::Environment)>,
    ) -> Scenario {
        let probes = self.scenario_probes(record);
        let probe_names: Vec<String> = probes.iter().map(|p| p.name.clone()).collect();
        let skipped = environment.and_then(|(_, env)| {
            let allowed: Option<Vec<String>> = env.entries.iter().find_map(|e| match e {
                ast::EnvEntry::Allow(names, _) => Some(names.iter().map(|n| n.display()).collect()),
                _ => None,
            });
            allowed
                .filter(|list| !list.contains(&record.name))
                .map(|_| format!("not allowed in environment `{}`", env.name.name))
        });
        let mut steps = Vec::new();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for step in &record.steps {
            let n = counts.entry(step.kind).or_insert(0);
            *n += 1;
            let name = step
                .alias
                .clone()
                .unwrap_or_else(|| format!("{}#{}", step.kind, n));
            steps.push(self.step(step, name));
        }
        let chaos_ms = steps
            .iter()
            // Bounded by the checker (a step ends within 30 days); saturating all the same.
            .map(|s| s.start_ms.saturating_add(s.duration_ms.unwrap_or(0)))
            .max()
            .unwrap_or(0);
        let assertions = self.effective_assertions(record, environment, &probe_names);
        // A steady state is judged over the baseline, whatever the metric's default.
        let mut steady_state =
            self.expand_assertions(&record.steady_state, Level::Scenario, &probe_names);
        for a in &mut steady_state {
            a.window = Window::Baseline;
        }
        let mut aborts = Vec::new();
        for abort in &record.aborts {
            aborts.extend(self.aborts(abort, Level::Scenario, &probe_names));
        }
        let mut capabilities: Vec<Capability> = steps.iter().flat_map(capabilities_of).collect();
        capabilities.sort();
        capabilities.dedup();
        let module_max = if record.module != 0 {
            self.file_safety(record.module)
                .iter()
                .rev()
                .find_map(|r| r.max_duration)
        } else {
            None
        };
        Scenario {
            name: record.name.clone(),
            doc: self
                .docs
                .get(&scenario_key(record.module, record.span))
                .cloned(),
            description: record.description.clone(),
            tags: record.tags.clone(),
            skipped,
            baseline_ms: ns_to_ms(record.baseline),
            steady_state,
            steps,
            chaos_ms,
            recovery: Recovery {
                within_ms: record.recover_within.map_or(30_000, ns_to_ms),
                checks: record
                    .recover_checks
                    .map_or(3, |c| c.clamp(1, u32::MAX as i64) as u32),
            },
            probes,
            assertions,
            aborts,
            max_duration_ms: record.max_duration.or(module_max).map(ns_to_ms),
            capabilities,
            span: self.span(record.module, record.span),
        }
    }

    /// Probes that run during a scenario: its file's and unaliased imports', then its own.
    fn scenario_probes(&mut self, record: &ScenarioRecord) -> Vec<Probe> {
        let mut keys: Vec<(String, String)> = self.top_probe_keys(record.module);
        keys.extend(record.local_probes.iter().cloned());
        let mut out: Vec<Probe> = Vec::new();
        for (name, key) in keys {
            if let Some(probe) = self.checker.probes.get(&key).cloned() {
                // A local probe hides a file-level one of the same name.
                out.retain(|p| p.name != name);
                let mut lowered =
                    self.probe(name, probe.kind, &probe.args, probe.module, probe.span);
                lowered.doc = self.docs.get(&key).cloned();
                out.push(lowered);
            }
        }
        out
    }

    fn top_probe_keys(&self, module: usize) -> Vec<(String, String)> {
        let mut modules: Vec<usize> = self.checker.modules[module]
            .imports
            .iter()
            .filter(|(_, alias)| alias.is_none())
            .filter_map(|(m, _)| *m)
            .collect();
        modules.push(module);
        let mut out = Vec::new();
        for m in modules {
            for item in &self.checker.file(m).items {
                if let ItemKind::Decl(decl) = &item.kind {
                    if decl.kind == DeclKind::Probe {
                        out.retain(|(n, _): &(String, String)| *n != decl.name.name);
                        out.push((decl.name.name.clone(), Checker::decl_key(decl)));
                    }
                }
            }
        }
        out
    }

    fn top_probes(&self, module: usize) -> Vec<String> {
        self.top_probe_keys(module)
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    fn probe_by_path(&mut self, module: usize, path: &ast::Path) -> Option<Probe> {
        let saved = std::mem::replace(&mut self.checker.module, module);
        let resolved = self.checker.lookup(path);
        self.checker.module = saved;
        match resolved?.def()? {
            Def::Decl(decl) if decl.kind == DeclKind::Probe => {
                let key = Checker::decl_key(decl);
                let record: ProbeRecord = self.checker.probes.get(&key)?.clone();
                let mut probe = self.probe(
                    path.display(),
                    record.kind,
                    &record.args,
                    record.module,
                    record.span,
                );
                probe.doc = self.docs.get(&key).cloned();
                Some(probe)
            }
            _ => None,
        }
    }

    fn probe(
        &mut self,
        name: String,
        kind: &str,
        args: &HashMap<&'static str, Val>,
        module: usize,
        span: Span,
    ) -> Probe {
        let schedule = match args.get("rate") {
            Some(Val::Quantity(_, per_second)) => Schedule::RatePerSecond(*per_second),
            _ => Schedule::EveryMs(args.get("every").map_or(1000, ms)),
        };
        let check = match kind {
            "http" => ProbeCheck::Http {
                url: self.text_or_empty(args.get("url")),
                method: match args.get("method") {
                    Some(Val::Word(w)) => w.clone(),
                    _ => "GET".into(),
                },
                status: match args.get("status") {
                    Some(Val::Int(code)) => (*code as u16, *code as u16),
                    Some(Val::Range(lo, hi)) => (*lo as u16, *hi as u16),
                    _ => (200, 399),
                },
                body_contains: args.get("body_contains").map(|v| self.text(v)),
                headers: self.text_map(args.get("headers")),
                body: args.get("body").map(|v| self.text(v)),
                json: match args.get("json") {
                    Some(Val::Map(entries)) => Some(
                        entries
                            .iter()
                            .map(|(pointer, value)| (pointer.clone(), expected_json(value)))
                            .collect(),
                    ),
                    _ => None,
                },
            },
            "tcp" => ProbeCheck::Tcp {
                address: self.text_or_empty(args.get("address")),
            },
            "exec" => ProbeCheck::Exec {
                argv: self.text_list(args.get("argv")),
            },
            _ => ProbeCheck::Prometheus {
                url: self.text_or_empty(args.get("url")),
                query: self.text_or_empty(args.get("query")),
                expect: match args.get("expect") {
                    Some(Val::Str(Some(s))) => s.clone(),
                    _ => String::new(),
                },
            },
        };
        Probe {
            name,
            doc: None,
            check,
            schedule,
            timeout_ms: args.get("timeout").map_or(5000, ms),
            span: self.span(module, span),
        }
    }

    fn step(&mut self, step: &StepRecord, name: String) -> Step {
        let a = &step.args;
        let direction = || match a.get("direction") {
            Some(Val::Word(w)) if w == "upstream" => Direction::Upstream,
            Some(Val::Word(w)) if w == "downstream" => Direction::Downstream,
            _ => Direction::Both,
        };
        let signal = || match a.get("signal") {
            Some(Val::Word(w)) => w.clone(),
            _ => "SIGKILL".into(),
        };
        let fault = match step.kind {
            "cpu_stress" => Fault::CpuStress {
                workers: a.get("workers").and_then(int).map(|w| w as u32),
                load_percent: a.get("load").and_then(Val::number).unwrap_or(100.0),
            },
            "memory_stress" => Fault::MemoryStress {
                size_bytes: a.get("size").and_then(Val::number).unwrap_or(0.0) as u64,
                ramp_ms: a.get("ramp").map_or(0, ms),
            },
            "disk_stress" => Fault::DiskStress {
                workers: a.get("workers").and_then(int).unwrap_or(1) as u32,
                path: a.get("path").map(|v| self.text(v)),
                size_bytes: a
                    .get("size")
                    .and_then(Val::number)
                    .unwrap_or(64.0 * 1048576.0) as u64,
                sync: !matches!(a.get("sync"), Some(Val::Bool(false))),
            },
            "latency" => Fault::Latency {
                delay_ms: a.get("delay").and_then(Val::number).unwrap_or(0.0) / 1e6,
                jitter_ms: a.get("jitter").and_then(Val::number).unwrap_or(0.0) / 1e6,
                direction: direction(),
            },
            "packet_loss" => Fault::PacketLoss {
                rate_percent: a.get("rate").and_then(Val::number).unwrap_or(0.0),
                direction: direction(),
            },
            "bandwidth" => Fault::Bandwidth {
                bytes_per_second: a.get("rate").and_then(Val::number).unwrap_or(0.0),
                direction: direction(),
            },
            "blackhole" => Fault::Blackhole {
                direction: direction(),
            },
            "reset" => Fault::Reset {
                rate_percent: a.get("rate").and_then(Val::number).unwrap_or(100.0),
            },
            "container_kill" => Fault::ContainerKill { signal: signal() },
            "container_restart" => Fault::ContainerRestart {
                timeout_ms: a.get("timeout").map_or(10_000, ms),
            },
            "container_stop" => Fault::ContainerStop {
                timeout_ms: a.get("timeout").map_or(10_000, ms),
            },
            "container_pause" => Fault::ContainerPause,
            "process_kill" => Fault::ProcessKill {
                signal: signal(),
                restart: a.get("restart").map(|v| self.text_list(Some(v))),
            },
            "process_pause" => Fault::ProcessPause,
            _ => Fault::Exec {
                run: self.text_list(a.get("run")),
                revert: a.get("revert").map(|v| self.text_list(Some(v))),
                timeout_ms: a.get("timeout").map_or(60_000, ms),
            },
        };
        let mut step = Step {
            name,
            fault,
            target: self.target(&step.target),
            start_ms: ns_to_ms(step.start),
            duration_ms: step.duration.map(ns_to_ms),
            sustained: step.duration.is_some(),
            destructive: step.destructive,
            capabilities: Vec::new(),
            span: self.span(step.module, step.span),
        };
        step.capabilities = capabilities_of(&step);
        step
    }

    fn target(&mut self, value: &Val) -> Target {
        let Val::Target { key, .. } = value else {
            return Target::Host;
        };
        let Some(record) = self.checker.targets.get(key).cloned() else {
            return Target::Host;
        };
        let args = &record.args;
        let doc = self.docs.get(key).cloned();
        match record.kind {
            TargetKind::Host => Target::Host,
            TargetKind::Process => Target::Process {
                name: record.name.clone(),
                selector: match (
                    &record.service,
                    args.get("pid"),
                    args.get("pidfile"),
                    args.get("name"),
                ) {
                    (Some(service), ..) => ProcessSelector::Service(service.clone()),
                    (_, Some(Val::Int(pid)), ..) => ProcessSelector::Pid(*pid),
                    (_, _, Some(file), _) => ProcessSelector::Pidfile(self.text(file)),
                    (_, _, _, name) => ProcessSelector::Name(self.text_or_empty(name)),
                },
                all: matches!(args.get("all"), Some(Val::Bool(true))),
                doc,
            },
            TargetKind::Container => Target::Container {
                name: record.name.clone(),
                selector: match args.get("label") {
                    Some(label) => ContainerSelector::Label(self.text(label)),
                    None => ContainerSelector::Name(self.text_or_empty(args.get("name"))),
                },
                docker_host: args.get("host").map(|v| self.text(v)),
                doc,
            },
            TargetKind::Proxy => Target::Proxy {
                name: record.name.clone(),
                listen: self.text_or_empty(args.get("listen")),
                upstream: self.text_or_empty(args.get("upstream")),
                doc,
            },
            TargetKind::Interface => Target::Interface {
                name: record.name.clone(),
                device: self.text_or_empty(args.get("name")),
                netns: args.get("netns").map(|v| self.text(v)),
                doc,
            },
        }
    }

    /// File defaults (imports first, then the scenario's file), the environment, the
    /// scenario: a later level replaces an earlier assertion with the same key.
    fn effective_assertions(
        &mut self,
        record: &ScenarioRecord,
        environment: Option<(usize, &'a ast::Environment)>,
        probes: &[String],
    ) -> Vec<Assertion> {
        let mut layered: Vec<(Level, AssertionRecord)> = Vec::new();
        let mut file_modules: Vec<usize> = self.checker.modules[record.module]
            .imports
            .iter()
            .filter_map(|(m, _)| *m)
            .collect();
        file_modules.push(record.module);
        for module in file_modules {
            for item in &self.checker.file(module).items {
                if let ItemKind::Slo(block) = &item.kind {
                    for assertion in &block.assertions {
                        if let Some(r) = self.assertion_record(module, assertion) {
                            layered.push((Level::File, r));
                        }
                    }
                }
            }
        }
        if let Some((module, env)) = environment {
            for entry in &env.entries {
                if let ast::EnvEntry::Slo(block) = entry {
                    for assertion in &block.assertions {
                        if let Some(r) = self.assertion_record(module, assertion) {
                            layered.push((Level::Environment, r));
                        }
                    }
                }
            }
        }
        for r in &record.assertions {
            layered.push((Level::Scenario, r.clone()));
        }
        // A file-level latency_degradation needs a baseline: scenarios without one skip it.
        if record.baseline <= 0.0 {
            layered.retain(|(level, r)| {
                *level == Level::Scenario || r.condition.metric != "latency_degradation"
            });
        }
        let mut merged: Vec<(Level, AssertionRecord)> = Vec::new();
        for (level, r) in layered {
            let key = assertion_key(&r);
            merged.retain(|(_, existing)| assertion_key(existing) != key);
            merged.push((level, r));
        }
        let mut out = Vec::new();
        for (level, r) in merged {
            out.extend(self.expand_assertion(&r, level, probes));
        }
        out
    }

    fn assertion_record(
        &mut self,
        module: usize,
        assertion: &'a ast::Assertion,
    ) -> Option<AssertionRecord> {
        let condition = self.quietly(module, |c| c.condition(&assertion.condition));
        Some(AssertionRecord {
            condition: condition?,
            window: assertion.window.as_ref().map(|w| w.name.clone()),
            warn: assertion.warn,
            module,
            span: assertion.span,
        })
    }

    fn expand_assertions(
        &mut self,
        records: &[AssertionRecord],
        level: Level,
        probes: &[String],
    ) -> Vec<Assertion> {
        records
            .iter()
            .flat_map(|r| self.expand_assertion(r, level, probes))
            .collect()
    }

    /// One assertion per probe when written without one.
    fn expand_assertion(
        &mut self,
        r: &AssertionRecord,
        level: Level,
        probes: &[String],
    ) -> Vec<Assertion> {
        let origin = Origin {
            level,
            span: self.span(r.module, r.span),
        };
        let window = window_of(r);
        let severity = if r.warn {
            Severity::Warn
        } else {
            Severity::Blocking
        };
        self.conditions(&r.condition, probes)
            .into_iter()
            .map(|condition| Assertion {
                condition,
                window,
                severity,
                origin: origin.clone(),
            })
            .collect()
    }

    fn aborts(&self, r: &AbortRecord, level: Level, probes: &[String]) -> Vec<Abort> {
        let origin = Origin {
            level,
            span: self.span(r.module, r.span),
        };
        self.conditions(&r.condition, probes)
            .into_iter()
            .map(|condition| Abort {
                condition,
                over_ms: r.over.map(ns_to_ms),
                origin: origin.clone(),
            })
            .collect()
    }

    fn conditions(&self, c: &ConditionRecord, probes: &[String]) -> Vec<Condition> {
        let metric = metric_of(c.metric);
        let threshold = match (&c.threshold, c.metric) {
            (Val::Quantity(Dimension::Percent, v), _) => Threshold::Percent(*v),
            (Val::Quantity(Dimension::Duration, v), _) => Threshold::Ms(v / 1e6),
            (Val::Int(i), _) => Threshold::Count(*i),
            (other, _) => Threshold::Count(other.number().unwrap_or(0.0) as i64),
        };
        let percentile = match metric {
            Metric::Latency | Metric::LatencyDegradation => Some(c.percentile.unwrap_or(50.0)),
            _ => None,
        };
        let make = |probe: Option<String>| Condition {
            metric,
            probe,
            percentile,
            op: c.op,
            threshold,
        };
        match &c.probe {
            Some((name, _)) => vec![make(Some(name.clone()))],
            None if probes.is_empty() => vec![make(None)],
            None => probes.iter().map(|p| make(Some(p.clone()))).collect(),
        }
    }

    fn span(&self, module: usize, span: Span) -> SourceSpan {
        let source = self.checker.modules[module].source;
        let text = self.source_text(source);
        let (line, column) = crate::diag::line_col(text, span.start);
        SourceSpan {
            file: self.source_name(source),
            line,
            column,
            start: span.start,
            end: span.end,
        }
    }

    fn source_text(&self, source: SourceId) -> &str {
        &self.sources.get(source).text
    }

    fn source_name(&self, source: SourceId) -> String {
        self.sources.get(source).name.clone()
    }

    fn text(&self, value: &Val) -> Text {
        match value {
            Val::Str(Some(s)) => Text::Literal(s.clone()),
            Val::Text(t) => t.clone(),
            Val::Word(w) => Text::Literal(w.clone()),
            Val::Int(i) => Text::Literal(i.to_string()),
            other => Text::Literal(crate::check::types::display(other)),
        }
    }

    fn text_or_empty(&self, value: Option<&Val>) -> Text {
        value.map_or(Text::Literal(String::new()), |v| self.text(v))
    }

    fn text_list(&self, value: Option<&Val>) -> Vec<Text> {
        match value {
            Some(Val::List(items)) => items.iter().map(|v| self.text(v)).collect(),
            _ => Vec::new(),
        }
    }

    fn text_map(&self, value: Option<&Val>) -> std::collections::BTreeMap<String, Text> {
        match value {
            Some(Val::Map(entries)) => entries
                .iter()
                .map(|(k, v)| (k.clone(), self.text(v)))
                .collect(),
            _ => Default::default(),
        }
    }
}

/// Same key = same metric, probe (or every probe), percentile, severity and window.
fn assertion_key(r: &AssertionRecord) -> (String, Option<String>, Option<u64>, bool, Window) {
    (
        r.condition.metric.to_string(),
        r.condition.probe.as_ref().map(|(name, _)| name.clone()),
        r.condition.percentile.map(f64::to_bits),
        r.warn,
        window_of(r),
    )
}

/// The window written, or the metric's default (language.md §7.1).
fn window_of(r: &AssertionRecord) -> Window {
    match r.window.as_deref() {
        Some("baseline") => Window::Baseline,
        Some("chaos") => Window::Chaos,
        Some("recovery") => Window::Recovery,
        Some("run") => Window::Run,
        _ => match r.condition.metric {
            "mttr" | "consecutive_failures" => Window::Run,
            "recovery_time" => Window::Recovery,
            _ => Window::Chaos,
        },
    }
}

fn metric_of(name: &str) -> Metric {
    match name {
        "availability" => Metric::Availability,
        "error_rate" => Metric::ErrorRate,
        "latency" => Metric::Latency,
        "latency_degradation" => Metric::LatencyDegradation,
        "mttr" => Metric::Mttr,
        "recovery_time" => Metric::RecoveryTime,
        "consecutive_failures" => Metric::ConsecutiveFailures,
        _ => Metric::Requests,
    }
}

/// What the host must offer for a step (see `chaosc doctor`).
fn capabilities_of(step: &Step) -> Vec<Capability> {
    let on_container = matches!(step.target, Target::Container { .. });
    let on_interface = matches!(step.target, Target::Interface { .. });
    let mut out = Vec::new();
    match &step.fault {
        Fault::ContainerKill { .. }
        | Fault::ContainerRestart { .. }
        | Fault::ContainerStop { .. }
        | Fault::ContainerPause => out.push(Capability::Docker),
        Fault::ProcessKill { .. } | Fault::ProcessPause => out.push(Capability::Signals),
        Fault::Latency { .. } if on_interface => out.extend([Capability::Root, Capability::Netem]),
        // tbf, and for traffic the device receives an ifb device to shape it on.
        Fault::Bandwidth { .. } if on_interface => out.extend([Capability::Root, Capability::Tbf]),
        Fault::PacketLoss { .. } | Fault::Blackhole { .. } if on_interface => {
            out.extend([Capability::Root, Capability::Nftables])
        }
        _ => {}
    }
    if on_container {
        out.push(Capability::Docker);
    }
    out.sort();
    out.dedup();
    out
}

fn ns_to_ms(ns: f64) -> u64 {
    (ns / 1e6).round().max(0.0) as u64
}

/// A duration value in milliseconds.
fn ms(value: &Val) -> u64 {
    value.number().map_or(0, ns_to_ms)
}

fn int(value: &Val) -> Option<i64> {
    match value {
        Val::Int(i) => Some(*i),
        _ => None,
    }
}

/// A value an `http` probe's `json` expects: `true`, `false`, a number, a string, or
/// `null` (written as the word).
fn expected_json(value: &Val) -> serde_json::Value {
    match value {
        Val::Word(w) if w == "null" => serde_json::Value::Null,
        other => json_value(other),
    }
}

/// A param's value in the plan's JSON: normalised like everything else.
fn json_value(value: &Val) -> serde_json::Value {
    use serde_json::json;
    match value {
        Val::Int(i) => json!(i),
        Val::Float(f) => json!(f),
        Val::Bool(b) => json!(b),
        Val::Str(Some(s)) => json!(s),
        Val::Text(t) => serde_json::to_value(t).unwrap_or(serde_json::Value::Null),
        Val::Quantity(Dimension::Duration, ns) => json!({ "ms": ns / 1e6 }),
        Val::Quantity(Dimension::Percent, v) => json!({ "percent": v }),
        Val::Quantity(Dimension::Size, v) => json!({ "bytes": v }),
        Val::Quantity(Dimension::Rate, v) => json!({ "per_second": v }),
        Val::Quantity(Dimension::Bandwidth, v) => json!({ "bytes_per_second": v }),
        Val::Word(w) => json!(w),
        Val::Target { kind, .. } => json!({ "target": kind.name() }),
        _ => serde_json::Value::Null,
    }
}

/// Compiles a legacy YAML configuration: imported in memory (as `chaosc import` would
/// write it), then lowered like any program, so both routes give the same plan.
/// The YAML's warnings come first; spans in the plan point into the imported program,
/// named after the YAML (`chaos_scenarios.v2.chaos`).
pub fn lower_legacy(path: &Path, yaml: &str, options: &Options) -> Lowered {
    let mut yaml_sources = Sources::default();
    let yaml_id = yaml_sources.add(path.display().to_string(), yaml);
    let imported = match super::legacy::import(yaml, yaml_id) {
        Ok(imported) => imported,
        Err(diagnostics) => {
            return Lowered {
                checked: Checked {
                    sources: yaml_sources,
                    diagnostics,
                },
                plan: None,
            }
        }
    };
    let program = path.with_extension("chaos");
    let mut lowered = lower(&program, &imported.chaos, &NoImports, options);
    let offset = lowered.checked.sources.files.len() as u32;
    lowered.checked.sources.files.extend(yaml_sources.files);
    for mut warning in imported.diagnostics {
        warning.source = SourceId(warning.source.0 + offset);
        lowered.checked.diagnostics.push(warning);
    }
    lowered
}

/// An imported legacy program is self-contained: it imports nothing.
struct NoImports;

impl Loader for NoImports {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "`{}`: an imported legacy program has no imports",
                path.display()
            ),
        ))
    }
}
