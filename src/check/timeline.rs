//! Timelines: step offsets, fault calls, targets, durations and overlaps.

use super::body::{human_duration, StepInfo};
use super::expr::CallSite;
use super::scope::{Checker, Def};
use super::signatures::{self, CallClass, CallSpec, FaultKind, Kind, Sustain};
use super::types::{TargetKind, Ty, Val};
use crate::diag::{suggest, Code, Span};
use crate::syntax::ast::*;

/// The longest duration the language accepts, and the latest a step may end: 30 days.
pub const MAX_DURATION_NS: f64 = 30.0 * 24.0 * 3600e9;

/// Whether `ns` is a whole number of milliseconds (what a plan carries).
pub fn whole_ms(ns: f64) -> bool {
    let ms = ns / 1e6;
    (ms - ms.round()).abs() < 1e-6
}

impl<'a> Checker<'a> {
    /// A duration in nanoseconds, when known. The plan carries it in whole milliseconds,
    /// so it must be one (at least `1ms` unless `allow_zero`); it is at most
    /// [`MAX_DURATION_NS`] like every duration.
    pub fn duration(&mut self, expr: &'a Expr, what: &str, allow_zero: bool) -> Option<f64> {
        let value = self.expect(expr, Ty::Quantity(Dimension::Duration), what);
        let n = value.number()?;
        if n < 0.0 || (!allow_zero && n == 0.0) || !whole_ms(n) {
            let allowed = if allow_zero {
                "zero or more, in whole milliseconds"
            } else {
                "a duration of at least 1ms, in whole milliseconds"
            };
            self.out_of_range(expr.span, what, &super::expr::expr_text(expr), allowed);
            return None;
        }
        Some(n)
    }

    pub(super) fn timeline(&mut self, steps: &'a [Step]) -> Vec<StepInfo> {
        let mut out: Vec<StepInfo> = Vec::new();
        let mut previous_end: Option<f64> = Some(0.0);
        for step in steps {
            let start = match &step.start {
                StepStart::At(offset) => self.duration(offset, "at", true),
                StepStart::Then(gap) => {
                    let gap = match gap {
                        Some(gap) => self.duration(gap, "after", true),
                        None => Some(0.0),
                    };
                    previous_end.zip(gap).map(|(a, b)| a + b)
                }
            };
            let mut info = self.step(step, start);
            let end = info.start.zip(info.length).map(|(s, l)| s + l);
            // Offsets add up (`then after …`): each is bounded, and so is where it ends.
            if end.is_some_and(|end| end > MAX_DURATION_NS) {
                let written = step
                    .duration
                    .as_ref()
                    .map_or(step.fault.span().end, |d| d.span.end);
                let d = self
                    .error(
                        Code::OutOfRange,
                        crate::diag::Span::new(step.span.start, written),
                        format!(
                            "this step ends at {}, past the 30-day limit of a timeline",
                            human_duration(end.unwrap_or_default())
                        ),
                    )
                    .with_label("ends too late")
                    .with_help("a timeline lasts at most 30 days (`720h`)");
                self.emit(d);
                info.start = None;
            }
            previous_end = info.start.zip(info.length).map(|(s, l)| s + l);
            out.push(info);
        }
        // Two faults of one kind on one target at the same time cannot both be applied.
        for later in 0..out.len() {
            for earlier in 0..later {
                let (a, b) = (&out[earlier], &out[later]);
                if a.kind != b.kind || a.target.is_none() || a.target != b.target {
                    continue;
                }
                let (Some(kind), Some(a_start), Some(a_len), Some(b_start), Some(b_len)) = (
                    b.kind.map(FaultKind::name),
                    a.start,
                    a.length,
                    b.start,
                    b.length,
                ) else {
                    continue;
                };
                if a_start < b_start + b_len.max(1.0) && b_start < a_start + a_len.max(1.0) {
                    let d = self
                        .error(
                            Code::OverlappingFaults,
                            b.span,
                            format!("this `{kind}` overlaps another `{kind}` on the same target"),
                        )
                        .with_label(format!("from {} to {}", human_duration(b_start), human_duration(b_start + b_len)))
                        .with_secondary(
                            a.span,
                            format!("already active from {} to {}", human_duration(a_start), human_duration(a_start + a_len)),
                        )
                        .with_help("start the second one after the first ends (`then`), or combine them into one step");
                    self.emit(d);
                    break;
                }
            }
        }
        out
    }

    /// What Chaos Mesh needs of a fault's arguments on pods: paths written out (E0505),
    /// and traffic shaped on what the pods send (E0502 for `downstream`).
    fn check_on_pods(&mut self, bound: &super::expr::BoundCall) {
        let Kind::Fault(fault) = bound.spec.kind else {
            return;
        };
        match fault {
            FaultKind::IoLatency => self.check_cluster_literals(bound, &["volume_path", "path"]),
            FaultKind::DiskStress => self.check_cluster_literals(bound, &["path"]),
            FaultKind::Latency | FaultKind::PacketLoss | FaultKind::Bandwidth => {
                if let Some((Val::Word(direction), span)) = bound.args.get("direction") {
                    if direction == "downstream" {
                        let d = self
                            .error(
                                Code::NoChaosMeshEquivalent,
                                *span,
                                format!("`{}` with `direction: downstream` cannot act on a pods target: chaos mesh shapes only what the pods send", bound.spec.name),
                            )
                            .with_label("only the traffic the pods receive")
                            .with_help("use `direction: upstream` (what the pods send) or `both`")
                            .with_note("pods targets are exported to chaos mesh (`chaosc export chaos-mesh`), which has no such chaos");
                        self.emit(d);
                    }
                }
            }
            _ => {}
        }
    }

    /// E0501: the fault does not act on this kind of target.
    fn unsupported_target(&mut self, spec: &CallSpec, kind: TargetKind, span: Span) {
        let accepted = spec
            .targets
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ");
        let d = self
            .error(
                Code::UnsupportedTarget,
                span,
                format!("`{}` cannot act on a {} target", spec.name, kind.name()),
            )
            .with_label(format!("a {} target", kind.name()))
            .with_help(format!("`{}` acts on: {accepted}", spec.name));
        self.emit(d);
    }

    /// E0502 and E0503, the mismatches between pods and the other targets: a fault
    /// Chaos Mesh cannot do on pods, or a pod fault on a host's target. Whether it
    /// reported one.
    fn pods_mismatch(&mut self, spec: &CallSpec, kind: TargetKind, span: Span) -> bool {
        let Kind::Fault(fault) = spec.kind else {
            return false;
        };
        if kind == TargetKind::Pods {
            let Some((reason, instead)) = fault.on_pods_instead() else {
                return false;
            };
            let d = self
                .error(
                    Code::NoChaosMeshEquivalent,
                    span,
                    format!("`{}` cannot act on a pods target: {reason}", spec.name),
                )
                .with_label("a pods target")
                .with_help(instead)
                .with_note("pods targets are exported to chaos mesh (`chaosc export chaos-mesh`), which has no such chaos");
            self.emit(d);
            return true;
        }
        if spec.targets != [TargetKind::Pods] {
            return false;
        }
        let d = self
            .error(
                Code::PodOnlyFault,
                span,
                format!(
                    "`{}` acts only on pods targets, not on a {} target",
                    spec.name,
                    kind.name()
                ),
            )
            .with_label(format!("a {} target", kind.name()))
            .with_help(format!(
                "select Kubernetes pods with `pods(namespace: \"NS\", labels: {{\"app\": \"NAME\"}}, mode: \"all\")`{}",
                match kind {
                    TargetKind::Container => ", or use `container_kill`, `container_stop` or `container_pause` on the container",
                    TargetKind::Process => ", or use `process_kill` or `process_pause` on the process",
                    _ => "",
                }
            ));
        self.emit(d);
        true
    }

    pub(super) fn step(&mut self, step: &'a Step, start: Option<f64>) -> StepInfo {
        let mut info = StepInfo {
            kind: None,
            alias: step.alias.as_ref().map(|a| a.name.clone()),
            args: std::collections::HashMap::new(),
            target_value: Val::Error,
            sustained: false,
            target: None,
            start,
            length: None,
            destructive: false,
            span: step.fault.span(),
            module: self.module,
        };
        let bound = self.fault_use(&step.fault);
        let duration = step
            .duration
            .as_ref()
            .and_then(|d| self.duration(d, "for", false));
        let Some(bound) = bound else {
            info.length = duration.or(Some(0.0));
            return info;
        };
        let spec = bound.spec;
        info.kind = match spec.kind {
            Kind::Fault(kind) => Some(kind),
            _ => None,
        };
        info.destructive = spec.destructive;
        let target = bound.target();
        if matches!(
            &target,
            Val::Target {
                kind: TargetKind::Pods,
                ..
            }
        ) {
            self.check_on_pods(&bound);
        }
        info.args = bound.values();
        info.target_value = target.clone();
        if let Val::Target { kind, key } = &target {
            info.target = Some(key.clone());
            // A missing required target is already reported; the host stand-in is no finding.
            let missing = !bound.has("target") && !spec.targets.contains(&TargetKind::Host);
            if !spec.targets.contains(kind) && !missing {
                let span = bound
                    .args
                    .get("target")
                    .map_or(step.fault.span(), |(_, s)| *s);
                if !self.pods_mismatch(spec, *kind, span) {
                    self.unsupported_target(spec, *kind, span);
                }
            } else if *kind == TargetKind::Pods
                && spec.kind == Kind::Fault(FaultKind::ContainerKill)
            {
                let names_container = self
                    .targets
                    .get(key)
                    .is_some_and(|record| record.args.contains_key("container"));
                if !names_container {
                    let span = bound
                        .args
                        .get("target")
                        .map_or(step.fault.span(), |(_, s)| *s);
                    let d = self
                        .error(
                            Code::ContainerKillWithoutContainer,
                            span,
                            "`container_kill` on a pods target that names no container",
                        )
                        .with_label("which container of the pods?")
                        .with_help("add `container: \"NAME\"` to the `pods(…)` target, or use `pod_kill` to delete the whole pods")
                        .with_note("chaos mesh's container-kill kills the containers it is given by name");
                    self.emit(d);
                }
            }
        }
        let sustained = match spec.sustain {
            Sustain::Sustained => true,
            Sustain::Instant => false,
            Sustain::SustainedWith(arg) => bound.has(arg),
        };
        match (&step.duration, sustained) {
            (None, true) => {
                let d = self
                    .error(
                        Code::MissingDuration,
                        step.fault.span(),
                        format!("`{}` is sustained and needs a duration", spec.name),
                    )
                    .with_label("applied until when?")
                    .with_help("add `for DURATION` after the fault, e.g. `for 30s`");
                self.emit(d);
            }
            (Some(expr), false) => {
                let help = match spec.name {
                    "container_kill" | "container_restart" => "remove `for …`; to keep a container down for a while use `container_stop(…) for …`",
                    "exec" => "remove `for …`, or give `revert: [...]` to make it sustained",
                    _ => "remove `for …`: instant actions happen once",
                };
                let d = self
                    .error(
                        Code::UnexpectedDuration,
                        expr.span,
                        format!("`{}` is an instant action and takes no duration", spec.name),
                    )
                    .with_label("not allowed here")
                    .with_help(help);
                self.emit(d);
            }
            _ => {}
        }
        info.sustained = sustained;
        info.length = if sustained { duration } else { Some(0.0) };
        info
    }

    /// A timeline step's fault: a call to a fault kind or to a preset, or a bare preset name.
    pub(super) fn fault_use(&mut self, fault: &'a FaultUse) -> Option<super::expr::BoundCall> {
        let (path, site) = match fault {
            FaultUse::Call(call) => (
                &call.callee,
                CallSite {
                    args: &call.args,
                    span: call.span,
                },
            ),
            FaultUse::Name(path) => (
                path,
                CallSite {
                    args: &[],
                    span: path.span,
                },
            ),
        };
        if let Some(resolved) = self.lookup(path) {
            if let Some(Def::Decl(decl)) = resolved.def() {
                if decl.kind == DeclKind::Fault {
                    let spec = signatures::lookup(CallClass::Fault, &decl.call.callee.name.name)?;
                    return self.check_call_with(site, spec, false, Some(decl));
                }
            }
            if path.namespace.is_some()
                || signatures::lookup(CallClass::Fault, &path.name.name).is_none()
            {
                let d = self
                    .error(Code::WrongKindOfName, path.span, format!("`{}` is {}, not a fault", path.display(), resolved.noun()))
                    .with_help("a timeline step is a fault kind such as `cpu_stress(…)` or a `fault` preset");
                self.emit(d);
                return None;
            }
        }
        match (path.namespace.is_none())
            .then(|| signatures::lookup(CallClass::Fault, &path.name.name))
            .flatten()
        {
            Some(spec) => self.check_call_with(site, spec, false, None),
            None => {
                let presets = self.visible_names(
                    |r| matches!(r.def(), Some(Def::Decl(d)) if d.kind == DeclKind::Fault),
                );
                let shown = path.display();
                // Closer to a preset than to any fault kind: it is a misspelt preset.
                let near_preset = suggest::closest(&shown, presets.iter().map(String::as_str))
                    .filter(|_| suggest::closest(&shown, signatures::fault_kinds()).is_none());
                match near_preset {
                    Some(preset) => {
                        let d = self
                            .error(
                                Code::UnknownName,
                                path.span,
                                format!("unknown fault preset `{shown}`"),
                            )
                            .with_label("no fault preset or fault kind with this name")
                            .with_help(format!("did you mean `{preset}`?"));
                        self.emit(d);
                    }
                    None => self.unknown_kind(path, CallClass::Fault),
                }
                for arg in site.args {
                    self.infer(&arg.value);
                }
                None
            }
        }
    }
}
