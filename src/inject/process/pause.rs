//! `process_pause`: SIGSTOP for the fault's duration, then SIGCONT.
//!
//! Evidence is the state the kernel reports: `T` (stopped) in `/proc/PID/stat` within a
//! second of SIGSTOP, still `T` every [`WATCH_EVERY`] until the revert (a process that
//! something else resumed, or that exited, means the fault did not hold), and no
//! longer `T` after SIGCONT.

use std::time::Duration;

use nix::sys::signal::Signal;

use super::resolve::Resolved;
use super::{describe, ms, send, wait_until, Delivery};
use crate::inject::hold::{Held, Watch};
use crate::inject::{
    evidence, procfs, Active, Context, Evidence, InjectError, Measurements, Prepared, ProcessId,
    Revert,
};
use crate::plan::Step;

/// How long the kernel gets to show a signalled process in its new state.
const OBSERVE: Duration = Duration::from_secs(1);

/// How often a paused process's state is read while the fault lasts.
const WATCH_EVERY: Duration = Duration::from_millis(20);

pub fn prepare(step: &Step, ctx: &Context) -> Result<Box<dyn Prepared>, InjectError> {
    let targets = super::resolve::resolve(&step.target, ctx, step.fault.kind())?;
    Ok(Box::new(Pause { targets }))
}

struct Pause {
    targets: Vec<Resolved>,
}

impl Pause {
    fn ids(&self) -> Vec<ProcessId> {
        self.targets.iter().map(|t| t.id).collect()
    }
}

impl Prepared for Pause {
    fn revert_record(&self) -> Revert {
        Revert::Continue {
            processes: self.ids(),
        }
    }

    fn target_description(&self) -> String {
        describe(&self.targets)
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let mut stopped = Vec::new();
        for target in &self.targets {
            match send(target.id, Signal::SIGSTOP) {
                Ok(Delivery::Delivered) => stopped.push(target.id),
                Ok(Delivery::Gone) => {}
                Err(errno) => {
                    // Nothing may stay applied after an error.
                    let _ = resume(&stopped);
                    return Err(InjectError::new(format!(
                        "cannot stop process {} ({}): {}",
                        target.id.pid,
                        target.name,
                        errno.desc().to_lowercase()
                    ))
                    .with_help("run `chaosc` as the process's user, or as root"));
                }
            }
        }
        let observed = wait_until(OBSERVE, || {
            stopped
                .iter()
                .all(|id| procfs::state_of(*id).is_none_or(|state| state == 'T'))
        });
        let stopped_now = stopped
            .iter()
            .filter(|id| procfs::state_of(**id) == Some('T'))
            .count();
        let watch = if stopped_now == self.targets.len() {
            let watched = self.targets.clone();
            Watch::start(WATCH_EVERY, move || still_stopped(&watched)).ok()
        } else {
            None
        };
        Ok(Box::new(Paused {
            targets: self.targets,
            stopped_observed: stopped_now,
            observed_after: observed,
            watch,
        }))
    }
}

struct Paused {
    targets: Vec<Resolved>,
    /// How many targets were seen in state `T`.
    stopped_observed: usize,
    /// How long until every signalled target was seen stopped (or gone).
    observed_after: Option<Duration>,
    /// Watches that every target stays stopped, from the apply to the revert.
    watch: Option<Watch>,
}

/// `Ok` while every target is stopped; otherwise which one is not and how.
fn still_stopped(targets: &[Resolved]) -> Result<(), String> {
    for t in targets {
        match procfs::state_of(t.id) {
            Some('T') => {}
            Some(state) => {
                return Err(format!(
                    "process {} ({}) was running again (state {state}): something else resumed it",
                    t.id.pid, t.name
                ))
            }
            None => return Err(format!("process {} ({}) exited", t.id.pid, t.name)),
        }
    }
    Ok(())
}

impl Active for Paused {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        // Ended before SIGCONT, which would look like a lapse.
        let held: Option<Held> = self.watch.map(Watch::end);
        let ids: Vec<ProcessId> = self.targets.iter().map(|t| t.id).collect();
        let stopped_at_end = ids
            .iter()
            .filter(|id| procfs::state_of(**id) == Some('T'))
            .count();
        let resumed_after = resume(&ids)?;
        let total = self.targets.len();
        let lapse = held.as_ref().and_then(|h| h.lapse.clone());
        let took_effect = self.stopped_observed == total && total > 0 && lapse.is_none();
        let measured = evidence::ProcessPause {
            processes: total as u64,
            processes_stopped: self.stopped_observed as u64,
            stopped_at_end: stopped_at_end as u64,
            observed_state: u8::from(took_effect),
            stopped_observed_after_ms: self.observed_after.map(ms),
            resumed_observed_after_ms: ms(resumed_after),
            watched_ms: held.as_ref().map(|h| ms(h.watched)),
            held_ms: held.as_ref().map(|h| ms(h.held())),
            state_checks: held.as_ref().map(|h| h.checks),
        };
        let who = describe(&self.targets);
        let summary = if let (Some((at, why)), Some(h)) = (&lapse, &held) {
            format!(
                "the pause did not hold: {who} was observed stopped, but {} ms later {why}; it held {:.0} of {:.0} ms (state read every {} ms)",
                ms(*at).round(),
                ms(h.held()),
                ms(h.watched),
                WATCH_EVERY.as_millis()
            )
        } else if took_effect {
            format!(
                "{who} observed stopped (state T) {:.1} ms after SIGSTOP and every {} ms for {:.0} ms; {stopped_at_end} of {total} still stopped at the end, resumed with SIGCONT",
                self.observed_after.map(ms).unwrap_or_default(),
                WATCH_EVERY.as_millis(),
                held.as_ref().map(|h| ms(h.watched)).unwrap_or_default()
            )
        } else {
            format!(
                "only {} of {total} observed stopped (state T) within {} ms of SIGSTOP ({who})",
                self.stopped_observed,
                OBSERVE.as_millis()
            )
        };
        Ok(Evidence {
            took_effect,
            summary,
            measurements: Measurements::ProcessPause(measured),
        })
    }
}

/// SIGCONT to each process that still has that pid and start time, then waits until
/// none of them is in state `T`. A process that is gone is fine.
fn resume(ids: &[ProcessId]) -> Result<Duration, InjectError> {
    for id in ids {
        send(*id, Signal::SIGCONT).map_err(|errno| {
            InjectError::new(format!(
                "cannot resume process {}: {}",
                id.pid,
                errno.desc().to_lowercase()
            ))
            .with_help(format!(
                "resume it by hand: `kill -CONT {}`; run `chaosc` as the process's user, or as root",
                id.pid
            ))
        })?;
    }
    let still_stopped = || {
        ids.iter()
            .filter(|id| procfs::state_of(**id) == Some('T'))
            .map(|id| id.pid.to_string())
            .collect::<Vec<_>>()
    };
    wait_until(OBSERVE, || still_stopped().is_empty()).ok_or_else(|| {
        InjectError::new(format!(
            "process {} is still stopped {} ms after SIGCONT",
            still_stopped().join(", "),
            OBSERVE.as_millis()
        ))
        .with_help("another tool may have stopped it too; resume it with `kill -CONT PID`")
    })
}

/// [`Revert::Continue`] from the record alone.
pub fn revert_record(processes: &[ProcessId]) -> Result<(), InjectError> {
    resume(processes).map(|_| ())
}
