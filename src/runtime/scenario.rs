//! One scenario: probes, baseline and steady state, chaos on the monotonic-clock
//! schedule, recovery, evaluation (`cli-and-runtime.md` §3).
//!
//! Every offset is measured from `t0`, the instant the probes start. The scheduler wakes
//! at each planned start and end (`tokio::time::sleep_until` on the monotonic clock),
//! and between them every [`WATCH_EVERY`] to evaluate abort conditions and limits.
//! A step's actual start is the instant its thread was launched; the report gives both.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::evaluate::{self, Windows};
use super::progress::{Progress, Status};
use super::steps::{self, Event, Launch, Running, SharedJournal, GUARD_GRACE_MS};
use crate::inject::{journal, network, Context};
use crate::plan::{Abort, Plan, Scenario};
use crate::probe::check::Prepared;
use crate::probe::sample::SampleStore;
use crate::probe::schedule::{self, SharedStore};
use crate::report::prometheus::{self as prom, LiveProbe};
use crate::report::results::{
    AbortResult, Phases, ScenarioResult, Span, StepResult, StepStatus, Verdict,
};

/// How often abort conditions, limits and recovery are evaluated.
pub const WATCH_EVERY: Duration = Duration::from_millis(20);

/// The live status shows the probes over this much recent time.
const STATUS_WINDOW: Duration = Duration::from_secs(5);

/// A probe runs at most this long (a scenario is bounded by its phases long before).
const PROBE_HORIZON: Duration = Duration::from_secs(366 * 24 * 3600);

/// What every scenario of a run shares.
pub struct Shared {
    pub ctx: Arc<Context>,
    pub journal: SharedJournal,
    pub next_id: AtomicU64,
    pub interrupt: watch::Receiver<bool>,
    /// The whole run's `max_duration` end, if any.
    pub run_deadline: Option<Instant>,
    pub progress: Arc<Progress>,
    /// The readiness gate's bounded wait; `None` when it is skipped (`--no-readiness-gate`).
    pub readiness: Option<Duration>,
    /// Starts the guard before the first fault (idempotent).
    pub ensure_guard: Box<dyn Fn() -> Result<(), String> + Send + Sync>,
    /// Where the live metrics are published (`--metrics-listen`), if anywhere.
    pub live: Option<Arc<super::live::Live>>,
}

/// How the readiness gate ended.
enum Gate {
    /// Every probe is healthy: faults may start.
    Open,
    /// The run was stopped (interrupt, deadline) while it waited.
    Stopped(Stopped),
    /// A probe was not healthy in time: why.
    Refused(String),
}

/// Why the chaos or recovery phase ended early.
#[derive(Debug, Clone)]
enum Stopped {
    Interrupted,
    Aborted(AbortResult),
    Error(String),
}

fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn run(plan: &Plan, s: &Scenario, shared: &Shared) -> ScenarioResult {
    let mut result = ScenarioResult {
        name: s.name.clone(),
        doc: s.doc.clone(),
        verdict: Verdict::Passed,
        reason: None,
        started_at: Some(journal::now_rfc3339()),
        phases: Phases::default(),
        steps: s
            .steps
            .iter()
            .map(|st| StepResult {
                name: st.name.clone(),
                kind: st.fault.kind().to_string(),
                target: String::new(),
                planned_start_ms: st.start_ms as f64,
                actual_start_ms: None,
                planned_end_ms: st.duration_ms.map(|d| (st.start_ms + d) as f64),
                actual_end_ms: None,
                status: StepStatus::NotStarted,
                evidence: None,
                error: None,
            })
            .collect(),
        probes: Vec::new(),
        steady_state: Vec::new(),
        assertions: Vec::new(),
        abort: None,
    };
    if let Some(reason) = &s.skipped {
        result.verdict = Verdict::Skipped;
        result.reason = Some(reason.clone());
        return result;
    }

    // Probes.
    let mut checks = Vec::new();
    for probe in &s.probes {
        match Prepared::prepare(&probe.check) {
            Ok(c) => checks.push((probe, Arc::new(c))),
            Err(e) => {
                result.verdict = Verdict::Error;
                result.reason = Some(format!("probe `{}` cannot run: {e}", probe.name));
                return result;
            }
        }
    }
    // Fault proxies: listening before the probes start, closed after they end.
    let proxies = match network::proxy::start_all(s, &shared.ctx).await {
        Ok(p) => p,
        Err(e) => {
            result.verdict = Verdict::Error;
            result.reason = Some(e);
            return result;
        }
    };
    for p in proxies.proxies() {
        shared.progress.event(&format!(
            "{}: proxy listening on {} → {}",
            s.name,
            p.listen,
            p.upstream()
        ));
    }
    let t0 = Instant::now();
    let deadline = [
        s.max_duration_ms.map(|m| t0 + Duration::from_millis(m)),
        shared.run_deadline,
    ]
    .into_iter()
    .flatten()
    .min();
    let (stop_probes, probes_stop) = watch::channel(false);
    let mut stores: BTreeMap<String, SharedStore> = BTreeMap::new();
    let mut probe_tasks = Vec::new();
    for (probe, check) in checks {
        let sink = SharedStore::default();
        stores.insert(probe.name.clone(), Arc::clone(&sink));
        let run = schedule::Run {
            schedule: probe.schedule,
            timeout: Duration::from_millis(probe.timeout_ms),
            duration: PROBE_HORIZON,
            run_start: t0,
            max_in_flight: None,
        };
        probe_tasks.push(tokio::spawn(schedule::run_into(
            check,
            run,
            sink,
            probes_stop.clone(),
        )));
    }
    let planned_total = Duration::from_millis(s.baseline_ms + s.chaos_ms + s.recovery.within_ms);
    let watch = Watch {
        scenario: s,
        plan,
        shared,
        stores: &stores,
        t0,
        deadline,
        planned_total,
        last_status: std::sync::Mutex::new(None),
    };

    // Baseline.
    let mut chaos_start = t0 + Duration::from_millis(s.baseline_ms);
    let mut windows = Windows {
        baseline: None,
        chaos: None,
        recovery: None,
    };
    let mut stopped = None;
    // Why no fault may be injected, if none may.
    let mut refused = None;
    if s.baseline_ms > 0 {
        shared
            .progress
            .event(&format!("{}: baseline for {} ms", s.name, s.baseline_ms));
        stopped = watch.wait_until(chaos_start, "baseline", None).await;
        windows.baseline = Some((0, us(chaos_start - t0)));
        result.phases.baseline = Some(Span {
            start_ms: 0.0,
            end_ms: ms(chaos_start - t0),
        });
        if stopped.is_none() && !s.steady_state.is_empty() {
            result.steady_state = watch.with_stores(|stores| {
                s.steady_state
                    .iter()
                    .map(|a| evaluate::assertion(a, stores, &windows, s.recovery.checks))
                    .collect()
            });
            if let Err(reason) = evaluate::steady(&result.steady_state) {
                refused = Some(format!("not steady before any fault: {reason}"));
            }
        }
    }

    // Health before harm: no fault goes into a system whose probes are failing.
    if let (None, None, Some(within), false) =
        (&refused, &stopped, shared.readiness, s.steps.is_empty())
    {
        match watch.ready(s.recovery.checks, within).await {
            Gate::Open => {
                // Faults start when the gate opens (at once after a healthy baseline).
                chaos_start = chaos_start.max(Instant::now());
            }
            Gate::Stopped(stop) => stopped = Some(stop),
            Gate::Refused(reason) => refused = Some(format!("not ready for faults: {reason}")),
        }
    }
    if let Some(reason) = refused {
        let _ = stop_probes.send(true);
        finish_probes(probe_tasks).await;
        proxies.stop().await;
        result.probes = probe_results(&stores, t0, &windows, s.recovery.checks);
        result.verdict = Verdict::NotSteady;
        shared.progress.event(&format!("{}: {reason}", s.name));
        result.reason = Some(reason);
        return result;
    }

    // Chaos.
    let mut chaos_end = chaos_start;
    if stopped.is_none() && !s.steps.is_empty() {
        if let Err(e) = (shared.ensure_guard)() {
            stopped = Some(Stopped::Error(e));
        } else {
            shared.progress.event(&format!("{}: chaos", s.name));
            let outcome = watch.chaos(chaos_start, &mut result.steps).await;
            chaos_end = outcome.0;
            stopped = outcome.1;
        }
    }
    let chaos_first = result
        .steps
        .iter()
        .filter_map(|st| st.actual_start_ms)
        .fold(f64::INFINITY, f64::min);
    let chaos_from = if chaos_first.is_finite() {
        chaos_start + Duration::from_secs_f64(chaos_first.max(0.0) / 1000.0)
    } else {
        chaos_start
    };
    if chaos_end > chaos_from || !s.steps.is_empty() {
        windows.chaos = Some((us(chaos_from - t0), us(chaos_end.max(chaos_from) - t0)));
        result.phases.chaos = Some(Span {
            start_ms: ms(chaos_from - t0),
            end_ms: ms(chaos_end.max(chaos_from) - t0),
        });
    }

    // Recovery: only after a chaos phase that ran to its end.
    if stopped.is_none() {
        shared.progress.event(&format!(
            "{}: recovery (up to {} ms, {} consecutive successes)",
            s.name, s.recovery.within_ms, s.recovery.checks
        ));
        let until = chaos_end + Duration::from_millis(s.recovery.within_ms);
        stopped = watch
            .wait_until(
                until,
                "recovery",
                Some((chaos_start, chaos_end, s.recovery.checks)),
            )
            .await;
        let recovery_end = Instant::now().min(until);
        windows.recovery = Some((us(chaos_end - t0), us(recovery_end - t0)));
        result.phases.recovery = Some(Span {
            start_ms: ms(chaos_end - t0),
            end_ms: ms(recovery_end - t0),
        });
    }

    let _ = stop_probes.send(true);
    finish_probes(probe_tasks).await;
    proxies.stop().await;
    result.assertions = watch.with_stores(|stores| {
        s.assertions
            .iter()
            .map(|a| evaluate::assertion(a, stores, &windows, s.recovery.checks))
            .collect()
    });
    result.probes = probe_results(&stores, t0, &windows, s.recovery.checks);
    let (verdict, reason) = evaluate::verdict(&result.assertions);
    match stopped {
        Some(Stopped::Interrupted) => {
            result.verdict = Verdict::Interrupted;
            result.reason = Some("interrupted by a signal; every fault was reverted".into());
        }
        Some(Stopped::Error(e)) => {
            result.verdict = Verdict::Error;
            result.reason = Some(e);
        }
        Some(Stopped::Aborted(abort)) => {
            result.verdict = Verdict::Aborted;
            result.reason = Some(format!(
                "aborted at {:.0} ms: `{}`",
                abort.at_ms, abort.condition
            ));
            result.abort = Some(abort);
        }
        None => {
            result.verdict = verdict;
            result.reason = reason;
        }
    }
    shared.progress.event(&format!(
        "{}: {}{}",
        s.name,
        result.verdict.as_str(),
        result
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    ));
    result
}

async fn finish_probes(tasks: Vec<tokio::task::JoinHandle<Result<(), schedule::ScheduleError>>>) {
    for task in tasks {
        let _ = task.await;
    }
}

fn probe_results(
    stores: &BTreeMap<String, SharedStore>,
    t0: Instant,
    windows: &Windows,
    checks: u32,
) -> Vec<crate::report::results::ProbeResult> {
    let end = us(t0.elapsed());
    stores
        .iter()
        .map(|(name, sink)| {
            evaluate::probe_result(name, &schedule::lock(sink), end, windows, checks)
        })
        .collect()
}

/// The watcher of one scenario: limits, aborts, interrupts, progress.
struct Watch<'a> {
    scenario: &'a Scenario,
    plan: &'a Plan,
    shared: &'a Shared,
    stores: &'a BTreeMap<String, SharedStore>,
    t0: Instant,
    deadline: Option<Instant>,
    planned_total: Duration,
    last_status: std::sync::Mutex<Option<Instant>>,
}

impl Watch<'_> {
    /// Runs `f` over every probe's samples under their locks: evaluation never copies
    /// the samples (a store can hold millions, and aborts are evaluated every 20 ms).
    fn with_stores<T>(&self, f: impl FnOnce(&BTreeMap<String, &SampleStore>) -> T) -> T {
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
    async fn ready(&self, checks: u32, within: Duration) -> Gate {
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
    fn check(&self, chaos_start: Option<Instant>) -> Option<Stopped> {
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
    /// [`STATUS_WINDOW`], redrawn at most every [`super::progress::LIVE_EVERY`].
    fn status(&self, phase: &'static str, active: &BTreeMap<usize, String>) {
        {
            let mut last = self.last_status.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < super::progress::LIVE_EVERY) {
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
    async fn wait_until(
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

    /// Runs the timeline; returns when the last step ended (or everything was reverted
    /// after a stop), with that instant.
    async fn chaos(
        &self,
        chaos_start: Instant,
        results: &mut [StepResult],
    ) -> (Instant, Option<Stopped>) {
        let steps = &self.scenario.steps;
        let (events_tx, mut events) = mpsc::unbounded_channel();
        // (when, step index, is_end) in time order; starts before ends at the same instant.
        let mut agenda: Vec<(Instant, usize, bool)> = Vec::new();
        for (i, st) in steps.iter().enumerate() {
            let start = chaos_start + Duration::from_millis(st.start_ms);
            agenda.push((start, i, false));
            if let (true, Some(d)) = (st.sustained, st.duration_ms) {
                agenda.push((start + Duration::from_millis(d), i, true));
            }
        }
        agenda.sort_by_key(|&(at, i, end)| (at, end, i));
        let mut agenda = agenda.into_iter().peekable();
        let mut running: BTreeMap<usize, Running> = BTreeMap::new();
        let mut active: BTreeMap<usize, String> = BTreeMap::new();
        let mut launched = 0usize;
        let mut ended = 0usize;
        let mut stopped: Option<Stopped> = None;
        let mut last_end = chaos_start;
        let mut interrupt = self.shared.interrupt.clone();
        let mono_at_chaos = journal::monotonic_ms()
            .saturating_sub(u64::try_from(chaos_start.elapsed().as_millis()).unwrap_or(0));
        loop {
            if stopped.is_none() {
                stopped = self.check(Some(chaos_start));
                if stopped.is_some() {
                    self.shared.progress.event(&format!(
                        "{}: stopping: reverting every fault",
                        self.scenario.name
                    ));
                    for r in running.values() {
                        r.stop();
                    }
                }
            }
            // Due agenda items.
            while stopped.is_none() {
                let Some(&(at, i, end)) = agenda.peek() else {
                    break;
                };
                if at > Instant::now() {
                    break;
                }
                agenda.next();
                if end {
                    if let Some(r) = running.get(&i) {
                        r.stop();
                    }
                    continue;
                }
                let st = &steps[i];
                // The guard must be there for every fault (it may have been killed).
                if let Err(e) = (self.shared.ensure_guard)() {
                    stopped = Some(Stopped::Error(e));
                    for r in running.values() {
                        r.stop();
                    }
                    break;
                }
                results[i].actual_start_ms = Some(ms(Instant::now() - chaos_start));
                let deadline_mono_ms = st
                    .duration_ms
                    .map(|d| mono_at_chaos + st.start_ms + d + GUARD_GRACE_MS);
                let launch = Launch {
                    index: i,
                    id: self.shared.next_id.fetch_add(1, Ordering::SeqCst),
                    scenario: self.scenario.name.clone(),
                    step: st.clone(),
                    ctx: Arc::clone(&self.shared.ctx),
                    journal: Arc::clone(&self.shared.journal),
                    deadline_mono_ms,
                    events: events_tx.clone(),
                };
                launched += 1;
                match steps::launch(launch) {
                    Ok(r) => {
                        running.insert(i, r);
                    }
                    Err(e) => {
                        ended += 1;
                        results[i].status = StepStatus::Failed;
                        results[i].error = Some(e.message.clone());
                        stopped = Some(Stopped::Error(format!("step `{}`: {e}", st.name)));
                        for r in running.values() {
                            r.stop();
                        }
                    }
                }
            }
            let nothing_left = agenda.peek().is_none() || stopped.is_some();
            if nothing_left && ended == launched {
                return (last_end, stopped);
            }
            // While faults are applied, a guard that died is replaced at once.
            if stopped.is_none() && launched > ended {
                if let Err(e) = (self.shared.ensure_guard)() {
                    stopped = Some(Stopped::Error(e));
                    for r in running.values() {
                        r.stop();
                    }
                }
            }
            self.status("chaos", &active);
            let wake = match (stopped.is_some(), agenda.peek()) {
                (false, Some(&(at, _, _))) => at.min(Instant::now() + WATCH_EVERY),
                _ => Instant::now() + WATCH_EVERY,
            };
            tokio::select! {
                biased;
                event = events.recv() => {
                    let Some(event) = event else { continue };
                    match event {
                        Event::Applied { index, target, at } => {
                            results[index].target = target;
                            active.insert(index, steps[index].name.clone());
                            self.shared.progress.event(&format!(
                                "{}: applied `{}` ({}) at +{:.1} ms (planned +{} ms)",
                                self.scenario.name,
                                steps[index].name,
                                steps[index].fault.kind(),
                                ms(at.saturating_duration_since(chaos_start)),
                                steps[index].start_ms,
                            ));
                        }
                        Event::Ended { index, target, at, outcome } => {
                            ended += 1;
                            running.remove(&index);
                            active.remove(&index);
                            last_end = last_end.max(at);
                            if let Some(t) = target {
                                results[index].target = t;
                            }
                            results[index].actual_end_ms = Some(ms(at.saturating_duration_since(chaos_start)));
                            let name = &steps[index].name;
                            match outcome {
                                Ok(evidence) => {
                                    results[index].status = StepStatus::Done;
                                    let took = evidence.took_effect;
                                    self.shared.progress.event(&format!(
                                        "{}: ended `{name}`: {}",
                                        self.scenario.name, evidence.summary
                                    ));
                                    if !took && stopped.is_none() {
                                        stopped = Some(Stopped::Error(format!(
                                            "fault `{name}` did not take effect: {}",
                                            evidence.summary
                                        )));
                                    }
                                    results[index].evidence = Some(evidence);
                                }
                                Err(e) => {
                                    results[index].status = StepStatus::Failed;
                                    results[index].error = Some(match &e.help {
                                        Some(h) => format!("{} ({h})", e.message),
                                        None => e.message.clone(),
                                    });
                                    self.shared.progress.event(&format!(
                                        "{}: step `{name}` failed: {}",
                                        self.scenario.name, e.message
                                    ));
                                    if stopped.is_none() {
                                        stopped = Some(Stopped::Error(format!("step `{name}`: {}", e.message)));
                                    }
                                }
                            }
                            if stopped.is_some() {
                                for r in running.values() {
                                    r.stop();
                                }
                            }
                        }
                    }
                }
                _ = tokio::time::sleep_until(wake.into()) => {}
                _ = interrupt.changed() => {}
            }
        }
    }
}
