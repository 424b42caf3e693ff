//! Assertions and abort conditions: metrics, their arguments, thresholds, windows.

use super::body::Merged;
use super::record::{AbortRecord, AssertionRecord, ConditionRecord};
use super::scope::{Checker, Def};
use super::signatures::{self, CallClass, Kind};
use super::types::Ty;
use crate::diag::{suggest, Code, Span};
use crate::syntax::ast::*;

impl<'a> Checker<'a> {
    /// Checks an assertion; `slo` says whether it counts towards the blocking ones.
    pub(super) fn assertion(
        &mut self,
        assertion: &'a Assertion,
        merged: &mut Merged,
        slo: bool,
    ) -> Option<AssertionRecord> {
        let record = self.checked_assertion(assertion);
        let metric = record.as_ref().map(|r| r.condition.metric);
        if slo && !assertion.warn {
            merged.blocking += 1;
        }
        if metric == Some(signatures::MetricKind::LatencyDegradation) {
            merged
                .degradation
                .push((self.module, assertion.condition.metric.span));
        }
        record
    }

    /// Checks an assertion's condition and window; its record when the metric exists.
    pub(super) fn checked_assertion(
        &mut self,
        assertion: &'a Assertion,
    ) -> Option<AssertionRecord> {
        let condition = self.condition(&assertion.condition);
        if let Some(window) = &assertion.window {
            self.window(window);
        }
        Some(AssertionRecord {
            condition: condition?,
            window: assertion
                .window
                .as_ref()
                .and_then(|w| signatures::WindowKind::from_name(&w.name)),
            warn: assertion.warn,
            module: self.module,
            span: assertion.span,
        })
    }

    pub fn abort(&mut self, abort: &'a Abort) -> Option<AbortRecord> {
        let condition = self.condition(&abort.condition);
        let over = match &abort.over {
            Some(over) => Some(self.duration(over, "over", false)?),
            None => None,
        };
        Some(AbortRecord {
            condition: condition?,
            over,
            module: self.module,
            span: abort.span,
        })
    }

    /// Checks `METRIC[(PROBE[, pNN])] OP VALUE`; its values when the metric exists.
    pub fn condition(&mut self, condition: &'a Condition) -> Option<ConditionRecord> {
        let name = &condition.metric;
        let Some(spec) = signatures::metric_spec(&name.name) else {
            let (label, help) = if super::scope::reads_as_percentile(&name.name) {
                // `p95(api)`: a percentile written as if it were the metric.
                let probe = match condition.args.as_deref() {
                    Some([first, ..]) => super::expr::expr_text(first),
                    _ => "PROBE".to_string(),
                };
                (
                    "a percentile, not a metric",
                    format!(
                        "a percentile is an argument of `latency`: write `latency({probe}, {})`",
                        name.name
                    ),
                )
            } else {
                let help =
                    suggest::did_you_mean(&name.name, signatures::METRICS.iter().map(|m| m.name))
                        .unwrap_or_else(|| {
                            let names: Vec<&str> =
                                signatures::METRICS.iter().map(|m| m.name).collect();
                            format!("the metrics are {}", super::types::one_of(&names))
                        });
                ("not a metric", help)
            };
            let d = self
                .error(
                    Code::UnknownMetric,
                    name.span,
                    format!("unknown metric `{}`", name.name),
                )
                .with_label(label)
                .with_help(help);
            self.emit(d);
            self.infer(&condition.value);
            return None;
        };
        let (probe, percentile) = match &condition.args {
            Some(args) => self.metric_args(spec, args, name.span),
            None => (None, None),
        };
        let expected = match spec.dimension {
            Some(dimension) => Ty::Quantity(dimension),
            None => Ty::Int,
        };
        let value = self.expect(&condition.value, expected, spec.name);
        if let Some(n) = value.number() {
            let bad = match spec.dimension {
                Some(Dimension::Percent) => !(0.0..=100.0).contains(&n),
                _ => n < 0.0,
            };
            if bad {
                let allowed = if spec.dimension == Some(Dimension::Percent) {
                    "a percentage from 0% to 100%"
                } else {
                    "zero or more"
                };
                self.out_of_range(
                    condition.value.span,
                    spec.name,
                    &super::expr::expr_text(&condition.value),
                    allowed,
                );
            }
        }
        Some(ConditionRecord {
            metric: spec.kind,
            probe,
            percentile,
            op: condition.op,
            threshold: value,
        })
    }

    /// Whether a percentile as written (`p0`) is also a name defined in scope.
    fn names_a_definition(&mut self, expr: &Expr) -> bool {
        let name = Ident {
            name: super::expr::expr_text(expr),
            span: expr.span,
        };
        let path = Path {
            namespace: None,
            name,
            span: expr.span,
        };
        self.lookup(&path).is_some()
    }

    pub(super) fn metric_args(
        &mut self,
        spec: &'static signatures::MetricSpec,
        args: &'a [Expr],
        metric_span: Span,
    ) -> (Option<(String, String)>, Option<f64>) {
        let mut probe = None;
        let mut percentile = None;
        let usage = if spec.takes_percentile {
            format!("`{}(PROBE)` or `{}(PROBE, p95)`", spec.name, spec.name)
        } else {
            format!("`{}` or `{}(PROBE)`", spec.name, spec.name)
        };
        if args.is_empty() {
            let d = self
                .error(
                    Code::BadMetricArguments,
                    metric_span,
                    format!("`{}()` names no probe", spec.name),
                )
                .with_help(format!("write {usage}"));
            self.emit(d);
            return (None, None);
        }
        let first = &args[0];
        match &first.kind {
            ExprKind::Path(path) => match self.lookup(path) {
                None => self.unknown_name(
                    path,
                    "probe",
                    |r| matches!(r.def(), Some(Def::Decl(d)) if d.kind == DeclKind::Probe),
                ),
                Some(resolved) => match resolved.def() {
                    Some(Def::Decl(d)) if d.kind == DeclKind::Probe => {
                        probe = Some((path.display(), Self::decl_key(d)));
                        let kind = d.call.callee.name.name.as_str();
                        let measures_latency = signatures::lookup(CallClass::Probe, kind)
                            .is_none_or(|probe| match probe.kind {
                                Kind::Probe(probe) => probe.measures_latency(),
                                _ => true,
                            });
                        if spec.latency && !measures_latency {
                            let d = self
                                .error(
                                    Code::MetricNotProduced,
                                    first.span,
                                    format!("a `{kind}` probe does not measure latency, so it has no `{}`", spec.name),
                                )
                                .with_label(format!("`{}` is a `{kind}` probe", path.display()))
                                .with_help("assert latency on an `http`, `tcp` or `exec` probe");
                            self.emit(d);
                        }
                    }
                    _ => {
                        let d = self
                            .error(
                                Code::BadMetricArguments,
                                path.span,
                                format!("`{}` is {}, not a probe", path.display(), resolved.noun()),
                            )
                            .with_help(format!("metrics are measured by probes: write {usage}"));
                        self.emit(d);
                    }
                },
            },
            // A probe named like this percentile is refused where it is declared (E0209).
            ExprKind::Percentile(_) if self.names_a_definition(first) => {}
            _ => {
                let d = self
                    .error(
                        Code::BadMetricArguments,
                        first.span,
                        format!("the first argument of `{}` must be a probe", spec.name),
                    )
                    .with_label("not a probe name")
                    .with_help(format!("write {usage}"));
                self.emit(d);
            }
        }
        if let Some(second) = args.get(1) {
            match (&second.kind, spec.takes_percentile) {
                (ExprKind::Percentile(p), true) => percentile = Some(*p),
                (_, true) => {
                    let d = self
                        .error(
                            Code::BadMetricArguments,
                            second.span,
                            format!(
                                "the second argument of `{}` must be a percentile",
                                spec.name
                            ),
                        )
                        .with_label("not a percentile")
                        .with_help(format!("write {usage}"));
                    self.emit(d);
                }
                (_, false) => {
                    let d = self
                        .error(
                            Code::BadMetricArguments,
                            second.span,
                            format!("`{}` takes no percentile", spec.name),
                        )
                        .with_label("not allowed here")
                        .with_help(format!("write {usage}"));
                    self.emit(d);
                }
            }
        }
        for extra in args.iter().skip(2) {
            let d = self
                .error(
                    Code::BadMetricArguments,
                    extra.span,
                    format!("`{}` takes at most two arguments", spec.name),
                )
                .with_help(format!("write {usage}"));
            self.emit(d);
        }
        (probe, percentile)
    }
}
