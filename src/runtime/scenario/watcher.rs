//! The watcher of one scenario: the interrupt, the deadlines, the abort conditions, the
//! readiness gate, recovery, and what the user sees meanwhile. Every phase waits
//! through it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::{ms, us, Gate, Shared, Stopped, STATUS_WINDOW, WATCH_EVERY};
use crate::plan::{Abort, Plan, Scenario};
use crate::probe::sample::SampleStore;
use crate::probe::schedule::{self, SharedStore};
use crate::report::prometheus::{self as prom, LiveProbe};
use crate::report::results::AbortResult;
use crate::runtime::evaluate;
use crate::runtime::progress::Status;

/// The watcher of one scenario: limits, aborts, interrupts, progress.
pub(super) struct Watch<'a> {
    pub scenario: &'a Scenario,
    pub plan: &'a Plan,
    pub shared: &'a Shared,
    pub stores: &'a BTreeMap<String, SharedStore>,
    pub t0: Instant,
    pub deadline: Option<Instant>,
    pub planned_total: Duration,
    pub last_status: std::sync::Mutex<Option<Instant>>,
}

impl Watch<'_> {
    /// Runs `f` over every probe's samples under their locks: evaluation never copies
    /// the samples (a store can hold millions, and aborts are evaluated every 20 ms).
    pub fn with_stores<T>(&self, f: impl FnOnce(&BTreeMap<String, &SampleStore>) -> T) -> T {
        let guards: Vec<(&String, std::sync::MutexGuard<'_, SampleStore>)> = self
            .stores
            .iter()
            .map(|(name, sink)| (name, schedule::lock(sink)))
            .collect();
        let stores: BTreeMap<String, &SampleStore> = guards
            .iter()
            .map(|(name, guard)| ((*name).clone(), &**guard))
            .collect();
        f(&stores)
    }

    fn interrupted(&self) -> bool {
        *self.shared.interrupt.borrow()
    }

    /// The readiness gate: waits until the last `checks` samples of every probe
    /// succeeded, for at most `within`.
    pub async fn ready(&self, checks: u32, within: Duration) -> Gate {
        let need = checks.max(1) as usize;
        let started = Instant::now();
        let until = started + within;
        let mut announced = false;
        let mut interrupt = self.shared.interrupt.clone();
        loop {
            if let Some(stop) = self.check(None) {
                return Gate::Stopped(stop);
            }
            let failing: Vec<String> = self.with_stores(|stores| {
                stores
                    .iter()
                    .filter(|(_, store)| {
                        let samples = store.samples();
                        samples.len() < need
                            || samples[samples.len() - need..].iter().any(|x| !x.ok())
                    })
                    .map(|(name, _)| format!("`{name}`"))
                    .collect()
            });
            if failing.is_empty() {
                return Gate::Open;
            }
            let now = Instant::now();
            if now >= until {
                return Gate::Refused(format!(
                    "probe {} did not succeed {need} times in a row within {} ms before the first fault",
                    failing.join(", "),
                    within.as_millis()
                ));
            }
            if !announced && now - started >= Duration::from_millis(500) {
                announced = true;
                self.shared.progress.event(&format!(
                    "{}: waiting for {} to succeed {need} times in a row before the first fault (up to {} ms)",
                    self.scenario.name,
                    failing.join(", "),
                    within.as_millis()
                ));
            }
            self.status("ready?", &BTreeMap::new());
            tokio::select! {
                _ = tokio::time::sleep_until((now + WATCH_EVERY).min(until).into()) => {}
                _ = interrupt.changed() => {}
            }
        }
    }

    /// Checks the interrupt, the deadlines and (from `chaos_start` on) the aborts.
    pub fn check(&self, chaos_start: Option<Instant>) -> Option<Stopped> {
        if self.interrupted() {
            return Some(Stopped::Interrupted);
        }
        let now = Instant::now();
        if let Some(deadline) = self.deadline {
            if now >= deadline {
                let limit = self
                    .scenario
                    .max_duration_ms
                    .or(self.plan.safety.max_duration_ms)
                    .unwrap_or(0);
                return Some(Stopped::Aborted(AbortResult {
                    condition: format!("max_duration {limit}ms"),
                    origin: None,
                    at_ms: ms(now - self.t0),
                    measured: None,
                }));
            }
        }
        let chaos_start = chaos_start?;
        let aborts: Vec<&Abort> = self
            .scenario
            .aborts
            .iter()
            .chain(&self.plan.safety.abort)
            .collect();
        if aborts.is_empty() {
            return None;
        }
        let now_us = us(now - self.t0);
        let chaos_us = us(chaos_start.saturating_duration_since(self.t0));
        self.with_stores(|stores| {
            aborts.into_iter().find_map(|abort| {
                evaluate::abort_holds(abort, stores, now_us, chaos_us).map(|measured| {
                    Stopped::Aborted(AbortResult {
                        condition: evaluate::describe_abort(abort),
                        origin: Some(abort.origin.clone()),
                        at_ms: ms(now - self.t0),
                        measured: Some(measured),
                    })
                })
            })
        })
    }

    /// The live status: each probe's success share and median latency over the last
    /// [`STATUS_WINDOW`], redrawn at most every [`crate::runtime::progress::LIVE_EVERY`].
    pub fn status(&self, phase: &'static str, active: &BTreeMap<usize, String>) {
        {
            let mut last = self.last_status.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < crate::runtime::progress::LIVE_EVERY) {
                return;
            }
            *last = Some(Instant::now());
        }
        let now_us = us(self.t0.elapsed());
        let from = now_us.saturating_sub(us(STATUS_WINDOW));
        let probes = self
            .stores
            .iter()
            .map(|(name, sink)| {
                let store = schedule::lock(sink);
                let n = store.count(from, u64::MAX);
                let ok = store.successes(from, u64::MAX);
                let p50 = store
                    .latency_percentile(from, u64::MAX, 50.0)
                    .map(|u| format!(" p50 {:.1}ms", u as f64 / 1000.0))
                    .unwrap_or_default();
                if n == 0 {
                    format!("{name} no samples in the last 5s")
                } else {
                    format!("{name} {:.1}% ok{p50}", ok as f64 * 100.0 / n as f64)
                }
            })
            .collect();
        self.shared.progress.status(&Status {
            scenario: self.scenario.name.clone(),
            phase,
            elapsed: self.t0.elapsed(),
            planned: self.planned_total,
            active: active.values().cloned().collect(),
            probes,
        });
        if let Some(live) = &self.shared.live {
            live.running(self.live(phase, active));
        }
    }

    /// The scenario now for the live metrics: every sample so far, the faults applied.
    fn live(&self, phase: &str, active: &BTreeMap<usize, String>) -> prom::Running {
        let probes = self
            .stores
            .iter()
            .map(|(name, sink)| {
                let store = schedule::lock(sink);
                let mut failures = BTreeMap::new();
                for s in store.samples().iter().filter(|s| !s.ok()) {
                    *failures.entry(s.outcome.as_str().to_string()).or_insert(0) += 1;
                }
                LiveProbe {
                    name: name.clone(),
                    samples: store.samples().len() as u64,
                    failures,
                }
            })
            .collect();
        prom::Running {
            scenario: self.scenario.name.clone(),
            phase: phase.to_string(),
            probes,
            faults: active
                .iter()
                .filter_map(|(&i, name)| {
                    let kind = self.scenario.steps.get(i)?.fault.kind();
                    Some((name.clone(), kind.to_string()))
                })
                .collect(),
        }
    }

    /// Waits until `until` while watching; in recovery (`recovery = Some((chaos_end,
    /// checks))`) ends early once every probe has recovered.
    pub async fn wait_until(
        &self,
        until: Instant,
        phase: &'static str,
        recovery: Option<(Instant, Instant, u32)>,
    ) -> Option<Stopped> {
        let mut interrupt = self.shared.interrupt.clone();
        let chaos_start = recovery.map(|(start, _, _)| start);
        loop {
            if let Some(stop) = self.check(chaos_start) {
                return Some(stop);
            }
            if let Some((_, chaos_end, checks)) = recovery {
                let from = us(chaos_end - self.t0);
                let all = self
                    .stores
                    .values()
                    .all(|sink| evaluate::recovered(&schedule::lock(sink), from, checks));
                if all {
                    return None;
                }
            }
            let now = Instant::now();
            if now >= until {
                return None;
            }
            self.status(phase, &BTreeMap::new());
            let wake = until.min(now + WATCH_EVERY);
            tokio::select! {
                _ = tokio::time::sleep_until(wake.into()) => {}
                _ = interrupt.changed() => {}
            }
        }
    }
}
