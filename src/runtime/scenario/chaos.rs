//! The chaos phase's scheduler: a state machine over an agenda of planned starts and
//! ends on the monotonic clock.
//!
//! Each turn of [`Scheduler::run`] watches the limits ([`Scheduler::on_limits`]), starts
//! the steps that are due ([`Scheduler::on_due`]), ends when nothing is left to start
//! and every launched step has ended, replaces a guard that died while faults are
//! applied, and then sleeps until the next planned instant (at most [`WATCH_EVERY`]), a
//! step's event ([`Scheduler::on_applied`], [`Scheduler::on_ended`]) or the interrupt.
//! Whatever the reason, running steps are stopped in one place, [`Scheduler::stop`], and
//! the first reason is the one reported.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::watcher::Watch;
use super::{ms, Stopped, WATCH_EVERY};
use crate::inject::{journal, Evidence, InjectError};
use crate::report::results::{StepResult, StepStatus};
use crate::runtime::steps::{self, Event, Launch, Running, GUARD_GRACE_MS};

/// What the agenda plans for a step. Starts sort before ends at the same instant, so a
/// step that ends when the next starts overlaps it rather than leaving a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Planned {
    Start,
    End,
}

/// One entry of the agenda, in time order (then starts before ends, then step order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Due {
    at: Instant,
    planned: Planned,
    step: usize,
}

/// The agenda of a timeline that starts at `chaos_start`: every step's start, and the
/// end of every sustained step with a duration, sorted.
fn agenda(steps: &[crate::plan::Step], chaos_start: Instant) -> VecDeque<Due> {
    let mut agenda = Vec::new();
    for (step, st) in steps.iter().enumerate() {
        let at = chaos_start + Duration::from_millis(st.start_ms);
        agenda.push(Due {
            at,
            planned: Planned::Start,
            step,
        });
        if let (true, Some(d)) = (st.sustained, st.duration_ms) {
            agenda.push(Due {
                at: at + Duration::from_millis(d),
                planned: Planned::End,
                step,
            });
        }
    }
    agenda.sort();
    agenda.into()
}

/// The chaos phase of one scenario while it runs.
pub(super) struct Scheduler<'w, 'a> {
    watch: &'w Watch<'a>,
    results: &'w mut [StepResult],
    chaos_start: Instant,
    /// `CLOCK_MONOTONIC` ms at `chaos_start`, for the guard's deadlines.
    mono_at_chaos: u64,
    agenda: VecDeque<Due>,
    /// The steps launched and not ended yet.
    running: BTreeMap<usize, Running>,
    /// The steps whose fault is applied now, by name (the status line, live metrics).
    active: BTreeMap<usize, String>,
    /// Why the phase stops early; once set, nothing more starts.
    stopped: Option<Stopped>,
    /// When the last step ended.
    last_end: Instant,
    events_tx: mpsc::UnboundedSender<Event>,
    events: mpsc::UnboundedReceiver<Event>,
}

impl<'w, 'a> Scheduler<'w, 'a> {
    pub fn new(watch: &'w Watch<'a>, chaos_start: Instant, results: &'w mut [StepResult]) -> Self {
        let (events_tx, events) = mpsc::unbounded_channel();
        let mono_at_chaos = journal::monotonic_ms()
            .saturating_sub(u64::try_from(chaos_start.elapsed().as_millis()).unwrap_or(0));
        Scheduler {
            agenda: agenda(&watch.scenario.steps, chaos_start),
            watch,
            results,
            chaos_start,
            mono_at_chaos,
            running: BTreeMap::new(),
            active: BTreeMap::new(),
            stopped: None,
            last_end: chaos_start,
            events_tx,
            events,
        }
    }

    /// Runs the timeline; returns when the last step ended (or everything was reverted
    /// after a stop), with that instant.
    pub async fn run(mut self) -> (Instant, Option<Stopped>) {
        let mut interrupt = self.watch.shared.interrupt.clone();
        loop {
            self.on_limits();
            self.on_due();
            if self.finished() {
                return (self.last_end, self.stopped);
            }
            self.keep_guard();
            self.watch.status("chaos", &self.active);
            let wake = self.next_wake();
            tokio::select! {
                biased;
                event = self.events.recv() => match event {
                    Some(Event::Applied { index, target, at }) => self.on_applied(index, target, at),
                    Some(Event::Ended { index, target, at, outcome }) => {
                        self.on_ended(index, target, at, outcome)
                    }
                    None => {}
                },
                _ = tokio::time::sleep_until(wake.into()) => {}
                _ = interrupt.changed() => {}
            }
        }
    }

    /// Stops the phase for `why` (the first reason wins) and asks every running step to
    /// revert now. The only place that stops running steps.
    fn stop(&mut self, why: Stopped) {
        if self.stopped.is_none() {
            self.stopped = Some(why);
        }
        for r in self.running.values() {
            r.stop();
        }
    }

    /// The interrupt, `max_duration` and the abort conditions.
    fn on_limits(&mut self) {
        if self.stopped.is_some() {
            return;
        }
        if let Some(why) = self.watch.check(Some(self.chaos_start)) {
            self.watch.shared.progress.event(&format!(
                "{}: stopping: reverting every fault",
                self.watch.scenario.name
            ));
            self.stop(why);
        }
    }

    /// Starts every step whose planned start has come, and orders the end of every
    /// sustained step whose planned end has come; nothing once stopped.
    fn on_due(&mut self) {
        while self.stopped.is_none() {
            let Some(&due) = self.agenda.front() else {
                break;
            };
            if due.at > Instant::now() {
                break;
            }
            self.agenda.pop_front();
            match due.planned {
                Planned::Start => self.start(due.step),
                Planned::End => {
                    if let Some(r) = self.running.get(&due.step) {
                        r.stop();
                    }
                }
            }
        }
    }

    /// Launches step `i` on its own thread.
    fn start(&mut self, i: usize) {
        let st = &self.watch.scenario.steps[i];
        // The guard must be there for every fault (it may have been killed).
        if let Err(e) = (self.watch.shared.ensure_guard)() {
            return self.stop(Stopped::Error(e));
        }
        self.results[i].actual_start_ms = Some(ms(Instant::now() - self.chaos_start));
        let deadline_mono_ms = st
            .duration_ms
            .map(|d| self.mono_at_chaos + st.start_ms + d + GUARD_GRACE_MS);
        let shared = self.watch.shared;
        let launch = Launch {
            index: i,
            id: shared.next_id.fetch_add(1, Ordering::SeqCst),
            scenario: self.watch.scenario.name.clone(),
            step: st.clone(),
            ctx: Arc::clone(&shared.ctx),
            journal: Arc::clone(&shared.journal),
            deadline_mono_ms,
            events: self.events_tx.clone(),
        };
        match steps::launch(launch) {
            Ok(r) => {
                self.running.insert(i, r);
            }
            Err(e) => {
                self.results[i].status = StepStatus::Failed;
                self.results[i].error = Some(e.message.clone());
                let why = Stopped::Error(format!("step `{}`: {e}", st.name));
                self.stop(why);
            }
        }
    }

    /// Done when nothing is left to start (or the phase stopped) and every launched
    /// step has ended.
    fn finished(&self) -> bool {
        (self.agenda.is_empty() || self.stopped.is_some()) && self.running.is_empty()
    }

    /// While faults are applied, a guard that died is replaced at once.
    fn keep_guard(&mut self) {
        if self.stopped.is_none() && !self.running.is_empty() {
            if let Err(e) = (self.watch.shared.ensure_guard)() {
                self.stop(Stopped::Error(e));
            }
        }
    }

    /// The next planned instant, or the next watch.
    fn next_wake(&self) -> Instant {
        let watch = Instant::now() + WATCH_EVERY;
        match (&self.stopped, self.agenda.front()) {
            (None, Some(due)) => due.at.min(watch),
            _ => watch,
        }
    }

    /// A step's fault is applied (or its instant action ran).
    fn on_applied(&mut self, index: usize, target: String, at: Instant) {
        let st = &self.watch.scenario.steps[index];
        self.results[index].target = target;
        self.active.insert(index, st.name.clone());
        self.watch.shared.progress.event(&format!(
            "{}: applied `{}` ({}) at +{:.1} ms (planned +{} ms)",
            self.watch.scenario.name,
            st.name,
            st.fault.kind(),
            ms(at.saturating_duration_since(self.chaos_start)),
            st.start_ms,
        ));
    }

    /// A step ended: reverted, completed, or failed at any stage. A failure, or a fault
    /// that did not take effect, stops the phase.
    fn on_ended(
        &mut self,
        index: usize,
        target: Option<String>,
        at: Instant,
        outcome: Result<Evidence, InjectError>,
    ) {
        self.running.remove(&index);
        self.active.remove(&index);
        self.last_end = self.last_end.max(at);
        let scenario = &self.watch.scenario.name;
        let name = &self.watch.scenario.steps[index].name;
        let result = &mut self.results[index];
        if let Some(t) = target {
            result.target = t;
        }
        result.actual_end_ms = Some(ms(at.saturating_duration_since(self.chaos_start)));
        let failure = match outcome {
            Ok(evidence) => {
                result.status = StepStatus::Done;
                self.watch
                    .shared
                    .progress
                    .event(&format!("{scenario}: ended `{name}`: {}", evidence.summary));
                let failure = (!evidence.took_effect)
                    .then(|| format!("fault `{name}` did not take effect: {}", evidence.summary));
                result.evidence = Some(evidence);
                failure
            }
            Err(e) => {
                result.status = StepStatus::Failed;
                result.error = Some(match &e.help {
                    Some(h) => format!("{} ({h})", e.message),
                    None => e.message.clone(),
                });
                self.watch
                    .shared
                    .progress
                    .event(&format!("{scenario}: step `{name}` failed: {}", e.message));
                Some(format!("step `{name}`: {}", e.message))
            }
        };
        // (Once stopped, every running step already has its order, and nothing new
        // starts: a step that ends then needs nothing more.)
        if let Some(why) = failure {
            self.stop(Stopped::Error(why));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Fault, Step, Target};

    fn step(start_ms: u64, duration_ms: Option<u64>) -> Step {
        Step {
            name: format!("at {start_ms}"),
            fault: Fault::ProcessPause,
            target: Target::Host,
            start_ms,
            duration_ms,
            sustained: duration_ms.is_some(),
            destructive: false,
            capabilities: Vec::new(),
            span: crate::runtime::evaluate::tests::span(),
        }
    }

    #[test]
    fn the_agenda_is_in_time_order_with_starts_before_ends_at_the_same_instant() {
        let t = Instant::now();
        // Step 0 ends at 100 ms, when step 1 starts; step 2 is instant (no end).
        let steps = [step(0, Some(100)), step(100, Some(50)), step(20, None)];
        let order: Vec<(u64, Planned, usize)> = agenda(&steps, t)
            .into_iter()
            .map(|d| {
                (
                    u64::try_from((d.at - t).as_millis()).unwrap(),
                    d.planned,
                    d.step,
                )
            })
            .collect();
        assert_eq!(
            order,
            [
                (0, Planned::Start, 0),
                (20, Planned::Start, 2),
                (100, Planned::Start, 1),
                (100, Planned::End, 0),
                (150, Planned::End, 1),
            ]
        );
    }
}
