//! What checking learns about a program, kept for lowering to a plan.
//!
//! The checker evaluates every value anyway (it must, to check ranges, overlaps and
//! lengths); these records keep those values so that `plan::lower` is a translation,
//! not a second interpreter of the language.

use super::signatures::{FaultKind, MetricKind, ProbeKind, WindowKind};
use super::types::{TargetKind, Val};
use crate::diag::Span;
use crate::syntax::ast::CompareOp;
use std::collections::HashMap;

/// A target definition, keyed in `Checker::targets` by the key its values carry.
#[derive(Debug, Clone)]
pub struct TargetRecord {
    pub kind: TargetKind,
    /// The declared name (`target db = …`), `None` for an inline target.
    pub name: Option<String>,
    /// A `service` used as a process target.
    pub service: Option<String>,
    pub args: HashMap<&'static str, Val>,
}

/// A probe declaration.
#[derive(Debug, Clone)]
pub struct ProbeRecord {
    pub name: String,
    pub kind: ProbeKind,
    /// With the defaults of the parameters not given.
    pub args: HashMap<&'static str, Val>,
    pub module: usize,
    pub span: Span,
}

/// `METRIC[(PROBE[, pNN])] OP VALUE`, evaluated.
#[derive(Debug, Clone)]
pub struct ConditionRecord {
    pub metric: MetricKind,
    /// The probe as written (`health`, `ns.health`) and its key in `Checker::probes`.
    pub probe: Option<(String, String)>,
    pub percentile: Option<f64>,
    pub op: CompareOp,
    pub threshold: Val,
}

#[derive(Debug, Clone)]
pub struct AssertionRecord {
    pub condition: ConditionRecord,
    /// As written; `None` for the metric's default.
    pub window: Option<WindowKind>,
    pub warn: bool,
    pub module: usize,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct AbortRecord {
    pub condition: ConditionRecord,
    pub over: Option<f64>,
    pub module: usize,
    pub span: Span,
}

/// A timeline step, evaluated.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub kind: FaultKind,
    pub alias: Option<String>,
    /// With the defaults of the parameters not given.
    pub args: HashMap<&'static str, Val>,
    pub target: Val,
    /// Nanoseconds from the start of the chaos phase.
    pub start: f64,
    /// Nanoseconds; `None` for an instant action.
    pub duration: Option<f64>,
    pub destructive: bool,
    pub module: usize,
    pub span: Span,
}

/// A scenario with its template layers merged.
#[derive(Debug, Clone)]
pub struct ScenarioRecord {
    pub name: String,
    pub module: usize,
    /// The span of its name.
    pub span: Span,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Nanoseconds.
    pub baseline: f64,
    pub steady_state: Vec<AssertionRecord>,
    pub steps: Vec<StepRecord>,
    /// `recover within` (ns) and `checks`, or their defaults.
    pub recover_within: f64,
    pub recover_checks: i64,
    /// The scenario's own assertions, template layers first.
    pub assertions: Vec<AssertionRecord>,
    pub aborts: Vec<AbortRecord>,
    pub max_duration: Option<f64>,
    /// Probes declared in the scenario's layers: (name, key).
    pub local_probes: Vec<(String, String)>,
}

/// What a `safety` block sets.
#[derive(Debug, Clone, Default)]
pub struct SafetyRecord {
    /// Nanoseconds.
    pub max_duration: Option<f64>,
    pub cooldown: Option<f64>,
    pub confirm: Vec<String>,
    pub allow_targets: Vec<String>,
    pub has_allow_targets: bool,
    pub aborts: Vec<AbortRecord>,
}

/// A `service` declared at the top of a file.
#[derive(Debug, Clone)]
pub struct ServiceRecord {
    pub name: String,
    /// With the defaults of the parameters not given.
    pub args: HashMap<&'static str, Val>,
    /// `ready:` as a probe: the name the plan gives it and its key in `Program::probes`.
    pub ready_probe: Option<(String, String)>,
    pub module: usize,
    pub span: Span,
}

/// A `suite`.
#[derive(Debug, Clone)]
pub struct SuiteRecord {
    pub name: String,
    pub doc: Option<String>,
    pub description: Option<String>,
    pub scenarios: Vec<String>,
    /// Nanoseconds, when the suite sets its own.
    pub cooldown: Option<f64>,
}

/// Where a param's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamFrom {
    CommandLine,
    Environment,
    Default,
    Unset,
}

/// A `param` with the value it was checked with.
#[derive(Debug, Clone)]
pub struct ParamRecord {
    pub name: String,
    /// The type as written (`duration`).
    pub ty: String,
    pub value: Option<Val>,
    pub from: ParamFrom,
}

/// An `environment`.
#[derive(Debug, Clone)]
pub struct EnvironmentRecord {
    pub name: String,
    pub module: usize,
    pub slo: Vec<AssertionRecord>,
    /// `allow [...]`: the only scenarios it runs, when given.
    pub allow: Option<Vec<String>>,
    pub confirm: Vec<String>,
}

/// What each file contributes to the scenarios that see it.
#[derive(Debug, Clone, Default)]
pub struct ModuleRecord {
    pub source: crate::diag::SourceId,
    /// Each import, in order: the module it brings in and whether it has an alias.
    pub imports: Vec<(usize, bool)>,
    /// Top-level probes in order: (name, key in `Program::probes`).
    pub probes: Vec<(String, String)>,
    /// The file's `slo` defaults.
    pub slo: Vec<AssertionRecord>,
    /// The file's `safety` blocks.
    pub safety: Vec<SafetyRecord>,
}

/// Everything the checker recorded about a program: what `plan::lower` translates.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub modules: Vec<ModuleRecord>,
    /// In the order checked.
    pub scenarios: Vec<ScenarioRecord>,
    pub probes: HashMap<String, ProbeRecord>,
    pub targets: HashMap<String, TargetRecord>,
    /// Top-level services, by module, in source order.
    pub services: Vec<ServiceRecord>,
    pub suites: Vec<SuiteRecord>,
    /// Every `param` of the run's files, the root's first.
    pub params: Vec<ParamRecord>,
    /// The environment the program was checked for (`--env`).
    pub environment: Option<EnvironmentRecord>,
    /// The `///` documentation of declarations (by their key) and scenarios (by
    /// [`scenario_key`]).
    pub docs: HashMap<String, String>,
    /// The command line, added as a source of its own when bindings were given.
    pub command_line: Option<crate::diag::SourceId>,
}

/// The key of a scenario's documentation: its module and the position of its name.
pub fn scenario_key(module: usize, name: Span) -> String {
    format!("scenario@{module}:{}", name.start)
}
