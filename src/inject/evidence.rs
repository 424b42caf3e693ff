//! Measured proof that a fault took effect, never assumed: one structure per fault
//! family, so an injector cannot misspell a measurement and a consumer reads a pid as
//! the integer it is.
//!
//! In `results.json` the measurements stay what they always were, an object of named
//! numbers (`"measurements": {"cpu_seconds": 0.98, "workers": 2}`): each structure is
//! serialized flat, its optional figures only when measured, and counts, byte sizes and
//! pids as integers. Which structure a step's evidence is follows from the step's
//! `kind`; reading one back tries each structure in turn (each has required figures no
//! other has, or refuses figures it does not know); what none of them reads (evidence
//! written by an earlier build, with every figure a float) is kept as named numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Measured proof that a fault took effect, never assumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// `false` makes the scenario `error` ("fault did not take effect").
    pub took_effect: bool,
    /// One sentence for the reports, e.g. "2 workers burnt 0.98 CPU-seconds in 1.00 s
    /// (49.1% of the 2 × 50% asked)".
    pub summary: String,
    /// The raw measurements, each named with its unit.
    pub measurements: Measurements,
}

/// What an injector measured, by fault family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Measurements {
    CpuStress(CpuStress),
    MemoryStress(MemoryStress),
    DiskStress(DiskStress),
    ProcessKill(ProcessKill),
    ProcessPause(ProcessPause),
    Exec(Exec),
    ContainerAction(ContainerAction),
    PacketDrop(PacketDrop),
    /// Boxed: the largest structure.
    Shaping(Box<Shaping>),
    /// Boxed: a large structure.
    ProxyFault(Box<ProxyFault>),
    /// Named numbers, each with its unit: what a `results.json` written by an earlier
    /// build may hold for a fault it measured otherwise.
    Named(BTreeMap<String, f64>),
}

impl Measurements {
    /// Every measurement with its name, in name order (the `chaosc_step_evidence`
    /// metric has one series per measurement).
    pub fn named(&self) -> Vec<(String, f64)> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(fields)) => fields
                .into_iter()
                .filter_map(|(name, value)| Some((name, value.as_f64()?)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Measurements {
    /// One measurement by its name in `results.json`, if it was measured.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.named()
            .into_iter()
            .find_map(|(n, v)| (n == name).then_some(v))
    }
}

/// What a stress moved into a container's cgroups measured there (`cpu_stress`,
/// `memory_stress` and `disk_stress` on a container).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InContainer {
    /// How many of the workers were found in the container's cgroups.
    pub workers_in_container_cgroups: u64,
    /// The container's memory use when the fault ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_memory_bytes: Option<u64>,
    /// CPU time the container's cgroup used while the fault was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_cpu_seconds: Option<f64>,
    /// The container's CPU limit, in CPUs, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_cpu_limit: Option<f64>,
    /// How much the container's memory grew while a `memory_stress` ran (negative when
    /// it shrank).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_memory_growth_bytes: Option<i64>,
}

/// `cpu_stress`: the CPU time the workers burnt, from `/proc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CpuStress {
    pub cpu_seconds: f64,
    /// CPU time per worker over the wall time, in percent of one CPU.
    pub achieved_load_percent: f64,
    pub requested_load_percent: f64,
    pub wall_seconds: f64,
    pub workers: u64,
    #[serde(flatten)]
    pub container: Option<InContainer>,
}

/// `memory_stress`: what the workers held, from `/proc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MemoryStress {
    /// The largest resident size the workers reached together.
    pub peak_resident_bytes: u64,
    pub requested_bytes: u64,
    /// What should be resident by the end (less than requested while ramping).
    pub expected_bytes: u64,
    /// What the workers wrote to, page by page.
    pub touched_bytes: u64,
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
    pub workers: u64,
    #[serde(flatten)]
    pub container: Option<InContainer>,
}

/// `disk_stress`: what the workers wrote, and synced when asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DiskStress {
    pub bytes_written: u64,
    pub bytes_synced: u64,
    pub bytes_per_second: f64,
    pub wall_seconds: f64,
    pub workers: u64,
    #[serde(flatten)]
    pub container: Option<InContainer>,
}

/// `process_kill`: the signal's delivery, the processes observed gone, the restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessKill {
    /// The processes targeted.
    pub processes: u64,
    /// Those the signal was delivered to.
    pub delivered: u64,
    /// Those that had exited on their own before it was sent.
    pub already_gone: u64,
    /// The signal's number.
    pub signal: i32,
    /// For a signal meant to end a process: those observed gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exited: Option<u64>,
    /// When all of them were observed gone, after the signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exited_after_ms: Option<f64>,
    /// With `restart:`: when the parent had reaped them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaped_after_ms: Option<f64>,
    /// With `restart:`: the pid of the process started again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_pid: Option<u32>,
    /// It was still running this long after its start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_alive_after_ms: Option<f64>,
    /// Or it exited, with this status, after this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_exit_status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_exited_after_ms: Option<f64>,
}

impl ProcessKill {
    /// The signal's delivery; what was observed after it is added as it is measured.
    pub fn delivery(processes: u64, delivered: u64, already_gone: u64, signal: i32) -> Self {
        ProcessKill {
            processes,
            delivered,
            already_gone,
            signal,
            exited: None,
            exited_after_ms: None,
            reaped_after_ms: None,
            restart_pid: None,
            restart_alive_after_ms: None,
            restart_exit_status: None,
            restart_exited_after_ms: None,
        }
    }
}

/// `process_pause`: the processes' state in `/proc`, watched until SIGCONT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessPause {
    pub processes: u64,
    /// Those observed stopped (state `T`) after SIGSTOP.
    pub processes_stopped: u64,
    /// Those still stopped when the fault ended.
    pub stopped_at_end: u64,
    /// 1 when every process was observed stopped and the pause held, else 0.
    pub observed_state: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_observed_after_ms: Option<f64>,
    pub resumed_observed_after_ms: f64,
    /// How long the pause was watched, how long it held, and how often it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watched_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_checks: Option<u64>,
}

/// `exec`: the command's exit status and how long it and its revert ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exec {
    pub exit_status: i32,
    pub run_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revert_ms: Option<f64>,
}

/// `container_kill`, `container_restart`, `container_stop`, `container_pause`: the
/// containers' state read from docker after the call, and for the sustained ones,
/// watched until they run again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerAction {
    pub containers: u64,
    /// Those observed in the state the action leads to.
    pub containers_observed: u64,
    /// When the last of them was observed so, after the call.
    pub observed_after_ms: f64,
    /// The slowest docker API call.
    pub api_call_ms: f64,
    /// 1 when every container was observed so, else 0.
    pub observed_state: u8,
    /// `container_stop`: those still exited when the fault ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exited_at_end: Option<u64>,
    /// `container_pause`: those still paused when the fault ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at_end: Option<u64>,
    /// After the revert, when every container ran again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_again_after_ms: Option<f64>,
    /// How long the state held (until a lapse, else the whole window), how long it was
    /// watched, and how often it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watched_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_checks: Option<u64>,
}

impl ContainerAction {
    /// What was observed after the call; the sustained actions add the rest at revert.
    pub fn observed(
        containers: u64,
        containers_observed: u64,
        observed_after_ms: f64,
        api_call_ms: f64,
    ) -> Self {
        ContainerAction {
            containers,
            containers_observed,
            observed_after_ms,
            api_call_ms,
            observed_state: u8::from(containers > 0 && containers_observed == containers),
            exited_at_end: None,
            paused_at_end: None,
            running_again_after_ms: None,
            held_ms: None,
            watched_ms: None,
            state_checks: None,
        }
    }
}

/// `packet_loss` and `blackhole` on an interface: the nftables table's counters.
/// Absent figures: the table did not hold (`held_ms` only) or was gone (none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PacketDrop {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packets_seen: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packets_dropped: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_seconds: Option<f64>,
    /// When the table was found undone, after the apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_ms: Option<f64>,
}

/// `latency` and `bandwidth` on an interface: the qdisc's counters in each direction it
/// shaped (`egress` on the device, `ingress` through its ifb), read before the revert.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shaping {
    pub wall_seconds: f64,
    /// How long the qdisc was watched in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_packets: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_drops: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_overlimits: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_bytes_per_second: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_packets: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_drops: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_overlimits: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_bytes_per_second: Option<f64>,
    /// `latency`: what was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_delay_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_jitter_ms: Option<f64>,
    /// `bandwidth`: what was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_bytes_per_second: Option<f64>,
}

/// One direction's counters of a shaping qdisc.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QdiscCounters {
    pub bytes: Option<u64>,
    pub packets: Option<u64>,
    pub drops: Option<u64>,
    pub overlimits: Option<u64>,
    pub bytes_per_second: Option<f64>,
}

impl Shaping {
    /// The counters of what left the device.
    pub fn set_egress(&mut self, c: QdiscCounters) {
        self.egress_bytes = c.bytes;
        self.egress_packets = c.packets;
        self.egress_drops = c.drops;
        self.egress_overlimits = c.overlimits;
        self.egress_bytes_per_second = c.bytes_per_second;
    }

    /// The counters of what the device received (shaped on its ifb).
    pub fn set_ingress(&mut self, c: QdiscCounters) {
        self.ingress_bytes = c.bytes;
        self.ingress_packets = c.packets;
        self.ingress_drops = c.drops;
        self.ingress_overlimits = c.overlimits;
        self.ingress_bytes_per_second = c.bytes_per_second;
    }
}

/// Every fault on a proxy: the relays' counters while it was applied (the chunks and
/// bytes that went through, the connections), and the figures of that fault: `latency`
/// (`added_delay_*`, `late_*`), `packet_loss` (`stalled_*`), `bandwidth` (`paced_*`),
/// `blackhole` (`held_*`), `reset` (`connections_reset` …), as `docs/network.md` lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyFault {
    pub wall_seconds: f64,
    pub chunks: u64,
    pub bytes: u64,
    pub connections_open_at_apply: u64,
    pub connections_accepted: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_delay_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_jitter_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_per_chunk_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delayed_chunks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_delay_mean_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_delay_mean_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_delay_p50_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_delay_p99_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_delay_max_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_p50_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_p99_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_rate_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stalled_chunks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stalled_share_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_stalled_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_stalled_high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_stall_mean_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_stall_p99_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_bytes_per_second: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paced_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paced_slices: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved_bytes_per_second: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_chunks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_chunks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longest_hold_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_decided: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_reset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_share_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_reset_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_reset_high: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(m: Measurements) {
        let json = serde_json::to_string(&m).expect("serializes");
        let back: Measurements = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, m, "{json}");
        // Always an object of named numbers, as before the structures.
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert!(
            value
                .as_object()
                .is_some_and(|o| o.values().all(serde_json::Value::is_number)),
            "{json}"
        );
    }

    fn in_container(growth: Option<i64>) -> Option<InContainer> {
        Some(InContainer {
            workers_in_container_cgroups: 2,
            container_memory_bytes: Some(1 << 20),
            container_cpu_seconds: Some(0.5),
            container_cpu_limit: None,
            container_memory_growth_bytes: growth,
        })
    }

    #[test]
    fn every_structure_reads_back_as_itself() {
        for container in [None, in_container(None)] {
            round_trip(Measurements::CpuStress(CpuStress {
                cpu_seconds: 0.98,
                achieved_load_percent: 49.1,
                requested_load_percent: 50.0,
                wall_seconds: 1.0,
                workers: 2,
                container: container.clone(),
            }));
            round_trip(Measurements::DiskStress(DiskStress {
                bytes_written: 1 << 20,
                bytes_synced: 0,
                bytes_per_second: 1e6,
                wall_seconds: 1.0,
                workers: 1,
                container,
            }));
        }
        for container in [None, in_container(Some(-4096))] {
            round_trip(Measurements::MemoryStress(MemoryStress {
                peak_resident_bytes: 1 << 28,
                requested_bytes: 1 << 28,
                expected_bytes: 1 << 28,
                touched_bytes: 1 << 28,
                cpu_seconds: 0.1,
                wall_seconds: 1.0,
                workers: 1,
                container,
            }));
        }
        let kill = ProcessKill::delivery(1, 1, 0, 9);
        round_trip(Measurements::ProcessKill(kill.clone()));
        round_trip(Measurements::ProcessKill(ProcessKill {
            exited: Some(1),
            exited_after_ms: Some(1.5),
            reaped_after_ms: Some(0.2),
            restart_pid: Some(4242),
            restart_alive_after_ms: Some(500.0),
            ..kill
        }));
        let pause = ProcessPause {
            processes: 1,
            processes_stopped: 1,
            stopped_at_end: 1,
            observed_state: 1,
            stopped_observed_after_ms: None,
            resumed_observed_after_ms: 0.3,
            watched_ms: None,
            held_ms: None,
            state_checks: None,
        };
        round_trip(Measurements::ProcessPause(pause.clone()));
        round_trip(Measurements::ProcessPause(ProcessPause {
            stopped_observed_after_ms: Some(0.4),
            watched_ms: Some(1000.0),
            held_ms: Some(1000.0),
            state_checks: Some(50),
            ..pause
        }));
        round_trip(Measurements::Exec(Exec {
            exit_status: 0,
            run_ms: 3.0,
            revert_ms: None,
        }));
        round_trip(Measurements::Exec(Exec {
            exit_status: 0,
            run_ms: 3.0,
            revert_ms: Some(2.0),
        }));
        let action = ContainerAction::observed(2, 2, 12.0, 30.0);
        round_trip(Measurements::ContainerAction(action.clone()));
        round_trip(Measurements::ContainerAction(ContainerAction {
            paused_at_end: Some(2),
            running_again_after_ms: Some(40.0),
            held_ms: Some(1000.0),
            watched_ms: Some(1000.0),
            state_checks: Some(50),
            ..action
        }));
        round_trip(Measurements::PacketDrop(PacketDrop::default()));
        round_trip(Measurements::PacketDrop(PacketDrop {
            held_ms: Some(300.0),
            ..PacketDrop::default()
        }));
        round_trip(Measurements::PacketDrop(PacketDrop {
            packets_seen: Some(100),
            packets_dropped: Some(30),
            dropped_percent: Some(30.0),
            requested_percent: Some(30.0),
            wall_seconds: Some(1.0),
            held_ms: None,
        }));
        // A shaping fault's figures are not mistaken for a packet drop's.
        let mut shaping = Shaping {
            wall_seconds: 1.0,
            held_ms: Some(1000.0),
            requested_delay_ms: Some(100.0),
            requested_jitter_ms: Some(0.0),
            ..Shaping::default()
        };
        round_trip(Measurements::Shaping(Box::new(shaping.clone())));
        shaping.set_ingress(QdiscCounters {
            bytes: Some(4096),
            packets: Some(4),
            drops: Some(0),
            overlimits: Some(1),
            bytes_per_second: Some(4096.0),
        });
        round_trip(Measurements::Shaping(Box::new(shaping)));
        round_trip(Measurements::Shaping(Box::new(Shaping {
            wall_seconds: 1.0,
            requested_bytes_per_second: Some(1e6),
            ..Shaping::default()
        })));
        let proxy = ProxyFault {
            wall_seconds: 1.0,
            chunks: 10,
            bytes: 4096,
            connections_open_at_apply: 1,
            connections_accepted: 0,
            ..ProxyFault::default()
        };
        round_trip(Measurements::ProxyFault(Box::new(ProxyFault {
            requested_delay_ms: Some(100.0),
            delayed_chunks: Some(10),
            added_delay_p50_ms: Some(100.2),
            ..proxy.clone()
        })));
        round_trip(Measurements::ProxyFault(Box::new(ProxyFault {
            connections_decided: Some(10),
            connections_reset: Some(3),
            reset_share_percent: Some(30.0),
            ..proxy
        })));
        round_trip(Measurements::Named(BTreeMap::from([
            ("wall_seconds".to_string(), 1.0),
            ("chunks".to_string(), 10.0),
            ("bytes".to_string(), 4096.0),
        ])));
    }

    #[test]
    fn evidence_written_with_float_counts_is_read_as_named_numbers() {
        // Earlier builds wrote every figure as a float (`"workers": 2.0`).
        let old = r#"{"cpu_seconds": 0.98, "achieved_load_percent": 49.1,
            "requested_load_percent": 50.0, "wall_seconds": 1.0, "workers": 2.0}"#;
        let m: Measurements = serde_json::from_str(old).expect("reads");
        assert!(matches!(m, Measurements::Named(_)), "{m:?}");
        assert_eq!(m.get("workers"), Some(2.0));
    }

    #[test]
    fn a_pid_is_an_integer_in_json() {
        let m = Measurements::ProcessKill(ProcessKill {
            restart_pid: Some(4242),
            ..ProcessKill::delivery(1, 1, 0, 15)
        });
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["restart_pid"], serde_json::json!(4242));
        assert!(json["restart_pid"].is_u64());
        assert!(m.named().contains(&("restart_pid".to_string(), 4242.0)));
    }
}
