//! `process_pause`: SIGSTOP for the fault's duration, then SIGCONT.
//!
//! Evidence is the state the kernel reports: `T` (stopped) in `/proc/PID/stat` within a
//! second of SIGSTOP, and no longer `T` after SIGCONT.

use std::collections::BTreeMap;
use std::time::Duration;

use nix::sys::signal::Signal;

use super::resolve::Resolved;
use super::{describe, ms, send, wait_until, Delivery};
use crate::inject::{procfs, Active, Context, Evidence, InjectError, Prepared, ProcessId, Revert};
use crate::plan::Step;

/// How long the kernel gets to show a signalled process in its new state.
const OBSERVE: Duration = Duration::from_secs(1);

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
        Ok(Box::new(Paused {
            targets: self.targets,
            stopped_observed: stopped_now,
            observed_after: observed,
        }))
    }
}

struct Paused {
    targets: Vec<Resolved>,
    /// How many targets were seen in state `T`.
    stopped_observed: usize,
    /// How long until every signalled target was seen stopped (or gone).
    observed_after: Option<Duration>,
}

impl Active for Paused {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let ids: Vec<ProcessId> = self.targets.iter().map(|t| t.id).collect();
        let stopped_at_end = ids
            .iter()
            .filter(|id| procfs::state_of(**id) == Some('T'))
            .count();
        let resumed_after = resume(&ids)?;
        let total = self.targets.len();
        let took_effect = self.stopped_observed == total && total > 0;
        let mut measurements = BTreeMap::new();
        measurements.insert("processes".to_string(), total as f64);
        measurements.insert(
            "processes_stopped".to_string(),
            self.stopped_observed as f64,
        );
        measurements.insert("stopped_at_end".to_string(), stopped_at_end as f64);
        measurements.insert(
            "observed_state".to_string(),
            if took_effect { 1.0 } else { 0.0 },
        );
        if let Some(after) = self.observed_after {
            measurements.insert("stopped_observed_after_ms".to_string(), ms(after));
        }
        measurements.insert("resumed_observed_after_ms".to_string(), ms(resumed_after));
        let who = describe(&self.targets);
        let summary = if took_effect {
            format!(
                "{who} observed stopped (state T) {:.1} ms after SIGSTOP; {stopped_at_end} of {total} still stopped at the end, resumed with SIGCONT",
                self.observed_after.map(ms).unwrap_or_default()
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
            measurements,
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
