//! The samples of one probe, and the metrics of `docs/language.md` §7.1 over a window.
//!
//! A sample is 16 bytes: its scheduled offset (µs since the run's monotonic start), its
//! latency (µs) and its outcome. Samples are kept in offset order whatever order they
//! complete in (open-model probes answer out of order). Successful latencies also go into
//! an `hdrhistogram` (3 significant digits) for run-wide summaries; a window's
//! percentiles are exact (nearest rank over that window's successful samples), so
//! assertions compare the true sample value with their threshold. See `docs/probes.md`.

use hdrhistogram::Histogram;

/// Why a sample failed, or `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Outcome {
    Ok,
    /// No complete answer within the probe's timeout.
    Timeout,
    /// The connection could not be established (refused, unreachable, DNS).
    Connect,
    /// An HTTP answer whose status is outside the accepted range.
    Status,
    /// An HTTP answer whose body could not be read or does not contain `body_contains`.
    Body,
    /// A command that exited with a non-zero status or was killed by a signal.
    ExecStatus,
    /// A `prometheus` answer whose value does not satisfy `expect`, or that has no
    /// value at all (an empty vector, `NaN`).
    Expect,
    /// Any other I/O or protocol error (including a command that could not be started).
    Io,
    /// An open-model sample not sent because the in-flight bound was reached.
    Saturated,
}

impl Outcome {
    pub fn is_ok(self) -> bool {
        self == Outcome::Ok
    }

    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Timeout => "timeout",
            Outcome::Connect => "connect",
            Outcome::Status => "status",
            Outcome::Body => "body",
            Outcome::ExecStatus => "exec_status",
            Outcome::Expect => "expect",
            Outcome::Io => "io",
            Outcome::Saturated => "saturated",
        }
    }
}

/// One observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// When the sample was scheduled to start, in µs since the run's monotonic start.
    pub offset_us: u64,
    /// µs from the scheduled start (`rate:`) or the actual start (`every:`) to the end;
    /// saturates at `u32::MAX` (about 71 minutes).
    pub latency_us: u32,
    pub outcome: Outcome,
}

impl Sample {
    pub fn new(offset_us: u64, latency_us: u64, outcome: Outcome) -> Sample {
        Sample {
            offset_us,
            latency_us: u32::try_from(latency_us).unwrap_or(u32::MAX),
            outcome,
        }
    }

    pub fn ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// `mttr` over a window (`docs/language.md` §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mttr {
    /// No failed sample in the window (the metric is 0s).
    NoFailure,
    /// The mean recovery time in µs, over episodes that all ended.
    MeanUs(u64),
    /// The last failure episode has no later successful sample in the window.
    Unbounded,
}

/// A maximal run of failed samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    /// Offset of the first failed sample.
    pub start_us: u64,
    /// Offset of the next successful sample; `None` if there is none in the window.
    pub recovered_us: Option<u64>,
    /// How many failed samples the episode has.
    pub failures: u64,
}

/// The samples of one probe.
#[derive(Debug, Clone)]
pub struct SampleStore {
    samples: Vec<Sample>,
    histogram: Histogram<u64>,
}

impl Default for SampleStore {
    fn default() -> Self {
        SampleStore::new()
    }
}

fn new_histogram() -> Histogram<u64> {
    // 3 significant digits is always a valid precision, so this cannot fail; the
    // histogram resizes itself to any value.
    Histogram::new(3).unwrap_or_else(|_| unreachable!("sigfig 3 is valid"))
}

impl SampleStore {
    pub fn new() -> SampleStore {
        SampleStore {
            samples: Vec::new(),
            histogram: new_histogram(),
        }
    }

    /// Adds a sample, keeping the samples in offset order (samples with the same
    /// offset stay in the order they were added).
    pub fn push(&mut self, sample: Sample) {
        let at = self
            .samples
            .partition_point(|s| s.offset_us <= sample.offset_us);
        self.samples.insert(at, sample);
        if sample.ok() {
            // An auto-resizing histogram accepts every u64.
            let _ = self.histogram.record(u64::from(sample.latency_us));
        }
    }

    /// Every sample, in offset order.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Successful latencies of the whole run.
    pub fn histogram(&self) -> &Histogram<u64> {
        &self.histogram
    }

    /// The samples whose offset is in `[from_us, to_us)`.
    pub fn window(&self, from_us: u64, to_us: u64) -> &[Sample] {
        let lo = self.samples.partition_point(|s| s.offset_us < from_us);
        let hi = self.samples.partition_point(|s| s.offset_us < to_us);
        if lo >= hi {
            &[]
        } else {
            &self.samples[lo..hi]
        }
    }

    pub fn count(&self, from_us: u64, to_us: u64) -> u64 {
        self.window(from_us, to_us).len() as u64
    }

    pub fn successes(&self, from_us: u64, to_us: u64) -> u64 {
        self.window(from_us, to_us)
            .iter()
            .filter(|s| s.ok())
            .count() as u64
    }

    /// How many samples in the window have this outcome.
    pub fn count_outcome(&self, from_us: u64, to_us: u64, outcome: Outcome) -> u64 {
        self.window(from_us, to_us)
            .iter()
            .filter(|s| s.outcome == outcome)
            .count() as u64
    }

    /// Successful samples / samples × 100; `None` when the window has no sample.
    pub fn availability(&self, from_us: u64, to_us: u64) -> Option<f64> {
        let n = self.count(from_us, to_us);
        (n > 0).then(|| self.successes(from_us, to_us) as f64 * 100.0 / n as f64)
    }

    /// Failed samples / samples × 100; `None` when the window has no sample.
    pub fn error_rate(&self, from_us: u64, to_us: u64) -> Option<f64> {
        let n = self.count(from_us, to_us);
        (n > 0).then(|| (n - self.successes(from_us, to_us)) as f64 * 100.0 / n as f64)
    }

    /// The successful samples' latencies (µs) in the window, in offset order.
    pub fn ok_latencies(&self, from_us: u64, to_us: u64) -> Vec<u32> {
        self.window(from_us, to_us)
            .iter()
            .filter(|s| s.ok())
            .map(|s| s.latency_us)
            .collect()
    }

    /// The `percentile` (0–100) of successful samples' latency in µs, exact (nearest
    /// rank, see [`rank_index`]); `None` when the window has no successful sample or the
    /// percentile is out of range. `p0` is the minimum and `p100` the maximum. Linear
    /// in the window's size (a selection, not a sort).
    pub fn latency_percentile(&self, from_us: u64, to_us: u64, percentile: f64) -> Option<u64> {
        if !(0.0..=100.0).contains(&percentile) {
            return None;
        }
        let mut latencies = self.ok_latencies(from_us, to_us);
        let i = rank_index(percentile, latencies.len())?;
        let (_, value, _) = latencies.select_nth_unstable(i);
        Some(u64::from(*value))
    }

    /// The longest run of consecutive failed samples in the window.
    pub fn longest_failure_run(&self, from_us: u64, to_us: u64) -> u64 {
        self.episodes(from_us, to_us)
            .iter()
            .map(|e| e.failures)
            .max()
            .unwrap_or(0)
    }

    /// The failure episodes of the window, in order.
    pub fn episodes(&self, from_us: u64, to_us: u64) -> Vec<Episode> {
        let mut episodes: Vec<Episode> = Vec::new();
        let mut open: Option<Episode> = None;
        for s in self.window(from_us, to_us) {
            match (&mut open, s.ok()) {
                (None, false) => {
                    open = Some(Episode {
                        start_us: s.offset_us,
                        recovered_us: None,
                        failures: 1,
                    })
                }
                (Some(e), false) => e.failures += 1,
                (Some(e), true) => {
                    e.recovered_us = Some(s.offset_us);
                    episodes.push(*e);
                    open = None;
                }
                (None, true) => {}
            }
        }
        episodes.extend(open);
        episodes
    }

    /// Mean time from each episode's first failed sample to the next successful sample.
    pub fn mttr(&self, from_us: u64, to_us: u64) -> Mttr {
        let episodes = self.episodes(from_us, to_us);
        if episodes.is_empty() {
            return Mttr::NoFailure;
        }
        let mut total: u128 = 0;
        for e in &episodes {
            match e.recovered_us {
                Some(end) => total += u128::from(end - e.start_us),
                None => return Mttr::Unbounded,
            }
        }
        let mean = total / episodes.len() as u128;
        Mttr::MeanUs(u64::try_from(mean).unwrap_or(u64::MAX))
    }
}

/// The index, in the sorted values, of the `percentile` (0–100) of `n` values by the
/// nearest-rank method: the smallest value that at least `percentile`% of the values do
/// not exceed (rank `ceil(percentile × n / 100)`, at least 1). `None` for no values or a
/// percentile out of range. `p50` of 1…100 is 50, `p100` is the maximum, `p0` the minimum.
pub fn rank_index(percentile: f64, n: usize) -> Option<usize> {
    if n == 0 || !(0.0..=100.0).contains(&percentile) {
        return None;
    }
    // The small slack keeps `p95` of 20 values at rank 19 even when `95 × 20 / 100`
    // rounds to a hair above 19 in binary floating point.
    let rank = (percentile * n as f64 / 100.0 - 1e-9).ceil();
    let rank = if rank < 1.0 {
        1
    } else {
        (rank as usize).min(n)
    };
    Some(rank - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000;
    const S: u64 = 1_000_000;

    /// One sample per 100 ms for `secs` seconds; `fail(i)` decides sample `i`.
    fn store(secs: u64, fail: impl Fn(u64) -> bool) -> SampleStore {
        let mut st = SampleStore::new();
        for i in 0..secs * 10 {
            let outcome = if fail(i) {
                Outcome::Status
            } else {
                Outcome::Ok
            };
            st.push(Sample::new(i * 100 * MS, 1_000 + i, outcome));
        }
        st
    }

    #[test]
    fn three_seconds_of_503_at_ten_per_second() {
        // 10 s; samples 30..=59 (3.0 s to 5.9 s) fail: 30 failures, recovered at 6.0 s.
        let st = store(10, |i| (30..60).contains(&i));
        assert_eq!(st.count(0, 10 * S), 100);
        assert_eq!(st.successes(0, 10 * S), 70);
        assert_eq!(st.availability(0, 10 * S), Some(70.0));
        assert_eq!(st.error_rate(0, 10 * S), Some(30.0));
        assert_eq!(st.longest_failure_run(0, 10 * S), 30);
        assert_eq!(st.mttr(0, 10 * S), Mttr::MeanUs(3 * S));
        assert_eq!(
            st.episodes(0, 10 * S),
            vec![Episode {
                start_us: 3 * S,
                recovered_us: Some(6 * S),
                failures: 30
            }]
        );
        // The chaos window [3 s, 6 s) is all failures; [3 s, 7 s) has 30 of 40.
        assert_eq!(st.availability(3 * S, 6 * S), Some(0.0));
        assert_eq!(st.availability(3 * S, 7 * S), Some(25.0));
        assert_eq!(st.count_outcome(0, 10 * S, Outcome::Status), 30);
    }

    #[test]
    fn window_is_half_open() {
        let st = store(1, |_| false);
        // Offsets 0, 100 ms … 900 ms.
        assert_eq!(st.count(100 * MS, 300 * MS), 2);
        assert_eq!(st.count(100 * MS, 300 * MS + 1), 3);
        assert_eq!(st.count(900 * MS, 900 * MS), 0);
        assert_eq!(st.count(500 * MS, 100 * MS), 0);
        assert_eq!(st.availability(2 * S, 3 * S), None);
        assert_eq!(st.error_rate(2 * S, 3 * S), None);
        assert_eq!(st.latency_percentile(2 * S, 3 * S, 50.0), None);
        assert_eq!(st.mttr(2 * S, 3 * S), Mttr::NoFailure);
    }

    #[test]
    fn mttr_is_the_mean_over_episodes_and_unbounded_if_the_last_never_ends() {
        // Fail 10..12 (recovered at 1.2 s: 200 ms) and 20..26 (recovered at 2.6 s: 600 ms).
        let st = store(4, |i| (10..12).contains(&i) || (20..26).contains(&i));
        assert_eq!(st.mttr(0, 4 * S), Mttr::MeanUs(400 * MS));
        assert_eq!(st.longest_failure_run(0, 4 * S), 6);
        // A window that ends inside the second episode leaves it open.
        assert_eq!(st.mttr(0, 2500 * MS), Mttr::Unbounded);
        assert_eq!(st.episodes(0, 2500 * MS)[1].recovered_us, None);
        assert_eq!(st.episodes(0, 2500 * MS)[1].failures, 5);
        // One that starts inside it sees it start at its own first sample (2.3 s).
        assert_eq!(st.mttr(2300 * MS, 4 * S), Mttr::MeanUs(300 * MS));
        // Failing to the end is unbounded.
        let st = store(2, |i| i >= 15);
        assert_eq!(st.mttr(0, 2 * S), Mttr::Unbounded);
        assert_eq!(st.longest_failure_run(0, 2 * S), 5);
        assert_eq!(store(2, |_| false).mttr(0, 2 * S), Mttr::NoFailure);
    }

    #[test]
    fn percentiles_come_from_successful_samples_only() {
        let mut st = SampleStore::new();
        // Latencies 1..=100 ms, successes; one slow failure that must be ignored.
        for i in 1..=100u64 {
            st.push(Sample::new(i * MS, i * MS, Outcome::Ok));
        }
        st.push(Sample::new(101 * MS, 60 * S, Outcome::Timeout));
        assert_eq!(st.latency_percentile(0, S, 0.0), Some(MS));
        assert_eq!(st.latency_percentile(0, S, 100.0), Some(100 * MS));
        // Nearest rank, exact: the median of 1..=100 ms is 50 ms, p99 is 99 ms, p99.9
        // (rank ceil(99.9) = 100) is the maximum, p0.5 (rank 1) the minimum.
        assert_eq!(st.latency_percentile(0, S, 50.0), Some(50 * MS));
        assert_eq!(st.latency_percentile(0, S, 99.0), Some(99 * MS));
        assert_eq!(st.latency_percentile(0, S, 99.9), Some(100 * MS));
        assert_eq!(st.latency_percentile(0, S, 0.5), Some(MS));
        assert_eq!(st.latency_percentile(0, S, 50.5), Some(51 * MS));
        // A window of the first ten: p100 is 10 ms.
        assert_eq!(st.latency_percentile(0, 11 * MS, 100.0), Some(10 * MS));
        assert_eq!(st.latency_percentile(0, S, 100.5), None);
        assert_eq!(st.latency_percentile(0, S, -1.0), None);
        assert_eq!(st.histogram().len(), 100);
        assert_eq!(
            st.histogram().max(),
            st.histogram().highest_equivalent(100 * MS)
        );
    }

    #[test]
    fn samples_that_complete_out_of_order_are_kept_in_offset_order() {
        let mut st = SampleStore::new();
        st.push(Sample::new(200, 5, Outcome::Ok));
        st.push(Sample::new(0, 500, Outcome::Timeout));
        st.push(Sample::new(100, 5, Outcome::Connect));
        st.push(Sample::new(300, 5, Outcome::Ok));
        let offsets: Vec<u64> = st.samples().iter().map(|s| s.offset_us).collect();
        assert_eq!(offsets, vec![0, 100, 200, 300]);
        assert_eq!(st.mttr(0, 400), Mttr::MeanUs(200));
        assert_eq!(st.longest_failure_run(0, 400), 2);
    }

    #[test]
    fn nearest_rank() {
        assert_eq!(rank_index(50.0, 0), None);
        assert_eq!(rank_index(f64::NAN, 10), None);
        assert_eq!(rank_index(101.0, 10), None);
        assert_eq!(rank_index(0.0, 10), Some(0));
        assert_eq!(rank_index(100.0, 10), Some(9));
        assert_eq!(rank_index(50.0, 1), Some(0));
        // 95 × 20 / 100 = 19 exactly: rank 19, not 20.
        assert_eq!(rank_index(95.0, 20), Some(18));
        assert_eq!(rank_index(95.0, 21), Some(19));
        assert_eq!(rank_index(99.9, 1000), Some(998));
        assert_eq!(rank_index(99.9, 1001), Some(999));
        assert_eq!(rank_index(50.0, 3), Some(1));
        assert_eq!(rank_index(50.0, 4), Some(1));
    }

    #[test]
    fn latency_saturates() {
        let s = Sample::new(0, u64::MAX, Outcome::Ok);
        assert_eq!(s.latency_us, u32::MAX);
        assert_eq!(std::mem::size_of::<Sample>(), 16);
        assert_eq!(Outcome::ExecStatus.as_str(), "exec_status");
    }
}
