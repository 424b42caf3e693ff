//! `latency` (netem) and `bandwidth` (tbf) on an interface: a root qdisc of chaosc's own.
//!
//! The qdisc gets an explicit handle in `c000:`–`cfff:` (derived from the run and step,
//! moved on if the device already uses it) and is added with `tc qdisc add`, never
//! `replace`. A device whose root qdisc is the kernel's default (handle `0:`: noqueue,
//! pfifo_fast, fq_codel, mq …) is fine: adding ours takes its place and deleting ours
//! brings the default back. A device with a root qdisc someone configured is refused:
//! chaosc never replaces what it did not create. The revert deletes the root qdisc by
//! handle (the kernel refuses a handle that does not match) after checking its kind.
//!
//! A root qdisc shapes what the device sends, so these faults take `direction:
//! upstream` only; shaping what a device receives needs an ifb device and a redirect,
//! which chaosc does not do (yet): put the fault on the sending side instead.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

use super::super::{Active, Evidence, InjectError, Prepared, Revert};
use super::tool;
use super::{hash, Iface};
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
    if direction != Direction::Upstream {
        return Err(InjectError::new(format!(
            "`{}` on an interface acts on what `{}` sends, not on what it receives",
            shape.fault(),
            iface.device
        ))
        .with_help(format!(
            "write `direction: upstream` (the default, `both`, is not possible here), and put another `{}` on the interface at the other end for the way back",
            shape.fault()
        )));
    }
    if let Shape::Tbf { bytes_per_second } = shape {
        if bytes_per_second.is_nan() || bytes_per_second < 1.0 {
            return Err(InjectError::new(format!(
                "a bandwidth of {bytes_per_second} bytes/s is too small to shape"
            )));
        }
    }
    let qdiscs = show(&iface, false)?;
    if let Some(root) = qdiscs.iter().find(|q| q["root"] == true) {
        let handle = root["handle"].as_str().unwrap_or("?");
        if handle != "0:" {
            return Err(InjectError::new(format!(
                "{} already has a `{}` root qdisc (handle `{handle}`) that chaosc did not create",
                iface.describe(),
                root["kind"].as_str().unwrap_or("?")
            ))
            .with_help("chaosc never replaces a qdisc it did not create: remove it yourself (`tc qdisc del dev DEV root`) or choose another device"));
        }
    }
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
    }))
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

struct Qdisc {
    iface: Iface,
    shape: Shape,
    handle: String,
}

impl Qdisc {
    fn ours<'a>(&self, qdiscs: &'a [Value]) -> Option<&'a Value> {
        qdiscs
            .iter()
            .find(|q| q["root"] == true && q["handle"] == self.handle.as_str())
    }

    /// The qdisc is ours and has the parameters asked.
    fn verify(&self, qdiscs: &[Value]) -> Result<(), String> {
        let Some(q) = self.ours(qdiscs) else {
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
}

impl Prepared for Qdisc {
    fn revert_record(&self) -> Revert {
        Revert::Qdisc {
            netns: self.iface.netns.clone(),
            device: self.iface.device.clone(),
            handle: self.handle.clone(),
            qdisc: self.shape.kind().to_string(),
        }
    }

    fn target_description(&self) -> String {
        self.iface.describe()
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let mut argv: Vec<String> = ["tc", "qdisc", "add", "dev", &self.iface.device]
            .into_iter()
            .map(str::to_string)
            .collect();
        argv.extend(["root", "handle", &self.handle, self.shape.kind()].map(str::to_string));
        argv.extend(self.shape.args());
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = tool::run(self.iface.place(), &argv)?;
        if !out.success {
            return Err(InjectError::new(format!(
                "`{}` failed on {}: {}",
                argv.join(" "),
                self.iface.describe(),
                out.reason()
            ))
            .with_help("another root qdisc may have been added since the preflight; `tc qdisc show dev DEV` shows them"));
        }
        let check = show(&self.iface, false)
            .map_err(|e| e.message)
            .and_then(|q| self.verify(&q));
        if let Err(why) = check {
            let _ = revert(&self.iface, &self.handle, self.shape.kind());
            return Err(InjectError::new(format!(
                "the {} qdisc on {} was not in place after it was added: {why}",
                self.shape.kind(),
                self.iface.describe()
            )));
        }
        Ok(Box::new(Applied {
            qdisc: *self,
            since: Instant::now(),
        }))
    }
}

struct Applied {
    qdisc: Qdisc,
    since: Instant,
}

impl Active for Applied {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let q = &self.qdisc;
        let before = show(&q.iface, true);
        let wall = self.since.elapsed().as_secs_f64();
        revert(&q.iface, &q.handle, q.shape.kind())?;
        let qdiscs = before?;
        let in_place = q.verify(&qdiscs);
        let mut measurements = BTreeMap::new();
        if let Some(ours) = q.ours(&qdiscs) {
            for key in ["bytes", "packets", "drops", "overlimits"] {
                if let Some(n) = ours[key].as_f64() {
                    measurements.insert(format!("qdisc_{key}"), n);
                }
            }
        }
        measurements.insert("wall_seconds".to_string(), wall);
        match q.shape {
            Shape::Netem {
                delay_ms,
                jitter_ms,
            } => {
                measurements.insert("requested_delay_ms".to_string(), delay_ms);
                measurements.insert("requested_jitter_ms".to_string(), jitter_ms);
            }
            Shape::Tbf { bytes_per_second } => {
                measurements.insert("requested_bytes_per_second".to_string(), bytes_per_second);
                if let Some(bytes) = measurements.get("qdisc_bytes").copied() {
                    if wall > 0.0 {
                        measurements.insert("sent_bytes_per_second".to_string(), bytes / wall);
                    }
                }
            }
        }
        let sent = measurements.get("qdisc_packets").copied().unwrap_or(0.0);
        let summary = match &in_place {
            Ok(()) => format!(
                "{} (handle `{}`) on {} sent {sent} packets in {wall:.2} s",
                q.shape.words(),
                q.handle,
                q.iface.describe()
            ),
            Err(why) => format!(
                "the {} qdisc on {} changed while the fault was applied: {why}",
                q.shape.kind(),
                q.iface.describe()
            ),
        };
        Ok(Evidence {
            took_effect: in_place.is_ok(),
            summary,
            measurements,
        })
    }
}

/// Deletes the root qdisc `handle` of the device if it is still a `kind` (chaosc's);
/// nothing to do when the namespace, the device or the qdisc is gone.
pub fn revert(iface: &Iface, handle: &str, kind: &str) -> Result<(), InjectError> {
    if !iface.namespace_exists() {
        return Ok(());
    }
    let out = tool::run(
        iface.place(),
        &["tc", "-j", "qdisc", "show", "dev", &iface.device],
    )?;
    if !out.success {
        if out.stderr.contains("Cannot find device") {
            return Ok(());
        }
        return Err(InjectError::new(format!(
            "cannot list the qdiscs of {}: {}",
            iface.describe(),
            out.reason()
        )));
    }
    let qdiscs: Vec<Value> = if out.stdout.trim().is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(&out.stdout).map_err(|e| {
            InjectError::new(format!("`tc -j` printed something that is not JSON: {e}"))
        })?
    };
    let Some(root) = qdiscs
        .iter()
        .find(|q| q["root"] == true && q["handle"] == handle)
    else {
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
    }
}
