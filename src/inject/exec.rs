//! `exec`: runs a command (argv, no shell) as the fault, and optionally another to revert it.
//!
//! The fault took effect when the command exits with status 0 within its timeout;
//! anything else is an error (a fault that could not be applied), never a silent pass.
//! Output goes to `<report dir>/<step>-exec.log`. Each command runs in its own process
//! group so that at the timeout the whole group (the command and what it started) is
//! killed, and so that a Ctrl-C meant for the runner does not reach it.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::{evidence, Active, Context, Evidence, InjectError, Measurements, Prepared, Revert};
use crate::plan::Text;

/// A resolved command line: the values to run and what reports may show of them (an
/// `env(…)` value is shown as `env(NAME)`, never as the value).
#[derive(Debug, Clone)]
pub struct Argv {
    pub values: Vec<String>,
    /// `argv[0]` as reports show it.
    pub shown: String,
}

/// Resolves `argv` and checks that its program can be found, without running anything.
pub fn prepare_argv(argv: &[Text], what: &str) -> Result<Argv, InjectError> {
    let Some(first) = argv.first() else {
        return Err(
            InjectError::new(format!("the {what} command is empty")).with_help(
                "give the program and its arguments, e.g. `[\"systemctl\", \"restart\", \"api\"]`",
            ),
        );
    };
    let values = argv
        .iter()
        .map(|t| super::process::resolve::text(t, &format!("{what} command")))
        .collect::<Result<Vec<_>, _>>()?;
    let shown = shown(first);
    if find_program(&values[0]).is_none() {
        return Err(not_found(&shown, &values[0]));
    }
    Ok(Argv { values, shown })
}

fn not_found(shown: &str, program: &str) -> InjectError {
    if program.contains('/') {
        InjectError::new(format!("`{shown}` does not exist or is not executable"))
            .with_help("check the path and its permissions")
    } else {
        InjectError::new(format!("`{shown}` was not found on PATH")).with_help(
            "install it, or write its full path; commands run without a shell, so shell built-ins are not available",
        )
    }
}

/// How reports show a text: literal parts as written, `env(…)` parts by name.
pub fn shown(text: &Text) -> String {
    match text {
        Text::Literal(s) => s.clone(),
        Text::Env { env } => format!("env({env})"),
        Text::Concat { concat } => concat.iter().map(shown).collect(),
    }
}

/// Where `program` would be found: a path as is, a bare name on `PATH`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let executable = |path: &Path| {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.is_empty() {
        return None;
    }
    if program.contains('/') {
        let path = PathBuf::from(program);
        return executable(&path).then_some(path);
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|path| executable(path))
}

/// `<report dir>/<step>-<suffix>.log`, opened for appending (the folder is created).
pub fn open_log(ctx: &Context, step: &str, suffix: &str) -> Result<(File, PathBuf), InjectError> {
    let safe: String = step
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_#.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = ctx.report_dir.join(format!("{safe}-{suffix}.log"));
    let open = || {
        std::fs::create_dir_all(&ctx.report_dir)?;
        super::files::append(&path, 0o644)
    };
    let file = open().map_err(|e| {
        InjectError::new(format!("cannot open the log `{}`: {e}", path.display()))
            .with_help("check that the report folder is writable")
    })?;
    Ok((file, path))
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Exited(ExitStatus),
    /// Killed (with its process group) at the timeout.
    TimedOut,
}

/// Runs `argv` to its end or its timeout; output to `log` (or nowhere).
pub fn run(
    argv: &[String],
    timeout: Duration,
    log: Option<&File>,
) -> Result<(Ended, Duration), std::io::Error> {
    let output = |log: Option<&File>| -> std::io::Result<Stdio> {
        Ok(match log {
            Some(file) => Stdio::from(file.try_clone()?),
            None => Stdio::null(),
        })
    };
    let Some((program, args)) = argv.split_first() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "empty command",
        ));
    };
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(output(log)?)
        .stderr(output(log)?)
        .process_group(0)
        .spawn()?;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((Ended::Exited(status), start.elapsed()));
        }
        let elapsed = start.elapsed();
        if elapsed >= timeout {
            // The group id is the child's pid (`process_group(0)`); the child itself is
            // not reaped yet, so the id cannot have been reused.
            let group = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            let _ = child.kill();
            child.wait()?;
            return Ok((Ended::TimedOut, start.elapsed()));
        }
        std::thread::sleep(pause.min(timeout - elapsed));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Runs a command of a fault and turns anything but status 0 into an error.
fn run_checked(
    argv: &Argv,
    what: &str,
    timeout_ms: u64,
    log: Option<(&File, &Path)>,
) -> Result<(i32, Duration), InjectError> {
    if let Some((mut file, _)) = log {
        // A header per command; best effort, the command's own output matters more.
        let _ = writeln!(file, "--- {what}: `{}`", argv.shown);
    }
    let see_log = || match log {
        Some((_, path)) => format!("its output is in `{}`", path.display()),
        None => "its output was discarded".to_string(),
    };
    let timeout = Duration::from_millis(timeout_ms);
    let (ended, took) = run(&argv.values, timeout, log.map(|(f, _)| f)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            not_found(&argv.shown, &argv.values[0])
        } else {
            InjectError::new(format!("cannot run `{}`: {e}", argv.shown))
        }
    })?;
    if let Some((mut file, _)) = log {
        let _ = writeln!(
            file,
            "--- {what}: {} after {} ms",
            words(ended),
            took.as_millis()
        );
    }
    match ended {
        Ended::Exited(status) if status.success() => Ok((0, took)),
        Ended::Exited(_) => Err(InjectError::new(format!(
            "the {what} command `{}` {}",
            argv.shown,
            words(ended)
        ))
        .with_help(see_log())),
        Ended::TimedOut => Err(InjectError::new(format!(
            "the {what} command `{}` did not finish within {} ms and was killed",
            argv.shown, timeout_ms
        ))
        .with_help(format!("raise `timeout`; {}", see_log()))),
    }
}

fn words(ended: Ended) -> String {
    use std::os::unix::process::ExitStatusExt;
    match ended {
        Ended::Exited(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!("was killed by signal {signal}"),
            _ => "ended".to_string(),
        },
        Ended::TimedOut => "timed out".to_string(),
    }
}

/// Prepares an `exec` step.
pub fn prepare(
    step: &crate::plan::Step,
    ctx: &Context,
    run: &[Text],
    revert: Option<&[Text]>,
    timeout_ms: u64,
) -> Result<Box<dyn Prepared>, InjectError> {
    if !matches!(step.target, crate::plan::Target::Host) {
        return Err(
            InjectError::new("`exec` faults run on the host and take no other target")
                .with_help("remove the target from the step"),
        );
    }
    let run = prepare_argv(run, "run")?;
    let revert = revert.map(|r| prepare_argv(r, "revert")).transpose()?;
    Ok(Box::new(Exec {
        step: step.name.clone(),
        ctx: ctx.clone(),
        run,
        revert,
        timeout_ms,
    }))
}

struct Exec {
    step: String,
    ctx: Context,
    run: Argv,
    revert: Option<Argv>,
    timeout_ms: u64,
}

impl Prepared for Exec {
    fn revert_record(&self) -> Revert {
        match &self.revert {
            Some(argv) => Revert::Exec {
                argv: argv.values.clone(),
                timeout_ms: self.timeout_ms,
            },
            None => Revert::Nothing,
        }
    }

    fn target_description(&self) -> String {
        "host".to_string()
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let (file, path) = open_log(&self.ctx, &self.step, "exec")?;
        let (status, took) = run_checked(&self.run, "run", self.timeout_ms, Some((&file, &path)))?;
        let measured = evidence::Exec {
            exit_status: status,
            run_ms: super::process::ms(took),
            revert_ms: None,
        };
        let summary = format!(
            "`{}` exited with status 0 after {} ms",
            self.run.shown,
            took.as_millis()
        );
        Ok(Box::new(Ran {
            summary,
            measured,
            revert: self.revert.map(|argv| (argv, file, path)),
            timeout_ms: self.timeout_ms,
        }))
    }
}

struct Ran {
    summary: String,
    measured: evidence::Exec,
    revert: Option<(Argv, File, PathBuf)>,
    timeout_ms: u64,
}

impl Active for Ran {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let Ran {
            mut summary,
            mut measured,
            revert,
            timeout_ms,
        } = *self;
        if let Some((argv, file, path)) = &revert {
            let (_, took) = run_checked(argv, "revert", timeout_ms, Some((file, path)))?;
            measured.revert_ms = Some(super::process::ms(took));
            summary.push_str(&format!(
                "; revert `{}` exited with status 0 after {} ms",
                argv.shown,
                took.as_millis()
            ));
        }
        Ok(Evidence {
            took_effect: true,
            summary,
            measurements: Measurements::Exec(measured),
        })
    }
}

/// Reverts from a journal record alone: runs `argv` with its timeout, output discarded
/// (the guard and `chaosc recover` have no report folder to write to).
pub fn revert_record(argv: &[String], timeout_ms: u64) -> Result<(), InjectError> {
    let Some(first) = argv.first() else {
        return Err(InjectError::new("the revert command is empty"));
    };
    let argv = Argv {
        values: argv.to_vec(),
        shown: first.clone(),
    };
    run_checked(&argv, "revert", timeout_ms, None).map(|_| ())
}
