//! What every call of the language takes: target, probe, service and fault kinds,
//! and the metrics and windows of assertions.
//!
//! Each kind is an enum whose `spec` is its one entry in these tables: its name,
//! parameters, limits and defaults. The checker binds arguments against the specs and
//! records the arguments with the defaults filled in ([`CallSpec::fill_defaults`]), so
//! lowering matches the kinds exhaustively and finds every value where it is needed.

use super::types::{TargetKind, Ty, Val, ANY_TARGET};
use crate::syntax::ast::Dimension::{self, *};
use TargetKind::*;

/// A limit on a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    None,
    /// > 0
    Positive,
    /// >= 0
    NonNegative,
    /// 0..=100 (percent)
    Percent,
    /// > 0 and <= 100 (percent)
    PositivePercent,
    /// 1..=65535
    Port,
    /// A duration of at least 1 ms, in whole milliseconds (the plan carries ms).
    PositiveMs,
    /// A duration of zero or more, in whole milliseconds.
    NonNegativeMs,
    /// An integer from 1 to this many.
    Count(i64),
}

/// How long a scenario waits for its probes to recover when it says nothing
/// (`recover within`), in nanoseconds, and the consecutive successes it asks for.
pub const RECOVER_WITHIN: f64 = 30.0 * 1e9;
pub const RECOVER_CHECKS: i64 = 3;

/// The most workers a stress fault starts.
pub const MAX_WORKERS: i64 = 1024;
/// The largest process id Linux gives (`/proc/sys/kernel/pid_max` at most).
pub const MAX_PID: i64 = 4_194_304;

#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub limit: Limit,
    /// The value an optional parameter has when it is not given (`docs/language.md`).
    pub default: Option<ParamDefault>,
}

/// The default of an optional parameter, as a constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamDefault {
    /// In the base unit of the dimension (nanoseconds, bytes, per second, percent).
    Quantity(Dimension, f64),
    Int(i64),
    Bool(bool),
    Word(&'static str),
    /// An HTTP status range.
    Range(i64, i64),
}

impl ParamDefault {
    pub fn value(self) -> Val {
        match self {
            ParamDefault::Quantity(dimension, v) => Val::Quantity(dimension, v),
            ParamDefault::Int(i) => Val::Int(i),
            ParamDefault::Bool(b) => Val::Bool(b),
            ParamDefault::Word(w) => Val::Word(w.to_string()),
            ParamDefault::Range(lo, hi) => Val::Range(lo, hi),
        }
    }
}

const fn p(name: &'static str, ty: Ty) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        required: false,
        limit: Limit::None,
        default: None,
    }
}

const fn req(name: &'static str, ty: Ty) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        required: true,
        limit: Limit::None,
        default: None,
    }
}

const fn lim(mut spec: ParamSpec, limit: Limit) -> ParamSpec {
    spec.limit = limit;
    spec
}

const fn or(mut spec: ParamSpec, default: ParamDefault) -> ParamSpec {
    spec.default = Some(default);
    spec
}

const SECOND: f64 = 1e9;
const fn seconds(s: f64) -> ParamDefault {
    ParamDefault::Quantity(Duration, s * SECOND)
}
const fn percent(p: f64) -> ParamDefault {
    ParamDefault::Quantity(Percent, p)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallClass {
    Target,
    Probe,
    Service,
    Fault,
}

impl CallClass {
    pub fn noun(self) -> &'static str {
        match self {
            CallClass::Target => "target kind",
            CallClass::Probe => "probe kind",
            CallClass::Service => "service kind",
            CallClass::Fault => "fault kind",
        }
    }
}

/// Whether a fault stays applied for a while (`for D`) or happens once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sustain {
    Sustained,
    Instant,
    /// Sustained when this argument is given (`exec` with `revert`).
    SustainedWith(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct CallSpec {
    pub kind: Kind,
    pub name: &'static str,
    pub class: CallClass,
    /// Parameters, in positional order: at most the first may be given positionally.
    pub params: &'static [ParamSpec],
    /// Groups of which at most one may be given; `exactly_one` makes one required.
    pub exclusive: &'static [&'static str],
    pub exactly_one: bool,
    /// For faults: the target kinds it acts on (`Host` = may be omitted).
    pub targets: &'static [TargetKind],
    pub sustain: Sustain,
    pub destructive: bool,
}

const DURATION: Ty = Ty::Quantity(Duration);
const PERCENT: Ty = Ty::Quantity(Percent);
const SIZE: Ty = Ty::Quantity(Size);
const DIRECTION: Ty = Ty::Word(TrafficDirection::WORDS);

/// Which traffic a network fault acts on: the `direction` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrafficDirection {
    Upstream,
    Downstream,
    Both,
}

impl TrafficDirection {
    pub const WORDS: &'static [&'static str] = &["upstream", "downstream", "both"];

    pub fn from_word(word: &str) -> Option<TrafficDirection> {
        match word {
            "upstream" => Some(TrafficDirection::Upstream),
            "downstream" => Some(TrafficDirection::Downstream),
            "both" => Some(TrafficDirection::Both),
            _ => None,
        }
    }
}
pub const SIGNALS: &[&str] = &[
    "SIGKILL", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGABRT", "SIGUSR1", "SIGUSR2",
];
const SIGNAL: Ty = Ty::Word(SIGNALS);
const METHOD: Ty = Ty::Word(&["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const fn call(kind: Kind, name: &'static str, params: &'static [ParamSpec]) -> CallSpec {
    CallSpec {
        kind,
        name,
        class: kind.class(),
        params,
        exclusive: &[],
        exactly_one: false,
        targets: &[],
        sustain: Sustain::Instant,
        destructive: false,
    }
}

const fn fault(
    kind: FaultKind,
    name: &'static str,
    targets: &'static [TargetKind],
    params: &'static [ParamSpec],
    sustain: Sustain,
    destructive: bool,
) -> CallSpec {
    CallSpec {
        kind: Kind::Fault(kind),
        name,
        class: CallClass::Fault,
        params,
        exclusive: &[],
        exactly_one: false,
        targets,
        sustain,
        destructive,
    }
}

const fn exclusive(
    mut spec: CallSpec,
    names: &'static [&'static str],
    exactly_one: bool,
) -> CallSpec {
    spec.exclusive = names;
    spec.exactly_one = exactly_one;
    spec
}

const NET: &[TargetKind] = &[Proxy, Interface, Pods];
const TARGET: ParamSpec = req("target", Ty::Target(ANY_TARGET));
const HOST_TARGET: ParamSpec = p("target", Ty::Target(ANY_TARGET));
const PROBE_EVERY: ParamSpec = or(lim(p("every", DURATION), Limit::PositiveMs), seconds(1.0));
const PROBE_TIMEOUT: ParamSpec = or(lim(p("timeout", DURATION), Limit::PositiveMs), seconds(5.0));
const WORKERS: ParamSpec = lim(p("workers", Ty::Int), Limit::Count(MAX_WORKERS));
const DIRECTION_BOTH: ParamSpec = or(p("direction", DIRECTION), ParamDefault::Word("both"));
const SIGNAL_KILL: ParamSpec = or(p("signal", SIGNAL), ParamDefault::Word("SIGKILL"));
const CONTAINER_TIMEOUT: ParamSpec = or(
    lim(p("timeout", DURATION), Limit::NonNegativeMs),
    seconds(10.0),
);

/// Any kind of call: what a name in call position can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Target(TargetKind),
    Probe(ProbeKind),
    Service(ServiceKind),
    Fault(FaultKind),
}

impl Kind {
    pub const fn class(self) -> CallClass {
        match self {
            Kind::Target(_) => CallClass::Target,
            Kind::Probe(_) => CallClass::Probe,
            Kind::Service(_) => CallClass::Service,
            Kind::Fault(_) => CallClass::Fault,
        }
    }

    pub fn spec(self) -> &'static CallSpec {
        match self {
            Kind::Target(kind) => target_spec(kind),
            Kind::Probe(kind) => kind.spec(),
            Kind::Service(kind) => kind.spec(),
            Kind::Fault(kind) => kind.spec(),
        }
    }
}

/// The spec of a target kind.
pub fn target_spec(kind: TargetKind) -> &'static CallSpec {
    match kind {
        TargetKind::Host => &HOST,
        TargetKind::Process => &PROCESS,
        TargetKind::Container => &CONTAINER,
        TargetKind::Proxy => &PROXY,
        TargetKind::Interface => &INTERFACE,
        TargetKind::Pods => &PODS,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeKind {
    Http,
    Tcp,
    Exec,
    Prometheus,
}

impl ProbeKind {
    pub fn spec(self) -> &'static CallSpec {
        match self {
            ProbeKind::Http => &HTTP,
            ProbeKind::Tcp => &TCP,
            ProbeKind::Exec => &EXEC_PROBE,
            ProbeKind::Prometheus => &PROMETHEUS,
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Whether its samples have a meaningful latency (a `prometheus` probe's is the
    /// query's, not the service's).
    pub fn measures_latency(self) -> bool {
        match self {
            ProbeKind::Http | ProbeKind::Tcp | ProbeKind::Exec => true,
            ProbeKind::Prometheus => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    Spawn,
}

impl ServiceKind {
    pub fn spec(self) -> &'static CallSpec {
        match self {
            ServiceKind::Spawn => &SPAWN,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    CpuStress,
    MemoryStress,
    DiskStress,
    Latency,
    PacketLoss,
    Bandwidth,
    Blackhole,
    Reset,
    ContainerKill,
    ContainerRestart,
    ContainerStop,
    ContainerPause,
    ProcessKill,
    ProcessPause,
    PodKill,
    PodFailure,
    IoLatency,
    Exec,
}

impl FaultKind {
    pub fn spec(self) -> &'static CallSpec {
        match self {
            FaultKind::CpuStress => &CPU_STRESS,
            FaultKind::MemoryStress => &MEMORY_STRESS,
            FaultKind::DiskStress => &DISK_STRESS,
            FaultKind::Latency => &LATENCY,
            FaultKind::PacketLoss => &PACKET_LOSS,
            FaultKind::Bandwidth => &BANDWIDTH,
            FaultKind::Blackhole => &BLACKHOLE,
            FaultKind::Reset => &RESET,
            FaultKind::ContainerKill => &CONTAINER_KILL,
            FaultKind::ContainerRestart => &CONTAINER_RESTART,
            FaultKind::ContainerStop => &CONTAINER_STOP,
            FaultKind::ContainerPause => &CONTAINER_PAUSE,
            FaultKind::ProcessKill => &PROCESS_KILL,
            FaultKind::ProcessPause => &PROCESS_PAUSE,
            FaultKind::PodKill => &POD_KILL,
            FaultKind::PodFailure => &POD_FAILURE,
            FaultKind::IoLatency => &IO_LATENCY,
            FaultKind::Exec => &EXEC_FAULT,
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// For a fault that cannot act on a `pods` target: why (Chaos Mesh has no such
    /// chaos) and what to write instead. `None` for the faults that can.
    pub fn on_pods_instead(self) -> Option<(&'static str, &'static str)> {
        match self {
            FaultKind::CpuStress
            | FaultKind::MemoryStress
            | FaultKind::DiskStress
            | FaultKind::Latency
            | FaultKind::PacketLoss
            | FaultKind::Bandwidth
            | FaultKind::Blackhole
            | FaultKind::ContainerKill
            | FaultKind::PodKill
            | FaultKind::PodFailure
            | FaultKind::IoLatency => None,
            FaultKind::Reset => Some((
                "chaos mesh's network chaos cannot reset connections",
                "use `blackhole` (a partition) or `packet_loss` on the pods",
            )),
            FaultKind::ContainerRestart => Some((
                "chaos mesh cannot restart a container; killing it makes the kubelet restart it",
                "use `container_kill` with `container:` in the `pods(…)` target",
            )),
            FaultKind::ContainerStop | FaultKind::ContainerPause => Some((
                "chaos mesh cannot stop or freeze one container for a while",
                "use `pod_failure(…) for …` to make the pods unavailable",
            )),
            FaultKind::ProcessKill => Some((
                "chaos mesh's pod chaos kills pods and containers, not processes inside them",
                "use `pod_kill`, or `container_kill` with `container:` in the `pods(…)` target",
            )),
            FaultKind::ProcessPause => Some((
                "chaos mesh cannot pause processes inside a pod",
                "use `pod_failure(…) for …` to make the pods unavailable",
            )),
            FaultKind::Exec => Some((
                "chaos mesh does not run commands in pods",
                "run the command from a host with `chaosc run`, or pick a fault chaos mesh has",
            )),
        }
    }
}

/// The selection modes of a `pods` target, as Chaos Mesh spells them.
pub const POD_MODES: &[&str] = &["one", "all", "fixed", "fixed-percent", "random-max-percent"];

use Sustain::*;

// targets
const HOST: CallSpec = call(Kind::Target(Host), "host", &[]);
const PROCESS: CallSpec = exclusive(
    call(
        Kind::Target(Process),
        "process",
        &[
            lim(p("pid", Ty::Int), Limit::Count(MAX_PID)),
            p("pidfile", Ty::Str),
            p("name", Ty::Str),
            or(p("all", Ty::Bool), ParamDefault::Bool(false)),
        ],
    ),
    &["pid", "pidfile", "name"],
    true,
);
const CONTAINER: CallSpec = exclusive(
    call(
        Kind::Target(Container),
        "container",
        &[p("name", Ty::Str), p("label", Ty::Str), p("host", Ty::Str)],
    ),
    &["name", "label"],
    true,
);
const PROXY: CallSpec = call(
    Kind::Target(Proxy),
    "proxy",
    &[req("listen", Ty::Str), req("upstream", Ty::Str)],
);
const INTERFACE: CallSpec = call(
    Kind::Target(Interface),
    "interface",
    &[req("name", Ty::Str), p("netns", Ty::Str)],
);
/// `mode` and `value` are checked together (E0504): a count for `fixed`, a
/// percentage for the percent modes, nothing for `one` and `all`.
const PODS: CallSpec = call(
    Kind::Target(Pods),
    "pods",
    &[
        req("namespace", Ty::Str),
        req("labels", Ty::Map),
        req("mode", Ty::Str),
        p("value", Ty::CountOrPercent),
        p("container", Ty::Str),
    ],
);
// probes
const HTTP: CallSpec = exclusive(
    call(
        Kind::Probe(ProbeKind::Http),
        "http",
        &[
            req("url", Ty::Str),
            or(p("method", METHOD), ParamDefault::Word("GET")),
            PROBE_EVERY,
            lim(p("rate", Ty::Quantity(Rate)), Limit::Positive),
            PROBE_TIMEOUT,
            or(p("status", Ty::Status), ParamDefault::Range(200, 399)),
            p("body_contains", Ty::Str),
            p("headers", Ty::Map),
            p("body", Ty::Str),
            p("json", Ty::Json),
        ],
    ),
    &["every", "rate"],
    false,
);
const TCP: CallSpec = call(
    Kind::Probe(ProbeKind::Tcp),
    "tcp",
    &[req("address", Ty::Str), PROBE_EVERY, PROBE_TIMEOUT],
);
const EXEC_PROBE: CallSpec = call(
    Kind::Probe(ProbeKind::Exec),
    "exec",
    &[req("argv", Ty::StrList), PROBE_EVERY, PROBE_TIMEOUT],
);
const PROMETHEUS: CallSpec = call(
    Kind::Probe(ProbeKind::Prometheus),
    "prometheus",
    &[
        req("url", Ty::Str),
        req("query", Ty::Str),
        PROBE_EVERY,
        PROBE_TIMEOUT,
        req("expect", Ty::Str),
    ],
);
// services
const SPAWN: CallSpec = call(
    Kind::Service(ServiceKind::Spawn),
    "spawn",
    &[
        req("argv", Ty::StrList),
        p("ready", Ty::Ready),
        p("cwd", Ty::Str),
        p("env", Ty::Map),
        or(
            lim(p("ready_timeout", DURATION), Limit::PositiveMs),
            seconds(30.0),
        ),
    ],
);
// faults
const CPU_STRESS: CallSpec = fault(
    FaultKind::CpuStress,
    "cpu_stress",
    &[Host, Process, Container, Pods],
    &[
        HOST_TARGET,
        WORKERS,
        or(
            lim(p("load", PERCENT), Limit::PositivePercent),
            percent(100.0),
        ),
    ],
    Sustained,
    false,
);
const MEMORY_STRESS: CallSpec = fault(
    FaultKind::MemoryStress,
    "memory_stress",
    &[Host, Container, Pods],
    &[
        HOST_TARGET,
        lim(req("size", SIZE), Limit::Positive),
        or(lim(p("ramp", DURATION), Limit::NonNegativeMs), seconds(0.0)),
    ],
    Sustained,
    false,
);
const DISK_STRESS: CallSpec = fault(
    FaultKind::DiskStress,
    "disk_stress",
    &[Host, Container, Pods],
    &[
        HOST_TARGET,
        or(WORKERS, ParamDefault::Int(1)),
        p("path", Ty::Str),
        or(
            lim(p("size", SIZE), Limit::Positive),
            ParamDefault::Quantity(Size, 64.0 * 1024.0 * 1024.0),
        ),
        or(p("sync", Ty::Bool), ParamDefault::Bool(true)),
    ],
    Sustained,
    false,
);
const LATENCY: CallSpec = fault(
    FaultKind::Latency,
    "latency",
    NET,
    &[
        TARGET,
        lim(req("delay", DURATION), Limit::Positive),
        or(lim(p("jitter", DURATION), Limit::NonNegative), seconds(0.0)),
        DIRECTION_BOTH,
    ],
    Sustained,
    false,
);
const PACKET_LOSS: CallSpec = fault(
    FaultKind::PacketLoss,
    "packet_loss",
    NET,
    &[
        TARGET,
        lim(req("rate", PERCENT), Limit::Percent),
        DIRECTION_BOTH,
    ],
    Sustained,
    false,
);
const BANDWIDTH: CallSpec = fault(
    FaultKind::Bandwidth,
    "bandwidth",
    NET,
    &[
        TARGET,
        lim(req("rate", Ty::Quantity(Bandwidth)), Limit::Positive),
        DIRECTION_BOTH,
    ],
    Sustained,
    false,
);
const BLACKHOLE: CallSpec = fault(
    FaultKind::Blackhole,
    "blackhole",
    NET,
    &[TARGET, DIRECTION_BOTH],
    Sustained,
    false,
);
const RESET: CallSpec = fault(
    FaultKind::Reset,
    "reset",
    &[Proxy],
    &[
        TARGET,
        or(lim(p("rate", PERCENT), Limit::Percent), percent(100.0)),
    ],
    Sustained,
    false,
);
const CONTAINER_KILL: CallSpec = fault(
    FaultKind::ContainerKill,
    "container_kill",
    &[Container, Pods],
    &[TARGET, SIGNAL_KILL],
    Instant,
    true,
);
const CONTAINER_RESTART: CallSpec = fault(
    FaultKind::ContainerRestart,
    "container_restart",
    &[Container],
    &[TARGET, CONTAINER_TIMEOUT],
    Instant,
    true,
);
const CONTAINER_STOP: CallSpec = fault(
    FaultKind::ContainerStop,
    "container_stop",
    &[Container],
    &[TARGET, CONTAINER_TIMEOUT],
    Sustained,
    true,
);
const CONTAINER_PAUSE: CallSpec = fault(
    FaultKind::ContainerPause,
    "container_pause",
    &[Container],
    &[TARGET],
    Sustained,
    false,
);
const PROCESS_KILL: CallSpec = fault(
    FaultKind::ProcessKill,
    "process_kill",
    &[Process],
    &[TARGET, SIGNAL_KILL, p("restart", Ty::StrList)],
    Instant,
    true,
);
const PROCESS_PAUSE: CallSpec = fault(
    FaultKind::ProcessPause,
    "process_pause",
    &[Process],
    &[TARGET],
    Sustained,
    false,
);
const POD_KILL: CallSpec = fault(
    FaultKind::PodKill,
    "pod_kill",
    &[Pods],
    &[
        TARGET,
        or(
            lim(p("grace_period", DURATION), Limit::NonNegativeMs),
            seconds(0.0),
        ),
    ],
    Instant,
    true,
);
const POD_FAILURE: CallSpec = fault(
    FaultKind::PodFailure,
    "pod_failure",
    &[Pods],
    &[TARGET],
    Sustained,
    true,
);
const IO_LATENCY: CallSpec = fault(
    FaultKind::IoLatency,
    "io_latency",
    &[Pods],
    &[
        TARGET,
        lim(req("delay", DURATION), Limit::Positive),
        req("volume_path", Ty::Str),
        p("path", Ty::Str),
        or(
            lim(p("percent", PERCENT), Limit::PositivePercent),
            percent(100.0),
        ),
    ],
    Sustained,
    false,
);
const EXEC_FAULT: CallSpec = fault(
    FaultKind::Exec,
    "exec",
    &[Host],
    &[
        req("run", Ty::StrList),
        p("revert", Ty::StrList),
        or(
            lim(p("timeout", DURATION), Limit::PositiveMs),
            seconds(60.0),
        ),
    ],
    SustainedWith("revert"),
    true,
);

/// Every callable kind of the language, in the order the documentation lists them.
pub const CALLS: &[CallSpec] = &[
    HOST,
    PROCESS,
    CONTAINER,
    PROXY,
    INTERFACE,
    PODS,
    HTTP,
    TCP,
    EXEC_PROBE,
    PROMETHEUS,
    SPAWN,
    CPU_STRESS,
    MEMORY_STRESS,
    DISK_STRESS,
    LATENCY,
    PACKET_LOSS,
    BANDWIDTH,
    BLACKHOLE,
    RESET,
    CONTAINER_KILL,
    CONTAINER_RESTART,
    CONTAINER_STOP,
    CONTAINER_PAUSE,
    PROCESS_KILL,
    PROCESS_PAUSE,
    POD_KILL,
    POD_FAILURE,
    IO_LATENCY,
    EXEC_FAULT,
];

impl CallSpec {
    /// `args` with every optional parameter that is missing set to its default.
    pub fn fill_defaults(&self, args: &mut std::collections::HashMap<&'static str, Val>) {
        for param in self.params {
            if let Some(default) = param.default {
                args.entry(param.name).or_insert_with(|| default.value());
            }
        }
    }
}

/// The spec of `name` in `class`. `exec` is both a probe and a fault kind.
pub fn lookup(class: CallClass, name: &str) -> Option<&'static CallSpec> {
    CALLS.iter().find(|c| c.class == class && c.name == name)
}

pub fn names(class: CallClass) -> impl Iterator<Item = &'static str> {
    CALLS
        .iter()
        .filter(move |c| c.class == class)
        .map(|c| c.name)
}

pub fn fault_kinds() -> impl Iterator<Item = &'static str> {
    names(CallClass::Fault)
}

/// A metric of assertions and abort conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    Availability,
    ErrorRate,
    Latency,
    LatencyDegradation,
    Mttr,
    RecoveryTime,
    ConsecutiveFailures,
    Requests,
}

impl MetricKind {
    pub fn spec(self) -> &'static MetricSpec {
        // The table lists the kinds in declaration order.
        &METRICS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// A window of a run that assertions are judged over (`during chaos`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowKind {
    Baseline,
    Chaos,
    Recovery,
    Run,
}

impl WindowKind {
    pub const ALL: [WindowKind; 4] = [
        WindowKind::Baseline,
        WindowKind::Chaos,
        WindowKind::Recovery,
        WindowKind::Run,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WindowKind::Baseline => "baseline",
            WindowKind::Chaos => "chaos",
            WindowKind::Recovery => "recovery",
            WindowKind::Run => "run",
        }
    }

    pub fn from_name(name: &str) -> Option<WindowKind> {
        WindowKind::ALL.into_iter().find(|w| w.name() == name)
    }
}

/// The names of the windows, for messages.
pub const WINDOWS: &[&str] = &["baseline", "chaos", "recovery", "run"];

#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    pub kind: MetricKind,
    pub name: &'static str,
    /// `None` for counts (integers).
    pub dimension: Option<Dimension>,
    pub takes_percentile: bool,
    /// A latency metric: not produced by probes that measure no latency.
    pub latency: bool,
    /// The window it is judged over when none is written (language.md §7.1).
    pub window: WindowKind,
    /// The percentile when none is written, for the metrics that take one.
    pub percentile: Option<f64>,
}

const fn metric(
    kind: MetricKind,
    name: &'static str,
    dimension: Option<Dimension>,
    window: WindowKind,
) -> MetricSpec {
    MetricSpec {
        kind,
        name,
        dimension,
        takes_percentile: false,
        latency: false,
        window,
        percentile: None,
    }
}

/// A latency metric: takes a percentile (the median when none is written).
const fn latency(mut spec: MetricSpec) -> MetricSpec {
    spec.takes_percentile = true;
    spec.latency = true;
    spec.percentile = Some(50.0);
    spec
}

/// Every metric, in the order of [`MetricKind`].
pub const METRICS: &[MetricSpec] = &[
    metric(
        MetricKind::Availability,
        "availability",
        Some(Percent),
        WindowKind::Chaos,
    ),
    metric(
        MetricKind::ErrorRate,
        "error_rate",
        Some(Percent),
        WindowKind::Chaos,
    ),
    latency(metric(
        MetricKind::Latency,
        "latency",
        Some(Duration),
        WindowKind::Chaos,
    )),
    latency(metric(
        MetricKind::LatencyDegradation,
        "latency_degradation",
        Some(Duration),
        WindowKind::Chaos,
    )),
    metric(MetricKind::Mttr, "mttr", Some(Duration), WindowKind::Run),
    metric(
        MetricKind::RecoveryTime,
        "recovery_time",
        Some(Duration),
        WindowKind::Recovery,
    ),
    metric(
        MetricKind::ConsecutiveFailures,
        "consecutive_failures",
        None,
        WindowKind::Run,
    ),
    metric(MetricKind::Requests, "requests", None, WindowKind::Chaos),
];

pub fn metric_spec(name: &str) -> Option<&'static MetricSpec> {
    METRICS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_is_its_kinds() {
        for spec in CALLS {
            assert!(std::ptr::eq(spec.kind.spec(), spec) || spec.kind.spec().name == spec.name);
            assert_eq!(spec.kind.spec().name, spec.name);
            assert_eq!(
                lookup(spec.class, spec.name).map(|s| s.kind),
                Some(spec.kind)
            );
        }
        for (index, spec) in METRICS.iter().enumerate() {
            assert_eq!(spec.kind as usize, index, "`{}` out of order", spec.name);
        }
        for window in WindowKind::ALL {
            assert!(WINDOWS.contains(&window.name()));
        }
        assert_eq!(WINDOWS.len(), WindowKind::ALL.len());
    }

    #[test]
    fn every_default_fits_its_type() {
        for spec in CALLS {
            for param in spec.params {
                if let Some(default) = param.default {
                    assert!(!param.required, "`{}.{}`", spec.name, param.name);
                    let value = default.value();
                    let fits = match (&value, param.ty) {
                        (Val::Word(w), Ty::Word(words)) => words.contains(&w.as_str()),
                        (Val::Range(lo, hi), Ty::Status) => 100 <= *lo && lo <= hi && *hi <= 599,
                        (value, ty) => super::super::expr::compatible(value, &ty),
                    };
                    assert!(fits, "`{}.{}` = {value:?}", spec.name, param.name);
                }
            }
        }
    }
}
