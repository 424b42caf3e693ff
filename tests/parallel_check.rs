//! The scenarios of a large file are checked on several threads
//! (`src/check/parallel.rs`): the diagnostics and the plan must be exactly those of
//! checking them one after the other, on every `.chaos` file of the repository and on
//! generated files built to make the forks disagree (names used only by the last
//! scenario, duplicate scenario names far apart, a const cycle many scenarios reach,
//! probes declared in templates, errors with suggestions).

use chaosc::check::compile_on;
use chaosc::plan::lower::{lower_on, Options};
use fixtures::Disk;
use std::fmt::Write as _;
use std::path::Path;

#[path = "support/fixtures.rs"]
mod fixtures;

/// The plan of `text` as `chaosc plan --format json` writes it (scenarios printed on
/// `threads` threads), which must equal serde_json's own pretty printing.
fn same_json_on_threads(path: &Path, text: &str) {
    let Some(mut plan) = lower_on(path, text, &Disk, &Options::default(), 1).plan else {
        return;
    };
    let mut alone = serde_json::to_vec_pretty(&plan).expect("a plan serialises");
    alone.push(b'\n');
    for threads in 1..=4 {
        let mut shared = Vec::new();
        chaosc::plan::json::write_pretty_on(&mut plan, &mut shared, threads).expect("written");
        assert!(
            shared == alone,
            "{}: the plan's JSON on {threads} threads differs from serde_json's",
            path.display()
        );
    }
}

/// Everything a compilation gives: diagnostics (with spans, notes and help) and the
/// plan as JSON.
fn outcome(path: &Path, text: &str, threads: usize) -> String {
    let (checked, _) = compile_on(path, text, &Disk, None, threads);
    let lowered = lower_on(path, text, &Disk, &Options::default(), threads);
    format!(
        "{:?}\n{:?}\n{}",
        checked.diagnostics,
        lowered.checked.diagnostics,
        serde_json::to_string_pretty(&lowered.plan).expect("a plan serialises")
    )
}

fn same_on_threads(path: &Path, text: &str) {
    let alone = outcome(path, text, 1);
    for threads in 2..=4 {
        let shared = outcome(path, text, threads);
        if shared != alone {
            let at = alone
                .bytes()
                .zip(shared.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(alone.len().min(shared.len()));
            panic!(
                "{}: checking on {threads} threads differs from one, at byte {at}:\n  one:    {}\n  shared: {}",
                path.display(),
                &alone[at.saturating_sub(200)..(at + 200).min(alone.len())],
                &shared[at.saturating_sub(200)..(at + 200).min(shared.len())],
            );
        }
    }
}

#[test]
fn every_repository_file_checks_and_plans_the_same_on_several_threads() {
    let mut files = fixtures::chaos_files(&fixtures::root().join("tests"));
    files.extend(fixtures::chaos_files(&fixtures::root().join("scenarios")));
    let mut scenarios = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable fixture");
        scenarios += text.matches("\nscenario ").count();
        same_on_threads(file, &text);
        same_json_on_threads(file, &text);
    }
    assert!(files.len() > 50 && scenarios > 100, "{} files", files.len());
}

/// A program of `count` scenarios whose forks would disagree if joining lost anything.
fn tricky(count: usize, with_errors: bool) -> String {
    let mut out = String::from(
        "import \"std/faults\"\n\
         slo { availability >= 95% }\n\
         const used_only_by_the_last = 3\n\
         const never_used = 1\n\
         target web = proxy(listen: \"127.0.0.1:9000\", upstream: \"127.0.0.1:9001\")\n\
         template stressed(workers: int, url: string) {\n  \
           probe health = http(url, every: 1s)\n  \
           timeline { at 0s cpu_stress(workers: workers) for 5s }\n  \
           slo { availability(health) >= 99% }\n}\n",
    );
    if with_errors {
        out.push_str("const loop_a = loop_b\nconst loop_b = loop_a\n");
    }
    for n in 0..count {
        let last = n + 1 == count;
        let workers = if last { "used_only_by_the_last" } else { "2" };
        let _ = write!(
            out,
            "\n/// Scenario {n}.\nscenario \"s{n}\" {{\n  \
             probe health = http(\"http://127.0.0.1:9000/{n}\", every: 1s, timeout: 500ms)\n  \
             const local_{n} = {n}\n  \
             baseline 1s\n  \
             timeline {{\n    at 0s cpu_stress(workers: {workers}) for 2s\n    \
             then latency(web, delay: {delay}ms) for 1s as slow\n  }}\n  \
             slo {{ latency(health, p95) <= 300ms }}\n}}\n\
             scenario \"t{n}\" = stressed(workers: {w}, url: \"http://127.0.0.1:9000/t{n}\")\n",
            delay = 10 + n,
            w = 1 + n % 4,
        );
        if with_errors && n % 7 == 3 {
            let _ = write!(
                out,
                "scenario \"e{n}\" {{\n  timeline {{ at 0s cpu_stres(workers: loop_a) for 1s }}\n  \
                 slo {{ availabilty(helth) >= 99% }}\n}}\n"
            );
        }
        if with_errors && (n == 1 || n + 2 == count) {
            // The same name near the start and near the end: different forks.
            out.push_str(
                "scenario \"twice\" { timeline { at 0s cpu_stress(workers: 1) for 1s } }\n",
            );
        }
    }
    out
}

#[test]
fn generated_files_check_and_plan_the_same_on_several_threads() {
    for (count, with_errors) in [(2, false), (9, false), (150, false), (150, true)] {
        let text = tricky(count, with_errors);
        same_on_threads(Path::new("tricky.chaos"), &text);
        same_json_on_threads(Path::new("tricky.chaos"), &text);
        let (checked, _) = compile_on(Path::new("tricky.chaos"), &text, &Disk, None, 3);
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        // The joins are seen: `used_only_by_the_last` is used (by the last fork).
        let unused: Vec<&str> = checked
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("is never used") && !d.message.contains("local_"))
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            unused,
            ["const `never_used` is never used"],
            "{count} scenarios"
        );
        if with_errors {
            // A const cycle, a duplicate scenario, an unknown kind and metric.
            for code in ["E0208", "E0203", "E0205", "E0206"] {
                assert!(codes.contains(&code), "{code} missing from {codes:?}");
            }
            assert!(
                checked
                    .diagnostics
                    .iter()
                    .any(|d| d.message.contains("`twice`")),
                "{codes:?}"
            );
        } else {
            assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        }
    }
}
