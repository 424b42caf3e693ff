//! `latency` (netem) and `bandwidth` (tbf) on an interface: qdiscs of chaosc's own.
//!
//! Upstream (what the device sends): a root qdisc on the device. It gets an explicit
//! handle in `c000:`–`cfff:` (derived from the run and step, moved on if the device
//! already uses it) and is added with `tc qdisc add`, never `replace`. A device whose root
//! qdisc is the kernel's default (handle `0:`: noqueue, pfifo_fast, fq_codel, mq …) is
//! fine: adding ours takes its place and deleting ours brings the default back. A device
//! with a root qdisc someone configured is refused: chaosc never replaces what it did
//! not create.
//!
//! Downstream (what the device receives): a qdisc only shapes what leaves a device, so
//! received packets are redirected to an `ifb` device of chaosc's own (`cki<hash>`, in the
//! same namespace) whose root qdisc is the fault: an `ingress` qdisc on the device with a
//! `u32` match-all filter whose `mirred` action redirects to the ifb. A device that
//! already has an ingress or clsact qdisc is refused.
//!
//! The revert deletes the root qdisc by handle (the kernel refuses a handle that does not
//! match) after checking its kind, the ingress qdisc only while its filter still
//! redirects to our ifb, and the ifb device only if it is an ifb with our name.

use std::time::Instant;

use serde_json::Value;

use super::super::evidence::{QdiscCounters, Shaping};
use super::super::{Active, Evidence, InjectError, Measurements, Prepared, Revert};
use super::tool;
use super::{hash, Iface};
use crate::inject::hold::Watch;
use crate::plan::Direction;

/// What the qdisc does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Netem { delay_ms: f64, jitter_ms: f64 },
    Tbf { bytes_per_second: f64 },
}

impl Shape {
    fn kind(&self) -> &'static str {
        match self {
            Shape::Netem { .. } => "netem",
            Shape::Tbf { .. } => "tbf",
        }
    }

    fn fault(&self) -> &'static str {
        match self {
            Shape::Netem { .. } => "latency",
            Shape::Tbf { .. } => "bandwidth",
        }
    }

    /// The qdisc's parameters, as `tc` takes them.
    fn args(&self) -> Vec<String> {
        let us = |ms: f64| format!("{}us", (ms * 1000.0).round().max(0.0) as u64);
        match *self {
            Shape::Netem {
                delay_ms,
                jitter_ms,
            } => {
                let mut a = vec!["delay".to_string(), us(delay_ms)];
                if jitter_ms > 0.0 {
                    a.push(us(jitter_ms));
                }
                a
            }
            Shape::Tbf { bytes_per_second } => {
                let (burst, latency_ms) = tbf_sizes(bytes_per_second);
                vec![
                    "rate".to_string(),
                    format!("{}bit", (bytes_per_second * 8.0).round() as u64),
                    "burst".to_string(),
                    burst.to_string(),
                    "latency".to_string(),
                    format!("{latency_ms}ms"),
                ]
            }
        }
    }

    fn words(&self) -> String {
        match *self {
            Shape::Netem {
                delay_ms,
                jitter_ms,
            } if jitter_ms > 0.0 => format!("netem delay {delay_ms} ms ± {jitter_ms} ms"),
            Shape::Netem { delay_ms, .. } => format!("netem delay {delay_ms} ms"),
            Shape::Tbf { bytes_per_second } => {
                format!("tbf rate {} bytes/s", bytes_per_second.round())
            }
        }
    }
}

/// tbf's bucket: 20 ms worth of the rate but at least 4 KiB (more than a full-size
/// frame, or nothing would ever pass), and a queue of at most 200 ms before tbf drops.
fn tbf_sizes(bytes_per_second: f64) -> (u64, u64) {
    let burst = ((bytes_per_second / 50.0).round() as u64).max(4096);
    (burst, 200)
}

pub fn prepare(
    iface: Iface,
    shape: Shape,
    direction: Direction,
    name: &str,
) -> Result<Box<dyn Prepared>, InjectError> {
    if let Shape::Tbf { bytes_per_second } = shape {
        if bytes_per_second.is_nan() || bytes_per_second < 1.0 {
            return Err(InjectError::new(format!(
                "a bandwidth of {bytes_per_second} bytes/s is too small to shape"
            )));
        }
    }
    let egress = direction != Direction::Downstream;
    let ingress = direction != Direction::Upstream;
    let qdiscs = show(&iface, false)?;
    if egress {
        if let Some(root) = qdiscs.iter().find(|q| q["root"] == true) {
            let handle = root["handle"].as_str().unwrap_or("?");
            if is_ours(handle) {
                return Err(InjectError::new(format!(
                    "{} already has the `{}` root qdisc of another chaosc fault (handle `{handle}`)",
                    iface.describe(),
                    root["kind"].as_str().unwrap_or("?")
                ))
                .with_help("one shaping fault per device and direction at a time: schedule them one after the other"));
            }
            if handle != "0:" {
                return Err(InjectError::new(format!(
                    "{} already has a `{}` root qdisc (handle `{handle}`) that chaosc did not create",
                    iface.describe(),
                    root["kind"].as_str().unwrap_or("?")
                ))
                .with_help("chaosc never replaces a qdisc it did not create: remove it yourself (`tc qdisc del dev DEV root`), choose another device, or write `direction: downstream`"));
            }
        }
    }
    let ifb = if ingress {
        super::capabilities::get().check(super::capabilities::Needs::Ifb, shape.fault())?;
        if let Some(q) = qdiscs.iter().find(|q| q["handle"] == "ffff:") {
            return Err(InjectError::new(format!(
                "{} already has an `{}` qdisc that chaosc did not create",
                iface.describe(),
                q["kind"].as_str().unwrap_or("?")
            ))
            .with_help("chaosc shapes what a device receives through its own ingress qdisc; remove that one yourself, or write `direction: upstream`"));
        }
        let ifb = format!("cki{:08x}", hash(name) as u32);
        let probe = tool::run(iface.place(), &["ip", "-o", "link", "show", "dev", &ifb])?;
        if probe.success {
            return Err(InjectError::new(format!(
                "a device `{ifb}` already exists{}",
                match &iface.netns {
                    Some(ns) => format!(" in network namespace `{ns}`"),
                    None => String::new(),
                }
            ))
            .with_help("a previous run left it behind: `chaosc recover REPORT_DIR` removes it"));
        }
        Some(ifb)
    } else {
        None
    };
    let used: Vec<&str> = qdiscs.iter().filter_map(|q| q["handle"].as_str()).collect();
    let start = (hash(name) % 0x1000) as u32;
    let handle = (0..0x1000u32)
        .map(|i| format!("{:x}:", 0xc000 + (start + i) % 0x1000))
        .find(|h| !used.contains(&h.as_str()))
        .unwrap_or_else(|| "c000:".to_string());
    Ok(Box::new(Qdisc {
        iface,
        shape,
        handle,
        egress,
        ifb,
    }))
}

/// A handle in chaosc's range `c000:`–`cfff:`.
fn is_ours(handle: &str) -> bool {
    handle.len() == 5
        && handle.starts_with('c')
        && handle.ends_with(':')
        && handle[1..4].chars().all(|c| c.is_ascii_hexdigit())
}

/// The qdiscs of the device (`tc -j [-s] qdisc show dev D`).
fn show(iface: &Iface, stats: bool) -> Result<Vec<Value>, InjectError> {
    let mut argv = vec!["tc", "-j"];
    if stats {
        argv.push("-s");
    }
    argv.extend(["qdisc", "show", "dev", iface.device.as_str()]);
    let out = tool::run_ok(iface.place(), &argv)?;
    // A device without any qdisc (a down veth) prints nothing at all.
    if out.stdout.trim().is_empty() {
        return Ok(Vec::new());
    }
    let json: Value = serde_json::from_str(&out.stdout).map_err(|e| {
        InjectError::new(format!("`tc -j` printed something that is not JSON: {e}"))
    })?;
    Ok(json.as_array().cloned().unwrap_or_default())
}

#[derive(Clone)]
struct Qdisc {
    iface: Iface,
    shape: Shape,
    /// The handle of chaosc's root qdisc(s), on the device and on the ifb.
    handle: String,
    /// A root qdisc on the device itself (upstream).
    egress: bool,
    /// The ifb device that received packets are redirected to (downstream).
    ifb: Option<String>,
}

fn root_with<'a>(qdiscs: &'a [Value], handle: &str) -> Option<&'a Value> {
    qdiscs
        .iter()
        .find(|q| q["root"] == true && q["handle"] == handle)
}

impl Qdisc {
    fn ifb_iface(&self) -> Option<Iface> {
        self.ifb.as_ref().map(|ifb| Iface {
            device: ifb.clone(),
            netns: self.iface.netns.clone(),
        })
    }

    /// The devices carrying a fault qdisc: `(label, device)`.
    fn shaped(&self) -> Vec<(&'static str, Iface)> {
        let mut out = Vec::new();
        if self.egress {
            out.push(("egress", self.iface.clone()));
        }
        if let Some(ifb) = self.ifb_iface() {
            out.push(("ingress", ifb));
        }
        out
    }

    /// Our qdisc on `qdiscs` (one device's) is there with the parameters asked.
    fn verify(&self, qdiscs: &[Value]) -> Result<(), String> {
        let Some(q) = root_with(qdiscs, &self.handle) else {
            return Err(format!("no root qdisc with handle `{}`", self.handle));
        };
        if q["kind"] != self.shape.kind() {
            return Err(format!(
                "the root qdisc `{}` is a `{}`, not a `{}`",
                self.handle,
                q["kind"].as_str().unwrap_or("?"),
                self.shape.kind()
            ));
        }
        let options = &q["options"];
        match self.shape {
            Shape::Netem { delay_ms, .. } => {
                // iproute2 prints the delay in seconds; older versions print no JSON
                // options at all, in which case kind and handle are what can be checked.
                if let Some(secs) = options["delay"]["delay"].as_f64() {
                    if (secs * 1000.0 - delay_ms).abs() > 0.01 + delay_ms * 0.01 {
                        return Err(format!(
                            "netem delays by {} ms, not {delay_ms} ms",
                            secs * 1000.0
                        ));
                    }
                }
            }
            Shape::Tbf { bytes_per_second } => {
                // tc prints tbf's rate in bytes per second.
                let Some(rate) = options["rate"].as_f64() else {
                    return Err("tbf shows no rate".to_string());
                };
                if (rate - bytes_per_second).abs() > 1.0 + bytes_per_second * 0.01 {
                    return Err(format!(
                        "tbf limits to {rate} bytes/s, not {bytes_per_second}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Everything is in place: each qdisc, and the redirect to the ifb.
    fn verify_all(&self) -> Result<Vec<(&'static str, Vec<Value>)>, String> {
        let mut seen = Vec::new();
        for (label, dev) in self.shaped() {
            let qdiscs = show(&dev, true).map_err(|e| e.message)?;
            self.verify(&qdiscs)
                .map_err(|why| format!("on {}: {why}", dev.describe()))?;
            seen.push((label, qdiscs));
        }
        if let Some(ifb) = &self.ifb {
            if !redirects_to(&self.iface, ifb).map_err(|e| e.message)? {
                return Err(format!(
                    "{} no longer redirects what it receives to `{ifb}`",
                    self.iface.describe()
                ));
            }
        }
        Ok(seen)
    }

    fn add_root(&self, dev: &Iface) -> Result<(), InjectError> {
        let mut argv: Vec<String> = ["tc", "qdisc", "add", "dev", &dev.device, "root", "handle"]
            .into_iter()
            .map(str::to_string)
            .collect();
        argv.push(self.handle.clone());
        argv.push(self.shape.kind().to_string());
        argv.extend(self.shape.args());
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        step(dev, &argv)
    }

    fn add_all(&self) -> Result<(), InjectError> {
        if let (Some(ifb), Some(ifb_dev)) = (&self.ifb, self.ifb_iface()) {
            step(&self.iface, &["ip", "link", "add", ifb, "type", "ifb"])?;
            step(&self.iface, &["ip", "link", "set", ifb, "up"])?;
            self.add_root(&ifb_dev)?;
            let dev = self.iface.device.as_str();
            step(
                &self.iface,
                &[
                    "tc", "qdisc", "add", "dev", dev, "handle", "ffff:", "ingress",
                ],
            )?;
            step(
                &self.iface,
                &[
                    "tc", "filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32",
                    "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb,
                ],
            )?;
        }
        if self.egress {
            self.add_root(&self.iface)?;
        }
        Ok(())
    }

    fn remove(&self) -> Result<(), InjectError> {
        revert(
            &self.iface,
            &self.handle,
            self.shape.kind(),
            self.egress,
            self.ifb.as_deref(),
        )
    }
}

/// Runs one command of the setup; its failure names the command and the device.
fn step(iface: &Iface, argv: &[&str]) -> Result<(), InjectError> {
    let out = tool::run(iface.place(), argv)?;
    if out.success {
        return Ok(());
    }
    Err(InjectError::new(format!(
        "`{}` failed on {}: {}",
        argv.join(" "),
        iface.describe(),
        out.reason()
    ))
    .with_help(
        "another qdisc may have been added since the preflight; `tc qdisc show dev DEV` shows them",
    ))
}

/// Whether an ingress filter of the device redirects to `ifb` (`tc -j filter show`).
fn redirects_to(iface: &Iface, ifb: &str) -> Result<bool, InjectError> {
    let out = tool::run_ok(
        iface.place(),
        &[
            "tc",
            "-j",
            "filter",
            "show",
            "dev",
            &iface.device,
            "ingress",
        ],
    )?;
    if out.stdout.trim().is_empty() {
        return Ok(false);
    }
    let filters: Value = serde_json::from_str(&out.stdout).map_err(|e| {
        InjectError::new(format!("`tc -j` printed something that is not JSON: {e}"))
    })?;
    Ok(filters
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| {
            f["options"]["actions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .any(|a| a["kind"] == "mirred" && a["to_dev"] == ifb))
}

impl Prepared for Qdisc {
    fn revert_record(&self) -> Revert {
        Revert::Qdisc(Box::new(super::QdiscRecord {
            netns: self.iface.netns.clone(),
            device: self.iface.device.clone(),
            handle: self.handle.clone(),
            qdisc: self.shape.kind().to_string(),
            egress: self.egress,
            ifb: self.ifb.clone(),
        }))
    }

    fn target_description(&self) -> String {
        self.iface.describe()
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        if let Err(e) = self.add_all() {
            let _ = self.remove();
            return Err(e);
        }
        if let Err(why) = self.verify_all() {
            let _ = self.remove();
            return Err(InjectError::new(format!(
                "the {} qdisc was not in place after it was added: {why}",
                self.shape.kind()
            )));
        }
        // Watched until the revert: a qdisc that someone replaced or removed halfway
        // did not hold.
        let watched = (*self).clone();
        let watch = Watch::start(super::WATCH_EVERY, move || watched.verify_all().map(|_| ())).ok();
        Ok(Box::new(Applied {
            qdisc: *self,
            since: Instant::now(),
            watch,
        }))
    }
}

struct Applied {
    qdisc: Qdisc,
    since: Instant,
    watch: Option<Watch>,
}

impl Active for Applied {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let held = self.watch.map(Watch::end);
        let q = &self.qdisc;
        let before = match held.as_ref().and_then(|h| h.lapse.clone()) {
            Some((at, why)) => Err(format!(
                "{why} ({:.0} ms after the apply; checked every {} ms)",
                at.as_secs_f64() * 1000.0,
                super::WATCH_EVERY.as_millis()
            )),
            None => q.verify_all(),
        };
        let wall = self.since.elapsed().as_secs_f64();
        q.remove()?;
        let mut measured = Shaping {
            wall_seconds: wall,
            held_ms: held.as_ref().map(|h| h.held().as_secs_f64() * 1000.0),
            ..Shaping::default()
        };
        let mut packets = 0;
        for (label, qdiscs) in before.as_deref().unwrap_or_default() {
            let Some(ours) = root_with(qdiscs, &q.handle) else {
                continue;
            };
            let bytes = ours["bytes"].as_u64();
            let counters = QdiscCounters {
                bytes,
                packets: ours["packets"].as_u64(),
                drops: ours["drops"].as_u64(),
                overlimits: ours["overlimits"].as_u64(),
                bytes_per_second: bytes.filter(|_| wall > 0.0).map(|b| b as f64 / wall),
            };
            packets += counters.packets.unwrap_or(0);
            if *label == "ingress" {
                measured.set_ingress(counters);
            } else {
                measured.set_egress(counters);
            }
        }
        match q.shape {
            Shape::Netem {
                delay_ms,
                jitter_ms,
            } => {
                measured.requested_delay_ms = Some(delay_ms);
                measured.requested_jitter_ms = Some(jitter_ms);
            }
            Shape::Tbf { bytes_per_second } => {
                measured.requested_bytes_per_second = Some(bytes_per_second);
            }
        }
        let directions = match (q.egress, &q.ifb) {
            (true, Some(ifb)) => format!("egress, and ingress through `{ifb}`"),
            (false, Some(ifb)) => format!("ingress through `{ifb}`"),
            _ => "egress".to_string(),
        };
        let summary = match &before {
            Ok(_) => format!(
                "{} (handle `{}`) on {} ({directions}) passed {packets} packets in {wall:.2} s",
                q.shape.words(),
                q.handle,
                q.iface.describe()
            ),
            Err(why) => format!(
                "the {} fault on {} changed while it was applied: {why}",
                q.shape.kind(),
                q.iface.describe()
            ),
        };
        Ok(Evidence {
            took_effect: before.is_ok(),
            summary,
            measurements: Measurements::Shaping(Box::new(measured)),
        })
    }
}

/// Undoes what a [`Qdisc`] added, checking each piece is still chaosc's: the root qdisc
/// `handle` of kind `kind` on the device (`egress`), the ingress redirect to `ifb` and
/// the ifb device itself. Nothing to do for what is already gone (namespace, device,
/// qdisc).
pub fn revert(
    iface: &Iface,
    handle: &str,
    kind: &str,
    egress: bool,
    ifb: Option<&str>,
) -> Result<(), InjectError> {
    if !iface.namespace_exists() {
        return Ok(());
    }
    let mut errors = Vec::new();
    if egress {
        if let Err(e) = delete_root(iface, handle, kind) {
            errors.push(e.message);
        }
    }
    if let Some(ifb) = ifb {
        if let Err(e) = delete_redirect(iface, ifb) {
            errors.push(e.message);
        }
        if let Err(e) = delete_ifb(iface, ifb) {
            errors.push(e.message);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InjectError::new(errors.join("; ")))
    }
}

/// The device's qdiscs, or `None` when the device is gone.
fn qdiscs_if_any(iface: &Iface) -> Result<Option<Vec<Value>>, InjectError> {
    let out = tool::run(
        iface.place(),
        &["tc", "-j", "qdisc", "show", "dev", &iface.device],
    )?;
    if !out.success {
        if out.stderr.contains("Cannot find device") {
            return Ok(None);
        }
        return Err(InjectError::new(format!(
            "cannot list the qdiscs of {}: {}",
            iface.describe(),
            out.reason()
        )));
    }
    if out.stdout.trim().is_empty() {
        return Ok(Some(Vec::new()));
    }
    serde_json::from_str(&out.stdout)
        .map(Some)
        .map_err(|e| InjectError::new(format!("`tc -j` printed something that is not JSON: {e}")))
}

fn delete_root(iface: &Iface, handle: &str, kind: &str) -> Result<(), InjectError> {
    let Some(qdiscs) = qdiscs_if_any(iface)? else {
        return Ok(());
    };
    let Some(root) = root_with(&qdiscs, handle) else {
        return Ok(());
    };
    if root["kind"] != kind {
        return Err(InjectError::new(format!(
            "the root qdisc `{handle}` of {} is a `{}`, not chaosc's `{kind}`: left alone",
            iface.describe(),
            root["kind"].as_str().unwrap_or("?")
        )));
    }
    let out = tool::run(
        iface.place(),
        &[
            "tc",
            "qdisc",
            "del",
            "dev",
            &iface.device,
            "root",
            "handle",
            handle,
        ],
    )?;
    if out.success {
        return Ok(());
    }
    Err(InjectError::new(format!(
        "cannot delete the {kind} qdisc `{handle}` of {}: {}",
        iface.describe(),
        out.reason()
    )))
}

/// Deletes the device's ingress qdisc while its filter redirects to our ifb: then it is
/// the one chaosc added (the preflight refused a device that had one).
fn delete_redirect(iface: &Iface, ifb: &str) -> Result<(), InjectError> {
    let Some(qdiscs) = qdiscs_if_any(iface)? else {
        return Ok(());
    };
    let ingress = qdiscs
        .iter()
        .any(|q| q["handle"] == "ffff:" && q["kind"] == "ingress");
    if !ingress || !redirects_to(iface, ifb)? {
        return Ok(());
    }
    let out = tool::run(
        iface.place(),
        &[
            "tc",
            "qdisc",
            "del",
            "dev",
            &iface.device,
            "handle",
            "ffff:",
            "ingress",
        ],
    )?;
    if out.success {
        return Ok(());
    }
    Err(InjectError::new(format!(
        "cannot delete the ingress qdisc of {}: {}",
        iface.describe(),
        out.reason()
    )))
}

/// Deletes the ifb device if it is one, with a name chaosc gives (`cki…`).
fn delete_ifb(iface: &Iface, ifb: &str) -> Result<(), InjectError> {
    if !ifb.starts_with("cki") {
        return Err(InjectError::new(format!(
            "refusing to delete device `{ifb}`: chaosc did not create it"
        )));
    }
    let out = tool::run(
        iface.place(),
        &["ip", "-j", "-d", "link", "show", "dev", ifb],
    )?;
    if !out.success {
        // Gone already.
        return Ok(());
    }
    let info: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    if info[0]["linkinfo"]["info_kind"] != "ifb" {
        return Err(InjectError::new(format!(
            "device `{ifb}` is not an ifb device: left alone"
        )));
    }
    let out = tool::run(iface.place(), &["ip", "link", "del", "dev", ifb])?;
    if out.success {
        return Ok(());
    }
    Err(InjectError::new(format!(
        "cannot delete the ifb device `{ifb}`: {}",
        out.reason()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netem_and_tbf_arguments() {
        let netem = Shape::Netem {
            delay_ms: 100.0,
            jitter_ms: 0.5,
        };
        assert_eq!(netem.args(), ["delay", "100000us", "500us"]);
        let plain = Shape::Netem {
            delay_ms: 20.0,
            jitter_ms: 0.0,
        };
        assert_eq!(plain.args(), ["delay", "20000us"]);
        let tbf = Shape::Tbf {
            bytes_per_second: 125_000.0,
        };
        assert_eq!(
            tbf.args(),
            ["rate", "1000000bit", "burst", "4096", "latency", "200ms"]
        );
        assert_eq!(tbf_sizes(10_000_000.0), (200_000, 200));
        assert!(is_ours("c3a9:") && is_ours("cfff:"));
        assert!(!is_ours("1:") && !is_ours("0:") && !is_ours("c3a9") && !is_ours("cxyz:"));
    }
}
