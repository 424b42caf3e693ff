//! What checking learns about a program, kept for lowering to a plan.
//!
//! The checker evaluates every value anyway (it must, to check ranges, overlaps and
//! lengths); these records keep those values so that `plan::lower` is a translation,
//! not a second interpreter of the language.

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
    pub kind: &'static str,
    pub args: HashMap<&'static str, Val>,
    pub module: usize,
    pub span: Span,
}

/// `METRIC[(PROBE[, pNN])] OP VALUE`, evaluated.
#[derive(Debug, Clone)]
pub struct ConditionRecord {
    pub metric: &'static str,
    /// The probe as written (`health`, `ns.health`) and its key in `Checker::probes`.
    pub probe: Option<(String, String)>,
    pub percentile: Option<f64>,
    pub op: CompareOp,
    pub threshold: Val,
}

#[derive(Debug, Clone)]
pub struct AssertionRecord {
    pub condition: ConditionRecord,
    pub window: Option<String>,
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
    pub kind: &'static str,
    pub alias: Option<String>,
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
    pub span: Span,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Nanoseconds.
    pub baseline: f64,
    pub steady_state: Vec<AssertionRecord>,
    pub steps: Vec<StepRecord>,
    /// `recover within` (ns) and `checks`, when written.
    pub recover_within: Option<f64>,
    pub recover_checks: Option<i64>,
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
