//! One thread per running step: prepare, journal, apply, wait for the stop order,
//! finish. The thread lives exactly as long as the fault, which is what
//! `PR_SET_PDEATHSIG` on stress workers needs (the signal follows the spawning thread),
//! and a slow apply or revert never delays another step.

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc;

use crate::inject::journal::{self, By, Entry};
use crate::inject::{self, Context, Evidence, InjectError};
use crate::plan::Step;

/// A grace period after a fault's planned end before the guard reverts it on its own.
pub const GUARD_GRACE_MS: u64 = 5_000;

/// The journal shared by every step of a run.
pub type SharedJournal = Arc<Mutex<journal::Writer>>;

/// What a step thread tells the scheduler.
#[derive(Debug)]
pub enum Event {
    /// Applied (sustained) or ran (instant) successfully.
    Applied {
        index: usize,
        target: String,
        at: Instant,
    },
    /// Ended: reverted (sustained) or completed (instant), with its evidence; or failed
    /// at any stage.
    Ended {
        index: usize,
        target: Option<String>,
        at: Instant,
        outcome: Result<Evidence, InjectError>,
    },
}

/// The scheduler's handle on a running step.
pub struct Running {
    stop: std_mpsc::Sender<()>,
}

impl Running {
    /// Asks a sustained fault to revert now (idempotent; ignored by instant ones).
    pub fn stop(&self) {
        let _ = self.stop.send(());
    }
}

fn lock(journal: &SharedJournal) -> std::sync::MutexGuard<'_, journal::Writer> {
    journal.lock().unwrap_or_else(|p| p.into_inner())
}

/// Everything a step thread needs.
pub struct Launch {
    pub index: usize,
    pub id: u64,
    pub scenario: String,
    pub step: Step,
    pub ctx: Arc<Context>,
    pub journal: SharedJournal,
    /// `CLOCK_MONOTONIC` ms of the planned end plus the grace (sustained faults).
    pub deadline_mono_ms: Option<u64>,
    pub events: mpsc::UnboundedSender<Event>,
}

/// Starts the step on its own thread.
pub fn launch(launch: Launch) -> Result<Running, InjectError> {
    let (stop_tx, stop_rx) = std_mpsc::channel();
    let (events, index) = (launch.events.clone(), launch.index);
    std::thread::Builder::new()
        .name(format!("step-{}", launch.step.name))
        .spawn(move || {
            // A panicking injector must still end its step, or the scheduler would wait
            // for it forever; its fault is reverted from the journal at the end.
            let caught =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(launch, stop_rx)));
            if caught.is_err() {
                let _ = events.send(Event::Ended {
                    index,
                    target: None,
                    at: Instant::now(),
                    outcome: Err(InjectError::new("the injector panicked")),
                });
            }
        })
        .map_err(|e| InjectError::new(format!("cannot start a thread for the step: {e}")))?;
    Ok(Running { stop: stop_tx })
}

fn run(l: Launch, stop: std_mpsc::Receiver<()>) {
    let ended = |target: Option<String>, outcome| {
        let _ = l.events.send(Event::Ended {
            index: l.index,
            target,
            at: Instant::now(),
            outcome,
        });
    };
    let prepared = match inject::prepare(&l.step, &l.ctx) {
        Ok(p) => p,
        Err(e) => return ended(None, Err(e)),
    };
    let target = prepared.target_description();
    // Held until the fault is reverted (the end of this function); a target another
    // run holds is refused before anything is journaled or applied.
    let holder = inject::lock::Holder {
        run_id: l.ctx.run_id.clone(),
        report_dir: l.ctx.report_dir.clone(),
    };
    let _lock = match inject::lock::acquire(&prepared.lock_keys(), &holder) {
        Ok(lock) => lock,
        Err(e) => return ended(Some(target), Err(e)),
    };
    let revert = prepared.revert_record();
    // The journal entry goes out before anything is applied.
    let intent = Entry::Intent {
        id: l.id,
        scenario: l.scenario.clone(),
        step: l.step.name.clone(),
        kind: l.step.fault.kind().to_string(),
        target: target.clone(),
        revert: revert.clone(),
        deadline_mono_ms: l.deadline_mono_ms,
        at: journal::now_rfc3339(),
    };
    if let Err(e) = lock(&l.journal).append(&intent) {
        return ended(Some(target), Err(e));
    }
    let applied = prepared.apply();
    {
        let mut j = lock(&l.journal);
        let _ = j.append(&Entry::Applied {
            id: l.id,
            error: applied.as_ref().err().map(|e| e.message.clone()),
            at: journal::now_rfc3339(),
        });
        let _ = j.sync();
    }
    let active = match applied {
        Ok(active) => active,
        Err(e) => {
            // Whatever part of it was applied is undone from the record.
            let undo = revert.revert();
            record_revert(&l, undo.as_ref().err());
            return ended(Some(target), Err(e));
        }
    };
    let _ = l.events.send(Event::Applied {
        index: l.index,
        target: target.clone(),
        at: Instant::now(),
    });
    if l.step.sustained {
        // A dropped sender (the scheduler is gone) also means: revert now.
        let _ = stop.recv();
    }
    let outcome = active.finish();
    let outcome = match outcome {
        Ok(evidence) => {
            record_revert(&l, None);
            Ok(evidence)
        }
        Err(e) => {
            // `finish` failed: try the record, which is idempotent.
            let undo = revert.revert();
            record_revert(&l, undo.as_ref().err());
            Err(e)
        }
    };
    ended(Some(target), outcome);
}

fn record_revert(l: &Launch, error: Option<&InjectError>) {
    let mut j = lock(&l.journal);
    let _ = j.append(&Entry::Reverted {
        id: l.id,
        by: By::Runner,
        error: error.map(|e| e.message.clone()),
        at: journal::now_rfc3339(),
    });
}
