//! `metrics.prom`: the run's results in the Prometheus text exposition format (0.0.4),
//! for a node-exporter textfile collector or a Pushgateway. Every metric is a gauge in
//! base units (seconds, ratios 0–1); the names, labels and units are listed in
//! `docs/reports.md`.
//!
//! Hand-written rather than through the `prometheus` crate: the format is a few lines
//! of grammar, the crate would sort series away from the run's order and bring its own
//! dependencies, and what matters — escaping and one series per label set — is tested
//! against the grammar in `tests/report.rs`.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::format::{self as f, named_assertions};
use super::results::{AssertionResult, AssertionStatus, Measured, RunResults, Verdict};

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

pub fn render(r: &RunResults) -> String {
    let mut exit_code = Family::new(
        "chaosc_run_exit_code",
        "Exit status of the run: 0 passed, 1 failed or not steady, 3 aborted, 4 error, 130 interrupted.",
    );
    let mut info = Family::new("chaosc_run_info", "The run's identity; always 1.");
    let mut timestamp = Family::new(
        "chaosc_run_timestamp_seconds",
        "When the run finished, in seconds since the Unix epoch.",
    );
    let mut run_duration = Family::new(
        "chaosc_run_duration_seconds",
        "Wall-clock time from the start to the end of the run.",
    );
    let mut verdict = Family::new(
        "chaosc_scenario_verdict",
        "The scenario's verdict as the label; always 1.",
    );
    let mut passed = Family::new(
        "chaosc_scenario_passed",
        "1 if the scenario passed (warnings allowed), 0 if not; absent when skipped.",
    );
    let mut duration = Family::new(
        "chaosc_scenario_duration_seconds",
        "From the scenario start to the end of its last phase.",
    );
    let mut a_passed = Family::new(
        "chaosc_assertion_passed",
        "1 if the assertion held, 0 if it failed or was inconclusive.",
    );
    let mut a_inconclusive = Family::new(
        "chaosc_assertion_inconclusive",
        "1 if the assertion's window had no samples.",
    );
    let mut a_measured = Family::new(
        "chaosc_assertion_measured",
        "The value measured in the assertion's window, in the unit label's unit; +Inf if it never recovered.",
    );
    let mut a_threshold = Family::new(
        "chaosc_assertion_threshold",
        "The assertion's threshold, in the unit label's unit.",
    );
    let mut samples = Family::new(
        "chaosc_probe_samples",
        "Samples the probe took during the scenario.",
    );
    let mut failures = Family::new(
        "chaosc_probe_failures",
        "Failed probe samples during the scenario, by outcome.",
    );
    let mut latency = Family::new(
        "chaosc_probe_latency_seconds",
        "Latency of the probe's successful samples over the scenario; quantile 1 is the maximum.",
    );
    let mut lateness = Family::new(
        "chaosc_step_lateness_seconds",
        "How late a step started: actual minus planned start.",
    );
    let mut took_effect = Family::new(
        "chaosc_fault_took_effect",
        "1 if the fault's measured evidence shows it took effect, 0 if not.",
    );
    let mut evidence = Family::new(
        "chaosc_fault_evidence",
        "A measurement of the fault's effect, in the unit its name ends with.",
    );

    exit_code.add(&[], f64::from(r.exit_code));
    let seed = r.seed.to_string();
    info.add(
        &[
            ("run_id", &r.run_id),
            ("seed", &seed),
            ("source", &r.source),
            ("environment", r.environment.as_deref().unwrap_or("")),
        ],
        1.0,
    );
    if let Some(t) = f::unix_seconds(&r.finished_at) {
        timestamp.add(&[], t);
    }
    if let Some(s) = f::seconds_between(&r.started_at, &r.finished_at) {
        run_duration.add(&[], s);
    }

    for s in &r.scenarios {
        let scenario = s.name.as_str();
        verdict.add(
            &[("scenario", scenario), ("verdict", s.verdict.as_str())],
            1.0,
        );
        if s.verdict != Verdict::Skipped {
            let ok = matches!(s.verdict, Verdict::Passed | Verdict::PassedWithWarnings);
            passed.add(&[("scenario", scenario)], bool_value(ok));
        }
        if let Some(ms) = f::scenario_duration_ms(s) {
            duration.add(&[("scenario", scenario)], ms / 1000.0);
        }

        for (name, a) in named_assertions(s) {
            assertion(
                scenario,
                &name,
                a,
                [
                    &mut a_passed,
                    &mut a_inconclusive,
                    &mut a_measured,
                    &mut a_threshold,
                ],
            );
        }

        for p in &s.probes {
            let labels = [("scenario", scenario), ("probe", p.name.as_str())];
            samples.add(&labels, p.samples as f64);
            for (outcome, n) in &p.failures {
                failures.add(
                    &[labels[0], labels[1], ("outcome", outcome.as_str())],
                    *n as f64,
                );
            }
            if let Some(l) = &p.latency_ms {
                for (q, ms) in [
                    ("0.5", l.p50),
                    ("0.9", l.p90),
                    ("0.95", l.p95),
                    ("0.99", l.p99),
                    ("1", l.max),
                ] {
                    latency.add(&[labels[0], labels[1], ("quantile", q)], ms / 1000.0);
                }
            }
        }

        for step in &s.steps {
            let labels = [("scenario", scenario), ("step", step.name.as_str())];
            if let Some(actual) = step.actual_start_ms {
                lateness.add(&labels, (actual - step.planned_start_ms) / 1000.0);
            }
            if let Some(e) = &step.evidence {
                took_effect.add(
                    &[labels[0], labels[1], ("kind", step.kind.as_str())],
                    bool_value(e.took_effect),
                );
                for (measurement, v) in &e.measurements {
                    evidence.add(
                        &[labels[0], labels[1], ("measurement", measurement.as_str())],
                        *v,
                    );
                }
            }
        }
    }

    let mut out = String::new();
    for family in [
        &exit_code,
        &info,
        &timestamp,
        &run_duration,
        &verdict,
        &passed,
        &duration,
        &a_passed,
        &a_inconclusive,
        &a_measured,
        &a_threshold,
        &samples,
        &failures,
        &latency,
        &lateness,
        &took_effect,
        &evidence,
    ] {
        family.render(&mut out);
    }
    out
}

fn assertion(scenario: &str, name: &str, a: &AssertionResult, families: [&mut Family; 4]) {
    let [passed, inconclusive, measured, threshold] = families;
    let labels = [
        ("scenario", scenario),
        ("assertion", name),
        ("probe", a.probe.as_deref().unwrap_or("")),
        ("severity", f::severity(a.severity)),
        ("window", f::window(a.window)),
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
