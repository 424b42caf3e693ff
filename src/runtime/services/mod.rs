//! Services: processes under test that the run starts before the first scenario, waits
//! for, and stops after the last (SIGTERM, then SIGKILL after a grace). No shell: argv
//! is executed as is. Output goes to `services/NAME.log` in the report folder.
//!
//! Each service gets its own process group, so a Ctrl-C on the terminal reaches only
//! `chaosc`, which then reverts its faults and stops the services in order.

mod address;

pub use address::{not_in_use, ready_address};

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

use crate::plan::{Ready, Service};
use crate::probe::check::{resolve, Prepared};
use crate::report::results::ServiceResult;

/// How long a service has to exit after SIGTERM before it gets SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// How often readiness is checked.
const READY_POLL: Duration = Duration::from_millis(100);

pub struct Running {
    pub name: String,
    pub child: Child,
    pub pid: u32,
    pub result: ServiceResult,
    /// A step killed it on purpose (`process_kill`): its exit is not a failure.
    pub exit_expected: bool,
}

/// Starts `service` and waits until it is ready (or fails, or its timeout passes).
pub async fn start(service: &Service, report_dir: &Path) -> Result<Running, String> {
    let argv = service
        .argv
        .iter()
        .map(resolve)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("service `{}`: {e}", service.name))?;
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| format!("service `{}` has an empty command", service.name))?;
    let logs = report_dir.join("services");
    std::fs::create_dir_all(&logs)
        .map_err(|e| format!("cannot create `{}`: {e}", logs.display()))?;
    let log_name = format!("services/{}.log", service.name);
    let log = crate::inject::files::create_new(&report_dir.join(&log_name))
        .map_err(|e| format!("cannot create the log of service `{}`: {e}", service.name))?;
    let err_log = log
        .try_clone()
        .map_err(|e| format!("cannot create the log of service `{}`: {e}", service.name))?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err_log)
        .process_group(0)
        .kill_on_drop(true);
    if let Some(cwd) = &service.cwd {
        cmd.current_dir(resolve(cwd).map_err(|e| format!("service `{}`: {e}", service.name))?);
    }
    for (k, v) in &service.env {
        cmd.env(
            k,
            resolve(v).map_err(|e| format!("service `{}`: {e}", service.name))?,
        );
    }
    let spawned_at = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start service `{}` (`{program}`): {e}", service.name))?;
    let pid = child.id().unwrap_or(0);
    let mut result = ServiceResult {
        name: service.name.clone(),
        pid: Some(pid),
        ready_after_ms: None,
        log: log_name.clone(),
        ended: None,
    };
    let ready = match &service.ready {
        None => None,
        Some(Ready::Url(url)) => Some(Arc::new(
            Prepared::prepare(&crate::plan::ProbeCheck::Http {
                url: url.clone(),
                method: "GET".into(),
                status: (200, 399),
                body_contains: None,
                headers: Default::default(),
                body: None,
                json: None,
            })
            .map_err(|e| format!("service `{}`: {e}", service.name))?,
        )),
        Some(Ready::Probe(probe)) => Some(Arc::new(
            Prepared::prepare(&probe.check)
                .map_err(|e| format!("service `{}`: {e}", service.name))?,
        )),
    };
    let deadline = spawned_at + Duration::from_millis(service.ready_timeout_ms);
    if let Some(check) = ready {
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                result.ended = Some(describe_exit(status));
                let running = Running {
                    name: service.name.clone(),
                    child,
                    pid,
                    result,
                    exit_expected: false,
                };
                return Err(format!(
                    "service `{}` {} before it was ready; its output is in `{}`",
                    service.name,
                    running.result.ended.as_deref().unwrap_or("ended"),
                    report_dir.join(&log_name).display()
                ));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let mut running = Running {
                    name: service.name.clone(),
                    child,
                    pid,
                    result,
                    exit_expected: false,
                };
                stop(&mut running).await;
                return Err(format!(
                    "service `{}` was not ready within {} ms; its output is in `{}`",
                    service.name,
                    service.ready_timeout_ms,
                    report_dir.join(&log_name).display()
                ));
            }
            let outcome = check.sample(left.min(Duration::from_secs(2))).await;
            if outcome.is_ok() {
                // Ready only if it is the service that answered: a service that
                // could not bind its port exits while another program answers.
                if let Ok(Some(status)) = child.try_wait() {
                    result.ended = Some(describe_exit(status));
                    return Err(format!(
                        "service `{}` {} although its readiness check passed: another program answers there; its output is in `{}`",
                        service.name,
                        describe_exit(status),
                        report_dir.join(&log_name).display()
                    ));
                }
                break;
            }
            tokio::time::sleep(READY_POLL.min(left)).await;
        }
    }
    result.ready_after_ms = Some(spawned_at.elapsed().as_secs_f64() * 1000.0);
    Ok(Running {
        name: service.name.clone(),
        child,
        pid,
        result,
        exit_expected: false,
    })
}

/// How the service ended, if it has (it is reaped then); `None` while it runs.
pub fn exited(service: &mut Running) -> Option<String> {
    if service.result.ended.is_none() {
        if let Ok(Some(status)) = service.child.try_wait() {
            service.result.ended = Some(describe_exit(status));
        }
    }
    service.result.ended.clone()
}

/// The last `lines` lines of the service's log, indented for the console.
pub fn log_tail(report_dir: &Path, service: &Running, lines: usize) -> String {
    let text = std::fs::read(report_dir.join(&service.result.log))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| {
            let l: String = l.chars().take(300).collect();
            format!("  | {l}\n")
        })
        .collect()
}

/// Stops a service: SIGTERM to its process group, SIGKILL after the grace.
pub async fn stop(service: &mut Running) {
    if let Some(ended) = &service.result.ended {
        service.result.ended = Some(format!("{ended} during the run"));
        return;
    }
    if let Ok(Some(status)) = service.child.try_wait() {
        service.result.ended = Some(format!("{} during the run", describe_exit(status)));
        return;
    }
    let group = Pid::from_raw(-(service.pid as i32));
    // A paused service cannot handle SIGTERM: let it run to do so.
    let _ = kill(group, Signal::SIGCONT);
    let _ = kill(group, Signal::SIGTERM);
    match tokio::time::timeout(STOP_GRACE, service.child.wait()).await {
        Ok(Ok(status)) => service.result.ended = Some(describe_exit(status)),
        _ => {
            let _ = kill(group, Signal::SIGKILL);
            let status = service.child.wait().await;
            service.result.ended = Some(match status {
                Ok(s) => format!("{} after SIGKILL", describe_exit(s)),
                Err(e) => format!("could not be reaped: {e}"),
            });
        }
    }
}

/// Stops a process group that chaosc did not spawn itself (a service restarted by a
/// fault, in its own session): SIGCONT and SIGTERM to the group, SIGKILL after the
/// grace if its leader is still there.
pub async fn stop_group(pid: u32) {
    let Ok(raw) = i32::try_from(pid) else { return };
    let group = Pid::from_raw(-raw);
    let _ = kill(group, Signal::SIGCONT);
    if kill(group, Signal::SIGTERM).is_err() {
        return;
    }
    let deadline = Instant::now() + STOP_GRACE;
    while Instant::now() < deadline {
        // Gone, or a zombie its parent (init) will reap.
        let alive = crate::inject::procfs::stat(raw).is_some_and(|s| s.state != 'Z');
        if !alive {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = kill(group, Signal::SIGKILL);
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => match Signal::try_from(sig) {
            Ok(s) => format!("ended by {}", s.as_str()),
            Err(_) => format!("ended by signal {sig}"),
        },
        _ => "ended".to_string(),
    }
}
