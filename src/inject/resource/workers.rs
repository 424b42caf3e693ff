//! Stress worker processes: spawning them so that they die with the runner, reaping
//! them with their resource usage, and finding them again from their tag alone.
//!
//! A worker is `chaosc __worker KIND --tag TAG --parent PID …`. It dies with the runner
//! in two independent ways:
//!
//! - `PR_SET_PDEATHSIG(SIGKILL)`, set between `fork` and `exec`, kills it when the
//!   thread that spawned it ends (the runtime applies and finishes a fault on one
//!   thread that lives as long as the fault). If the runner died before `prctl` ran,
//!   `getppid()` no longer is the runner and the spawn is abandoned.
//! - Its stdin is a pipe whose only write end the injector holds; a worker thread
//!   blocks reading it and ends the process at EOF. The kernel closes that pipe however
//!   the runner dies, even when a signal is not delivered (another thread spawned it).
//!
//! Workers stay in the runner's process group, so job control reaches them (Ctrl-Z
//! stops them with the runner; a group kill ends them), but they ignore SIGINT: a
//! terminal's Ctrl-C goes to the whole group, and the runner handles it by finishing
//! each fault itself, killing and measuring its workers, in order.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::inject::InjectError;

/// The hidden subcommand that runs a worker; `argv[1]` of every worker.
pub const SUBCOMMAND: &str = "__worker";

/// How long a revert waits for killed workers to be gone.
pub const KILL_WAIT: Duration = Duration::from_secs(1);

/// The most of a worker's stderr kept for an error message.
const STDERR_KEEP: usize = 2048;

/// A running worker process, spawned by this process.
pub struct Worker {
    pid: i32,
    /// Held open: the worker exits when it is closed.
    stdin: Option<ChildStdin>,
    counters: Arc<Mutex<BTreeMap<String, u64>>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
    /// Set once reaped: how it ended early (if it did) and its resource usage.
    reaped: Option<(Option<String>, Usage)>,
}

/// What is known about a worker once it has been reaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    pub pid: i32,
    /// User + system CPU time, from `wait4`'s resource usage.
    pub cpu_seconds: f64,
    /// Peak resident set size, from `wait4` (`ru_maxrss`).
    pub peak_resident_bytes: u64,
    /// The last value of each counter the worker reported on stdout (`KEY VALUE` lines).
    pub counters: BTreeMap<String, u64>,
    /// `Some` when the worker ended on its own before it was killed: how, and the end of
    /// its stderr.
    pub early_exit: Option<String>,
}

impl Worker {
    /// Spawns `exe __worker KIND --tag TAG --parent PID ARGS…`.
    pub fn spawn(
        exe: &Path,
        kind: &str,
        tag: &str,
        args: &[OsString],
    ) -> Result<Worker, InjectError> {
        let parent = nix::unistd::getpid().as_raw();
        let mut cmd = Command::new(exe);
        cmd.arg(SUBCOMMAND)
            .arg(kind)
            .arg("--tag")
            .arg(tag)
            .arg("--parent")
            .arg(parent.to_string())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: the closure runs in the child between fork and exec and only calls
        // async-signal-safe functions (prctl, getppid, signal); it allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGKILL as libc::c_ulong,
                    0,
                    0,
                    0,
                ) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                // The runner died before prctl: nobody will ever signal or reap us.
                if libc::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                }
                if libc::signal(libc::SIGINT, libc::SIG_IGN) == libc::SIG_ERR {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| {
            InjectError::new(format!(
                "cannot start a stress worker `{}`: {e}",
                exe.display()
            ))
            .with_help("the worker is this chaosc executable; check that it still exists and is executable")
        })?;
        let counters = Arc::new(Mutex::new(BTreeMap::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            let counters = Arc::clone(&counters);
            readers.push(std::thread::spawn(move || read_counters(out, &counters)));
        }
        if let Some(err) = child.stderr.take() {
            let stderr = Arc::clone(&stderr);
            readers.push(std::thread::spawn(move || read_tail(err, &stderr)));
        }
        Ok(Worker {
            pid: child.id() as i32,
            stdin: child.stdin.take(),
            counters,
            stderr,
            readers,
            reaped: None,
        })
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Reaps the worker if it already ended on its own; `true` when it did.
    fn reap_if_ended(&mut self) -> bool {
        if let Some((status, usage)) = wait4(self.pid, libc::WNOHANG) {
            self.reaped = Some((Some(describe_status(status)), usage));
        }
        self.reaped.is_some()
    }

    fn signal_kill(&self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }

    /// Reaps the worker (blocking) and collects what it reported.
    fn reap(mut self) -> Ended {
        let (early_exit, usage) = match self.reaped.take() {
            Some(done) => done,
            None => (None, wait4(self.pid, 0).map(|(_, u)| u).unwrap_or_default()),
        };
        // Reaped (or unreapable: not our child any more); Drop must not wait again.
        self.reaped = Some((None, Usage::default()));
        self.stdin = None;
        // The pipes close with the process, so the readers end.
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let early_exit = early_exit.map(|mut how| {
            let tail = lock(&self.stderr).trim().to_string();
            if !tail.is_empty() {
                how.push_str(": ");
                how.push_str(&tail);
            }
            how
        });
        Ended {
            pid: self.pid,
            cpu_seconds: usage.cpu_seconds,
            peak_resident_bytes: usage.peak_resident_bytes,
            counters: lock(&self.counters).clone(),
            early_exit,
        }
    }
}

impl Drop for Worker {
    /// A worker is never left behind, even when its fault is dropped without `finish`.
    fn drop(&mut self) {
        if self.reaped.is_none() {
            self.signal_kill();
            let _ = wait4(self.pid, 0);
        }
    }
}

/// Kills every worker and reaps it; a worker that had already ended on its own says
/// so in [`Ended::early_exit`].
pub fn kill_all(mut workers: Vec<Worker>) -> Vec<Ended> {
    // Early exits are noticed before any signal, then all are signalled together so
    // that they stop at the same time, then reaped.
    for w in &mut workers {
        if !w.reap_if_ended() {
            w.signal_kill();
        }
    }
    workers.into_iter().map(Worker::reap).collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads `KEY VALUE` lines, keeping the last value of each key.
fn read_counters(out: impl Read, counters: &Mutex<BTreeMap<String, u64>>) {
    for line in BufReader::new(out).lines() {
        let Ok(line) = line else { break };
        if let Some((key, value)) = parse_counter(&line) {
            lock(counters).insert(key.to_string(), value);
        }
    }
}

/// `written 1048576` → `("written", 1048576)`.
pub fn parse_counter(line: &str) -> Option<(&str, u64)> {
    let (key, value) = line.trim().split_once(' ')?;
    Some((key, value.trim().parse().ok()?))
}

/// Keeps the last [`STDERR_KEEP`] bytes of a stream.
fn read_tail(mut err: impl Read, tail: &Mutex<String>) {
    let mut buf = [0u8; 1024];
    loop {
        match err.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut t = lock(tail);
                t.push_str(&String::from_utf8_lossy(&buf[..n]));
                if t.len() > STDERR_KEEP {
                    let mut cut = t.len() - STDERR_KEEP;
                    while !t.is_char_boundary(cut) {
                        cut += 1;
                    }
                    t.drain(..cut);
                }
            }
        }
    }
}

#[derive(Debug, Default)]
struct Usage {
    cpu_seconds: f64,
    peak_resident_bytes: u64,
}

/// `wait4(pid, flags)`: `None` when `WNOHANG` finds it still running (or on error).
fn wait4(pid: i32, flags: i32) -> Option<(i32, Usage)> {
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; zeroed is a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to a local int and a local rusage.
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut ru) };
        if r == pid {
            let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            return Some((
                status,
                Usage {
                    cpu_seconds: secs(ru.ru_utime) + secs(ru.ru_stime),
                    // Linux reports ru_maxrss in kibibytes.
                    peak_resident_bytes: (ru.ru_maxrss.max(0) as u64) * 1024,
                },
            ));
        }
        if r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return None;
    }
}

fn describe_status(status: i32) -> String {
    if libc::WIFEXITED(status) {
        format!("exited with status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        match nix::sys::signal::Signal::try_from(sig) {
            Ok(s) => format!("killed by {s}"),
            Err(_) => format!("killed by signal {sig}"),
        }
    } else {
        format!("ended with wait status {status}")
    }
}

/// Whether a command line (`/proc/PID/cmdline`, NUL-separated) is a worker tagged `tag`.
pub fn is_tagged_worker(cmdline: &[u8], tag: &str) -> bool {
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    args.get(1) == Some(&SUBCOMMAND.as_bytes())
        && args
            .windows(2)
            .any(|w| w[0] == b"--tag" && w[1] == tag.as_bytes())
}

/// The pids of the live workers tagged `tag` (zombies have an empty command line and
/// hold no resources, so they are not listed).
pub fn find_tagged(tag: &str) -> Vec<i32> {
    let me = std::process::id() as i32;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<i32> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| is_tagged_worker(&c, tag))
                .unwrap_or(false)
        })
        .collect();
    pids.sort_unstable();
    pids
}

/// SIGKILLs a tagged worker found by scanning `/proc`, through a pidfd so that a pid
/// reused between the scan and the signal is never touched.
fn kill_tagged(pid: i32, tag: &str) {
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        // No pidfd (kernel < 5.3): the command line was just checked; signal the pid.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        return;
    }
    let fd = fd as i32;
    // Checked again now that the pidfd pins the process.
    let still = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| is_tagged_worker(&c, tag))
        .unwrap_or(false);
    if still {
        // SAFETY: a valid pidfd, a signal number, no siginfo, no flags.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                fd,
                libc::SIGKILL,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            );
        }
    }
    // SAFETY: closes the fd opened above, once.
    unsafe {
        libc::close(fd);
    }
}

/// Kills every worker tagged `tag`, from any process, and waits (at most [`KILL_WAIT`])
/// until none is left.
pub fn kill_tagged_all(tag: &str) -> Result<(), InjectError> {
    let deadline = Instant::now() + KILL_WAIT;
    loop {
        let pids = find_tagged(tag);
        if pids.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let list: Vec<String> = pids.iter().map(|p| p.to_string()).collect();
            return Err(InjectError::new(format!(
                "stress workers tagged `{tag}` are still running after SIGKILL (pids {})",
                list.join(", ")
            ))
            .with_help("a process in uninterruptible IO dies when the IO ends; run `chaosc recover` again in a moment"));
        }
        for pid in pids {
            kill_tagged(pid, tag);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Worker side: ends this process when the runner is gone (parent changed) or when
/// stdin reaches EOF (the runner closed it or died). Call first thing in a worker.
pub fn exit_with_parent(parent: i32) {
    if nix::unistd::getppid().as_raw() != parent {
        std::process::exit(0);
    }
    std::thread::spawn(|| {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 64];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) => std::process::exit(0),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => std::process::exit(0),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_matching_needs_the_subcommand_and_the_exact_tag() {
        let cmd = b"/usr/bin/chaosc\0__worker\0cpu\0--tag\0run1/cpu#1\0--parent\x0042\0";
        assert!(is_tagged_worker(cmd, "run1/cpu#1"));
        assert!(!is_tagged_worker(cmd, "run1/cpu#"));
        assert!(!is_tagged_worker(cmd, "run1/cpu#12"));
        assert!(!is_tagged_worker(cmd, "cpu"));
        // Not a worker: the tag elsewhere does not count.
        let other = b"/usr/bin/vim\0--tag\0run1/cpu#1\0";
        assert!(!is_tagged_worker(other, "run1/cpu#1"));
        let not_sub = b"/usr/bin/chaosc\0run\0__worker\0--tag\0run1/cpu#1\0";
        assert!(!is_tagged_worker(not_sub, "run1/cpu#1"));
        // The tag is a value, not the flag itself.
        let flag_value = b"chaosc\0__worker\0cpu\0--tag\0--tag\0";
        assert!(is_tagged_worker(flag_value, "--tag"));
        assert!(!is_tagged_worker(b"", "x"));
    }

    #[test]
    fn counter_lines_parse() {
        assert_eq!(parse_counter("written 1048576"), Some(("written", 1048576)));
        assert_eq!(parse_counter("synced 0\n"), Some(("synced", 0)));
        assert_eq!(parse_counter("written"), None);
        assert_eq!(parse_counter("written -1"), None);
        assert_eq!(parse_counter(""), None);
    }

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(describe_status(1 << 8), "exited with status 1");
        assert_eq!(describe_status(9), "killed by SIGKILL");
    }

    #[test]
    fn nothing_is_found_for_an_unused_tag() {
        assert!(find_tagged("chaosc-test-no-such-tag").is_empty());
        assert!(kill_tagged_all("chaosc-test-no-such-tag").is_ok());
    }
}
