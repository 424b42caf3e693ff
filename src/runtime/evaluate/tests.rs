//! Hand-computed ground truth for every metric, window, abort and verdict rule.

use super::*;
use crate::plan::{Level, Origin, SourceSpan};
use crate::probe::sample::{Outcome, Sample};
use crate::report::results::PhaseFigures;

const MS: u64 = 1_000;
const S: u64 = 1_000_000;

/// A place in a test's source (the runtime's tests need one, never read it).
pub(crate) fn span() -> SourceSpan {
    SourceSpan {
        file: "t.chaos".into(),
        line: 1,
        column: 1,
        start: 0,
        end: 0,
    }
}

fn origin() -> Origin {
    Origin {
        level: Level::Scenario,
        span: span(),
    }
}

fn cond(metric: Metric, probe: Option<&str>, op: CompareOp, threshold: Threshold) -> Condition {
    let percentile = matches!(metric, Metric::Latency | Metric::LatencyDegradation).then_some(50.0);
    Condition {
        metric,
        probe: probe.map(str::to_string),
        percentile,
        op,
        threshold,
    }
}

fn assert_on(c: Condition, window: Window) -> Assertion {
    Assertion {
        condition: c,
        window,
        severity: Severity::Blocking,
        origin: origin(),
    }
}

fn pct(c: Condition, p: f64) -> Condition {
    Condition {
        percentile: Some(p),
        ..c
    }
}

/// One sample per 100 ms, sample `i` at `i × 100 ms`, for `n` samples.
fn store(n: u64, fail: impl Fn(u64) -> bool, latency_ms: impl Fn(u64) -> u64) -> SampleStore {
    let mut st = SampleStore::new();
    for i in 0..n {
        let outcome = if fail(i) {
            Outcome::Status
        } else {
            Outcome::Ok
        };
        st.push(Sample::new(i * 100 * MS, latency_ms(i) * MS, outcome));
    }
    st
}

fn stores(st: SampleStore) -> BTreeMap<String, SampleStore> {
    BTreeMap::from([("home".to_string(), st)])
}

/// The 503 scenario: 10 s at 100 ms; the service answers 503 from 3.0 s to 6.0 s
/// (samples 30..=59 fail, 6.0 s succeeds). Baseline [0, 3 s), chaos [3 s, 5 s) (the
/// service stays down 1 s after the fault is reverted), recovery [5 s, 10 s).
/// Successful latencies: `i % 10 + 1` ms, plus 20 ms from 6.0 s on.
fn outage() -> (BTreeMap<String, SampleStore>, Windows) {
    let st = store(
        100,
        |i| (30..60).contains(&i),
        |i| i % 10 + 1 + if i >= 60 { 20 } else { 0 },
    );
    let windows = Windows {
        baseline: Some((0, 3 * S)),
        chaos: Some((3 * S, 5 * S)),
        recovery: Some((5 * S, 10 * S)),
    };
    (stores(st), windows)
}

fn eval(c: Condition, window: Window) -> AssertionResult {
    let (stores, windows) = outage();
    assertion(&assert_on(c, window), &stores, &windows, 3)
}

fn measured(c: Condition, window: Window) -> Option<Measured> {
    eval(c, window).measured
}

const GE: CompareOp = CompareOp::Ge;
const LE: CompareOp = CompareOp::Le;

#[test]
fn windows_and_run() {
    let w = Windows {
        baseline: None,
        chaos: Some((3, 5)),
        recovery: Some((5, 9)),
    };
    assert_eq!(w.get(Window::Run), Some((3, 9)));
    assert_eq!(w.get(Window::Baseline), None);
    let only = Windows {
        chaos: Some((3, 5)),
        ..Windows::default()
    };
    assert_eq!(only.get(Window::Run), Some((3, 5)));
    assert_eq!(Windows::default().get(Window::Run), None);
}

#[test]
fn a_three_second_503_episode_at_100ms_sampling() {
    let p = Some("home");
    let avail = cond(Metric::Availability, p, GE, Threshold::Percent(99.0));
    let errors = cond(Metric::ErrorRate, p, LE, Threshold::Percent(1.0));
    // Chaos [3 s, 5 s): samples 30..=49, all failed.
    assert_eq!(
        measured(avail.clone(), Window::Chaos),
        Some(Measured::Percent(0.0))
    );
    assert_eq!(
        measured(errors.clone(), Window::Chaos),
        Some(Measured::Percent(100.0))
    );
    // Run: 30 of 100 failed.
    assert_eq!(
        measured(avail.clone(), Window::Run),
        Some(Measured::Percent(70.0))
    );
    assert_eq!(
        measured(errors.clone(), Window::Run),
        Some(Measured::Percent(30.0))
    );
    // Recovery [5 s, 10 s): samples 50..=99, 50..=59 failed.
    assert_eq!(
        measured(avail.clone(), Window::Recovery),
        Some(Measured::Percent(80.0))
    );
    assert_eq!(
        measured(errors, Window::Baseline),
        Some(Measured::Percent(0.0))
    );
    assert_eq!(
        measured(avail, Window::Baseline),
        Some(Measured::Percent(100.0))
    );

    let mttr = cond(Metric::Mttr, p, LE, Threshold::Ms(30_000.0));
    assert_eq!(
        measured(mttr.clone(), Window::Run),
        Some(Measured::Ms(3000.0))
    );
    // Inside chaos the episode never ends: unbounded.
    assert_eq!(
        measured(mttr.clone(), Window::Chaos),
        Some(Measured::Unbounded)
    );
    // Inside recovery it starts at 5.0 s (the window's first failed sample): 1 s.
    assert_eq!(
        measured(mttr.clone(), Window::Recovery),
        Some(Measured::Ms(1000.0))
    );
    assert_eq!(measured(mttr, Window::Baseline), Some(Measured::Ms(0.0)));

    // From the chaos end (5 s) to the first of 3 successes (6.0 s): 1 s.
    let rt = cond(Metric::RecoveryTime, p, LE, Threshold::Ms(1000.0));
    let r = eval(rt.clone(), Window::Recovery);
    assert_eq!(r.measured, Some(Measured::Ms(1000.0)));
    assert_eq!(r.status, AssertionStatus::Passed);
    assert_eq!(r.samples, 50);
    assert_eq!(
        r.window_span,
        Some(Span {
            start_ms: 5000.0,
            end_ms: 10_000.0
        })
    );
    assert_eq!(r.threshold, Measured::Ms(1000.0));
    assert_eq!(r.text, "recovery_time(home) <= 1s");
    assert_eq!(
        eval(
            cond(
                Metric::RecoveryTime,
                p,
                CompareOp::Lt,
                Threshold::Ms(1000.0)
            ),
            Window::Recovery
        )
        .status,
        AssertionStatus::Failed
    );
    // Over the run (it extends past the chaos end) the answer is the same.
    assert_eq!(
        measured(rt.clone(), Window::Run),
        Some(Measured::Ms(1000.0))
    );
    // A window that ends at the chaos end has no sample to recover in.
    assert_eq!(eval(rt.clone(), Window::Chaos).measured, None);
    assert_eq!(
        eval(rt, Window::Chaos).status,
        AssertionStatus::Inconclusive
    );

    let cf = cond(Metric::ConsecutiveFailures, p, LE, Threshold::Count(5));
    assert_eq!(measured(cf.clone(), Window::Run), Some(Measured::Count(30)));
    assert_eq!(
        measured(cf.clone(), Window::Chaos),
        Some(Measured::Count(20))
    );
    assert_eq!(
        measured(cf.clone(), Window::Recovery),
        Some(Measured::Count(10))
    );
    assert_eq!(measured(cf, Window::Baseline), Some(Measured::Count(0)));

    let rq = cond(Metric::Requests, p, GE, Threshold::Count(20));
    assert_eq!(
        measured(rq.clone(), Window::Chaos),
        Some(Measured::Count(20))
    );
    assert_eq!(
        measured(rq.clone(), Window::Run),
        Some(Measured::Count(100))
    );
    assert_eq!(
        eval(rq.clone(), Window::Chaos).status,
        AssertionStatus::Passed
    );
    assert_eq!(
        eval(
            cond(Metric::Requests, p, GE, Threshold::Count(21)),
            Window::Chaos
        )
        .status,
        AssertionStatus::Failed
    );
}

#[test]
fn latency_percentiles_per_window() {
    let p = Some("home");
    let lat = |q: f64| pct(cond(Metric::Latency, p, LE, Threshold::Ms(5.0)), q);
    // Baseline: 30 samples, 1..=10 ms three times each. p50 = rank 15 = 5 ms; p90 =
    // rank 27 = 9 ms; p95 = rank ceil(28.5) = 29 = 10 ms; p100 = 10 ms; p0 = 1 ms.
    assert_eq!(
        measured(lat(50.0), Window::Baseline),
        Some(Measured::Ms(5.0))
    );
    assert_eq!(
        measured(lat(90.0), Window::Baseline),
        Some(Measured::Ms(9.0))
    );
    assert_eq!(
        measured(lat(95.0), Window::Baseline),
        Some(Measured::Ms(10.0))
    );
    assert_eq!(
        measured(lat(100.0), Window::Baseline),
        Some(Measured::Ms(10.0))
    );
    assert_eq!(
        measured(lat(0.0), Window::Baseline),
        Some(Measured::Ms(1.0))
    );
    // p99.9 of 30: rank ceil(29.97) = 30, the maximum.
    assert_eq!(
        measured(lat(99.9), Window::Baseline),
        Some(Measured::Ms(10.0))
    );
    assert_eq!(
        eval(lat(50.0), Window::Baseline).status,
        AssertionStatus::Passed
    );
    assert_eq!(
        eval(lat(90.0), Window::Baseline).status,
        AssertionStatus::Failed
    );
    // Recovery: 40 successes (6.0 s on) of 21..=30 ms four times each: p50 = rank 20 =
    // 25 ms, p100 = 30 ms. The failed samples do not count.
    assert_eq!(
        measured(lat(50.0), Window::Recovery),
        Some(Measured::Ms(25.0))
    );
    assert_eq!(
        measured(lat(100.0), Window::Recovery),
        Some(Measured::Ms(30.0))
    );
    // Chaos: samples, but none successful: inconclusive.
    let r = eval(lat(50.0), Window::Chaos);
    assert_eq!(
        (r.measured, r.status, r.samples),
        (None, AssertionStatus::Inconclusive, 20)
    );
}

#[test]
fn latency_degradation_needs_successes_in_both_windows() {
    let p = Some("home");
    let deg = |op, ms| cond(Metric::LatencyDegradation, p, op, Threshold::Ms(ms));
    // Recovery p50 25 ms − baseline p50 5 ms = 20 ms.
    let r = eval(deg(LE, 20.0), Window::Recovery);
    assert_eq!(r.measured, Some(Measured::Ms(20.0)));
    assert_eq!(r.status, AssertionStatus::Passed);
    assert_eq!(
        eval(deg(CompareOp::Lt, 20.0), Window::Recovery).status,
        AssertionStatus::Failed
    );
    // p100: 30 − 10.
    assert_eq!(
        measured(pct(deg(LE, 0.0), 100.0), Window::Recovery),
        Some(Measured::Ms(20.0))
    );
    // The baseline against itself: 0 (and negative degradations are possible).
    assert_eq!(
        measured(deg(LE, 0.0), Window::Baseline),
        Some(Measured::Ms(0.0))
    );
    // Chaos has no successful sample: inconclusive.
    assert_eq!(
        eval(deg(LE, 20.0), Window::Chaos).status,
        AssertionStatus::Inconclusive
    );

    let (stores, mut windows) = outage();
    let a = assert_on(deg(LE, 20.0), Window::Recovery);
    // No baseline phase.
    windows.baseline = None;
    let r = assertion(&a, &stores, &windows, 3);
    assert_eq!(
        (r.measured, r.status),
        (None, AssertionStatus::Inconclusive)
    );
    assert_eq!(r.samples, 50);
    assert!(
        outcome_text(&r).contains("baseline"),
        "{}",
        outcome_text(&r)
    );
    // A baseline whose samples all failed.
    windows.baseline = Some((3 * S, 5 * S));
    let r = assertion(&a, &stores, &windows, 3);
    assert_eq!(
        (r.measured, r.status),
        (None, AssertionStatus::Inconclusive)
    );
    // Faster than the baseline: negative.
    windows.baseline = Some((6 * S, 7 * S));
    windows.recovery = Some((0, 3 * S));
    let r = assertion(&a, &stores, &windows, 3);
    assert_eq!(r.measured, Some(Measured::Ms(-20.0)));
}

#[test]
fn every_metric_in_every_empty_window_is_inconclusive() {
    let metrics = [
        (Metric::Availability, Threshold::Percent(0.0)),
        (Metric::ErrorRate, Threshold::Percent(100.0)),
        (Metric::Latency, Threshold::Ms(1e9)),
        (Metric::LatencyDegradation, Threshold::Ms(1e9)),
        (Metric::Mttr, Threshold::Ms(1e9)),
        (Metric::RecoveryTime, Threshold::Ms(1e9)),
        (Metric::ConsecutiveFailures, Threshold::Count(1_000_000)),
        (Metric::Requests, Threshold::Count(0)),
    ];
    let windows = [
        Window::Baseline,
        Window::Chaos,
        Window::Recovery,
        Window::Run,
    ];
    let phases = Windows {
        baseline: Some((0, 3 * S)),
        chaos: Some((3 * S, 5 * S)),
        recovery: Some((5 * S, 10 * S)),
    };
    // Samples only after the scenario (from 20 s): every window is empty.
    let mut after = SampleStore::new();
    for i in 0..5 {
        after.push(Sample::new(20 * S + i * 100 * MS, 1000, Outcome::Ok));
    }
    let late = stores(after);
    let empty = stores(SampleStore::new());
    let healthy = stores(store(100, |_| false, |_| 1));
    let unknown = BTreeMap::new();
    for (metric, threshold) in metrics {
        for window in windows {
            let op = if metric == Metric::Requests { GE } else { LE };
            let a = assert_on(cond(metric, Some("home"), op, threshold), window);
            let cases: [(&str, &BTreeMap<String, SampleStore>, Windows); 4] = [
                ("empty store", &empty, phases),
                ("samples elsewhere", &late, phases),
                ("no phases", &healthy, Windows::default()),
                ("unknown probe", &unknown, phases),
            ];
            for (case, st, w) in cases {
                let r = assertion(&a, st, &w, 3);
                assert_eq!(
                    r.status,
                    AssertionStatus::Inconclusive,
                    "{metric:?} {window:?} {case}"
                );
                assert_eq!(r.measured, None, "{metric:?} {window:?} {case}");
                assert_eq!(r.samples, 0, "{metric:?} {window:?} {case}");
                assert_eq!(r.window_span.is_some(), case != "no phases");
            }
            // No probe at all (a plan without probes).
            let none = assert_on(cond(metric, None, op, threshold), window);
            let r = assertion(&none, &healthy, &phases, 3);
            assert_eq!(r.status, AssertionStatus::Inconclusive);
            assert_eq!(
                outcome_text(&r),
                format!("`{}` is inconclusive: it names no probe", r.text)
            );
        }
    }
}

#[test]
fn unbounded_compares_as_infinity() {
    // Fails from 8.0 s to the end.
    let st = stores(store(100, |i| i >= 80, |_| 1));
    let w = Windows {
        baseline: Some((0, 3 * S)),
        chaos: Some((3 * S, 8 * S)),
        recovery: Some((8 * S, 10 * S)),
    };
    let run = |op, ms| {
        assertion(
            &assert_on(
                cond(Metric::Mttr, Some("home"), op, Threshold::Ms(ms)),
                Window::Run,
            ),
            &st,
            &w,
            3,
        )
    };
    let r = run(LE, 30_000.0);
    assert_eq!(
        (r.measured, r.status),
        (Some(Measured::Unbounded), AssertionStatus::Failed)
    );
    assert_eq!(
        outcome_text(&r),
        "`mttr(home) <= 30s` measured unbounded (the last failure episode never ended)"
    );
    assert_eq!(run(CompareOp::Gt, 1000.0).status, AssertionStatus::Passed);
    assert_eq!(run(CompareOp::Ne, 1000.0).status, AssertionStatus::Passed);
    assert_eq!(run(CompareOp::Eq, 1000.0).status, AssertionStatus::Failed);
    let rt = assertion(
        &assert_on(
            cond(
                Metric::RecoveryTime,
                Some("home"),
                LE,
                Threshold::Ms(2000.0),
            ),
            Window::Recovery,
        ),
        &st,
        &w,
        3,
    );
    assert_eq!(
        (rt.measured, rt.status),
        (Some(Measured::Unbounded), AssertionStatus::Failed)
    );
    assert!(outcome_text(&rt).ends_with("measured unbounded (never recovered)"));
    assert_eq!(recovery_time_us(&st["home"], 8 * S, 3), None);
    assert!(!recovered(&st["home"], 8 * S, 3));
}

#[test]
fn comparisons() {
    use CompareOp::*;
    let c = |m, op, t| compare(m, op, t);
    // 1999 of 2000 is 99.95% exactly, whatever the binary rounding.
    let a = Measured::Percent(1999.0 * 100.0 / 2000.0);
    assert_eq!(c(a, Eq, Threshold::Percent(99.95)), Some(true));
    assert_eq!(c(a, Ge, Threshold::Percent(99.95)), Some(true));
    assert_eq!(c(a, Gt, Threshold::Percent(99.95)), Some(false));
    assert_eq!(c(a, Lt, Threshold::Percent(99.95)), Some(false));
    assert_eq!(c(a, Ne, Threshold::Percent(99.95)), Some(false));
    // 0.1 + 0.2 ms is 0.3 ms.
    assert_eq!(
        c(Measured::Ms(0.1 + 0.2), Eq, Threshold::Ms(0.3)),
        Some(true)
    );
    // 1 µs apart is a difference.
    assert_eq!(
        c(Measured::Ms(300.001), Le, Threshold::Ms(300.0)),
        Some(false)
    );
    assert_eq!(c(Measured::Count(10), Ge, Threshold::Count(10)), Some(true));
    assert_eq!(c(Measured::Count(9), Ge, Threshold::Count(10)), Some(false));
    assert_eq!(
        c(Measured::Unbounded, Ge, Threshold::Ms(f64::MAX)),
        Some(true)
    );
    // Mixed units (a hand-written plan) cannot be compared.
    assert_eq!(c(Measured::Percent(5.0), Le, Threshold::Ms(5.0)), None);
    assert_eq!(c(Measured::Count(5), Le, Threshold::Percent(5.0)), None);
    assert_eq!(c(Measured::Unbounded, Le, Threshold::Count(5)), None);
    assert_eq!(c(Measured::Ms(f64::NAN), Le, Threshold::Ms(5.0)), None);
}

#[test]
fn recovery_time_is_zero_when_healthy_throughout() {
    let st = store(100, |_| false, |_| 1);
    assert_eq!(recovery_time_us(&st, 5 * S, 3), Some(0));
    // The chaos end between two samples: still healthy before and after.
    assert_eq!(recovery_time_us(&st, 4950 * MS, 3), Some(0));
    assert!(recovered(&st, 5 * S, 3));
    // Unhealthy at the chaos end (4.9 s failed) and fine from 5.0 s: 50 ms after 4.95 s.
    let st = store(100, |i| i == 49, |_| 1);
    assert_eq!(recovery_time_us(&st, 4950 * MS, 3), Some(50 * MS));
    // Healthy at the chaos end, but one of the next three failed (5.1 s): 5.2 s.
    let st = store(100, |i| i == 51, |_| 1);
    assert_eq!(recovery_time_us(&st, 5 * S, 3), Some(200 * MS));
    // No sample before the chaos end: healthy is not known, so the time to the first
    // sample counts.
    let mut st = SampleStore::new();
    for i in 0..5 {
        st.push(Sample::new(5 * S + 40 * MS + i * 100 * MS, 1, Outcome::Ok));
    }
    assert_eq!(recovery_time_us(&st, 5 * S, 3), Some(40 * MS));
    assert_eq!(recovery_time_us(&SampleStore::new(), 5 * S, 3), None);
}

#[test]
fn flapping_recovery_needs_consecutive_checks() {
    // After the chaos end at 5 s: 5.0 F, 5.1 ok, 5.2 ok, 5.3 F, 5.4 ok, 5.5 F,
    // 5.6 ok, 5.7 ok, 5.8 ok, 5.9 F, then ok.
    let failed = [50, 53, 55, 59];
    let fail = |i: u64| i >= 45 && (i < 50 || failed.contains(&i));
    let full = store(70, fail, |_| 1);
    assert_eq!(recovery_time_us(&full, 5 * S, 1), Some(100 * MS));
    assert_eq!(recovery_time_us(&full, 5 * S, 2), Some(100 * MS));
    assert_eq!(recovery_time_us(&full, 5 * S, 3), Some(600 * MS));
    assert_eq!(recovery_time_us(&full, 5 * S, 4), Some(1000 * MS));
    // `checks 0` is `checks 1`.
    assert_eq!(recovery_time_us(&full, 5 * S, 0), Some(100 * MS));
    // Live, sample by sample: recovered exactly when 5.8 s arrives.
    let mut live = SampleStore::new();
    for s in full.samples() {
        live.push(*s);
        let expect = s.offset_us >= 5800 * MS;
        assert_eq!(recovered(&live, 5 * S, 3), expect, "at {}", s.offset_us);
    }
}

fn result(
    text: &str,
    severity: Severity,
    status: AssertionStatus,
    m: Option<Measured>,
) -> AssertionResult {
    AssertionResult {
        text: text.to_string(),
        metric: Metric::Availability,
        probe: Some("home".into()),
        percentile: None,
        op: GE,
        threshold: Measured::Percent(99.0),
        window: Window::Chaos,
        window_span: Some(Span {
            start_ms: 0.0,
            end_ms: 1.0,
        }),
        severity,
        origin: origin(),
        measured: m,
        status,
        samples: if m.is_some() { 10 } else { 0 },
    }
}

#[test]
fn verdict_precedence() {
    use AssertionStatus::*;
    use Severity::*;
    let ok = result("a", Blocking, Passed, Some(Measured::Percent(100.0)));
    let warn_failed = result("warn b", Warn, Failed, Some(Measured::Percent(98.0)));
    let warn_empty = result("warn c", Warn, Inconclusive, None);
    let failed = result(
        "availability(home) >= 99%",
        Blocking,
        Failed,
        Some(Measured::Percent(96.5)),
    );
    let empty = result("d", Blocking, Inconclusive, None);

    assert_eq!(verdict(&[]), (Verdict::Passed, None));
    assert_eq!(verdict(std::slice::from_ref(&ok)), (Verdict::Passed, None));
    assert_eq!(
        verdict(&[ok.clone(), warn_failed.clone()]),
        (
            Verdict::PassedWithWarnings,
            Some("`warn b` measured 98%".to_string())
        )
    );
    assert_eq!(
        verdict(std::slice::from_ref(&warn_empty)),
        (
            Verdict::PassedWithWarnings,
            Some("`warn c` is inconclusive: no samples in the chaos window".to_string())
        )
    );
    assert_eq!(
        verdict(&[warn_failed.clone(), ok.clone(), failed.clone()]),
        (
            Verdict::Failed,
            Some("`availability(home) >= 99%` measured 96.5%".to_string())
        )
    );
    // An inconclusive blocking assertion fails too; the first culprit is named.
    assert_eq!(
        verdict(&[warn_failed, empty.clone(), failed.clone(), failed.clone()]),
        (
            Verdict::Failed,
            Some("`d` is inconclusive: no samples in the chaos window (and 2 more)".to_string())
        )
    );
    let mut no_phase = empty;
    no_phase.window_span = None;
    no_phase.window = Window::Recovery;
    assert_eq!(
        verdict(&[no_phase]).1.as_deref(),
        Some("`d` is inconclusive: there was no recovery phase")
    );

    assert_eq!(steady(&[ok.clone(), warn_empty]), Ok(()));
    assert_eq!(steady(&[]), Ok(()));
    assert_eq!(
        steady(&[ok, failed]),
        Err("the steady state does not hold: `availability(home) >= 99%` measured 96.5%".into())
    );
}

fn abort(c: Condition, over_ms: Option<u64>) -> Abort {
    Abort {
        condition: c,
        over_ms,
        origin: origin(),
    }
}

#[test]
fn abort_fires_exactly_when_the_sliding_window_turns() {
    // Healthy until 2.0 s, failing from then on; a sample every 100 ms.
    let a = abort(
        cond(
            Metric::ErrorRate,
            Some("home"),
            CompareOp::Gt,
            Threshold::Percent(50.0),
        ),
        Some(1000),
    );
    let mut live = BTreeMap::from([("home".to_string(), SampleStore::new())]);
    for i in 0..40u64 {
        let outcome = if i >= 20 {
            Outcome::Timeout
        } else {
            Outcome::Ok
        };
        if let Some(st) = live.get_mut("home") {
            st.push(Sample::new(i * 100 * MS, 1, outcome));
        }
        // The last second holds samples i-9..=i: i-19 of 10 failed (`i >= 20`).
        for now in [i * 100 * MS, i * 100 * MS + 50 * MS] {
            let got = abort_holds(&a, &live, now, 2 * S);
            let expect = (i >= 25).then(|| Measured::Percent((i.min(29) - 19) as f64 * 10.0));
            assert_eq!(got, expect, "sample {i}, now {now}");
        }
    }
    // Long after the last sample the window is empty: no evidence, no abort.
    assert_eq!(abort_holds(&a, &live, 10 * S, 2 * S), None);
    // Since the chaos start (2 s) at 3.9 s: 20 of 20 failed.
    let since = abort(a.condition.clone(), None);
    assert_eq!(
        abort_holds(&since, &live, 3900 * MS, 2 * S),
        Some(Measured::Percent(100.0))
    );
    // Since a chaos start at 1 s: 20 of 30 failed (66.7%).
    assert!(abort_holds(&since, &live, 3900 * MS, S).is_some());
    // A chaos start at 0: 20 of 40 is not above 50%.
    assert_eq!(abort_holds(&since, &live, 3900 * MS, 0), None);
}

#[test]
fn an_empty_window_never_fires() {
    let empty = BTreeMap::from([("home".to_string(), SampleStore::new())]);
    let conditions = [
        cond(
            Metric::Requests,
            Some("home"),
            CompareOp::Lt,
            Threshold::Count(5),
        ),
        cond(
            Metric::Availability,
            Some("home"),
            CompareOp::Lt,
            Threshold::Percent(100.0),
        ),
        cond(
            Metric::Mttr,
            Some("home"),
            CompareOp::Ge,
            Threshold::Ms(0.0),
        ),
        cond(
            Metric::ConsecutiveFailures,
            Some("home"),
            CompareOp::Ge,
            Threshold::Count(0),
        ),
    ];
    for c in conditions {
        for over in [Some(1000), None] {
            assert_eq!(abort_holds(&abort(c.clone(), over), &empty, 5 * S, 0), None);
            // No probe, or a probe with no store.
            let none = Condition {
                probe: None,
                ..c.clone()
            };
            assert_eq!(abort_holds(&abort(none, over), &empty, 5 * S, 0), None);
            let other = Condition {
                probe: Some("other".into()),
                ..c.clone()
            };
            assert_eq!(abort_holds(&abort(other, over), &empty, 5 * S, 0), None);
        }
    }
    // Samples, but all before the window: `requests < 5 over 1s` does not fire.
    let st = stores(store(10, |_| false, |_| 1));
    let few = abort(conditions_requests(), Some(1000));
    assert_eq!(abort_holds(&few, &st, 5 * S, 0), None);
    // Seen from 0.9 s the window reaches back before the scenario start: all 10
    // samples, not fewer than 5. From 0.3 s: 4 samples, it fires.
    assert_eq!(abort_holds(&few, &st, 900 * MS, 0), None);
    assert_eq!(
        abort_holds(&few, &st, 300 * MS, 0),
        Some(Measured::Count(4))
    );
}

fn conditions_requests() -> Condition {
    cond(
        Metric::Requests,
        Some("home"),
        CompareOp::Lt,
        Threshold::Count(5),
    )
}

#[test]
fn an_open_episode_counts_to_now_for_mttr_aborts() {
    let a = abort(
        cond(
            Metric::Mttr,
            Some("home"),
            CompareOp::Gt,
            Threshold::Ms(500.0),
        ),
        None,
    );
    // Failing from 2.0 s (the chaos start).
    let st = stores(store(40, |i| i >= 20, |_| 1));
    assert_eq!(abort_holds(&a, &st, 2500 * MS, 2 * S), None);
    assert_eq!(
        abort_holds(&a, &st, 2550 * MS, 2 * S),
        Some(Measured::Ms(550.0))
    );
    assert_eq!(
        abort_holds(&a, &st, 2600 * MS, 2 * S),
        Some(Measured::Ms(600.0))
    );
    // A closed 300 ms episode and an open one of 900 ms: mean 600 ms.
    let st = stores(store(40, |i| (20..23).contains(&i) || i >= 30, |_| 1));
    assert_eq!(
        abort_holds(&a, &st, 3900 * MS, 2 * S),
        Some(Measured::Ms(600.0))
    );
    // Healthy: 0 ms.
    let healthy = abort(
        cond(
            Metric::Mttr,
            Some("home"),
            CompareOp::Le,
            Threshold::Ms(0.0),
        ),
        Some(1000),
    );
    assert_eq!(
        abort_holds(&healthy, &stores(store(10, |_| false, |_| 1)), 900 * MS, 0),
        Some(Measured::Ms(0.0))
    );
}

#[test]
fn latency_aborts() {
    // 1 ms until 2.0 s, then 200 ms.
    let st = stores(store(40, |_| false, |i| if i >= 20 { 200 } else { 1 }));
    let max = abort(
        pct(
            cond(
                Metric::Latency,
                Some("home"),
                CompareOp::Gt,
                Threshold::Ms(100.0),
            ),
            100.0,
        ),
        Some(1000),
    );
    assert_eq!(abort_holds(&max, &st, 1900 * MS, 2 * S), None);
    assert_eq!(
        abort_holds(&max, &st, 2000 * MS, 2 * S),
        Some(Measured::Ms(200.0))
    );
    // The median (rank 5 of 10) of the last second turns slow when at most 4 of its
    // samples are fast: at 2.5 s (samples 1.6 … 2.5 s, 6 slow).
    let p50 = abort(pct(max.condition.clone(), 50.0), Some(1000));
    assert_eq!(abort_holds(&p50, &st, 2300 * MS, 2 * S), None);
    assert_eq!(abort_holds(&p50, &st, 2400 * MS, 2 * S), None);
    assert_eq!(
        abort_holds(&p50, &st, 2500 * MS, 2 * S),
        Some(Measured::Ms(200.0))
    );
    // Degradation against the baseline [0, chaos start): 200 − 1 ms.
    let deg = abort(
        cond(
            Metric::LatencyDegradation,
            Some("home"),
            CompareOp::Ge,
            Threshold::Ms(199.0),
        ),
        None,
    );
    assert_eq!(
        abort_holds(&deg, &st, 3 * S, 2 * S),
        Some(Measured::Ms(199.0))
    );
    // No baseline (chaos starts at 0): never.
    assert_eq!(abort_holds(&deg, &st, 3 * S, 0), None);
    // recovery_time never fires.
    let rt = abort(
        cond(
            Metric::RecoveryTime,
            Some("home"),
            CompareOp::Ge,
            Threshold::Ms(0.0),
        ),
        None,
    );
    assert_eq!(abort_holds(&rt, &st, 3 * S, 2 * S), None);
    // All failed in the window: no latency, no abort.
    let failing = stores(store(40, |i| i >= 20, |_| 500));
    assert_eq!(abort_holds(&max, &failing, 3900 * MS, 2 * S), None);
}

#[test]
fn texts() {
    let home = Some("home");
    assert_eq!(
        describe(&cond(
            Metric::Availability,
            home,
            GE,
            Threshold::Percent(99.95)
        )),
        "availability(home) >= 99.95%"
    );
    assert_eq!(
        describe(&pct(
            cond(Metric::Latency, home, LE, Threshold::Ms(300.0)),
            95.0
        )),
        "latency(home, p95) <= 300ms"
    );
    assert_eq!(
        describe(&pct(
            cond(Metric::Latency, home, CompareOp::Lt, Threshold::Ms(1500.0)),
            99.9
        )),
        "latency(home, p99.9) < 1.5s"
    );
    assert_eq!(
        describe(&cond(Metric::Latency, home, LE, Threshold::Ms(0.5))),
        "latency(home, p50) <= 500us"
    );
    assert_eq!(
        describe(&cond(Metric::Latency, home, LE, Threshold::Ms(2.25))),
        "latency(home, p50) <= 2.25ms"
    );
    assert_eq!(
        describe(&cond(Metric::Mttr, None, LE, Threshold::Ms(90_000.0))),
        "mttr <= 1m30s"
    );
    assert_eq!(
        describe(&cond(
            Metric::ConsecutiveFailures,
            None,
            CompareOp::Ge,
            Threshold::Count(10)
        )),
        "consecutive_failures >= 10"
    );
    assert_eq!(
        describe(&cond(
            Metric::LatencyDegradation,
            home,
            CompareOp::Ne,
            Threshold::Ms(-20.0)
        )),
        "latency_degradation(home, p50) != -20ms"
    );
    assert_eq!(
        describe(&cond(
            Metric::Requests,
            home,
            CompareOp::Eq,
            Threshold::Count(0)
        )),
        "requests(home) == 0"
    );

    let warn = |c, w| Assertion {
        severity: Severity::Warn,
        ..assert_on(c, w)
    };
    assert_eq!(
        describe_assertion(&warn(
            cond(Metric::ErrorRate, home, LE, Threshold::Percent(1.0)),
            Window::Run
        )),
        "warn error_rate(home) <= 1% during run"
    );
    assert_eq!(
        describe_assertion(&assert_on(
            cond(Metric::RecoveryTime, home, LE, Threshold::Ms(10_000.0)),
            Window::Recovery
        )),
        "recovery_time(home) <= 10s"
    );
    assert_eq!(
        describe_assertion(&assert_on(
            cond(Metric::Mttr, home, LE, Threshold::Ms(30_000.0)),
            Window::Run
        )),
        "mttr(home) <= 30s"
    );
    assert_eq!(
        describe_assertion(&assert_on(
            cond(Metric::Mttr, home, LE, Threshold::Ms(30_000.0)),
            Window::Chaos
        )),
        "mttr(home) <= 30s during chaos"
    );
    assert_eq!(
        describe_assertion(&warn(
            pct(cond(Metric::Latency, home, LE, Threshold::Ms(300.0)), 99.0),
            Window::Chaos
        )),
        "warn latency(home, p99) <= 300ms"
    );
    assert_eq!(
        describe_abort(&abort(
            cond(
                Metric::ErrorRate,
                home,
                CompareOp::Gt,
                Threshold::Percent(50.0)
            ),
            Some(5000)
        )),
        "error_rate(home) > 50% over 5s"
    );
    assert_eq!(
        describe_abort(&abort(
            cond(Metric::ConsecutiveFailures, home, GE, Threshold::Count(10)),
            None
        )),
        "consecutive_failures(home) >= 10 since chaos started"
    );

    assert_eq!(measured_text(Measured::Percent(96.5)), "96.5%");
    assert_eq!(measured_text(Measured::Percent(200.0 / 3.0)), "66.667%");
    assert_eq!(measured_text(Measured::Percent(99.99995)), "99.99995%");
    assert_eq!(measured_text(Measured::Percent(100.0)), "100%");
    assert_eq!(measured_text(Measured::Ms(312.4)), "312.4ms");
    assert_eq!(measured_text(Measured::Ms(0.0)), "0s");
    assert_eq!(measured_text(Measured::Ms(1500.0)), "1.5s");
    assert_eq!(measured_text(Measured::Ms(1500.4)), "1.5s");
    assert_eq!(measured_text(Measured::Ms(90_000.0)), "1m30s");
    assert_eq!(measured_text(Measured::Ms(-20.0)), "-20ms");
    assert_eq!(measured_text(Measured::Count(7)), "7");
    assert_eq!(measured_text(Measured::Unbounded), "unbounded");
}

#[test]
fn probe_summary() {
    let (stores, windows) = outage();
    let st = &stores["home"];
    let r = probe_result("home", st, 10 * S, &windows, 3);
    assert_eq!(r.name, "home");
    assert_eq!((r.samples, r.successes), (100, 70));
    assert_eq!(r.failures, BTreeMap::from([("status".to_string(), 30)]));
    // 70 successes: 30 of 1..=10 ms (×3) and 40 of 21..=30 ms (×4). Sorted, the value
    // at rank r > 30 is 21 + (r − 31) / 4 ms: p50 = rank 35 → 22 ms; p90 = rank 63 →
    // 29 ms; p95 = rank ceil(66.5) = 67 → 30 ms; p99 = rank ceil(69.3) = 70 → 30 ms.
    let l = r.latency_ms.unwrap_or(LatencySummary {
        p50: -1.0,
        p90: -1.0,
        p95: -1.0,
        p99: -1.0,
        max: -1.0,
    });
    assert_eq!(
        (l.p50, l.p90, l.p95, l.p99, l.max),
        (22.0, 29.0, 30.0, 30.0, 30.0)
    );
    assert_eq!(r.timeline.len(), 10);
    assert_eq!(
        r.timeline[0],
        Bucket {
            second: 0,
            samples: 10,
            failures: 0,
            p50_ms: Some(5.0),
            p95_ms: Some(10.0),
            p99_ms: Some(10.0),
        }
    );
    assert_eq!(r.timeline[3].failures, 10);
    assert_eq!(r.timeline[3].p50_ms, None);
    assert_eq!(r.timeline[9].p50_ms, Some(25.0));
    // A scenario end inside a second: the last bucket is partial, later samples out.
    let r = probe_result("home", st, 2_050 * MS, &windows, 3);
    assert_eq!(r.timeline.len(), 3);
    assert_eq!(r.samples, 21);
    assert_eq!(r.timeline[2].samples, 1);
    // Nothing.
    let none = Windows::default();
    let r = probe_result("x", &SampleStore::new(), 2 * S, &none, 3);
    assert_eq!((r.samples, r.latency_ms, r.timeline.len()), (0, None, 2));
    assert!(r.failures.is_empty());
    assert_eq!(r.figures.run.availability_percent, None);
    assert_eq!(r.figures.mttr_ms, Some(0.0));
    assert_eq!(
        probe_result("x", &SampleStore::new(), 0, &none, 3)
            .timeline
            .len(),
        0
    );
}

/// The standard figures of the 503 scenario, per phase and over the run, computed by
/// hand from its definition (`outage`).
#[test]
fn standard_figures_per_phase() {
    let (stores, windows) = outage();
    let f = probe_result("home", &stores["home"], 10 * S, &windows, 3).figures;
    let phase = |p: Option<PhaseFigures>| p.expect("the phase happened");
    let baseline = phase(f.baseline);
    assert_eq!(
        (baseline.samples, baseline.availability_percent),
        (30, Some(100.0))
    );
    assert_eq!((baseline.start_ms, baseline.end_ms), (0.0, 3000.0));
    let chaos = phase(f.chaos);
    assert_eq!(
        (
            chaos.samples,
            chaos.availability_percent,
            chaos.error_rate_percent
        ),
        (20, Some(0.0), Some(100.0))
    );
    assert_eq!(chaos.latency_ms, None, "no successful sample");
    let recovery = phase(f.recovery);
    assert_eq!(
        (recovery.samples, recovery.availability_percent),
        (50, Some(80.0))
    );
    assert_eq!(recovery.latency_ms.map(|l| l.p50), Some(25.0));
    assert_eq!(
        (f.run.samples, f.run.availability_percent),
        (100, Some(70.0))
    );
    // One episode, 3.0 s → 6.0 s.
    assert_eq!(f.failure_episodes, 1);
    assert_eq!(f.mttr_ms, Some(3000.0));
    assert_eq!(f.downtime_ms, 3000.0);
    assert_eq!((f.longest_failure_run, f.longest_failure_ms), (30, 3000.0));
    // Chaos ends at 5 s; 3 successes in a row from 6.0 s.
    assert_eq!(f.recovery_time_ms, Some(1000.0));
}

/// A million samples (1000 s at 1 ms): window lookups are binary searches and metrics
/// are linear in their window, so this is quick even unoptimised.
#[test]
fn a_million_samples() {
    let mut st = SampleStore::new();
    for i in 0..1_000_000u64 {
        let outcome = if (600_000..603_000).contains(&i) {
            Outcome::Connect
        } else {
            Outcome::Ok
        };
        st.push(Sample::new(i * MS, i % 100 + 1, outcome));
    }
    let all = stores(st);
    let w = Windows {
        baseline: Some((0, 100 * S)),
        chaos: Some((100 * S, 700 * S)),
        recovery: Some((700 * S, 1000 * S)),
    };
    let a = |c, window| assertion(&assert_on(c, window), &all, &w, 3).measured;
    let home = Some("home");
    assert_eq!(
        a(
            cond(Metric::ErrorRate, home, LE, Threshold::Percent(1.0)),
            Window::Chaos
        ),
        Some(Measured::Percent(0.5))
    );
    assert_eq!(
        a(
            cond(Metric::Mttr, home, LE, Threshold::Ms(1.0)),
            Window::Run
        ),
        Some(Measured::Ms(3000.0))
    );
    assert_eq!(
        a(
            cond(Metric::ConsecutiveFailures, home, LE, Threshold::Count(1)),
            Window::Run
        ),
        Some(Measured::Count(3000))
    );
    assert_eq!(
        a(
            pct(cond(Metric::Latency, home, LE, Threshold::Ms(1.0)), 100.0),
            Window::Run
        ),
        Some(Measured::Ms(0.1))
    );
    // Sliding-window aborts as the runtime polls them, every 10 ms from 598 s to
    // 607.99 s. Over 4 s (4000 samples) the error rate is above 50% with at least 2001
    // failures in (now − 4 s, now]: from now = 602.000 s (600.000 … 602.000 s failed)
    // to 604.998 s (600.999 … 602.999 s).
    let polls = |over_ms: u64| -> Vec<u64> {
        let ab = abort(
            cond(
                Metric::ErrorRate,
                home,
                CompareOp::Gt,
                Threshold::Percent(50.0),
            ),
            Some(over_ms),
        );
        (0..1000u64)
            .map(|k| 598 * S + k * 10 * MS)
            .filter(|&now| abort_holds(&ab, &all, now, 100 * S).is_some())
            .collect()
    };
    let fired = polls(4000);
    assert_eq!(fired.first().copied(), Some(602_000 * MS));
    assert_eq!(fired.last().copied(), Some(604_990 * MS));
    assert_eq!(fired.len(), 300);
    // Over 5 s: at least 2501 failures, from 602.500 s to 605.498 s.
    let fired = polls(5000);
    assert_eq!(fired.first().copied(), Some(602_500 * MS));
    assert_eq!(fired.last().copied(), Some(605_490 * MS));
    assert_eq!(fired.len(), 300);
}
