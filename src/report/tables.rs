//! The tables that `report.md` and `report.html` both show, built once from the
//! results as plain text cells, so the two reports cannot drift apart. Each renderer
//! escapes the cells its own way.

use super::format as f;
use super::results::{LatencySummary, PhaseFigures, ProbeResult, RunResults, ScenarioResult};

/// A table: a caption, column headers (right-aligned when numeric), rows of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub caption: String,
    pub columns: Vec<(&'static str, Align)>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

const DASH: &str = "—";

/// A value, or `—` for none (every report table writes a missing value so).
pub fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| DASH.to_string())
}

/// The standard figures of every probe, one row per phase and one for the scenario.
pub fn probe_figures(probes: &[ProbeResult]) -> Option<Table> {
    use Align::*;
    if probes.is_empty() {
        return None;
    }
    let mut rows = Vec::new();
    for p in probes {
        for (phase, figures) in p.figures.phases() {
            rows.push(phase_row(&p.name, phase, figures));
        }
    }
    Some(Table {
        caption: "Probes: standard figures per phase (ms from the scenario start; latency of successful samples)".into(),
        columns: vec![
            ("Probe", Left),
            ("Phase", Left),
            ("From", Right),
            ("To", Right),
            ("Samples", Right),
            ("Availability", Right),
            ("Error rate", Right),
            ("p50", Right),
            ("p95", Right),
            ("p99", Right),
            ("max", Right),
        ],
        rows,
    })
}

fn phase_row(probe: &str, phase: &str, figures: &PhaseFigures) -> Vec<String> {
    let latency = |pick: fn(&LatencySummary) -> f64| {
        or_dash(figures.latency_ms.as_ref().map(|l| f::ms(pick(l))))
    };
    vec![
        probe.to_string(),
        phase.to_string(),
        f::ms(figures.start_ms),
        f::ms(figures.end_ms),
        figures.samples.to_string(),
        or_dash(figures.availability_percent.map(f::percent)),
        or_dash(figures.error_rate_percent.map(f::percent)),
        latency(|l| l.p50),
        latency(|l| l.p95),
        latency(|l| l.p99),
        latency(|l| l.max),
    ]
}

/// Failures and recovery of every probe over the scenario.
pub fn probe_recovery(s: &ScenarioResult) -> Option<Table> {
    use Align::*;
    if s.probes.is_empty() {
        return None;
    }
    let rows = s
        .probes
        .iter()
        .map(|p| {
            let fig = &p.figures;
            let failures: Vec<String> = p
                .failures
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(outcome, n)| format!("{outcome}: {n}"))
                .collect();
            let recovery = match (fig.chaos.is_some(), fig.recovery_time_ms) {
                (_, Some(ms)) => f::duration(ms),
                (true, None) => "never".to_string(),
                (false, None) => DASH.to_string(),
            };
            vec![
                p.name.clone(),
                or_dash((!failures.is_empty()).then(|| failures.join(", "))),
                fig.failure_episodes.to_string(),
                fig.mttr_ms
                    .map_or_else(|| "unbounded".to_string(), f::duration),
                f::duration(fig.downtime_ms),
                format!(
                    "{} ({})",
                    fig.longest_failure_run,
                    f::duration(fig.longest_failure_ms)
                ),
                recovery,
            ]
        })
        .collect();
    Some(Table {
        caption: "Probes: failures and recovery over the scenario".into(),
        columns: vec![
            ("Probe", Left),
            ("Failures by outcome", Left),
            ("Episodes", Right),
            ("MTTR", Right),
            ("Downtime", Right),
            ("Longest failure run (samples)", Right),
            ("Recovery time", Right),
        ],
        rows,
    })
}

/// The services the run started.
pub fn services(r: &RunResults) -> Option<Table> {
    use Align::*;
    if r.services.is_empty() {
        return None;
    }
    Some(Table {
        caption: "Services".into(),
        columns: vec![
            ("Service", Left),
            ("PID", Right),
            ("Ready after", Right),
            ("Ended", Left),
            ("Log", Left),
        ],
        rows: r
            .services
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    or_dash(s.pid.map(|p| p.to_string())),
                    or_dash(s.ready_after_ms.map(f::ms)),
                    or_dash(s.ended.clone()),
                    s.log.clone(),
                ]
            })
            .collect(),
    })
}
