//! `packet_loss` and `blackhole` on an interface: an nftables `netdev` table of
//! chaosc's own per fault.
//!
//! The table (`chaosc_<run>_<step>_<hash>`) has one base chain per direction, hooked on
//! the device's `egress` (upstream) and/or `ingress` (downstream) at priority -500, so
//! packets are dropped before the user's own chains see them, and whether they are
//! addressed to this host or forwarded. Each chain has two rules: `counter` (every
//! packet, comment `seen`), then the drop with its own counter (comment `dropped`):
//! `numgen random mod 10000 < N counter drop` for a loss of N/100 %, `counter drop` for a
//! blackhole. The whole table is created in one `nft` transaction with `create`, which
//! fails if a table of that name exists: chaosc never adopts a table it did not make.
//! The revert deletes that table and nothing else.

use std::time::Instant;

use serde_json::Value;

use super::super::evidence::PacketDrop;
use super::super::{Active, Evidence, InjectError, Measurements, Prepared, Revert};
use super::tool::{self, Where};
use super::Iface;
use crate::inject::hold::Watch;
use crate::plan::Direction;

const FAMILY: &str = "netdev";
/// `numgen random mod SCALE`: loss rates with two decimals of a percent.
const SCALE: u32 = 10_000;

pub fn prepare(
    iface: Iface,
    loss_percent: Option<f64>,
    direction: Direction,
    name: &str,
) -> Result<Box<dyn Prepared>, InjectError> {
    if let Some(rate) = loss_percent {
        if !(0.0..=100.0).contains(&rate) {
            return Err(InjectError::new(format!(
                "a loss rate of {rate}% is outside 0–100%"
            )));
        }
    }
    if list(iface.place(), name)?.is_some() {
        return Err(InjectError::new(format!(
            "an nftables table `{FAMILY} {name}` already exists{}",
            match &iface.netns {
                Some(ns) => format!(" in network namespace `{ns}`"),
                None => String::new(),
            }
        ))
        .with_help("a previous run left it behind: `chaosc recover REPORT_DIR` removes it"));
    }
    Ok(Box::new(Table {
        iface,
        table: name.to_string(),
        threshold: loss_percent.map(threshold),
        loss_percent,
        direction,
    }))
}

/// `N` in `numgen random mod 10000 < N`.
fn threshold(rate_percent: f64) -> u32 {
    (rate_percent * f64::from(SCALE) / 100.0)
        .round()
        .clamp(0.0, f64::from(SCALE)) as u32
}

struct Table {
    iface: Iface,
    table: String,
    /// `None` for a blackhole.
    threshold: Option<u32>,
    loss_percent: Option<f64>,
    direction: Direction,
}

/// Chain names and hooks for a direction.
fn chains(direction: Direction) -> &'static [(&'static str, &'static str)] {
    match direction {
        Direction::Upstream => &[("upstream", "egress")],
        Direction::Downstream => &[("downstream", "ingress")],
        Direction::Both => &[("upstream", "egress"), ("downstream", "ingress")],
    }
}

impl Table {
    fn script(&self) -> String {
        let t = &self.table;
        let mut s = format!("create table {FAMILY} {t}");
        for (chain, hook) in chains(self.direction) {
            s.push_str(&format!(
                "; add chain {FAMILY} {t} {chain} {{ type filter hook {hook} device \"{dev}\" priority -500; policy accept; }}\
                 ; add rule {FAMILY} {t} {chain} counter comment \"seen\"",
                dev = self.iface.device
            ));
            let drop = match self.threshold {
                Some(n) => format!("numgen random mod {SCALE} < {n} counter drop"),
                None => "counter drop".to_string(),
            };
            s.push_str(&format!(
                "; add rule {FAMILY} {t} {chain} {drop} comment \"dropped\""
            ));
        }
        s
    }

    /// Checks that the table holds exactly the chains and rules asked.
    fn verify(&self, table: &[Value]) -> Result<(), String> {
        for (chain, hook) in chains(self.direction) {
            let found = table
                .iter()
                .filter_map(|v| v.get("chain"))
                .any(|c| c["name"] == *chain && c["hook"] == *hook && c["type"] == "filter");
            if !found {
                return Err(format!("chain `{chain}` on the {hook} hook is missing"));
            }
            let rules: Vec<&Value> = rules(table, chain).collect();
            let dropped = rules.iter().find(|r| r["comment"] == "dropped");
            let Some(dropped) = dropped else {
                return Err(format!("the drop rule of chain `{chain}` is missing"));
            };
            let exprs = dropped["expr"].as_array().cloned().unwrap_or_default();
            if !exprs.iter().any(|e| e.get("drop").is_some()) {
                return Err(format!("the rule of chain `{chain}` does not drop"));
            }
            if let Some(n) = self.threshold {
                let ok = exprs.iter().any(|e| {
                    let m = &e["match"];
                    m["op"] == "<"
                        && m["left"]["numgen"]["mode"] == "random"
                        && m["left"]["numgen"]["mod"] == SCALE
                        && m["right"] == n
                });
                if !ok {
                    return Err(format!(
                        "the rule of chain `{chain}` does not drop {n} packets in {SCALE}"
                    ));
                }
            }
            if !rules.iter().any(|r| r["comment"] == "seen") {
                return Err(format!("the counting rule of chain `{chain}` is missing"));
            }
        }
        Ok(())
    }
}

fn rules<'a>(table: &'a [Value], chain: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    table
        .iter()
        .filter_map(|v| v.get("rule"))
        .filter(move |r| r["chain"] == chain)
}

/// Packets counted by the rules with `comment` in every chain of the table.
fn counted(table: &[Value], comment: &str) -> u64 {
    table
        .iter()
        .filter_map(|v| v.get("rule"))
        .filter(|r| r["comment"] == comment)
        .flat_map(|r| r["expr"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["counter"]["packets"].as_u64())
        .sum()
}

/// The objects of table `name` (`nft -j list table`), `None` when it does not exist.
fn list(place: Where<'_>, name: &str) -> Result<Option<Vec<Value>>, InjectError> {
    let out = tool::run(place, &["nft", "-j", "list", "table", FAMILY, name])?;
    if !out.success {
        if missing(&out.stderr) {
            return Ok(None);
        }
        return Err(InjectError::new(format!(
            "cannot list the nftables table `{name}`: {}",
            out.reason()
        )));
    }
    let json: Value = serde_json::from_str(&out.stdout).map_err(|e| {
        InjectError::new(format!("`nft -j` printed something that is not JSON: {e}"))
    })?;
    Ok(Some(
        json["nftables"].as_array().cloned().unwrap_or_default(),
    ))
}

/// What nft says about a table that is not there.
fn missing(stderr: &str) -> bool {
    stderr.contains("No such file or directory")
}

impl Prepared for Table {
    fn lock_keys(&self) -> Vec<String> {
        vec![crate::inject::interface_key(
            self.iface.netns.as_deref(),
            &self.iface.device,
        )]
    }

    fn revert_record(&self) -> Revert {
        Revert::NftTable {
            netns: self.iface.netns.clone(),
            family: FAMILY.to_string(),
            table: self.table.clone(),
        }
    }

    fn target_description(&self) -> String {
        self.iface.describe()
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let place = self.iface.place();
        let script = self.script();
        let out = tool::run(place, &["nft", &script])?;
        if !out.success {
            // One transaction: nothing was created.
            return Err(InjectError::new(format!(
                "nft refused the rules for {}: {}",
                self.iface.describe(),
                out.reason()
            ))
            .with_help(format!("the rules were: {script}")));
        }
        let check = match list(place, &self.table) {
            Ok(Some(table)) => self.verify(&table),
            Ok(None) => Err("the table is not there".to_string()),
            Err(e) => Err(e.message),
        };
        if let Err(why) = check {
            let _ = revert(self.iface.netns.as_deref(), FAMILY, &self.table);
            return Err(InjectError::new(format!(
                "the nftables table `{}` was not in place after it was created: {why}",
                self.table
            )));
        }
        // Watched until the revert: a table that someone removed or changed halfway
        // did not hold.
        let (iface, name) = (self.iface.clone(), self.table.clone());
        let watch = Watch::start(super::WATCH_EVERY, move || {
            match list(iface.place(), &name) {
                Ok(None) => Err(format!(
                    "the nftables table `{name}` was removed by something else"
                )),
                _ => Ok(()),
            }
        })
        .ok();
        Ok(Box::new(Applied {
            table: *self,
            since: Instant::now(),
            watch,
        }))
    }
}

struct Applied {
    table: Table,
    since: Instant,
    watch: Option<Watch>,
}

impl Active for Applied {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let held = self.watch.map(Watch::end);
        let t = &self.table;
        let place = t.iface.place();
        if let Some((at, why)) = held.as_ref().and_then(|h| h.lapse.clone()) {
            revert(t.iface.netns.as_deref(), FAMILY, &t.table)?;
            return Ok(Evidence {
                took_effect: false,
                summary: format!(
                    "the fault did not hold: {why} {:.0} ms after the apply, on {} (checked every {} ms)",
                    at.as_secs_f64() * 1000.0,
                    t.iface.describe(),
                    super::WATCH_EVERY.as_millis()
                ),
                measurements: Measurements::PacketDrop(PacketDrop {
                    held_ms: Some(at.as_secs_f64() * 1000.0),
                    ..PacketDrop::default()
                }),
            });
        }
        let before = list(place, &t.table);
        let wall = self.since.elapsed().as_secs_f64();
        revert(t.iface.netns.as_deref(), FAMILY, &t.table)?;
        let table = match before? {
            Some(table) => table,
            None => {
                return Ok(Evidence {
                    took_effect: false,
                    summary: format!(
                        "the nftables table `{}` on {} was removed by something else before the fault ended",
                        t.table,
                        t.iface.describe()
                    ),
                    measurements: Measurements::PacketDrop(PacketDrop::default()),
                })
            }
        };
        let in_place = t.verify(&table);
        let seen = counted(&table, "seen");
        let dropped = counted(&table, "dropped");
        let share = if seen > 0 {
            dropped as f64 / seen as f64 * 100.0
        } else {
            0.0
        };
        let measured = PacketDrop {
            packets_seen: Some(seen),
            packets_dropped: Some(dropped),
            dropped_percent: Some(share),
            requested_percent: Some(t.loss_percent.unwrap_or(100.0)),
            wall_seconds: Some(wall),
            held_ms: None,
        };
        let what = match t.loss_percent {
            _ if seen == 0 => "saw no packet to drop".to_string(),
            Some(rate) => {
                format!("dropped {dropped} of {seen} packets ({share:.1}%, {rate}% asked)")
            }
            None => format!("dropped all {dropped} packets"),
        };
        let summary = match &in_place {
            Ok(()) => format!(
                "nftables table `{}` on {} ({}) {what} in {wall:.2} s",
                t.table,
                t.iface.describe(),
                direction_words(t.direction)
            ),
            Err(why) => format!(
                "the nftables table `{}` on {} changed while the fault was applied: {why}",
                t.table,
                t.iface.describe()
            ),
        };
        Ok(Evidence {
            took_effect: in_place.is_ok(),
            summary,
            measurements: Measurements::PacketDrop(measured),
        })
    }
}

fn direction_words(direction: Direction) -> &'static str {
    match direction {
        Direction::Upstream => "egress",
        Direction::Downstream => "ingress",
        Direction::Both => "ingress and egress",
    }
}

/// Deletes table `family table` if it exists; only tables chaosc names are touched.
pub fn revert(netns: Option<&str>, family: &str, table: &str) -> Result<(), InjectError> {
    if !table.starts_with("chaosc_") || family != FAMILY {
        return Err(InjectError::new(format!(
            "refusing to delete nftables table `{family} {table}`: chaosc did not create it"
        )));
    }
    let place = match netns {
        Some(ns) if !tool::netns_exists(ns) => return Ok(()),
        Some(ns) => Where::Netns(ns),
        None => Where::Here,
    };
    let out = tool::run(place, &["nft", "delete", "table", family, table])?;
    if out.success || missing(&out.stderr) {
        return Ok(());
    }
    Err(InjectError::new(format!(
        "cannot delete the nftables table `{family} {table}`: {}",
        out.reason()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_become_thresholds_out_of_ten_thousand() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(25.0), 2500);
        assert_eq!(threshold(0.01), 1);
        assert_eq!(threshold(33.333), 3333);
        assert_eq!(threshold(100.0), 10_000);
    }

    #[test]
    fn only_chaosc_tables_are_ever_deleted() {
        let e = revert(None, "inet", "filter").unwrap_err();
        assert!(e.message.contains("chaosc did not create it"), "{e:?}");
        let e = revert(None, "inet", "chaosc_x").unwrap_err();
        assert!(e.message.contains("chaosc did not create it"), "{e:?}");
    }

    #[test]
    fn the_script_is_one_transaction_per_direction() {
        let t = Table {
            iface: Iface {
                device: "veth0".into(),
                netns: None,
            },
            table: "chaosc_r_s_0".into(),
            threshold: Some(2500),
            loss_percent: Some(25.0),
            direction: Direction::Both,
        };
        let s = t.script();
        assert!(s.starts_with("create table netdev chaosc_r_s_0;"), "{s}");
        assert!(s.contains("hook egress device \"veth0\""), "{s}");
        assert!(s.contains("hook ingress device \"veth0\""), "{s}");
        assert_eq!(
            s.matches("numgen random mod 10000 < 2500 counter drop")
                .count(),
            2
        );
    }
}
