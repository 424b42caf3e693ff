//! The execution plan: the compiler's output and the runtime's only input.
//!
//! Everything in a plan is explicit: templates expanded, presets merged, consts folded,
//! params bound, interpolations done (except `env(…)` secrets, kept as references),
//! quantities normalised (milliseconds, percent 0–100, bytes, bytes per second,
//! events per second), assertions resolved per probe with their origin, steps with
//! absolute planned offsets. The JSON form is versioned by [`PLAN_VERSION`] and
//! described by `docs/plan.schema.json`.

pub mod diff;
pub mod json;
pub mod legacy;
pub mod lower;
pub mod view;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Text known now or read from the environment at run time; the checker makes it, so it
/// is defined below the front end (`crate::shared`).
pub use crate::shared::Text;

/// Bumped when a field changes meaning or disappears.
pub const PLAN_VERSION: u32 = 1;

/// A whole compiled program, ready to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub plan_version: u32,
    /// The root file the plan was compiled from (or the legacy YAML).
    pub source: String,
    /// The environment applied with `--env`, if any.
    pub environment: Option<String>,
    /// Every param with the value it has in this plan.
    pub params: Vec<ParamValue>,
    /// Services started before the first scenario and stopped after the last.
    pub services: Vec<Service>,
    /// File-level safety limits for the whole run.
    pub safety: Safety,
    /// Scenarios in run order (a suite's order when `--suite` selects one).
    pub scenarios: Vec<Scenario>,
    pub suites: Vec<Suite>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamValue {
    pub name: String,
    /// `int`, `duration`, `container` …
    #[serde(rename = "type")]
    pub ty: String,
    /// The normalised value; `null` for a required param that was not set.
    pub value: Option<serde_json::Value>,
    /// Where the value came from.
    pub from: ParamSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamSource {
    Default,
    Environment,
    CommandLine,
    Unset,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub name: String,
    pub argv: Vec<Text>,
    pub ready: Option<Ready>,
    pub cwd: Option<Text>,
    pub env: BTreeMap<String, Text>,
    pub ready_timeout_ms: u64,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ready {
    /// Ready when an HTTP GET of this URL answers 2xx/3xx.
    Url(Text),
    /// Ready when this probe succeeds.
    Probe(Box<Probe>),
}

/// Something a fault acts on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    Host,
    Process {
        /// The declared name, or the service's name.
        name: Option<String>,
        selector: ProcessSelector,
        all: bool,
        /// The `///` documentation of its declaration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    Container {
        name: Option<String>,
        selector: ContainerSelector,
        /// Docker endpoint; `null` means `DOCKER_HOST` or the default socket.
        docker_host: Option<Text>,
        /// The `///` documentation of its declaration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    Proxy {
        name: Option<String>,
        listen: Text,
        upstream: Text,
        /// The `///` documentation of its declaration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    Interface {
        name: Option<String>,
        device: Text,
        netns: Option<Text>,
        /// The `///` documentation of its declaration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    /// Kubernetes pods, selected by namespace and labels; only Chaos Mesh acts on them
    /// (`chaosc export chaos-mesh`), `chaosc run` refuses them.
    Pods {
        name: Option<String>,
        namespace: String,
        /// Every label a pod must carry (`key` → `value`), in key order.
        labels: BTreeMap<String, String>,
        /// Which of the matching pods the fault acts on.
        mode: PodMode,
        /// The container inside each pod; `null` = every container (or the pod itself).
        container: Option<String>,
        /// The `///` documentation of its declaration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
}

/// Chaos Mesh's selection modes: which of the pods that match a selector are affected.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PodMode {
    /// One pod chosen at random.
    One,
    All,
    /// This many pods chosen at random.
    Fixed(u32),
    /// This percentage (0–100) of the pods, chosen at random.
    FixedPercent(f64),
    /// A random percentage of the pods, at most this one (0–100).
    RandomMaxPercent(f64),
}

impl PodMode {
    /// The mode as Chaos Mesh and the language spell it (`fixed-percent` …).
    pub fn as_str(self) -> &'static str {
        match self {
            PodMode::One => "one",
            PodMode::All => "all",
            PodMode::Fixed(_) => "fixed",
            PodMode::FixedPercent(_) => "fixed-percent",
            PodMode::RandomMaxPercent(_) => "random-max-percent",
        }
    }

    /// The mode's value (a count or a percentage), for the modes that have one.
    pub fn value(self) -> Option<f64> {
        match self {
            PodMode::One | PodMode::All => None,
            PodMode::Fixed(n) => Some(f64::from(n)),
            PodMode::FixedPercent(p) | PodMode::RandomMaxPercent(p) => Some(p),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcessSelector {
    Pid(i64),
    Pidfile(Text),
    Name(Text),
    /// A `service` of the plan: the process `chaosc` started.
    Service(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContainerSelector {
    Name(Text),
    Label(Text),
}

/// Something observed repeatedly during a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
// No `deny_unknown_fields`: serde does not support it with `flatten`.
pub struct Probe {
    pub name: String,
    /// The `///` documentation of its declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    #[serde(flatten)]
    pub check: ProbeCheck,
    pub schedule: Schedule,
    pub timeout_ms: u64,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeCheck {
    Http {
        url: Text,
        method: String,
        /// Inclusive range of accepted statuses.
        status: (u16, u16),
        body_contains: Option<Text>,
        headers: BTreeMap<String, Text>,
        body: Option<Text>,
        /// JSON pointer (RFC 6901) → the value the JSON body must hold there (`true`,
        /// `false`, a number, a string or `null`); absent when the body is not checked
        /// as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json: Option<BTreeMap<String, serde_json::Value>>,
    },
    Tcp {
        address: Text,
    },
    Exec {
        argv: Vec<Text>,
    },
    Prometheus {
        url: Text,
        query: Text,
        expect: String,
    },
}

/// How often a probe runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Closed model: the next sample starts `every_ms` after the previous one started.
    EveryMs(u64),
    /// Open model: samples start on schedule, answered or not.
    RatePerSecond(f64),
}

/// Where something was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSpan {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Safety {
    pub max_duration_ms: Option<u64>,
    pub cooldown_ms: u64,
    /// Fault kinds that need `--yes` or an interactive confirmation.
    pub confirm: Vec<String>,
    pub allow_targets: Vec<String>,
    pub abort: Vec<Abort>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Abort {
    pub condition: Condition,
    /// The sliding window; `null` = since the chaos phase started.
    pub over_ms: Option<u64>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub metric: Metric,
    /// The probe; `null` only where every probe is meant and the plan has none.
    pub probe: Option<String>,
    /// For latency metrics: 0–100.
    pub percentile: Option<f64>,
    pub op: CompareOp,
    pub threshold: Threshold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Availability,
    ErrorRate,
    Latency,
    LatencyDegradation,
    Mttr,
    RecoveryTime,
    ConsecutiveFailures,
    Requests,
}

/// `<` … `!=`, serialized as written; the operators of the language's assertions.
pub use crate::shared::comparison::CompareOp;

/// A normalised threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Percent(f64),
    Ms(f64),
    Count(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    Baseline,
    Chaos,
    Recovery,
    Run,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Blocking,
    Warn,
}

impl Metric {
    /// The metric as written in the language (and serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Availability => "availability",
            Metric::ErrorRate => "error_rate",
            Metric::Latency => "latency",
            Metric::LatencyDegradation => "latency_degradation",
            Metric::Mttr => "mttr",
            Metric::RecoveryTime => "recovery_time",
            Metric::ConsecutiveFailures => "consecutive_failures",
            Metric::Requests => "requests",
        }
    }
}

impl Window {
    /// The window as written after `during` (and serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Baseline => "baseline",
            Window::Chaos => "chaos",
            Window::Recovery => "recovery",
            Window::Run => "run",
        }
    }
}

impl Severity {
    /// `blocking` or `warn`, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Blocking => "blocking",
            Severity::Warn => "warn",
        }
    }
}

/// One text per enum: every report and view prints these through `Display`.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(Metric, Window, Severity);

/// Which level of the program an assertion or abort came from (`language.md` §7.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub level: Level,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A file-level `slo` or `safety` block (of the root file or an import).
    File,
    /// The selected environment's `slo`.
    Environment,
    /// The scenario's own body (or a template it is built on).
    Scenario,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    pub condition: Condition,
    pub window: Window,
    pub severity: Severity,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// The `///` documentation of its declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// `Some` when the scenario is not run (e.g. outside the environment's allow-list).
    pub skipped: Option<String>,
    pub baseline_ms: u64,
    pub steady_state: Vec<Assertion>,
    pub steps: Vec<Step>,
    /// Planned length of the chaos phase: the end of the last step.
    pub chaos_ms: u64,
    pub recovery: Recovery,
    /// Every probe that runs during the scenario.
    pub probes: Vec<Probe>,
    /// The effective assertions, one per probe for those written without one.
    pub assertions: Vec<Assertion>,
    pub aborts: Vec<Abort>,
    /// Scenario-level `max_duration`, if any (the file's applies otherwise).
    pub max_duration_ms: Option<u64>,
    /// What the host must offer for this scenario to run.
    pub capabilities: Vec<Capability>,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    pub within_ms: u64,
    pub checks: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// `as NAME`, or `KIND#N` (1-based within the scenario).
    pub name: String,
    pub fault: Fault,
    pub target: Target,
    /// Offset from the start of the chaos phase.
    pub start_ms: u64,
    /// How long the fault stays applied; `null` for an instant action.
    pub duration_ms: Option<u64>,
    /// Applied for `duration_ms` then reverted (`true`), or an instant action.
    pub sustained: bool,
    /// Needs confirmation (`--yes`) whatever the safety block says.
    pub destructive: bool,
    /// What the host must offer for this step.
    pub capabilities: Vec<Capability>,
    pub span: SourceSpan,
}

/// A fault with its parameters normalised and defaults filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// `workers: null` = one worker per CPU of the host that runs the plan.
    CpuStress {
        workers: Option<u32>,
        load_percent: f64,
    },
    MemoryStress {
        size_bytes: u64,
        ramp_ms: u64,
    },
    DiskStress {
        workers: u32,
        path: Option<Text>,
        size_bytes: u64,
        sync: bool,
    },
    Latency {
        delay_ms: f64,
        jitter_ms: f64,
        direction: Direction,
    },
    PacketLoss {
        rate_percent: f64,
        direction: Direction,
    },
    Bandwidth {
        bytes_per_second: f64,
        direction: Direction,
    },
    Blackhole {
        direction: Direction,
    },
    Reset {
        rate_percent: f64,
    },
    ContainerKill {
        signal: String,
    },
    ContainerRestart {
        timeout_ms: u64,
    },
    ContainerStop {
        timeout_ms: u64,
    },
    ContainerPause,
    ProcessKill {
        signal: String,
        restart: Option<Vec<Text>>,
    },
    ProcessPause,
    /// Deletes the selected pods (their controller recreates them): instant.
    PodKill {
        /// How long each pod may take to stop before it is killed.
        grace_period_ms: u64,
    },
    /// Makes the selected pods unavailable (their containers' images replaced by a
    /// pause image) for the step's duration.
    PodFailure,
    /// Delays file system calls on a volume of the selected pods.
    IoLatency {
        delay_ms: f64,
        /// The mount point of the volume inside the container.
        volume_path: String,
        /// Only files matching this glob; `null` = every file on the volume.
        path: Option<String>,
        /// The share of calls delayed, 0–100.
        percent: f64,
    },
    Exec {
        run: Vec<Text>,
        revert: Option<Vec<Text>>,
        timeout_ms: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Upstream,
    Downstream,
    Both,
}

/// A host feature a step needs; `chaosc doctor` and the preflight check them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Docker,
    Root,
    Netem,
    /// The `tbf` qdisc (and `ifb` for traffic a device receives): `bandwidth` on an interface.
    Tbf,
    Nftables,
    Signals,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub name: String,
    /// The `///` documentation of its declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    pub description: Option<String>,
    pub scenarios: Vec<String>,
    pub cooldown_ms: u64,
}

/// The JSON Schema of [`Plan`], as committed in `docs/plan.schema.json`.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Plan);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

impl Target {
    /// The `///` documentation of the declared target, if any.
    pub fn doc(&self) -> Option<&str> {
        match self {
            Target::Host => None,
            Target::Process { doc, .. }
            | Target::Container { doc, .. }
            | Target::Proxy { doc, .. }
            | Target::Interface { doc, .. }
            | Target::Pods { doc, .. } => doc.as_deref(),
        }
    }

    /// Whether only a cluster engine (Chaos Mesh) can act on this target.
    pub fn needs_cluster(&self) -> bool {
        matches!(self, Target::Pods { .. })
    }
}

impl Fault {
    /// The fault kind as written in the language (`cpu_stress`, `process_pause` …).
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::CpuStress { .. } => "cpu_stress",
            Fault::MemoryStress { .. } => "memory_stress",
            Fault::DiskStress { .. } => "disk_stress",
            Fault::Latency { .. } => "latency",
            Fault::PacketLoss { .. } => "packet_loss",
            Fault::Bandwidth { .. } => "bandwidth",
            Fault::Blackhole { .. } => "blackhole",
            Fault::Reset { .. } => "reset",
            Fault::ContainerKill { .. } => "container_kill",
            Fault::ContainerRestart { .. } => "container_restart",
            Fault::ContainerStop { .. } => "container_stop",
            Fault::ContainerPause => "container_pause",
            Fault::ProcessKill { .. } => "process_kill",
            Fault::ProcessPause => "process_pause",
            Fault::PodKill { .. } => "pod_kill",
            Fault::PodFailure => "pod_failure",
            Fault::IoLatency { .. } => "io_latency",
            Fault::Exec { .. } => "exec",
        }
    }
}
