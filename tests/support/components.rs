//! Components of the host that some tests need (`python3`, Docker, Chromium …): a test
//! whose component is missing says so visibly and returns, unless
//! `CHAOSC_TEST_REQUIRE` (comma-separated) names the component, in which case it fails.

#![allow(dead_code)] // each test binary uses some of these

/// Whether `CHAOSC_TEST_REQUIRE` (comma-separated) names `component`.
pub fn required(component: &str) -> bool {
    std::env::var("CHAOSC_TEST_REQUIRE")
        .unwrap_or_default()
        .split(',')
        .any(|c| c.trim() == component)
}

/// `true` when the test can go on; otherwise says why it is skipped ([`skipped`]), or
/// panics when the component is required.
pub fn available(component: &str, present: bool, why_missing: &str) -> bool {
    if present {
        return true;
    }
    if required(component) {
        panic!("`{component}` is required by CHAOSC_TEST_REQUIRE but missing: {why_missing}");
    }
    skipped(&format!("`{component}` is missing: {why_missing}"));
    false
}

/// Says that the current test skips, and why, where a person sees it: straight on the
/// process's stderr (libtest captures only `eprintln!`, so this line shows in the plain
/// `cargo test` output), and appended to the file `CHAOSC_TEST_SKIP_LOG` names, which
/// `.ci/run` prints at the end of its test step.
pub fn skipped(reason: &str) {
    use std::io::Write as _;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("SKIPPED {test}: {reason}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Some(log) = std::env::var_os("CHAOSC_TEST_SKIP_LOG") {
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// Whether an executable is on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}
