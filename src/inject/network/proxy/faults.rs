//! The faults of one proxy: what each applied fault asks, the immutable snapshot every
//! relay reads per chunk, and the counters each fault's evidence is measured from.
//!
//! Applying or reverting a fault rebuilds the snapshot and publishes it on a
//! `tokio::sync::watch` channel: open connections pick it up at their next chunk (and
//! at once for `reset`), nothing is restarted and no connection is dropped.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::plan::{Direction, Fault};

/// The stall of a chunk chosen as lost: the first retransmission of a TCP segment on a
/// low-latency path comes after the minimum retransmission timeout (Linux
/// `TCP_RTO_MIN`, 200 ms).
pub const RTO: Duration = Duration::from_millis(200);

/// One direction of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client → upstream (requests).
    Up,
    /// Upstream → client (responses).
    Down,
}

impl Dir {
    fn in_direction(self, d: Direction) -> bool {
        matches!(
            (self, d),
            (_, Direction::Both)
                | (Dir::Up, Direction::Upstream)
                | (Dir::Down, Direction::Downstream)
        )
    }
}

/// A proxy fault with its parameters, as asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    /// `delay` and `jitter` are what a request/response round trip gains; with
    /// `Both` each direction gets half of each.
    Latency {
        delay: Duration,
        jitter: Duration,
        direction: Direction,
    },
    /// Probability (0–1) that a chunk is stalled for [`RTO`].
    Loss {
        rate: f64,
        direction: Direction,
    },
    Bandwidth {
        bytes_per_second: f64,
        direction: Direction,
    },
    Blackhole {
        direction: Direction,
    },
    /// Probability (0–1) that a connection (open or new) is reset.
    Reset {
        rate: f64,
    },
}

impl Spec {
    /// The proxy form of a plan fault; `None` for a kind a proxy cannot inject.
    pub fn from_fault(fault: &Fault) -> Option<Spec> {
        let dur = |ms: f64| Duration::from_secs_f64(ms.max(0.0) / 1000.0);
        Some(match fault {
            Fault::Latency {
                delay_ms,
                jitter_ms,
                direction,
            } => Spec::Latency {
                delay: dur(*delay_ms),
                jitter: dur(*jitter_ms),
                direction: *direction,
            },
            Fault::PacketLoss {
                rate_percent,
                direction,
            } => Spec::Loss {
                rate: (rate_percent / 100.0).clamp(0.0, 1.0),
                direction: *direction,
            },
            Fault::Bandwidth {
                bytes_per_second,
                direction,
            } => Spec::Bandwidth {
                bytes_per_second: *bytes_per_second,
                direction: *direction,
            },
            Fault::Blackhole { direction } => Spec::Blackhole {
                direction: *direction,
            },
            Fault::Reset { rate_percent } => Spec::Reset {
                rate: (rate_percent / 100.0).clamp(0.0, 1.0),
            },
            _ => return None,
        })
    }

    /// Why the parameters cannot be injected, if they cannot.
    pub fn invalid(&self) -> Option<String> {
        match self {
            Spec::Bandwidth {
                bytes_per_second, ..
            } if !(bytes_per_second.is_finite() && *bytes_per_second >= 1.0) => Some(format!(
                "a bandwidth of `{bytes_per_second}` bytes per second cannot be shaped"
            )),
            Spec::Latency { delay, jitter, .. } if *jitter > *delay => Some(format!(
                "a jitter of `{}ms` larger than the delay `{}ms` would need negative delays",
                jitter.as_millis(),
                delay.as_millis()
            )),
            _ => None,
        }
    }
}

/// Counters of one applied fault. Relays add to them; the fault's evidence is read
/// from them when it is reverted.
#[derive(Debug)]
pub struct Stats {
    /// Chunks (and their bytes) read in the fault's direction while it was applied.
    pub chunks: AtomicU64,
    pub bytes: AtomicU64,
    /// Chunks the fault acted on: delayed, stalled, held, or paced.
    pub affected: AtomicU64,
    /// Chunks decided under this fault and not yet written (evidence waits for them).
    pub pending: AtomicI64,
    /// The hold each affected chunk actually got from this fault, in µs.
    pub hold_us: Mutex<Histogram<u64>>,
    /// How much later than planned each affected chunk left, in µs (the timer's and
    /// the scheduler's error, and waiting behind an earlier chunk).
    pub late_us: Mutex<Histogram<u64>>,
    /// The sum of the holds that were planned for them, in µs.
    pub planned_us: AtomicU64,
    /// Bandwidth: bytes paced and the time the paced link was busy sending them, in µs.
    pub paced_bytes: AtomicU64,
    pub busy_us: AtomicU64,
    /// Reset: connections that faced the decision, and those that were reset.
    pub connections: AtomicU64,
    pub resets: AtomicU64,
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            chunks: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            affected: AtomicU64::new(0),
            pending: AtomicI64::new(0),
            hold_us: Mutex::new(histogram()),
            late_us: Mutex::new(histogram()),
            planned_us: AtomicU64::new(0),
            paced_bytes: AtomicU64::new(0),
            busy_us: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            resets: AtomicU64::new(0),
        }
    }

    pub fn seen(&self, bytes: usize) {
        self.chunks.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// A chunk this fault held for `actual` after planning `planned`.
    pub fn held(&self, actual: Duration, planned: Duration) {
        self.affected.fetch_add(1, Ordering::Relaxed);
        self.planned_us
            .fetch_add(planned.as_micros() as u64, Ordering::Relaxed);
        // Auto-resizing: `record` grows the histogram (`saturating_record` would clamp).
        let mut h = self.hold_us.lock().unwrap_or_else(|p| p.into_inner());
        let _ = h.record((actual.as_micros() as u64).max(1));
        drop(h);
        let mut l = self.late_us.lock().unwrap_or_else(|p| p.into_inner());
        let _ = l.record(actual.saturating_sub(planned).as_micros() as u64);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new(3).unwrap_or_else(|_| unreachable!("sigfig 3 is valid"))
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

/// A chunk counted in a fault's `pending` until it is written or dropped.
#[derive(Debug)]
pub struct Pending(pub Arc<Stats>);

impl Pending {
    pub fn new(stats: &Arc<Stats>) -> Pending {
        stats.pending.fetch_add(1, Ordering::Relaxed);
        Pending(Arc::clone(stats))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What one direction of every connection does to its chunks now.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    /// Per-chunk delay and jitter (already halved for `both`).
    pub latency: Option<(Duration, Duration, Arc<Stats>)>,
    pub loss: Option<(f64, Arc<Stats>)>,
    pub bandwidth: Option<(f64, Arc<Stats>)>,
    pub blackhole: Option<Arc<Stats>>,
}

impl Shape {
    /// Chunks pass untouched.
    pub fn clear(&self) -> bool {
        self.latency.is_none()
            && self.loss.is_none()
            && self.bandwidth.is_none()
            && self.blackhole.is_none()
    }
}

/// An applied `reset`: `epoch` tells connections apart that already decided.
#[derive(Debug, Clone)]
pub struct ResetNow {
    pub rate: f64,
    pub epoch: u64,
    pub stats: Arc<Stats>,
}

/// Everything applied on the proxy now, read by every relay.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub up: Shape,
    pub down: Shape,
    pub reset: Option<ResetNow>,
}

impl Snapshot {
    pub fn shape(&self, dir: Dir) -> &Shape {
        match dir {
            Dir::Up => &self.up,
            Dir::Down => &self.down,
        }
    }

    /// The snapshot of a set of applied faults (by id, in application order).
    pub fn of(faults: &BTreeMap<u64, (Spec, Arc<Stats>)>) -> Snapshot {
        let mut snap = Snapshot::default();
        for (id, (spec, stats)) in faults {
            for dir in [Dir::Up, Dir::Down] {
                let shape = match dir {
                    Dir::Up => &mut snap.up,
                    Dir::Down => &mut snap.down,
                };
                let stats = Arc::clone(stats);
                match spec {
                    Spec::Latency {
                        delay,
                        jitter,
                        direction,
                    } if dir.in_direction(*direction) => {
                        let (d, j) = if *direction == Direction::Both {
                            (*delay / 2, *jitter / 2)
                        } else {
                            (*delay, *jitter)
                        };
                        shape.latency = Some((d, j, stats));
                    }
                    Spec::Loss { rate, direction } if dir.in_direction(*direction) => {
                        shape.loss = Some((*rate, stats));
                    }
                    Spec::Bandwidth {
                        bytes_per_second,
                        direction,
                    } if dir.in_direction(*direction) => {
                        shape.bandwidth = Some((*bytes_per_second, stats));
                    }
                    Spec::Blackhole { direction } if dir.in_direction(*direction) => {
                        shape.blackhole = Some(stats);
                    }
                    Spec::Reset { rate } => {
                        snap.reset = Some(ResetNow {
                            rate: *rate,
                            epoch: *id,
                            stats,
                        });
                    }
                    _ => {}
                }
            }
        }
        snap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_splits_the_delay_and_the_jitter() {
        let mut faults = BTreeMap::new();
        faults.insert(
            1,
            (
                Spec::Latency {
                    delay: Duration::from_millis(100),
                    jitter: Duration::from_millis(20),
                    direction: Direction::Both,
                },
                Arc::new(Stats::new()),
            ),
        );
        let snap = Snapshot::of(&faults);
        for dir in [Dir::Up, Dir::Down] {
            let (d, j, _) = snap.shape(dir).latency.clone().expect("latency");
            assert_eq!(
                (d, j),
                (Duration::from_millis(50), Duration::from_millis(10))
            );
        }
    }

    #[test]
    fn one_way_faults_leave_the_other_direction_clear() {
        let mut faults = BTreeMap::new();
        faults.insert(
            1,
            (
                Spec::Latency {
                    delay: Duration::from_millis(100),
                    jitter: Duration::ZERO,
                    direction: Direction::Upstream,
                },
                Arc::new(Stats::new()),
            ),
        );
        faults.insert(
            2,
            (
                Spec::Blackhole {
                    direction: Direction::Downstream,
                },
                Arc::new(Stats::new()),
            ),
        );
        let snap = Snapshot::of(&faults);
        let (d, _, _) = snap.up.latency.clone().expect("upstream latency");
        assert_eq!(d, Duration::from_millis(100));
        assert!(snap.up.blackhole.is_none());
        assert!(snap.down.latency.is_none());
        assert!(snap.down.blackhole.is_some());
        assert!(Snapshot::of(&BTreeMap::new()).up.clear());
    }

    #[test]
    fn impossible_parameters_are_refused() {
        let bw = Spec::Bandwidth {
            bytes_per_second: 0.0,
            direction: Direction::Both,
        };
        assert!(bw.invalid().is_some());
        let lat = Spec::Latency {
            delay: Duration::from_millis(10),
            jitter: Duration::from_millis(20),
            direction: Direction::Both,
        };
        assert!(lat.invalid().is_some());
    }
}
