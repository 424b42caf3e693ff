//! One scenario: probes, baseline and steady state, chaos on the monotonic-clock
//! schedule, recovery, evaluation (`cli-and-runtime.md` §3).
//!
//! Every offset is measured from `t0`, the instant the probes start. [`Phases`] has one
//! function per phase (baseline, readiness gate, chaos, recovery, evaluation); the chaos
//! phase runs on [`chaos::Scheduler`], which wakes at each planned start and end
//! (`tokio::time::sleep_until` on the monotonic clock) and between them every
//! [`WATCH_EVERY`] to evaluate abort conditions and limits ([`watcher::Watch`]). A step's
//! actual start is the instant its thread was launched; the report gives both.

mod chaos;
mod watcher;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::evaluate::{self, Windows};
use super::progress::Progress;
use super::steps::SharedJournal;
use crate::inject::{journal, network, Context};
use crate::plan::{Assertion, Plan, Scenario};
use crate::probe::check::Prepared;
use crate::probe::schedule::{self, SharedStore};
use crate::report::results::{
    AbortResult, AssertionResult, Phases as ResultPhases, ScenarioResult, Span, StepResult,
    StepStatus, Verdict,
};
use watcher::Watch;

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
    let mut result = not_started(s);
    if let Some(reason) = &s.skipped {
        result.verdict = Verdict::Skipped;
        result.reason = Some(reason.clone());
        return result;
    }
    let probing = match Probing::start(s, shared).await {
        Ok(p) => p,
        Err(reason) => {
            result.verdict = Verdict::Error;
            result.reason = Some(reason);
            return result;
        }
    };
    let (stores, tasks, t0) = (probing.stores, probing.tasks, probing.t0);
    let deadline = [
        s.max_duration_ms.map(|m| t0 + Duration::from_millis(m)),
        shared.run_deadline,
    ]
    .into_iter()
    .flatten()
    .min();
    let watch = Watch {
        scenario: s,
        plan,
        shared,
        stores: &stores,
        t0,
        deadline,
        planned_total: Duration::from_millis(s.baseline_ms + s.chaos_ms + s.recovery.within_ms),
        last_status: std::sync::Mutex::new(None),
    };
    let mut phases = Phases {
        watch: &watch,
        chaos_start: t0 + Duration::from_millis(s.baseline_ms),
        chaos_end: t0 + Duration::from_millis(s.baseline_ms),
        windows: Windows::default(),
        stopped: None,
        result,
    };
    let refused = match phases.baseline().await {
        Ok(()) => phases.gate().await,
        Err(reason) => Err(reason),
    };
    if let Err(reason) = refused {
        tasks.stop().await;
        return phases.not_steady(reason);
    }
    phases.chaos().await;
    phases.recovery().await;
    tasks.stop().await;
    phases.evaluate()
}

/// A scenario's result before anything ran: every step `not_started`.
fn not_started(s: &Scenario) -> ScenarioResult {
    ScenarioResult {
        name: s.name.clone(),
        doc: s.doc.clone(),
        verdict: Verdict::Passed,
        reason: None,
        started_at: Some(journal::now_rfc3339()),
        phases: ResultPhases::default(),
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
    }
}

/// A scenario's probes, sampling into their stores from `t0` on.
struct Probing {
    stores: BTreeMap<String, SharedStore>,
    tasks: ProbeTasks,
    t0: Instant,
}

/// What stops a scenario's probes and its fault proxies.
struct ProbeTasks {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<Result<(), schedule::ScheduleError>>>,
    proxies: network::proxy::Running,
}

impl Probing {
    /// Builds every probe, starts the fault proxies (listening before the probes start,
    /// closed after they end), then the probes; `t0` is now.
    async fn start(s: &Scenario, shared: &Shared) -> Result<Probing, String> {
        let mut checks = Vec::new();
        for probe in &s.probes {
            match Prepared::prepare(&probe.check) {
                Ok(c) => checks.push((probe, Arc::new(c))),
                Err(e) => return Err(format!("probe `{}` cannot run: {e}", probe.name)),
            }
        }
        let proxies = network::proxy::start_all(s, &shared.ctx).await?;
        for p in proxies.proxies() {
            shared.progress.event(&format!(
                "{}: proxy listening on {} → {}",
                s.name,
                p.listen,
                p.upstream()
            ));
        }
        let t0 = Instant::now();
        let (stop, probes_stop) = watch::channel(false);
        let mut stores: BTreeMap<String, SharedStore> = BTreeMap::new();
        let mut tasks = Vec::new();
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
            tasks.push(tokio::spawn(schedule::run_into(
                check,
                run,
                sink,
                probes_stop.clone(),
            )));
        }
        Ok(Probing {
            stores,
            tasks: ProbeTasks {
                stop,
                tasks,
                proxies,
            },
            t0,
        })
    }
}

impl ProbeTasks {
    /// Stops the probes, waits for their last samples, closes the proxies.
    async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.proxies.stop().await;
    }
}

/// One scenario from its baseline to its verdict: one function per phase.
struct Phases<'w, 'a> {
    watch: &'w Watch<'a>,
    /// When faults may start: the end of the baseline, or later when the readiness
    /// gate opens.
    chaos_start: Instant,
    /// When the last step ended (`chaos_start` without steps).
    chaos_end: Instant,
    windows: Windows,
    /// Why the scenario stopped early (interrupt, deadline, abort, error), if it did.
    stopped: Option<Stopped>,
    result: ScenarioResult,
}

impl Phases<'_, '_> {
    fn scenario(&self) -> &Scenario {
        self.watch.scenario
    }

    fn event(&self, what: &str) {
        self.watch
            .shared
            .progress
            .event(&format!("{}: {what}", self.scenario().name));
    }

    /// `assertions` over the windows of the phases that happened so far.
    fn judge(&self, assertions: &[Assertion]) -> Vec<AssertionResult> {
        let checks = self.watch.scenario.recovery.checks;
        self.watch.with_stores(|stores| {
            assertions
                .iter()
                .map(|a| evaluate::assertion(a, stores, &self.windows, checks))
                .collect()
        })
    }

    /// The baseline, and the steady state judged over it; `Err` says why no fault may
    /// be injected.
    async fn baseline(&mut self) -> Result<(), String> {
        let s = self.watch.scenario;
        if s.baseline_ms == 0 {
            return Ok(());
        }
        let t0 = self.watch.t0;
        self.event(&format!("baseline for {} ms", s.baseline_ms));
        self.stopped = self
            .watch
            .wait_until(self.chaos_start, "baseline", None)
            .await;
        self.windows.baseline = Some((0, us(self.chaos_start - t0)));
        self.result.phases.baseline = Some(Span {
            start_ms: 0.0,
            end_ms: ms(self.chaos_start - t0),
        });
        if self.stopped.is_some() || s.steady_state.is_empty() {
            return Ok(());
        }
        self.result.steady_state = self.judge(&s.steady_state);
        evaluate::steady(&self.result.steady_state)
            .map_err(|reason| format!("not steady before any fault: {reason}"))
    }

    /// Health before harm: no fault goes into a system whose probes are failing. `Err`
    /// says why no fault may be injected.
    async fn gate(&mut self) -> Result<(), String> {
        let s = self.watch.scenario;
        let Some(within) = self.watch.shared.readiness else {
            return Ok(());
        };
        if self.stopped.is_some() || s.steps.is_empty() {
            return Ok(());
        }
        match self.watch.ready(s.recovery.checks, within).await {
            Gate::Open => {
                // Faults start when the gate opens (at once after a healthy baseline).
                self.chaos_start = self.chaos_start.max(Instant::now());
                Ok(())
            }
            Gate::Stopped(stop) => {
                self.stopped = Some(stop);
                Ok(())
            }
            Gate::Refused(reason) => Err(format!("not ready for faults: {reason}")),
        }
    }

    /// No fault may be injected: the scenario is `not_steady` (its probes stopped).
    fn not_steady(mut self, reason: String) -> ScenarioResult {
        let s = self.watch.scenario;
        self.result.probes = probe_results(
            self.watch.stores,
            self.watch.t0,
            &self.windows,
            s.recovery.checks,
        );
        self.result.verdict = Verdict::NotSteady;
        self.event(&reason);
        self.result.reason = Some(reason);
        self.result
    }

    /// The timeline on its scheduler; the chaos window runs from the first step that
    /// started to the end of the last.
    async fn chaos(&mut self) {
        let s = self.watch.scenario;
        self.chaos_end = self.chaos_start;
        if self.stopped.is_none() && !s.steps.is_empty() {
            if let Err(e) = (self.watch.shared.ensure_guard)() {
                self.stopped = Some(Stopped::Error(e));
            } else {
                self.event("chaos");
                let scheduler =
                    chaos::Scheduler::new(self.watch, self.chaos_start, &mut self.result.steps);
                (self.chaos_end, self.stopped) = scheduler.run().await;
            }
        }
        let t0 = self.watch.t0;
        let first_start = self
            .result
            .steps
            .iter()
            .filter_map(|st| st.actual_start_ms)
            .fold(f64::INFINITY, f64::min);
        let chaos_from = if first_start.is_finite() {
            self.chaos_start + Duration::from_secs_f64(first_start.max(0.0) / 1000.0)
        } else {
            self.chaos_start
        };
        if self.chaos_end > chaos_from || !s.steps.is_empty() {
            let until = self.chaos_end.max(chaos_from);
            self.windows.chaos = Some((us(chaos_from - t0), us(until - t0)));
            self.result.phases.chaos = Some(Span {
                start_ms: ms(chaos_from - t0),
                end_ms: ms(until - t0),
            });
        }
    }

    /// Recovery, only after a chaos phase that ran to its end: until every probe has
    /// its consecutive successes, for at most `within`.
    async fn recovery(&mut self) {
        if self.stopped.is_some() {
            return;
        }
        let s = self.watch.scenario;
        let t0 = self.watch.t0;
        self.event(&format!(
            "recovery (up to {} ms, {} consecutive successes)",
            s.recovery.within_ms, s.recovery.checks
        ));
        let until = self.chaos_end + Duration::from_millis(s.recovery.within_ms);
        self.stopped = self
            .watch
            .wait_until(
                until,
                "recovery",
                Some((self.chaos_start, self.chaos_end, s.recovery.checks)),
            )
            .await;
        let recovery_end = Instant::now().min(until);
        self.windows.recovery = Some((us(self.chaos_end - t0), us(recovery_end - t0)));
        self.result.phases.recovery = Some(Span {
            start_ms: ms(self.chaos_end - t0),
            end_ms: ms(recovery_end - t0),
        });
    }

    /// The assertions, the probes' figures and the verdict (the probes stopped).
    fn evaluate(mut self) -> ScenarioResult {
        let s = self.watch.scenario;
        self.result.assertions = self.judge(&s.assertions);
        self.result.probes = probe_results(
            self.watch.stores,
            self.watch.t0,
            &self.windows,
            s.recovery.checks,
        );
        let (verdict, reason) = evaluate::verdict(&self.result.assertions);
        let result = &mut self.result;
        match self.stopped.take() {
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
        let verdict = format!(
            "{}{}",
            result.verdict.as_str(),
            result
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
        self.event(&verdict);
        self.result
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
