//! Words and numbers shared by the three text reports, so that `report.md`, `junit.xml`
//! and `metrics.prom` name and round things the same way.

use super::results::{AssertionResult, Measured, Phases, ScenarioResult, Span};
use crate::plan::{Level, Origin};

/// Milliseconds with one decimal: `1234.5 ms`.
pub fn ms(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1} ms")
    } else {
        "n/a".to_string()
    }
}

/// A duration for people: `850.0 ms` below a second, `12.35 s` above.
pub fn duration(value_ms: f64) -> String {
    if !value_ms.is_finite() {
        "n/a".to_string()
    } else if value_ms.abs() < 1000.0 {
        ms(value_ms)
    } else {
        format!("{:.2} s", value_ms / 1000.0)
    }
}

/// A percentage (0–100) with two decimals: `99.50%`.
pub fn percent(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}%")
    } else {
        "n/a".to_string()
    }
}

pub fn measured(value: &Measured) -> String {
    match *value {
        Measured::Percent(p) => percent(p),
        Measured::Ms(v) => ms(v),
        Measured::Count(n) => n.to_string(),
        Measured::Unbounded => "never recovered".to_string(),
    }
}

/// `>= 99.00%`
pub fn threshold(assertion: &AssertionResult) -> String {
    format!(
        "{} {}",
        assertion.op.as_str(),
        measured(&assertion.threshold)
    )
}

pub fn level(level: Level) -> &'static str {
    match level {
        Level::File => "file",
        Level::Environment => "environment",
        Level::Scenario => "scenario",
    }
}

/// `scenarios/web.chaos:12:5 (scenario)`
pub fn origin(origin: &Origin) -> String {
    format!(
        "{}:{}:{} ({})",
        origin.span.file,
        origin.span.line,
        origin.span.column,
        level(origin.level)
    )
}

/// `[5000.0, 25000.0) ms`
pub fn span(span: &Span) -> String {
    format!("[{:.1}, {:.1}) ms", span.start_ms, span.end_ms)
}

/// The name a steady-state assertion goes by in junit and Prometheus, where it shares
/// one list with the scenario's other assertions.
pub fn steady_state_name(text: &str) -> String {
    format!("steady_state: {text}")
}

/// From the scenario start to the end of its last observed phase, if any phase was.
pub fn scenario_duration_ms(scenario: &ScenarioResult) -> Option<f64> {
    let Phases {
        baseline,
        chaos,
        recovery,
    } = scenario.phases;
    [baseline, chaos, recovery]
        .into_iter()
        .flatten()
        .map(|s| s.end_ms)
        .filter(|end| end.is_finite())
        .reduce(f64::max)
}

/// Where the chaos phase's clock starts, in ms from the scenario start: step times in
/// `results.json` count from it. The first step's actual start is the chaos phase's
/// observed start; without any step that started, the baseline's end.
pub fn chaos_origin_ms(scenario: &ScenarioResult) -> f64 {
    let first = scenario
        .steps
        .iter()
        .filter_map(|st| st.actual_start_ms)
        .fold(f64::INFINITY, f64::min);
    match (scenario.phases.chaos, first.is_finite()) {
        (Some(chaos), true) => chaos.start_ms - first,
        _ => scenario.phases.baseline.map_or(0.0, |b| b.end_ms),
    }
}

/// Every assertion of a scenario with the name it is reported under: steady-state
/// assertions first, prefixed, then the others.
pub fn named_assertions(scenario: &ScenarioResult) -> Vec<(String, &AssertionResult)> {
    let steady = scenario
        .steady_state
        .iter()
        .map(|a| (steady_state_name(&a.text), a));
    let others = scenario.assertions.iter().map(|a| (a.text.clone(), a));
    steady.chain(others).collect()
}

/// The seconds between two RFC 3339 times, if both parse and the second is not earlier.
pub fn seconds_between(start: &str, end: &str) -> Option<f64> {
    let start = humantime::parse_rfc3339_weak(start).ok()?;
    let end = humantime::parse_rfc3339_weak(end).ok()?;
    end.duration_since(start).ok().map(|d| d.as_secs_f64())
}

/// Seconds since the Unix epoch of an RFC 3339 time.
pub fn unix_seconds(time: &str) -> Option<f64> {
    let time = humantime::parse_rfc3339_weak(time).ok()?;
    time.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_for_people() {
        assert_eq!(ms(1234.56), "1234.6 ms");
        assert_eq!(percent(99.5), "99.50%");
        assert_eq!(duration(850.0), "850.0 ms");
        assert_eq!(duration(12345.0), "12.35 s");
        assert_eq!(ms(f64::NAN), "n/a");
        assert_eq!(measured(&Measured::Count(-3)), "-3");
        assert_eq!(measured(&Measured::Unbounded), "never recovered");
    }

    #[test]
    fn rfc3339_times_subtract() {
        let s = seconds_between("2026-11-26T20:00:00Z", "2026-11-26T20:00:01.500Z");
        assert_eq!(s, Some(1.5));
        assert_eq!(seconds_between("yesterday", "2026-11-26T20:00:00Z"), None);
        assert_eq!(unix_seconds("1970-01-01T00:00:10Z"), Some(10.0));
    }
}
