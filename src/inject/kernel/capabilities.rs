//! What this host supports for kernel network faults, found by trying, not guessing.
//!
//! `/proc/modules` or `modprobe -n` cannot tell a built-in qdisc from a missing one, nor
//! see what a container's seccomp profile forbids, so each kernel feature is probed by
//! really using it in a fresh network namespace that dies with the probe command:
//! `tc qdisc add dev lo root … netem …` for netem, the same with `tbf`, and an nftables
//! `netdev` table with an ingress and an egress chain on `lo`. Nothing is left behind,
//! whatever happens to the runner. The result is computed once per process.

use serde::Serialize;
use std::sync::OnceLock;

use super::tool::{self, Where};

/// One feature: there, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feature {
    pub available: bool,
    /// What was found (a path, a version), or exactly why it is missing.
    pub detail: String,
}

impl Feature {
    fn yes(detail: impl Into<String>) -> Feature {
        Feature {
            available: true,
            detail: detail.into(),
        }
    }

    fn no(detail: impl Into<String>) -> Feature {
        Feature {
            available: false,
            detail: detail.into(),
        }
    }
}

/// Kernel network fault support on this host (`chaosc doctor`, preflight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// `CAP_NET_ADMIN`: change qdiscs and nftables.
    pub net_admin: Feature,
    /// `CAP_SYS_ADMIN`: enter or create a network namespace.
    pub sys_admin: Feature,
    pub ip: Feature,
    pub tc: Feature,
    pub nft: Feature,
    /// A new network namespace can be created (the probes need one).
    pub netns: Feature,
    /// The `netem` qdisc (`latency` on an interface).
    pub netem: Feature,
    /// The `tbf` qdisc (`bandwidth` on an interface).
    pub tbf: Feature,
    /// nftables `netdev` tables with ingress and egress hooks (`packet_loss`,
    /// `blackhole` on an interface).
    pub nftables: Feature,
    /// `ifb` devices, the `ingress` qdisc, the `u32` filter and the `mirred` action:
    /// `latency` and `bandwidth` on what an interface receives.
    pub ifb: Feature,
}

/// The host's capabilities, probed on first use and then cached for the process.
pub fn get() -> &'static Capabilities {
    static CACHE: OnceLock<Capabilities> = OnceLock::new();
    CACHE.get_or_init(detect)
}

/// Probes the host now (uncached).
pub fn detect() -> Capabilities {
    let cap = |bit, name: &str| {
        if tool::has_capability(bit) {
            Feature::yes(format!("{name} is in the effective set"))
        } else {
            Feature::no(format!(
                "this process lacks {name} (run `chaosc` as root, or grant it {name})"
            ))
        }
    };
    let net_admin = cap(tool::CAP_NET_ADMIN, "CAP_NET_ADMIN");
    let sys_admin = cap(tool::CAP_SYS_ADMIN, "CAP_SYS_ADMIN");
    let program = |name: &str, package: &str| match super::super::exec::find_program(name) {
        Some(path) => Feature::yes(format!("`{}`", path.display())),
        None => Feature::no(format!(
            "`{name}` was not found on PATH (install the `{package}` package)"
        )),
    };
    let ip = program("ip", "iproute2");
    let tc = program("tc", "iproute2");
    let nft = program("nft", "nftables");
    let netns = probe(&["ip", "link", "show", "lo"], &ip, "ip");
    let netns = match netns {
        Ok(()) => Feature::yes("a new network namespace can be created"),
        Err(why) => Feature::no(why),
    };
    let qdisc = |kind: &str, args: &[&str]| -> Feature {
        if !netns.available {
            return Feature::no(format!(
                "cannot probe for {kind}: {} (the probe runs in a new network namespace)",
                netns.detail
            ));
        }
        let mut argv = vec![
            "tc", "qdisc", "add", "dev", "lo", "root", "handle", "1:", kind,
        ];
        argv.extend_from_slice(args);
        match probe(&argv, &tc, "tc") {
            Ok(()) => Feature::yes(format!("`tc qdisc add … {kind}` works")),
            Err(why) => Feature::no(format!("the kernel has no sch_{kind}: {why}")),
        }
    };
    let netem = qdisc("netem", &["delay", "1ms"]);
    let tbf = qdisc(
        "tbf",
        &["rate", "1mbit", "burst", "32kbit", "latency", "100ms"],
    );
    let nftables = if netns.available {
        let script = "add table netdev chaosc_probe; \
             add chain netdev chaosc_probe i { type filter hook ingress device \"lo\" priority 0; }; \
             add chain netdev chaosc_probe e { type filter hook egress device \"lo\" priority 0; }; \
             add rule netdev chaosc_probe e numgen random mod 100 < 50 counter drop";
        match probe(&["nft", script], &nft, "nft") {
            Ok(()) => Feature::yes("netdev tables with ingress and egress hooks work"),
            Err(why) => Feature::no(format!(
                "nftables netdev ingress/egress hooks do not work here: {why}"
            )),
        }
    } else {
        Feature::no(format!(
            "cannot probe for nftables: {} (the probe runs in a new network namespace)",
            netns.detail
        ))
    };
    let ifb = if netns.available && ip.available && tc.available {
        match probe_ifb() {
            Ok(()) => Feature::yes("ifb devices with an ingress redirect work"),
            Err(why) => Feature::no(format!("ingress shaping does not work here: {why}")),
        }
    } else {
        Feature::no(format!(
            "cannot probe for ifb: {}",
            [&netns, &ip, &tc]
                .iter()
                .find(|f| !f.available)
                .map_or(String::new(), |f| f.detail.clone())
        ))
    };
    Capabilities {
        net_admin,
        sys_admin,
        ip,
        tc,
        nft,
        netns,
        netem,
        tbf,
        nftables,
        ifb,
    }
}

/// Several commands in one new namespace: it is held by a `sleep` child (killed when the
/// probe ends, and by `PR_SET_PDEATHSIG` if the runner dies), entered by its pid.
fn probe_ifb() -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new("sleep");
    cmd.arg("30")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: plain system calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0
                || libc::unshare(libc::CLONE_NEWNET) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut holder = cmd
        .spawn()
        .map_err(|e| format!("cannot start a process in a new network namespace: {e}"))?;
    let ns = format!("/proc/{}/ns/net", holder.id());
    let steps: [&[&str]; 4] = [
        &["ip", "link", "add", "ckiprobe", "type", "ifb"],
        &[
            "tc", "qdisc", "add", "dev", "lo", "handle", "ffff:", "ingress",
        ],
        &[
            "tc", "filter", "add", "dev", "lo", "parent", "ffff:", "protocol", "all", "u32",
            "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", "ckiprobe",
        ],
        &["ip", "link", "del", "ckiprobe"],
    ];
    let mut result = Ok(());
    for argv in steps {
        let shown = argv.join(" ");
        match tool::run(Where::Netns(&ns), argv) {
            Ok(out) if out.success => {}
            Ok(out) => {
                result = Err(format!("`{shown}` failed: {}", out.reason()));
                break;
            }
            Err(e) => {
                result = Err(e.message);
                break;
            }
        }
    }
    let _ = holder.kill();
    let _ = holder.wait();
    result
}

/// Runs one probe command in a fresh namespace; `Err` says exactly what failed.
fn probe(argv: &[&str], program: &Feature, name: &str) -> Result<(), String> {
    if !program.available {
        return Err(program.detail.clone());
    }
    let shown = argv.join(" ");
    match tool::run(Where::Fresh, argv) {
        Ok(out) if out.success => Ok(()),
        Ok(out) => Err(format!("`{shown}` failed: {}", out.reason())),
        Err(e) => Err(format!("cannot run `{name}`: {}", e.message)),
    }
}

/// A kernel feature a fault kind needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Netem,
    Tbf,
    Nftables,
    /// Shaping what a device receives.
    Ifb,
}

impl Capabilities {
    /// `Err` with the exact reason and the alternative when this host cannot apply a
    /// fault that needs `needs`.
    pub fn check(&self, needs: Needs, kind: &str) -> Result<(), super::super::InjectError> {
        use super::super::InjectError;
        let proxy_help = format!(
            "use a proxy target for `{kind}`: `proxy(listen: \"127.0.0.1:PORT\", upstream: \"HOST:PORT\")`; `chaosc doctor` lists what this host supports"
        );
        for (feature, what) in [
            (&self.net_admin, "CAP_NET_ADMIN"),
            (&self.sys_admin, "CAP_SYS_ADMIN"),
        ] {
            if !feature.available {
                return Err(InjectError::new(format!(
                    "`{kind}` on an interface needs {what}: {}",
                    feature.detail
                ))
                .with_help(proxy_help));
            }
        }
        let (tool, feature, what) = match needs {
            Needs::Netem => (&self.tc, &self.netem, "the netem qdisc"),
            Needs::Tbf => (&self.tc, &self.tbf, "the tbf qdisc"),
            Needs::Nftables => (&self.nft, &self.nftables, "nftables"),
            Needs::Ifb => (
                &self.ip,
                &self.ifb,
                "an ifb device to shape what it receives (`direction: downstream` or `both`)",
            ),
        };
        for f in [tool, feature] {
            if !f.available {
                return Err(InjectError::new(format!(
                    "`{kind}` on an interface needs {what}, which this host lacks: {}",
                    f.detail
                ))
                .with_help(proxy_help));
            }
        }
        Ok(())
    }
}

impl Capabilities {
    /// For `chaosc doctor`: each kernel fault on an interface and whether this host can
    /// apply it, with the exact reason and the alternative when not.
    pub fn interface_faults(&self) -> Vec<(&'static str, Result<(), String>)> {
        let words = |e: super::super::InjectError| match e.help {
            Some(help) => format!("{} (help: {help})", e.message),
            None => e.message,
        };
        let one = |needs: &[Needs], kind: &str| {
            needs
                .iter()
                .try_for_each(|n| self.check(*n, kind))
                .map_err(words)
        };
        vec![
            ("latency (upstream)", one(&[Needs::Netem], "latency")),
            (
                "latency (downstream, both)",
                one(&[Needs::Netem, Needs::Ifb], "latency"),
            ),
            ("bandwidth (upstream)", one(&[Needs::Tbf], "bandwidth")),
            (
                "bandwidth (downstream, both)",
                one(&[Needs::Tbf, Needs::Ifb], "bandwidth"),
            ),
            ("packet_loss", one(&[Needs::Nftables], "packet_loss")),
            ("blackhole", one(&[Needs::Nftables], "blackhole")),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_yes() -> Capabilities {
        let y = || Feature::yes("ok");
        Capabilities {
            net_admin: y(),
            sys_admin: y(),
            ip: y(),
            tc: y(),
            nft: y(),
            netns: y(),
            netem: y(),
            tbf: y(),
            nftables: y(),
            ifb: y(),
        }
    }

    #[test]
    fn a_missing_netem_says_use_a_proxy_target() {
        let mut caps = all_yes();
        caps.netem = Feature::no(
            "the kernel has no sch_netem: `tc …` failed: Error: Specified qdisc kind is unknown.",
        );
        let e = caps.check(Needs::Netem, "latency").unwrap_err();
        assert!(e.message.contains("needs the netem qdisc"), "{e:?}");
        assert!(
            e.message.contains("Specified qdisc kind is unknown"),
            "{e:?}"
        );
        assert!(e
            .help
            .as_deref()
            .unwrap_or("")
            .contains("use a proxy target"));
        assert!(caps.check(Needs::Tbf, "bandwidth").is_ok());
        assert!(caps.check(Needs::Nftables, "blackhole").is_ok());
    }

    #[test]
    fn doctor_lists_each_interface_fault_with_its_reason() {
        let mut caps = all_yes();
        caps.ifb = Feature::no("ingress shaping does not work here: `tc filter …` failed");
        let faults = caps.interface_faults();
        assert_eq!(faults.len(), 6);
        assert!(faults[0].1.is_ok());
        let down = faults[1].1.as_ref().unwrap_err();
        assert!(
            down.contains("ingress shaping does not work here"),
            "{down}"
        );
        assert!(down.contains("use a proxy target"), "{down}");
        assert!(faults[4].1.is_ok() && faults[5].1.is_ok());
    }

    #[test]
    fn privileges_come_first() {
        let mut caps = all_yes();
        caps.net_admin = Feature::no("this process lacks CAP_NET_ADMIN");
        let e = caps.check(Needs::Nftables, "blackhole").unwrap_err();
        assert!(e.message.contains("needs CAP_NET_ADMIN"), "{e:?}");
    }

    /// The real probe agrees with a direct attempt made by the test itself.
    #[test]
    fn the_probe_matches_a_direct_attempt() {
        let caps = detect();
        if !caps.netns.available {
            // Straight to stderr: libtest captures `eprintln!`, and a skip must show.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!(
                    "SKIPPED the_probe_matches_a_direct_attempt: {}\n",
                    caps.netns.detail
                )
                .as_bytes(),
            );
            return;
        }
        let direct = tool::run(
            Where::Fresh,
            &[
                "tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "1mbit", "burst",
                "32kbit", "latency", "50ms",
            ],
        )
        .map(|o| o.success)
        .unwrap_or(false);
        assert_eq!(caps.tbf.available, direct, "{caps:?}");
        eprintln!(
            "{}",
            serde_json::to_string_pretty(&caps).unwrap_or_default()
        );
    }
}
