//! Reports: the committed results schema is current; snapshots of `report.md`,
//! `junit.xml` and `metrics.prom` for a fixture with every verdict, every assertion
//! status, a failed step, evidence, an abort and hostile names; the XML parses with a
//! real parser; the Prometheus text passes a strict check of the exposition grammar;
//! `write_all` writes whole files and `results.json` reads back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "support/components.rs"]
mod components;

use chaosc::check::Loader;
use chaosc::inject::Evidence;
use chaosc::plan::lower::{lower, Options};
use chaosc::plan::{CompareOp, Level, Metric, Origin, Plan, Severity, SourceSpan, Window};
use chaosc::report::results::{
    AbortResult, AssertionResult, AssertionStatus, Bucket, Figures, LatencySummary, Measured,
    PhaseFigures, Phases, ProbeResult, RunResults, ScenarioResult, ServiceResult, Span, StepResult,
    StepStatus, Verdict, RESULTS_VERSION,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Fs;
impl Loader for Fs {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(root().join(path))
    }
}

#[test]
fn committed_schema_is_current() {
    let path = root().join("docs/results.schema.json");
    let fresh = chaosc::report::results::schema();
    if std::env::var_os("CHAOSC_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/results.schema.json is stale: run `CHAOSC_UPDATE_SCHEMA=1 cargo test --test report` and review the diff"
    );
}

// ---------------------------------------------------------------- the fixture

/// A name with every character that needs escaping somewhere.
const HOSTILE: &str = "edge \"proxy\" <p99> & a|b `tick` back\\slash\nsecond line";

fn plan() -> Plan {
    let path = Path::new("scenarios/quickstart.chaos");
    let text = Fs.read(path).unwrap();
    lower(path, &text, &Fs, &Options::default())
        .plan
        .expect("scenarios/quickstart.chaos compiles")
}

fn origin(level: Level, line: usize) -> Origin {
    Origin {
        level,
        span: SourceSpan {
            file: "scenarios/quickstart.chaos".to_string(),
            line,
            column: 5,
            start: 0,
            end: 10,
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn assertion(
    text: &str,
    metric: Metric,
    op: CompareOp,
    threshold: Measured,
    window: Window,
    severity: Severity,
    measured: Option<Measured>,
    status: AssertionStatus,
) -> AssertionResult {
    let span = match window {
        Window::Baseline => Span {
            start_ms: 0.0,
            end_ms: 5000.0,
        },
        Window::Chaos => Span {
            start_ms: 5000.0,
            end_ms: 25000.0,
        },
        Window::Recovery | Window::Run => Span {
            start_ms: 25000.0,
            end_ms: 27500.5,
        },
    };
    let samples = if status == AssertionStatus::Inconclusive {
        0
    } else {
        100
    };
    AssertionResult {
        text: text.to_string(),
        metric,
        probe: Some("home".to_string()),
        percentile: matches!(metric, Metric::Latency | Metric::LatencyDegradation).then_some(95.0),
        op,
        threshold,
        window,
        window_span: (samples > 0).then_some(span),
        severity,
        origin: origin(
            if severity == Severity::Warn {
                Level::File
            } else {
                Level::Scenario
            },
            21,
        ),
        measured,
        status,
        samples,
    }
}

fn availability(measured: f64, status: AssertionStatus) -> AssertionResult {
    assertion(
        "availability(home) >= 99% during chaos",
        Metric::Availability,
        CompareOp::Ge,
        Measured::Percent(99.0),
        Window::Chaos,
        Severity::Blocking,
        Some(Measured::Percent(measured)),
        status,
    )
}

fn steady(status: AssertionStatus) -> AssertionResult {
    assertion(
        "error_rate(home) <= 1%",
        Metric::ErrorRate,
        CompareOp::Le,
        Measured::Percent(1.0),
        Window::Baseline,
        Severity::Blocking,
        Some(Measured::Percent(if status == AssertionStatus::Passed {
            0.0
        } else {
            12.5
        })),
        status,
    )
}

fn probe(name: &str) -> ProbeResult {
    ProbeResult {
        name: name.to_string(),
        samples: 200,
        successes: 195,
        failures: BTreeMap::from([("connect".to_string(), 2), ("timeout".to_string(), 3)]),
        latency_ms: Some(LatencySummary {
            p50: 1.25,
            p90: 3.5,
            p95: 150.5,
            p99: 160.0,
            max: 2000.0,
        }),
        timeline: vec![
            Bucket {
                second: 0,
                samples: 5,
                failures: 0,
                p50_ms: Some(1.25),
                p95_ms: Some(1.5),
                p99_ms: Some(1.75),
            },
            Bucket {
                second: 1,
                samples: 5,
                failures: 5,
                p50_ms: None,
                p95_ms: None,
                p99_ms: None,
            },
        ],
        figures: figures(),
    }
}

fn phase(start_ms: f64, end_ms: f64, samples: u64, failed: u64, p50: f64) -> PhaseFigures {
    let ok = samples - failed;
    PhaseFigures {
        start_ms,
        end_ms,
        samples,
        availability_percent: Some(100.0 * ok as f64 / samples as f64),
        error_rate_percent: Some(100.0 * failed as f64 / samples as f64),
        latency_ms: Some(LatencySummary {
            p50,
            p90: p50 * 2.0,
            p95: p50 * 3.0,
            p99: p50 * 4.0,
            max: p50 * 10.0,
        }),
    }
}

fn figures() -> Figures {
    Figures {
        baseline: Some(phase(0.0, 5000.0, 50, 0, 1.25)),
        chaos: Some(phase(5000.0, 15000.0, 100, 5, 150.5)),
        recovery: Some(phase(15000.0, 20000.0, 50, 0, 1.5)),
        run: phase(0.0, 20000.0, 200, 5, 1.25),
        mttr_ms: Some(450.0),
        downtime_ms: 900.0,
        longest_failure_run: 3,
        longest_failure_ms: 600.0,
        recovery_time_ms: Some(200.0),
        failure_episodes: 2,
    }
}

fn phases(chaos: bool, recovery: bool) -> Phases {
    Phases {
        baseline: Some(Span {
            start_ms: 0.0,
            end_ms: 5000.0,
        }),
        chaos: chaos.then_some(Span {
            start_ms: 5000.0,
            end_ms: 25000.0,
        }),
        recovery: recovery.then_some(Span {
            start_ms: 25000.0,
            end_ms: 27500.5,
        }),
    }
}

fn cpu_step(evidence_ok: bool) -> StepResult {
    StepResult {
        name: "cpu_hog".to_string(),
        kind: "cpu_stress".to_string(),
        target: "host".to_string(),
        planned_start_ms: 0.0,
        actual_start_ms: Some(1.75),
        planned_end_ms: Some(10000.0),
        actual_end_ms: Some(10003.25),
        status: StepStatus::Done,
        evidence: Some(Evidence {
            took_effect: evidence_ok,
            summary: if evidence_ok {
                "2 workers burnt 15.80 CPU-seconds in 10.00 s (98.8% of the 2 × 80% asked)"
                    .to_string()
            } else {
                "2 workers burnt 0.01 CPU-seconds in 10.00 s (0.1% of the 2 × 80% asked)"
                    .to_string()
            },
            measurements: BTreeMap::from([
                (
                    "cpu_seconds".to_string(),
                    if evidence_ok { 15.8 } else { 0.01 },
                ),
                ("wall_seconds".to_string(), 10.0),
            ]),
        }),
        error: None,
    }
}

fn scenario(name: &str, verdict: Verdict, reason: Option<&str>) -> ScenarioResult {
    ScenarioResult {
        doc: None,
        name: name.to_string(),
        verdict,
        reason: reason.map(str::to_string),
        started_at: Some("2026-11-26T20:00:00.000Z".to_string()),
        phases: phases(true, true),
        steps: vec![cpu_step(true)],
        probes: vec![probe("home")],
        steady_state: vec![steady(AssertionStatus::Passed)],
        assertions: vec![availability(99.5, AssertionStatus::Passed)],
        abort: None,
    }
}

fn fixture() -> RunResults {
    let passed = scenario(
        "Web server under CPU load and latency",
        Verdict::Passed,
        None,
    );

    let mut warned = scenario(
        HOSTILE,
        Verdict::PassedWithWarnings,
        Some("1 warn assertion failed"),
    );
    warned.probes = vec![probe(HOSTILE)];
    warned.doc = Some("What it checks: a|b `tick` <p99> & *this*\n| then more".to_string());
    warned.steps[0].name = HOSTILE.to_string();
    warned.assertions.push(assertion(
        "latency(home, p99) <= 250ms during chaos",
        Metric::Latency,
        CompareOp::Le,
        Measured::Ms(250.0),
        Window::Chaos,
        Severity::Warn,
        Some(Measured::Ms(412.25)),
        AssertionStatus::Failed,
    ));
    warned.assertions.push(assertion(
        "requests(home) >= 10 during recovery",
        Metric::Requests,
        CompareOp::Ge,
        Measured::Count(10),
        Window::Recovery,
        Severity::Warn,
        None,
        AssertionStatus::Inconclusive,
    ));
    warned.assertions.push(assertion(
        HOSTILE,
        Metric::Availability,
        CompareOp::Ge,
        Measured::Percent(50.0),
        Window::Run,
        Severity::Blocking,
        Some(Measured::Percent(100.0)),
        AssertionStatus::Passed,
    ));

    let mut not_steady = scenario(
        "Baseline too noisy",
        Verdict::NotSteady,
        Some("the steady state did not hold in the baseline: `error_rate(home) <= 1%` measured 12.50%"),
    );
    not_steady.steady_state = vec![steady(AssertionStatus::Failed)];
    not_steady.phases = phases(false, false);
    not_steady.steps[0] = StepResult {
        actual_start_ms: None,
        actual_end_ms: None,
        status: StepStatus::NotStarted,
        evidence: None,
        ..cpu_step(true)
    };
    not_steady.assertions = Vec::new();

    let mut failed = scenario(
        "Latency budget",
        Verdict::Failed,
        Some("2 blocking assertions failed"),
    );
    failed.assertions = vec![
        availability(97.125, AssertionStatus::Failed),
        assertion(
            "recovery_time(home) <= 5s",
            Metric::RecoveryTime,
            CompareOp::Le,
            Measured::Ms(5000.0),
            Window::Recovery,
            Severity::Blocking,
            Some(Measured::Unbounded),
            AssertionStatus::Failed,
        ),
        assertion(
            "latency_degradation(home, p95) <= 300ms",
            Metric::LatencyDegradation,
            CompareOp::Le,
            Measured::Ms(300.0),
            Window::Chaos,
            Severity::Blocking,
            None,
            AssertionStatus::Inconclusive,
        ),
        assertion(
            "consecutive_failures(home) < 3 during chaos",
            Metric::ConsecutiveFailures,
            CompareOp::Lt,
            Measured::Count(3),
            Window::Chaos,
            Severity::Blocking,
            Some(Measured::Count(2)),
            AssertionStatus::Passed,
        ),
    ];

    let mut aborted = scenario(
        "Abort on errors",
        Verdict::Aborted,
        Some("aborted: `error_rate(home) > 50% over 5s` measured 62.00%"),
    );
    aborted.phases = phases(true, true);
    aborted.abort = Some(AbortResult {
        condition: "error_rate(home) > 50% over 5s".to_string(),
        origin: Some(origin(Level::Scenario, 27)),
        at_ms: 12345.678,
        measured: Some(Measured::Percent(62.0)),
    });
    aborted.assertions = vec![availability(40.0, AssertionStatus::Failed)];

    let mut error = scenario(
        "Fault without effect",
        Verdict::Error,
        Some("step `slow_network` failed: cannot bind `127.0.0.1:18081`"),
    );
    error.steps = vec![
        cpu_step(false),
        StepResult {
            name: "slow_network".to_string(),
            kind: "latency".to_string(),
            target: "proxy 127.0.0.1:18081 → 127.0.0.1:18080".to_string(),
            planned_start_ms: 10000.0,
            actual_start_ms: Some(10012.5),
            planned_end_ms: Some(20000.0),
            actual_end_ms: None,
            status: StepStatus::Failed,
            evidence: None,
            error: Some("cannot bind `127.0.0.1:18081`: address in use\n(os error 98)".to_string()),
        },
    ];

    let mut interrupted = scenario(
        "Interrupted <by> SIGINT",
        Verdict::Interrupted,
        Some("interrupted by SIGINT; every fault was reverted"),
    );
    interrupted.phases = phases(true, false);
    interrupted.assertions = vec![availability(100.0, AssertionStatus::Inconclusive)];
    interrupted.assertions[0].measured = None;

    let skipped = ScenarioResult {
        doc: None,
        name: "Production only".to_string(),
        verdict: Verdict::Skipped,
        reason: Some("`container_kill` is not in the environment's allow-list".to_string()),
        started_at: None,
        phases: Phases::default(),
        steps: Vec::new(),
        probes: Vec::new(),
        steady_state: Vec::new(),
        assertions: Vec::new(),
        abort: None,
    };

    RunResults {
        results_version: RESULTS_VERSION,
        chaosc_version: "0.1.0".to_string(),
        run_id: "20261126T200000Z-1a2b".to_string(),
        started_at: "2026-11-26T19:59:58.500Z".to_string(),
        finished_at: "2026-11-26T20:03:10.250Z".to_string(),
        seed: 42,
        source: "scenarios/quickstart.chaos".to_string(),
        environment: Some("staging \"eu\"".to_string()),
        verdict: Verdict::Interrupted,
        exit_code: Verdict::Interrupted.exit_code(),
        services: vec![
            ServiceResult {
                name: "web".to_string(),
                pid: Some(4242),
                ready_after_ms: Some(312.5),
                log: "services/web.log".to_string(),
                ended: Some("stopped by SIGTERM".to_string()),
            },
            ServiceResult {
                name: "db".to_string(),
                pid: None,
                ready_after_ms: None,
                log: "services/db.log".to_string(),
                ended: None,
            },
        ],
        scenarios: vec![
            passed,
            warned,
            not_steady,
            failed,
            aborted,
            error,
            interrupted,
            skipped,
        ],
        method: vec![
            "Probes are scheduled on the monotonic clock; a sample's latency runs from its scheduled start.".to_string(),
            "Percentiles come from an HDR histogram\nwith 3 significant digits.".to_string(),
        ],
        plan: plan(),
    }
}

// ---------------------------------------------------------------- snapshots

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => root().join("tests/report/snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn markdown_snapshot() {
    snapshot("report_md", &chaosc::report::render_markdown(&fixture()));
}

#[test]
fn junit_snapshot() {
    snapshot("junit_xml", &chaosc::report::render_junit(&fixture()));
}

#[test]
fn html_snapshot() {
    snapshot("report_html", &chaosc::report::render_html(&fixture()));
}

// ------------------------------------------- the GitHub job summary and the PR comment

const RUN_URL: &str = "https://github.com/team/service/actions/runs/4242";

fn github(results: &RunResults) -> String {
    chaosc::report::render_github(
        results,
        &chaosc::report::github::Links {
            report_dir: Some("chaos-reports/run 1"),
            run_url: Some(RUN_URL),
        },
    )
}

#[test]
fn github_summary_snapshot() {
    snapshot("github_summary", &github(&fixture()));
}

#[test]
fn comment_snapshot() {
    let comment = chaosc::report::render_comment(&fixture(), Some(RUN_URL));
    assert!(comment.starts_with("<!-- chaosc-report -->\n"), "{comment}");
    snapshot("comment", &comment);
}

/// A run with thousands of scenarios, each failing with a long name: the summary is cut
/// within 1 MiB and the comment within 65 536 characters, each with a note, the
/// comment still starting with its marker.
#[test]
fn summary_and_comment_stay_within_githubs_limits() {
    let mut results = fixture();
    let failed = results
        .scenarios
        .iter()
        .find(|s| s.verdict == Verdict::Failed)
        .expect("a failed scenario")
        .clone();
    results.scenarios = (0..3000)
        .map(|i| {
            let mut s = failed.clone();
            s.name = format!("scenario {i} {}", "é".repeat(200));
            s
        })
        .collect();
    let summary = github(&results);
    assert!(summary.len() <= 1 << 20, "{} bytes", summary.len());
    assert!(summary.len() > 1_000_000, "cut no shorter than needed");
    assert!(
        summary.trim_end().ends_with("in the report folder._"),
        "{}",
        &summary[summary.len() - 300..]
    );
    let comment = chaosc::report::render_comment(&results, Some(RUN_URL));
    assert!(
        comment.chars().count() <= 65_536,
        "{}",
        comment.chars().count()
    );
    assert!(comment.len() > 60_000, "cut no shorter than needed");
    assert!(comment.starts_with("<!-- chaosc-report -->\n"));
    assert!(comment.contains("Truncated to stay within GitHub's limit"));
    // Short ones are not cut.
    assert!(!github(&fixture()).contains("Truncated"));
}

/// `chaosc report DIR --format github|comment` over a `results.json` written from the
/// fixture prints what the library renders, with the artifacts link from the GitHub
/// variables; without them there is no such link.
#[test]
fn report_command_renders_a_results_file() {
    let temp = tempfile::tempdir().expect("a temporary directory");
    let dir = temp.path().join("chaos-reports/run 1");
    std::fs::create_dir_all(&dir).expect("the folder");
    let results = fixture();
    let json = chaosc::report::render_json(&results).expect("JSON");
    std::fs::write(dir.join("results.json"), json).expect("written");
    let report = |format: &str, github: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_chaosc"));
        command
            .args(["report", "chaos-reports/run 1", "--format", format])
            .current_dir(temp.path())
            .env_remove("GITHUB_SERVER_URL")
            .env_remove("GITHUB_REPOSITORY")
            .env_remove("GITHUB_RUN_ID");
        if github {
            command.envs([
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_REPOSITORY", "team/service"),
                ("GITHUB_RUN_ID", "4242"),
            ]);
        }
        let out = command.output().expect("chaosc runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    assert_eq!(report("github", true), github(&results));
    assert_eq!(
        report("comment", true),
        chaosc::report::render_comment(&results, Some(RUN_URL))
    );
    assert!(!report("github", false).contains("actions/runs"));
    assert_eq!(
        report("comment", false),
        chaosc::report::render_comment(&results, None)
    );
    // Through `results.json` and back, every report is the one rendered from the
    // results themselves: every verdict, hostile names, unrounded numbers.
    assert_eq!(
        report("md", false),
        chaosc::report::render_markdown(&results)
    );
    assert_eq!(report("html", false), chaosc::report::render_html(&results));
    assert_eq!(
        report("junit", false),
        chaosc::report::render_junit(&results)
    );
    assert_eq!(
        report("prom", false),
        chaosc::report::render_prometheus(&results)
    );
}

/// The legacy files of the fixture: every scenario that ran and did not pass is a
/// violation (whatever its verdict), skipped ones are left out as the legacy tool never
/// had them, and `chaos_metrics.prom` is in the strict exposition grammar, hostile
/// names included.
#[test]
fn legacy_files_of_every_verdict() {
    use chaosc::report::legacy;
    let results = fixture();
    let validation = legacy::validation(&results);
    assert!(!validation.passed);
    for expected in [
        "Baseline too noisy: steady_state: error_rate(home) <= 1%: measured 12.50%, expected <= 1.00%",
        "Baseline too noisy: not_steady: ",
        "Latency budget: latency_degradation(home, p95) <= 300ms: no samples in its window (inconclusive)",
        "Abort on errors: aborted: ",
        "Fault without effect: error: ",
        "Interrupted <by> SIGINT: interrupted: ",
    ] {
        assert!(
            validation.violations.iter().any(|v| v.starts_with(expected)),
            "{expected:?} in {:#?}",
            validation.violations
        );
    }
    assert!(!validation
        .violations
        .iter()
        .any(|v| v.starts_with("Web server")));
    let chaos_results = legacy::chaos_results(&results);
    assert_eq!(chaos_results.total_scenarios, results.scenarios.len() - 1);
    assert_eq!(chaos_results.successful, 2);
    // Counters among them (as the legacy file had), so not the strict check of
    // chaosc's own gauges: each sample is `name{labels} value`, labels well formed.
    let text = legacy::render_metrics(&results);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("a value");
        assert!(value.parse::<f64>().is_ok(), "{line}");
        let (name, rest) = series.split_once('{').unwrap_or((series, ""));
        assert!(is_name(name, false) && name.starts_with("chaos_"), "{line}");
        if !rest.is_empty() {
            let (labels, after) = parse_labels(&series[name.len()..]).expect("labels");
            assert_eq!(after, "", "{line}");
            assert_eq!(labels.len(), 3, "{line}");
        }
    }
    assert!(text.contains(
        "chaos_scenario_success{scenario=\"edge_proxy_p99_a_b_tick_back_slash_second_line\","
    ));
}

/// The page is well-formed XML: every name is escaped, every element closed, and each
/// probe of each scenario has its chart.
#[test]
fn html_is_well_formed_with_a_chart_per_probe() {
    let results = fixture();
    let page = chaosc::report::render_html(&results);
    let body = page
        .strip_prefix("<!DOCTYPE html>\n")
        .expect("an HTML5 doctype");
    let doc = roxmltree::Document::parse(body).expect("report.html is well-formed");
    let charts = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg")
        .count();
    let probes: usize = results.scenarios.iter().map(|s| s.probes.len()).sum();
    assert_eq!(charts, probes);
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .map(|n| n.text().unwrap_or(""))
        .collect();
    for s in &results.scenarios {
        assert!(text.contains(&s.name), "{} is on the page", s.name);
    }
}

#[test]
fn prometheus_snapshot() {
    snapshot(
        "metrics_prom",
        &chaosc::report::render_prometheus(&fixture()),
    );
}

// ---------------------------------------------------------------- markdown

#[test]
fn markdown_tables_keep_their_columns() {
    let md = chaosc::report::render_markdown(&fixture());
    let mut columns = None;
    for line in md.lines() {
        if line.starts_with('|') {
            // Cells are split by `|` not preceded by a backslash.
            let mut count = 0;
            let mut escaped = false;
            for c in line.chars() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '|' if !escaped => count += 1,
                    _ => escaped = false,
                }
                if c != '\\' {
                    escaped = false;
                }
            }
            match columns {
                None => columns = Some(count),
                Some(n) => assert_eq!(count, n, "a row with other columns: {line}"),
            }
        } else {
            columns = None;
        }
    }
    assert!(
        !md.contains("second line\n"),
        "a raw newline in a cell or heading"
    );
}

// ---------------------------------------------------------------- junit

#[test]
fn junit_parses_and_maps_every_outcome() {
    let results = fixture();
    let xml = chaosc::report::render_junit(&results);
    let doc = roxmltree::Document::parse(&xml).expect("junit.xml is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), results.scenarios.len());

    // Names come back exactly (control characters aside), line breaks included.
    assert_eq!(suites[1].attribute("name"), Some(HOSTILE));
    let hostile_case = suites[1]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .find(|n| n.attribute("name") == Some(HOSTILE));
    assert!(hostile_case.is_some(), "the assertion named {HOSTILE:?}");

    let mut totals = [0usize; 4];
    for (suite, scenario) in suites.iter().zip(&results.scenarios) {
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let has = |case: &roxmltree::Node, tag: &str| case.children().any(|n| n.has_tag_name(tag));
        let counts = [
            cases.len(),
            cases.iter().filter(|c| has(c, "failure")).count(),
            cases.iter().filter(|c| has(c, "error")).count(),
            cases.iter().filter(|c| has(c, "skipped")).count(),
        ];
        for (i, attr) in ["tests", "failures", "errors", "skipped"]
            .iter()
            .enumerate()
        {
            assert_eq!(
                suite.attribute(*attr),
                Some(counts[i].to_string().as_str()),
                "{attr} of {}",
                scenario.name
            );
            totals[i] += counts[i];
        }
        let scenario_case = cases
            .iter()
            .find(|c| c.attribute("name") == Some("scenario"));
        let expected = match scenario.verdict {
            Verdict::Skipped => Some("skipped"),
            Verdict::Error | Verdict::Aborted | Verdict::NotSteady | Verdict::Interrupted => {
                Some("error")
            }
            _ => None,
        };
        match (expected, scenario_case) {
            (Some(tag), Some(case)) => {
                let child = case.children().find(|n| n.has_tag_name(tag));
                let message = child.and_then(|n| n.attribute("message"));
                assert_eq!(message, scenario.reason.as_deref(), "{}", scenario.name);
            }
            (None, None) => {}
            (expected, found) => panic!(
                "{}: expected a `{expected:?}` scenario testcase, found {:?}",
                scenario.name,
                found.map(|n| n.attribute("name"))
            ),
        }
        // One testcase per assertion, steady state included.
        let assertions = scenario.steady_state.len() + scenario.assertions.len();
        assert_eq!(
            cases.len(),
            assertions + usize::from(scenario_case.is_some()),
            "{}",
            scenario.name
        );
    }
    for (i, attr) in ["tests", "failures", "errors", "skipped"]
        .iter()
        .enumerate()
    {
        assert_eq!(root.attribute(*attr), Some(totals[i].to_string().as_str()));
    }

    // Failing blocking assertions fail; a failed warn passes with a note.
    let failed = &suites[3];
    let failures: Vec<String> = failed
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .filter_map(|n| n.attribute("message").map(str::to_string))
        .collect();
    assert_eq!(
        failures,
        [
            "measured 97.12%, expected >= 99.00% during chaos",
            "never recovered, expected <= 5000.0 ms during recovery",
            "inconclusive: no samples during chaos, expected <= 300.0 ms",
        ]
    );
    let warn = suites[1]
        .children()
        .find(|n| n.attribute("name") == Some("latency(home, p99) <= 250ms during chaos"))
        .expect("the warn assertion");
    assert!(!warn.children().any(|n| n.has_tag_name("failure")));
    let note = warn
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .and_then(|n| n.text())
        .unwrap_or_default();
    assert!(note.contains("measured 412.2 ms"), "{note}");
    // A steady-state assertion is named as one.
    let steady = suites[2]
        .children()
        .find(|n| n.attribute("name") == Some("steady_state: error_rate(home) <= 1%"));
    assert!(steady.is_some_and(|n| n.children().any(|c| c.has_tag_name("failure"))));
}

// ---------------------------------------------------------------- prometheus

/// One sample of the exposition format: name, labels (unescaped), value.
type Sample = (String, Labels, f64);
type Labels = Vec<(String, String)>;

fn is_name(s: &str, colons: bool) -> bool {
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':'));
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'))
}

fn parse_value(s: &str) -> Result<f64, String> {
    match s {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ if s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) => {
            s.parse().map_err(|_| format!("bad value `{s}`"))
        }
        _ => Err(format!("bad value `{s}`")),
    }
}

/// `{a="x",b="y"}` at the start of `s`: the labels and the rest after `}`.
fn parse_labels(s: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    let mut rest = s.strip_prefix('{').ok_or("expected `{`")?;
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let eq = rest.find('=').ok_or("a label without `=`")?;
        let name = &rest[..eq];
        if !is_name(name, false) || name.starts_with("__") {
            return Err(format!("bad label name `{name}`"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("a label value without `\"`")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("an unterminated label value".to_string()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some((_, '\n')) => return Err("a raw line feed in a label value".to_string()),
                Some((_, c)) => value.push(c),
            }
        };
        if labels.iter().any(|(n, _)| n == name) {
            return Err(format!("label `{name}` twice"));
        }
        labels.push((name.to_string(), value));
        rest = &rest[end + 1..];
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with('}') {
            return Err("expected `,` or `}` after a label".to_string());
        }
    }
}

/// A strict reading of the text exposition format 0.0.4: HELP and TYPE once per family
/// and before its samples, a family's samples together, one series per label set, a
/// gauge type, and every line in the grammar.
fn parse_exposition(text: &str) -> Result<Vec<Sample>, String> {
    let mut samples: Vec<Sample> = Vec::new();
    let mut families: Vec<String> = Vec::new();
    let mut typed: Vec<String> = Vec::new();
    let mut series = std::collections::HashSet::new();
    if !text.ends_with('\n') {
        return Err("the text does not end with a line feed".to_string());
    }
    for (number, line) in text.lines().enumerate() {
        let fail = |why: String| format!("line {}: {why}: {line}", number + 1);
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let keyword = parts.next().unwrap_or_default();
            let name = parts.next().unwrap_or_default();
            let tail = parts.next().unwrap_or_default();
            if !is_name(name, true) {
                return Err(fail(format!("bad metric name `{name}`")));
            }
            match keyword {
                "HELP" => {
                    if families.contains(&name.to_string()) {
                        return Err(fail("HELP twice or after samples".to_string()));
                    }
                    let mut chars = tail.chars();
                    while let Some(c) = chars.next() {
                        if c == '\\' && !matches!(chars.next(), Some('\\' | 'n')) {
                            return Err(fail("bad escape in HELP".to_string()));
                        }
                    }
                    families.push(name.to_string());
                }
                "TYPE" => {
                    if tail != "gauge" {
                        return Err(fail(format!("type `{tail}`, expected gauge")));
                    }
                    if typed.contains(&name.to_string()) {
                        return Err(fail("TYPE twice".to_string()));
                    }
                    if families.last().map(String::as_str) != Some(name) {
                        return Err(fail("TYPE not right after its HELP".to_string()));
                    }
                    typed.push(name.to_string());
                }
                _ => return Err(fail(format!("unknown comment `{keyword}`"))),
            }
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .ok_or_else(|| fail("no value".to_string()))?;
        let name = &line[..name_end];
        if !is_name(name, true) {
            return Err(fail(format!("bad metric name `{name}`")));
        }
        if typed.last().map(String::as_str) != Some(name) {
            return Err(fail("a sample outside its family's block".to_string()));
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end..]).map_err(fail)?
        } else {
            (Vec::new(), &line[name_end..])
        };
        let rest = rest
            .strip_prefix(' ')
            .ok_or_else(|| fail("no space before the value".to_string()))?;
        let mut fields = rest.split(' ');
        let value = parse_value(fields.next().unwrap_or_default()).map_err(fail)?;
        if let Some(timestamp) = fields.next() {
            timestamp
                .parse::<i64>()
                .map_err(|_| fail("bad timestamp".to_string()))?;
        }
        if fields.next().is_some() {
            return Err(fail("trailing fields".to_string()));
        }
        let mut key = labels.clone();
        key.sort();
        if !series.insert((name.to_string(), key)) {
            return Err(fail("a series twice".to_string()));
        }
        samples.push((name.to_string(), labels, value));
    }
    Ok(samples)
}

#[test]
fn the_exposition_check_rejects_malformed_lines() {
    let head = "# HELP x h\n# TYPE x gauge\n";
    for bad in [
        "x{a=\"b\"c\"} 1\n",
        "x{a=\"b\\q\"} 1\n",
        "x{a=\"b} 1\n",
        "x{1a=\"b\"} 1\n",
        "x{a=\"b\",a=\"c\"} 1\n",
        "x{a=\"b\"} one\n",
        "x{a=\"b\"} inf\n",
        "x{a=\"b\"} 1\nx{a=\"b\"} 2\n",
        "x 1 2 3\n",
        "y 1\n",
    ] {
        assert!(
            parse_exposition(&format!("{head}{bad}")).is_err(),
            "accepted {bad:?}"
        );
    }
    assert!(parse_exposition("x 1\n").is_err(), "a sample without TYPE");
    let good = format!("{head}x{{a=\"q\\\"\\\\\\n\"}} +Inf\nx 0.5 1700000000\n");
    let samples = parse_exposition(&good).unwrap();
    assert_eq!(samples[0].1, [("a".to_string(), "q\"\\\n".to_string())]);
}

/// Why `metrics.prom` is not written by the `prometheus` crate (docs/reports.md): its
/// text encoder spells infinity `inf` (Rust's `f64` display), which is not the format's
/// `+Inf` and which this strict reading refuses, and its registry sorts families by
/// name and series by label values, so run order is lost. If this test fails, the crate
/// has changed and the choice should be made again.
#[test]
fn the_prometheus_crate_cannot_write_what_metrics_prom_needs() {
    use prometheus::{Encoder as _, GaugeVec, Opts, Registry, TextEncoder};
    let registry = Registry::new();
    let recovery = GaugeVec::new(
        Opts::new("chaosc_probe_recovery_seconds", "never recovered is +Inf"),
        &["scenario"],
    )
    .unwrap();
    let exit = GaugeVec::new(Opts::new("chaosc_run_exit_code", "exit"), &[]).unwrap();
    registry.register(Box::new(exit.clone())).unwrap();
    registry.register(Box::new(recovery.clone())).unwrap();
    exit.with_label_values::<&str>(&[]).set(1.0);
    // Scenarios in run order: `second` ran first.
    recovery.with_label_values(&["second"]).set(f64::INFINITY);
    recovery.with_label_values(&["first"]).set(2.5);
    let mut text = Vec::new();
    TextEncoder::new()
        .encode(&registry.gather(), &mut text)
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("chaosc_probe_recovery_seconds{scenario=\"second\"} inf\n"),
        "{text}"
    );
    assert!(parse_exposition(&text).is_err(), "{text}");
    let position = |needle: &str| text.find(needle).unwrap_or(usize::MAX);
    assert!(position("scenario=\"first\"") < position("scenario=\"second\""));
    assert!(position("chaosc_probe_recovery_seconds") < position("chaosc_run_exit_code"));
}

fn find<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    samples.iter().find(|(n, l, _)| {
        n == name
            && labels
                .iter()
                .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
    })
}

#[test]
fn prometheus_text_is_in_the_exposition_grammar() {
    let results = fixture();
    let text = chaosc::report::render_prometheus(&results);
    let samples = parse_exposition(&text).unwrap_or_else(|e| panic!("{e}\n\n{text}"));
    let value = |name: &str, labels: &[(&str, &str)]| {
        find(&samples, name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?}"))
            .2
    };

    assert_eq!(value("chaosc_run_exit_code", &[]), 130.0);
    assert_eq!(
        value(
            "chaosc_run_info",
            &[("environment", "staging \"eu\""), ("seed", "42")]
        ),
        1.0
    );
    assert_eq!(value("chaosc_run_duration_seconds", &[]), 191.75);
    // Every scenario has exactly one verdict series, with its verdict.
    for s in &results.scenarios {
        let verdicts: Vec<_> = samples
            .iter()
            .filter(|(n, l, _)| {
                n == "chaosc_scenario_verdict"
                    && l.iter().any(|(k, v)| k == "scenario" && *v == s.name)
            })
            .collect();
        assert_eq!(verdicts.len(), 1, "{}", s.name);
        assert!(verdicts[0]
            .1
            .contains(&("verdict".to_string(), s.verdict.as_str().to_string())));
    }
    assert_eq!(
        value("chaosc_scenario_passed", &[("scenario", HOSTILE)]),
        1.0
    );
    assert_eq!(
        value("chaosc_scenario_passed", &[("scenario", "Latency budget")]),
        0.0
    );
    assert!(find(
        &samples,
        "chaosc_scenario_passed",
        &[("scenario", "Production only")]
    )
    .is_none());

    // Units: percent as a ratio, ms as seconds, never-recovered as +Inf.
    let budget = [("scenario", "Latency budget")];
    let availability = [
        budget[0],
        ("assertion", "availability(home) >= 99% during chaos"),
    ];
    assert_eq!(
        value(
            "chaosc_assertion_measured",
            &[availability[0], availability[1], ("unit", "ratio")]
        ),
        0.97125
    );
    assert_eq!(value("chaosc_assertion_threshold", &availability), 0.99);
    assert_eq!(value("chaosc_assertion_passed", &availability), 0.0);
    let recovery = [
        budget[0],
        ("assertion", "recovery_time(home) <= 5s"),
        ("unit", "seconds"),
    ];
    assert_eq!(value("chaosc_assertion_measured", &recovery), f64::INFINITY);
    assert_eq!(value("chaosc_assertion_threshold", &recovery), 5.0);
    let inconclusive = [
        budget[0],
        ("assertion", "latency_degradation(home, p95) <= 300ms"),
    ];
    assert_eq!(value("chaosc_assertion_inconclusive", &inconclusive), 1.0);
    assert_eq!(value("chaosc_assertion_passed", &inconclusive), 0.0);
    assert!(find(&samples, "chaosc_assertion_measured", &inconclusive).is_none());
    assert_eq!(
        value(
            "chaosc_assertion_passed",
            &[
                ("scenario", "Baseline too noisy"),
                ("assertion", "steady_state: error_rate(home) <= 1%")
            ]
        ),
        0.0
    );

    // Hostile names come back exactly.
    assert_eq!(
        value(
            "chaosc_assertion_passed",
            &[("scenario", HOSTILE), ("assertion", HOSTILE)]
        ),
        1.0
    );
    assert_eq!(
        value(
            "chaosc_probe_samples",
            &[("scenario", HOSTILE), ("probe", HOSTILE)]
        ),
        200.0
    );
    assert_eq!(
        value(
            "chaosc_step_lateness_seconds",
            &[("scenario", HOSTILE), ("step", HOSTILE)]
        ),
        0.00175
    );

    let home = [("scenario", "Latency budget"), ("probe", "home")];
    assert_eq!(
        value(
            "chaosc_probe_failures",
            &[home[0], home[1], ("outcome", "timeout")]
        ),
        3.0
    );
    assert_eq!(
        value(
            "chaosc_probe_latency_seconds",
            &[home[0], home[1], ("quantile", "0.95")]
        ),
        0.1505
    );
    assert_eq!(
        value(
            "chaosc_probe_latency_seconds",
            &[home[0], home[1], ("quantile", "1")]
        ),
        2.0
    );

    let error = [("scenario", "Fault without effect"), ("step", "cpu_hog")];
    assert_eq!(
        value(
            "chaosc_fault_took_effect",
            &[error[0], error[1], ("kind", "cpu_stress")]
        ),
        0.0
    );
    assert_eq!(
        value(
            "chaosc_fault_evidence",
            &[error[0], error[1], ("measurement", "cpu_seconds")]
        ),
        0.01
    );
    assert_eq!(
        value(
            "chaosc_step_lateness_seconds",
            &[error[0], ("step", "slow_network")]
        ),
        0.0125
    );
}

// ---------------------------------------------------------------- write_all

#[test]
fn write_all_writes_whole_files_and_results_read_back() {
    let dir = tempfile::tempdir().unwrap();
    // Others write into the folder too; their files stay as they are.
    std::fs::write(dir.path().join("journal"), "applied\n").unwrap();
    let results = fixture();
    for _ in 0..2 {
        // The second time replaces the first.
        let written = chaosc::report::write_all(dir.path(), &results).unwrap();
        let names: Vec<_> = written
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "results.json",
                "report.md",
                "junit.xml",
                "metrics.prom",
                "report.html"
            ]
        );
    }
    let mut entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            "journal",
            "junit.xml",
            "metrics.prom",
            "report.html",
            "report.md",
            "results.json"
        ],
        "no temporary file is left"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("journal")).unwrap(),
        "applied\n"
    );

    let json = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    let back: RunResults = serde_json::from_str(&json).unwrap();
    assert_eq!(back, results);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("report.md")).unwrap(),
        chaosc::report::render_markdown(&results)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("metrics.prom")).unwrap(),
        chaosc::report::render_prometheus(&results)
    );
}

#[test]
fn write_all_into_a_missing_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not-there");
    let error = chaosc::report::write_all(&missing, &fixture()).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    assert!(!missing.exists());
}

#[test]
fn a_failed_scenario_is_never_green_in_junit() {
    // A `failed` verdict whose assertions all say passed (inconsistent, but possible
    // from a future cause of failure) still fails its testsuite.
    let mut results = fixture();
    let failed = &mut results.scenarios[3];
    assert_eq!(failed.verdict, Verdict::Failed);
    for a in &mut failed.assertions {
        a.status = AssertionStatus::Passed;
    }
    let xml = chaosc::report::render_junit(&results);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("Latency budget"))
        .expect("the suite");
    assert_eq!(suite.attribute("failures"), Some("1"));
    let case = suite
        .children()
        .find(|n| n.attribute("name") == Some("scenario"))
        .expect("a scenario testcase");
    let failure = case.children().find(|n| n.has_tag_name("failure"));
    assert_eq!(
        failure.and_then(|n| n.attribute("message")),
        Some("2 blocking assertions failed")
    );
}

#[test]
fn a_run_without_scenarios_renders() {
    let mut results = fixture();
    results.scenarios.clear();
    results.services.clear();
    results.method.clear();
    results.environment = None;
    let md = chaosc::report::render_markdown(&results);
    assert!(md.contains("No scenario ran."), "{md}");
    let xml = chaosc::report::render_junit(&results);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    assert_eq!(doc.root_element().attribute("tests"), Some("0"));
    let text = chaosc::report::render_prometheus(&results);
    let samples = parse_exposition(&text).unwrap_or_else(|e| panic!("{e}\n\n{text}"));
    assert!(find(&samples, "chaosc_run_info", &[("environment", "")]).is_some());
    assert!(find(&samples, "chaosc_scenario_verdict", &[]).is_none());
}

#[test]
fn docs_list_every_metric_and_no_other() {
    let text = chaosc::report::render_prometheus(&fixture());
    let emitted: std::collections::BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_string)
        .collect();
    let docs = std::fs::read_to_string(root().join("docs/reports.md")).unwrap();
    let (file_section, live_section) = docs
        .split_once("### Live metrics")
        .expect("docs/reports.md has a live metrics section");
    assert_eq!(
        emitted,
        documented_metrics(file_section),
        "docs/reports.md's metric table"
    );

    // The live table: what a running scenario adds (an ended one is as in the file).
    let live = chaosc::report::prometheus::LiveRun {
        run_id: "r".into(),
        running: Some(chaosc::report::prometheus::Running {
            scenario: "s".into(),
            phase: "chaos".into(),
            probes: vec![chaosc::report::prometheus::LiveProbe {
                name: "p".into(),
                samples: 3,
                failures: [("status".to_string(), 1)].into(),
            }],
            faults: vec![("burn".into(), "cpu_stress".into())],
        }),
        ..Default::default()
    };
    let text = chaosc::report::prometheus::render_live(&live);
    parse_exposition(&text).unwrap_or_else(|e| panic!("{e}\n\n{text}"));
    let live_emitted: std::collections::BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_string)
        .collect();
    let live_section = live_section.split("\n### ").next().unwrap_or(live_section);
    assert_eq!(
        live_emitted,
        documented_metrics(live_section),
        "docs/reports.md's live metric table"
    );
}

fn documented_metrics(docs: &str) -> std::collections::BTreeSet<String> {
    docs.lines()
        .filter_map(|l| l.strip_prefix("| `chaosc_"))
        .filter_map(|l| l.split('`').next())
        .map(|name| format!("chaosc_{name}"))
        .collect()
}

/// Runs headless Chromium with `args` (then the page's URL), within a time limit; its
/// stdout. Chromium writes its profile into `profile`, not the user's home.
fn chromium(args: &[&str], page: &Path, profile: &Path) -> String {
    use std::process::{Command, Stdio};
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--window-size=1000,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = std::time::Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if started.elapsed() > std::time::Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took longer than 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium is reaped");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What people see: the page rendered by a real browser (headless Chromium) is not
/// blank, and its DOM holds the step names, the standard figures and the chart.
#[test]
fn html_renders_in_a_browser_with_steps_and_figures() {
    if !components::available(
        "chromium",
        components::on_path("chromium"),
        "headless Chromium renders report.html (Debian package `chromium`)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("report.html");
    std::fs::write(&page, chaosc::report::render_html(&fixture())).expect("the page");
    let profile = dir.path().join("profile");

    let shot = dir.path().join("shot.png");
    chromium(
        &[&format!("--screenshot={}", shot.display())],
        &page,
        &profile,
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).expect("a screenshot"));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    let channels = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0usize;
    for px in pixels[..info.buffer_size()].chunks(channels) {
        colours.insert(px[..3].to_vec());
        if px[..3].iter().any(|c| *c < 200) {
            inked += 1;
        }
    }
    let total = (info.width * info.height) as usize;
    assert_eq!((info.width, info.height), (1000, 1600));
    assert!(
        colours.len() > 50 && inked * 100 > total * 2,
        "the page looks blank: {} colours, {inked} of {total} pixels inked",
        colours.len()
    );

    let dom = chromium(&["--dump-dom"], &page, &profile);
    for needle in [
        "cpu_hog",
        "Probes: standard figures per phase",
        "Probes: failures and recovery over the scenario",
        "150.5 ms",
        "<svg",
        "p95",
    ] {
        assert!(
            dom.contains(needle),
            "`{needle}` is not in the rendered DOM"
        );
    }
}
