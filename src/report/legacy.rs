//! The files the legacy tool wrote, for the dashboards and scripts that still read
//! them (`chaosc run --compat legacy`, `chaosc report DIR --format legacy`):
//! `chaos_results.json`, `resilience_validation.json` and `chaos_metrics.prom`, with the
//! legacy keys, metric names and types, and the values this run measured.
//! `docs/legacy.md` says where each value comes from.
//!
//! The legacy tool judged one service over the whole run; a run here has scenarios and
//! probes. Counts are summed over every probe of every scenario that ran, times and
//! latencies are the worst probe's, so a single-probe, single-scenario run (what every
//! imported configuration has per scenario) reads exactly as before.

use std::fmt::Write as _;

use serde::Serialize;

use super::format as f;
use super::results::{
    AssertionResult, AssertionStatus, Measured, PhaseFigures, ProbeResult, RunResults,
    ScenarioResult, Verdict,
};
use crate::plan::{CompareOp, Metric, Schedule, Severity};

pub const RESULTS_FILE: &str = "chaos_results.json";
pub const VALIDATION_FILE: &str = "resilience_validation.json";
pub const METRICS_FILE: &str = "chaos_metrics.prom";

/// `chaos_results.json`.
#[derive(Debug, Serialize)]
pub struct ChaosResults {
    pub timestamp: String,
    pub target_url: Option<String>,
    pub total_scenarios: usize,
    pub successful: usize,
    pub failed: usize,
    pub results: Vec<ScenarioEntry>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioEntry {
    pub scenario_name: String,
    pub scenario_type: String,
    pub intensity: Option<String>,
    /// Seconds of chaos planned.
    pub duration: serde_json::Value,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub elapsed_time: Option<f64>,
    pub success: bool,
    pub error_message: Option<String>,
    pub metrics: ScenarioMetrics,
}

#[derive(Debug, Serialize)]
pub struct ScenarioMetrics {
    pub service_available: bool,
}

/// `resilience_validation.json`.
#[derive(Debug, Serialize)]
pub struct Validation {
    pub passed: bool,
    pub timestamp: String,
    pub slo_targets: SloTargets,
    pub metrics: ValidationMetrics,
    pub violations: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SloTargets {
    pub mttr_seconds: Option<f64>,
    pub max_error_rate_percent: Option<f64>,
    pub min_availability_percent: Option<f64>,
    pub max_latency_degradation_ms: Option<f64>,
    pub max_recovery_time_seconds: Option<f64>,
    pub required_health_checks: Option<u32>,
    pub health_check_interval_seconds: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct ValidationMetrics {
    pub mttr: Option<f64>,
    pub recovery_time: Option<f64>,
    pub total_requests: u64,
    pub failed_requests: u64,
    pub error_rate_percent: Option<f64>,
    pub uptime_seconds: f64,
    pub downtime_seconds: f64,
    pub availability_percent: Option<f64>,
    pub baseline_latency_ms: Option<f64>,
    pub chaos_latency_ms: Option<f64>,
    pub post_chaos_latency_ms: Option<f64>,
    pub latency_degradation_ms: Option<f64>,
    pub health_check_failures: u64,
    pub consecutive_successes: u32,
    pub first_success_after_chaos: Option<f64>,
}

/// The scenarios that ran (a skipped one did not, and the legacy files had none).
fn ran(r: &RunResults) -> impl Iterator<Item = &ScenarioResult> {
    r.scenarios.iter().filter(|s| s.verdict != Verdict::Skipped)
}

fn succeeded(s: &ScenarioResult) -> bool {
    matches!(s.verdict, Verdict::Passed | Verdict::PassedWithWarnings)
}

/// `2026-11-26T20:00:01.500000`: the legacy tool's ISO 8601 without a zone (UTC here).
fn legacy_time(rfc3339: &str) -> Option<String> {
    let time = humantime::parse_rfc3339_weak(rfc3339).ok()?;
    Some(legacy_system_time(time))
}

fn legacy_system_time(time: std::time::SystemTime) -> String {
    humantime::format_rfc3339_micros(time)
        .to_string()
        .trim_end_matches('Z')
        .to_string()
}

/// Whole seconds as an integer (as the legacy file wrote them), else a fraction.
fn seconds_value(ms: u64) -> serde_json::Value {
    if ms % 1000 == 0 {
        (ms / 1000).into()
    } else {
        (ms as f64 / 1000.0).into()
    }
}

/// The legacy scenario types, by the fault kind that replaced them.
const LEGACY_TYPES: [(&str, &str); 7] = [
    ("cpu_exhaust", "cpu_stress"),
    ("memory_leak", "memory_stress"),
    ("network_delay", "latency"),
    ("network_loss", "packet_loss"),
    ("disk_stress", "disk_stress"),
    ("container_crash", "container_restart"),
    ("database_down", "container_stop"),
];

/// The legacy type: a tag naming one (the importer tags each scenario with it), else
/// the type of its first step's fault kind, else that kind; `health_check` without steps.
fn scenario_type(s: &ScenarioResult, tags: &[String]) -> String {
    if let Some(tag) = tags
        .iter()
        .find(|t| LEGACY_TYPES.iter().any(|(legacy, _)| legacy == t))
    {
        return tag.clone();
    }
    match s.steps.first() {
        Some(step) => LEGACY_TYPES
            .iter()
            .find(|(_, kind)| *kind == step.kind)
            .map_or(step.kind.clone(), |(legacy, _)| legacy.to_string()),
        None => "health_check".to_string(),
    }
}

/// `light`, `medium` or `heavy`, when the scenario has that tag.
fn intensity(tags: &[String]) -> Option<String> {
    tags.iter()
        .find(|t| matches!(t.as_str(), "light" | "medium" | "heavy"))
        .cloned()
}

/// Every probe answered successfully in the last second of the scenario it sampled.
fn service_available(s: &ScenarioResult) -> bool {
    !s.probes.is_empty()
        && s.probes.iter().all(|p| {
            p.timeline
                .iter()
                .rev()
                .find(|b| b.samples > 0)
                .is_some_and(|b| b.failures < b.samples)
        })
}

pub fn chaos_results(r: &RunResults) -> ChaosResults {
    let plan_scenario = |name: &str| r.plan.scenarios.iter().find(|p| p.name == name);
    let results: Vec<ScenarioEntry> = ran(r)
        .map(|s| {
            let planned = plan_scenario(&s.name);
            let tags = planned.map(|p| p.tags.as_slice()).unwrap_or_default();
            let elapsed_ms = f::scenario_duration_ms(s);
            let start = s
                .started_at
                .as_deref()
                .and_then(|t| humantime::parse_rfc3339_weak(t).ok());
            let end = start.zip(elapsed_ms).map(|(start, ms)| {
                legacy_system_time(start + std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0))
            });
            ScenarioEntry {
                scenario_name: s.name.clone(),
                scenario_type: scenario_type(s, tags),
                intensity: intensity(tags),
                duration: seconds_value(planned.map_or(0, |p| p.chaos_ms)),
                start_time: start.map(legacy_system_time),
                end_time: end,
                elapsed_time: elapsed_ms.map(|ms| ms / 1000.0),
                success: succeeded(s),
                error_message: (!succeeded(s)).then(|| {
                    let reason = s.reason.as_deref().unwrap_or("");
                    format!("{}: {reason}", s.verdict.as_str())
                }),
                metrics: ScenarioMetrics {
                    service_available: service_available(s),
                },
            }
        })
        .collect();
    let successful = results.iter().filter(|e| e.success).count();
    ChaosResults {
        timestamp: legacy_time(&r.finished_at).unwrap_or_else(|| r.finished_at.clone()),
        target_url: first_http_url(r),
        total_scenarios: results.len(),
        successful,
        failed: results.len() - successful,
        results,
    }
}

/// The URL of the first `http` probe of the plan, when it is written out (one read
/// from the environment is not copied into a file).
fn first_http_url(r: &RunResults) -> Option<String> {
    r.plan
        .scenarios
        .iter()
        .flat_map(|s| &s.probes)
        .find_map(|p| match &p.check {
            crate::plan::ProbeCheck::Http {
                url: crate::plan::Text::Literal(url),
                ..
            } => Some(url.clone()),
            _ => None,
        })
}

/// The threshold of the first blocking assertion (steady state aside) on `metric`
/// whose operator bounds it from `above` (`<=`, `<`) or below, in the run's order.
fn target(r: &RunResults, metric: Metric, above: bool) -> Option<f64> {
    ran(r)
        .flat_map(|s| &s.assertions)
        .filter(|a| a.severity == Severity::Blocking && a.metric == metric)
        .find(|a| match a.op {
            CompareOp::Le | CompareOp::Lt => above,
            CompareOp::Ge | CompareOp::Gt => !above,
            _ => false,
        })
        .and_then(|a| value(&a.threshold))
}

fn value(m: &Measured) -> Option<f64> {
    match *m {
        Measured::Percent(v) | Measured::Ms(v) => Some(v),
        Measured::Count(n) => Some(n as f64),
        Measured::Unbounded => None,
    }
}

fn slo_targets(r: &RunResults) -> SloTargets {
    let first = ran(r).find_map(|s| r.plan.scenarios.iter().find(|p| p.name == s.name));
    let interval = first
        .and_then(|p| p.probes.first())
        .map(|probe| match probe.schedule {
            Schedule::EveryMs(ms) => ms as f64 / 1000.0,
            Schedule::RatePerSecond(rate) => 1.0 / rate,
        });
    let secs = |ms: Option<f64>| ms.map(|ms| ms / 1000.0);
    SloTargets {
        mttr_seconds: secs(target(r, Metric::Mttr, true)),
        max_error_rate_percent: target(r, Metric::ErrorRate, true),
        min_availability_percent: target(r, Metric::Availability, false),
        max_latency_degradation_ms: target(r, Metric::LatencyDegradation, true),
        max_recovery_time_seconds: secs(target(r, Metric::RecoveryTime, true)),
        required_health_checks: first.map(|p| p.recovery.checks),
        health_check_interval_seconds: interval,
    }
}

/// The largest of `values`, or `None` when one is `None` (a probe that never
/// recovered) or there are none.
fn worst(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let mut worst: Option<f64> = None;
    for v in values {
        let v = v?;
        worst = Some(worst.map_or(v, |w| w.max(v)));
    }
    worst
}

/// The largest median latency over one phase of every probe that has it.
fn phase_p50(
    probes: &[&ProbeResult],
    phase: fn(&ProbeResult) -> Option<&PhaseFigures>,
) -> Option<f64> {
    probes
        .iter()
        .filter_map(|p| phase(p)?.latency_ms.map(|l| l.p50))
        .reduce(f64::max)
}

/// The failed samples of a phase (its error rate is their exact share).
fn failures(phase: &PhaseFigures) -> u64 {
    let rate = phase.error_rate_percent.unwrap_or(0.0);
    (phase.samples as f64 * rate / 100.0).round() as u64
}

fn validation_metrics(r: &RunResults) -> ValidationMetrics {
    let probes: Vec<&ProbeResult> = ran(r).flat_map(|s| &s.probes).collect();
    // Requests and errors during the chaos phase, as the legacy metrics' help says.
    let chaos_phases: Vec<&PhaseFigures> = probes
        .iter()
        .filter_map(|p| p.figures.chaos.as_ref())
        .collect();
    let total: u64 = chaos_phases.iter().map(|phase| phase.samples).sum();
    let failed: u64 = chaos_phases.iter().map(|phase| failures(phase)).sum();
    let error_rate = (total > 0).then(|| failed as f64 * 100.0 / total as f64);
    let downtime_ms: f64 = probes.iter().map(|p| p.figures.downtime_ms).sum();
    let observed_ms: f64 = probes
        .iter()
        .map(|p| p.figures.run.end_ms - p.figures.run.start_ms)
        .sum();
    let baseline = phase_p50(&probes, |p| p.figures.baseline.as_ref());
    let chaos = phase_p50(&probes, |p| p.figures.chaos.as_ref());
    let recovery_failures: u64 = probes
        .iter()
        .filter_map(|p| p.figures.recovery.as_ref())
        .map(failures)
        .sum();
    let recovered =
        !probes.is_empty() && probes.iter().all(|p| p.figures.recovery_time_ms.is_some());
    let checks = ran(r)
        .filter_map(|s| r.plan.scenarios.iter().find(|p| p.name == s.name))
        .map(|p| p.recovery.checks)
        .min()
        .unwrap_or(0);
    let secs = |ms: Option<f64>| ms.map(|ms| ms / 1000.0);
    let nonempty = |v: Option<f64>| v.filter(|_| !probes.is_empty());
    ValidationMetrics {
        mttr: secs(nonempty(worst(probes.iter().map(|p| p.figures.mttr_ms)))),
        recovery_time: secs(nonempty(worst(
            probes.iter().map(|p| p.figures.recovery_time_ms),
        ))),
        total_requests: total,
        failed_requests: failed,
        error_rate_percent: error_rate,
        uptime_seconds: ((observed_ms - downtime_ms) / 1000.0).max(0.0),
        downtime_seconds: downtime_ms / 1000.0,
        availability_percent: error_rate.map(|e| 100.0 - e),
        baseline_latency_ms: baseline,
        chaos_latency_ms: chaos,
        post_chaos_latency_ms: phase_p50(&probes, |p| p.figures.recovery.as_ref()),
        latency_degradation_ms: chaos.zip(baseline).map(|(c, b)| c - b),
        health_check_failures: recovery_failures,
        consecutive_successes: if recovered { checks } else { 0 },
        first_success_after_chaos: secs(
            probes
                .iter()
                .filter_map(|p| p.figures.recovery_time_ms)
                .reduce(f64::min),
        ),
    }
}

/// Each blocking assertion that did not pass, and each scenario that did not pass for
/// another reason (not steady, aborted, an error, interrupted, or failed without a
/// failed assertion to show it), in words: a run passes only without any.
fn violations(r: &RunResults) -> Vec<String> {
    let mut out = Vec::new();
    for s in ran(r) {
        let before = out.len();
        for (name, a) in f::named_assertions(s) {
            if a.severity == Severity::Blocking && a.status != AssertionStatus::Passed {
                out.push(format!("{}: {}", s.name, violation(&name, a)));
            }
        }
        if !succeeded(s) && (s.verdict != Verdict::Failed || out.len() == before) {
            let reason = s.reason.as_deref().unwrap_or("");
            out.push(format!("{}: {}: {reason}", s.name, s.verdict.as_str()));
        }
    }
    out
}

fn violation(name: &str, a: &AssertionResult) -> String {
    match &a.measured {
        Some(m) if a.status == AssertionStatus::Failed => format!(
            "{name}: measured {}, expected {}",
            f::measured(m),
            f::threshold(a)
        ),
        _ => format!("{name}: no samples in its window (inconclusive)"),
    }
}

pub fn validation(r: &RunResults) -> Validation {
    let violations = violations(r);
    Validation {
        passed: violations.is_empty(),
        timestamp: legacy_time(&r.finished_at).unwrap_or_else(|| r.finished_at.clone()),
        slo_targets: slo_targets(r),
        metrics: validation_metrics(r),
        violations,
    }
}

pub fn render_results_json(r: &RunResults) -> std::io::Result<String> {
    pretty(&chaos_results(r))
}

pub fn render_validation_json(r: &RunResults) -> std::io::Result<String> {
    pretty(&validation(r))
}

fn pretty(value: &impl Serialize) -> std::io::Result<String> {
    serde_json::to_string_pretty(value)
        .map(|json| json + "\n")
        .map_err(std::io::Error::other)
}

/// `Light CPU Stress` → `light_cpu_stress`, the legacy `scenario` label.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// A label value in the exposition format: `\`, `"` and line feeds escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value: Rust's shortest round-trip form, which the format accepts.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// A metric family: name, help, type, and its samples as labels and value.
type Family<'a> = (&'a str, &'a str, &'a str, Vec<(String, f64)>);

/// `chaos_metrics.prom`: the legacy metrics, names, help and types as the legacy tool
/// wrote them; a value that was not measured (`null` in the JSON files) has its help
/// and type but no sample.
pub fn render_metrics(r: &RunResults) -> String {
    let results = chaos_results(r);
    let check = validation(r);
    let m = &check.metrics;
    let t = &check.slo_targets;
    let mut out = String::new();
    let one = |v: Option<f64>| {
        v.map(|v| (String::new(), v))
            .into_iter()
            .collect::<Vec<_>>()
    };
    let per_scenario = |value: &dyn Fn(&ScenarioEntry) -> Option<f64>| {
        results
            .results
            .iter()
            .filter_map(|e| {
                let labels = format!(
                    "{{scenario=\"{}\",type=\"{}\",intensity=\"{}\"}}",
                    label(&snake_case(&e.scenario_name)),
                    label(&e.scenario_type),
                    label(e.intensity.as_deref().unwrap_or(""))
                );
                value(e).map(|v| (labels, v))
            })
            .collect::<Vec<_>>()
    };
    let families: [Family; 18] = [
        (
            "chaos_scenarios_total",
            "Total number of chaos scenarios executed",
            "counter",
            one(Some(results.total_scenarios as f64)),
        ),
        (
            "chaos_scenarios_successful",
            "Number of successful chaos scenarios",
            "counter",
            one(Some(results.successful as f64)),
        ),
        (
            "chaos_scenarios_failed",
            "Number of failed chaos scenarios",
            "counter",
            one(Some(results.failed as f64)),
        ),
        (
            "chaos_scenario_duration_seconds",
            "Duration of chaos scenario execution",
            "gauge",
            per_scenario(&|e| e.elapsed_time),
        ),
        (
            "chaos_scenario_success",
            "Success status of chaos scenario (1=success, 0=failure)",
            "gauge",
            per_scenario(&|e| Some(if e.success { 1.0 } else { 0.0 })),
        ),
        (
            "chaos_error_rate_percent",
            "Error rate during chaos as percentage",
            "gauge",
            one(m.error_rate_percent),
        ),
        (
            "chaos_error_rate_target_percent",
            "Target error rate threshold",
            "gauge",
            one(t.max_error_rate_percent),
        ),
        (
            "chaos_availability_percent",
            "System availability during chaos",
            "gauge",
            one(m.availability_percent),
        ),
        (
            "chaos_availability_target_percent",
            "Target availability threshold",
            "gauge",
            one(t.min_availability_percent),
        ),
        (
            "chaos_recovery_time_seconds",
            "Time to full recovery after chaos",
            "gauge",
            one(m.recovery_time),
        ),
        (
            "chaos_recovery_time_target_seconds",
            "Target recovery time threshold",
            "gauge",
            one(t.max_recovery_time_seconds),
        ),
        (
            "chaos_uptime_seconds",
            "System uptime during chaos",
            "gauge",
            one(Some(m.uptime_seconds)),
        ),
        (
            "chaos_downtime_seconds",
            "System downtime during chaos",
            "gauge",
            one(Some(m.downtime_seconds)),
        ),
        (
            "chaos_requests_total",
            "Total requests during chaos",
            "counter",
            one(Some(m.total_requests as f64)),
        ),
        (
            "chaos_requests_failed",
            "Failed requests during chaos",
            "counter",
            one(Some(m.failed_requests as f64)),
        ),
        (
            "chaos_slo_passed",
            "SLO validation status (1=passed, 0=failed)",
            "gauge",
            one(Some(if check.passed { 1.0 } else { 0.0 })),
        ),
        (
            "chaos_slo_violations_count",
            "Number of SLO violations detected",
            "gauge",
            one(Some(check.violations.len() as f64)),
        ),
        (
            "chaos_test_timestamp_seconds",
            "Unix timestamp of chaos test execution",
            "gauge",
            one(f::unix_seconds(&r.finished_at)),
        ),
    ];
    for (name, help, kind, samples) in families {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, v) in samples {
            let _ = writeln!(out, "{name}{labels} {}", number(v));
        }
    }
    out
}

/// The three legacy files, by name.
pub fn render_all(r: &RunResults) -> std::io::Result<[(&'static str, String); 3]> {
    Ok([
        (RESULTS_FILE, render_results_json(r)?),
        (VALIDATION_FILE, render_validation_json(r)?),
        (METRICS_FILE, render_metrics(r)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names_and_times() {
        assert_eq!(snake_case("Light CPU Stress"), "light_cpu_stress");
        assert_eq!(snake_case("  a -- b!"), "a_b");
        assert_eq!(
            legacy_time("2026-11-26T20:00:01.5Z").as_deref(),
            Some("2026-11-26T20:00:01.500000")
        );
        assert_eq!(seconds_value(30_000), serde_json::json!(30));
        assert_eq!(seconds_value(1_500), serde_json::json!(1.5));
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(worst([Some(1.0), Some(3.0)].into_iter()), Some(3.0));
        assert_eq!(worst([Some(1.0), None].into_iter()), None);
    }
}
