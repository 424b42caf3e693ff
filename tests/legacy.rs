//! The legacy YAML importer.
//!
//! 1. Fixtures: every `tests/legacy/*.yml` file is imported, and its diagnostics are
//!    compared with the expectations written in it as YAML comments on the line above
//!    the offending line:
//!
//!    ```text
//!    # error[E1202]: should be a number
//!    # warning[W1201]
//!    ```
//!
//!    The rules are those of `tests/ui.rs`: an expectation applies to the next line
//!    that is not itself an expectation, is met by a diagnostic of that severity and
//!    code starting on that line (whose message contains the text after `: `, if any);
//!    every diagnostic must be expected and every expectation met. The rendered
//!    diagnostics are snapshotted under `tests/legacy/snapshots/`. A fixture without
//!    expectations must import without any diagnostic. `LEGACY_FILTER=E1201,W1202`
//!    runs a subset.
//! 2. The real legacy configurations (`tests/legacy/real/`, copies of the legacy
//!    tool's `chaos_scenarios.v1.yml` and `.v2.yml`) import without errors, into
//!    programs that check clean, are canonical, say what the YAML says, and are
//!    snapshotted (`tests/legacy/snapshots/real-*.snap`).

use chaosc::check::{check, Loader};
#[path = "support/expectations.rs"]
mod expectations;

use chaosc::diag::{Diagnostic, Sources};
use chaosc::plan::legacy::import;
use expectations::{compare, expectations, parse_expectation, report, Actual, Expectation};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Imports `text` as the file `name`: the diagnostics, the sources to render them
/// with, and the program when the import succeeded.
fn run_import(name: &str, text: &str) -> (Vec<Diagnostic>, Sources, Option<String>) {
    let mut sources = Sources::default();
    let source = sources.add(name, text);
    match import(text, source) {
        Ok(imported) => (imported.diagnostics, sources, Some(imported.chaos)),
        Err(diagnostics) => (diagnostics, sources, None),
    }
}

fn fixtures() -> Vec<PathBuf> {
    expectations::fixtures("tests/legacy", "yml", "LEGACY_FILTER")
}

#[test]
fn expectations_parse() {
    assert_eq!(
        parse_expectation("#", "  # error[E1202]: should be a number"),
        Some((
            "error".into(),
            "E1202".into(),
            Some("should be a number".into())
        ))
    );
    assert_eq!(
        parse_expectation("#", "# warning[W1201]"),
        Some(("warning".into(), "W1201".into(), None))
    );
    assert_eq!(parse_expectation("#", "# an ordinary comment"), None);
    assert_eq!(parse_expectation("#", "key: 1 # error[E1202]"), None);
    let e = expectations("#", "# error[E1202]\n# warning[W1201]: x\nkey: 1\n").unwrap();
    assert_eq!(e.len(), 2);
    assert!(e.iter().all(|e| e.line == 3));
    assert!(expectations("#", "a: 1\n# error[E1201]").is_err());
}

#[test]
fn compare_is_a_multiset_match() {
    let e = |line, message: Option<&str>| Expectation {
        severity: "error".into(),
        code: "E1202".into(),
        line,
        message: message.map(String::from),
    };
    let a = |line, message: &str| Actual {
        severity: "error".into(),
        code: "E1202".into(),
        line,
        message: message.into(),
    };
    let (missing, unexpected) = compare(
        &[e(3, None), e(3, Some("`b`"))],
        &[a(3, "`a`"), a(3, "`b`")],
    );
    assert!(missing.is_empty() && unexpected.is_empty());
    let (missing, unexpected) = compare(&[e(3, None), e(3, None)], &[a(3, "x"), a(4, "y")]);
    assert_eq!((missing.len(), unexpected.len()), (1, 1));
}

#[test]
fn fixtures_meet_their_expectations() {
    let fixtures = fixtures();
    assert!(
        !fixtures.is_empty(),
        "no fixture in tests/legacy matches LEGACY_FILTER"
    );
    let mut failures = String::new();
    let mut snapshot_failures = Vec::new();
    for path in &fixtures {
        let name = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(root().join(path)).expect("readable");
        let expected = match expectations("#", &text) {
            Ok(e) => e,
            Err(e) => {
                let _ = writeln!(failures, "{}: {e}", path.display());
                continue;
            }
        };
        let display = path.display().to_string();
        let Ok((diagnostics, sources, chaos)) =
            catch_unwind(AssertUnwindSafe(|| run_import(&display, &text)))
        else {
            let _ = writeln!(failures, "{}: the importer panicked", path.display());
            continue;
        };
        let has_errors = diagnostics.iter().any(Diagnostic::is_error);
        if has_errors == chaos.is_some() {
            let _ = writeln!(
                failures,
                "{}: an import succeeds exactly when there is no error",
                path.display()
            );
        }
        let actual: Vec<Actual> = diagnostics
            .iter()
            .map(|d| Actual {
                severity: d.severity.as_str().to_string(),
                code: d.code.as_str().to_string(),
                line: chaosc::diag::line_col(&text, d.span().start).0,
                message: d.message.clone(),
            })
            .collect();
        let (missing, unexpected) = compare(&expected, &actual);
        if !missing.is_empty() || !unexpected.is_empty() {
            report(&mut failures, path, &missing, &unexpected);
            continue;
        }
        if let Some(chaos) = &chaos {
            // Even a fixture with warnings imports into a program that checks clean.
            let mut problems = check_clean(chaos);
            // W1203 says the checker will find scenarios that can never fail.
            if diagnostics.iter().any(|d| d.code.as_str() == "W1203") {
                problems = problems
                    .lines()
                    .filter(|l| !l.contains("warning[W0003]"))
                    .map(|l| format!("{l}\n"))
                    .collect();
            }
            if !problems.is_empty() {
                let _ = writeln!(
                    failures,
                    "{}: the imported program does not check clean:\n{problems}",
                    path.display()
                );
            }
        }
        let rendered = chaosc::cli::render::render_human(&diagnostics, &sources, false, 80);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            insta::with_settings!({
                snapshot_path => root().join("tests/legacy/snapshots"),
                prepend_module_to_snapshot => false,
                omit_expression => true,
                input_file => root().join(path),
            }, {
                insta::assert_snapshot!(name.clone(), rendered);
            });
        }));
        if outcome.is_err() {
            snapshot_failures.push(name);
        }
    }
    if !snapshot_failures.is_empty() {
        let _ = writeln!(
            failures,
            "rendered output differs from the snapshot (review with `cargo insta review`): {}",
            snapshot_failures.join(", ")
        );
    }
    assert!(failures.is_empty(), "legacy fixture failures:\n{failures}");
}

/// Imports resolve to nothing: an imported program is self-contained.
struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} (an imported program imports nothing)", path.display()),
        ))
    }
}

/// Every diagnostic of checking `chaos` (warnings included), one per line; empty when
/// it checks clean. Also fails when the program is not canonical.
fn check_clean(chaos: &str) -> String {
    let checked = check(Path::new("imported.chaos"), chaos, &NoFiles);
    let mut out: String = checked
        .diagnostics
        .iter()
        .map(|d| chaosc::diag::render::short(d, &checked.sources) + "\n")
        .collect();
    match chaosc::fmt::format(chaos) {
        Ok(formatted) if formatted == chaos => {}
        Ok(_) => out.push_str("the program is not in canonical form\n"),
        Err(_) => out.push_str("the program does not parse for the formatter\n"),
    }
    out
}

/// Imports a real legacy configuration; it must succeed.
fn real(version: &str) -> (String, Vec<Diagnostic>) {
    let name = format!("tests/legacy/real/chaos_scenarios.{version}.yml");
    let text = std::fs::read_to_string(root().join(&name)).expect("the real file is there");
    let (diagnostics, sources, chaos) = run_import(&name, &text);
    let Some(chaos) = chaos else {
        let rendered: Vec<String> = diagnostics
            .iter()
            .map(|d| chaosc::diag::render::short(d, &sources))
            .collect();
        panic!("{name} does not import:\n{}", rendered.join("\n"));
    };
    (chaos, diagnostics)
}

#[test]
fn real_configurations_import_into_clean_canonical_programs() {
    for version in ["v1", "v2"] {
        let (chaos, diagnostics) = real(version);
        assert!(diagnostics.iter().all(|d| !d.is_error()));
        let problems = check_clean(&chaos);
        assert!(problems.is_empty(), "{version}:\n{problems}");
        insta::with_settings!({
            snapshot_path => root().join("tests/legacy/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("real-{version}"), chaos);
        });
    }
}

#[test]
fn real_configurations_warn_only_about_what_is_not_imported() {
    for version in ["v1", "v2"] {
        let (_, diagnostics) = real(version);
        let mut messages: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code.as_str(), d.message))
            .collect();
        messages.sort();
        assert_eq!(
            messages,
            [
                "W1202: `monitoring.alerts` is not imported",
                "W1202: `monitoring.metrics` is not imported",
                "W1202: `monitoring.sampling_interval` is not imported",
                "W1202: the `duration` of scenario `Application Container Restart` is not imported: a container restart is instant",
            ],
            "{version}"
        );
    }
}

/// The scenario block named `name` in `chaos`.
fn scenario<'a>(chaos: &'a str, name: &str) -> &'a str {
    let start = chaos
        .find(&format!("scenario \"{name}\" {{"))
        .unwrap_or_else(|| panic!("scenario `{name}` is imported"));
    let end = chaos[start..].find("\n}\n").expect("the block ends") + start;
    &chaos[start..end]
}

/// The top-level block starting with `head` in `chaos`.
fn block<'a>(chaos: &'a str, head: &str) -> &'a str {
    let start = chaos
        .find(&format!("\n{head} {{"))
        .unwrap_or_else(|| panic!("`{head}` is imported"));
    let end = chaos[start..].find("\n}\n").expect("the block ends") + start;
    &chaos[start..end]
}

#[test]
fn real_configurations_say_what_the_yaml_says() {
    let (v1, _) = real("v1");
    let (v2, _) = real("v2");
    for chaos in [&v1, &v2] {
        assert_eq!(chaos.matches("\nscenario \"").count(), 18);
        let heavy = scenario(chaos, "Heavy Memory Stress");
        assert!(
            heavy.contains("at 0s memory_stress(size: 1GiB) for 1m"),
            "{heavy}"
        );
        assert!(heavy.contains("tags [heavy, memory_leak]"), "{heavy}");
        assert!(heavy.contains("(expected impact: severe)"), "{heavy}");
        assert!(
            scenario(chaos, "Light Memory Stress").contains("memory_stress(size: 256MiB) for 30s")
        );
        assert!(scenario(chaos, "Medium CPU Stress").contains("cpu_stress(workers: 4) for 45s"));
        assert!(scenario(chaos, "Heavy Network Delay").contains("latency(lo, delay: 500ms) for 1m"));
        assert!(scenario(chaos, "Heavy Packet Loss").contains("packet_loss(lo, rate: 30%) for 30s"));
        assert!(scenario(chaos, "Medium Disk Stress").contains("disk_stress(workers: 2) for 45s"));
        let restart = scenario(chaos, "Application Container Restart");
        assert!(
            restart.contains("at 0s container_restart(container(\"backend-v2\"))\n"),
            "{restart}"
        );
        assert!(
            restart.contains("recovery_time(health) <= 15s"),
            "{restart}"
        );
        let outage = scenario(chaos, "Database Extended Outage");
        assert!(
            outage.contains("container_stop(container(\"postgres\")) for 30s"),
            "{outage}"
        );
        assert!(outage.contains("recovery_time(health) <= 20s"), "{outage}");
        assert!(chaos.contains("target lo = interface(\"lo\")"));
        // Healthy as the legacy runner meant it: a 200 whose JSON body says so.
        assert!(
            chaos.contains(
                "probe health = http(\n  \"${base_url}/api/health\",\n  every: 2s,\n  timeout: 5s,\n  status: 200,\n  json: {\"/healthy\": true},\n)"
            ),
            "{chaos}"
        );
        let production = block(chaos, "environment production");
        assert!(
            production.contains(
                "allow [\"Light CPU Stress\", \"Light Memory Stress\", \"Light Network Delay\", \"Light Packet Loss\"]"
            ),
            "{production}"
        );
        assert!(
            production.contains("availability(health) >= 99%"),
            "{production}"
        );
        let safety = block(chaos, "safety");
        for line in [
            "max_duration 30m",
            "cooldown 5s",
            "confirm [container_restart, container_stop]",
            "allow_targets [\"backend-v2\", \"postgres\"]",
            "abort when error_rate(health) > 50%",
            "abort when consecutive_failures(health) >= 10",
            "abort when latency(health, p50) > 5s",
        ] {
            assert!(safety.contains(line), "{line} in {safety}");
        }
        let smoke = block(chaos, "suite smoke_test");
        assert!(smoke.contains("cooldown 5s"), "{smoke}");
    }
    // v1 has only `slo_targets`: they are the blocking thresholds.
    let slo1 = block(&v1, "slo");
    assert!(!slo1.contains("warn"), "{slo1}");
    for line in [
        "mttr(health) <= 30s",
        "error_rate(health) <= 5%",
        "availability(health) >= 95%",
        "latency_degradation(health, p50) <= 500ms",
        "recovery_time(health) <= 10s",
    ] {
        assert!(slo1.contains(line), "{line} in {slo1}");
    }
    // v2: `slo_severity` gives blocking and warning thresholds.
    let slo2 = block(&v2, "slo");
    for line in [
        "  mttr(health) <= 1m",
        "  error_rate(health) <= 15%",
        "  availability(health) >= 85%",
        "  latency_degradation(health, p50) <= 1s500ms",
        "  recovery_time(health) <= 30s",
        "warn mttr(health) <= 45s",
        "warn error_rate(health) <= 8%",
        "warn availability(health) >= 92%",
        "warn latency_degradation(health, p50) <= 800ms",
        "warn recovery_time(health) <= 15s",
    ] {
        assert!(slo2.contains(line), "{line} in {slo2}");
    }
    // Recovery is observed for as long as the largest recovery threshold.
    assert!(scenario(&v1, "Light CPU Stress").contains("recover within 10s checks 3"));
    assert!(scenario(&v1, "Database Extended Outage").contains("recover within 20s checks 3"));
    assert!(scenario(&v2, "Light CPU Stress").contains("recover within 30s checks 3"));
}

#[test]
fn importing_never_panics_on_mangled_input() {
    let text = std::fs::read_to_string(root().join("tests/legacy/real/chaos_scenarios.v2.yml"))
        .expect("the real file is there");
    let lines: Vec<&str> = text.lines().collect();
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..300 {
        let mut mangled: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for _ in 0..rng.usize(1..4) {
            let i = rng.usize(..mangled.len());
            match rng.u8(..5) {
                0 => {
                    mangled.remove(i);
                }
                1 => mangled[i] = mangled[i].replacen(": ", ": [", 1),
                2 => mangled[i] = mangled[i].trim_start().to_string(),
                3 => mangled[i] = mangled[i].replace(|c: char| c.is_ascii_digit(), "-1"),
                _ => {
                    let cut = rng.usize(..=mangled[i].len());
                    if mangled[i].is_char_boundary(cut) {
                        mangled[i].truncate(cut);
                    }
                }
            }
        }
        let mangled = mangled.join("\n");
        let result = catch_unwind(AssertUnwindSafe(|| run_import("mangled.yml", &mangled)));
        let Ok((_, _, chaos)) = result else {
            panic!("the importer panicked on:\n{mangled}");
        };
        if let Some(chaos) = chaos {
            let problems = check_clean(&chaos);
            assert!(
                !problems.contains("error["),
                "an import that succeeds checks without errors:\n{problems}\n{mangled}"
            );
        }
    }
}

#[test]
fn recovery_lasts_as_long_as_the_largest_recovery_threshold() {
    let yaml = "\
slo_targets:
  recovery:
    max_recovery_time_seconds: 10
    required_health_checks: 2
scenarios:
  - name: \"A\"
    type: cpu_exhaust
    duration: 30
  - name: \"B\"
    type: database_down
    duration: 10
    parameters:
      database: postgres
      recovery_time_expected: 150
monitoring:
  health_check:
    endpoint: /health
environments:
  slow:
    slo_targets:
      recovery:
        max_recovery_time_seconds: 120
";
    let (diagnostics, _, chaos) = run_import("inline.yml", yaml);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let chaos = chaos.expect("imports");
    assert!(
        scenario(&chaos, "A").contains("recover within 2m checks 2"),
        "{chaos}"
    );
    assert!(
        scenario(&chaos, "B").contains("recover within 2m30s checks 2"),
        "{chaos}"
    );
    assert!(
        block(&chaos, "environment slow").contains("recovery_time(health) <= 2m"),
        "{chaos}"
    );
    assert_eq!(check_clean(&chaos), "");
}
