//! A plan as pretty JSON, its scenarios serialized on several cores.
//!
//! `serde_json`'s pretty printer writes a plan on one thread; a large file's plan is
//! hundreds of megabytes. Each scenario is printed on its own (on the cores, in
//! order), its lines indented to where it sits in the plan, and spliced between the
//! rest of the plan printed without scenarios. Pretty JSON has no line break inside a
//! string (they are escaped), so every line break is the printer's and re-indenting
//! is adding the indentation after each. The bytes equal `serde_json::to_writer_pretty`
//! (`tests/parallel_check.rs` compares them).

use super::{Plan, Scenario};
use std::io::Write;

/// Where the scenarios go in the plan printed without them: the top-level key, at the
/// indentation of a top-level key (a suite's `scenarios` is deeper).
const EMPTY_SCENARIOS: &[u8] = b"\n  \"scenarios\": []";

/// Writes `plan` as pretty JSON and a newline to `to`, on the cores when it is large.
pub fn write_pretty(plan: &mut Plan, to: &mut dyn Write) -> std::io::Result<()> {
    // A scenario is some 8 kB of JSON: shared among the cores as source text of that
    // size would be.
    let threads = crate::syntax::threads_for(plan.scenarios.len() * 8 * 1024);
    write_pretty_on(plan, to, threads)
}

/// [`write_pretty`] on up to `threads` threads, for tests that show the bytes do not
/// depend on it. The scenarios are taken out of `plan` while the rest is printed, and
/// put back.
pub fn write_pretty_on(plan: &mut Plan, to: &mut dyn Write, threads: usize) -> std::io::Result<()> {
    if threads <= 1 || plan.scenarios.len() < 2 {
        serde_json::to_writer_pretty(&mut *to, plan)?;
        return to.write_all(b"\n");
    }
    let scenarios = std::mem::take(&mut plan.scenarios);
    let skeleton = serde_json::to_vec_pretty(plan);
    plan.scenarios = scenarios;
    let skeleton = skeleton?;
    let Some(at) = find(&skeleton, EMPTY_SCENARIOS) else {
        // Not where a top-level key would be: print it all on this thread.
        serde_json::to_writer_pretty(&mut *to, plan)?;
        return to.write_all(b"\n");
    };
    let scenarios = &plan.scenarios;
    let run = scenarios.len().div_ceil(threads);
    let printed = crate::syntax::on_threads(scenarios.len().div_ceil(run), |k| {
        let end = ((k + 1) * run).min(scenarios.len());
        print_run(&scenarios[k * run..end])
    });
    let head = &skeleton[..at + EMPTY_SCENARIOS.len() - 1];
    to.write_all(head)?;
    to.write_all(b"\n    ")?;
    for (k, run) in printed.into_iter().enumerate() {
        if k > 0 {
            to.write_all(b",\n    ")?;
        }
        to.write_all(&run?)?;
    }
    to.write_all(b"\n  ]")?;
    to.write_all(&skeleton[at + EMPTY_SCENARIOS.len()..])?;
    to.write_all(b"\n")
}

/// Scenarios printed as consecutive elements of the plan's `scenarios` array: each
/// indented two levels, separated as the pretty printer separates them.
fn print_run(scenarios: &[Scenario]) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    for (k, scenario) in scenarios.iter().enumerate() {
        if k > 0 {
            out.extend_from_slice(b",\n    ");
        }
        let alone = serde_json::to_vec_pretty(scenario)?;
        for (n, line) in alone.split(|&b| b == b'\n').enumerate() {
            if n > 0 {
                out.extend_from_slice(b"\n    ");
            }
            out.extend_from_slice(line);
        }
    }
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
