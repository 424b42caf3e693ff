use super::*;
use crate::plan::{
    Capability, CompareOp, Direction, Level, ParamSource, Recovery, Safety, SourceSpan,
    PLAN_VERSION,
};
use crate::plan::{Metric, Window};
use std::collections::BTreeMap;

fn span(file: &str, line: usize, column: usize) -> SourceSpan {
    SourceSpan {
        file: file.into(),
        line,
        column,
        start: 0,
        end: 0,
    }
}

fn origin(level: Level, file: &str, line: usize, column: usize) -> Origin {
    Origin {
        level,
        span: span(file, line, column),
    }
}

fn lit(s: &str) -> Text {
    Text::Literal(s.into())
}

fn cond(
    metric: Metric,
    probe: &str,
    percentile: Option<f64>,
    op: CompareOp,
    t: Threshold,
) -> Condition {
    Condition {
        metric,
        probe: Some(probe.into()),
        percentile,
        op,
        threshold: t,
    }
}

fn assertion(
    condition: Condition,
    window: Window,
    severity: Severity,
    origin: Origin,
) -> Assertion {
    Assertion {
        condition,
        window,
        severity,
        origin,
    }
}

fn http_probe(
    name: &str,
    url: &str,
    schedule: Schedule,
    timeout_ms: u64,
    status: (u16, u16),
) -> Probe {
    Probe {
        doc: None,
        name: name.into(),
        check: ProbeCheck::Http {
            url: lit(url),
            method: "GET".into(),
            status,
            body_contains: None,
            headers: BTreeMap::new(),
            body: None,
            json: None,
        },
        schedule,
        timeout_ms,
        span: span("quickstart.chaos", 11, 1),
    }
}

const Q: &str = "quickstart.chaos";
const DB: &str = "database.chaos";

/// The quickstart (CPU hog 0–10s, then latency 10–20s on a proxy, baseline 5s, recover
/// within 10s), a destructive container scenario, a skipped scenario and a suite, as the
/// lowering would produce them with `--env production`.
fn sample_plan() -> Plan {
    let home = http_probe(
        "home",
        "http://127.0.0.1:18081/",
        Schedule::EveryMs(200),
        2_000,
        (200, 399),
    );
    let edge = Target::Proxy {
        doc: None,
        name: Some("edge".into()),
        listen: lit("127.0.0.1:18081"),
        upstream: lit("127.0.0.1:18080"),
    };
    let file_abort = Abort {
        condition: cond(
            Metric::ConsecutiveFailures,
            "home",
            None,
            CompareOp::Ge,
            Threshold::Count(10),
        ),
        over_ms: None,
        origin: origin(Level::File, DB, 9, 3),
    };
    let quickstart = Scenario {
        doc: None,
        name: "Web server under CPU load and latency".into(),
        description: Some("CPU hog for 10s, then 150ms of added latency for 10s".into()),
        tags: vec!["smoke".into()],
        skipped: None,
        baseline_ms: 5_000,
        steady_state: vec![],
        steps: vec![
            Step {
                name: "cpu_hog".into(),
                fault: Fault::CpuStress {
                    workers: Some(2),
                    load_percent: 80.0,
                },
                target: Target::Host,
                start_ms: 0,
                duration_ms: Some(10_000),
                sustained: true,
                capabilities: vec![],
                destructive: false,
                span: span(Q, 18, 5),
            },
            Step {
                name: "slow_network".into(),
                fault: Fault::Latency {
                    delay_ms: 150.0,
                    jitter_ms: 10.0,
                    direction: Direction::Both,
                },
                target: edge,
                start_ms: 10_000,
                duration_ms: Some(10_000),
                sustained: true,
                capabilities: vec![],
                destructive: false,
                span: span(Q, 19, 5),
            },
        ],
        chaos_ms: 20_000,
        recovery: Recovery {
            within_ms: 10_000,
            checks: 3,
        },
        probes: vec![home],
        assertions: vec![
            assertion(
                cond(
                    Metric::Availability,
                    "home",
                    None,
                    CompareOp::Ge,
                    Threshold::Percent(99.0),
                ),
                Window::Chaos,
                Severity::Blocking,
                origin(Level::Scenario, Q, 23, 5),
            ),
            assertion(
                cond(
                    Metric::LatencyDegradation,
                    "home",
                    Some(95.0),
                    CompareOp::Le,
                    Threshold::Ms(300.0),
                ),
                Window::Chaos,
                Severity::Blocking,
                origin(Level::Scenario, Q, 24, 5),
            ),
            assertion(
                cond(
                    Metric::RecoveryTime,
                    "home",
                    None,
                    CompareOp::Le,
                    Threshold::Ms(5_000.0),
                ),
                Window::Recovery,
                Severity::Blocking,
                origin(Level::Scenario, Q, 25, 5),
            ),
            assertion(
                cond(
                    Metric::Mttr,
                    "home",
                    None,
                    CompareOp::Le,
                    Threshold::Ms(30_000.0),
                ),
                Window::Run,
                Severity::Blocking,
                origin(Level::Environment, "std/environments.chaos", 12, 7),
            ),
            assertion(
                cond(
                    Metric::Latency,
                    "home",
                    Some(99.0),
                    CompareOp::Le,
                    Threshold::Ms(250.0),
                ),
                Window::Chaos,
                Severity::Warn,
                origin(Level::Scenario, Q, 26, 5),
            ),
        ],
        aborts: vec![
            Abort {
                condition: cond(
                    Metric::ErrorRate,
                    "home",
                    None,
                    CompareOp::Gt,
                    Threshold::Percent(50.0),
                ),
                over_ms: Some(5_000),
                origin: origin(Level::Scenario, Q, 28, 3),
            },
            file_abort.clone(),
        ],
        max_duration_ms: None,
        capabilities: vec![],
        span: span(Q, 13, 1),
    };
    let health = http_probe(
        "health",
        "http://127.0.0.1:8000/api/health",
        Schedule::EveryMs(2_000),
        5_000,
        (200, 200),
    );
    let load = http_probe(
        "load",
        "http://127.0.0.1:8000/api/items",
        Schedule::RatePerSecond(200.0),
        1_000,
        (200, 299),
    );
    let db = Target::Container {
        doc: None,
        name: Some("db".into()),
        selector: ContainerSelector::Name(lit("postgres")),
        docker_host: None,
    };
    let outage = Scenario {
        doc: None,
        name: "Database Brief Outage".into(),
        description: Some("Brief database downtime to test connection pooling".into()),
        tags: vec!["infrastructure".into(), "destructive".into()],
        skipped: None,
        baseline_ms: 10_000,
        steady_state: vec![assertion(
            cond(
                Metric::Availability,
                "health",
                None,
                CompareOp::Ge,
                Threshold::Percent(99.0),
            ),
            Window::Baseline,
            Severity::Blocking,
            origin(Level::Scenario, DB, 17, 19),
        )],
        steps: vec![
            Step {
                name: "outage".into(),
                fault: Fault::ContainerStop { timeout_ms: 10_000 },
                target: db.clone(),
                start_ms: 0,
                duration_ms: Some(10_000),
                sustained: true,
                capabilities: vec![],
                destructive: true,
                span: span(DB, 19, 5),
            },
            Step {
                name: "bounce".into(),
                fault: Fault::ContainerRestart { timeout_ms: 10_000 },
                target: db,
                start_ms: 12_000,
                duration_ms: None,
                sustained: false,
                capabilities: vec![],
                destructive: true,
                span: span(DB, 20, 5),
            },
        ],
        chaos_ms: 12_000,
        recovery: Recovery {
            within_ms: 15_000,
            checks: 3,
        },
        probes: vec![health, load],
        assertions: vec![
            assertion(
                cond(
                    Metric::Mttr,
                    "health",
                    None,
                    CompareOp::Le,
                    Threshold::Ms(30_000.0),
                ),
                Window::Run,
                Severity::Blocking,
                origin(Level::Scenario, DB, 24, 5),
            ),
            assertion(
                cond(
                    Metric::Availability,
                    "load",
                    None,
                    CompareOp::Ge,
                    Threshold::Percent(99.5),
                ),
                Window::Chaos,
                Severity::Blocking,
                origin(Level::Environment, "std/environments.chaos", 14, 7),
            ),
            assertion(
                cond(
                    Metric::ErrorRate,
                    "health",
                    None,
                    CompareOp::Le,
                    Threshold::Percent(8.0),
                ),
                Window::Chaos,
                Severity::Warn,
                origin(Level::Scenario, DB, 26, 5),
            ),
        ],
        aborts: vec![file_abort.clone()],
        max_duration_ms: Some(120_000),
        capabilities: vec![Capability::Docker],
        span: span(DB, 14, 1),
    };
    let skipped = Scenario {
        doc: None,
        name: "Medium CPU Stress".into(),
        description: Some("CPU exhaustion with 4 workers".into()),
        tags: vec![],
        skipped: Some("not in the allow list of environment `production`".into()),
        baseline_ms: 10_000,
        steady_state: vec![],
        steps: vec![Step {
            name: "cpu_stress#1".into(),
            fault: Fault::CpuStress {
                workers: Some(4),
                load_percent: 100.0,
            },
            target: Target::Host,
            start_ms: 0,
            duration_ms: Some(45_000),
            sustained: true,
            capabilities: vec![],
            destructive: false,
            span: span(Q, 40, 1),
        }],
        chaos_ms: 45_000,
        recovery: Recovery {
            within_ms: 30_000,
            checks: 3,
        },
        probes: vec![],
        assertions: vec![],
        aborts: vec![],
        max_duration_ms: None,
        capabilities: vec![],
        span: span(Q, 40, 1),
    };
    Plan {
        plan_version: PLAN_VERSION,
        source: Q.into(),
        environment: Some("production".into()),
        params: vec![
            ParamValue {
                name: "port".into(),
                ty: "int".into(),
                value: Some(serde_json::json!(18080)),
                from: ParamSource::Default,
            },
            ParamValue {
                name: "api_token".into(),
                ty: "string".into(),
                value: Some(serde_json::json!({ "env": "API_TOKEN" })),
                from: ParamSource::Default,
            },
            ParamValue {
                name: "settle".into(),
                ty: "duration".into(),
                value: Some(serde_json::json!(90_000)),
                from: ParamSource::CommandLine,
            },
        ],
        services: vec![Service {
            name: "web".into(),
            argv: vec![
                lit("python3"),
                lit("-m"),
                lit("http.server"),
                lit("18080"),
                lit("--bind"),
                lit("127.0.0.1"),
            ],
            ready: Some(Ready::Url(lit("http://127.0.0.1:18080/"))),
            cwd: None,
            env: BTreeMap::from([(
                "AUTH".to_string(),
                Text::Concat {
                    concat: vec![
                        lit("Bearer "),
                        Text::Env {
                            env: "API_TOKEN".into(),
                        },
                    ],
                },
            )]),
            ready_timeout_ms: 30_000,
            span: span(Q, 5, 1),
        }],
        safety: Safety {
            max_duration_ms: Some(600_000),
            cooldown_ms: 5_000,
            confirm: vec!["memory_stress".into()],
            allow_targets: vec!["postgres".into(), "backend-*".into()],
            abort: vec![file_abort],
        },
        scenarios: vec![quickstart, outage, skipped],
        suites: vec![Suite {
            doc: None,
            name: "smoke_test".into(),
            description: Some("Quick smoke test with light chaos".into()),
            scenarios: vec![
                "Web server under CPU load and latency".into(),
                "Database Brief Outage".into(),
            ],
            cooldown_ms: 5_000,
        }],
    }
}

fn plain(width: usize) -> ViewOptions {
    ViewOptions {
        width,
        color: false,
        ascii: false,
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn assert_within(text: &str, width: usize) {
    for line in text.lines() {
        // below 60 columns, a single long word (an address) may stick out
        let one_word = !line.trim_start().contains(' ');
        assert!(
            line.chars().count() <= width || (width < 60 && one_word),
            "line wider than {width}: {line:?}\n{text}"
        );
    }
}

#[test]
fn snapshot_width_100() {
    insta::assert_snapshot!(render(&sample_plan(), &plain(100)));
}

#[test]
fn snapshot_width_60() {
    insta::assert_snapshot!(render(&sample_plan(), &plain(60)));
}

#[test]
fn snapshot_ascii_width_80() {
    let options = ViewOptions {
        width: 80,
        color: false,
        ascii: true,
    };
    insta::assert_snapshot!(render(&sample_plan(), &options));
}

#[test]
fn lines_stay_within_the_width() {
    let plan = sample_plan();
    for width in 40..=140 {
        assert_within(&render(&plan, &plain(width)), width);
    }
}

#[test]
fn colour_only_adds_escape_codes() {
    let plan = sample_plan();
    for width in [60, 100] {
        let plain_text = render(&plan, &plain(width));
        assert!(!plain_text.contains('\x1b'));
        let coloured = render(
            &plan,
            &ViewOptions {
                width,
                color: true,
                ascii: false,
            },
        );
        assert_eq!(strip_ansi(&coloured), plain_text);
        // destructive steps are red, warn assertions yellow, the axis dim
        assert!(coloured.contains("\x1b[31moutage"), "{coloured}");
        assert!(coloured.contains("    \x1b[33mlatency(home, p99) <= 250ms"));
        assert!(coloured.contains("\x1b[2m-5s"));
    }
}

#[test]
fn ascii_output_is_ascii() {
    let options = ViewOptions {
        width: 100,
        color: false,
        ascii: true,
    };
    let text = render(&sample_plan(), &options);
    assert!(text.is_ascii(), "{text}");
    assert!(text.contains("##########"));
    assert!(text.contains("....."));
}

#[test]
fn env_values_are_named_never_read() {
    let text = render(&sample_plan(), &plain(100));
    assert!(text.contains("api_token = env(API_TOKEN)"), "{text}");
    assert!(text.contains("AUTH=\"Bearer ${env(API_TOKEN)}\""), "{text}");
}

#[test]
fn a_skipped_scenario_shows_only_its_name_and_why() {
    let mut plan = sample_plan();
    plan.scenarios.retain(|s| s.skipped.is_some());
    plan.suites.clear();
    let text = render(&plan, &plain(80));
    let lines: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("━━")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("━━ Medium CPU Stress (1/1) ━━━"));
    assert_eq!(lines[0].chars().count(), 80);
    assert_eq!(
        lines[1],
        "  skipped: not in the allow list of environment `production`"
    );
    assert!(!text.contains("cpu_stress"));
}

#[test]
fn a_step_at_10s_to_20s_on_a_30s_axis_of_60_columns() {
    assert_eq!(bar_cells(10_000, 20_000, 0, 30_000, 60), 20..40);
    assert_eq!(bar_cells(0, 30_000, 0, 30_000, 60), 0..60);
    // the axis may start before 0 (the baseline): cells count from its start
    assert_eq!(bar_cells(0, 10_000, -5_000, 25_000, 60), 10..30);
    assert_eq!(bar_cells(-5_000, 0, -5_000, 25_000, 60), 0..10);
    // a short step still gets a cell; a step past the end is clamped
    assert_eq!(bar_cells(10_000, 10_001, 0, 30_000, 60), 20..21);
    assert_eq!(bar_cells(29_999, 40_000, 0, 30_000, 60), 59..60);
    assert_eq!(bar_cells(0, 0, 0, 0, 10), 0..1);
    assert_eq!(bar_cells(0, 10, 0, 10, 0), 0..0);
    // boundaries round to the nearest column
    assert_eq!(boundary(250, 0, 1_000, 10), 3);
    assert_eq!(boundary(240, 0, 1_000, 10), 2);
    assert_eq!(instant_cell(12_000, 0, 30_000, 60), 24);
    assert_eq!(instant_cell(30_000, 0, 30_000, 60), 59);
}

#[test]
fn the_chart_row_of_a_step_covers_its_cells() {
    // 0s–30s with no baseline and no recovery at a width giving 60 axis columns
    let mut plan = sample_plan();
    plan.scenarios.truncate(1);
    let scenario = &mut plan.scenarios[0];
    scenario.baseline_ms = 0;
    scenario.recovery.within_ms = 0;
    scenario.chaos_ms = 30_000;
    scenario.steps.truncate(1);
    scenario.steps[0].start_ms = 10_000;
    scenario.steps[0].duration_ms = Some(10_000);
    // 2 + "baseline" + 2 + 60 + 1 + 1 + "10s–20s"
    let width = 2 + 8 + 2 + 60 + 1 + 1 + 7;
    let text = render(&plan, &plain(width));
    let row = text
        .lines()
        .find(|l| l.starts_with("  cpu_hog"))
        .expect("a row for the step");
    let cells: Vec<char> = row.chars().skip(12).take(60).collect();
    let covered: Vec<usize> = (0..60).filter(|&i| cells[i] == '█').collect();
    assert_eq!(covered, (20..40).collect::<Vec<_>>(), "{text}");
    assert!(row.ends_with("  10s–20s"), "{row}");
}

#[test]
fn ticks_are_round_and_readable() {
    let times = |ticks: Vec<(i64, usize)>| ticks.into_iter().map(|(t, _)| t).collect::<Vec<_>>();
    // the quickstart: -5s…30s on 72 columns: every 5s
    assert_eq!(
        times(axis_ticks(-5_000, 30_000, 72)),
        [-5_000, 0, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000]
    );
    // the same on 32 columns: every 10s, and -5s is not a multiple
    assert_eq!(
        times(axis_ticks(-5_000, 30_000, 32)),
        [0, 10_000, 20_000, 30_000]
    );
    // boundaries are where the bars are
    assert_eq!(
        axis_ticks(0, 30_000, 60),
        [
            (0, 0),
            (5_000, 10),
            (10_000, 20),
            (15_000, 30),
            (20_000, 40),
            (25_000, 50),
            (30_000, 60)
        ]
    );
    // an hour: every 10 minutes
    let hour = times(axis_ticks(0, 3_600_000, 70));
    assert_eq!(hour.len(), 13);
    assert_eq!(hour[1], 300_000);
    // sub-second axes get millisecond ticks
    assert_eq!(
        times(axis_ticks(0, 1_000, 50)),
        [0, 200, 400, 600, 800, 1_000]
    );
    // degenerate axes still mark 0s
    assert_eq!(axis_ticks(0, 0, 20), [(0, 0)]);
    assert_eq!(times(axis_ticks(0, i64::MAX / 4, 20)), [0]);
    // labels never touch
    for columns in [12, 20, 33, 60, 97] {
        for end in [1, 999, 7_000, 35_000, 95_000, 600_000, 5_400_000] {
            let ticks = axis_ticks(-1_000, end, columns);
            let labels = tick_labels(&ticks, columns + 10);
            assert!(!labels.contains("s-") && !labels.contains("sm"), "{labels}");
        }
    }
}

#[test]
fn tick_labels_fit_their_room() {
    let ticks = [(0, 0), (10_000, 10), (20_000, 20)];
    assert_eq!(tick_labels(&ticks, 23), "0s        10s       20s");
    // the last label is pulled left to end at the room's edge
    assert_eq!(tick_labels(&ticks, 22), "0s        10s      20s");
    // and left out when it would touch its neighbour
    assert_eq!(tick_labels(&ticks, 16), "0s        10s");
}

#[test]
fn quantities_in_readable_units() {
    assert_eq!(duration(0), "0s");
    assert_eq!(duration(150), "150ms");
    assert_eq!(duration(1_500), "1.5s");
    assert_eq!(duration(45_000), "45s");
    assert_eq!(duration(90_000), "1m30s");
    assert_eq!(duration(7_200_000), "2h");
    assert_eq!(signed_duration(-5_000), "-5s");
    assert_eq!(bandwidth(1_250_000.0), "10 Mbps");
    assert_eq!(bandwidth(187_500_000.0), "1.5 Gbps");
    assert_eq!(bandwidth(2.0 * 1_048_576.0), "2 MiB/s");
    assert_eq!(bandwidth(12.5), "100 bps");
    assert_eq!(number(99.9), "99.9");
    assert_eq!(number(80.0), "80");
}

#[test]
fn faults_and_targets_in_words() {
    let g = &UNICODE;
    let cases = [
        (
            Fault::CpuStress {
                workers: Some(2),
                load_percent: 80.0,
            },
            "cpu_stress 80% × 2 workers",
        ),
        (
            Fault::MemoryStress {
                size_bytes: 256 << 20,
                ramp_ms: 0,
            },
            "memory_stress 256 MiB",
        ),
        (
            Fault::MemoryStress {
                size_bytes: 1 << 30,
                ramp_ms: 30_000,
            },
            "memory_stress 1 GiB, reached over 30s",
        ),
        (
            Fault::Latency {
                delay_ms: 150.0,
                jitter_ms: 10.0,
                direction: Direction::Both,
            },
            "latency +150ms ±10ms",
        ),
        (
            Fault::PacketLoss {
                rate_percent: 5.0,
                direction: Direction::Upstream,
            },
            "packet_loss 5% of packets, upstream only (client → server)",
        ),
        (
            Fault::Bandwidth {
                bytes_per_second: 1_250_000.0,
                direction: Direction::Both,
            },
            "bandwidth limited to 10 Mbps",
        ),
        (
            Fault::ProcessKill {
                signal: "SIGTERM".into(),
                restart: Some(vec![lit("systemctl"), lit("start"), lit("my app")]),
            },
            "process_kill with SIGTERM, restarted with systemctl start \"my app\"",
        ),
        (
            Fault::Exec {
                run: vec![lit("iptables"), lit("-A")],
                revert: None,
                timeout_ms: 60_000,
            },
            "exec iptables -A, timeout 1m",
        ),
    ];
    for (f, words) in cases {
        assert_eq!(fault(&f, g), words);
    }
    let targets = [
        (Target::Host, "host"),
        (
            Target::Process {
                doc: None,
                name: Some("web".into()),
                selector: ProcessSelector::Service("web".into()),
                all: false,
            },
            "process web (service)",
        ),
        (
            Target::Process {
                doc: None,
                name: None,
                selector: ProcessSelector::Name(lit("nginx")),
                all: true,
            },
            "every process named nginx",
        ),
        (
            Target::Container {
                doc: None,
                name: None,
                selector: ContainerSelector::Name(lit("postgres")),
                docker_host: None,
            },
            "container postgres",
        ),
        (
            Target::Container {
                doc: None,
                name: Some("db".into()),
                selector: ContainerSelector::Label(lit("app=db")),
                docker_host: Some(Text::Env {
                    env: "DOCKER_HOST".into(),
                }),
            },
            "container db (label app=db) at env(DOCKER_HOST)",
        ),
        (
            Target::Proxy {
                doc: None,
                name: Some("edge".into()),
                listen: lit("127.0.0.1:18081"),
                upstream: lit("127.0.0.1:8080"),
            },
            "proxy edge 127.0.0.1:18081→127.0.0.1:8080",
        ),
        (
            Target::Interface {
                doc: None,
                name: None,
                device: lit("eth0"),
                netns: Some(lit("blue")),
            },
            "interface eth0 in netns blue",
        ),
    ];
    for (t, words) in targets {
        assert_eq!(target(&t, g), words);
    }
}

#[test]
fn long_step_names_get_a_line_of_their_own() {
    let mut plan = sample_plan();
    plan.scenarios.truncate(1);
    let long = "a_step_name_much_longer_than_a_quarter_of_the_width";
    plan.scenarios[0].steps[0].name = long.into();
    let text = render(&plan, &plain(80));
    assert!(text.contains(&format!("\n  {long}\n")), "{text}");
    // the bar row of that step follows, with an empty label: 2 + 20 (a quarter of 80)
    // + 2 columns, then the 5s baseline as blank cells, then the bar
    let after = text
        .split_once(&format!("\n  {long}\n"))
        .map(|(_, r)| r)
        .unwrap_or("");
    let row = after.lines().next().unwrap_or("");
    assert!(row.starts_with(&" ".repeat(24)), "{row}");
    assert!(row.trim_start().starts_with("████"), "{row}");
    assert!(row.ends_with("  0s–10s"), "{row}");
    // and in the list of steps the name has a line of its own too
    assert!(
        text.contains(&format!("\n    {long}\n{}cpu_stress", " ".repeat(26))),
        "{text}"
    );
}

#[test]
fn odd_plans_do_not_panic() {
    let mut rng = fastrand::Rng::with_seed(7);
    let base = sample_plan();
    for round in 0..300 {
        let mut plan = base.clone();
        for scenario in &mut plan.scenarios {
            scenario.skipped = None;
            scenario.baseline_ms = if round % 7 == 0 {
                u64::MAX
            } else {
                rng.u64(0..100_000)
            };
            scenario.chaos_ms = rng.u64(0..200_000);
            scenario.recovery.within_ms = if round % 11 == 0 {
                0
            } else {
                rng.u64(0..60_000)
            };
            for step in &mut scenario.steps {
                step.start_ms = rng.u64(0..300_000);
                step.duration_ms = match rng.u8(0..3) {
                    0 => None,
                    1 => Some(0),
                    _ => Some(if round % 13 == 0 {
                        u64::MAX
                    } else {
                        rng.u64(0..100_000)
                    }),
                };
            }
        }
        let options = ViewOptions {
            width: rng.usize(0..200),
            color: rng.bool(),
            ascii: rng.bool(),
        };
        let text = strip_ansi(&render(&plan, &options));
        assert!(text.ends_with('\n'));
        assert_eq!(options.ascii, text.is_ascii(), "{text}");
        if options.width >= 70 && round % 7 != 0 && round % 13 != 0 {
            assert_within(&text, options.width);
        }
    }
    // an empty plan
    let empty = Plan {
        plan_version: PLAN_VERSION,
        source: "empty.chaos".into(),
        environment: None,
        params: vec![],
        services: vec![],
        safety: Safety::default(),
        scenarios: vec![],
        suites: vec![],
    };
    insta::assert_snapshot!(render(&empty, &plain(60)), @r"
    plan         empty.chaos  (plan format 1)
    environment  none
    params       none
    services     none
    safety       no time limit on the run, cooldown 0s between
                   scenarios
                 no fault needs confirmation
                 any container or process may be targeted
    scenarios    0 scenarios
    ");
}

#[test]
fn control_characters_in_names_are_shown_not_sent() {
    let mut plan = sample_plan();
    plan.scenarios[0].name = "evil\x1b[2Jname".into();
    plan.scenarios[0].description = Some("two\nlines".into());
    plan.scenarios[0].steps[0].name = "step\rname".into();
    for color in [false, true] {
        let text = render(
            &plan,
            &ViewOptions {
                width: 100,
                color,
                ascii: false,
            },
        );
        assert!(!text.contains("\x1b[2J"), "{text}");
        assert!(!text.contains('\r'));
        assert!(text.contains("evil\\u{1b}[2Jname"), "{text}");
        assert!(text.contains("  two\\nlines\n"), "{text}");
        assert!(text.contains("step\\rname"), "{text}");
    }
}
