//! Shared helpers of the real-run tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The `chaosc` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_chaosc");

pub fn bin() -> PathBuf {
    PathBuf::from(BIN)
}

/// Tests that measure CPU time or timing hold it alone ([`exclusive`]); every other test
/// of this binary holds it shared ([`shared`]), so nothing else runs while a measurement
/// does, and the rest still run in parallel with each other.
static MEASURING: RwLock<()> = RwLock::new(());

/// Held by tests that measure CPU time or timing: no other test runs meanwhile.
pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
    MEASURING
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Held by every test that does not measure: it runs alongside the others, never
/// alongside a measurement.
pub fn shared() -> RwLockReadGuard<'static, ()> {
    MEASURING
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[path = "../support/components.rs"]
mod components;
pub use components::{available, on_path, skipped};

/// `true` when `python3` is on `PATH` (the tests' web servers are
/// `python3 -m http.server`); otherwise skips (or fails when required), saying `why`.
pub fn python3(why: &str) -> bool {
    available("python3", on_path("python3"), why)
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// CPU time (user + system) of a process so far, in seconds, from `/proc/PID/stat`.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    Some((utime + stime) / ticks)
}

/// An HTTP server on 127.0.0.1 whose health is switched by files in a folder, so that a
/// scenario's own `exec` steps (`touch`, `rm`) make it fail for exact windows:
/// `fail` present → 503; `stall` present → the answer waits until it is removed;
/// `body` present → its content is the answer's body (else `ok`).
pub struct FlagServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FlagServer {
    pub fn start() -> FlagServer {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let dir = tempfile::tempdir().expect("a temp dir");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let port = listener.local_addr().expect("an address").port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flags, halt) = (dir.path().to_path_buf(), stop.clone());
        std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    continue;
                };
                let flags = flags.clone();
                std::thread::spawn(move || {
                    let _ = conn.set_nonblocking(false);
                    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                    let mut buf = [0u8; 4096];
                    let mut got = Vec::new();
                    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                        }
                    }
                    let started = std::time::Instant::now();
                    while flags.join("stall").exists()
                        && started.elapsed() < std::time::Duration::from_secs(30)
                    {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    let status = if failing(&flags) {
                        "503 Service Unavailable"
                    } else {
                        "200 OK"
                    };
                    let body = std::fs::read(flags.join("body")).unwrap_or_else(|_| b"ok".to_vec());
                    let _ = write!(
                        conn,
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = conn.write_all(&body);
                });
            }
        });
        FlagServer { port, dir, stop }
    }

    /// The flag file `name` (`fail`, `stall`) as a string for a scenario.
    pub fn flag(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

impl Drop for FlagServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `fail` present, or removed less than the milliseconds in `linger_ms` ago (a service
/// that takes a while to recover after its cause is gone).
fn failing(flags: &std::path::Path) -> bool {
    if flags.join("fail").exists() {
        let _ = std::fs::write(flags.join("last_failed"), "");
        return true;
    }
    let linger: u64 = std::fs::read_to_string(flags.join("linger_ms"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    if linger == 0 {
        return false;
    }
    // The moment `fail` disappeared is when the server first saw it gone.
    let gone = flags.join("gone_at");
    let since = std::fs::metadata(flags.join("last_failed")).ok().map(|_| {
        if !gone.exists() {
            let _ = std::fs::write(&gone, "");
        }
        std::fs::metadata(&gone)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .unwrap_or_default()
    });
    since.is_some_and(|d| d < std::time::Duration::from_millis(linger))
}

/// What a `chaosc` run produced.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `chaosc ARGS` in `dir` with a time limit; kills it and fails beyond.
pub fn chaosc(dir: &std::path::Path, args: &[&str], limit: std::time::Duration) -> Ran {
    chaosc_with_env(dir, args, &[], limit)
}

/// [`chaosc`] with environment variables set (`GITHUB_STEP_SUMMARY` …); the GitHub
/// Actions variables the tests use are otherwise removed, so a test run inside a
/// workflow neither writes to its summary nor links to its page.
pub fn chaosc_with_env(
    dir: &std::path::Path,
    args: &[&str],
    envs: &[(&str, &str)],
    limit: std::time::Duration,
) -> Ran {
    use std::process::{Command, Stdio};
    let mut command = Command::new(BIN);
    for name in [
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_RUN_ID",
    ] {
        command.env_remove(name);
    }
    let mut child = command
        .envs(envs.iter().copied())
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chaosc starts");
    let started = std::time::Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("chaosc is reaped");
            panic!(
                "chaosc {args:?} ran longer than {limit:?}\n--- stderr\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("chaosc is reaped");
    use std::os::unix::process::ExitStatusExt;
    Ran {
        code: out
            .status
            .code()
            .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0)),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Starts `chaosc run FILE --yes -q --report-dir REPORTS` in the background, its output
/// discarded (the test kills it, or waits for it).
pub fn spawn_run(file: &std::path::Path, reports: &std::path::Path) -> std::process::Child {
    use std::process::{Command, Stdio};
    Command::new(BIN)
        .arg("run")
        .arg(file)
        .args(["--yes", "-q", "--report-dir"])
        .arg(reports)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chaosc starts")
}

/// `chaosc run FILE --yes --report-dir REPORTS` in `dir`, within `limit`.
pub fn run_confirmed(
    dir: &std::path::Path,
    file: &std::path::Path,
    reports: &std::path::Path,
    limit: std::time::Duration,
) -> Ran {
    run_confirmed_with(dir, file, reports, &[], limit)
}

/// [`run_confirmed`] with more arguments (`--suite NAME` …).
pub fn run_confirmed_with(
    dir: &std::path::Path,
    file: &std::path::Path,
    reports: &std::path::Path,
    extra: &[&str],
    limit: std::time::Duration,
) -> Ran {
    let mut args = vec![
        "run",
        file.to_str().unwrap_or(""),
        "--yes",
        "--report-dir",
        reports.to_str().unwrap_or(""),
    ];
    args.extend_from_slice(extra);
    chaosc(dir, &args, limit)
}

/// `results.json` of a report folder.
pub fn results(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json exists");
    serde_json::from_str(&text).expect("results.json is JSON")
}

/// The number at `path` in a JSON value: object keys, or array indices written as numbers.
pub fn num(v: &serde_json::Value, path: &[&str]) -> f64 {
    let mut cur = v;
    for p in path {
        cur = match p.parse::<usize>() {
            Ok(i) => &cur[i],
            Err(_) => &cur[*p],
        };
    }
    cur.as_f64()
        .unwrap_or_else(|| panic!("{path:?} is a number in {v:#}"))
}

/// The scenario's (first) assertion on `metric` in `results.json`.
pub fn assertion<'a>(scenario: &'a serde_json::Value, metric: &str) -> &'a serde_json::Value {
    scenario["assertions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["metric"] == metric))
        .unwrap_or_else(|| panic!("an assertion on {metric}: {scenario:#}"))
}

/// An assertion's measured value, whatever its unit (ms, percent or count).
pub fn measured(a: &serde_json::Value) -> f64 {
    let m = &a["measured"];
    m["ms"]
        .as_f64()
        .or(m["percent"].as_f64())
        .or(m["count"].as_f64())
        .unwrap_or_else(|| panic!("a measured value: {a:#}"))
}

/// The measured value of the scenario's assertion on `metric`, in ms.
pub fn measured_ms(scenario: &serde_json::Value, metric: &str) -> f64 {
    let a = assertion(scenario, metric);
    a["measured"]["ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("{metric} measured in ms: {a:#}"))
}

/// Unix time in ms of an RFC 3339 UTC time such as `2026-11-26T21:05:58.793Z`.
pub fn unix_ms(rfc3339: &str) -> f64 {
    let t = humantime::parse_rfc3339_weak(rfc3339.trim())
        .unwrap_or_else(|e| panic!("`{rfc3339}` is an RFC 3339 time: {e}"));
    t.duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
        * 1000.0
}
