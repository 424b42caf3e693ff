//! The journal: what a run applied and reverted, one JSON object per line, in the report
//! folder. Every fault is written here *before* it is applied, with the [`Revert`] record
//! that undoes it, so that the guard process, `chaosc recover` and the next `chaosc run`
//! can revert what a dead runner left behind.
//!
//! Entries are appended with one `write` each (the guard reads the file while the runner
//! writes it, and a line is never seen half-written by another process on Linux for
//! writes of this size to a regular file opened with `O_APPEND`). The page cache
//! survives the runner being killed; `sync` is called after each apply, off the
//! schedule's critical path (a machine crash also ends every stress worker and stop).

mod trust;

pub use trust::{inspect, read_trusted, Inspected};

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{InjectError, Revert};

/// The journal's file name in a report folder.
pub const FILE_NAME: &str = "journal";

/// Who reverted an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum By {
    Runner,
    Guard,
    Recover,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum Entry {
    /// The run started.
    Open {
        run_id: String,
        runner: super::ProcessId,
        /// Wall clock, RFC 3339 UTC.
        at: String,
    },
    /// A fault is about to be applied.
    Intent {
        id: u64,
        scenario: String,
        step: String,
        kind: String,
        target: String,
        revert: Revert,
        /// `CLOCK_MONOTONIC` milliseconds after which the guard reverts on its own
        /// (planned end plus a grace period); `null` for instant actions.
        deadline_mono_ms: Option<u64>,
        at: String,
    },
    /// The fault was applied (or `error` says why not; it is reverted all the same).
    Applied {
        id: u64,
        error: Option<String>,
        at: String,
    },
    /// The fault was reverted (or reverting failed: `error`).
    Reverted {
        id: u64,
        by: By,
        error: Option<String>,
        at: String,
    },
    /// The run ended and reverted everything: nothing is left to do.
    Close { by: By, at: String },
}

/// The current wall-clock time, RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// `CLOCK_MONOTONIC` now, in milliseconds (the same clock in every process).
pub fn monotonic_ms() -> u64 {
    match nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC) {
        Ok(ts) => (ts.tv_sec() as u64)
            .saturating_mul(1000)
            .saturating_add(ts.tv_nsec() as u64 / 1_000_000),
        Err(_) => 0,
    }
}

/// An open journal being appended to.
#[derive(Debug)]
pub struct Writer {
    file: File,
    path: PathBuf,
}

impl Writer {
    /// Creates (or continues) the journal in `dir`: readable by its owner only (an
    /// `exec` revert may carry resolved `env()` values), never through a link.
    pub fn open(dir: &Path) -> Result<Writer, InjectError> {
        let path = dir.join(FILE_NAME);
        let file = super::files::append(&path, 0o600).map_err(|e| {
            InjectError::new(format!("cannot open the journal `{}`: {e}", path.display()))
        })?;
        Ok(Writer { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry with a single `write`.
    pub fn append(&mut self, entry: &Entry) -> Result<(), InjectError> {
        let mut line = serde_json::to_string(entry)
            .map_err(|e| InjectError::new(format!("cannot encode a journal entry: {e}")))?;
        line.push('\n');
        self.file.write_all(line.as_bytes()).map_err(|e| {
            InjectError::new(format!(
                "cannot write the journal `{}`: {e}",
                self.path.display()
            ))
        })
    }

    /// Flushes the journal to the disk.
    pub fn sync(&self) -> Result<(), InjectError> {
        self.file
            .sync_data()
            .map_err(|e| InjectError::new(format!("cannot sync the journal: {e}")))
    }
}

/// A journal read back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub run_id: Option<String>,
    pub runner: Option<super::ProcessId>,
    /// Every intent not yet reverted successfully, in journal order.
    pub open: Vec<OpenEntry>,
    pub closed: bool,
    /// Entries the guard reverted (a runner that outlived a fault's deadline, or died).
    pub reverted_by_guard: Vec<OpenEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpenEntry {
    pub id: u64,
    pub scenario: String,
    pub step: String,
    pub kind: String,
    pub target: String,
    pub revert: Revert,
    pub deadline_mono_ms: Option<u64>,
}

/// Reads the journal in `dir`. A torn last line (the writer died mid-write) is ignored;
/// any other unreadable line is an error, since guessing could leave a fault behind.
pub fn read(dir: &Path) -> Result<State, InjectError> {
    let path = dir.join(FILE_NAME);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| InjectError::new(format!("cannot read `{}`: {e}", path.display())))?;
    parse(&text).map_err(|(line, e)| {
        InjectError::new(format!(
            "line {line} of the journal `{}` is not a journal entry: {e}",
            path.display()
        ))
    })
}

/// Parses journal text; `Err((line, reason))` for a bad line that is not the last.
pub fn parse(text: &str) -> Result<State, (usize, String)> {
    let mut state = State::default();
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = match serde_json::from_str(line) {
            Ok(entry) => entry,
            // The last line without its newline: a write that did not finish.
            Err(_) if i + 1 == lines.len() => break,
            Err(e) => return Err((i + 1, e.to_string())),
        };
        match entry {
            Entry::Open { run_id, runner, .. } => {
                state.run_id = Some(run_id);
                state.runner = Some(runner);
                state.closed = false;
            }
            Entry::Intent {
                id,
                scenario,
                step,
                kind,
                target,
                revert,
                deadline_mono_ms,
                ..
            } => state.open.push(OpenEntry {
                id,
                scenario,
                step,
                kind,
                target,
                revert,
                deadline_mono_ms,
            }),
            Entry::Applied { .. } => {}
            Entry::Reverted { id, error, by, .. } => {
                if error.is_none() {
                    if by == By::Guard {
                        if let Some(entry) = state.open.iter().find(|e| e.id == id) {
                            state.reverted_by_guard.push(entry.clone());
                        }
                    }
                    state.open.retain(|e| e.id != id);
                }
            }
            Entry::Close { .. } => state.closed = true,
        }
    }
    Ok(state)
}

/// Reverts every open entry of the journal in `dir` (newest first) and records it; then
/// closes the journal. Returns the entries reverted and the errors met.
pub fn revert_open(dir: &Path, by: By) -> Result<Reverted, InjectError> {
    revert_state(dir, &read(dir)?, by)
}

/// Reverts the open entries of `state`, read from the journal in `dir` (by
/// [`read_trusted`] when someone else may have written it), as [`revert_open`] does.
pub fn revert_state(dir: &Path, state: &State, by: By) -> Result<Reverted, InjectError> {
    let mut writer = Writer::open(dir)?;
    let mut report = Reverted::default();
    for entry in state.open.iter().rev() {
        let result = entry.revert.revert();
        writer.append(&Entry::Reverted {
            id: entry.id,
            by,
            error: result.as_ref().err().map(|e| e.message.clone()),
            at: now_rfc3339(),
        })?;
        match result {
            Ok(()) => report.reverted.push(entry.clone()),
            Err(e) => report.errors.push((entry.clone(), e)),
        }
    }
    if report.errors.is_empty() {
        writer.append(&Entry::Close {
            by,
            at: now_rfc3339(),
        })?;
    }
    let _ = writer.sync();
    Ok(report)
}

#[derive(Debug, Default)]
pub struct Reverted {
    pub reverted: Vec<OpenEntry>,
    pub errors: Vec<(OpenEntry, InjectError)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(id: u64) -> Entry {
        Entry::Intent {
            id,
            scenario: "s".into(),
            step: format!("step{id}"),
            kind: "cpu_stress".into(),
            target: "host".into(),
            revert: Revert::Nothing,
            deadline_mono_ms: Some(5),
            at: now_rfc3339(),
        }
    }

    fn text(entries: &[Entry]) -> String {
        entries
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect()
    }

    #[test]
    fn reverted_entries_are_no_longer_open_and_failed_reverts_stay_open() {
        let t = text(&[
            intent(1),
            intent(2),
            intent(3),
            Entry::Reverted {
                id: 1,
                by: By::Runner,
                error: None,
                at: now_rfc3339(),
            },
            Entry::Reverted {
                id: 2,
                by: By::Runner,
                error: Some("no".into()),
                at: now_rfc3339(),
            },
        ]);
        let state = parse(&t).unwrap();
        let open: Vec<u64> = state.open.iter().map(|e| e.id).collect();
        assert_eq!(open, [2, 3]);
        assert!(!state.closed);
    }

    #[test]
    fn a_torn_last_line_is_ignored_but_a_bad_middle_line_is_an_error() {
        let mut t = text(&[intent(1)]);
        t.push_str("{\"event\":\"intent\",\"id\":2,");
        assert_eq!(parse(&t).unwrap().open.len(), 1);
        let bad = format!("garbage\n{}", text(&[intent(1)]));
        assert_eq!(parse(&bad).unwrap_err().0, 1);
    }

    #[test]
    fn close_marks_the_journal_done() {
        let t = text(&[
            intent(1),
            Entry::Close {
                by: By::Runner,
                at: now_rfc3339(),
            },
        ]);
        assert!(parse(&t).unwrap().closed);
    }
}
