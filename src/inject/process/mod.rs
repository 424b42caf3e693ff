//! Faults on processes: `process_kill` (with an optional restart) and `process_pause`.
//!
//! Targets are resolved to [`ProcessId`]s (pid + start time) in [`resolve`]; every signal
//! goes through [`send`], which never signals a process whose pid was reused.

pub mod kill;
pub mod pause;
pub mod resolve;

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::Signal;

use super::{procfs, ProcessId};

/// What became of a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The kernel accepted it for that exact process.
    Delivered,
    /// The process is gone (or its pid now belongs to another process): not signalled.
    Gone,
}

/// Sends `signal` to the process `id` names, and to no other.
///
/// With a pidfd (Linux ≥ 5.3) there is no window at all: the pidfd is opened first, then
/// the start time is checked, and the signal goes to the pidfd, which cannot refer to a
/// later process with the same pid. Without pidfds the start time is checked right
/// before `kill`, which leaves a window of microseconds.
pub fn send(id: ProcessId, signal: Signal) -> Result<Delivery, Errno> {
    if id.pid <= 1 {
        // pid 0 and negative pids address process groups; pid 1 is init.
        return Err(Errno::EINVAL);
    }
    match pidfd_open(id.pid) {
        Ok(fd) => {
            if procfs::stat_of(id).is_none() {
                return Ok(Delivery::Gone);
            }
            // SAFETY: a plain syscall on a pidfd we own; a null siginfo means "as kill".
            let rc = unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    fd.as_raw_fd(),
                    signal as libc::c_int,
                    std::ptr::null::<libc::siginfo_t>(),
                    0 as libc::c_uint,
                )
            };
            if rc == 0 {
                return Ok(Delivery::Delivered);
            }
            match Errno::last() {
                Errno::ESRCH => Ok(Delivery::Gone),
                errno => Err(errno),
            }
        }
        Err(Errno::ESRCH) => Ok(Delivery::Gone),
        // No pidfds (old kernel, or a seccomp filter that refuses the syscall).
        Err(Errno::ENOSYS) | Err(Errno::EPERM) => {
            if procfs::stat_of(id).is_none() {
                return Ok(Delivery::Gone);
            }
            match nix::sys::signal::kill(nix::unistd::Pid::from_raw(id.pid), signal) {
                Ok(()) => Ok(Delivery::Delivered),
                Err(Errno::ESRCH) => Ok(Delivery::Gone),
                Err(errno) => Err(errno),
            }
        }
        Err(errno) => Err(errno),
    }
}

fn pidfd_open(pid: i32) -> Result<OwnedFd, Errno> {
    // SAFETY: `pidfd_open(pid, 0)` returns a new fd that we own, or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0 as libc::c_uint) };
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: the fd was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Whether the runner may signal `pid` (signal 0 checks permission without sending).
pub fn permitted(pid: i32) -> Result<(), Errno> {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
}

/// Polls `done` every millisecond until it holds or `limit` passes; returns the time it
/// took, or `None` on timeout.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if done() {
            return Some(start.elapsed());
        }
        if start.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Milliseconds, for measurements.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `process 4242 (python3)`, or `processes 4242 (sleep), 4243 (sleep)`.
pub fn describe(targets: &[resolve::Resolved]) -> String {
    let list: Vec<String> = targets
        .iter()
        .map(|t| format!("{} ({})", t.id.pid, t.name))
        .collect();
    match list.len() {
        1 => format!("process {}", list[0]),
        _ => format!("processes {}", list.join(", ")),
    }
}
