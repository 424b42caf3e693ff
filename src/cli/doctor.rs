//! `chaosc doctor`: what this host can do — Docker reachable (and its version),
//! privileges, cgroups, netem, nftables, stress-ng — and therefore which fault kinds
//! can run here. Human text or `--format json`. Changes nothing on the host.

use std::path::Path;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Globals, EXIT_OK};
use crate::inject::container::client::{endpoint, Client};

pub const EXAMPLES: &str = "\
Examples:
  chaosc doctor                  what this host offers, and the fault kinds it allows
  chaosc doctor --format json    the same, for scripts

Exit status: 0 (missing features are reported, not errors).";

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = DoctorFormat::Text)]
    pub format: DoctorFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    Text,
    Json,
}

/// Everything `doctor` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub docker: Docker,
    pub privileges: Privileges,
    pub cgroups: Cgroups,
    pub netem: Feature,
    pub nftables: Feature,
    pub stress_ng: StressNg,
    pub faults: Vec<FaultKind>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Docker {
    pub available: bool,
    /// The endpoint tried (`DOCKER_HOST` or the default socket).
    pub host: String,
    pub version: Option<String>,
    pub api_version: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Privileges {
    pub euid: u32,
    pub root: bool,
    /// The effective capabilities that matter to faults.
    pub cap_kill: bool,
    pub cap_net_admin: bool,
    pub cap_sys_admin: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cgroups {
    /// `v2`, `v1`, `hybrid` (v1 controllers with a v2 hierarchy beside) or `none`.
    pub version: String,
    /// The folder checked for write access.
    pub path: Option<String>,
    pub writable: bool,
}

/// A kernel feature, tested for real.
#[derive(Debug, Clone, Serialize)]
pub struct Feature {
    pub available: bool,
    /// How it was tested, and what happened.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StressNg {
    pub present: bool,
    pub path: Option<String>,
    /// Always `false`: chaosc stresses with its own workers.
    pub needed: bool,
}

/// One fault kind on one target kind, and whether this host allows it.
#[derive(Debug, Clone, Serialize)]
pub struct FaultKind {
    pub kind: String,
    pub target: String,
    pub available: bool,
    /// Available: what it relies on; not available: why not, with help.
    pub needs: String,
}

pub fn run(args: &DoctorArgs, globals: &Globals) -> i32 {
    let report = examine();
    match args.format {
        DoctorFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => super::out(&(json + "\n")),
            Err(e) => {
                super::error_line(globals, &format!("cannot encode the report as JSON: {e}"));
                return super::EXIT_USAGE;
            }
        },
        DoctorFormat::Text => super::out(&render(&report, globals.color_stdout)),
    }
    EXIT_OK
}

/// Looks at the host.
pub fn examine() -> Report {
    let docker = docker();
    let privileges = privileges();
    let cgroups = cgroups();
    let (netem, nftables) = kernel_features();
    let stress_ng = crate::inject::exec::find_program("stress-ng");
    let stress_ng = StressNg {
        present: stress_ng.is_some(),
        path: stress_ng.map(|p| p.display().to_string()),
        needed: false,
    };
    let faults = faults(&docker);
    Report {
        docker,
        privileges,
        cgroups,
        netem,
        nftables,
        stress_ng,
        faults,
    }
}

fn docker() -> Docker {
    let host = endpoint(None);
    match Client::connect(&host) {
        Ok(client) => Docker {
            available: true,
            host,
            version: Some(client.version.clone()),
            api_version: Some(client.api_version.clone()),
            error: None,
        },
        Err(e) => Docker {
            available: false,
            host,
            version: None,
            api_version: None,
            error: Some(e.message),
        },
    }
}

fn privileges() -> Privileges {
    let euid = nix::unistd::geteuid().as_raw();
    let caps = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(0);
    let has = |bit: u32| caps & (1u64 << bit) != 0;
    Privileges {
        euid,
        root: euid == 0,
        cap_kill: has(5),
        cap_net_admin: has(12),
        cap_sys_admin: has(21),
    }
}

fn cgroups() -> Cgroups {
    let root = Path::new("/sys/fs/cgroup");
    let v2_root = root.join("cgroup.controllers").exists();
    let v1 = root.join("cpu").is_dir() || root.join("memory").is_dir();
    let unified = root.join("unified/cgroup.controllers").exists();
    let (version, path) = if v2_root {
        ("v2", Some(root.to_path_buf()))
    } else if v1 && unified {
        ("hybrid", Some(root.join("cpu")))
    } else if v1 {
        ("v1", Some(root.join("cpu")))
    } else {
        ("none", None)
    };
    let writable = path
        .as_deref()
        .is_some_and(|p| nix::unistd::access(p, nix::unistd::AccessFlags::W_OK).is_ok());
    Cgroups {
        version: version.to_string(),
        path: path.map(|p| p.display().to_string()),
        writable,
    }
}

/// netem and nftables as the kernel injectors see them (`inject::kernel::capabilities`:
/// each tried for real in a throwaway network namespace, so nothing on the host changes).
pub fn kernel_features() -> (Feature, Feature) {
    let caps = crate::inject::kernel::capabilities::get();
    let feature = |f: &crate::inject::kernel::capabilities::Feature| Feature {
        available: f.available,
        detail: f.detail.clone(),
    };
    (feature(&caps.netem), feature(&caps.nftables))
}

fn faults(docker: &Docker) -> Vec<FaultKind> {
    let mut out = Vec::new();
    let mut add = |kind: &str, target: &str, available: bool, needs: &str| {
        out.push(FaultKind {
            kind: kind.to_string(),
            target: target.to_string(),
            available,
            needs: needs.to_string(),
        })
    };
    let own = "nothing (chaosc's own worker processes)";
    for kind in ["cpu_stress", "memory_stress", "disk_stress"] {
        add(kind, "host", true, own);
    }
    let signals = "signals: the process's user, or root";
    add("process_kill", "process", true, signals);
    add("process_pause", "process", true, signals);
    add("exec", "host", true, "nothing");
    let docker_needs = format!("a reachable Docker daemon at `{}`", docker.host);
    for kind in [
        "container_kill",
        "container_restart",
        "container_stop",
        "container_pause",
    ] {
        add(kind, "container", docker.available, &docker_needs);
    }
    for kind in ["latency", "packet_loss", "bandwidth", "blackhole", "reset"] {
        add(kind, "proxy", true, "nothing (a user-space proxy)");
    }
    // Interface faults: the kernel injectors' own verdicts, per fault and direction.
    for (kind, verdict) in crate::inject::kernel::capabilities::get().interface_faults() {
        match verdict {
            Ok(()) => add(
                kind,
                "interface",
                true,
                "root or CAP_NET_ADMIN, and the kernel features found",
            ),
            Err(why) => add(kind, "interface", false, &why),
        }
    }
    out
}

fn render(r: &Report, color: bool) -> String {
    use super::{paint, BOLD};
    let yes_no = |ok: bool| {
        if ok {
            paint("yes", "\x1b[32m", color)
        } else {
            paint("no ", super::RED_BOLD, color)
        }
    };
    let mut s = String::new();
    let d = &r.docker;
    s += &format!("{}\n", paint("Host", BOLD, color));
    match (&d.version, &d.error) {
        (Some(v), _) => {
            s += &format!(
                "  docker      {} {v} (API {}) at {}\n",
                yes_no(true),
                d.api_version.as_deref().unwrap_or("?"),
                d.host
            )
        }
        (None, e) => {
            s += &format!(
                "  docker      {} {}\n",
                yes_no(false),
                e.as_deref().unwrap_or("")
            )
        }
    }
    let p = &r.privileges;
    s += &format!(
        "  root        {} (euid {}; CAP_KILL {}, CAP_NET_ADMIN {}, CAP_SYS_ADMIN {})\n",
        yes_no(p.root),
        p.euid,
        yes_no(p.cap_kill),
        yes_no(p.cap_net_admin),
        yes_no(p.cap_sys_admin)
    );
    s += &format!(
        "  cgroups     {} {}\n",
        r.cgroups.version,
        match &r.cgroups.path {
            Some(path) if r.cgroups.writable => format!("(`{path}` writable)"),
            Some(path) => format!("(`{path}` not writable)"),
            None => String::new(),
        }
    );
    s += &format!(
        "  netem       {} {}\n",
        yes_no(r.netem.available),
        r.netem.detail
    );
    s += &format!(
        "  nftables    {} {}\n",
        yes_no(r.nftables.available),
        r.nftables.detail
    );
    s += &format!(
        "  stress-ng   {} (not needed: chaosc stresses with its own workers)\n",
        match &r.stress_ng.path {
            Some(path) => format!("present at `{path}`"),
            None => "absent".to_string(),
        }
    );
    s += &format!("\n{}\n", paint("Fault kinds on this host", BOLD, color));
    for f in &r.faults {
        // Available: what it relies on; not available: why not.
        let word = if f.available { "needs" } else { "no:" };
        s += &format!(
            "  {} {:<28} on {:<10} {word} {}\n",
            yes_no(f.available),
            f.kind,
            f.target,
            f.needs
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_kind_of_the_language_is_listed() {
        let r = examine();
        for kind in [
            "cpu_stress",
            "memory_stress",
            "disk_stress",
            "latency",
            "packet_loss",
            "bandwidth",
            "blackhole",
            "reset",
            "container_kill",
            "container_restart",
            "container_stop",
            "container_pause",
            "process_kill",
            "process_pause",
            "exec",
        ] {
            assert!(r.faults.iter().any(|f| f.kind == kind), "{kind}");
        }
        // Container kinds follow Docker's reachability, whatever it is here.
        let container = r.faults.iter().find(|f| f.kind == "container_stop");
        assert_eq!(container.map(|f| f.available), Some(r.docker.available));
    }
}
