//! Shared helpers of the real-run tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

/// The `chaosc` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_chaosc");

pub fn bin() -> PathBuf {
    PathBuf::from(BIN)
}

static EXCLUSIVE: Mutex<()> = Mutex::new(());

/// Held by tests that measure CPU time or timing, so they run one at a time.
pub fn exclusive() -> MutexGuard<'static, ()> {
    EXCLUSIVE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether `CHAOSC_TEST_REQUIRE` (comma-separated) names `component`.
pub fn required(component: &str) -> bool {
    std::env::var("CHAOSC_TEST_REQUIRE")
        .unwrap_or_default()
        .split(',')
        .any(|c| c.trim() == component)
}

/// `true` when the test can go on; otherwise prints why it is skipped, or panics when
/// the component is required.
pub fn available(component: &str, present: bool, why_missing: &str) -> bool {
    if present {
        return true;
    }
    if required(component) {
        panic!("`{component}` is required by CHAOSC_TEST_REQUIRE but missing: {why_missing}");
    }
    eprintln!("skipped: `{component}` is missing: {why_missing}");
    false
}

/// Whether an executable is on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// CPU time (user + system) of a process so far, in seconds, from `/proc/PID/stat`.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    Some((utime + stime) / ticks)
}
