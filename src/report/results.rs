//! `results.json`: everything a run measured and decided. Versioned by
//! [`RESULTS_VERSION`], described by `docs/results.schema.json`.
//!
//! Offsets are milliseconds from the start of the scenario (the first baseline sample's
//! scheduled start) on the monotonic clock; wall-clock times are RFC 3339 UTC.

use serde::{Deserialize, Serialize};

use crate::inject::Evidence;
use crate::plan::{CompareOp, Metric, Origin, Plan, Severity, Window};

/// Bumped when a field changes meaning or disappears.
pub const RESULTS_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunResults {
    pub results_version: u32,
    pub chaosc_version: String,
    pub run_id: String,
    pub started_at: String,
    pub finished_at: String,
    /// The seed of every random decision; `chaosc run --seed N` repeats it.
    pub seed: u64,
    /// The `.chaos` file, legacy YAML or plan JSON that was run.
    pub source: String,
    pub environment: Option<String>,
    /// The worst scenario verdict (`interrupted` > `error` > `aborted` > `failed` >
    /// `not_steady` > `passed_with_warnings` > `passed` > `skipped`).
    pub verdict: Verdict,
    /// The process exit status this run ends with (`docs/cli.md`).
    pub exit_code: i32,
    pub services: Vec<ServiceResult>,
    pub scenarios: Vec<ScenarioResult>,
    /// How the numbers were measured, in words (copied into the reports).
    pub method: Vec<String>,
    /// The plan that ran.
    pub plan: Plan,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Skipped,
    Passed,
    PassedWithWarnings,
    NotSteady,
    Failed,
    Aborted,
    Error,
    Interrupted,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Skipped => "skipped",
            Verdict::Passed => "passed",
            Verdict::PassedWithWarnings => "passed_with_warnings",
            Verdict::NotSteady => "not_steady",
            Verdict::Failed => "failed",
            Verdict::Aborted => "aborted",
            Verdict::Error => "error",
            Verdict::Interrupted => "interrupted",
        }
    }

    /// The exit status of a run whose worst verdict is this one.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Skipped | Verdict::Passed | Verdict::PassedWithWarnings => 0,
            Verdict::NotSteady | Verdict::Failed => 1,
            Verdict::Aborted => 3,
            Verdict::Error => 4,
            Verdict::Interrupted => 130,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceResult {
    pub name: String,
    pub pid: Option<u32>,
    /// From spawn to the first successful readiness check.
    pub ready_after_ms: Option<f64>,
    /// Its stdout and stderr, relative to the report folder.
    pub log: String,
    /// How it ended: `exited with status 0`, `stopped by SIGTERM` …
    pub ended: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioResult {
    pub name: String,
    /// The scenario's `///` documentation, from the plan.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub doc: Option<String>,
    pub verdict: Verdict,
    /// Why, in one sentence, for every verdict but `passed`.
    pub reason: Option<String>,
    pub started_at: Option<String>,
    /// Phase boundaries actually observed (ms from the scenario start).
    pub phases: Phases,
    pub steps: Vec<StepResult>,
    pub probes: Vec<ProbeResult>,
    pub steady_state: Vec<AssertionResult>,
    pub assertions: Vec<AssertionResult>,
    pub abort: Option<AbortResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    pub baseline: Option<Span>,
    pub chaos: Option<Span>,
    pub recovery: Option<Span>,
}

/// `[start_ms, end_ms)` from the scenario start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub start_ms: f64,
    pub end_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepResult {
    pub name: String,
    pub kind: String,
    /// What it acted on, resolved (`host`, `process 4242 (python3)`).
    pub target: String,
    /// Planned and actual offsets from the start of the chaos phase.
    pub planned_start_ms: f64,
    pub actual_start_ms: Option<f64>,
    pub planned_end_ms: Option<f64>,
    pub actual_end_ms: Option<f64>,
    pub status: StepStatus,
    pub evidence: Option<Evidence>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Never started (the scenario ended before its offset).
    NotStarted,
    /// Ran and ended (reverted, or an instant action that completed).
    Done,
    /// Could not be prepared, applied or reverted: `error` says why.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeResult {
    pub name: String,
    pub samples: u64,
    pub successes: u64,
    /// Failed samples by outcome (`timeout`, `connect`, `status` …).
    pub failures: std::collections::BTreeMap<String, u64>,
    /// Percentiles of successful samples over the whole scenario, in ms.
    pub latency_ms: Option<LatencySummary>,
    /// Per-second buckets over the scenario, for charts.
    pub timeline: Vec<Bucket>,
    /// The standard figures, per phase and over the scenario, whether or not an
    /// assertion names them.
    pub figures: Figures,
}

/// What people look for first, for one probe: per phase (a phase that did not happen
/// is absent) and over the whole scenario (`run`), and the recovery figures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    pub baseline: Option<PhaseFigures>,
    pub chaos: Option<PhaseFigures>,
    pub recovery: Option<PhaseFigures>,
    pub run: PhaseFigures,
    /// Mean time to recover over the scenario's failure episodes (first failed sample
    /// to the next success), ms; 0 without failures; `null` when the last episode never
    /// recovered.
    pub mttr_ms: Option<f64>,
    /// The sum of every failure episode, ms (an episode without a later success counts
    /// until the last sample).
    pub downtime_ms: f64,
    /// The most failed samples in a row.
    pub longest_failure_run: u64,
    /// The longest failure episode, ms.
    pub longest_failure_ms: f64,
    /// From the end of the chaos phase to the first of the required consecutive
    /// successes, ms; `null` without a chaos phase or when it never recovered.
    pub recovery_time_ms: Option<f64>,
    /// How many failure episodes the scenario had.
    pub failure_episodes: u64,
}

impl Figures {
    /// Each phase that happened, then the whole scenario, with its name.
    pub fn phases(&self) -> Vec<(&'static str, &PhaseFigures)> {
        [
            ("baseline", self.baseline.as_ref()),
            ("chaos", self.chaos.as_ref()),
            ("recovery", self.recovery.as_ref()),
            ("run", Some(&self.run)),
        ]
        .into_iter()
        .filter_map(|(name, f)| f.map(|f| (name, f)))
        .collect()
    }
}

/// The figures of one probe over one window.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseFigures {
    pub start_ms: f64,
    pub end_ms: f64,
    pub samples: u64,
    /// `null` without samples.
    pub availability_percent: Option<f64>,
    pub error_rate_percent: Option<f64>,
    /// Of successful samples; `null` without any.
    pub latency_ms: Option<LatencySummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// Samples scheduled in `[second, second + 1)` s from the scenario start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub second: u64,
    pub samples: u64,
    pub failures: u64,
    /// Latency percentiles of the successful samples, ms.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// A measured value in the unit of its metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measured {
    Percent(f64),
    Ms(f64),
    Count(i64),
    /// mttr or recovery_time that never ended within the run.
    Unbounded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssertionStatus {
    Passed,
    Failed,
    /// No samples in the window: fails a blocking assertion, warns for `warn`.
    Inconclusive,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssertionResult {
    /// As written: `latency(home, p95) <= 300ms during chaos`.
    pub text: String,
    pub metric: Metric,
    pub probe: Option<String>,
    pub percentile: Option<f64>,
    pub op: CompareOp,
    pub threshold: Measured,
    pub window: Window,
    /// The window's bounds actually used (ms from the scenario start).
    pub window_span: Option<Span>,
    pub severity: Severity,
    pub origin: Origin,
    pub measured: Option<Measured>,
    pub status: AssertionStatus,
    /// Samples in the window.
    pub samples: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AbortResult {
    /// `error_rate(home) > 50% over 5s`, `max_duration 30m` …
    pub condition: String,
    pub origin: Option<Origin>,
    /// When it fired, ms from the scenario start.
    pub at_ms: f64,
    pub measured: Option<Measured>,
}

/// The JSON Schema of [`RunResults`], as committed in `docs/results.schema.json`.
pub fn schema() -> String {
    let schema = schemars::schema_for!(RunResults);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
