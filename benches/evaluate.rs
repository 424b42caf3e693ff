//! Evaluation cost: `abort_holds` as the runtime polls it (every ~50 ms during a run),
//! assertions at the end of a scenario, and the probe summary, on stores of 100 000 and
//! 1 000 000 samples. Window lookups are binary searches; every metric is linear in its
//! window, so a sliding 5 s window costs the same whatever the store's size.
//!
//! `cargo bench --bench evaluate`. `CHAOSC_BENCH_REPS` sets the polls per case
//! (default 200).

use chaosc::plan::{
    Abort, Assertion, CompareOp, Condition, Level, Metric, Origin, Severity, SourceSpan, Threshold,
    Window,
};
use chaosc::probe::sample::{Outcome, Sample, SampleStore};
use chaosc::runtime::evaluate::{abort_holds, assertion, probe_result, Windows};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

const MS: u64 = 1_000;
const S: u64 = 1_000_000;

fn origin() -> Origin {
    Origin {
        level: Level::Scenario,
        span: SourceSpan {
            file: "bench.chaos".into(),
            line: 1,
            column: 1,
            start: 0,
            end: 0,
        },
    }
}

fn condition(metric: Metric, threshold: Threshold) -> Condition {
    Condition {
        metric,
        probe: Some("home".into()),
        percentile: matches!(metric, Metric::Latency | Metric::LatencyDegradation).then_some(99.0),
        op: CompareOp::Gt,
        threshold,
    }
}

/// `n` samples at 1 ms; a 1 % slice of failures in the middle; varied latencies.
fn store(n: u64) -> SampleStore {
    let mut st = SampleStore::new();
    let mut rng = fastrand::Rng::with_seed(7);
    for i in 0..n {
        let outcome = if (n / 2..n / 2 + n / 100).contains(&i) {
            Outcome::Timeout
        } else {
            Outcome::Ok
        };
        st.push(Sample::new(i * MS, rng.u64(1_000..50_000), outcome));
    }
    st
}

fn time<T>(label: &str, reps: u32, mut f: impl FnMut(u32) -> T) {
    let start = Instant::now();
    for k in 0..reps {
        black_box(f(k));
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / f64::from(reps.max(1));
    println!("  {label:<52} {per:>10.1} µs");
}

fn main() {
    let reps: u32 = std::env::var("CHAOSC_BENCH_REPS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(200);
    let metrics = [
        (Metric::ErrorRate, Threshold::Percent(50.0)),
        (Metric::Latency, Threshold::Ms(1000.0)),
        (Metric::LatencyDegradation, Threshold::Ms(1000.0)),
        (Metric::Mttr, Threshold::Ms(5000.0)),
        (Metric::ConsecutiveFailures, Threshold::Count(1000)),
    ];
    for n in [100_000u64, 1_000_000] {
        let built = Instant::now();
        let stores = BTreeMap::from([("home".to_string(), store(n))]);
        println!(
            "{n} samples ({} s at 1 ms), built in {:.0} ms",
            n / 1000,
            built.elapsed().as_secs_f64() * 1e3
        );
        let end = n * MS;
        let chaos_start = end / 10;
        for (metric, threshold) in metrics {
            for over in [Some(5_000), None] {
                let abort = Abort {
                    condition: condition(metric, threshold),
                    over_ms: over,
                    origin: origin(),
                };
                let label = format!(
                    "abort {metric:?} {}",
                    over.map_or("since chaos start".to_string(), |ms| format!(
                        "over {ms} ms"
                    ))
                );
                // Polls walk through the second half, as a run would.
                time(&label, reps, |k| {
                    let now = end / 2 + u64::from(k) * 50 * MS % (end / 2);
                    abort_holds(&abort, &stores, now, chaos_start)
                });
            }
        }
        let windows = Windows {
            baseline: Some((0, chaos_start)),
            chaos: Some((chaos_start, end * 8 / 10)),
            recovery: Some((end * 8 / 10, end)),
        };
        for (metric, threshold) in metrics {
            let a = Assertion {
                condition: condition(metric, threshold),
                window: Window::Run,
                severity: Severity::Blocking,
                origin: origin(),
            };
            time(
                &format!("assertion {metric:?} during run"),
                reps.div_ceil(20),
                |_| assertion(&a, &stores, &windows, 3),
            );
        }
        if let Some(st) = stores.get("home") {
            time("probe_result", reps.div_ceil(100), |_| {
                probe_result("home", st, end + S, &windows, 3)
            });
        }
    }
}
