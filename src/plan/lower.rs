//! Lowering: a checked program → a [`Plan`].
//!
//! Lowering runs the checker with params bound to their values (`--set`, the selected
//! environment's `set`, defaults) and translates what it recorded. Choices that the
//! contract leaves open are written down in `docs/plan.md`.

use super::*;
use crate::check::record::{
    scenario_key, AbortRecord, AssertionRecord, ConditionRecord, ParamFrom, ProbeRecord, Program,
    ScenarioRecord, StepRecord,
};
use crate::check::signatures::{
    CallSpec, FaultKind, MetricKind, ProbeKind, TrafficDirection, WindowKind, CALLS,
};
use crate::check::types::{TargetKind, Val};
use crate::check::{Bindings, Checked, Loader};
use crate::diag::{suggest, Code, Diagnostic, SourceId, Sources, Span};
use crate::syntax::ast::Dimension;
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
    let threads = crate::syntax::threads_for(text.len());
    lower_on(path, text, loader, options, threads)
}

/// [`lower`] with the scenarios checked on up to `threads` threads (see
/// [`crate::check::compile_on`]), for tests that show the plan does not depend on it.
pub fn lower_on(
    path: &Path,
    text: &str,
    loader: &dyn Loader,
    options: &Options,
    threads: usize,
) -> Lowered {
    let source_name = path.display().to_string();
    let bindings = options.bindings();
    let (mut checked, program) =
        crate::check::compile_on(path, text, loader, Some(&bindings), threads);
    // Selection errors are reported even beside the check's.
    let plan = program.map(|program| {
        let plan = build(&program, &checked.sources, options, &source_name, threads);
        crate::shared::release::drop_off_thread(program, text.len());
        plan
    });
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

impl Options {
    /// The params and environment to check the program with, and the command line
    /// (shown as a source of its own) that selection errors point into.
    fn bindings(&self) -> Bindings {
        let mut text = String::from("chaosc plan");
        let mut flags = HashMap::new();
        let mut add = |key: String, shown: String| {
            text.push(' ');
            let start = text.len();
            text.push_str(&shown);
            flags.insert(key, Span::new(start, text.len()));
        };
        if let Some(env) = &self.environment {
            add("env".into(), format!("--env {env}"));
        }
        for (name, value) in &self.sets {
            add(format!("set:{name}"), format!("--set {name}={value}"));
        }
        if let Some(suite) = &self.suite {
            add("suite".into(), format!("--suite {suite}"));
        }
        for scenario in &self.scenarios {
            add(
                format!("scenario:{scenario}"),
                format!("--scenario {scenario:?}"),
            );
        }
        for tag in &self.tags {
            add(format!("tag:{tag}"), format!("--tag {tag}"));
        }
        Bindings {
            environment: self.environment.clone(),
            sets: self.sets.clone(),
            command_line: text,
            flags,
        }
    }
}

/// Builds the plan from what the checker recorded.
fn build(
    program: &Program,
    sources: &Sources,
    options: &Options,
    source: &str,
    threads: usize,
) -> Result<Plan, Vec<Diagnostic>> {
    let mut lowering = Lowering::new(program, sources);
    let plan = lowering.plan(options, source, threads);
    if lowering.errors.is_empty() {
        Ok(plan)
    } else {
        Err(lowering.errors)
    }
}

struct Lowering<'p> {
    program: &'p Program,
    sources: &'p Sources,
    errors: Vec<Diagnostic>,
    /// The probes at the top of each module and of its unaliased imports, by module,
    /// computed once per module.
    probe_scopes: HashMap<usize, Vec<(String, String)>>,
    /// Each probe lowered once, by its key (a scenario gets a copy with its own name).
    lowered_probes: HashMap<String, Probe>,
}

impl<'p> Lowering<'p> {
    fn new(program: &'p Program, sources: &'p Sources) -> Self {
        Lowering {
            program,
            sources,
            errors: Vec::new(),
            probe_scopes: HashMap::new(),
            lowered_probes: HashMap::new(),
        }
    }

    fn plan(&mut self, options: &Options, source: &str, threads: usize) -> Plan {
        let program = self.program;
        let scenarios = self.scenarios(&self.run_order(), threads);
        let safety = self.safety();
        let suites = self.suites(safety.cooldown_ms);
        let mut plan = Plan {
            plan_version: PLAN_VERSION,
            source: source.to_string(),
            environment: program.environment.as_ref().map(|e| e.name.clone()),
            params: self.params(),
            services: self.services(),
            safety,
            scenarios,
            suites,
        };
        self.select(&mut plan, options);
        plan
    }

    /// The scenarios of `records`, in order. Each scenario is lowered from its own
    /// records only, so contiguous runs of them are lowered on up to `threads` threads,
    /// each with its own caches, and joined in order (`tests/parallel_check.rs`
    /// compares the plans).
    fn scenarios(&mut self, records: &[&'p ScenarioRecord], threads: usize) -> Vec<Scenario> {
        if threads <= 1 || records.len() < 2 {
            return records.iter().map(|record| self.scenario(record)).collect();
        }
        let run = records.len().div_ceil(threads);
        let (program, sources) = (self.program, self.sources);
        let runs = crate::syntax::on_threads(records.len().div_ceil(run), |k| {
            let mut fork = Lowering::new(program, sources);
            let scenarios: Vec<Scenario> = records[k * run..((k + 1) * run).min(records.len())]
                .iter()
                .map(|record| fork.scenario(record))
                .collect();
            (scenarios, fork.errors)
        });
        let mut scenarios = Vec::with_capacity(records.len());
        for (lowered, errors) in runs {
            scenarios.extend(lowered);
            self.errors.extend(errors);
        }
        scenarios
    }

    /// Scenarios of imported files first (in import order), then the root file's.
    fn run_order(&self) -> Vec<&'p ScenarioRecord> {
        let mut records: Vec<&ScenarioRecord> = self.program.scenarios.iter().collect();
        records.sort_by_key(|r| if r.module == 0 { usize::MAX } else { r.module });
        records
    }

    fn params(&self) -> Vec<ParamValue> {
        self.program
            .params
            .iter()
            .map(|param| ParamValue {
                name: param.name.clone(),
                ty: param.ty.clone(),
                value: param.value.as_ref().map(json_value),
                from: match param.from {
                    ParamFrom::CommandLine => ParamSource::CommandLine,
                    ParamFrom::Environment => ParamSource::Environment,
                    ParamFrom::Default => ParamSource::Default,
                    ParamFrom::Unset => ParamSource::Unset,
                },
            })
            .collect()
    }

    fn services(&mut self) -> Vec<Service> {
        let program = self.program;
        let mut out = Vec::with_capacity(program.services.len());
        for service in &program.services {
            let args = &service.args;
            let ready = match (&service.ready_probe, args.get("ready")) {
                (Some((name, key)), _) => self
                    .probe_named(name, key)
                    .map(|p| Ready::Probe(Box::new(p))),
                (None, Some(Val::Probe { .. })) => None,
                (None, Some(url)) => Some(Ready::Url(self.text(url))),
                (None, None) => None,
            };
            out.push(Service {
                name: service.name.clone(),
                argv: self.text_list(args.get("argv")),
                ready,
                cwd: args.get("cwd").map(|v| self.text(v)),
                env: self.text_map(args.get("env")),
                ready_timeout_ms: ms(args.get("ready_timeout")),
                span: self.span(service.module, service.span),
            });
        }
        out
    }

    fn safety(&mut self) -> Safety {
        let program = self.program;
        let mut safety = Safety::default();
        let root_probes = self.probe_names(0);
        for record in &program.modules[0].safety {
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
                    .extend(self.aborts(abort, Level::File, &root_probes));
            }
        }
        // Files that contribute scenarios add the targets they allow.
        for module in &program.modules[1..] {
            for record in &module.safety {
                safety
                    .allow_targets
                    .extend(record.allow_targets.iter().cloned());
            }
        }
        if let Some(environment) = &program.environment {
            safety.confirm.extend(environment.confirm.iter().cloned());
        }
        // Destructive kinds always need confirmation (language.md §8): `chaosc run`
        // asks, so the kinds only Chaos Mesh carries out (pods) are not among them.
        let pods_only = |c: &CallSpec| c.targets == [TargetKind::Pods];
        for kind in CALLS.iter().filter(|c| c.destructive && !pods_only(c)) {
            safety.confirm.push(kind.name.to_string());
        }
        safety.confirm.sort();
        safety.confirm.dedup();
        safety.allow_targets.dedup();
        safety
    }

    /// Every suite; one without a `cooldown` of its own has the run's (`file_cooldown_ms`).
    fn suites(&self, file_cooldown_ms: u64) -> Vec<Suite> {
        self.program
            .suites
            .iter()
            .map(|suite| Suite {
                name: suite.name.clone(),
                doc: suite.doc.clone(),
                description: suite.description.clone(),
                scenarios: suite.scenarios.clone(),
                cooldown_ms: suite.cooldown.map_or(file_cooldown_ms, ns_to_ms),
            })
            .collect()
    }

    /// Applies `--suite`, `--scenario` and `--tag`.
    fn select(&mut self, plan: &mut Plan, options: &Options) {
        if let Some(name) = &options.suite {
            match plan.suites.iter().find(|s| s.name == *name) {
                Some(suite) => {
                    // The suite's cooldown is the pause between the scenarios of this run.
                    plan.safety.cooldown_ms = suite.cooldown_ms;
                    let by_name: HashMap<&str, &Scenario> = plan
                        .scenarios
                        .iter()
                        .rev()
                        .map(|s| (s.name.as_str(), s))
                        .collect();
                    let selected: Vec<Scenario> = suite
                        .scenarios
                        .iter()
                        .filter_map(|name| by_name.get(name.as_str()).map(|s| (*s).clone()))
                        .collect();
                    plan.scenarios = selected;
                }
                None => {
                    let names: Vec<&str> = plan.suites.iter().map(|s| s.name.as_str()).collect();
                    self.selection_error(&format!("--suite {name}"), "suite", name, &names);
                    return;
                }
            }
        }
        if !options.scenarios.is_empty() {
            let present: std::collections::HashSet<&str> =
                plan.scenarios.iter().map(|s| s.name.as_str()).collect();
            for name in &options.scenarios {
                if !present.contains(name.as_str()) {
                    let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
                    self.selection_error(&format!("--scenario {name:?}"), "scenario", name, &names);
                }
            }
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
        let source = self.program.command_line.unwrap_or_default();
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

    fn scenario(&mut self, record: &ScenarioRecord) -> Scenario {
        let program = self.program;
        let probes = self.scenario_probes(record);
        let probe_names: Vec<String> = probes.iter().map(|p| p.name.clone()).collect();
        let skipped = program.environment.as_ref().and_then(|env| {
            env.allow
                .as_ref()
                .filter(|list| !list.contains(&record.name))
                .map(|_| format!("not allowed in environment `{}`", env.name))
        });
        let mut steps = Vec::with_capacity(record.steps.len());
        let mut counts: HashMap<FaultKind, usize> = HashMap::new();
        for step in &record.steps {
            let n = counts.entry(step.kind).or_insert(0);
            *n += 1;
            let name = step
                .alias
                .clone()
                .unwrap_or_else(|| format!("{}#{}", step.kind.name(), n));
            steps.push(self.step(step, name));
        }
        let chaos_ms = steps
            .iter()
            // Bounded by the checker (a step ends within 30 days); saturating all the same.
            .map(|s| s.start_ms.saturating_add(s.duration_ms.unwrap_or(0)))
            .max()
            .unwrap_or(0);
        let assertions = self.effective_assertions(record, &probe_names);
        // A steady state is judged over the baseline, whatever the metric's default.
        let mut steady_state = Vec::new();
        for r in &record.steady_state {
            steady_state.extend(self.expand_assertion(r, Level::Scenario, &probe_names));
        }
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
            program.modules[record.module]
                .safety
                .iter()
                .rev()
                .find_map(|r| r.max_duration)
        } else {
            None
        };
        Scenario {
            name: record.name.clone(),
            doc: program
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
                within_ms: ns_to_ms(record.recover_within),
                checks: record.recover_checks.clamp(1, u32::MAX as i64) as u32,
            },
            probes,
            assertions,
            aborts,
            max_duration_ms: record.max_duration.or(module_max).map(ns_to_ms),
            capabilities,
            span: self.span(record.module, record.span),
        }
    }

    /// Probes that run during a scenario: its file's and unaliased imports', then its
    /// own; a later probe hides an earlier one of the same name.
    fn scenario_probes(&mut self, record: &ScenarioRecord) -> Vec<Probe> {
        let mut keys = self.probe_scope(record.module).to_vec();
        keys.extend(record.local_probes.iter().cloned());
        last_of_each_name(keys)
            .into_iter()
            .filter_map(|(name, key)| self.probe_named(&name, &key))
            .collect()
    }

    /// The probes at the top of `module` and of its unaliased imports: (name, key).
    fn probe_scope(&mut self, module: usize) -> &[(String, String)] {
        let program = self.program;
        self.probe_scopes.entry(module).or_insert_with(|| {
            let record = &program.modules[module];
            let keys = record
                .imports
                .iter()
                .filter(|(_, aliased)| !aliased)
                .map(|(m, _)| *m)
                .chain([module])
                .flat_map(|m| program.modules[m].probes.iter().cloned());
            last_of_each_name(keys.collect())
        })
    }

    fn probe_names(&mut self, module: usize) -> Vec<String> {
        self.probe_scope(module)
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The probe recorded under `key`, lowered once, with the name it has where it is used.
    fn probe_named(&mut self, name: &str, key: &str) -> Option<Probe> {
        if !self.lowered_probes.contains_key(key) {
            let record = self.program.probes.get(key)?;
            let mut probe = self.probe(record);
            probe.doc = self.program.docs.get(key).cloned();
            self.lowered_probes.insert(key.to_string(), probe);
        }
        let mut probe = self.lowered_probes[key].clone();
        probe.name = name.to_string();
        Some(probe)
    }

    fn probe(&self, record: &ProbeRecord) -> Probe {
        let args = &record.args;
        // `rate` and `every` exclude each other; `every` has a default.
        let schedule = match args.get("rate") {
            Some(rate) => Schedule::RatePerSecond(number(Some(rate))),
            None => Schedule::EveryMs(ms(args.get("every"))),
        };
        let check = match record.kind {
            ProbeKind::Http => ProbeCheck::Http {
                url: self.text_or_empty(args.get("url")),
                method: word(args.get("method")),
                status: match args.get("status") {
                    Some(Val::Range(lo, hi)) => (*lo as u16, *hi as u16),
                    code => {
                        let code = int(code).unwrap_or_default() as u16;
                        (code, code)
                    }
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
            ProbeKind::Tcp => ProbeCheck::Tcp {
                address: self.text_or_empty(args.get("address")),
            },
            ProbeKind::Exec => ProbeCheck::Exec {
                argv: self.text_list(args.get("argv")),
            },
            ProbeKind::Prometheus => ProbeCheck::Prometheus {
                url: self.text_or_empty(args.get("url")),
                query: self.text_or_empty(args.get("query")),
                // Checked to be known text (E0403): the probe parses it at run time.
                expect: match args.get("expect") {
                    Some(Val::Str(Some(s))) => s.clone(),
                    _ => String::new(),
                },
            },
        };
        Probe {
            name: record.name.clone(),
            doc: None,
            check,
            schedule,
            timeout_ms: ms(args.get("timeout")),
            span: self.span(record.module, record.span),
        }
    }

    /// One fault: its arguments carry every default (`signatures`), so each value is
    /// read, never invented here.
    fn step(&self, step: &StepRecord, name: String) -> Step {
        let a = &step.args;
        let direction = || match TrafficDirection::from_word(&word(a.get("direction"))) {
            Some(TrafficDirection::Upstream) => Direction::Upstream,
            Some(TrafficDirection::Downstream) => Direction::Downstream,
            // `None` only for a program the checker rejected (no plan is made).
            Some(TrafficDirection::Both) | None => Direction::Both,
        };
        let fault = match step.kind {
            FaultKind::CpuStress => Fault::CpuStress {
                workers: int(a.get("workers")).map(|w| w as u32),
                load_percent: number(a.get("load")),
            },
            FaultKind::MemoryStress => Fault::MemoryStress {
                size_bytes: number(a.get("size")) as u64,
                ramp_ms: ms(a.get("ramp")),
            },
            FaultKind::DiskStress => Fault::DiskStress {
                workers: int(a.get("workers")).unwrap_or_default() as u32,
                path: a.get("path").map(|v| self.text(v)),
                size_bytes: number(a.get("size")) as u64,
                sync: matches!(a.get("sync"), Some(Val::Bool(true))),
            },
            FaultKind::Latency => Fault::Latency {
                delay_ms: number(a.get("delay")) / 1e6,
                jitter_ms: number(a.get("jitter")) / 1e6,
                direction: direction(),
            },
            FaultKind::PacketLoss => Fault::PacketLoss {
                rate_percent: number(a.get("rate")),
                direction: direction(),
            },
            FaultKind::Bandwidth => Fault::Bandwidth {
                bytes_per_second: number(a.get("rate")),
                direction: direction(),
            },
            FaultKind::Blackhole => Fault::Blackhole {
                direction: direction(),
            },
            FaultKind::Reset => Fault::Reset {
                rate_percent: number(a.get("rate")),
            },
            FaultKind::ContainerKill => Fault::ContainerKill {
                signal: word(a.get("signal")),
            },
            FaultKind::ContainerRestart => Fault::ContainerRestart {
                timeout_ms: ms(a.get("timeout")),
            },
            FaultKind::ContainerStop => Fault::ContainerStop {
                timeout_ms: ms(a.get("timeout")),
            },
            FaultKind::ContainerPause => Fault::ContainerPause,
            FaultKind::ProcessKill => Fault::ProcessKill {
                signal: word(a.get("signal")),
                restart: a.get("restart").map(|v| self.text_list(Some(v))),
            },
            FaultKind::ProcessPause => Fault::ProcessPause,
            FaultKind::PodKill => Fault::PodKill {
                grace_period_ms: ms(a.get("grace_period")),
            },
            FaultKind::PodFailure => Fault::PodFailure,
            FaultKind::IoLatency => Fault::IoLatency {
                delay_ms: number(a.get("delay")) / 1e6,
                volume_path: string(a.get("volume_path")),
                path: a.get("path").map(|v| string(Some(v))),
                percent: number(a.get("percent")),
            },
            FaultKind::Exec => Fault::Exec {
                run: self.text_list(a.get("run")),
                revert: a.get("revert").map(|v| self.text_list(Some(v))),
                timeout_ms: ms(a.get("timeout")),
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

    fn target(&self, value: &Val) -> Target {
        let Val::Target { key, .. } = value else {
            return Target::Host;
        };
        let Some(record) = self.program.targets.get(key) else {
            return Target::Host;
        };
        let args = &record.args;
        let doc = self.program.docs.get(key).cloned();
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
            TargetKind::Pods => Target::Pods {
                name: record.name.clone(),
                namespace: string(args.get("namespace")),
                labels: match args.get("labels") {
                    Some(Val::Map(entries)) => entries
                        .iter()
                        .map(|(k, v)| (k.clone(), string(Some(v))))
                        .collect(),
                    _ => Default::default(),
                },
                mode: pod_mode(&string(args.get("mode")), args.get("value")),
                container: args.get("container").map(|v| string(Some(v))),
                doc,
            },
        }
    }

    /// File defaults (imports first, then the scenario's file), the environment, the
    /// scenario: a later level replaces an earlier assertion with the same key.
    fn effective_assertions(
        &mut self,
        record: &ScenarioRecord,
        probes: &[String],
    ) -> Vec<Assertion> {
        let program = self.program;
        let module = &program.modules[record.module];
        let mut layered: Vec<(Level, &AssertionRecord)> = Vec::new();
        for m in module
            .imports
            .iter()
            .map(|(m, _)| *m)
            .chain([record.module])
        {
            layered.extend(program.modules[m].slo.iter().map(|r| (Level::File, r)));
        }
        if let Some(environment) = &program.environment {
            layered.extend(environment.slo.iter().map(|r| (Level::Environment, r)));
        }
        layered.extend(record.assertions.iter().map(|r| (Level::Scenario, r)));
        // A file-level latency_degradation needs a baseline: scenarios without one skip it.
        if record.baseline <= 0.0 {
            layered.retain(|(level, r)| {
                *level == Level::Scenario || r.condition.metric != MetricKind::LatencyDegradation
            });
        }
        let mut merged: Vec<(Level, &AssertionRecord)> = Vec::new();
        for (level, r) in layered {
            let key = assertion_key(r);
            merged.retain(|(_, existing)| assertion_key(existing) != key);
            merged.push((level, r));
        }
        let mut out = Vec::new();
        for (level, r) in merged {
            out.extend(self.expand_assertion(r, level, probes));
        }
        out
    }

    /// One assertion per probe when written without one.
    fn expand_assertion(
        &self,
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
        let percentile = c.percentile.or(c.metric.spec().percentile);
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
        let source = self.program.modules[module].source;
        // Through the source's line index: lowering is linear in the program.
        let (line, column) = self.sources.get(source).line_col(span.start);
        SourceSpan {
            file: self.source_name(source),
            line,
            column,
            start: span.start,
            end: span.end,
        }
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

/// Keeps the last entry of each name, in the order of those last entries: what
/// declaring a name again does to the ones before (it hides them).
fn last_of_each_name(entries: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (index, (name, _)) in entries.iter().enumerate() {
        last.insert(name, index);
    }
    let keep: Vec<bool> = entries
        .iter()
        .enumerate()
        .map(|(index, (name, _))| last[name.as_str()] == index)
        .collect();
    entries
        .into_iter()
        .zip(keep)
        .filter_map(|(entry, keep)| keep.then_some(entry))
        .collect()
}

/// Same key = same metric, probe (or every probe), percentile, severity and window.
fn assertion_key(r: &AssertionRecord) -> (MetricKind, Option<String>, Option<u64>, bool, Window) {
    (
        r.condition.metric,
        r.condition.probe.as_ref().map(|(name, _)| name.clone()),
        r.condition.percentile.map(f64::to_bits),
        r.warn,
        window_of(r),
    )
}

/// The window written, or the metric's default (language.md §7.1).
fn window_of(r: &AssertionRecord) -> Window {
    match r.window.unwrap_or(r.condition.metric.spec().window) {
        WindowKind::Baseline => Window::Baseline,
        WindowKind::Chaos => Window::Chaos,
        WindowKind::Recovery => Window::Recovery,
        WindowKind::Run => Window::Run,
    }
}

fn metric_of(kind: MetricKind) -> Metric {
    match kind {
        MetricKind::Availability => Metric::Availability,
        MetricKind::ErrorRate => Metric::ErrorRate,
        MetricKind::Latency => Metric::Latency,
        MetricKind::LatencyDegradation => Metric::LatencyDegradation,
        MetricKind::Mttr => Metric::Mttr,
        MetricKind::RecoveryTime => Metric::RecoveryTime,
        MetricKind::ConsecutiveFailures => Metric::ConsecutiveFailures,
        MetricKind::Requests => Metric::Requests,
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
        // On a proxy: the built-in fault proxy needs nothing special.
        Fault::Latency { .. }
        | Fault::Bandwidth { .. }
        | Fault::PacketLoss { .. }
        | Fault::Blackhole { .. }
        | Fault::Reset { .. } => {}
        // Stress in a container needs what the container target adds below.
        Fault::CpuStress { .. }
        | Fault::MemoryStress { .. }
        | Fault::DiskStress { .. }
        | Fault::Exec { .. } => {}
        // Pod faults run on a cluster through `chaosc export chaos-mesh`; `chaosc run`
        // refuses a plan with pod steps before it looks at capabilities.
        Fault::PodKill { .. } | Fault::PodFailure | Fault::IoLatency { .. } => {}
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

// The readers of a recorded argument. Every argument lowering reads is required or
// has a default (`signatures`), so it is present in a program the checker accepted;
// the zero values stand only for a program it rejected, whose plan is never shown.

/// A duration argument in milliseconds.
fn ms(value: Option<&Val>) -> u64 {
    ns_to_ms(number(value))
}

/// A number or quantity argument, in its base unit.
fn number(value: Option<&Val>) -> f64 {
    value.and_then(Val::number).unwrap_or_default()
}

fn int(value: Option<&Val>) -> Option<i64> {
    match value {
        Some(Val::Int(i)) => Some(*i),
        _ => None,
    }
}

/// A string a Kubernetes manifest carries as it is (no environment is read there).
fn string(value: Option<&Val>) -> String {
    value.map(crate::check::types::display).unwrap_or_default()
}

/// A `pods` target's mode with its value, as checked (E0504).
fn pod_mode(mode: &str, value: Option<&Val>) -> PodMode {
    match mode {
        "one" => PodMode::One,
        "fixed" => PodMode::Fixed(int(value).unwrap_or_default() as u32),
        "fixed-percent" => PodMode::FixedPercent(number(value)),
        "random-max-percent" => PodMode::RandomMaxPercent(number(value)),
        // `all`, and nothing else once checked.
        _ => PodMode::All,
    }
}

/// A word argument (`GET`, `SIGTERM`).
fn word(value: Option<&Val>) -> String {
    match value {
        Some(Val::Word(w)) => w.clone(),
        _ => String::new(),
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
