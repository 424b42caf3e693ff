//! `cpu_stress`: one worker process per requested worker, each running a duty cycle.
//!
//! A worker spins, then sleeps until the end of its cycle ([`PERIOD`]). The spin is
//! measured on the process's own CPU clock, not the wall clock: it stops when the CPU
//! time used since the start reaches `load × elapsed cycles × period`. Both ends are
//! absolute (cycle ends on the monotonic clock, CPU targets since the start), so an
//! oversleep or a preemption shortens the next sleep or lengthens the next spin and the
//! long-run average stays at the requested load. The debt carried over is capped at one
//! period, so that a worker starved for a while (a saturated host) does not burst at
//! 100% for seconds afterwards.

use std::time::{Duration, Instant};

use super::workers::Ended;
use crate::inject::evidence::{CpuStress, Evidence, Measurements};

/// One duty cycle: short enough that the load looks smooth to anything sampling the
/// host (a 50% load is 10 ms on, 10 ms off), long enough that the sleep's wake-up cost
/// is noise.
pub const PERIOD: Duration = Duration::from_millis(20);

/// The arithmetic of the duty cycle, separate from the clocks so that it can be tested.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DutyCycle {
    pub period: Duration,
    /// 0.0–1.0.
    pub load: f64,
    /// CPU debt given up so far (starvation), subtracted from every later target.
    forgiven: Duration,
}

impl DutyCycle {
    pub fn new(period: Duration, load_percent: f64) -> DutyCycle {
        let load = if load_percent.is_finite() {
            (load_percent / 100.0).clamp(0.0, 1.0)
        } else {
            0.0
        };
        DutyCycle {
            period,
            load,
            forgiven: Duration::ZERO,
        }
    }

    /// The CPU time (since the worker started) to reach before sleeping through cycle
    /// `cycle` (0-based), given the CPU time `used` so far. Debt beyond one period is
    /// forgiven for good.
    pub fn spin_target(&mut self, cycle: u64, used: Duration) -> Duration {
        let ideal = self.period.mul_f64(self.load * (cycle + 1) as f64);
        let target = ideal.saturating_sub(self.forgiven);
        let cap = used + self.period;
        if target > cap {
            self.forgiven += target - cap;
            cap
        } else {
            target
        }
    }
}

/// Worker side: runs the duty cycle until the process is killed.
pub fn run(load_percent: f64) -> ! {
    let mut duty = DutyCycle::new(PERIOD, load_percent);
    let start = Instant::now();
    let cpu0 = cpu_time();
    let mut cycle: u64 = 0;
    loop {
        let cycle_end = start + duty.period.mul_f64((cycle + 1) as f64);
        let target = duty.spin_target(cycle, cpu_time().saturating_sub(cpu0));
        while cpu_time().saturating_sub(cpu0) < target && Instant::now() < cycle_end {
            spin_a_little();
        }
        let now = Instant::now();
        if now < cycle_end {
            std::thread::sleep(cycle_end - now);
        }
        cycle += 1;
    }
}

/// The CPU time of this process (every thread), as `/proc/PID/stat` counts it.
fn cpu_time() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// About ten microseconds of arithmetic, so that the clock is not read in a tight loop.
fn spin_a_little() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    std::hint::black_box(x);
}

/// The achieved load and whether it counts: at least half the requested load (on a
/// saturated host the workers get less than asked; less than half means the fault did
/// not really happen).
pub fn evidence(ended: &[Ended], seconds: f64, load_percent: f64) -> Evidence {
    let workers = ended.len() as f64;
    let cpu: f64 = ended.iter().map(|e| e.cpu_seconds).sum();
    let achieved = if seconds > 0.0 && workers > 0.0 {
        cpu / (seconds * workers) * 100.0
    } else {
        0.0
    };
    let early: Vec<String> = ended
        .iter()
        .filter_map(|e| Some(format!("worker {} {}", e.pid, e.early_exit.as_ref()?)))
        .collect();
    let took_effect = achieved >= load_percent / 2.0 && !ended.is_empty() && early.is_empty();
    let mut summary = format!(
        "{} worker{} burnt {cpu:.2} CPU-seconds in {seconds:.2} s ({achieved:.1}% of each CPU, {load_percent}% asked)",
        ended.len(),
        if ended.len() == 1 { "" } else { "s" },
    );
    if !early.is_empty() {
        summary.push_str(&format!("; {}", early.join("; ")));
    }
    let measurements = Measurements::CpuStress(CpuStress {
        cpu_seconds: cpu,
        achieved_load_percent: achieved,
        requested_load_percent: load_percent,
        wall_seconds: seconds,
        workers: ended.len() as u64,
        container: None,
    });
    Evidence {
        took_effect,
        summary,
        measurements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Simulates a worker on a clock of `step`s: the CPU is given only `share` of the
    /// time while spinning, and every sleep oversleeps by `oversleep`. Returns the CPU
    /// used over `total` wall time.
    fn simulate(load: f64, share: f64, oversleep: Duration, total: Duration) -> f64 {
        let mut duty = DutyCycle::new(PERIOD, load);
        let step = Duration::from_micros(50);
        let (mut wall, mut cpu) = (Duration::ZERO, Duration::ZERO);
        let mut cycle = 0;
        while wall < total {
            let cycle_end = duty.period.mul_f64((cycle + 1) as f64);
            let target = duty.spin_target(cycle, cpu);
            while cpu < target && wall < cycle_end {
                wall += step;
                cpu += step.mul_f64(share);
            }
            if wall < cycle_end {
                wall = cycle_end + oversleep;
            }
            cycle += 1;
        }
        cpu.as_secs_f64() / wall.as_secs_f64()
    }

    #[test]
    fn the_long_run_load_is_the_requested_one() {
        for load in [10.0, 25.0, 50.0, 75.0, 100.0] {
            let got = simulate(load, 1.0, Duration::ZERO, Duration::from_secs(10));
            assert!((got - load / 100.0).abs() < 0.005, "{load}: {got}");
        }
    }

    #[test]
    fn oversleeping_is_compensated() {
        // 3 ms late at every wake-up: the next spin starts sooner, the average holds.
        let got = simulate(50.0, 1.0, Duration::from_millis(3), Duration::from_secs(10));
        assert!((got - 0.5).abs() < 0.01, "{got}");
    }

    #[test]
    fn preemption_is_caught_up_within_the_cycle() {
        // Spinning gets 80% of a CPU: a 50% load still fits.
        let got = simulate(50.0, 0.8, Duration::ZERO, Duration::from_secs(10));
        assert!((got - 0.5).abs() < 0.01, "{got}");
    }

    #[test]
    fn starvation_debt_is_capped() {
        let mut duty = DutyCycle::new(Duration::from_millis(20), 50.0);
        // After 100 cycles with no CPU at all, the target is one period ahead, not 1 s.
        let t = duty.spin_target(99, Duration::ZERO);
        assert_eq!(t, Duration::from_millis(20));
        // And the forgiven debt is not asked for again later.
        let t = duty.spin_target(100, Duration::from_millis(20));
        assert_eq!(t, Duration::from_millis(30));
    }

    #[test]
    fn loads_outside_the_range_are_clamped() {
        assert_eq!(DutyCycle::new(PERIOD, 150.0).load, 1.0);
        assert_eq!(DutyCycle::new(PERIOD, -5.0).load, 0.0);
        assert_eq!(DutyCycle::new(PERIOD, f64::NAN).load, 0.0);
        let mut idle = DutyCycle::new(PERIOD, 0.0);
        assert_eq!(idle.spin_target(1000, Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn evidence_divides_cpu_by_wall_time_and_workers() {
        let ended = |cpu| Ended {
            pid: 1,
            cpu_seconds: cpu,
            peak_resident_bytes: 0,
            counters: BTreeMap::new(),
            early_exit: None,
        };
        let ev = evidence(&[ended(1.0), ended(0.9)], 2.0, 50.0);
        let Measurements::CpuStress(measured) = &ev.measurements else {
            panic!("cpu stress measurements: {:?}", ev.measurements)
        };
        assert!((measured.achieved_load_percent - 47.5).abs() < 1e-9);
        assert_eq!(measured.workers, 2);
        assert!(ev.took_effect);
        let ev = evidence(&[ended(0.4)], 2.0, 50.0);
        assert!(!ev.took_effect, "20% of 50% asked is less than half");
        let ev = evidence(&[], 2.0, 50.0);
        assert!(!ev.took_effect);
        // A worker that ended before the fault did: the stress did not last.
        let mut died = ended(1.0);
        died.early_exit = Some("killed by SIGKILL".to_string());
        let ev = evidence(&[died], 2.0, 50.0);
        assert!(!ev.took_effect);
        assert!(ev.summary.contains("killed by SIGKILL"), "{}", ev.summary);
    }
}
