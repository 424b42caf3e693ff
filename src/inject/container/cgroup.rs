//! A container's cgroups, found from its main process (`/proc/PID/cgroup`) and the
//! cgroup mounts this process sees (`/proc/self/mountinfo`): cgroup v1, v2 or both
//! (hybrid). Used to put stress workers into a container's cgroups and to read the
//! container's own CPU and memory accounting.

use std::path::{Path, PathBuf};

use crate::inject::InjectError;

/// One hierarchy the container belongs to.
#[derive(Debug, Clone, PartialEq)]
struct Dir {
    /// The `/proc/PID/cgroup` line (`4:memory:/docker/ID`), to recognise members.
    line: String,
    /// v1 controllers (`cpu`, `memory`, `name=systemd` …); empty for v2.
    controllers: Vec<String>,
    path: PathBuf,
}

/// The cgroup folders of a container.
#[derive(Debug, Clone, PartialEq)]
pub struct Cgroups {
    dirs: Vec<Dir>,
}

/// A cgroup mount: its hierarchy's root inside the mount, where, and v1 controllers.
struct Mount {
    root: String,
    point: PathBuf,
    v2: bool,
    options: Vec<String>,
}

fn mounts() -> Vec<Mount> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((before, after)) = line.split_once(" - ") else {
            continue;
        };
        let fields: Vec<&str> = before.split(' ').collect();
        let tail: Vec<&str> = after.split(' ').collect();
        let (Some(root), Some(point), Some(fstype)) = (fields.get(3), fields.get(4), tail.first())
        else {
            continue;
        };
        let v2 = *fstype == "cgroup2";
        if !v2 && *fstype != "cgroup" {
            continue;
        }
        out.push(Mount {
            root: unescape(root),
            point: PathBuf::from(unescape(point)),
            v2,
            options: tail
                .get(2)
                .map(|o| o.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        });
    }
    out
}

/// mountinfo escapes spaces and a few others as `\NNN` (octal).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let digits = std::str::from_utf8(&bytes[i + 1..i + 4]).ok();
            if let Some(v) = digits.and_then(|d| u8::from_str_radix(d, 8).ok()) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Cgroups {
    /// The cgroups of process `pid` (a container's main process).
    pub fn of_pid(pid: i64) -> Result<Cgroups, InjectError> {
        let file = format!("/proc/{pid}/cgroup");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| InjectError::new(format!("cannot read `{file}`: {e}")))?;
        let mounts = mounts();
        let mut dirs = Vec::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let mut parts = line.splitn(3, ':');
            let (Some(_), Some(ctrl), Some(path)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let controllers: Vec<String> = ctrl
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            let mount = mounts.iter().find(|m| {
                if controllers.is_empty() {
                    m.v2
                } else {
                    !m.v2 && controllers.iter().all(|c| m.options.contains(c))
                }
            });
            // A hierarchy that is not mounted here cannot be joined; it is skipped.
            let Some(mount) = mount else { continue };
            let Some(rest) = path.strip_prefix(mount.root.trim_end_matches('/')) else {
                return Err(InjectError::new(format!(
                    "the container's cgroup `{path}` is outside this process's view of the cgroup tree"
                ))
                .with_help("run `chaosc` in the host's cgroup namespace"));
            };
            dirs.push(Dir {
                line: line.to_string(),
                controllers,
                path: mount.point.join(rest.trim_start_matches('/')),
            });
        }
        if dirs.is_empty() {
            return Err(InjectError::new(format!(
                "no cgroup of process {pid} is mounted on this host"
            )));
        }
        Ok(Cgroups { dirs })
    }

    /// Whether this process may move processes into every one of the folders.
    pub fn check_writable(&self) -> Result<(), InjectError> {
        for dir in &self.dirs {
            let procs = dir.path.join("cgroup.procs");
            if let Err(e) = nix::unistd::access(&procs, nix::unistd::AccessFlags::W_OK) {
                return Err(InjectError::new(format!(
                    "cannot write `{}`: {}",
                    procs.display(),
                    e.desc().to_lowercase()
                ))
                .with_help("stress inside a container moves workers into its cgroups: run `chaosc` as root"));
            }
        }
        Ok(())
    }

    /// Moves process `pid` into every one of the container's cgroups.
    pub fn join(&self, pid: i32) -> Result<(), InjectError> {
        for dir in &self.dirs {
            let procs = dir.path.join("cgroup.procs");
            std::fs::write(&procs, pid.to_string()).map_err(|e| {
                InjectError::new(format!(
                    "cannot move process {pid} into `{}`: {e}",
                    procs.display()
                ))
            })?;
        }
        Ok(())
    }

    /// Whether process `pid` is in every one of the container's cgroups.
    pub fn contains(&self, pid: i32) -> bool {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/cgroup")) else {
            return false;
        };
        self.dirs.iter().all(|d| text.lines().any(|l| l == d.line))
    }

    fn dir_with(&self, controller: &str) -> Option<&Path> {
        self.dirs
            .iter()
            .find(|d| d.controllers.iter().any(|c| c == controller))
            .map(|d| d.path.as_path())
    }

    fn v2(&self) -> Option<&Path> {
        self.dirs
            .iter()
            .find(|d| d.controllers.is_empty())
            .map(|d| d.path.as_path())
    }

    /// CPU time used by the whole container so far, in seconds.
    pub fn cpu_seconds(&self) -> Option<f64> {
        if let Some(dir) = self.dir_with("cpuacct") {
            let ns: f64 = read(dir, "cpuacct.usage")?.trim().parse().ok()?;
            return Some(ns / 1e9);
        }
        let stat = read(self.v2()?, "cpu.stat")?;
        let usec: f64 = stat
            .lines()
            .find_map(|l| l.strip_prefix("usage_usec "))?
            .trim()
            .parse()
            .ok()?;
        Some(usec / 1e6)
    }

    /// The container's CPU limit in CPUs (`docker run --cpus`), if it has one.
    pub fn cpu_limit(&self) -> Option<f64> {
        if let Some(dir) = self.dir_with("cpu") {
            let quota: f64 = read(dir, "cpu.cfs_quota_us")?.trim().parse().ok()?;
            let period: f64 = read(dir, "cpu.cfs_period_us")?.trim().parse().ok()?;
            return (quota > 0.0 && period > 0.0).then_some(quota / period);
        }
        let max = read(self.v2()?, "cpu.max")?;
        let mut parts = max.split_whitespace();
        let quota: f64 = parts.next()?.parse().ok()?;
        let period: f64 = parts.next()?.parse().ok()?;
        (period > 0.0).then_some(quota / period)
    }

    /// Memory charged to the container now, in bytes.
    pub fn memory_bytes(&self) -> Option<u64> {
        if let Some(dir) = self.dir_with("memory") {
            return read(dir, "memory.usage_in_bytes")?.trim().parse().ok();
        }
        read(self.v2()?, "memory.current")?.trim().parse().ok()
    }
}

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_escapes_are_undone() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/plain"), "/plain");
        assert_eq!(unescape("/end\\"), "/end\\");
    }

    #[test]
    fn this_process_has_cgroups_it_belongs_to() {
        let pid = std::process::id();
        let Ok(cg) = Cgroups::of_pid(i64::from(pid)) else {
            // No cgroup mounted at all (some sandboxes): nothing to check.
            return;
        };
        assert!(cg.contains(pid as i32));
    }
}
