//! Scenarios and templates: bodies, template expansion, timelines and assertions.

use super::expr::BoundCall;
use super::record::{AbortRecord, AssertionRecord, ProbeRecord, ScenarioRecord, StepRecord};
use super::scope::{Bound, Checker, Def, Local};
use super::signatures::{self, CallClass, FaultKind, Kind, ProbeKind};
use super::types::{ParamTy, TargetKind, Ty, Val};
use crate::diag::{Code, Span};
use crate::shared::comparison::{self, Comparison};
use crate::syntax::ast::*;

/// One body contributing to a scenario: the template chain first, the scenario last.
pub struct Layer<'a> {
    pub module: usize,
    pub body: Option<&'a Body>,
    pub params: Vec<(&'a Ident, Bound)>,
}

/// A timeline step, as far as it is known statically.
pub struct StepInfo {
    /// `None` when the fault is unknown (reported).
    pub kind: Option<FaultKind>,
    pub alias: Option<String>,
    pub args: std::collections::HashMap<&'static str, Val>,
    pub target_value: Val,
    pub target: Option<String>,
    /// Planned offset from the start of the chaos phase, in nanoseconds.
    pub start: Option<f64>,
    /// How long it stays applied (0 for instant actions), in nanoseconds.
    pub length: Option<f64>,
    pub destructive: bool,
    /// Sustained (applied for `length`), as opposed to an instant action.
    pub sustained: bool,
    pub span: Span,
    pub module: usize,
}

/// What the layers of one scenario add up to.
#[derive(Default)]
pub struct Merged {
    pub baseline: Option<f64>,
    pub steady_state: Option<(usize, Span)>,
    pub steps: Vec<StepInfo>,
    pub timeline_span: Option<(usize, Span)>,
    pub blocking: usize,
    pub degradation: Vec<(usize, Span)>,
    pub has_local_probe: bool,
    pub max_duration: Option<f64>,
    pub allow_targets: bool,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub steady: Vec<AssertionRecord>,
    pub assertions: Vec<AssertionRecord>,
    pub aborts: Vec<AbortRecord>,
    pub recover_within: Option<f64>,
    pub recover_checks: Option<i64>,
    pub local_probes: Vec<(String, String)>,
}

/// The most consecutive successful checks `recover within … checks N` may ask for.
pub const MAX_CHECKS: i64 = 1000;

impl<'a> Checker<'a> {
    pub fn check_scenario(&mut self, scenario: &'a Scenario) {
        let name = self
            .string(&scenario.name)
            .unwrap_or_else(|| scenario.name.display());
        let mut layers = Vec::new();
        if let Some(base) = &scenario.base {
            let mut stack = Vec::new();
            match self.expand(base, &mut stack) {
                Some(l) => layers = l,
                None => {
                    // Without its template the scenario cannot be judged as a whole.
                    layers.push(Layer {
                        module: self.module,
                        body: scenario.body.as_ref(),
                        params: Vec::new(),
                    });
                    self.expanding = None;
                    self.check_layers(layers);
                    return;
                }
            }
        }
        layers.push(Layer {
            module: self.module,
            body: scenario.body.as_ref(),
            params: Vec::new(),
        });
        let home = self.module;
        let mut merged = self.check_layers_expanding(layers, &name);
        self.module = home;
        let steps = std::mem::take(&mut merged.steps);
        self.scenario_rules(scenario, &name, &merged, &steps);
        self.record_scenario(scenario, name, merged, steps);
    }

    /// Keeps what lowering needs; steps with unknown timing (errors) are left out.
    fn record_scenario(
        &mut self,
        scenario: &Scenario,
        name: String,
        merged: Merged,
        steps: Vec<StepInfo>,
    ) {
        let steps = steps
            .into_iter()
            .filter_map(|s| {
                let kind = s.kind?;
                let mut args = s.args;
                kind.spec().fill_defaults(&mut args);
                Some(StepRecord {
                    kind,
                    alias: s.alias,
                    args,
                    target: s.target_value,
                    start: s.start?,
                    duration: (s.length? > 0.0 || s.sustained).then_some(s.length?),
                    destructive: s.destructive,
                    module: s.module,
                    span: s.span,
                })
            })
            .collect();
        self.scenarios.push(ScenarioRecord {
            name,
            module: self.module,
            span: scenario.name.span,
            description: merged.description,
            tags: merged.tags,
            baseline: merged.baseline.filter(|b| !b.is_nan()).unwrap_or(0.0),
            steady_state: merged.steady,
            steps,
            recover_within: merged.recover_within.unwrap_or(signatures::RECOVER_WITHIN),
            recover_checks: merged.recover_checks.unwrap_or(signatures::RECOVER_CHECKS),
            assertions: merged.assertions,
            aborts: merged.aborts,
            max_duration: merged.max_duration,
            local_probes: merged.local_probes,
        });
    }

    fn check_layers_expanding(&mut self, layers: Vec<Layer<'a>>, name: &str) -> Merged {
        let home = self.module;
        let count = layers.len();
        let mut merged = Merged::default();
        for (index, layer) in layers.into_iter().enumerate() {
            // Notes only for findings inside templates, not in the scenario's own body.
            self.expanding = (index + 1 < count).then(|| name.to_string());
            self.check_layer(layer, &mut merged);
        }
        self.expanding = None;
        self.module = home;
        merged
    }

    pub(super) fn check_layers(&mut self, layers: Vec<Layer<'a>>) -> Merged {
        let home = self.module;
        let mut merged = Merged::default();
        for layer in layers {
            self.check_layer(layer, &mut merged);
        }
        self.module = home;
        merged
    }

    fn check_layer(&mut self, layer: Layer<'a>, merged: &mut Merged) {
        self.module = layer.module;
        let saved_frames = std::mem::take(&mut self.frames);
        self.push_frame(true);
        for (name, bound) in &layer.params {
            self.define_local(name, Local::Param(bound.clone()));
        }
        if let Some(body) = layer.body {
            self.check_body(body, merged);
        }
        self.pop_frame();
        self.frames = saved_frames;
    }

    fn check_body(&mut self, body: &'a Body, merged: &mut Merged) {
        // Local items first, so that entries may use them wherever they are written.
        for entry in &body.entries {
            match &entry.kind {
                BodyEntryKind::Const(c) => {
                    self.define_local(&c.name, Local::Def(Def::Const(c)));
                }
                BodyEntryKind::Decl(d) => {
                    if d.kind == DeclKind::Fault {
                        continue;
                    }
                    self.define_local(&d.name, Local::Def(Def::Decl(d)));
                    if d.kind == DeclKind::Probe {
                        merged.has_local_probe = true;
                        let key = self.probe_key(d);
                        merged.local_probes.push((d.name.name.clone(), key));
                    }
                }
                _ => {}
            }
        }
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for entry in &body.entries {
            if let Some(key) = single_entry(&entry.kind) {
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    let d = self
                        .error(
                            Code::DuplicateEntry,
                            entry.span,
                            format!("`{key}` is given twice in this body"),
                        )
                        .with_label("second entry")
                        .with_secondary(*first, "first entry")
                        .with_help(format!("keep one `{key}` entry"));
                    self.emit(d);
                    continue;
                }
                seen.push((key, entry.span));
            }
            match &entry.kind {
                BodyEntryKind::Description(s) => {
                    merged.description = Some(self.string(s).unwrap_or_else(|| s.display()));
                }
                BodyEntryKind::Tags(tags) => {
                    merged.tags.extend(tags.iter().map(|t| t.name.clone()));
                }
                BodyEntryKind::Baseline(expr) => {
                    let value = self.duration(expr, "baseline", true);
                    merged.baseline = value.or(Some(f64::NAN));
                }
                BodyEntryKind::SteadyState(assertions) => {
                    merged.steady_state = Some((self.module, entry.span));
                    // A later layer's steady_state replaces an earlier one.
                    merged.steady.clear();
                    for assertion in assertions {
                        if let Some(record) = self.assertion(assertion, merged, false) {
                            merged.steady.push(record);
                        }
                    }
                }
                BodyEntryKind::Timeline(steps) => {
                    merged.timeline_span = Some((self.module, entry.span));
                    merged.steps = self.timeline(steps);
                }
                BodyEntryKind::Recover { within, checks } => {
                    merged.recover_within = self.duration(within, "recover within", false);
                    merged.recover_checks = None;
                    if let Some(checks) = checks {
                        let value = self.expect(checks, Ty::Int, "checks");
                        if let Val::Int(n) = value {
                            merged.recover_checks = Some(n);
                            if !(1..=MAX_CHECKS).contains(&n) {
                                self.out_of_range(
                                    checks.span,
                                    "checks",
                                    &n.to_string(),
                                    &format!("a count from 1 to {MAX_CHECKS}"),
                                );
                            }
                        }
                    }
                }
                BodyEntryKind::Slo(block) => {
                    for assertion in &block.assertions {
                        if let Some(record) = self.assertion(assertion, merged, true) {
                            merged.assertions.push(record);
                        }
                    }
                }
                BodyEntryKind::Abort(abort) => {
                    if let Some(record) = self.abort(abort) {
                        merged.aborts.push(record);
                    }
                }
                BodyEntryKind::Safety(block) => {
                    let record = self.safety(block);
                    if record.max_duration.is_some() {
                        merged.max_duration = record.max_duration;
                    }
                    merged.allow_targets |= record.has_allow_targets;
                    merged.aborts.extend(record.aborts);
                }
                BodyEntryKind::Const(c) => {
                    self.infer(&c.value);
                }
                BodyEntryKind::Decl(d) => {
                    self.decl(d);
                }
            }
        }
    }

    /// A local or top-level `service`, `target`, `probe` or `fault` declaration.
    /// Returns the bound call when it is one of a known kind.
    pub fn decl(&mut self, decl: &'a Decl) -> Option<BoundCall> {
        let class = match decl.kind {
            DeclKind::Service => CallClass::Service,
            DeclKind::Target => CallClass::Target,
            DeclKind::Probe => CallClass::Probe,
            DeclKind::Fault => CallClass::Fault,
        };
        let bound = self.check_call(&decl.call, class, decl.kind == DeclKind::Fault)?;
        if let Kind::Probe(kind) = bound.spec.kind {
            if kind == ProbeKind::Prometheus {
                self.check_comparison(&bound);
            }
            self.probes.insert(
                self.probe_key(decl),
                ProbeRecord {
                    name: decl.name.name.clone(),
                    kind,
                    args: bound.filled(),
                    module: self.module,
                    span: decl.name.span,
                },
            );
        }
        Some(bound)
    }

    /// The key of a probe's record. A probe declared in a scenario or template body has
    /// one record per scenario being checked (a template's probe differs with the
    /// scenario's arguments); a top-level one has one.
    fn probe_key(&self, decl: &Decl) -> String {
        if self.frames.is_empty() {
            Self::decl_key(decl)
        } else {
            format!(
                "{}@{}",
                Self::decl_key(decl),
                self.scenario_base + self.scenarios.len()
            )
        }
    }

    /// A `prometheus` probe's `expect`, when it is known here, is a comparison that the
    /// probe can evaluate (`src/probe/prometheus.rs` parses it again when the run starts).
    fn check_comparison(&mut self, bound: &BoundCall) {
        let (text, span) = match bound.args.get("expect") {
            Some((Val::Str(Some(text)), span)) => (text, span),
            // The plan carries `expect` as plain text: it cannot be read at run time.
            Some((Val::Text(_), span)) => {
                let d = self
                    .error(
                        Code::BadComparison,
                        *span,
                        "`expect` cannot read the environment",
                    )
                    .with_label("reads `env(…)`")
                    .with_help("write the comparison in the file, such as `expect: \"< 0.05\"`");
                self.emit(d);
                return;
            }
            _ => return,
        };
        if Comparison::parse(text).is_ok() {
            return;
        }
        let d = self
            .error(
                Code::BadComparison,
                *span,
                format!("`{text}` is not a comparison"),
            )
            .with_label("not a comparison")
            .with_help(format!("`expect` takes {}", comparison::ACCEPTED));
        self.emit(d);
    }

    /// Rules about a scenario as a whole, once its layers are merged.
    fn scenario_rules(
        &mut self,
        scenario: &'a Scenario,
        name: &str,
        merged: &Merged,
        steps: &[StepInfo],
    ) {
        let has_baseline = merged.baseline.is_some_and(|b| b.is_nan() || b > 0.0);
        if !has_baseline {
            if let Some((module, span)) = merged.steady_state {
                self.in_module(module, |c| {
                    let d = c
                        .error(
                            Code::SteadyStateWithoutBaseline,
                            span,
                            "`steady_state` needs a baseline to be checked in",
                        )
                        .with_label("checked over the baseline window")
                        .with_help("add `baseline 10s` (or longer) to the scenario");
                    c.emit(d);
                });
            }
            for (module, span) in &merged.degradation {
                self.in_module(*module, |c| {
                    let d = c
                        .error(
                            Code::DegradationWithoutBaseline,
                            *span,
                            "`latency_degradation` needs a baseline to compare with",
                        )
                        .with_label("compared with the baseline's latency")
                        .with_help("add `baseline 10s` (or longer) to the scenario");
                    c.emit(d);
                });
            }
        }
        let steps_end = steps
            .iter()
            .map(|s| s.start.zip(s.length).map(|(a, b)| a + b))
            .collect::<Option<Vec<f64>>>()
            .map(|ends| ends.into_iter().fold(0.0, f64::max));
        let facts = self.file_facts();
        let (file_max, file_allow) = (facts.max_duration, facts.allow_targets);
        let max = merged.max_duration.or(file_max);
        if let (Some(max), Some(end), Some((module, span))) = (max, steps_end, merged.timeline_span)
        {
            let baseline = merged.baseline.filter(|b| !b.is_nan()).unwrap_or(0.0);
            if baseline + end > max {
                let (module, span) = self.own_place(module, span, name_span_of(scenario));
                self.in_module(module, |c| {
                    let d = c
                        .error(
                            Code::TimelineTooLong,
                            span,
                            format!(
                                "baseline and timeline take {}, longer than `max_duration {}`",
                                human_duration(baseline + end),
                                human_duration(max)
                            ),
                        )
                        .with_label(format!("the chaos phase ends at {}", human_duration(end)))
                        .with_help("shorten the timeline or raise `max_duration` in `safety`");
                    c.emit(d);
                });
            }
        }
        let name_span = scenario.name.span;
        if !merged.has_local_probe && !facts.has_probe {
            let d = self
                .error(
                    Code::ScenarioWithoutProbe,
                    name_span,
                    format!("scenario `{name}` observes nothing: no probe is in scope"),
                )
                .with_label("no probe")
                .with_help(
                    "declare a probe, e.g. `probe health = http(\"http://127.0.0.1:8080/health\")`",
                );
            self.emit(d);
        }
        if merged.blocking == 0 && facts.blocking == 0 {
            let d = self
                .error(
                    Code::NoBlockingAssertion,
                    name_span,
                    format!("scenario `{name}` has no blocking assertion, so it can never fail"),
                )
                .with_label("only `warn` assertions or none")
                .with_help(
                    "add an `slo { … }` assertion without `warn`, e.g. `availability >= 99%`",
                );
            self.emit(d);
        }
        self.mixed_engines(scenario, name, steps);
        if !merged.allow_targets && !file_allow {
            // Only a known fault kind is destructive.
            for (step, kind) in steps
                .iter()
                .filter(|s| s.destructive)
                .filter_map(|s| Some((s, s.kind?.name())))
            {
                let (module, span) = self.own_place(step.module, step.span, name_span_of(scenario));
                self.in_module(module, |c| {
                    let d = c
                        .error(Code::DestructiveWithoutAllowTargets, span, format!("`{kind}` is destructive but no `allow_targets` limits what it may touch"))
                        .with_label("destructive fault")
                        .with_help("add `safety { allow_targets [\"name-or-glob\"] }` to the file");
                    c.emit(d);
                });
            }
        }
    }

    /// E0507: steps on pods run only in Chaos Mesh and the others only with `chaosc
    /// run`, so a scenario with both could run nowhere.
    fn mixed_engines(&mut self, scenario: &'a Scenario, name: &str, steps: &[StepInfo]) {
        let on_pods = |s: &&StepInfo| {
            matches!(
                s.target_value,
                Val::Target {
                    kind: TargetKind::Pods,
                    ..
                }
            )
        };
        let known = || {
            steps
                .iter()
                .filter(|s| s.kind.is_some() && s.target_value != Val::Error)
        };
        let (Some(pod_step), Some(host_step)) =
            (known().find(on_pods), known().find(|s| !on_pods(s)))
        else {
            return;
        };
        let host_kind = host_step.kind.map_or("", |k| k.name());
        let pod_kind = pod_step.kind.map_or("", |k| k.name());
        let (module, span) =
            self.own_place(host_step.module, host_step.span, name_span_of(scenario));
        let name = name.to_string();
        self.in_module(module, |c| {
            let d = c
                .error(
                    Code::MixedEngines,
                    span,
                    format!("scenario `{name}` mixes pods targets with targets on this host"),
                )
                .with_label(format!("`{host_kind}` acts on this host"))
                .with_help(format!("split it: one scenario for the pods (`{pod_kind}` …, exported to chaos mesh), one for this host (run by `chaosc run`)"))
                .with_note("steps on pods run only in chaos mesh, the others only with `chaosc run`");
            c.emit(d);
        });
    }

    /// Where to report a finding about this scenario: at `span` when it is in the
    /// scenario's own file, else (it comes from an imported template) at the scenario.
    fn own_place(&self, module: usize, span: Span, scenario_name: Span) -> (usize, Span) {
        if self.modules[module].source == self.source() {
            (module, span)
        } else {
            (self.module, scenario_name)
        }
    }

    pub fn in_module(&mut self, module: usize, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.module, module);
        f(self);
        self.module = saved;
    }
}

/// Entries that may appear at most once in a body.
fn single_entry(kind: &BodyEntryKind) -> Option<&'static str> {
    Some(match kind {
        BodyEntryKind::Description(_) => "description",
        BodyEntryKind::Tags(_) => "tags",
        BodyEntryKind::Baseline(_) => "baseline",
        BodyEntryKind::SteadyState(_) => "steady_state",
        BodyEntryKind::Timeline(_) => "timeline",
        BodyEntryKind::Recover { .. } => "recover",
        BodyEntryKind::Slo(_) => "slo",
        BodyEntryKind::Safety(_) => "safety",
        _ => return None,
    })
}

/// A parameter's value while its template is checked on its own.
pub(super) fn opaque(ty: ParamTy, name: &Ident) -> Val {
    match ty {
        ParamTy::Value(Ty::Target(kinds)) => Val::Target {
            kind: kinds[0],
            key: format!("param:{}", name.name),
        },
        ParamTy::Value(ty) => Val::Opaque(ty),
        ParamTy::Service => Val::Target {
            kind: TargetKind::Process,
            key: format!("param:{}", name.name),
        },
    }
}

/// `90000000000` ns → `1m30s`.
pub fn human_duration(ns: f64) -> String {
    if ns.is_nan() {
        return "?".into();
    }
    let ms = (ns / 1e6).round() as u64;
    if ms == 0 {
        return "0s".into();
    }
    if ms % 1000 != 0 {
        return format!("{ms}ms");
    }
    let mut s = ms / 1000;
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60), ("s", 1)] {
        if s >= size {
            out.push_str(&format!("{}{unit}", s / size));
            s %= size;
        }
    }
    out
}

fn name_span_of(scenario: &Scenario) -> Span {
    scenario.name.span
}
