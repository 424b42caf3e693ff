//! Diagnostic rendering at scale: `check`, the short and the human rendering of 1 000
//! to 50 000 diagnostics, and the whole process `chaosc check` on the same files. The
//! time per diagnostic must stay flat as their number grows (linear rendering). See
//! `docs/benchmarks.md`.
//!
//! `cargo bench --bench render`. Environment: `CHAOSC_BENCH_REPS` (repetitions per
//! measurement, default 3; the minimum is printed), `CHAOSC_BENCH_SIZES` (numbers of
//! diagnostics, default `1000,5000,12000,50000`).

use chaosc::check::check;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

#[path = "support/min_time.rs"]
mod min_time;
#[path = "support/no_files.rs"]
mod no_files;
use min_time::min_time;
use no_files::NoFiles;

/// Scenarios with two misspelt metric names each (`availabilty`, `latncy`): two
/// diagnostics per scenario, each with a "did you mean" help.
fn misspelt_metrics(diagnostics: usize) -> String {
    let groups = 50;
    let mut out = String::new();
    for g in 0..groups {
        let _ = writeln!(
            out,
            "probe health_{g} = http(\"http://127.0.0.1:{port}/health\", every: 2s)",
            port = 20_000 + g
        );
    }
    for n in 0..diagnostics / 2 {
        let g = n % groups;
        let _ = write!(
            out,
            "\nscenario \"outage {n}\" {{\n  baseline 5s\n  timeline {{\n    at 0s cpu_stress(workers: 2) for 10s\n  }}\n  \
             slo {{\n    availabilty(health_{g}) >= 99%\n    latncy(health_{g}, p95) <= 300ms\n  }}\n}}\n"
        );
    }
    out
}

/// One const defined `diagnostics + 1` times: one duplicate-definition error each.
fn duplicate_consts(diagnostics: usize) -> String {
    let mut out = String::new();
    for n in 0..=diagnostics {
        let _ = writeln!(out, "const retries = {n}");
    }
    out
}

/// Makes a program with (at least) that many diagnostics.
type Generator = fn(usize) -> String;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us_each(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e6 / n.max(1) as f64
}

fn release_binary() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(dir).join("release/chaosc"));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/chaosc"));
    candidates.into_iter().find(|p| p.is_file())
}

/// The best wall time of `chaosc check FILE ARGS…`, output read through a pipe.
fn process(bin: &Path, file: &Path, args: &[&str], reps: usize) -> Duration {
    min_time(reps, || {
        let out = Command::new(bin)
            .arg("check")
            .arg(file)
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run chaosc");
        assert!(!out.stdout.is_empty(), "chaosc printed nothing");
        out.stdout.len()
    })
}

fn main() {
    let reps = env_or("CHAOSC_BENCH_REPS", 3).max(1);
    let sizes: Vec<usize> = std::env::var("CHAOSC_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 5_000, 12_000, 50_000]);
    let bin = release_binary();
    let dir = tempfile::tempdir().expect("temporary directory");

    println!("best of {reps}; µs/diag = time per diagnostic (flat when linear)");
    println!(
        "{:<18} {:>7} {:>7} {:>9} {:>9} {:>8} {:>9} {:>8} {:>10} {:>10}",
        "program",
        "diags",
        "MB",
        "check ms",
        "short ms",
        "µs/diag",
        "human ms",
        "µs/diag",
        "proc short",
        "proc human"
    );
    let programs: [(&str, Generator); 2] = [
        ("misspelt metrics", misspelt_metrics),
        ("duplicate consts", duplicate_consts),
    ];
    for (name, generate) in programs {
        for &n in &sizes {
            let text = generate(n);
            let checked = check(Path::new("bench.chaos"), &text, &NoFiles);
            let count = checked.diagnostics.len();
            assert!(
                count >= n,
                "{name}: expected at least {n} diagnostics, got {count}"
            );
            let check_time = min_time(reps, || check(Path::new("bench.chaos"), &text, &NoFiles));
            let short = min_time(reps, || {
                let mut out = String::new();
                for d in &checked.diagnostics {
                    out.push_str(&chaosc::diag::render::short(d, &checked.sources));
                    out.push('\n');
                }
                out
            });
            let human = min_time(reps, || {
                chaosc::cli::render::render_human(&checked.diagnostics, &checked.sources, false, 80)
            });
            let (proc_short, proc_human) = match &bin {
                Some(bin) => {
                    let file = dir
                        .path()
                        .join(format!("{}-{n}.chaos", name.replace(' ', "-")));
                    std::fs::write(&file, &text).expect("write the program");
                    (
                        format!(
                            "{:.0} ms",
                            ms(process(bin, &file, &["--format", "short"], reps))
                        ),
                        format!("{:.0} ms", ms(process(bin, &file, &[], reps))),
                    )
                }
                None => ("-".into(), "-".into()),
            };
            println!(
                "{:<18} {:>7} {:>7.2} {:>9.0} {:>9.1} {:>8.2} {:>9.0} {:>8.1} {:>10} {:>10}",
                name,
                count,
                text.len() as f64 / 1e6,
                ms(check_time),
                ms(short),
                us_each(short, count),
                ms(human),
                us_each(human, count),
                proc_short,
                proc_human
            );
        }
    }
    if bin.is_none() {
        println!(
            "process: SKIPPED: no release binary; build it first with `cargo build --release`"
        );
    }
}
