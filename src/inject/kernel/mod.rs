//! Kernel network faults on `interface(DEV, netns: NS)` targets.
//!
//! `latency` is a `netem` qdisc and `bandwidth` a `tbf` qdisc at the root of the device
//! (what it sends); `packet_loss` and `blackhole` are nftables rules in a `netdev` table
//! of chaosc's own, hooked on the device's ingress and/or egress. Everything is done
//! with the `tc` and `nft` tools (argv, no shell; see [`tool`]), inside the namespace
//! when one is given. chaosc never replaces or deletes a qdisc or table it did not
//! create: the revert record names exactly what was added (qdisc kind and handle, table
//! name) and the revert checks it is still that before deleting it.
//!
//! Direction on an interface: `upstream` is what the device sends (egress), `downstream`
//! what it receives (ingress), `both` both. Received packets are shaped through an ifb
//! device (see [`tc`]).

pub mod capabilities;
mod nft;
mod tc;
pub mod tool;

use super::{Context, InjectError, Prepared};
use crate::plan::{Fault, Step, Target};
use capabilities::Needs;
use serde::{Deserialize, Serialize};
use tool::Where;

/// How often an applied qdisc or nftables table is checked to be still in place.
pub const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// A device, in a namespace or in the runner's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    pub device: String,
    pub netns: Option<String>,
}

impl Iface {
    pub fn place(&self) -> Where<'_> {
        match &self.netns {
            Some(ns) => Where::Netns(ns),
            None => Where::Here,
        }
    }

    /// `interface `veth0` in network namespace `blue``, for reports.
    pub fn describe(&self) -> String {
        match &self.netns {
            Some(ns) => format!("interface `{}` in network namespace `{ns}`", self.device),
            None => format!("interface `{}`", self.device),
        }
    }

    /// `false` when the namespace is gone: everything that was in it is gone too, so a
    /// revert has nothing left to do.
    fn namespace_exists(&self) -> bool {
        self.netns.as_deref().is_none_or(tool::netns_exists)
    }
}

/// Prepares a `latency`, `packet_loss`, `bandwidth` or `blackhole` step on an
/// `interface` target, changing nothing.
pub fn prepare(step: &Step, ctx: &Context) -> Result<Box<dyn Prepared>, InjectError> {
    let Target::Interface { device, netns, .. } = &step.target else {
        return Err(InjectError::new(format!(
            "`{}` on this target is not a kernel fault",
            step.fault.kind()
        )));
    };
    let resolve = super::process::resolve::text;
    let iface = Iface {
        device: resolve(device, "device")?,
        netns: netns.as_ref().map(|n| resolve(n, "netns")).transpose()?,
    };
    valid_device(&iface.device)?;
    if let Some(ns) = &iface.netns {
        valid_netns(ns)?;
    }
    let kind = step.fault.kind();
    let needs = match &step.fault {
        Fault::Latency { .. } => Needs::Netem,
        Fault::Bandwidth { .. } => Needs::Tbf,
        Fault::PacketLoss { .. } | Fault::Blackhole { .. } => Needs::Nftables,
        _ => {
            return Err(InjectError::new(format!(
                "`{kind}` faults do not act on an interface"
            )))
        }
    };
    capabilities::get().check(needs, kind)?;
    if let Some(ns) = &iface.netns {
        if !tool::netns_exists(ns) {
            return Err(
                InjectError::new(format!("network namespace `{ns}` does not exist"))
                    .with_help("create it with `ip netns add NAME`, or check `ip netns list`"),
            );
        }
    }
    device_exists(&iface)?;
    let name = object_name(&ctx.run_id, &step.name);
    match &step.fault {
        Fault::Latency {
            delay_ms,
            jitter_ms,
            direction,
        } => tc::prepare(
            iface,
            // `latency` is what a round trip gains, on an interface as through the proxy:
            // with `both`, each direction gets half of the delay and of the jitter.
            tc::Shape::Netem {
                delay_ms: *delay_ms * per_direction(*direction),
                jitter_ms: *jitter_ms * per_direction(*direction),
            },
            *direction,
            &name,
        ),
        Fault::Bandwidth {
            bytes_per_second,
            direction,
        } => tc::prepare(
            iface,
            tc::Shape::Tbf {
                bytes_per_second: *bytes_per_second,
            },
            *direction,
            &name,
        ),
        Fault::PacketLoss {
            rate_percent,
            direction,
        } => nft::prepare(iface, Some(*rate_percent), *direction, &name),
        Fault::Blackhole { direction } => nft::prepare(iface, None, *direction, &name),
        _ => Err(InjectError::new(format!(
            "`{kind}` faults do not act on an interface"
        ))),
    }
}

/// How to undo a shaping fault on `device` (in `netns`, a name or a path): with
/// `egress`, delete its root qdisc `handle` if still of kind `qdisc` (`netem`, `tbf`);
/// with `ifb`, delete its ingress qdisc if it redirects to that ifb, then the ifb device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QdiscRecord {
    pub netns: Option<String>,
    pub device: String,
    pub handle: String,
    pub qdisc: String,
    pub egress: bool,
    pub ifb: Option<String>,
}

/// Reverts a qdisc record (see [`super::Revert::Qdisc`]).
pub fn revert_qdisc(record: &QdiscRecord) -> Result<(), InjectError> {
    let iface = Iface {
        device: record.device.clone(),
        netns: record.netns.clone(),
    };
    tc::revert(
        &iface,
        &record.handle,
        &record.qdisc,
        record.egress,
        record.ifb.as_deref(),
    )
}

/// Reverts an nftables record (see [`super::Revert::NftTable`]).
pub fn revert_table(netns: Option<&str>, family: &str, table: &str) -> Result<(), InjectError> {
    nft::revert(netns, family, table)
}

/// Linux device names: at most 15 bytes, no `/`, no whitespace; chaosc also refuses
/// quotes and the like so a name can never change the meaning of an nft command.
fn valid_device(device: &str) -> Result<(), InjectError> {
    let ok = !device.is_empty()
        && device.len() <= 15
        && device
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(
            InjectError::new(format!("`{device}` is not a valid interface name")).with_help(
                "give the device as `ip link` shows it, e.g. `eth0` or `veth1` (at most 15 letters, digits, `-`, `_`, `.`)",
            ),
        )
    }
}

fn valid_netns(netns: &str) -> Result<(), InjectError> {
    let ok = !netns.is_empty() && !netns.contains('\0') && netns != "." && netns != "..";
    if ok {
        Ok(())
    } else {
        Err(
            InjectError::new(format!("`{netns}` is not a network namespace name")).with_help(
                "give the name `ip netns list` shows, or a path like `/proc/PID/ns/net`",
            ),
        )
    }
}

fn device_exists(iface: &Iface) -> Result<(), InjectError> {
    let out = tool::run(
        iface.place(),
        &["ip", "-o", "link", "show", "dev", &iface.device],
    )?;
    if out.success {
        return Ok(());
    }
    let place = match &iface.netns {
        Some(ns) => format!("network namespace `{ns}`"),
        None => "this host".to_string(),
    };
    Err(
        InjectError::new(format!("there is no device `{}` in {place}", iface.device)).with_help(
            format!("`ip link show` lists the devices ({})", out.reason()),
        ),
    )
}

/// The name of what a step creates: `chaosc_<run>_<step>_<hash>`, letters, digits and
/// `_` only (nft identifiers), the hash telling apart names that sanitize alike.
pub fn object_name(run_id: &str, step: &str) -> String {
    let clean = |s: &str, max: usize| -> String {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(max)
            .collect()
    };
    format!(
        "chaosc_{}_{}_{:08x}",
        clean(run_id, 32),
        clean(step, 32),
        hash(&format!("{run_id}\0{step}")) as u32
    )
}

/// FNV-1a: a stable hash (the std one may change between releases).
pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The share of a `latency` each direction carries: all of it on one direction, half
/// on each with `both`.
fn per_direction(direction: crate::plan::Direction) -> f64 {
    match direction {
        crate::plan::Direction::Both => 0.5,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_nft_identifiers_and_distinct() {
        let a = object_name("2026-11-26T21:00:00Z", "blackhole#1");
        assert!(
            a.starts_with("chaosc_2026_11_26T21_00_00Z_blackhole_1_"),
            "{a}"
        );
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        assert_ne!(a, object_name("2026-11-26T21:00:00Z", "blackhole_1"));
        assert!(object_name(&"x".repeat(300), &"y".repeat(300)).len() < 90);
    }

    #[test]
    fn a_qdisc_record_reads_back_flat_and_strict() {
        let record = super::super::Revert::Qdisc(Box::new(QdiscRecord {
            netns: Some("blue".into()),
            device: "veth0".into(),
            handle: "c001:".into(),
            qdisc: "netem".into(),
            egress: true,
            ifb: None,
        }));
        let json = serde_json::to_string(&record).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"kind":"qdisc","netns":"blue","device":"veth0","handle":"c001:","qdisc":"netem","egress":true,"ifb":null}"#
        );
        let back: super::super::Revert = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, record);
        let extra = json.replace("\"ifb\":null", "\"ifb\":null,\"other\":1");
        assert!(serde_json::from_str::<super::super::Revert>(&extra).is_err());
    }

    #[test]
    fn device_names_that_could_inject_are_refused() {
        assert!(valid_device("veth0").is_ok());
        assert!(valid_device("eth0.100").is_ok());
        for bad in [
            "",
            "a\"b",
            "a b",
            "x;y",
            "sixteen-letters!",
            "a/b",
            "abcdefghijklmnop",
        ] {
            let e = valid_device(bad).unwrap_err();
            assert!(e.message.contains("is not a valid interface name"), "{bad}");
        }
    }
}
