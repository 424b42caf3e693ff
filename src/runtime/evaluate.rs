//! Pure evaluation of the metrics of `docs/language.md` §7.1 over a run's samples:
//! assertions, abort conditions, steady state and scenario verdicts. No clock, no I/O:
//! the runtime passes the samples and the phase bounds, in µs from the scenario start.
//! Every decision is written down in `docs/probes.md` § Evaluation.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::plan::view::duration;
use crate::plan::{Abort, Assertion, CompareOp, Condition, Metric, Severity, Threshold, Window};
use crate::probe::sample::{rank_index, Mttr, SampleStore};
use crate::report::results::{
    AssertionResult, AssertionStatus, Bucket, Figures, LatencySummary, Measured, PhaseFigures,
    ProbeResult, Span, Verdict,
};

const MS_US: u64 = 1_000;
const SECOND_US: u64 = 1_000_000;

/// Relative tolerance of comparisons between fractional values (percent and ms):
/// a measured value within a billionth of its threshold equals it, so `availability ==
/// 99.95%` holds for 1999 of 2000 samples whatever the rounding of `1999 × 100 / 2000`.
/// Real differences between measured values are far larger (1 µs, or one sample in
/// millions).
const TOLERANCE: f64 = 1e-9;

/// Per-second buckets beyond this many (11.5 days) are not produced: a bound on the
/// memory a wrong `end_us` could ask for.
const MAX_BUCKETS: u64 = 1_000_000;

/// Phase bounds in µs from the scenario start, `[start, end)`; `None` = the phase did not
/// happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Windows {
    pub baseline: Option<(u64, u64)>,
    pub chaos: Option<(u64, u64)>,
    pub recovery: Option<(u64, u64)>,
}

impl Windows {
    /// The bounds of a window. `Run` goes from the start of the first phase that happened
    /// to the end of the last one.
    pub fn get(&self, w: Window) -> Option<(u64, u64)> {
        match w {
            Window::Baseline => self.baseline,
            Window::Chaos => self.chaos,
            Window::Recovery => self.recovery,
            Window::Run => {
                let phases = [self.baseline, self.chaos, self.recovery];
                let mut present = phases.iter().flatten();
                let first = present.next()?;
                let last = present.last().unwrap_or(first);
                Some((first.0, last.1))
            }
        }
    }
}

/// The window an assertion on this metric has when written without `during`.
pub fn default_window(metric: Metric) -> Window {
    match metric {
        Metric::Mttr | Metric::ConsecutiveFailures => Window::Run,
        Metric::RecoveryTime => Window::Recovery,
        Metric::Availability
        | Metric::ErrorRate
        | Metric::Latency
        | Metric::LatencyDegradation
        | Metric::Requests => Window::Chaos,
    }
}

/// Evaluates one assertion over its window.
pub fn assertion<S: Borrow<SampleStore>>(
    a: &Assertion,
    stores: &BTreeMap<String, S>,
    windows: &Windows,
    checks: u32,
) -> AssertionResult {
    let c = &a.condition;
    let bounds = windows.get(a.window);
    let store: Option<&SampleStore> = c
        .probe
        .as_ref()
        .and_then(|p| stores.get(p))
        .map(Borrow::borrow);
    let samples = match (store, bounds) {
        (Some(store), Some((from, to))) => store.count(from, to),
        _ => 0,
    };
    let measured = match (store, bounds) {
        (Some(store), Some(bounds)) if samples > 0 => measure(c, store, bounds, windows, checks),
        _ => None,
    };
    let status = match measured.map(|m| compare(m, c.op, c.threshold)) {
        Some(Some(true)) => AssertionStatus::Passed,
        Some(Some(false)) => AssertionStatus::Failed,
        // No value, or a threshold in another unit (only in a hand-written plan).
        Some(None) | None => AssertionStatus::Inconclusive,
    };
    AssertionResult {
        text: describe_assertion(a),
        metric: c.metric,
        probe: c.probe.clone(),
        percentile: c.percentile,
        op: c.op,
        threshold: threshold_value(c.threshold),
        window: a.window,
        window_span: bounds.map(span),
        severity: a.severity,
        origin: a.origin.clone(),
        measured,
        status,
        samples,
    }
}

/// The metric of `c` over `[from, to)`, which has at least one sample.
fn measure(
    c: &Condition,
    store: &SampleStore,
    (from, to): (u64, u64),
    windows: &Windows,
    checks: u32,
) -> Option<Measured> {
    let percentile = c.percentile.unwrap_or(50.0);
    match c.metric {
        Metric::Availability => store.availability(from, to).map(Measured::Percent),
        Metric::ErrorRate => store.error_rate(from, to).map(Measured::Percent),
        Metric::Latency => store
            .latency_percentile(from, to, percentile)
            .map(|us| Measured::Ms(us_to_ms(us))),
        Metric::LatencyDegradation => {
            let (b_from, b_to) = windows.baseline?;
            degradation(store, (from, to), (b_from, b_to), percentile)
        }
        Metric::Mttr => Some(match store.mttr(from, to) {
            Mttr::NoFailure => Measured::Ms(0.0),
            Mttr::MeanUs(us) => Measured::Ms(us_to_ms(us)),
            Mttr::Unbounded => Measured::Unbounded,
        }),
        Metric::RecoveryTime => {
            let (_, chaos_end) = windows.chaos?;
            // Recovery is looked for from the chaos end to the window's end; a window
            // with no sample after the chaos end has nothing to say about it.
            if store.count(chaos_end, to) == 0 {
                return None;
            }
            Some(match recovery_within(store, chaos_end, to, checks) {
                Some(us) => Measured::Ms(us_to_ms(us)),
                None => Measured::Unbounded,
            })
        }
        Metric::ConsecutiveFailures => Some(count(store.longest_failure_run(from, to))),
        Metric::Requests => Some(count(store.count(from, to))),
    }
}

fn degradation(
    store: &SampleStore,
    (from, to): (u64, u64),
    (b_from, b_to): (u64, u64),
    percentile: f64,
) -> Option<Measured> {
    let now = store.latency_percentile(from, to, percentile)?;
    let before = store.latency_percentile(b_from, b_to, percentile)?;
    Some(Measured::Ms(us_to_ms(now) - us_to_ms(before)))
}

fn count(n: u64) -> Measured {
    Measured::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

fn us_to_ms(us: u64) -> f64 {
    us as f64 / MS_US as f64
}

fn span((start, end): (u64, u64)) -> Span {
    Span {
        start_ms: us_to_ms(start),
        end_ms: us_to_ms(end),
    }
}

fn threshold_value(t: Threshold) -> Measured {
    match t {
        Threshold::Percent(p) => Measured::Percent(p),
        Threshold::Ms(ms) => Measured::Ms(ms),
        Threshold::Count(n) => Measured::Count(n),
    }
}

/// Whether `measured OP threshold` holds; `None` when they are not in the same unit (or
/// a value is NaN). `Unbounded` is +∞; fractional values equal within [`TOLERANCE`].
pub fn compare(measured: Measured, op: CompareOp, threshold: Threshold) -> Option<bool> {
    let ordering = match (measured, threshold) {
        (Measured::Count(x), Threshold::Count(y)) => x.cmp(&y),
        (Measured::Percent(x), Threshold::Percent(y)) | (Measured::Ms(x), Threshold::Ms(y)) => {
            fuzzy_cmp(x, y)?
        }
        (Measured::Unbounded, Threshold::Ms(y)) => fuzzy_cmp(f64::INFINITY, y)?,
        _ => return None,
    };
    Some(match op {
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
    })
}

fn fuzzy_cmp(x: f64, y: f64) -> Option<Ordering> {
    if x.is_finite() && y.is_finite() {
        let scale = x.abs().max(y.abs()).max(1.0);
        if (x - y).abs() <= TOLERANCE * scale {
            return Some(Ordering::Equal);
        }
    }
    x.partial_cmp(&y)
}

// ───────────────────────── recovery ─────────────────────────

/// µs from the end of the chaos phase to the first of `checks` consecutive successful
/// samples scheduled at or after it; 0 when the last sample before the chaos end and the
/// first `checks` after it all succeeded (healthy throughout); `None` when there are not
/// yet `checks` consecutive successes after the chaos end. `checks` 0 counts as 1.
pub fn recovery_time_us(store: &SampleStore, chaos_end_us: u64, checks: u32) -> Option<u64> {
    recovery_within(store, chaos_end_us, u64::MAX, checks)
}

/// Whether every check the recovery phase waits for has passed: [`recovery_time_us`] is
/// known. The runtime asks this of each probe, live, to end the recovery phase.
pub fn recovered(store: &SampleStore, chaos_end_us: u64, checks: u32) -> bool {
    recovery_time_us(store, chaos_end_us, checks).is_some()
}

fn recovery_within(store: &SampleStore, chaos_end: u64, to: u64, checks: u32) -> Option<u64> {
    let need = checks.max(1) as usize;
    let after = store.window(chaos_end, to);
    let mut run = 0;
    for (i, sample) in after.iter().enumerate() {
        if !sample.ok() {
            run = 0;
            continue;
        }
        run += 1;
        if run == need {
            let first = i + 1 - need;
            let healthy_before = store.window(0, chaos_end).last().is_some_and(|s| s.ok());
            if first == 0 && healthy_before {
                return Some(0);
            }
            return Some(after[first].offset_us.saturating_sub(chaos_end));
        }
    }
    None
}

// ───────────────────────── aborts ─────────────────────────

/// `Some(measured)` when the abort condition holds at `now_us`: over the samples
/// scheduled in the last `over`, `(now − over, now]` (all since the scenario start while
/// `now < over`), or in `[chaos_start, now]` without `over`. An empty window never fires; neither does a
/// latency metric with no successful sample in it. An open failure episode counts up to
/// `now` for `mttr`, so `mttr > 5s` fires while an outage lasts. `latency_degradation`
/// compares with the baseline `[0, chaos_start)`; `recovery_time` never fires (it is
/// only known once the recovery phase has ended).
pub fn abort_holds<S: Borrow<SampleStore>>(
    abort: &Abort,
    stores: &BTreeMap<String, S>,
    now_us: u64,
    chaos_start_us: u64,
) -> Option<Measured> {
    let c = &abort.condition;
    let store: &SampleStore = stores.get(c.probe.as_ref()?)?.borrow();
    let from = match abort.over_ms.map(|ms| ms.saturating_mul(MS_US)) {
        // Half-open at the far end, so `over 1s` at 10 samples a second sees 10 samples.
        Some(over) if now_us >= over => now_us - over + 1,
        Some(_) => 0,
        None => chaos_start_us,
    };
    let to = now_us.saturating_add(1);
    let n = store.count(from, to);
    if n == 0 {
        return None;
    }
    let percentile = c.percentile.unwrap_or(50.0);
    let measured = match c.metric {
        Metric::Availability => store.availability(from, to).map(Measured::Percent),
        Metric::ErrorRate => store.error_rate(from, to).map(Measured::Percent),
        Metric::Latency => store
            .latency_percentile(from, to, percentile)
            .map(|us| Measured::Ms(us_to_ms(us))),
        Metric::LatencyDegradation => {
            degradation(store, (from, to), (0, chaos_start_us), percentile)
        }
        Metric::Mttr => Some(live_mttr(store, from, to, now_us)),
        Metric::RecoveryTime => None,
        Metric::ConsecutiveFailures => Some(count(store.longest_failure_run(from, to))),
        Metric::Requests => Some(count(n)),
    }?;
    compare(measured, c.op, c.threshold)
        .unwrap_or(false)
        .then_some(measured)
}

/// `mttr` with an episode still open lasting until `now`.
fn live_mttr(store: &SampleStore, from: u64, to: u64, now: u64) -> Measured {
    let episodes = store.episodes(from, to);
    if episodes.is_empty() {
        return Measured::Ms(0.0);
    }
    let total: u128 = episodes
        .iter()
        .map(|e| u128::from(e.recovered_us.unwrap_or(now).saturating_sub(e.start_us)))
        .sum();
    let mean = total / episodes.len() as u128;
    Measured::Ms(us_to_ms(u64::try_from(mean).unwrap_or(u64::MAX)))
}

// ───────────────────────── verdicts ─────────────────────────

/// The scenario verdict from its steady-state and scenario assertions: `failed` when a
/// blocking one failed or was inconclusive, `passed_with_warnings` when only `warn` ones
/// did, else `passed`; with a one-sentence reason naming the first culprit (none for
/// `passed`).
pub fn verdict(assertions: &[AssertionResult]) -> (Verdict, Option<String>) {
    for (severity, verdict) in [
        (Severity::Blocking, Verdict::Failed),
        (Severity::Warn, Verdict::PassedWithWarnings),
    ] {
        let bad: Vec<&AssertionResult> = assertions
            .iter()
            .filter(|r| r.severity == severity && r.status != AssertionStatus::Passed)
            .collect();
        if let Some(first) = bad.first() {
            return (verdict, Some(culprits(first, bad.len())));
        }
    }
    (Verdict::Passed, None)
}

/// `Ok` when every blocking steady-state assertion passed; otherwise the reason of the
/// `not_steady` verdict. A `warn` steady-state assertion never stops the scenario (it
/// is reported, and [`verdict`] turns it into `passed_with_warnings`).
pub fn steady(steady: &[AssertionResult]) -> Result<(), String> {
    let bad: Vec<&AssertionResult> = steady
        .iter()
        .filter(|r| r.severity == Severity::Blocking && r.status != AssertionStatus::Passed)
        .collect();
    match bad.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "the steady state does not hold: {}",
            culprits(first, bad.len())
        )),
    }
}

fn culprits(first: &AssertionResult, total: usize) -> String {
    let text = outcome_text(first);
    match total {
        0 | 1 => text,
        2 => format!("{text} (and 1 more)"),
        n => format!("{text} (and {} more)", n - 1),
    }
}

/// "`availability(home) >= 99%` measured 96.5%", or why it is inconclusive.
pub fn outcome_text(r: &AssertionResult) -> String {
    let text = &r.text;
    let window = r.window.as_str();
    match (r.status, r.measured) {
        (AssertionStatus::Inconclusive, measured) => {
            let why = if r.probe.is_none() {
                "it names no probe".to_string()
            } else if r.window_span.is_none() {
                format!("there was no {window} phase")
            } else if r.samples == 0 {
                format!("no samples in the {window} window")
            } else if let Some(m) = measured {
                format!(
                    "measured {} is not in the unit of its threshold",
                    measured_text(m)
                )
            } else {
                match r.metric {
                    Metric::Latency => format!("no successful samples in the {window} window"),
                    Metric::LatencyDegradation => format!(
                        "it needs successful samples in both the {window} and the baseline windows"
                    ),
                    Metric::RecoveryTime => "no samples after the chaos phase".to_string(),
                    _ => "nothing to measure".to_string(),
                }
            };
            format!("`{text}` is inconclusive: {why}")
        }
        (_, Some(Measured::Unbounded)) => {
            let why = match r.metric {
                Metric::RecoveryTime => "never recovered",
                _ => "the last failure episode never ended",
            };
            format!("`{text}` measured unbounded ({why})")
        }
        (_, Some(m)) => format!("`{text}` measured {}", measured_text(m)),
        (_, None) => format!("`{text}` was not measured"),
    }
}

// ───────────────────────── probe summaries ─────────────────────────

/// A probe's samples scheduled in `[0, end_us)`: counts, failures by outcome, latency
/// percentiles of the successful ones (nearest rank, ms) and per-second buckets from
/// second 0 to the one that contains `end_us − 1`, empty seconds included.
/// The figures of `store` over `[from, to)`.
fn phase_figures(store: &SampleStore, (from, to): (u64, u64)) -> PhaseFigures {
    let mut latencies = store.ok_latencies(from, to);
    latencies.sort_unstable();
    PhaseFigures {
        start_ms: us_to_ms(from),
        end_ms: us_to_ms(to),
        samples: store.count(from, to),
        availability_percent: store.availability(from, to),
        error_rate_percent: store.error_rate(from, to),
        latency_ms: summary(&latencies),
    }
}

/// Percentiles of sorted latencies (µs) in ms; `None` without any.
fn summary(sorted: &[u32]) -> Option<LatencySummary> {
    let at = |p: f64| {
        rank_index(p, sorted.len())
            .and_then(|i| sorted.get(i))
            .map_or(0.0, |&us| us_to_ms(u64::from(us)))
    };
    (!sorted.is_empty()).then(|| LatencySummary {
        p50: at(50.0),
        p90: at(90.0),
        p95: at(95.0),
        p99: at(99.0),
        max: at(100.0),
    })
}

/// The standard figures of one probe (`docs/reports.md`).
fn figures(store: &SampleStore, windows: &Windows, end_us: u64, checks: u32) -> Figures {
    let episodes = store.episodes(0, end_us);
    let last = store.window(0, end_us).last().map_or(0, |s| s.offset_us);
    let lengths: Vec<u64> = episodes
        .iter()
        .map(|e| e.recovered_us.unwrap_or(last).saturating_sub(e.start_us))
        .collect();
    Figures {
        baseline: windows.baseline.map(|w| phase_figures(store, w)),
        chaos: windows.chaos.map(|w| phase_figures(store, w)),
        recovery: windows.recovery.map(|w| phase_figures(store, w)),
        run: phase_figures(store, (0, end_us)),
        mttr_ms: match store.mttr(0, end_us) {
            Mttr::NoFailure => Some(0.0),
            Mttr::MeanUs(us) => Some(us_to_ms(us)),
            Mttr::Unbounded => None,
        },
        downtime_ms: us_to_ms(lengths.iter().sum()),
        longest_failure_run: store.longest_failure_run(0, end_us),
        longest_failure_ms: us_to_ms(lengths.iter().copied().max().unwrap_or(0)),
        recovery_time_ms: windows
            .chaos
            .and_then(|(_, chaos_end)| recovery_within(store, chaos_end, end_us, checks))
            .map(us_to_ms),
        failure_episodes: episodes.len() as u64,
    }
}

pub fn probe_result(
    name: &str,
    store: &SampleStore,
    end_us: u64,
    windows: &Windows,
    checks: u32,
) -> ProbeResult {
    let all = store.window(0, end_us);
    let mut failures = BTreeMap::new();
    for s in all.iter().filter(|s| !s.ok()) {
        *failures
            .entry(s.outcome.as_str().to_string())
            .or_insert(0u64) += 1;
    }
    let mut latencies = store.ok_latencies(0, end_us);
    latencies.sort_unstable();
    let latency_ms = summary(&latencies);
    let seconds = end_us.div_ceil(SECOND_US).min(MAX_BUCKETS);
    let timeline = (0..seconds)
        .map(|second| {
            let from = second * SECOND_US;
            let to = (from + SECOND_US).min(end_us);
            let window = store.window(from, to);
            let at = |p: f64| store.latency_percentile(from, to, p).map(us_to_ms);
            Bucket {
                second,
                samples: window.len() as u64,
                failures: window.iter().filter(|s| !s.ok()).count() as u64,
                p50_ms: at(50.0),
                p95_ms: at(95.0),
                p99_ms: at(99.0),
            }
        })
        .collect();
    ProbeResult {
        name: name.to_string(),
        samples: all.len() as u64,
        successes: all.iter().filter(|s| s.ok()).count() as u64,
        failures,
        latency_ms,
        timeline,
        figures: figures(store, windows, end_us, checks),
    }
}

// ───────────────────────── texts ─────────────────────────

/// `latency(home, p95) <= 300ms`, as it would be written (the percentile is always
/// shown: the plan does not remember whether `p50` was written or defaulted).
pub fn describe(condition: &Condition) -> String {
    let mut args = Vec::new();
    if let Some(probe) = &condition.probe {
        args.push(probe.clone());
    }
    if let Some(p) = condition.percentile {
        args.push(format!("p{}", number(p, 6)));
    }
    let name = condition.metric.as_str();
    let call = if args.is_empty() {
        name.to_string()
    } else {
        format!("{name}({})", args.join(", "))
    };
    let threshold = match condition.threshold {
        Threshold::Percent(p) => format!("{}%", number(p, 6)),
        Threshold::Ms(ms) => ms_written(ms),
        Threshold::Count(n) => n.to_string(),
    };
    format!("{call} {} {threshold}", condition.op.as_str())
}

/// [`describe`] with `warn ` for a non-blocking assertion and ` during WINDOW` when the
/// window is not the metric's default.
pub fn describe_assertion(a: &Assertion) -> String {
    let mut text = String::new();
    if a.severity == Severity::Warn {
        text.push_str("warn ");
    }
    text.push_str(&describe(&a.condition));
    if a.window != default_window(a.condition.metric) {
        text.push_str(" during ");
        text.push_str(a.window.as_str());
    }
    text
}

/// `error_rate(home) > 50% over 5s`, or `… since chaos started` without `over`.
pub fn describe_abort(abort: &Abort) -> String {
    match abort.over_ms {
        Some(ms) => format!("{} over {}", describe(&abort.condition), duration(ms)),
        None => format!("{} since chaos started", describe(&abort.condition)),
    }
}

/// A measured value for people: `96.5%`, `312.4ms`, `1.5s`, `1m30s`, `12`, `unbounded`.
pub fn measured_text(m: Measured) -> String {
    match m {
        Measured::Percent(p) => {
            // Three decimals, unless that would round 99.9999% up to a misleading 100%.
            let near_edge = (p > 99.999 && p < 100.0) || (p > 0.0 && p < 0.001);
            format!("{}%", number(p, if near_edge { 6 } else { 3 }))
        }
        Measured::Ms(ms) if ms < 0.0 => format!("-{}", measured_text(Measured::Ms(-ms))),
        Measured::Ms(0.0) => "0s".to_string(),
        Measured::Ms(ms) if ms < 1000.0 => format!("{}ms", number(ms, 3)),
        Measured::Ms(ms) if ms < 1e15 => duration(ms.round() as u64),
        Measured::Ms(ms) => format!("{}ms", number(ms, 0)),
        Measured::Count(n) => n.to_string(),
        Measured::Unbounded => "unbounded".to_string(),
    }
}

/// A duration in ms as the language writes it: `300ms`, `1m30s`, `1.5s`, `500us`,
/// `2.25ms`.
fn ms_written(ms: f64) -> String {
    if !ms.is_finite() {
        return format!("{ms}ms");
    }
    if ms < 0.0 {
        return format!("-{}", ms_written(-ms));
    }
    if ms.fract() == 0.0 && ms < 1e15 {
        return duration(ms as u64);
    }
    let us = ms * 1e3;
    if ms < 1.0 && is_whole(us) {
        return format!("{}us", us.round() as u64);
    }
    let ns = ms * 1e6;
    if ms < 0.001 && is_whole(ns) {
        return format!("{}ns", ns.round() as u64);
    }
    format!("{}ms", number(ms, 6))
}

fn is_whole(x: f64) -> bool {
    (x - x.round()).abs() < 1e-6
}

/// `x` with at most `decimals` decimals, without trailing zeros.
fn number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
pub(crate) mod tests;
