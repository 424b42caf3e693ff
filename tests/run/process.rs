//! The process injectors (`process_pause`, `process_kill`) and `exec`, against `sleep`
//! processes this test starts and kills again (a guard's `Drop`).
//!
//! Name-selector tests run `sleep` through a symlink with a name unique to the test, so
//! that they never match another test's (or another user's) processes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chaosc::inject::{self, Context, Measurements, ProcessId, Revert};
use chaosc::plan::{Fault, ProcessSelector, SourceSpan, Step, Target, Text};

use crate::support;

/// A child process killed and reaped when the test ends, whatever happens.
struct Proc(Child);

impl Proc {
    fn sleep() -> Proc {
        Proc::spawn(Path::new("sleep"))
    }

    fn spawn(program: &Path) -> Proc {
        let child = Command::new(program)
            .arg("30")
            .stdin(Stdio::null())
            .spawn()
            .expect("sleep starts");
        let proc = Proc(child);
        // Wait until the kernel shows the exec'd program, not the forked test binary.
        let name = program.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if cmdline(proc.pid())
                .first()
                .is_some_and(|a| a.ends_with(name))
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        proc
    }

    fn pid(&self) -> i32 {
        self.0.id() as i32
    }

    fn id(&self) -> ProcessId {
        ProcessId {
            pid: self.pid(),
            start_time: start_time(self.pid()).expect("the child is in /proc"),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // SIGKILL ends a stopped process too.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Fields after the name in `/proc/PID/stat` (read here independently of the crate).
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.get(stat.rfind(')')? + 1..)?;
    Some(after.split_whitespace().map(str::to_string).collect())
}

fn state(pid: i32) -> Option<char> {
    stat_fields(pid)?.first()?.chars().next()
}

/// Alive and neither stopped nor a zombie.
fn running(pid: i32) -> bool {
    matches!(state(pid), Some(c) if c != 'T' && c != 'Z')
}

fn start_time(pid: i32) -> Option<u64> {
    stat_fields(pid)?.get(19)?.parse().ok()
}

fn cmdline(pid: i32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|p| !p.is_empty())
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Polls until `f` holds, for at most 2 s.
fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    f()
}

fn ctx(report_dir: &Path) -> Context {
    Context {
        worker_exe: support::bin(),
        run_id: "test".to_string(),
        seed: 1,
        services: HashMap::new(),
        allow_targets: Vec::new(),
        report_dir: report_dir.to_path_buf(),
        proxies: Default::default(),
    }
}

fn step(fault: Fault, target: Target) -> Step {
    let sustained = matches!(
        fault,
        Fault::ProcessPause
            | Fault::Exec {
                revert: Some(_),
                ..
            }
    );
    Step {
        name: format!("{}#1", fault.kind()),
        fault,
        target,
        start_ms: 0,
        duration_ms: sustained.then_some(1000),
        sustained,
        destructive: false,
        capabilities: Vec::new(),
        span: SourceSpan {
            file: "test.chaos".to_string(),
            line: 1,
            column: 1,
            start: 0,
            end: 0,
        },
    }
}

fn process(selector: ProcessSelector, all: bool) -> Target {
    Target::Process {
        doc: None,
        name: None,
        selector,
        all,
    }
}

fn pid_target(pid: i32) -> Target {
    process(ProcessSelector::Pid(i64::from(pid)), false)
}

fn lit(s: &str) -> Text {
    Text::Literal(s.to_string())
}

fn argv(parts: &[&str]) -> Vec<Text> {
    parts.iter().map(|p| lit(p)).collect()
}

fn kill_step(signal: &str, restart: Option<Vec<Text>>, target: Target) -> Step {
    step(
        Fault::ProcessKill {
            signal: signal.to_string(),
            restart,
        },
        target,
    )
}

fn exec_step(run: &[&str], revert: Option<&[&str]>, timeout_ms: u64) -> Step {
    step(
        Fault::Exec {
            run: argv(run),
            revert: revert.map(argv),
            timeout_ms,
        },
        Target::Host,
    )
}

fn prepare_err(step: &Step, ctx: &Context) -> inject::InjectError {
    match inject::prepare(step, ctx) {
        Ok(prepared) => panic!(
            "expected an error, prepared {}",
            prepared.target_description()
        ),
        Err(e) => e,
    }
}

/// `sleep` reachable under a name unique to this test (a symlink in `dir`).
fn renamed_sleep(dir: &Path, prefix: &str) -> PathBuf {
    let sleep = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("sleep"))
        .find(|p| p.is_file())
        .expect("sleep is on PATH");
    let link = dir.join(format!("{prefix}{:08x}", fastrand::u32(..)));
    std::os::unix::fs::symlink(sleep, &link).expect("symlink");
    link
}

#[test]
fn pause_stops_the_process_and_finish_resumes_it() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let step = step(Fault::ProcessPause, pid_target(child.pid()));
    let prepared = inject::prepare(&step, &ctx(dir.path())).expect("prepares");
    assert_eq!(
        prepared.revert_record(),
        Revert::Continue {
            processes: vec![child.id()]
        }
    );
    assert_eq!(
        prepared.target_description(),
        format!("process {} (sleep)", child.pid())
    );
    assert!(running(child.pid()), "prepare changes nothing");
    let active = prepared.apply().expect("applies");
    assert_eq!(state(child.pid()), Some('T'), "stopped once apply returns");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(state(child.pid()), Some('T'), "stays stopped");
    let evidence = active.finish().expect("finishes");
    assert_ne!(state(child.pid()), Some('T'), "running again after finish");
    assert!(evidence.took_effect, "{evidence:?}");
    let after = evidence
        .measurements
        .get("stopped_observed_after_ms")
        .expect("stopped_observed_after_ms");
    assert!((0.0..1000.0).contains(&after), "{evidence:?}");
    assert_eq!(
        evidence
            .measurements
            .get("processes_stopped")
            .expect("processes_stopped"),
        1.0
    );
    assert_eq!(
        evidence
            .measurements
            .get("stopped_at_end")
            .expect("stopped_at_end"),
        1.0
    );
    eprintln!("pause evidence: {}", evidence.summary);
}

#[test]
fn continue_record_alone_resumes_a_paused_process_and_is_idempotent() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let step = step(Fault::ProcessPause, pid_target(child.pid()));
    let prepared = inject::prepare(&step, &ctx(dir.path())).expect("prepares");
    // The record goes through JSON, as it does through the journal.
    let json = serde_json::to_string(&prepared.revert_record()).expect("serialises");
    let record: Revert = serde_json::from_str(&json).expect("deserialises");
    let active = prepared.apply().expect("applies");
    assert_eq!(state(child.pid()), Some('T'));

    record.revert().expect("reverts from the record");
    assert_ne!(state(child.pid()), Some('T'));
    record.revert().expect("reverting twice is fine");
    assert_ne!(state(child.pid()), Some('T'));

    // The runner's own finish after the guard reverted: it still ends, and says the
    // pause did not hold to its end (the process ran again before the revert).
    let evidence = active.finish().expect("finishes");
    assert!(!evidence.took_effect, "{evidence:?}");
    assert!(
        evidence.summary.contains("the pause did not hold"),
        "{evidence:?}"
    );
    assert_eq!(
        evidence
            .measurements
            .get("stopped_at_end")
            .expect("stopped_at_end"),
        0.0
    );

    // A process that has vanished since is fine too.
    drop(child);
    record.revert().expect("a vanished process is fine");
}

#[test]
fn a_reused_pid_is_never_signalled() {
    let _shared = super::support::shared();
    let child = Proc::sleep();
    let wrong = ProcessId {
        pid: child.pid(),
        start_time: child.id().start_time + 1,
    };
    let delivery = inject::process::send(wrong, nix::sys::signal::Signal::SIGSTOP)
        .expect("no error for a process that is not there");
    assert_eq!(delivery, inject::process::Delivery::Gone);
    std::thread::sleep(Duration::from_millis(20));
    assert!(running(child.pid()), "not stopped");

    // Stopped by someone else: a record for a different start time must not resume it.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.pid()),
        nix::sys::signal::Signal::SIGSTOP,
    )
    .expect("SIGSTOP");
    assert!(eventually(|| state(child.pid()) == Some('T')));
    Revert::Continue {
        processes: vec![wrong],
    }
    .revert()
    .expect("nothing to do is fine");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(state(child.pid()), Some('T'), "still stopped");
}

#[test]
fn sigkill_ends_the_process_with_evidence() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Proc::sleep();
    let step = kill_step("SIGKILL", None, pid_target(child.pid()));
    let prepared = inject::prepare(&step, &ctx(dir.path())).expect("prepares");
    assert_eq!(prepared.revert_record(), Revert::Nothing);
    let evidence = prepared
        .apply()
        .expect("applies")
        .finish()
        .expect("finishes");
    assert!(evidence.took_effect, "{evidence:?}");
    assert!(
        evidence
            .measurements
            .get("exited_after_ms")
            .expect("exited_after_ms")
            < 2000.0
    );
    let status = child.0.try_wait().expect("try_wait").expect("has exited");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9));
    eprintln!("kill evidence: {}", evidence.summary);
}

#[test]
fn sigterm_by_number_ends_the_process() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Proc::sleep();
    let step = kill_step("15", None, pid_target(child.pid()));
    let evidence = inject::prepare(&step, &ctx(dir.path()))
        .expect("prepares")
        .apply()
        .expect("applies")
        .finish()
        .expect("finishes");
    assert!(evidence.took_effect, "{evidence:?}");
    use std::os::unix::process::ExitStatusExt;
    let status = child.0.try_wait().expect("try_wait").expect("has exited");
    assert_eq!(status.signal(), Some(15));
}

#[test]
fn kill_with_restart_starts_a_new_process_in_its_own_session() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let step = kill_step(
        "KILL",
        Some(argv(&["sleep", "30"])),
        pid_target(child.pid()),
    );
    let evidence = inject::prepare(&step, &ctx(dir.path()))
        .expect("prepares")
        .apply()
        .expect("applies")
        .finish()
        .expect("finishes");
    let Measurements::ProcessKill(kill) = &evidence.measurements else {
        panic!("process_kill measurements: {evidence:#?}")
    };
    let new_pid = i32::try_from(kill.restart_pid.expect("a restart pid")).expect("a pid");
    // Cleaned up whatever the assertions below say.
    struct KillOnDrop(i32);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(self.0),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
    let _restarted = KillOnDrop(new_pid);
    assert!(evidence.took_effect, "{evidence:?}");
    assert_ne!(new_pid, child.pid());
    assert_eq!(cmdline(new_pid), ["sleep", "30"]);
    assert!(running(new_pid));
    let session = nix::unistd::getsid(Some(nix::unistd::Pid::from_raw(new_pid))).expect("getsid");
    assert_eq!(session.as_raw(), new_pid, "leads its own session");
    assert!(dir.path().join("process_kill#1-restart.log").is_file());
    assert!(
        evidence.summary.contains(&format!("pid {new_pid}")),
        "{}",
        evidence.summary
    );
}

#[test]
fn kill_with_a_restart_that_is_not_on_path_is_refused_before_killing() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let step = kill_step(
        "KILL",
        Some(argv(&["chaosc-no-such-program-xyz"])),
        pid_target(child.pid()),
    );
    let e = prepare_err(&step, &ctx(dir.path()));
    assert_eq!(
        e.message,
        "`chaosc-no-such-program-xyz` was not found on PATH"
    );
    assert!(running(child.pid()), "still running");
}

#[test]
fn a_name_matching_two_processes_needs_all() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let program = renamed_sleep(dir.path(), "czt");
    let name = program.file_name().and_then(|n| n.to_str()).expect("name");
    let a = Proc::spawn(&program);
    let b = Proc::spawn(&program);
    let target = |all| process(ProcessSelector::Name(lit(name)), all);

    let e = prepare_err(&step(Fault::ProcessPause, target(false)), &ctx(dir.path()));
    assert!(
        e.message
            .starts_with(&format!("`{name}` matches 2 processes")),
        "{}",
        e.message
    );
    assert!(e.help.unwrap_or_default().contains("all: true"));

    let prepared =
        inject::prepare(&step(Fault::ProcessPause, target(true)), &ctx(dir.path())).expect("all");
    let Revert::Continue { mut processes } = prepared.revert_record() else {
        panic!("a pause reverts with SIGCONT");
    };
    processes.sort_by_key(|p| p.pid);
    let mut expected = vec![a.id(), b.id()];
    expected.sort_by_key(|p| p.pid);
    assert_eq!(processes, expected);
    let description = prepared.target_description();
    assert!(description.starts_with("processes "), "{description}");
    assert!(description.contains(&format!("{} ({name})", a.pid())));
}

#[test]
fn a_long_name_matches_through_argv0() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    // Longer than the 15 bytes the kernel keeps in `comm`.
    let program = renamed_sleep(dir.path(), "chaosc-long-name-");
    let name = program.file_name().and_then(|n| n.to_str()).expect("name");
    let child = Proc::spawn(&program);
    let target = process(ProcessSelector::Name(lit(name)), false);
    let prepared = inject::prepare(&step(Fault::ProcessPause, target.clone()), &ctx(dir.path()))
        .expect("prepares");
    assert_eq!(
        prepared.target_description(),
        format!("process {} ({name})", child.pid())
    );
    // `allow_targets` sees the full name too, not only the truncated `comm`.
    let mut ctx = ctx(dir.path());
    ctx.allow_targets = vec!["chaosc-long-name-*".to_string()];
    inject::prepare(&step(Fault::ProcessPause, target.clone()), &ctx).expect("allowed");
    ctx.allow_targets = vec!["chaosc-long-name-".to_string()];
    let e = prepare_err(&step(Fault::ProcessPause, target), &ctx);
    assert!(
        e.message.contains("matches none of `allow_targets`"),
        "{}",
        e.message
    );
}

#[test]
fn a_name_nothing_runs_under_is_an_error() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let target = process(ProcessSelector::Name(lit("chaosc-nothing-xyz")), true);
    let e = prepare_err(&step(Fault::ProcessPause, target), &ctx(dir.path()));
    assert_eq!(
        e.message,
        "no running process is named `chaosc-nothing-xyz`"
    );
}

#[test]
fn a_pidfile_selects_its_process() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let pidfile = dir.path().join("app.pid");
    std::fs::write(&pidfile, format!("{}\n", child.pid())).expect("write pidfile");
    let path = pidfile.to_str().expect("utf-8 path");
    let target = process(ProcessSelector::Pidfile(lit(path)), false);
    let prepared =
        inject::prepare(&step(Fault::ProcessPause, target), &ctx(dir.path())).expect("prepares");
    assert_eq!(
        prepared.revert_record(),
        Revert::Continue {
            processes: vec![child.id()]
        }
    );

    std::fs::write(&pidfile, "not a pid").expect("write pidfile");
    let target = process(ProcessSelector::Pidfile(lit(path)), false);
    let e = prepare_err(&step(Fault::ProcessPause, target), &ctx(dir.path()));
    assert_eq!(e.message, format!("pidfile `{path}` does not hold a pid"));

    let missing = dir.path().join("missing.pid");
    let missing = missing.to_str().expect("utf-8 path");
    let target = process(ProcessSelector::Pidfile(lit(missing)), false);
    let e = prepare_err(&step(Fault::ProcessPause, target), &ctx(dir.path()));
    assert!(
        e.message
            .starts_with(&format!("cannot read pidfile `{missing}`")),
        "{}",
        e.message
    );
}

#[test]
fn a_service_target_is_the_pid_the_run_started() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let mut ctx = ctx(dir.path());
    ctx.services.insert("api".to_string(), child.pid() as u32);
    let target = process(ProcessSelector::Service("api".to_string()), false);
    let prepared = inject::prepare(&step(Fault::ProcessPause, target), &ctx).expect("prepares");
    assert_eq!(
        prepared.target_description(),
        format!("process {} (sleep)", child.pid())
    );
    let target = process(ProcessSelector::Service("web".to_string()), false);
    let e = prepare_err(&step(Fault::ProcessPause, target), &ctx);
    assert_eq!(e.message, "service `web` is not running");
}

#[test]
fn allow_targets_refuses_other_processes_and_signals_nothing() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Proc::sleep();
    let mut ctx = ctx(dir.path());
    ctx.allow_targets = vec!["nginx*".to_string(), "api".to_string()];
    let e = prepare_err(&kill_step("SIGKILL", None, pid_target(child.pid())), &ctx);
    assert_eq!(
        e.message,
        format!(
            "process {} (sleep) matches none of `allow_targets` [`nginx*`, `api`]",
            child.pid()
        )
    );
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        child.0.try_wait().expect("try_wait").is_none(),
        "not killed"
    );
    assert!(running(child.pid()));

    ctx.allow_targets = vec!["nginx*".to_string(), "sl??p".to_string()];
    inject::prepare(&step(Fault::ProcessPause, pid_target(child.pid())), &ctx)
        .expect("a matching pattern allows it");
}

#[test]
fn missing_and_protected_pids_are_errors() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = ctx(dir.path());
    // A pid that existed a moment ago and has been reaped.
    let mut gone = Command::new("true").spawn().expect("true runs");
    let gone_pid = gone.id() as i32;
    gone.wait().expect("reaped");
    if state(gone_pid).is_none() {
        let e = prepare_err(&step(Fault::ProcessPause, pid_target(gone_pid)), &ctx);
        assert_eq!(e.message, format!("no process has pid `{gone_pid}`"));
        assert!(e.help.is_some());
    }
    let e = prepare_err(&step(Fault::ProcessPause, pid_target(1)), &ctx);
    assert_eq!(e.message, "process `1` is init, which faults never touch");
    let me = std::process::id() as i32;
    let e = prepare_err(&kill_step("SIGKILL", None, pid_target(me)), &ctx);
    assert_eq!(
        e.message,
        format!("process `{me}` is the runner itself, which faults never touch")
    );
    let parent = std::os::unix::process::parent_id() as i32;
    if parent > 1 {
        let e = prepare_err(&step(Fault::ProcessPause, pid_target(parent)), &ctx);
        assert!(
            e.message.contains("an ancestor of the runner"),
            "{}",
            e.message
        );
    }
    for bad in [0, -1] {
        let e = prepare_err(&step(Fault::ProcessPause, pid_target(bad)), &ctx);
        assert_eq!(e.message, format!("`{bad}` is not a process id"));
    }
}

#[test]
fn process_faults_refuse_other_targets_and_bad_signals() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = ctx(dir.path());
    let e = prepare_err(&step(Fault::ProcessPause, Target::Host), &ctx);
    assert_eq!(
        e.message,
        "`process_pause` faults act on processes, not on the host"
    );
    let child = Proc::sleep();
    let e = prepare_err(&kill_step("SIGNOPE", None, pid_target(child.pid())), &ctx);
    assert_eq!(e.message, "`SIGNOPE` is not a signal");
}

#[test]
fn exec_runs_and_reverts_and_its_record_reverts_alone() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("marker");
    let file_arg = file.to_str().expect("utf-8 path");
    let step = exec_step(&["touch", file_arg], Some(&["rm", "-f", file_arg]), 5000);
    let prepared = inject::prepare(&step, &ctx(dir.path())).expect("prepares");
    let record = prepared.revert_record();
    assert_eq!(
        record,
        Revert::Exec {
            argv: vec!["rm".to_string(), "-f".to_string(), file_arg.to_string()],
            timeout_ms: 5000
        }
    );
    assert_eq!(prepared.target_description(), "host");
    assert!(!file.exists(), "prepare runs nothing");
    let active = prepared.apply().expect("applies");
    assert!(file.exists(), "run created the file");
    let evidence = active.finish().expect("finishes");
    assert!(!file.exists(), "revert removed it");
    assert!(evidence.took_effect);
    assert_eq!(
        evidence
            .measurements
            .get("exit_status")
            .expect("exit_status"),
        0.0
    );
    assert!(evidence.measurements.get("revert_ms").is_some());
    let log = std::fs::read_to_string(dir.path().join("exec#1-exec.log")).expect("log");
    assert!(log.contains("--- run: `touch`"), "{log}");
    assert!(log.contains("--- revert: exited with status 0"), "{log}");

    // The record alone (as the guard would), twice.
    let _active = inject::prepare(&step, &ctx(dir.path()))
        .expect("prepares")
        .apply()
        .expect("applies");
    assert!(file.exists());
    record.revert().expect("reverts from the record");
    assert!(!file.exists());
    record.revert().expect("twice is fine");
}

#[test]
fn exec_without_revert_is_instant() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("marker");
    let file_arg = file.to_str().expect("utf-8 path");
    let step = exec_step(&["touch", file_arg], None, 5000);
    let prepared = inject::prepare(&step, &ctx(dir.path())).expect("prepares");
    assert_eq!(prepared.revert_record(), Revert::Nothing);
    let evidence = prepared
        .apply()
        .expect("applies")
        .finish()
        .expect("finishes");
    assert!(file.exists(), "nothing reverted it");
    assert!(evidence.took_effect);
}

#[test]
fn exec_with_a_nonzero_status_is_an_error() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let step = exec_step(&["false"], None, 5000);
    let prepared = inject::prepare(&step, &ctx(dir.path())).expect("prepares");
    let e = match prepared.apply() {
        Ok(_) => panic!("`false` must not take effect"),
        Err(e) => e,
    };
    assert_eq!(e.message, "the run command `false` exited with status 1");
    let log = dir.path().join("exec#1-exec.log");
    assert!(
        e.help
            .unwrap_or_default()
            .contains(&log.display().to_string()),
        "the help names the log"
    );

    let revert_fails = Revert::Exec {
        argv: vec!["false".to_string()],
        timeout_ms: 5000,
    };
    let e = revert_fails
        .revert()
        .expect_err("a failing revert is an error");
    assert_eq!(e.message, "the revert command `false` exited with status 1");
}

#[test]
fn exec_past_its_timeout_is_killed_and_an_error() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let program = renamed_sleep(dir.path(), "czx");
    let name = program.file_name().and_then(|n| n.to_str()).expect("name");
    let program_arg = program.to_str().expect("utf-8 path");
    let step = exec_step(&[program_arg, "30"], None, 200);
    let prepared = inject::prepare(&step, &ctx(dir.path())).expect("prepares");
    let start = Instant::now();
    let e = match prepared.apply() {
        Ok(_) => panic!("a command past its timeout must not take effect"),
        Err(e) => e,
    };
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(
        e.message,
        format!("the run command `{program_arg}` did not finish within 200 ms and was killed")
    );
    // Killed and reaped: no process of that name is left.
    let left: Vec<i32> = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|pid: &i32| cmdline(*pid).first().is_some_and(|a| a.ends_with(name)))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    eprintln!("exec timeout returned after {took:?}");
}

#[test]
fn exec_of_a_program_not_on_path_fails_at_prepare() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let e = prepare_err(
        &exec_step(&["chaosc-no-such-program-xyz", "x"], None, 1000),
        &ctx(dir.path()),
    );
    assert_eq!(
        e.message,
        "`chaosc-no-such-program-xyz` was not found on PATH"
    );
    assert!(e.help.is_some());
    let e = prepare_err(
        &exec_step(&["touch"], Some(&["/nonexistent/undo"]), 1000),
        &ctx(dir.path()),
    );
    assert_eq!(
        e.message,
        "`/nonexistent/undo` does not exist or is not executable"
    );
    let e = prepare_err(&exec_step(&[], None, 1000), &ctx(dir.path()));
    assert_eq!(e.message, "the run command is empty");
}

#[test]
fn an_env_program_is_shown_by_name_never_by_value() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let Ok(home) = std::env::var("HOME") else {
        super::support::skipped("HOME is not set");
        return;
    };
    let step = step(
        Fault::Exec {
            run: vec![Text::Env {
                env: "HOME".to_string(),
            }],
            revert: None,
            timeout_ms: 1000,
        },
        Target::Host,
    );
    let e = prepare_err(&step, &ctx(dir.path()));
    // `$HOME` is a folder, not a program.
    assert!(e.message.starts_with("`env(HOME)` "), "{}", e.message);
    assert!(!e.message.contains(&home) || home.is_empty());
}

/// `sleep 30` that ignores `signal` (an ignored disposition survives `exec`).
fn sleep_ignoring(signal: nix::sys::signal::Signal) -> Proc {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new("sleep");
    command.arg("30").stdin(Stdio::null());
    // SAFETY: `signal` is async-signal-safe; SIG_IGN installs no handler code.
    unsafe {
        command.pre_exec(move || {
            nix::sys::signal::signal(signal, nix::sys::signal::SigHandler::SigIgn)
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
    let proc = Proc(command.spawn().expect("sleep starts"));
    assert!(eventually(|| cmdline(proc.pid())
        .first()
        .is_some_and(|a| a == "sleep")));
    proc
}

#[test]
fn a_handled_signal_is_evidenced_by_its_delivery() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = sleep_ignoring(nix::sys::signal::Signal::SIGUSR1);
    let step = kill_step("USR1", None, pid_target(child.pid()));
    let evidence = inject::prepare(&step, &ctx(dir.path()))
        .expect("prepares")
        .apply()
        .expect("applies")
        .finish()
        .expect("finishes");
    assert!(evidence.took_effect, "{evidence:?}");
    assert_eq!(
        evidence.measurements.get("delivered").expect("delivered"),
        1.0
    );
    assert!(
        evidence.summary.contains("delivery is the only evidence"),
        "{}",
        evidence.summary
    );
    assert!(
        child.0.try_wait().expect("try_wait").is_none(),
        "still runs"
    );
}

#[test]
fn a_sigterm_the_process_ignores_did_not_take_effect() {
    let _timing = support::exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = sleep_ignoring(nix::sys::signal::Signal::SIGTERM);
    let step = kill_step("SIGTERM", None, pid_target(child.pid()));
    let start = Instant::now();
    let evidence = inject::prepare(&step, &ctx(dir.path()))
        .expect("prepares")
        .apply()
        .expect("applies")
        .finish()
        .expect("finishes");
    let took = start.elapsed();
    assert!(!evidence.took_effect, "{evidence:?}");
    assert_eq!(evidence.measurements.get("exited").expect("exited"), 0.0);
    assert!(
        took >= Duration::from_secs(5) && took < Duration::from_secs(7),
        "{took:?}"
    );
    assert!(
        child.0.try_wait().expect("try_wait").is_none(),
        "still runs"
    );
    eprintln!("ignored SIGTERM: {}", evidence.summary);
}

#[test]
fn pausing_a_process_that_exited_since_prepare_did_not_take_effect() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let step = step(Fault::ProcessPause, pid_target(child.pid()));
    let prepared = inject::prepare(&step, &ctx(dir.path())).expect("prepares");
    drop(child);
    let evidence = prepared
        .apply()
        .expect("applies")
        .finish()
        .expect("finishes");
    assert!(!evidence.took_effect, "{evidence:?}");
    assert_eq!(
        evidence
            .measurements
            .get("processes_stopped")
            .expect("processes_stopped"),
        0.0
    );
}

/// A 3 s pause that another process lifts after about 1 s did not hold: the scenario
/// is `error`, and the evidence says when the process ran again and how long the
/// pause held.
#[test]
fn a_pause_someone_else_lifts_is_an_error_with_how_long_it_held() {
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let file = tmp.path().join("lifted.chaos");
    std::fs::write(
        &file,
        format!(
            "target victim = process(pid: {})\n\nscenario \"lifted\" {{\n  timeline {{\n    at 0s process_pause(victim) for 3s as freeze\n  }}\n}}\n",
            child.pid()
        ),
    )
    .expect("the scenario is written");
    let reports = tmp.path().join("reports");
    let pid = child.pid();
    let lifter = std::thread::spawn(move || {
        let start = Instant::now();
        while state(pid) != Some('T') && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let stopped_at = Instant::now();
        std::thread::sleep(Duration::from_millis(1000));
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGCONT,
        );
        stopped_at.elapsed()
    });
    let ran = support::run_confirmed(tmp.path(), &file, &reports, Duration::from_secs(60));
    let lifted_after = lifter.join().expect("the lifter ends");
    assert_eq!(ran.code, 4, "{ran:#?}");
    let results = support::results(&reports);
    let scenario = &results["scenarios"][0];
    assert_eq!(scenario["verdict"], "error", "{scenario:#}");
    let step = &scenario["steps"][0];
    let evidence = &step["evidence"];
    assert_eq!(evidence["took_effect"], false, "{step:#}");
    let summary = evidence["summary"].as_str().unwrap_or("");
    assert!(summary.contains("the pause did not hold"), "{summary}");
    assert!(summary.contains("something else resumed it"), "{summary}");
    let held = support::num(evidence, &["measurements", "held_ms"]);
    let truth = lifted_after.as_secs_f64() * 1000.0;
    // Read every 20 ms: the lapse is seen within a few reads of the SIGCONT (the margin
    // is for a loaded 2-core machine, not for the method).
    assert!(
        held >= truth - 300.0 && held <= truth + 300.0,
        "held {held} ms, lifted after {truth} ms: {summary}"
    );
    assert!(
        support::num(evidence, &["measurements", "watched_ms"]) >= 2500.0,
        "{evidence:#}"
    );
}

/// A second run that would pause a process a first run holds paused is refused in
/// preflight, naming the first run; the first run's pause holds to its end.
#[test]
fn a_second_run_on_a_held_process_is_refused_naming_the_first() {
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("tempdir");
    let child = Proc::sleep();
    let file = tmp.path().join("hold.chaos");
    std::fs::write(
        &file,
        format!(
            "target victim = process(pid: {})\n\nscenario \"hold\" {{\n  timeline {{\n    at 0s process_pause(victim) for 3s as freeze\n  }}\n}}\n",
            child.pid()
        ),
    )
    .expect("the scenario is written");
    let first_reports = tmp.path().join("first");
    let first = support::spawn_run(&file, &first_reports);
    let mut first = Reaped(Some(first));
    let start = Instant::now();
    while state(child.pid()) != Some('T') && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(state(child.pid()), Some('T'), "the first run paused it");
    let second = support::chaosc(
        tmp.path(),
        &[
            "run",
            file.to_str().unwrap_or(""),
            "--yes",
            "--report-dir",
            tmp.path().join("second").to_str().unwrap_or(""),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(second.code, 4, "{second:#?}");
    assert!(
        second
            .stderr
            .contains("is held by another chaosc run (run ")
            && second
                .stderr
                .contains(&format!("report folder {}", first_reports.display())),
        "{second:#?}"
    );
    assert_eq!(
        state(child.pid()),
        Some('T'),
        "still paused after the refusal"
    );
    let status = first
        .0
        .take()
        .expect("the first run")
        .wait()
        .expect("the first run ends");
    assert_eq!(status.code(), Some(0));
    let results = support::results(&first_reports);
    let evidence = &results["scenarios"][0]["steps"][0]["evidence"];
    assert_eq!(evidence["took_effect"], true, "{evidence:#}");
}

/// A child process killed and reaped if the test ends before it.
struct Reaped(Option<Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
