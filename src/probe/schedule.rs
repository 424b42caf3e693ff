//! Running a probe on its schedule for a while.
//!
//! Both schedules are open models on a fixed grid: sample `i` is scheduled at `i × D`
//! after the probe starts (`every: D`), or at `i / rate` seconds (`rate:`), on the
//! monotonic clock, whether or not earlier samples have answered. So a hung request
//! does not hold the next one back: with a timeout longer than the interval, hung
//! samples overlap, and an outage weighs what it lasts, not one sample per timeout.
//! A sample that starts late (a busy machine) starts at once, and its latency is
//! measured from its *scheduled* start, so a stall is counted, not hidden (no
//! coordinated omission). The number of samples in flight is bounded (`max_in_flight`,
//! by default `ceil((timeout + 1 s) / interval) + 1`, at most 10 000): a scheduled
//! sample that finds the bound reached is not sent and is recorded as a failed sample
//! with outcome `saturated` and latency 0, never dropped. Since every sample ends
//! within its timeout, the default bound is only reached when the runner itself falls
//! behind.
//!
//! Every sample is recorded at its scheduled offset from `run_start`. Samples are
//! scheduled while the offset is before the end of the duration; the call returns once
//! the last of them has ended (at most a timeout later).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Semaphore};
use tokio::task::{self, JoinSet};

use super::check::Prepared;
use super::sample::{Outcome, Sample, SampleStore};
use crate::plan::Schedule;

/// The most samples in flight the default bound allows.
pub const MAX_IN_FLIGHT: usize = 10_000;

/// The highest `rate:` that can be scheduled (one sample per microsecond).
pub const MAX_RATE: f64 = 1_000_000.0;

/// How to run one probe.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub schedule: Schedule,
    pub timeout: Duration,
    /// How long to schedule samples for, from the call.
    pub duration: Duration,
    /// The run's monotonic start; sample offsets are measured from it.
    pub run_start: Instant,
    /// `rate:` only: overrides the default in-flight bound (at least 1).
    pub max_in_flight: Option<usize>,
}

/// A schedule that cannot run.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleError {
    ZeroEvery,
    BadRate(f64),
}

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScheduleError::ZeroEvery => f.write_str("a probe cannot run `every: 0s`"),
            ScheduleError::BadRate(r) => write!(
                f,
                "a probe cannot run at `{r}/s`: the rate must be above 0 and at most {MAX_RATE}/s"
            ),
        }
    }
}

impl std::error::Error for ScheduleError {}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The default in-flight bound for `rate` samples per second with this timeout.
pub fn default_max_in_flight(rate: f64, timeout: Duration) -> usize {
    let bound = (rate * (timeout.as_secs_f64() + 1.0)).ceil() + 1.0;
    if bound.is_finite() && bound < MAX_IN_FLIGHT as f64 {
        (bound as usize).max(1)
    } else {
        MAX_IN_FLIGHT
    }
}

/// The samples of a probe while it runs, shared with whoever watches them (abort
/// conditions, recovery, progress).
pub type SharedStore = Arc<Mutex<SampleStore>>;

/// Stops a probe early: set to `true` and the probe schedules nothing more; samples in
/// flight still end (within their timeout) and are recorded.
pub type Stop = watch::Receiver<bool>;

/// Runs `check` on `run.schedule` for `run.duration` and returns its samples.
pub async fn run(check: Arc<Prepared>, run: Run) -> Result<SampleStore, ScheduleError> {
    let sink = SharedStore::default();
    let (_keep, stop) = watch::channel(false);
    run_into(check, run, Arc::clone(&sink), stop).await?;
    let store = std::mem::take(&mut *lock(&sink));
    Ok(store)
}

/// Runs `check` on `run.schedule` until `run.duration` has passed or `stop` turns
/// `true`, pushing every sample into `sink` as it ends.
pub async fn run_into(
    check: Arc<Prepared>,
    run: Run,
    sink: SharedStore,
    stop: Stop,
) -> Result<(), ScheduleError> {
    match run.schedule {
        Schedule::EveryMs(0) => Err(ScheduleError::ZeroEvery),
        Schedule::EveryMs(ms) => {
            let every = Duration::from_millis(ms);
            let rate = 1000.0 / ms as f64;
            let due = move |i: u64| u32::try_from(i).ok().and_then(|i| every.checked_mul(i));
            open(check, rate, due, run, &sink, stop).await;
            Ok(())
        }
        Schedule::RatePerSecond(rate) if rate > 0.0 && rate <= MAX_RATE => {
            let due = move |i: u64| Duration::try_from_secs_f64(i as f64 / rate).ok();
            open(check, rate, due, run, &sink, stop).await;
            Ok(())
        }
        Schedule::RatePerSecond(rate) => Err(ScheduleError::BadRate(rate)),
    }
}

/// The store, even if a holder panicked (a sample store stays consistent: `push` is
/// the only mutation).
pub fn lock(sink: &SharedStore) -> std::sync::MutexGuard<'_, SampleStore> {
    sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sleeps until `at`; `false` when `stop` turned `true` first.
async fn sleep_or_stop(at: Instant, stop: &mut Stop) -> bool {
    if *stop.borrow() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep_until(at.into()) => true,
        changed = stop.changed() => {
            // A dropped sender means nobody can stop us: sleep on.
            if changed.is_err() {
                tokio::time::sleep_until(at.into()).await;
                return true;
            }
            !*stop.borrow()
        }
    }
}

/// Runs samples on the grid `due(i)` (offsets from the probe's start), `rate` per
/// second on average (for the default in-flight bound).
async fn open(
    check: Arc<Prepared>,
    rate: f64,
    due: impl Fn(u64) -> Option<Duration>,
    run: Run,
    sink: &SharedStore,
    mut stop: Stop,
) {
    let bound = run
        .max_in_flight
        .unwrap_or_else(|| default_max_in_flight(rate, run.timeout))
        .max(1);
    let permits = Arc::new(Semaphore::new(bound));
    let mut tasks: JoinSet<Sample> = JoinSet::new();
    // The offset of every sample in flight, so that even a task that failed to finish
    // leaves its sample.
    let mut pending: HashMap<task::Id, u64> = HashMap::new();
    let first = Instant::now();
    let mut i: u64 = 0;
    while let Some(scheduled) = nth_start(first, due(i), run.duration) {
        i += 1;
        if !sleep_or_stop(scheduled, &mut stop).await {
            break;
        }
        let offset = micros(scheduled.saturating_duration_since(run.run_start));
        while let Some(done) = tasks.try_join_next_with_id() {
            record(sink, &mut pending, done);
        }
        match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => {
                let check = Arc::clone(&check);
                let timeout = run.timeout;
                let task = tasks.spawn(async move {
                    let outcome = check.sample(timeout).await;
                    drop(permit);
                    Sample::new(offset, micros(scheduled.elapsed()), outcome)
                });
                pending.insert(task.id(), offset);
            }
            Err(_) => lock(sink).push(Sample::new(offset, 0, Outcome::Saturated)),
        }
    }
    while let Some(done) = tasks.join_next_with_id().await {
        record(sink, &mut pending, done);
    }
}

/// When a sample is due: `due` after `first` (computed from `first` each time, so
/// rounding never accumulates into drift); `None` once that is not before `duration`
/// (or beyond what the clock can represent).
fn nth_start(first: Instant, due: Option<Duration>, duration: Duration) -> Option<Instant> {
    let due = due?;
    if due >= duration {
        return None;
    }
    first.checked_add(due)
}

/// Records a finished task. A task that panicked (`sample` does not panic) still
/// leaves a failed sample (`io`, latency 0) at its offset rather than a gap.
fn record(
    sink: &SharedStore,
    pending: &mut HashMap<task::Id, u64>,
    done: Result<(task::Id, Sample), task::JoinError>,
) {
    match done {
        Ok((id, sample)) => {
            pending.remove(&id);
            lock(sink).push(sample);
        }
        Err(e) => {
            if let Some(offset) = pending.remove(&e.id()) {
                lock(sink).push(Sample::new(offset, 0, Outcome::Io));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testserver::TestServer;
    use super::*;
    use crate::plan::{ProbeCheck, Text};
    use std::collections::BTreeMap;

    const MS: u64 = 1_000;

    fn http(url: String) -> Arc<Prepared> {
        let check = ProbeCheck::Http {
            url: Text::Literal(url),
            method: "GET".into(),
            status: (200, 399),
            body_contains: None,
            headers: BTreeMap::new(),
            body: None,
            json: None,
        };
        match Prepared::prepare(&check) {
            Ok(p) => Arc::new(p),
            Err(e) => panic!("prepare failed: {e}"),
        }
    }

    fn spec(schedule: Schedule, timeout_ms: u64, duration_ms: u64) -> Run {
        Run {
            schedule,
            timeout: Duration::from_millis(timeout_ms),
            duration: Duration::from_millis(duration_ms),
            run_start: Instant::now(),
            max_in_flight: None,
        }
    }

    fn offsets(store: &SampleStore) -> Vec<u64> {
        store.samples().iter().map(|s| s.offset_us).collect()
    }

    #[tokio::test]
    async fn every_samples_on_a_fixed_grid() {
        let server = TestServer::start().await;
        let store = run(
            http(server.url("/ok")),
            spec(Schedule::EveryMs(100), 2_000, 1_000),
        )
        .await
        .unwrap_or_default();
        // Sample i at i × 100 ms: exactly 10 in 1 s, whatever the machine's load.
        assert_eq!(store.count(0, u64::MAX), 10);
        assert_eq!(store.successes(0, u64::MAX), 10);
        let offsets = offsets(&store);
        let first = offsets[0];
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        for (i, o) in sorted.iter().enumerate() {
            assert_eq!(o - first, i as u64 * 100 * MS, "{sorted:?}");
        }
    }

    #[tokio::test]
    async fn every_overlaps_samples_that_hang_longer_than_the_interval() {
        let server = TestServer::start().await;
        // Every sample times out after 300 ms, longer than `every: 100ms`: a closed
        // model would send 3 or 4; the grid sends all 10, and each one times out.
        let store = run(
            http(server.url("/slow")),
            spec(Schedule::EveryMs(100), 300, 1_000),
        )
        .await
        .unwrap_or_default();
        assert_eq!(store.count(0, u64::MAX), 10);
        assert_eq!(store.count_outcome(0, u64::MAX, Outcome::Timeout), 10);
        for s in store.samples() {
            assert!(u64::from(s.latency_us) >= 300 * MS, "{s:?}");
        }
    }

    #[tokio::test]
    async fn rate_is_an_open_model_measured_from_the_schedule() {
        let server = TestServer::start().await;
        // 20/s for 1 s against an answer that never comes within 400 ms: the open model
        // still starts all 20 (a closed model would manage 3).
        let spec = spec(Schedule::RatePerSecond(20.0), 400, 1_000);
        let begin = micros(spec.run_start.elapsed());
        let started = Instant::now();
        let store = run(http(server.url("/slow")), spec)
            .await
            .unwrap_or_default();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(store.count(0, u64::MAX), 20);
        assert_eq!(store.count_outcome(0, u64::MAX, Outcome::Timeout), 20);
        let offs = offsets(&store);
        // Offsets are the schedule itself: 50 ms apart exactly (to the µs rounding).
        for (i, w) in offs.windows(2).enumerate() {
            assert!((49_999..=50_001).contains(&(w[1] - w[0])), "{i}: {w:?}");
        }
        assert!(offs[0] >= begin);
        for s in store.samples() {
            assert!(u64::from(s.latency_us) >= 400 * MS, "{s:?}");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn rate_latency_counts_the_runner_falling_behind() {
        let server = TestServer::start().await;
        // Block the only runtime thread for 300 ms as soon as the probe first yields:
        // samples scheduled in that time start late, and the delay is part of their
        // latency (a closed model measuring from the actual start would hide it).
        tokio::spawn(async { std::thread::sleep(Duration::from_millis(300)) });
        let spec = spec(Schedule::RatePerSecond(20.0), 2_000, 1_000);
        let store = run(http(server.url("/ok")), spec).await.unwrap_or_default();
        assert_eq!(store.count(0, u64::MAX), 20);
        assert_eq!(store.successes(0, u64::MAX), 20);
        let first = offsets(&store)[0];
        let mut late = 0;
        for s in store.samples() {
            let since_first = s.offset_us - first;
            if since_first < 300 * MS {
                late += 1;
                assert!(
                    since_first + u64::from(s.latency_us) >= 300 * MS,
                    "{s:?} ended before the stall did"
                );
            }
        }
        assert_eq!(late, 6);
    }

    #[tokio::test]
    async fn rate_records_samples_over_the_in_flight_bound() {
        let server = TestServer::start().await;
        let mut spec = spec(Schedule::RatePerSecond(20.0), 400, 1_000);
        spec.max_in_flight = Some(2);
        let store = run(http(server.url("/slow")), spec)
            .await
            .unwrap_or_default();
        assert_eq!(store.count(0, u64::MAX), 20);
        // Two at a time, each at least 400 ms: at most 2 × 3 sent in 1 s.
        let saturated = store.count_outcome(0, u64::MAX, Outcome::Saturated);
        let timeouts = store.count_outcome(0, u64::MAX, Outcome::Timeout);
        assert!(saturated >= 14, "{saturated} saturated");
        assert_eq!(saturated + timeouts, 20);
        assert!(timeouts >= 2, "{timeouts} sent");
    }

    #[tokio::test]
    async fn rate_against_a_healthy_server_succeeds() {
        let server = TestServer::start().await;
        let store = run(
            http(server.url("/ok")),
            spec(Schedule::RatePerSecond(50.0), 2_000, 500),
        )
        .await
        .unwrap_or_default();
        assert_eq!(store.count(0, u64::MAX), 25);
        assert_eq!(store.successes(0, u64::MAX), 25);
        assert!(store.latency_percentile(0, u64::MAX, 50.0).is_some());
    }

    #[tokio::test]
    async fn schedules_that_cannot_run_are_refused() {
        let check = http("http://127.0.0.1:9/".into());
        let every0 = run(Arc::clone(&check), spec(Schedule::EveryMs(0), 100, 100)).await;
        assert_eq!(every0.err(), Some(ScheduleError::ZeroEvery));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 2e6] {
            let r = run(
                Arc::clone(&check),
                spec(Schedule::RatePerSecond(bad), 100, 100),
            )
            .await;
            assert!(matches!(r, Err(ScheduleError::BadRate(_))), "{bad}");
        }
        assert_eq!(default_max_in_flight(10.0, Duration::from_secs(5)), 61);
        assert_eq!(default_max_in_flight(1.0, Duration::MAX), MAX_IN_FLIGHT);
    }

    #[tokio::test]
    async fn intervals_beyond_the_clock_end_the_probe_instead_of_panicking() {
        let server = TestServer::start().await;
        let check = http(server.url("/ok"));
        // One sample, then the next start cannot be represented.
        for schedule in [Schedule::EveryMs(u64::MAX), Schedule::RatePerSecond(1e-300)] {
            let store = run(Arc::clone(&check), spec(schedule, 2_000, 1_000))
                .await
                .unwrap_or_default();
            assert_eq!(store.count(0, u64::MAX), 1, "{schedule:?}");
            assert_eq!(store.successes(0, u64::MAX), 1, "{schedule:?}");
        }
        // A duration beyond the clock runs (here, waits for its second sample) forever.
        let mut forever = spec(Schedule::EveryMs(u64::MAX), 2_000, 0);
        forever.duration = Duration::MAX;
        let limited = tokio::time::timeout(Duration::from_millis(500), run(check, forever));
        assert!(limited.await.is_err());
        assert_eq!(
            default_max_in_flight(1e6, Duration::from_secs(5)),
            MAX_IN_FLIGHT
        );
    }
}
