//! `metrics.prom`: the run's results in the Prometheus text exposition format (0.0.4),
//! for a node-exporter textfile collector or a Pushgateway. Every metric is a gauge in
//! base units (seconds, ratios 0–1); the names, labels and units are listed in
//! `docs/reports.md`.
//!
//! Hand-written rather than through the `prometheus` crate, whose text encoder spells
//! infinity `inf` (not the format's `+Inf`) and whose registry sorts families and
//! series away from the run's order (`docs/reports.md`; a test in `tests/report.rs`
//! pins both). Escaping and one series per label set are tested against the grammar in
//! `tests/report.rs`, and the text against a real Prometheus and Pushgateway in
//! `tests/run/prometheus_real.rs`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use super::format::{self as f, named_assertions};
use super::results::{
    AssertionResult, AssertionStatus, Figures, LatencySummary, Measured, RunResults,
    ScenarioResult, Verdict,
};

/// A label value as the exposition format wants it: `\`, `"` and line feeds escaped.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: Go's float syntax, with `+Inf`, `-Inf` and `NaN` spelt its way.
pub fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v == f64::INFINITY {
        "+Inf".to_string()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{v}")
    }
}

/// One metric family: its series in the order they were added, the first of two
/// with the same labels kept (the exposition format allows one).
struct Family {
    name: &'static str,
    help: &'static str,
    series: Vec<(String, f64)>,
    seen: HashSet<String>,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            series: Vec::new(),
            seen: HashSet::new(),
        }
    }

    fn add(&mut self, labels: &[(&str, &str)], v: f64) {
        let labels = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
            .collect::<Vec<_>>()
            .join(",");
        if self.seen.insert(labels.clone()) {
            self.series.push((labels, v));
        }
    }

    fn render(&self, out: &mut String) {
        if self.series.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} gauge", self.name);
        for (labels, v) in &self.series {
            if labels.is_empty() {
                let _ = writeln!(out, "{} {}", self.name, value(*v));
            } else {
                let _ = writeln!(out, "{}{{{labels}}} {}", self.name, value(*v));
            }
        }
    }
}

fn bool_value(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// A measured value or threshold in base units, with the unit's name: percentages as
/// ratios, milliseconds as seconds, counts as they are. `Unbounded` (never recovered)
/// is `+Inf` in the unit of the threshold it is compared with.
fn base_unit(m: &Measured, threshold: &Measured) -> (f64, &'static str) {
    match *m {
        Measured::Percent(p) => (p / 100.0, "ratio"),
        Measured::Ms(ms) => (ms / 1000.0, "seconds"),
        Measured::Count(n) => (n as f64, "count"),
        Measured::Unbounded => match threshold {
            Measured::Percent(_) => (f64::INFINITY, "ratio"),
            Measured::Count(_) => (f64::INFINITY, "count"),
            Measured::Ms(_) | Measured::Unbounded => (f64::INFINITY, "seconds"),
        },
    }
}

/// Every metric family, in the order they are written. The live-only families
/// (`chaosc_scenario_phase`, `chaosc_fault_active`) stay empty in `metrics.prom`, and an
/// empty family is not written.
struct Families {
    exit_code: Family,
    info: Family,
    timestamp: Family,
    run_duration: Family,
    verdict: Family,
    passed: Family,
    duration: Family,
    phase: Family,
    a_passed: Family,
    a_inconclusive: Family,
    a_measured: Family,
    a_threshold: Family,
    samples: Family,
    failures: Family,
    latency: Family,
    phase_samples: Family,
    availability: Family,
    error_ratio: Family,
    phase_latency: Family,
    mttr: Family,
    downtime: Family,
    longest_run: Family,
    longest_failure: Family,
    recovery: Family,
    lateness: Family,
    active: Family,
    took_effect: Family,
    evidence: Family,
}

impl Families {
    fn new() -> Families {
        Families {
            exit_code: Family::new(
                "chaosc_run_exit_code",
                "Exit status of the run: 0 passed, 1 failed or not steady, 3 aborted, 4 error, 130 interrupted.",
            ),
            info: Family::new("chaosc_run_info", "The run's identity; always 1."),
            timestamp: Family::new(
                "chaosc_run_timestamp_seconds",
                "When the run finished, in seconds since the Unix epoch.",
            ),
            run_duration: Family::new(
                "chaosc_run_duration_seconds",
                "Wall-clock time from the start to the end of the run.",
            ),
            verdict: Family::new(
                "chaosc_scenario_verdict",
                "The scenario's verdict as the label; always 1.",
            ),
            passed: Family::new(
                "chaosc_scenario_passed",
                "1 if the scenario passed (warnings allowed), 0 if not; absent when skipped.",
            ),
            duration: Family::new(
                "chaosc_scenario_duration_seconds",
                "From the scenario start to the end of its last phase.",
            ),
            phase: Family::new(
                "chaosc_scenario_phase",
                "The phase the running scenario is in as the label; always 1 (live metrics only).",
            ),
            a_passed: Family::new(
                "chaosc_assertion_passed",
                "1 if the assertion held, 0 if it failed or was inconclusive.",
            ),
            a_inconclusive: Family::new(
                "chaosc_assertion_inconclusive",
                "1 if the assertion's window had no samples.",
            ),
            a_measured: Family::new(
                "chaosc_assertion_measured",
                "The value measured in the assertion's window, in the unit label's unit; +Inf if it never recovered.",
            ),
            a_threshold: Family::new(
                "chaosc_assertion_threshold",
                "The assertion's threshold, in the unit label's unit.",
            ),
            samples: Family::new(
                "chaosc_probe_samples",
                "Samples the probe took during the scenario.",
            ),
            failures: Family::new(
                "chaosc_probe_failures",
                "Failed probe samples during the scenario, by outcome.",
            ),
            latency: Family::new(
                "chaosc_probe_latency_seconds",
                "Latency of the probe's successful samples over the scenario; quantile 1 is the maximum.",
            ),
            phase_samples: Family::new(
                "chaosc_probe_phase_samples",
                "Samples the probe took in a phase (baseline, chaos, recovery) or the whole scenario (run).",
            ),
            availability: Family::new(
                "chaosc_probe_availability_ratio",
                "Successful samples over samples (0-1), per phase and over the scenario (phase=\"run\").",
            ),
            error_ratio: Family::new(
                "chaosc_probe_error_ratio",
                "Failed samples over samples (0-1), per phase and over the scenario (phase=\"run\").",
            ),
            phase_latency: Family::new(
                "chaosc_probe_phase_latency_seconds",
                "Latency of the probe's successful samples per phase and over the scenario; quantile 1 is the maximum.",
            ),
            mttr: Family::new(
                "chaosc_probe_mttr_seconds",
                "Mean time from a failure episode's first failed sample to the next success, over the scenario; 0 without failures, +Inf if the last one never recovered.",
            ),
            downtime: Family::new(
                "chaosc_probe_downtime_seconds",
                "The sum of the scenario's failure episodes.",
            ),
            longest_run: Family::new(
                "chaosc_probe_longest_failure_run",
                "The most failed samples in a row during the scenario.",
            ),
            longest_failure: Family::new(
                "chaosc_probe_longest_failure_seconds",
                "The longest failure episode of the scenario.",
            ),
            recovery: Family::new(
                "chaosc_probe_recovery_seconds",
                "From the end of the chaos phase to the first of the required consecutive successes; +Inf if it never recovered.",
            ),
            lateness: Family::new(
                "chaosc_step_lateness_seconds",
                "How late a step started: actual minus planned start.",
            ),
            active: Family::new(
                "chaosc_fault_active",
                "1 while the fault is applied and not yet reverted (live metrics only).",
            ),
            took_effect: Family::new(
                "chaosc_fault_took_effect",
                "1 if the fault's measured evidence shows it took effect, 0 if not.",
            ),
            evidence: Family::new(
                "chaosc_fault_evidence",
                "A measurement of the fault's effect, in the unit its name ends with.",
            ),
        }
    }

    fn info(&mut self, run_id: &str, seed: u64, source: &str, environment: Option<&str>) {
        let seed = seed.to_string();
        self.info.add(
            &[
                ("run_id", run_id),
                ("seed", &seed),
                ("source", source),
                ("environment", environment.unwrap_or("")),
            ],
            1.0,
        );
    }

    /// The metrics of a scenario that has ended.
    fn scenario(&mut self, s: &ScenarioResult) {
        let scenario = s.name.as_str();
        self.verdict.add(
            &[("scenario", scenario), ("verdict", s.verdict.as_str())],
            1.0,
        );
        if s.verdict != Verdict::Skipped {
            let ok = matches!(s.verdict, Verdict::Passed | Verdict::PassedWithWarnings);
            self.passed.add(&[("scenario", scenario)], bool_value(ok));
        }
        if let Some(ms) = f::scenario_duration_ms(s) {
            self.duration.add(&[("scenario", scenario)], ms / 1000.0);
        }

        for (name, a) in named_assertions(s) {
            assertion(
                scenario,
                &name,
                a,
                [
                    &mut self.a_passed,
                    &mut self.a_inconclusive,
                    &mut self.a_measured,
                    &mut self.a_threshold,
                ],
            );
        }

        for p in &s.probes {
            let labels = [("scenario", scenario), ("probe", p.name.as_str())];
            self.samples.add(&labels, p.samples as f64);
            for (outcome, n) in &p.failures {
                self.failures.add(
                    &[labels[0], labels[1], ("outcome", outcome.as_str())],
                    *n as f64,
                );
            }
            if let Some(l) = &p.latency_ms {
                for (q, seconds) in quantiles(l) {
                    self.latency
                        .add(&[labels[0], labels[1], ("quantile", q)], seconds);
                }
            }
            self.figures(&labels, &p.figures);
        }

        for step in &s.steps {
            let labels = [("scenario", scenario), ("step", step.name.as_str())];
            if let Some(actual) = step.actual_start_ms {
                self.lateness
                    .add(&labels, (actual - step.planned_start_ms) / 1000.0);
            }
            if let Some(e) = &step.evidence {
                self.took_effect.add(
                    &[labels[0], labels[1], ("kind", step.kind.as_str())],
                    bool_value(e.took_effect),
                );
                for (measurement, v) in e.measurements.named() {
                    self.evidence.add(
                        &[labels[0], labels[1], ("measurement", measurement.as_str())],
                        v,
                    );
                }
            }
        }
    }

    /// The standard figures of one probe (`labels`: scenario and probe).
    fn figures(&mut self, labels: &[(&str, &str); 2], f: &Figures) {
        for (phase, figures) in f.phases() {
            let at = [labels[0], labels[1], ("phase", phase)];
            self.phase_samples.add(&at, figures.samples as f64);
            if let Some(pct) = figures.availability_percent {
                self.availability.add(&at, pct / 100.0);
            }
            if let Some(pct) = figures.error_rate_percent {
                self.error_ratio.add(&at, pct / 100.0);
            }
            if let Some(l) = &figures.latency_ms {
                for (q, seconds) in quantiles(l) {
                    self.phase_latency
                        .add(&[at[0], at[1], at[2], ("quantile", q)], seconds);
                }
            }
        }
        let seconds_or_inf = |ms: Option<f64>| ms.map_or(f64::INFINITY, |ms| ms / 1000.0);
        self.mttr.add(labels, seconds_or_inf(f.mttr_ms));
        self.downtime.add(labels, f.downtime_ms / 1000.0);
        self.longest_run.add(labels, f.longest_failure_run as f64);
        self.longest_failure
            .add(labels, f.longest_failure_ms / 1000.0);
        if f.chaos.is_some() {
            self.recovery
                .add(labels, seconds_or_inf(f.recovery_time_ms));
        }
    }

    /// The metrics of a scenario still running: its phase, its probes so far, its
    /// faults applied now.
    fn running(&mut self, r: &Running) {
        let scenario = r.scenario.as_str();
        self.phase
            .add(&[("scenario", scenario), ("phase", r.phase.as_str())], 1.0);
        for p in &r.probes {
            let labels = [("scenario", scenario), ("probe", p.name.as_str())];
            self.samples.add(&labels, p.samples as f64);
            for (outcome, n) in &p.failures {
                self.failures.add(
                    &[labels[0], labels[1], ("outcome", outcome.as_str())],
                    *n as f64,
                );
            }
        }
        for (step, kind) in &r.faults {
            self.active.add(
                &[("scenario", scenario), ("step", step), ("kind", kind)],
                1.0,
            );
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for family in [
            &self.exit_code,
            &self.info,
            &self.timestamp,
            &self.run_duration,
            &self.verdict,
            &self.passed,
            &self.duration,
            &self.phase,
            &self.a_passed,
            &self.a_inconclusive,
            &self.a_measured,
            &self.a_threshold,
            &self.samples,
            &self.failures,
            &self.latency,
            &self.phase_samples,
            &self.availability,
            &self.error_ratio,
            &self.phase_latency,
            &self.mttr,
            &self.downtime,
            &self.longest_run,
            &self.longest_failure,
            &self.recovery,
            &self.lateness,
            &self.active,
            &self.took_effect,
            &self.evidence,
        ] {
            family.render(&mut out);
        }
        out
    }
}

/// The quantile label and value in seconds of each latency figure.
fn quantiles(l: &LatencySummary) -> [(&'static str, f64); 5] {
    [
        ("0.5", l.p50 / 1000.0),
        ("0.9", l.p90 / 1000.0),
        ("0.95", l.p95 / 1000.0),
        ("0.99", l.p99 / 1000.0),
        ("1", l.max / 1000.0),
    ]
}

pub fn render(r: &RunResults) -> String {
    let mut m = Families::new();
    m.exit_code.add(&[], f64::from(r.exit_code));
    m.info(&r.run_id, r.seed, &r.source, r.environment.as_deref());
    if let Some(t) = f::unix_seconds(&r.finished_at) {
        m.timestamp.add(&[], t);
    }
    if let Some(s) = f::seconds_between(&r.started_at, &r.finished_at) {
        m.run_duration.add(&[], s);
    }
    for s in &r.scenarios {
        m.scenario(s);
    }
    m.render()
}

/// A run in progress, as `chaosc run --metrics-listen` serves it.
#[derive(Debug, Clone, Default)]
pub struct LiveRun {
    pub run_id: String,
    pub seed: u64,
    pub source: String,
    pub environment: Option<String>,
    /// The scenarios that have ended, in run order, with their final results.
    pub finished: Vec<ScenarioResult>,
    /// The scenario running now, if one is.
    pub running: Option<Running>,
}

/// A running scenario now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Running {
    pub scenario: String,
    /// `baseline`, `chaos` or `recovery`.
    pub phase: String,
    pub probes: Vec<LiveProbe>,
    /// The faults applied and not yet reverted: (step, kind).
    pub faults: Vec<(String, String)>,
}

/// A probe's samples so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveProbe {
    pub name: String,
    pub samples: u64,
    /// Failed samples by outcome (`timeout`, `status` …).
    pub failures: BTreeMap<String, u64>,
}

/// The live exposition text: the run's identity, each ended scenario's final metrics
/// (the same series as in `metrics.prom`), and the running scenario's phase, probe
/// counts and active faults.
pub fn render_live(run: &LiveRun) -> String {
    let mut m = Families::new();
    m.info(
        &run.run_id,
        run.seed,
        &run.source,
        run.environment.as_deref(),
    );
    for s in &run.finished {
        m.scenario(s);
    }
    if let Some(r) = &run.running {
        m.running(r);
    }
    m.render()
}

fn assertion(scenario: &str, name: &str, a: &AssertionResult, families: [&mut Family; 4]) {
    let [passed, inconclusive, measured, threshold] = families;
    let labels = [
        ("scenario", scenario),
        ("assertion", name),
        ("probe", a.probe.as_deref().unwrap_or("")),
        ("severity", a.severity.as_str()),
        ("window", a.window.as_str()),
    ];
    passed.add(&labels, bool_value(a.status == AssertionStatus::Passed));
    inconclusive.add(
        &labels,
        bool_value(a.status == AssertionStatus::Inconclusive),
    );
    let with_unit = |unit: &'static str| {
        let mut l = labels.to_vec();
        l.push(("unit", unit));
        l
    };
    if let Some(m) = &a.measured {
        let (v, unit) = base_unit(m, &a.threshold);
        measured.add(&with_unit(unit), v);
    }
    let (v, unit) = base_unit(&a.threshold, &a.threshold);
    threshold.add(&with_unit(unit), v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_and_numbers() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(value(f64::INFINITY), "+Inf");
        assert_eq!(value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(value(f64::NAN), "NaN");
        assert_eq!(value(0.995), "0.995");
        assert_eq!(value(3.0), "3");
    }

    #[test]
    fn units_are_base_units() {
        let ms = Measured::Ms(1.0);
        assert_eq!(base_unit(&Measured::Percent(99.5), &ms), (0.995, "ratio"));
        assert_eq!(base_unit(&Measured::Ms(250.0), &ms), (0.25, "seconds"));
        assert_eq!(base_unit(&Measured::Count(3), &ms), (3.0, "count"));
        assert_eq!(
            base_unit(&Measured::Unbounded, &ms),
            (f64::INFINITY, "seconds")
        );
    }

    #[test]
    fn one_series_per_label_set() {
        let mut family = Family::new("x", "y");
        family.add(&[("a", "1")], 1.0);
        family.add(&[("a", "1")], 2.0);
        family.add(&[("a", "2")], 3.0);
        let mut out = String::new();
        family.render(&mut out);
        assert_eq!(
            out,
            "# HELP x y\n# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"2\"} 3\n"
        );
    }
}
