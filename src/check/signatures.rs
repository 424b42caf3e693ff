//! What every call of the language takes: target, probe, service and fault kinds,
//! and the metrics of assertions.

use super::types::{TargetKind, Ty, ANY_TARGET};
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
}

const fn p(name: &'static str, ty: Ty) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        required: false,
        limit: Limit::None,
    }
}

const fn req(name: &'static str, ty: Ty) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        required: true,
        limit: Limit::None,
    }
}

const fn lim(mut spec: ParamSpec, limit: Limit) -> ParamSpec {
    spec.limit = limit;
    spec
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
const DIRECTION: Ty = Ty::Word(&["upstream", "downstream", "both"]);
pub const SIGNALS: &[&str] = &[
    "SIGKILL", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGABRT", "SIGUSR1", "SIGUSR2",
];
const SIGNAL: Ty = Ty::Word(SIGNALS);
const METHOD: Ty = Ty::Word(&["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const fn call(name: &'static str, class: CallClass, params: &'static [ParamSpec]) -> CallSpec {
    CallSpec {
        name,
        class,
        params,
        exclusive: &[],
        exactly_one: false,
        targets: &[],
        sustain: Sustain::Instant,
        destructive: false,
    }
}

const fn fault(
    name: &'static str,
    targets: &'static [TargetKind],
    params: &'static [ParamSpec],
    sustain: Sustain,
    destructive: bool,
) -> CallSpec {
    CallSpec {
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

const NET: &[TargetKind] = &[Proxy, Interface];
const TARGET: ParamSpec = req("target", Ty::Target(ANY_TARGET));
const HOST_TARGET: ParamSpec = p("target", Ty::Target(ANY_TARGET));
const PROBE_EVERY: ParamSpec = lim(p("every", DURATION), Limit::PositiveMs);
const PROBE_TIMEOUT: ParamSpec = lim(p("timeout", DURATION), Limit::PositiveMs);
const WORKERS: ParamSpec = lim(p("workers", Ty::Int), Limit::Count(MAX_WORKERS));

use CallClass::{Probe as ProbeC, Service as ServiceC, Target as TargetC};
use Sustain::*;

/// Every callable kind of the language.
pub const CALLS: &[CallSpec] = &[
    // targets
    call("host", TargetC, &[]),
    exclusive(
        call(
            "process",
            TargetC,
            &[
                lim(p("pid", Ty::Int), Limit::Count(MAX_PID)),
                p("pidfile", Ty::Str),
                p("name", Ty::Str),
                p("all", Ty::Bool),
            ],
        ),
        &["pid", "pidfile", "name"],
        true,
    ),
    exclusive(
        call(
            "container",
            TargetC,
            &[p("name", Ty::Str), p("label", Ty::Str), p("host", Ty::Str)],
        ),
        &["name", "label"],
        true,
    ),
    call(
        "proxy",
        TargetC,
        &[req("listen", Ty::Str), req("upstream", Ty::Str)],
    ),
    call(
        "interface",
        TargetC,
        &[req("name", Ty::Str), p("netns", Ty::Str)],
    ),
    // probes
    exclusive(
        call(
            "http",
            ProbeC,
            &[
                req("url", Ty::Str),
                p("method", METHOD),
                PROBE_EVERY,
                lim(p("rate", Ty::Quantity(Rate)), Limit::Positive),
                PROBE_TIMEOUT,
                p("status", Ty::Status),
                p("body_contains", Ty::Str),
                p("headers", Ty::Map),
                p("body", Ty::Str),
                p("json", Ty::Json),
            ],
        ),
        &["every", "rate"],
        false,
    ),
    call(
        "tcp",
        ProbeC,
        &[req("address", Ty::Str), PROBE_EVERY, PROBE_TIMEOUT],
    ),
    call(
        "exec",
        ProbeC,
        &[req("argv", Ty::StrList), PROBE_EVERY, PROBE_TIMEOUT],
    ),
    call(
        "prometheus",
        ProbeC,
        &[
            req("url", Ty::Str),
            req("query", Ty::Str),
            PROBE_EVERY,
            PROBE_TIMEOUT,
            req("expect", Ty::Str),
        ],
    ),
    // services
    call(
        "spawn",
        ServiceC,
        &[
            req("argv", Ty::StrList),
            p("ready", Ty::Ready),
            p("cwd", Ty::Str),
            p("env", Ty::Map),
            lim(p("ready_timeout", DURATION), Limit::PositiveMs),
        ],
    ),
    // faults
    fault(
        "cpu_stress",
        &[Host, Process, Container],
        &[
            HOST_TARGET,
            WORKERS,
            lim(p("load", PERCENT), Limit::PositivePercent),
        ],
        Sustained,
        false,
    ),
    fault(
        "memory_stress",
        &[Host, Container],
        &[
            HOST_TARGET,
            lim(req("size", SIZE), Limit::Positive),
            lim(p("ramp", DURATION), Limit::NonNegativeMs),
        ],
        Sustained,
        false,
    ),
    fault(
        "disk_stress",
        &[Host, Container],
        &[
            HOST_TARGET,
            WORKERS,
            p("path", Ty::Str),
            lim(p("size", SIZE), Limit::Positive),
            p("sync", Ty::Bool),
        ],
        Sustained,
        false,
    ),
    fault(
        "latency",
        NET,
        &[
            TARGET,
            lim(req("delay", DURATION), Limit::Positive),
            lim(p("jitter", DURATION), Limit::NonNegative),
            p("direction", DIRECTION),
        ],
        Sustained,
        false,
    ),
    fault(
        "packet_loss",
        NET,
        &[
            TARGET,
            lim(req("rate", PERCENT), Limit::Percent),
            p("direction", DIRECTION),
        ],
        Sustained,
        false,
    ),
    fault(
        "bandwidth",
        NET,
        &[
            TARGET,
            lim(req("rate", Ty::Quantity(Bandwidth)), Limit::Positive),
            p("direction", DIRECTION),
        ],
        Sustained,
        false,
    ),
    fault(
        "blackhole",
        NET,
        &[TARGET, p("direction", DIRECTION)],
        Sustained,
        false,
    ),
    fault(
        "reset",
        &[Proxy],
        &[TARGET, lim(p("rate", PERCENT), Limit::Percent)],
        Sustained,
        false,
    ),
    fault(
        "container_kill",
        &[Container],
        &[TARGET, p("signal", SIGNAL)],
        Instant,
        true,
    ),
    fault(
        "container_restart",
        &[Container],
        &[TARGET, lim(p("timeout", DURATION), Limit::NonNegativeMs)],
        Instant,
        true,
    ),
    fault(
        "container_stop",
        &[Container],
        &[TARGET, lim(p("timeout", DURATION), Limit::NonNegativeMs)],
        Sustained,
        true,
    ),
    fault("container_pause", &[Container], &[TARGET], Sustained, false),
    fault(
        "process_kill",
        &[Process],
        &[TARGET, p("signal", SIGNAL), p("restart", Ty::StrList)],
        Instant,
        true,
    ),
    fault("process_pause", &[Process], &[TARGET], Sustained, false),
    fault(
        "exec",
        &[Host],
        &[
            req("run", Ty::StrList),
            p("revert", Ty::StrList),
            lim(p("timeout", DURATION), Limit::PositiveMs),
        ],
        SustainedWith("revert"),
        true,
    ),
];

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
#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    pub name: &'static str,
    /// `None` for counts (integers).
    pub dimension: Option<Dimension>,
    pub takes_percentile: bool,
    /// A latency metric: not produced by probes that measure no latency.
    pub latency: bool,
}

const fn metric(
    name: &'static str,
    dimension: Option<Dimension>,
    takes_percentile: bool,
    latency: bool,
) -> MetricSpec {
    MetricSpec {
        name,
        dimension,
        takes_percentile,
        latency,
    }
}

pub const METRICS: &[MetricSpec] = &[
    metric("availability", Some(Percent), false, false),
    metric("error_rate", Some(Percent), false, false),
    metric("latency", Some(Duration), true, true),
    metric("latency_degradation", Some(Duration), true, true),
    metric("mttr", Some(Duration), false, false),
    metric("recovery_time", Some(Duration), false, false),
    metric("consecutive_failures", None, false, false),
    metric("requests", None, false, false),
];

pub fn metric_spec(name: &str) -> Option<&'static MetricSpec> {
    METRICS.iter().find(|m| m.name == name)
}

/// Probe kinds whose samples have no meaningful latency.
pub const PROBES_WITHOUT_LATENCY: &[&str] = &["prometheus"];

pub const WINDOWS: &[&str] = &["baseline", "chaos", "recovery", "run"];
