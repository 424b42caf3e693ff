//! From a plan's process target to the exact processes a fault acts on.
//!
//! Nothing here changes anything: it finds the processes, refuses the ones a fault must
//! never touch (init, the runner and its ancestors, anything outside `allow_targets`) and
//! checks that the runner may signal them.

use nix::errno::Errno;

use super::super::{procfs, Context, InjectError, ProcessId};
use crate::plan::{ProcessSelector, Target, Text};

/// A process a fault will act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub id: ProcessId,
    /// Its executable name (for reports and `allow_targets`).
    pub name: String,
}

/// Resolves `target` for a fault of kind `kind`.
pub fn resolve(target: &Target, ctx: &Context, kind: &str) -> Result<Vec<Resolved>, InjectError> {
    let (selector, all) = match target {
        Target::Process { selector, all, .. } => (selector, *all),
        other => {
            return Err(InjectError::new(format!(
                "`{kind}` faults act on processes, not on {}",
                target_kind(other)
            ))
            .with_help("give the step a `process(…)` or service target"))
        }
    };
    let protected = procfs::self_and_ancestors();
    let found = match selector {
        ProcessSelector::Pid(pid) => vec![by_pid(*pid, &protected)?],
        ProcessSelector::Pidfile(path) => vec![by_pidfile(path, &protected)?],
        ProcessSelector::Service(service) => {
            let Some(pid) = ctx.services.get(service) else {
                return Err(
                    InjectError::new(format!("service `{service}` is not running"))
                        .with_help("a service target needs the service started by this run"),
                );
            };
            let pid = i64::from(*pid);
            vec![by_pid(pid, &protected).map_err(|e| {
                InjectError::new(format!("service `{service}` (pid {pid}) is not running"))
                    .with_help(e.message)
            })?]
        }
        ProcessSelector::Name(name) => by_name(&text(name, "name")?, all, &protected)?,
    };
    for process in &found {
        allowed(process, &ctx.allow_targets)?;
        may_signal(process)?;
    }
    Ok(found)
}

fn target_kind(target: &Target) -> &'static str {
    match target {
        Target::Host => "the host",
        Target::Process { .. } => "a process",
        Target::Container { .. } => "a container",
        Target::Proxy { .. } => "a proxy",
        Target::Interface { .. } => "an interface",
        Target::Pods { .. } => "kubernetes pods",
    }
}

/// Resolves an `env(…)` text; the error names the variable, never a value.
pub fn text(value: &Text, what: &str) -> Result<String, InjectError> {
    crate::probe::check::resolve(value).map_err(|e| {
        InjectError::new(format!("cannot resolve the {what}: {e}"))
            .with_help("set the variable in the environment of `chaosc run`")
    })
}

fn by_pid(pid: i64, protected: &[i32]) -> Result<Resolved, InjectError> {
    let Some(pid) = i32::try_from(pid).ok().filter(|pid| *pid > 0) else {
        return Err(InjectError::new(format!("`{pid}` is not a process id"))
            .with_help("a pid is a positive number, as `ps` shows it"));
    };
    if pid == 1 || protected.contains(&pid) {
        return Err(refuse_protected(pid));
    }
    let Some(stat) = procfs::stat(pid) else {
        return Err(InjectError::new(format!("no process has pid `{pid}`"))
            .with_help(format!("check that the process is running: `ps -p {pid}`")));
    };
    if stat.state == 'Z' {
        return Err(
            InjectError::new(format!("process `{pid}` has already exited"))
                .with_help("it is a zombie waiting for its parent to collect its exit status"),
        );
    }
    Ok(Resolved {
        id: ProcessId {
            pid,
            start_time: stat.start_time,
        },
        name: display_name(pid, &stat.comm),
    })
}

fn refuse_protected(pid: i32) -> InjectError {
    let who = if pid == 1 {
        "init"
    } else if pid == std::process::id() as i32 {
        "the runner itself"
    } else {
        "an ancestor of the runner"
    };
    InjectError::new(format!(
        "process `{pid}` is {who}, which faults never touch"
    ))
    .with_help("select the process under test, not init, `chaosc` or the shell that runs it")
}

fn by_pidfile(path: &Text, protected: &[i32]) -> Result<Resolved, InjectError> {
    let path = text(path, "pidfile")?;
    let content = std::fs::read_to_string(&path).map_err(|e| {
        InjectError::new(format!("cannot read pidfile `{path}`: {e}"))
            .with_help("check the path, and that the process under test has started")
    })?;
    // The pid is the first line: PostgreSQL's `postmaster.pid`, for one, goes on with
    // the data folder, port and socket folder on the lines after it.
    let first = content.trim_start().lines().next().unwrap_or("");
    let pid: i64 = first.trim().parse().map_err(|_| {
        InjectError::new(format!("pidfile `{path}` does not hold a pid"))
            .with_help("a pidfile holds the pid of the process on its first line")
    })?;
    let running = i32::try_from(pid).ok().and_then(procfs::stat).is_some();
    if pid > 1 && !running {
        return Err(InjectError::new(format!(
            "pidfile `{path}` names pid {pid}, which is not running"
        ))
        .with_help("the process may have exited and left a stale pidfile"));
    }
    by_pid(pid, protected)
}

/// The name reports show: `comm`, or the basename of `argv[0]` when `comm` is its
/// truncation (the kernel keeps 15 bytes).
fn display_name(pid: i32, comm: &str) -> String {
    match procfs::argv0_basename(pid) {
        Some(base) if comm.len() >= 15 && base.len() > comm.len() && base.starts_with(comm) => base,
        _ => comm.to_string(),
    }
}

/// Every running process whose `comm` or `argv[0]` basename is exactly `name`.
fn by_name(name: &str, all: bool, protected: &[i32]) -> Result<Vec<Resolved>, InjectError> {
    let mut found = Vec::new();
    let mut skipped_protected = Vec::new();
    for pid in procfs::pids() {
        let Some(stat) = procfs::stat(pid) else {
            continue;
        };
        if stat.state == 'Z' {
            continue;
        }
        let matches =
            stat.comm == name || procfs::argv0_basename(pid).is_some_and(|base| base == name);
        if !matches {
            continue;
        }
        if pid == 1 || protected.contains(&pid) {
            // Never a target, but not an error either: `name: "bash"` means the other
            // bash processes, not the one that started `chaosc`.
            skipped_protected.push(pid);
            continue;
        }
        found.push(Resolved {
            id: ProcessId {
                pid,
                start_time: stat.start_time,
            },
            name: display_name(pid, &stat.comm),
        });
    }
    match found.len() {
        0 if !skipped_protected.is_empty() => Err(InjectError::new(format!(
            "`{name}` matches only init, the runner or its ancestors, which faults never touch"
        ))
        .with_help("select the process under test by `pid` or `pidfile`")),
        0 => Err(
            InjectError::new(format!("no running process is named `{name}`")).with_help(
                "the name is the executable's name, as `ps -e -o comm` shows it; check that the process is running",
            ),
        ),
        1 => Ok(found),
        _ if all => Ok(found),
        n => {
            let pids: Vec<String> = found.iter().map(|p| p.id.pid.to_string()).collect();
            Err(InjectError::new(format!(
                "`{name}` matches {n} processes ({})",
                pids.join(", ")
            ))
            .with_help("set `all: true` to act on every one, or select one by `pid` or `pidfile`"))
        }
    }
}

fn allowed(process: &Resolved, patterns: &[String]) -> Result<(), InjectError> {
    if patterns.is_empty() {
        return Ok(());
    }
    let names = [
        Some(process.name.clone()),
        procfs::stat_of(process.id).map(|s| s.comm),
        procfs::argv0_basename(process.id.pid),
    ];
    let ok = patterns
        .iter()
        .any(|pattern| names.iter().flatten().any(|name| glob_match(pattern, name)));
    if ok {
        return Ok(());
    }
    let list: Vec<String> = patterns.iter().map(|p| format!("`{p}`")).collect();
    Err(InjectError::new(format!(
        "process {} ({}) matches none of `allow_targets` [{}]",
        process.id.pid,
        process.name,
        list.join(", ")
    ))
    .with_help(format!(
        "add a pattern that matches `{}` to `allow_targets` in the `safety` block, or pick another target",
        process.name
    )))
}

fn may_signal(process: &Resolved) -> Result<(), InjectError> {
    match super::permitted(process.id.pid) {
        Ok(()) => Ok(()),
        Err(Errno::EPERM) => Err(InjectError::new(format!(
            "not permitted to signal process {} ({})",
            process.id.pid, process.name
        ))
        .with_help("run `chaosc` as the process's user, or as root")),
        Err(Errno::ESRCH) => Err(InjectError::new(format!(
            "process {} ({}) exited while the fault was prepared",
            process.id.pid, process.name
        ))),
        Err(errno) => Err(InjectError::new(format!(
            "cannot signal process {} ({}): {}",
            process.id.pid,
            process.name,
            errno.desc().to_lowercase()
        ))),
    }
}

/// Shell-style glob: `*` any run of characters (also none), `?` exactly one.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was and which text position it has swallowed up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((star_p, star_t)) = star {
            pi = star_p + 1;
            ti = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn glob_matches_like_a_shell() {
        assert!(glob_match("api", "api"));
        assert!(!glob_match("api", "api2"));
        assert!(!glob_match("api2", "api"));
        assert!(glob_match("api*", "api"));
        assert!(glob_match("api*", "api-server"));
        assert!(glob_match("*server", "api-server"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(glob_match("a*b*c", "abc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("py?hon3", "python3"));
        assert!(!glob_match("py?hon3", "pyhon3"));
        assert!(glob_match("?", "é"));
        assert!(!glob_match("?", ""));
        assert!(glob_match("**a", "a"));
        assert!(glob_match("*a*", "banana"));
        assert!(!glob_match("", "a"));
        assert!(glob_match("", ""));
        assert!(glob_match("a*", "a*b"));
        assert!(!glob_match("a?", "a"));
    }
}
