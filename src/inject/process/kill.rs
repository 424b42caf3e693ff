//! `process_kill`: one signal, then optionally a restart command. An instant action.
//!
//! Evidence for a signal meant to end the process (KILL, TERM, INT, QUIT, ABRT …): the
//! process observed gone or a zombie within a bounded wait. Signals that processes
//! usually handle (HUP to reload, USR1 …) are evidenced by their delivery alone, and the
//! summary says so.
//!
//! The restart command is the system under test coming back, not part of the fault: it
//! runs in its own session (`setsid`) so that it survives the runner, like the process it
//! replaces did, and its output is appended to `<report dir>/<step>-restart.log`.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use super::resolve::Resolved;
use super::{describe, ms, send, wait_until, Delivery};
use crate::inject::exec::{open_log, prepare_argv, Argv};
use crate::inject::{
    evidence, procfs, Active, Context, Evidence, InjectError, Measurements, Prepared, Revert,
};
use crate::plan::{Step, Text};

/// How long a restarted process must stay alive to count as restarted.
const RESTART_ALIVE: Duration = Duration::from_millis(100);

/// How long a restart waits for the killed processes to be reaped by their parent.
const REAP_LIMIT: Duration = Duration::from_secs(5);

/// Parses `SIGKILL`, `KILL`, `sigterm`, `9` ….
pub fn parse_signal(text: &str) -> Result<Signal, InjectError> {
    let trimmed = text.trim();
    let parsed = if let Ok(number) = trimmed.parse::<i32>() {
        Signal::try_from(number).ok()
    } else {
        let upper = trimmed.to_ascii_uppercase();
        let name = if upper.starts_with("SIG") {
            upper
        } else {
            format!("SIG{upper}")
        };
        Signal::from_str(&name).ok()
    };
    match parsed {
        Some(Signal::SIGSTOP | Signal::SIGCONT | Signal::SIGTSTP) => Err(InjectError::new(
            format!("`{text}` cannot be sent by `process_kill`"),
        )
        .with_help("use `process_pause` to stop a process and resume it afterwards")),
        Some(signal) => Ok(signal),
        None => Err(
            InjectError::new(format!("`{text}` is not a signal")).with_help(
                "write a signal name such as `SIGKILL`, `SIGTERM` or `SIGHUP`, or its number",
            ),
        ),
    }
}

/// Whether a process that does not handle `signal` is expected to end, and how long it
/// gets: SIGKILL cannot be handled, the others allow a clean shutdown.
fn ends_process(signal: Signal) -> Option<Duration> {
    match signal {
        Signal::SIGKILL => Some(Duration::from_secs(2)),
        Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT | Signal::SIGABRT => {
            Some(Duration::from_secs(5))
        }
        _ => None,
    }
}

pub fn prepare(
    step: &Step,
    ctx: &Context,
    signal: &str,
    restart: Option<&[Text]>,
) -> Result<Box<dyn Prepared>, InjectError> {
    let signal = parse_signal(signal)?;
    let restart = restart
        .map(|argv| prepare_argv(argv, "restart"))
        .transpose()?;
    let targets = super::resolve::resolve(&step.target, ctx, step.fault.kind())?;
    Ok(Box::new(Kill {
        step: step.name.clone(),
        ctx: ctx.clone(),
        signal,
        restart,
        targets,
    }))
}

struct Kill {
    step: String,
    ctx: Context,
    signal: Signal,
    restart: Option<Argv>,
    targets: Vec<Resolved>,
}

impl Prepared for Kill {
    fn revert_record(&self) -> Revert {
        Revert::Nothing
    }

    fn target_description(&self) -> String {
        describe(&self.targets)
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let who = describe(&self.targets);
        let mut delivered = Vec::new();
        for target in &self.targets {
            match send(target.id, self.signal) {
                Ok(Delivery::Delivered) => delivered.push(target.id),
                Ok(Delivery::Gone) => {}
                Err(errno) => {
                    return Err(InjectError::new(format!(
                        "cannot send {} to process {} ({}): {}",
                        self.signal,
                        target.id.pid,
                        target.name,
                        errno.desc().to_lowercase()
                    ))
                    .with_help("run `chaosc` as the process's user, or as root"))
                }
            }
        }
        let total = self.targets.len();
        // A process that ended on its own between prepare and apply was not killed by
        // the fault: it does not count as evidence.
        let already_gone = total - delivered.len();
        let mut measured = evidence::ProcessKill::delivery(
            total as u64,
            delivered.len() as u64,
            already_gone as u64,
            self.signal as i32,
        );
        let (took_effect, mut summary) = match ends_process(self.signal) {
            Some(limit) => {
                let exited = wait_until(limit, || {
                    delivered.iter().all(|id| !procfs::is_alive(*id))
                });
                let gone = delivered
                    .iter()
                    .filter(|id| !procfs::is_alive(**id))
                    .count();
                measured.exited = Some(gone as u64);
                match exited {
                    Some(after) if delivered.len() == total => {
                        measured.exited_after_ms = Some(ms(after));
                        (
                            true,
                            format!(
                                "{who} observed gone {:.1} ms after {}",
                                ms(after),
                                self.signal
                            ),
                        )
                    }
                    _ => (
                        false,
                        format!(
                            "{gone} of {total} observed gone within {} ms of {} ({who})",
                            limit.as_millis(),
                            self.signal
                        ),
                    ),
                }
            }
            None => (
                delivered.len() == total,
                format!(
                    "{} delivered to {} of {total} ({who}); the process may handle it, so delivery is the only evidence",
                    self.signal,
                    delivered.len()
                ),
            ),
        };
        if already_gone > 0 {
            summary.push_str(&format!(
                "; {already_gone} of {total} had exited before {} was sent",
                self.signal
            ));
        }
        if let Some(argv) = &self.restart {
            // A killed process stays a zombie until its parent reaps it, and a zombie
            // still holds its pid: a server that guards against a second instance with
            // a pidfile (PostgreSQL's `postmaster.pid`) refuses to start while it is
            // there. A parent that is not the runner (which reaps its own children
            // later) is given a bounded time to reap; then the restart goes ahead.
            let me = std::process::id() as i32;
            let unreaped = || {
                delivered
                    .iter()
                    .filter(|id| {
                        procfs::stat_of(**id).is_some_and(|s| s.state == 'Z' && s.ppid != me)
                    })
                    .count()
            };
            match wait_until(REAP_LIMIT, || unreaped() == 0) {
                Some(after) => {
                    measured.reaped_after_ms = Some(ms(after));
                    if after >= Duration::from_millis(1) {
                        summary
                            .push_str(&format!("; reaped by its parent after {:.1} ms", ms(after)));
                    }
                }
                None => summary.push_str(&format!(
                    "; {} not reaped by its parent within {} ms (a zombie keeps its pid)",
                    unreaped(),
                    REAP_LIMIT.as_millis()
                )),
            }
            let (pid, restarted) = restart(&self.ctx, &self.step, argv)?;
            measured.restart_pid = Some(pid);
            match restarted {
                Restarted::Running(alive) => {
                    measured.restart_alive_after_ms = Some(ms(alive));
                    summary.push_str(&format!(
                        "; restarted as pid {pid} with `{}`, alive after {} ms",
                        argv.shown,
                        alive.as_millis()
                    ));
                }
                Restarted::Completed(after) => {
                    measured.restart_exit_status = Some(0);
                    measured.restart_exited_after_ms = Some(ms(after));
                    summary.push_str(&format!(
                        "; restarted with `{}`, which exited with status 0 after {:.1} ms",
                        argv.shown,
                        ms(after)
                    ));
                }
            }
        }
        Ok(Box::new(Killed(Evidence {
            took_effect,
            summary,
            measurements: Measurements::ProcessKill(measured),
        })))
    }
}

struct Killed(Evidence);

impl Active for Killed {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        Ok(self.0)
    }
}

/// How a restart command was seen to succeed.
enum Restarted {
    /// Still running after [`RESTART_ALIVE`]: the restarted process itself, or a starter
    /// still waiting for it.
    Running(Duration),
    /// Exited with status 0 within [`RESTART_ALIVE`]: a starter that puts the process in
    /// the background and reports success (`pg_ctl -w start`, `systemctl start`).
    Completed(Duration),
}

/// Starts the restart command in its own session; returns its pid once it has stayed
/// alive for [`RESTART_ALIVE`] or exited with status 0 before.
fn restart(ctx: &Context, step: &str, argv: &Argv) -> Result<(u32, Restarted), InjectError> {
    let (log, path) = open_log(ctx, step, "restart")?;
    let stdio = || {
        log.try_clone()
            .map(Stdio::from)
            .map_err(|e| InjectError::new(format!("cannot open the log `{}`: {e}", path.display())))
    };
    let mut command = Command::new(&argv.values[0]);
    command
        .args(&argv.values[1..])
        .stdin(Stdio::null())
        .stdout(stdio()?)
        .stderr(stdio()?);
    // SAFETY: `setsid` is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            nix::unistd::setsid()
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| {
        InjectError::new(format!(
            "the process was killed but its restart `{}` could not start: {e}",
            argv.shown
        ))
        .with_help("check the restart command")
    })?;
    let pid = child.id();
    loop {
        match child.try_wait() {
            Ok(None) if started.elapsed() >= RESTART_ALIVE => {
                // Reaps it whenever it ends, so that it never lingers as a zombie of
                // the runner; the thread does not keep the runner alive.
                std::thread::spawn(move || child.wait());
                return Ok((pid, Restarted::Running(RESTART_ALIVE)));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Ok(Some(status)) if status.success() => {
                return Ok((pid, Restarted::Completed(started.elapsed())))
            }
            Ok(Some(status)) => {
                return Err(InjectError::new(format!(
                    "the process was killed but its restart `{}` ended within {} ms ({status})",
                    argv.shown,
                    RESTART_ALIVE.as_millis()
                ))
                .with_help(format!("its output is in `{}`", path.display())))
            }
            Err(e) => {
                return Err(InjectError::new(format!(
                    "cannot check the restart `{}`: {e}",
                    argv.shown
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_signal_names_and_numbers() {
        assert_eq!(parse_signal("SIGKILL"), Ok(Signal::SIGKILL));
        assert_eq!(parse_signal("KILL"), Ok(Signal::SIGKILL));
        assert_eq!(parse_signal("sigterm"), Ok(Signal::SIGTERM));
        assert_eq!(parse_signal("9"), Ok(Signal::SIGKILL));
        assert_eq!(parse_signal("15"), Ok(Signal::SIGTERM));
        assert_eq!(parse_signal("HUP"), Ok(Signal::SIGHUP));
        assert_eq!(parse_signal(" SIGUSR1 "), Ok(Signal::SIGUSR1));
    }

    #[test]
    fn refuses_non_signals_and_stop_signals() {
        for text in ["", "SIG", "KILLALL", "0", "-9", "99", "SIGKILL9"] {
            let e = parse_signal(text).expect_err(text);
            assert!(
                e.message.contains("is not a signal"),
                "{text}: {}",
                e.message
            );
        }
        for text in ["SIGSTOP", "cont", "19"] {
            let e = parse_signal(text).expect_err(text);
            assert!(e.help.unwrap_or_default().contains("process_pause"));
        }
    }

    fn restart_in(dir: &std::path::Path, program: &str) -> Result<(u32, Restarted), InjectError> {
        let ctx = Context {
            worker_exe: std::path::PathBuf::from("chaosc"),
            run_id: "test".to_string(),
            seed: 1,
            services: std::collections::HashMap::new(),
            allow_targets: Vec::new(),
            report_dir: dir.to_path_buf(),
            proxies: Default::default(),
        };
        let argv = prepare_argv(&[Text::Literal(program.to_string())], "restart")?;
        restart(&ctx, "crash", &argv)
    }

    #[test]
    fn a_restart_that_exits_0_at_once_is_a_daemonizing_starter() {
        let dir = tempfile::tempdir().expect("a temp dir");
        match restart_in(dir.path(), "true") {
            Ok((_, Restarted::Completed(after))) => assert!(after < RESTART_ALIVE),
            Ok((_, Restarted::Running(_))) => panic!("`true` was seen running after 100 ms"),
            Err(e) => panic!("{}", e.message),
        }
        let Err(e) = restart_in(dir.path(), "false") else {
            panic!("`false` counted as a restart");
        };
        assert!(e.message.contains("ended within 100 ms"), "{}", e.message);
    }

    #[test]
    fn classifies_terminating_signals() {
        assert!(ends_process(Signal::SIGKILL).is_some());
        assert!(ends_process(Signal::SIGTERM).is_some());
        assert!(ends_process(Signal::SIGHUP).is_none());
        assert!(ends_process(Signal::SIGUSR1).is_none());
    }
}
