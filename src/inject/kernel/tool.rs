//! Running `ip`, `tc` and `nft` (argv, no shell), in a network namespace when asked.
//!
//! A namespace is entered with `setns(2)` in the child between `fork` and `exec`, so the
//! runner itself never changes namespace and the tools need no `ip netns exec` wrapper.
//! A namespace is named as `ip netns` names it (`/run/netns/NAME`) or given as a path
//! (`/proc/PID/ns/net`). Probes run in a fresh, anonymous namespace instead
//! (`unshare(CLONE_NEWNET)` in the child): it vanishes with the tool, so a probe leaves
//! nothing behind even if the runner is killed while it runs.

use std::fs::File;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::super::InjectError;

/// How long a tool may take before it is killed (they answer in milliseconds).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Where a tool runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where<'a> {
    /// The runner's own network namespace.
    Here,
    /// A namespace by name (`ip netns`) or path.
    Netns(&'a str),
    /// A new, empty namespace that dies with the tool (probes).
    Fresh,
}

/// What a tool printed and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The first line of stderr (or stdout), for messages.
    pub fn reason(&self) -> String {
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        let line = text.lines().map(str::trim).find(|l| !l.is_empty());
        line.unwrap_or("no output").to_string()
    }
}

/// The file of a namespace: a path as is, a name under `/run/netns`.
pub fn netns_path(netns: &str) -> PathBuf {
    if netns.contains('/') {
        PathBuf::from(netns)
    } else {
        PathBuf::from("/run/netns").join(netns)
    }
}

/// Whether a namespace given by name or path exists.
pub fn netns_exists(netns: &str) -> bool {
    netns_path(netns).exists()
}

/// Runs `argv` where asked, killed after [`TIMEOUT`].
pub fn run(place: Where<'_>, argv: &[&str]) -> Result<Output, InjectError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(InjectError::new("cannot run an empty command"));
    };
    let Some(path) = super::super::exec::find_program(program) else {
        return Err(
            InjectError::new(format!("`{program}` was not found on PATH")).with_help(format!(
                "install it (`{program}` comes with the `{}` package)",
                package(program)
            )),
        );
    };
    let mut cmd = Command::new(path);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C");
    // Kept open until the child has been spawned: the child enters it by descriptor.
    let mut _ns_file = None;
    match place {
        Where::Here => {}
        Where::Netns(netns) => {
            let path = netns_path(netns);
            let file = File::open(&path).map_err(|e| {
                InjectError::new(format!("cannot open network namespace `{netns}`: {e}"))
                    .with_help("create it with `ip netns add NAME`, or check `ip netns list`")
            })?;
            let fd = file.as_raw_fd();
            // SAFETY: `setns` is a plain system call, async-signal-safe; the descriptor
            // stays open in the child until exec.
            unsafe {
                cmd.pre_exec(move || {
                    if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            _ns_file = Some(file);
        }
        Where::Fresh => {
            // SAFETY: as above; the child is single-threaded, which `unshare` needs.
            unsafe {
                cmd.pre_exec(|| {
                    if libc::unshare(libc::CLONE_NEWNET) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
    }
    let shown = argv.join(" ");
    let mut child = cmd.spawn().map_err(|e| {
        let place = match place {
            Where::Here => String::new(),
            Where::Netns(n) => format!(" in network namespace `{n}`"),
            Where::Fresh => " in a new network namespace".to_string(),
        };
        InjectError::new(format!("cannot run `{shown}`{place}: {e}"))
            .with_help("network faults on an interface need root (CAP_NET_ADMIN and CAP_SYS_ADMIN)")
    })?;
    drop(_ns_file);
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    // Read both pipes on threads so a chatty tool cannot block on a full pipe.
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = stdout.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = stderr.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < TIMEOUT => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        Some(status) => Ok(Output {
            success: status.success(),
            stdout,
            stderr,
        }),
        None => Err(InjectError::new(format!(
            "`{shown}` did not finish within {} s and was killed",
            TIMEOUT.as_secs()
        ))),
    }
}

/// Runs `argv` and turns a failure into an error naming the command.
pub fn run_ok(place: Where<'_>, argv: &[&str]) -> Result<Output, InjectError> {
    let out = run(place, argv)?;
    if out.success {
        Ok(out)
    } else {
        Err(InjectError::new(format!(
            "`{}` failed: {}",
            argv.join(" "),
            out.reason()
        )))
    }
}

fn package(program: &str) -> &'static str {
    match program {
        "nft" => "nftables",
        _ => "iproute2",
    }
}

/// Whether the effective capability set of this process has capability `bit`
/// (`CapEff` of `/proc/self/status`).
pub fn has_capability(bit: u32) -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1u64 << bit) != 0)
}

/// `CAP_NET_ADMIN`: configure interfaces, qdiscs, nftables.
pub const CAP_NET_ADMIN: u32 = 12;
/// `CAP_SYS_ADMIN`: enter or create a network namespace.
pub const CAP_SYS_ADMIN: u32 = 21;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_live_under_run_netns_and_paths_stay_paths() {
        assert_eq!(netns_path("blue"), PathBuf::from("/run/netns/blue"));
        assert_eq!(
            netns_path("/proc/1/ns/net"),
            PathBuf::from("/proc/1/ns/net")
        );
    }

    #[test]
    fn a_missing_program_says_which_package_has_it() {
        let e = run(Where::Here, &["chaosc-no-such-tool-xyz"]).unwrap_err();
        assert!(e.message.contains("was not found on PATH"), "{e:?}");
    }

    #[test]
    fn output_and_status_are_captured() {
        let out = run(Where::Here, &["ls", "/definitely/not/here"]).expect("ls runs");
        assert!(!out.success);
        assert!(out.reason().contains("/definitely/not/here"), "{out:?}");
        let out = run(Where::Here, &["echo", "hello"]).expect("echo runs");
        assert!(out.success);
        assert_eq!(out.stdout.trim(), "hello");
    }
}
