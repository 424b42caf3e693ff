//! The interpreter: runs a [`crate::plan::Plan`] (services, probes, phases, faults on a
//! monotonic-clock schedule, journal and guard, abort watchers, signals) and evaluates
//! assertions into verdicts.
//!
//! - `preflight`: targets, probes and services resolved before anything runs.
//! - `services`: processes under test, started before and stopped after the scenarios.
//! - `scenario`: one scenario's phases and its scheduler.
//! - `steps`: one thread per running fault (prepare, journal, apply, finish).
//! - `guard`: the detached process that reverts when the runner dies.
//! - `evaluate`: metrics, assertions, aborts and verdicts (pure).
//! - `progress`: what the user sees while it runs.
//! - `live`: the live metrics served with `--metrics-listen`.

pub mod evaluate;
pub mod guard;
pub mod live;
pub mod preflight;
pub mod progress;
pub mod scenario;
pub mod services;
pub mod steps;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::inject::journal::{self, By, Entry};
use crate::inject::{Context, Measurements};
use crate::plan::Plan;
use crate::report::results::{RunResults, ScenarioResult, Verdict, RESULTS_VERSION};
use progress::{Mode, Progress};

/// How a run is carried out.
#[derive(Debug, Clone)]
pub struct Options {
    /// Exists and is empty (or holds only this run's files).
    pub report_dir: PathBuf,
    pub seed: u64,
    /// The `chaosc` binary (stress workers and the guard are `chaosc` subcommands).
    pub exe: PathBuf,
    pub progress: Mode,
    /// What was run: the `.chaos` file, legacy YAML or plan JSON.
    pub source: String,
    /// Where the live metrics are published (`--metrics-listen`), if anywhere.
    pub live: Option<Arc<live::Live>>,
    /// How long the readiness gate waits before the first fault; `None` skips it.
    pub readiness: Option<Duration>,
}

/// The run's id: the report folder's name.
pub fn run_id(report_dir: &std::path::Path) -> String {
    report_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("run-{}", std::process::id()))
}

/// How the numbers of a run are measured, written into every report.
pub const METHOD: &[&str] = &[
    "Offsets are measured on the monotonic clock from the scenario start (when its probes start); wall-clock times are UTC.",
    "A step's actual start is the instant the scheduler launched it; its planned start is the plan's offset from the start of the chaos phase.",
    "Probe samples are sent on a fixed grid (`every: D`: sample i at i × D; `rate: N/s`: at i / N s) whether or not earlier samples have answered, so a hang weighs what it lasts; samples that hang longer than the interval overlap. Each is kept individually; latency is measured from its scheduled start (no coordinated omission); a window's percentiles are exact (nearest rank over its successful samples).",
    "Abort conditions are evaluated every 20 ms over the samples that have ended; availability and error_rate count samples in the window; mttr averages failure episodes from the first failed sample to the next successful one; recovery_time runs from the end of the chaos phase to the first of the required consecutive successes.",
    "Fault evidence is measured, not assumed: CPU seconds from /proc for stress workers, resident bytes, bytes written and synced, process states observed in /proc after a signal, command exit statuses; paused processes, paused or stopped containers, qdiscs and nftables tables are watched until their revert, and a fault that something else undid is an error.",
];

/// Runs `plan`; `interrupt` turns `true` on SIGINT/SIGTERM.
pub async fn execute(plan: Plan, opts: Options, interrupt: watch::Receiver<bool>) -> RunResults {
    let started_at = journal::now_rfc3339();
    let run_start = Instant::now();
    let progress = Arc::new(Progress::new(opts.progress));
    let run_id = run_id(&opts.report_dir);
    let mut results = RunResults {
        results_version: RESULTS_VERSION,
        chaosc_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: run_id.clone(),
        started_at,
        finished_at: String::new(),
        seed: opts.seed,
        source: opts.source.clone(),
        environment: plan.environment.clone(),
        verdict: Verdict::Passed,
        exit_code: 0,
        services: Vec::new(),
        scenarios: Vec::new(),
        method: METHOD.iter().map(|s| s.to_string()).collect(),
        plan: plan.clone(),
    };
    let fail_all = |results: &mut RunResults, reason: String| {
        results.scenarios = plan
            .scenarios
            .iter()
            .map(|s| not_run(s, Verdict::Error, reason.clone()))
            .collect();
    };

    let mut writer = match journal::Writer::open(&opts.report_dir) {
        Ok(w) => w,
        Err(e) => {
            fail_all(&mut results, e.message);
            return finish(results);
        }
    };
    if let Err(e) = writer.append(&Entry::Open {
        run_id: run_id.clone(),
        runner: guard::this_process(),
        at: journal::now_rfc3339(),
    }) {
        fail_all(&mut results, e.message);
        return finish(results);
    }
    let journal = Arc::new(Mutex::new(writer));

    // Services.
    let mut running = Vec::new();
    let mut service_error = None;
    for service in &plan.services {
        progress.event(&format!("starting service `{}`", service.name));
        match services::start(service, &opts.report_dir).await {
            Ok(s) => {
                progress.event(&format!(
                    "service `{}` is ready (pid {}, {:.0} ms)",
                    s.name,
                    s.pid,
                    s.result.ready_after_ms.unwrap_or(0.0)
                ));
                running.push(s);
            }
            Err(e) => {
                service_error = Some(e);
                break;
            }
        }
    }

    let ctx = Arc::new(Context {
        worker_exe: opts.exe.clone(),
        run_id: run_id.clone(),
        seed: opts.seed,
        services: running
            .iter()
            .map(|s| (s.name.clone(), s.pid))
            .collect::<HashMap<_, _>>(),
        allow_targets: plan.safety.allow_targets.clone(),
        report_dir: opts.report_dir.clone(),
        proxies: Default::default(),
    });
    let guard_process = Mutex::new(None::<crate::inject::ProcessId>);
    let guard_exe = opts.exe.clone();
    let guard_dir = opts.report_dir.clone();
    let guard_progress = Arc::clone(&progress);
    // Starts the guard once, and again if it died: without it, a killed runner would
    // leave its faults applied until someone runs `chaosc recover`.
    let ensure_guard = move || -> Result<(), String> {
        let mut current = guard_process.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = *current {
            if guard::alive(id) {
                return Ok(());
            }
            guard_progress.event(&format!(
                "the guard (pid {}) is gone; starting a new one",
                id.pid
            ));
        }
        let pid = guard::spawn(&guard_exe, &guard_dir, guard::this_process())
            .map_err(|e| format!("{}: faults would outlive a killed runner", e.message))?;
        let id = crate::inject::procfs::identify(pid as i32).ok_or_else(|| {
            format!("the guard (pid {pid}) exited at once; see `guard.log` in the report folder")
        })?;
        *current = Some(id);
        Ok(())
    };
    let shared = scenario::Shared {
        ctx,
        journal: Arc::clone(&journal),
        next_id: AtomicU64::new(1),
        interrupt: interrupt.clone(),
        run_deadline: plan
            .safety
            .max_duration_ms
            .map(|m| run_start + Duration::from_millis(m)),
        progress: Arc::clone(&progress),
        readiness: opts.readiness,
        ensure_guard: Box::new(ensure_guard),
        live: opts.live.clone(),
    };
    let publish = |scenarios: &[ScenarioResult]| {
        if let Some(live) = &opts.live {
            live.finished(scenarios);
        }
    };

    if let Some(e) = service_error {
        fail_all(&mut results, e);
    } else {
        let mut first = true;
        for s in &plan.scenarios {
            publish(&results.scenarios);
            if *interrupt.borrow() {
                results.scenarios.push(not_run(
                    s,
                    Verdict::Interrupted,
                    "not run: the run was interrupted".into(),
                ));
                continue;
            }
            if s.skipped.is_none() && !first && plan.safety.cooldown_ms > 0 {
                progress.event(&format!("cooldown {} ms", plan.safety.cooldown_ms));
                let mut intr = interrupt.clone();
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(plan.safety.cooldown_ms)) => {}
                    _ = intr.wait_for(|v| *v) => {}
                }
                if *interrupt.borrow() {
                    results.scenarios.push(not_run(
                        s,
                        Verdict::Interrupted,
                        "not run: the run was interrupted".into(),
                    ));
                    continue;
                }
            }
            if s.skipped.is_none() {
                first = false;
            }
            let mut result = scenario::run(&plan, s, &shared).await;
            if s.skipped.is_none() {
                check_services(&mut running, s, &mut result, &progress, &opts.report_dir);
            }
            results.scenarios.push(result);
        }
    }
    publish(&results.scenarios);

    // A service that a `process_kill` restarted runs outside chaosc's hands (its own
    // session): chaosc started the service, so it stops the restarted one too.
    for pid in restarted_services(&plan, &results.scenarios) {
        progress.event(&format!("stopping restarted service process {pid}"));
        services::stop_group(pid).await;
    }
    for service in &mut running {
        progress.event(&format!("stopping service `{}`", service.name));
        services::stop(service).await;
        results.services.push(service.result.clone());
    }

    // Every fault was reverted by its step thread; anything still open (a revert that
    // failed) is tried once more from the journal, which then closes it.
    close_journal(&journal, &opts.report_dir, &mut results);
    progress.finish();
    finish(results)
}

/// A service that exited during a scenario makes it `error`, unless a `process_kill`
/// of that scenario ended it; its exit status and the end of its log go to the console.
fn check_services(
    running: &mut [services::Running],
    scenario: &crate::plan::Scenario,
    result: &mut ScenarioResult,
    progress: &progress::Progress,
    report_dir: &std::path::Path,
) {
    for service in running.iter_mut().filter(|s| !s.exit_expected) {
        let Some(ended) = services::exited(service) else {
            continue;
        };
        let killed_by_a_step = scenario.steps.iter().any(|step| {
            matches!(step.fault, crate::plan::Fault::ProcessKill { .. })
                && matches!(
                    &step.target,
                    crate::plan::Target::Process {
                        selector: crate::plan::ProcessSelector::Service(name),
                        ..
                    } if *name == service.name
                )
        });
        if killed_by_a_step {
            service.exit_expected = true;
            continue;
        }
        let reason = format!(
            "service `{}` (pid {}) {ended}; its output is in `{}`",
            service.name,
            service.pid,
            report_dir.join(&service.result.log).display()
        );
        progress.event(&format!(
            "{}: {reason}\n{}",
            scenario.name,
            services::log_tail(report_dir, service, 5).trim_end()
        ));
        if result.verdict < Verdict::Error {
            result.verdict = Verdict::Error;
            result.reason = Some(reason);
        }
    }
}

/// The pids of services restarted by `process_kill … restart:` during the run.
fn restarted_services(plan: &Plan, scenarios: &[ScenarioResult]) -> Vec<u32> {
    let mut pids = Vec::new();
    for (scenario, result) in plan.scenarios.iter().zip(scenarios) {
        for (step, outcome) in scenario.steps.iter().zip(&result.steps) {
            let on_service = matches!(
                step.target,
                crate::plan::Target::Process {
                    selector: crate::plan::ProcessSelector::Service(_),
                    ..
                }
            );
            let restarted = match outcome.evidence.as_ref().map(|e| &e.measurements) {
                Some(Measurements::ProcessKill(kill)) => kill.restart_pid,
                _ => None,
            };
            if let (true, Some(pid)) = (on_service, restarted) {
                pids.push(pid);
            }
        }
    }
    pids
}

fn close_journal(
    journal: &Arc<Mutex<journal::Writer>>,
    dir: &std::path::Path,
    results: &mut RunResults,
) {
    let state = journal::read(dir).unwrap_or_default();
    // The runner is alive here, so the guard reverted these at their deadline: the
    // runner did not end them in time, and the fault lasted longer than planned.
    for entry in &state.reverted_by_guard {
        mark_error(
            results,
            &entry.scenario,
            format!(
                "`{}` was still applied {} ms after its planned end, so the guard reverted it; the run did not keep its schedule",
                entry.step,
                steps::GUARD_GRACE_MS
            ),
        );
    }
    let open = state.open;
    if open.is_empty() {
        let mut w = journal.lock().unwrap_or_else(|p| p.into_inner());
        let _ = w.append(&Entry::Close {
            by: By::Runner,
            at: journal::now_rfc3339(),
        });
        let _ = w.sync();
        return;
    }
    match journal::revert_open(dir, By::Runner) {
        Ok(report) if report.errors.is_empty() => {}
        Ok(report) => {
            for (entry, e) in report.errors {
                mark_error(
                    results,
                    &entry.scenario,
                    format!(
                        "`{}` could not be reverted: {e}; run `chaosc recover {}`",
                        entry.step,
                        dir.display()
                    ),
                );
            }
        }
        Err(e) => mark_error(results, "", e.message),
    }
}

fn mark_error(results: &mut RunResults, scenario: &str, reason: String) {
    for s in &mut results.scenarios {
        if s.name == scenario || scenario.is_empty() {
            if s.verdict < Verdict::Error {
                s.verdict = Verdict::Error;
            }
            s.reason = Some(reason.clone());
        }
    }
}

fn not_run(s: &crate::plan::Scenario, verdict: Verdict, reason: String) -> ScenarioResult {
    ScenarioResult {
        name: s.name.clone(),
        doc: s.doc.clone(),
        verdict,
        reason: Some(reason),
        started_at: None,
        phases: Default::default(),
        steps: Vec::new(),
        probes: Vec::new(),
        steady_state: Vec::new(),
        assertions: Vec::new(),
        abort: None,
    }
}

fn finish(mut results: RunResults) -> RunResults {
    results.finished_at = journal::now_rfc3339();
    results.verdict = results
        .scenarios
        .iter()
        .map(|s| s.verdict)
        .max()
        .unwrap_or(Verdict::Passed);
    // Only skipped scenarios: nothing ran, nothing failed.
    results.exit_code = results.verdict.exit_code();
    results
}
