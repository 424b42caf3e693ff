//! SIGKILL of the runner mid-fault: the guard process reverts everything from the
//! journal within 2 s — the paused process runs again, no stress worker is left, the
//! temporary files are gone, the command's revert ran — and `chaosc recover` then finds
//! nothing left to do.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::support;

/// `chaosc __worker` processes whose command line contains `needle`.
fn workers_with(needle: &str) -> Vec<i32> {
    processes_with("__worker", needle)
}

/// Live processes whose command line contains both `kind` and `needle`.
fn processes_with(kind: &str, needle: &str) -> Vec<i32> {
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(kind) && text.contains(needle) {
            // A zombie is already dead; only its parent has not reaped it yet.
            if state(pid) != Some('Z') {
                found.push(pid);
            }
        }
    }
    found
}

fn state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].chars().next()
}

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct Killed(std::process::Child);

/// `sleep 120`, killed (and resumed first) when the test ends.
fn sleeper() -> Killed {
    Killed(
        Command::new("sleep")
            .arg("120")
            .stdin(Stdio::null())
            .spawn()
            .expect("sleep starts"),
    )
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = kill(Pid::from_raw(self.0.id() as i32), Signal::SIGCONT);
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn after_sigkill_the_guard_reverts_everything_within_two_seconds() {
    let _one = support::exclusive();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let victim = sleeper();
    let disk = tmp.path().join("disk");
    std::fs::create_dir(&disk).expect("a folder for disk stress");
    let flag = tmp.path().join("applied");
    let file = tmp.path().join("kill.chaos");
    std::fs::write(
        &file,
        format!(
            r#"target victim = process(pid: {pid})

scenario "killed mid-fault" {{
  timeline {{
    at 0s process_pause(victim) for 60s as pause
    at 0s cpu_stress(workers: 1, load: 20%) for 60s as cpu
    at 0s disk_stress(path: "{disk}", size: 1MiB) for 60s as disk
    at 0s exec(run: ["touch", "{flag}"], revert: ["rm", "-f", "{flag}"]) for 60s as marker
  }}
}}
"#,
            pid = victim.0.id(),
            disk = disk.display(),
            flag = flag.display(),
        ),
    )
    .expect("the scenario is written");
    let run_id = format!("guard-test-{}", std::process::id());
    let reports = tmp.path().join(&run_id);
    let mut runner = support::spawn_run(&file, &reports);
    let run_id = run_id.as_str();
    let victim_pid = victim.0.id() as i32;
    wait_for("every fault applied", Duration::from_secs(20), || {
        state(victim_pid) == Some('T')
            && flag.exists()
            && !workers_with(run_id).is_empty()
            && std::fs::read_dir(&disk)
                .map(|d| d.count() > 0)
                .unwrap_or(false)
    });
    // Give the disk workers a moment to have written something.
    std::thread::sleep(Duration::from_millis(200));
    runner.kill().expect("SIGKILL reaches the runner");
    let killed_at = Instant::now();
    let _ = runner.wait();
    wait_for(
        "the guard reverted everything",
        Duration::from_secs(2),
        || {
            state(victim_pid) != Some('T')
                && !flag.exists()
                && workers_with(run_id).is_empty()
                && std::fs::read_dir(&disk)
                    .map(|d| d.count() == 0)
                    .unwrap_or(false)
        },
    );
    eprintln!("reverted {:?} after SIGKILL", killed_at.elapsed());
    // The guard closed the journal; `recover` has nothing left to do.
    wait_for("the journal closed", Duration::from_secs(2), || {
        std::fs::read_to_string(reports.join("journal"))
            .map(|j| j.contains("\"event\":\"close\""))
            .unwrap_or(false)
    });
    let out = Command::new(support::BIN)
        .arg("recover")
        .arg(&reports)
        .output()
        .expect("recover runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(Path::new(&reports).join("guard.log").exists());
}

/// A guard that dies while a fault is applied is replaced at once: killing the runner
/// afterwards still has every fault reverted within 2 s.
#[test]
fn a_guard_killed_mid_fault_is_replaced_and_still_reverts_after_sigkill() {
    let _shared = support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let victim = sleeper();
    let file = tmp.path().join("guard.chaos");
    std::fs::write(
        &file,
        format!(
            "target victim = process(pid: {})\n\nscenario \"guarded\" {{\n  timeline {{\n    at 0s process_pause(victim) for 60s as pause\n  }}\n}}\n",
            victim.0.id()
        ),
    )
    .expect("the scenario is written");
    let reports = tmp
        .path()
        .join(format!("guard-replaced-{}", std::process::id()));
    let log = std::fs::File::create(tmp.path().join("stderr")).expect("a log");
    let mut runner = Command::new(support::BIN)
        .arg("run")
        .arg(&file)
        .args(["--yes", "--report-dir"])
        .arg(&reports)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("chaosc starts");
    let victim_pid = victim.0.id() as i32;
    let folder = reports.display().to_string();
    let mut first = Vec::new();
    wait_for("the pause and its guard", Duration::from_secs(20), || {
        first = processes_with("__guard", &folder);
        state(victim_pid) == Some('T') && first.len() == 1
    });
    kill(Pid::from_raw(first[0]), Signal::SIGKILL).expect("the guard is killed");
    let mut second = Vec::new();
    wait_for("a new guard", Duration::from_secs(2), || {
        second = processes_with("__guard", &folder)
            .into_iter()
            .filter(|p| *p != first[0] && state(*p) != Some('Z'))
            .collect();
        second.len() == 1
    });
    runner.kill().expect("SIGKILL reaches the runner");
    let _ = runner.wait();
    wait_for(
        "the new guard resumed the victim",
        Duration::from_secs(2),
        || state(victim_pid) != Some('T'),
    );
    let said = std::fs::read_to_string(tmp.path().join("stderr")).unwrap_or_default();
    assert!(
        said.contains(&format!(
            "the guard (pid {}) is gone; starting a new one",
            first[0]
        )),
        "{said}"
    );
}

/// A runner that misses a fault's deadline (here: stopped for 7 s) has the fault
/// reverted by the guard; the scenario then ends `error`, saying so, never `passed`.
#[test]
fn a_fault_the_guard_reverted_at_its_deadline_makes_the_scenario_an_error() {
    let _shared = support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let flag = tmp.path().join("applied");
    let file = tmp.path().join("late.chaos");
    std::fs::write(
        &file,
        format!(
            "scenario \"late\" {{\n  timeline {{\n    at 0s exec(run: [\"touch\", \"{flag}\"], revert: [\"rm\", \"-f\", \"{flag}\"]) for 1s as marker\n  }}\n}}\n",
            flag = flag.display()
        ),
    )
    .expect("the scenario is written");
    let reports = tmp.path().join("reports");
    let runner = Killed(support::spawn_run(&file, &reports));
    let runner_pid = Pid::from_raw(runner.0.id() as i32);
    wait_for("the fault applied", Duration::from_secs(20), || {
        flag.exists()
    });
    kill(runner_pid, Signal::SIGSTOP).expect("the runner stops");
    // Planned end at 1 s, the guard's grace is 5 s, it polls every 100 ms.
    wait_for("the guard reverted it", Duration::from_secs(8), || {
        !flag.exists()
    });
    kill(runner_pid, Signal::SIGCONT).expect("the runner goes on");
    let mut runner = runner;
    let status = runner.0.wait().expect("the run ends");
    assert_eq!(status.code(), Some(4));
    let results = support::results(&reports);
    let scenario = &results["scenarios"][0];
    assert_eq!(scenario["verdict"], "error", "{scenario:#}");
    let reason = scenario["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains(
            "`marker` was still applied 5000 ms after its planned end, so the guard reverted it"
        ),
        "{reason}"
    );
}
