//! The guard: a small detached process (`chaosc __guard`) that outlives the runner.
//!
//! It polls the runner and the journal every [`POLL`]. When the runner is gone (killed,
//! crashed) and the journal is not closed, it reverts every open entry and closes the
//! journal. It also reverts, on its own, any entry whose deadline (planned end plus a
//! grace period) has passed, so no fault outlives its plan even if the runner hangs.
//! It exits once the journal is closed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::inject::journal::{self, By, Entry};
use crate::inject::{procfs, InjectError, ProcessId};

/// How often the guard looks at the runner and the journal.
pub const POLL: Duration = Duration::from_millis(100);

/// Starts the guard for the run whose journal is in `dir`, detached in its own session
/// so that a Ctrl-C on the terminal or the death of the runner does not reach it.
pub fn spawn(exe: &Path, dir: &Path, runner: ProcessId) -> Result<u32, InjectError> {
    // Appended to: a guard that died is replaced, and its last words stay.
    let log = crate::inject::files::append(&dir.join("guard.log"), 0o644)
        .map_err(|e| InjectError::new(format!("cannot create the guard's log: {e}")))?;
    let mut cmd = Command::new(exe);
    cmd.arg("__guard")
        .arg(dir)
        .arg(runner.pid.to_string())
        .arg(runner.start_time.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // SAFETY: `setsid` is async-signal-safe and touches nothing of the parent.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .map_err(|e| InjectError::new(format!("cannot start the guard process: {e}")))?;
    Ok(child.id())
}

/// This process, identified for the journal.
pub fn this_process() -> ProcessId {
    let pid = std::process::id() as i32;
    procfs::identify(pid).unwrap_or(ProcessId { pid, start_time: 0 })
}

/// Whether the runner still runs: same pid, same start time, not a zombie.
pub fn alive(runner: ProcessId) -> bool {
    procfs::is_alive(runner)
}

/// How long the guard waits before trying again a deadline revert that failed, so a
/// revert that keeps failing does not flood the journal and the log.
const RETRY: Duration = Duration::from_secs(5);

/// The guard's main loop; returns the exit status.
pub fn main(dir: PathBuf, runner: ProcessId) -> i32 {
    let mut tried: std::collections::HashMap<u64, std::time::Instant> = Default::default();
    loop {
        let state = match journal::read(&dir) {
            Ok(state) => state,
            Err(e) => {
                eprintln!("guard: {e}");
                if alive(runner) {
                    std::thread::sleep(POLL);
                    continue;
                }
                return 4;
            }
        };
        if state.closed {
            return 0;
        }
        if !alive(runner) {
            eprintln!(
                "guard: runner {} is gone; reverting {} open fault(s)",
                runner.pid,
                state.open.len()
            );
            return match journal::revert_open(&dir, By::Guard) {
                Ok(report) if report.errors.is_empty() => 0,
                Ok(report) => {
                    for (entry, e) in report.errors {
                        eprintln!("guard: cannot revert `{}`: {e}", entry.step);
                    }
                    4
                }
                Err(e) => {
                    eprintln!("guard: {e}");
                    4
                }
            };
        }
        let now = journal::monotonic_ms();
        for entry in &state.open {
            let due = entry.deadline_mono_ms.is_some_and(|d| d <= now);
            let retry_later = tried.get(&entry.id).is_some_and(|t| t.elapsed() < RETRY);
            if due && !retry_later {
                tried.insert(entry.id, std::time::Instant::now());
                eprintln!(
                    "guard: `{}` outlived its planned end; reverting it",
                    entry.step
                );
                let result = entry.revert.revert();
                if let Ok(mut w) = journal::Writer::open(&dir) {
                    let _ = w.append(&Entry::Reverted {
                        id: entry.id,
                        by: By::Guard,
                        error: result.err().map(|e| e.message),
                        at: journal::now_rfc3339(),
                    });
                }
            }
        }
        std::thread::sleep(POLL);
    }
}
