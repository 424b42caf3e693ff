//! `memory_stress`: one worker that allocates `size` bytes of anonymous memory and
//! writes one byte to every page, so that the memory is resident and not just
//! reserved. With a ramp it touches a slice every [`RAMP_STEP`] so that the resident
//! size grows linearly over the ramp; then it holds the memory, blocked, using no CPU.
//!
//! Preflight refuses a size that does not fit in the memory available now (the lesser
//! of `MemAvailable` and the room left under this process's cgroup limit) minus a
//! safety margin: a stress test must never get the host, or the runner, OOM-killed.

use std::io::Write;
use std::time::{Duration, Instant};

use super::workers::Ended;
use crate::inject::evidence::{Evidence, Measurements, MemoryStress};
use crate::inject::InjectError;
use crate::shared::Bytes;

/// How often a ramping worker touches its next slice.
pub const RAMP_STEP: Duration = Duration::from_millis(100);

/// Memory kept free whatever the size: the larger of 256 MiB and 10% of what is
/// available.
pub fn margin(available: u64) -> u64 {
    (256 << 20).max(available / 10)
}

/// `MemAvailable` of `/proc/meminfo` in bytes.
pub fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut parts = line.split_whitespace().skip(1);
    let value: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") => value.checked_mul(1024),
        None => Some(value),
        Some(_) => None,
    }
}

/// The room left under a cgroup limit (`limit - usage`), `None` when unlimited.
fn cgroup_room(limit: &str, usage: &str) -> Option<u64> {
    let limit: u64 = limit.trim().parse().ok()?;
    let usage: u64 = usage.trim().parse().ok()?;
    // cgroup v1 spells "unlimited" as a huge page-aligned number.
    if limit >= 1 << 60 {
        return None;
    }
    Some(limit.saturating_sub(usage))
}

/// The least room under this process's memory cgroup and each of its ancestors
/// (cgroup v2), or under its v1 memory cgroup; `None` when unlimited or unknown.
fn cgroup_available() -> Option<u64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mut best: Option<u64> = None;
    let mut keep = |room: Option<u64>| {
        if let Some(r) = room {
            best = Some(best.map_or(r, |b| b.min(r)));
        }
    };
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next(), parts.next()?, parts.next()?);
        let path = path.trim_start_matches('/');
        if controllers.is_empty() {
            // v2: the limit of every ancestor applies.
            let mut dir = std::path::PathBuf::from("/sys/fs/cgroup").join(path);
            loop {
                let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
                if let (Some(max), Some(cur)) = (read("memory.max"), read("memory.current")) {
                    keep(cgroup_room(&max, &cur));
                }
                if !dir.pop() || !dir.starts_with("/sys/fs/cgroup") {
                    break;
                }
            }
        } else if controllers.split(',').any(|c| c == "memory") {
            // v1: the cgroup's own folder, or the mount's root when this namespace
            // shows the hierarchy from our cgroup down.
            for dir in [
                std::path::PathBuf::from("/sys/fs/cgroup/memory").join(path),
                std::path::PathBuf::from("/sys/fs/cgroup/memory"),
            ] {
                let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
                if let (Some(max), Some(cur)) =
                    (read("memory.limit_in_bytes"), read("memory.usage_in_bytes"))
                {
                    keep(cgroup_room(&max, &cur));
                    break;
                }
            }
        }
    }
    best
}

/// The memory a stress may take now: `MemAvailable`, lowered to the cgroup's room.
pub fn available() -> Result<u64, InjectError> {
    let meminfo = std::fs::read_to_string("/proc/meminfo")
        .map_err(|e| InjectError::new(format!("cannot read `/proc/meminfo`: {e}")))?;
    let host = parse_mem_available(&meminfo).ok_or_else(|| {
        InjectError::new("`/proc/meminfo` has no `MemAvailable` line")
            .with_help("memory_stress needs Linux 3.14 or later")
    })?;
    Ok(cgroup_available().map_or(host, |c| c.min(host)))
}

/// Refuses a size that would not leave the safety margin free.
pub fn preflight(size_bytes: u64, available: u64) -> Result<(), InjectError> {
    let limit = available.saturating_sub(margin(available));
    if size_bytes > limit {
        return Err(InjectError::new(format!(
            "`memory_stress` of {} does not fit: {} is available and {} must stay free",
            Bytes(size_bytes),
            Bytes(available),
            Bytes(margin(available)),
        ))
        .with_help(format!(
            "ask for at most {} (`size: {}MiB`), or free memory on this host first",
            Bytes(limit),
            limit >> 20
        )));
    }
    Ok(())
}

/// How many bytes should be touched after `step` ramp steps (1-based).
pub fn ramp_target(size: u64, ramp_ms: u64, step: u64) -> u64 {
    let steps = ramp_ms.div_ceil(RAMP_STEP.as_millis() as u64).max(1);
    if step >= steps {
        return size;
    }
    ((size as u128 * step as u128) / steps as u128) as u64
}

/// Worker side: allocates, touches, reports `touched BYTES` on stdout, holds.
pub fn run(size_bytes: u64, ramp_ms: u64) -> Result<(), String> {
    let size = usize::try_from(size_bytes)
        .map_err(|_| format!("{size_bytes} bytes do not fit in the address space"))?;
    let mut memory: Vec<u8> = Vec::new();
    memory
        .try_reserve_exact(size)
        .map_err(|e| format!("cannot allocate {}: {e}", Bytes(size_bytes)))?;
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|p| usize::try_from(p).ok())
        .filter(|p| *p > 0)
        .unwrap_or(4096);
    let spare = memory.spare_capacity_mut();
    let start = Instant::now();
    let mut touched = 0usize;
    let mut step = 0u64;
    let mut out = std::io::stdout();
    while touched < size {
        step += 1;
        let target = if ramp_ms == 0 {
            size
        } else {
            ramp_target(size_bytes, ramp_ms, step) as usize
        };
        // One write per page makes the kernel back it with real memory. The bytes are
        // never read, so leaving the rest uninitialised is fine.
        let mut offset = touched.div_ceil(page) * page;
        while offset < target.min(size) {
            spare[offset].write(1);
            offset += page;
        }
        touched = target.min(size);
        let _ = writeln!(out, "touched {touched}").and_then(|()| out.flush());
        if touched < size {
            let next = start + RAMP_STEP.saturating_mul(u32::try_from(step).unwrap_or(u32::MAX));
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
    }
    std::hint::black_box(&memory);
    // Hold: blocked, no CPU, until killed (or stdin closes).
    loop {
        std::thread::park();
    }
}

/// What a worker must have made resident after `seconds`: the whole size, or, when the
/// fault ends before its ramp does, what the ramp had reached (a step behind, for the
/// worker's start-up).
pub fn expected_bytes(size_bytes: u64, ramp_ms: u64, seconds: f64) -> u64 {
    if ramp_ms == 0 {
        return size_bytes;
    }
    let steps = (seconds * 1000.0 / RAMP_STEP.as_millis() as f64).max(0.0) as u64;
    ramp_target(size_bytes, ramp_ms, steps)
}

/// Peak resident size against what was expected ([`expected_bytes`]); it counts from
/// 90%.
pub fn evidence(ended: &[Ended], seconds: f64, size_bytes: u64, ramp_ms: u64) -> Evidence {
    let expected = expected_bytes(size_bytes, ramp_ms, seconds);
    let peak = ended
        .iter()
        .map(|e| e.peak_resident_bytes)
        .max()
        .unwrap_or(0);
    let touched = ended
        .iter()
        .filter_map(|e| e.counters.get("touched"))
        .max()
        .copied()
        .unwrap_or(0);
    let cpu: f64 = ended.iter().map(|e| e.cpu_seconds).sum();
    let took_effect = !ended.is_empty()
        && (peak as f64) >= 0.9 * expected as f64
        && ended.iter().all(|e| e.early_exit.is_none());
    let mut summary = format!(
        "the worker held up to {} resident of the {} asked ({:.1}%) for {seconds:.2} s, using {cpu:.2} CPU-seconds",
        Bytes(peak),
        Bytes(size_bytes),
        if size_bytes > 0 {
            peak as f64 / size_bytes as f64 * 100.0
        } else {
            100.0
        },
    );
    if expected < size_bytes {
        summary.push_str(&format!(
            " (the ramp had reached {} when the fault ended)",
            Bytes(expected)
        ));
    }
    for e in ended {
        if let Some(how) = &e.early_exit {
            summary.push_str(&format!("; worker {} {how}", e.pid));
        }
    }
    let measurements = Measurements::MemoryStress(MemoryStress {
        peak_resident_bytes: peak,
        requested_bytes: size_bytes,
        expected_bytes: expected,
        touched_bytes: touched,
        cpu_seconds: cpu,
        wall_seconds: seconds,
        workers: ended.len() as u64,
        container: None,
    });
    Evidence {
        took_effect,
        summary,
        measurements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn mem_available_is_read_in_bytes() {
        let meminfo = "MemTotal:       24731648 kB\nMemFree:         1561088 kB\nMemAvailable:   24159232 kB\n";
        assert_eq!(parse_mem_available(meminfo), Some(24159232 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(parse_mem_available("MemAvailable: lots kB\n"), None);
    }

    #[test]
    fn cgroup_room_ignores_unlimited() {
        assert_eq!(cgroup_room("max\n", "100\n"), None);
        assert_eq!(cgroup_room("9223372036854771712", "100"), None);
        assert_eq!(cgroup_room("1000", "100"), Some(900));
        assert_eq!(cgroup_room("100", "1000"), Some(0));
    }

    #[test]
    fn preflight_keeps_a_margin() {
        let gib = 1u64 << 30;
        // 8 GiB available: 10% (819 MiB) must stay free.
        assert!(preflight(7 * gib, 8 * gib).is_ok());
        let err = preflight(8 * gib - (512 << 20), 8 * gib).unwrap_err();
        assert!(err.message.contains("does not fit"), "{}", err.message);
        assert!(err.help.is_some_and(|h| h.contains("at most")));
        // 1 GiB available: 256 MiB must stay free.
        assert!(preflight(768 << 20, gib).is_ok());
        assert!(preflight((768 << 20) + 1, gib).is_err());
        assert!(preflight(1, 100 << 20).is_err());
    }

    #[test]
    fn the_ramp_grows_linearly_to_the_size() {
        // 1 s ramp = 10 steps of 100 ms.
        assert_eq!(ramp_target(1000, 1000, 1), 100);
        assert_eq!(ramp_target(1000, 1000, 5), 500);
        assert_eq!(ramp_target(1000, 1000, 10), 1000);
        assert_eq!(ramp_target(1000, 1000, 11), 1000);
        // A ramp shorter than a step is one step.
        assert_eq!(ramp_target(1000, 30, 1), 1000);
        assert_eq!(ramp_target(u64::MAX, 1000, 5), u64::MAX / 2);
    }

    #[test]
    fn a_ramp_cut_short_expects_what_it_reached() {
        let size = 1000 << 20;
        assert_eq!(expected_bytes(size, 0, 0.05), size);
        // 10 s ramp ended after 5 s: half.
        assert_eq!(expected_bytes(size, 10_000, 5.0), size / 2);
        assert_eq!(expected_bytes(size, 10_000, 60.0), size);
        let ended = Ended {
            pid: 1,
            cpu_seconds: 0.1,
            peak_resident_bytes: size / 2,
            counters: BTreeMap::new(),
            early_exit: None,
        };
        let ev = evidence(std::slice::from_ref(&ended), 5.0, size, 10_000);
        assert!(ev.took_effect, "{}", ev.summary);
        assert!(
            ev.summary.contains("the ramp had reached"),
            "{}",
            ev.summary
        );
        let ev = evidence(&[ended], 5.0, size, 0);
        assert!(!ev.took_effect, "half of an unramped size");
    }
}
