//! Plans: the committed JSON Schema is current; snapshots of the plan of every example,
//! stdlib module and `scenarios/` file; threshold precedence and origins; `--set`
//! parsing; selection; the JSON form reads back to the same plan.

use chaosc::check::Loader;
use chaosc::plan::lower::{lower, Options};
use chaosc::plan::{Level, Plan, Threshold};
use std::path::{Path, PathBuf};

#[path = "support/fixtures.rs"]
mod fixtures;

struct Fs;
impl Loader for Fs {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// Files given as (name, text), for tests that need imports without a folder.
struct Memory(Vec<(&'static str, &'static str)>);
impl Loader for Memory {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let name = path.display().to_string();
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, name))
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles `text` with `options`; panics with the rendered diagnostics on errors.
fn plan_of(text: &str, options: &Options) -> Plan {
    let lowered = lower(Path::new("test.chaos"), text, &Memory(Vec::new()), options);
    match lowered.plan {
        Some(plan) => plan,
        None => panic!("{}", short(&lowered.checked)),
    }
}

fn short(checked: &chaosc::check::Checked) -> String {
    checked
        .diagnostics
        .iter()
        .map(|d| chaosc::diag::render::short(d, &checked.sources))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Errors of compiling `text` with `options`, as `CODE: message`.
fn errors_of(text: &str, options: &Options) -> Vec<String> {
    let lowered = lower(Path::new("test.chaos"), text, &Memory(Vec::new()), options);
    assert!(lowered.plan.is_none(), "expected errors, got a plan");
    lowered
        .checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect()
}

#[test]
fn committed_schema_is_current() {
    let path = root().join("docs/plan.schema.json");
    let fresh = chaosc::plan::schema();
    if std::env::var_os("CHAOSC_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/plan.schema.json is stale: run `CHAOSC_UPDATE_SCHEMA=1 cargo test --test plan` and review the diff"
    );
}

#[test]
fn plan_snapshots() {
    let mut files = Vec::new();
    for dir in ["tests/fixtures/examples", "stdlib", "scenarios"] {
        files.extend(fixtures::chaos_files(Path::new(dir)));
    }
    assert!(
        files.len() >= 10,
        "expected the examples, the stdlib and scenarios/"
    );
    // Paths relative to the package root, so snapshots name files the same everywhere.
    std::env::set_current_dir(root()).unwrap();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let lowered = lower(&path, &text, &Fs, &Options::default());
        let plan = lowered
            .plan
            .unwrap_or_else(|| panic!("{}: {}", path.display(), short(&lowered.checked)));
        let name = path
            .display()
            .to_string()
            .replace("../", "")
            .replace(['/', '.'], "_");
        insta::with_settings!({ snapshot_path => root().join("tests/plan/snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!(name, plan);
        });
    }
}

#[test]
fn json_reads_back_to_the_same_plan() {
    let text = std::fs::read_to_string(root().join("scenarios/quickstart.chaos")).unwrap();
    let plan = plan_of(&text, &Options::default());
    let json = serde_json::to_string(&plan).unwrap();
    let back: Plan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan);
}

const LAYERED: &str = r#"
param n: int = 2
probe home = http("http://127.0.0.1:8080/", every: 1s)
probe api = http("http://127.0.0.1:8081/", every: 1s)

slo {
  availability >= 90%
  error_rate <= 10%
  warn availability >= 99%
}

environment production {
  slo {
    availability >= 99%
    mttr <= 30s
  }
  allow ["Allowed"]
  confirm [cpu_stress]
  set { n: 6 }
}

scenario "Allowed" {
  timeline {
    at 0s cpu_stress(workers: n) for 5s
  }
  slo {
    error_rate(home) <= 1%
    availability <= 100% during baseline
  }
}

scenario "Other" {
  slo {
    availability >= 50%
  }
}
"#;

/// (metric, probe, threshold, level) of a scenario's blocking assertions.
fn blocking(plan: &Plan, scenario: &str) -> Vec<(String, String, String, Level)> {
    let scenario = plan.scenarios.iter().find(|s| s.name == scenario).unwrap();
    scenario
        .assertions
        .iter()
        .filter(|a| a.severity == chaosc::plan::Severity::Blocking)
        .map(|a| {
            let threshold = match a.condition.threshold {
                Threshold::Percent(p) => format!("{p}%"),
                Threshold::Ms(ms) => format!("{ms}ms"),
                Threshold::Count(c) => c.to_string(),
            };
            (
                format!("{:?}", a.condition.metric),
                a.condition.probe.clone().unwrap_or_default(),
                threshold,
                a.origin.level,
            )
        })
        .collect()
}

#[test]
fn thresholds_follow_file_then_environment_then_scenario() {
    let plain = plan_of(LAYERED, &Options::default());
    // File defaults apply per probe; the scenario's own `error_rate(home)` is another key
    // than the file's every-probe `error_rate`, so both stay.
    let mut found = blocking(&plain, "Allowed");
    found.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(
        found,
        vec![
            (
                "Availability".into(),
                "api".into(),
                "100%".into(),
                Level::Scenario
            ),
            (
                "Availability".into(),
                "api".into(),
                "90%".into(),
                Level::File
            ),
            (
                "Availability".into(),
                "home".into(),
                "100%".into(),
                Level::Scenario
            ),
            (
                "Availability".into(),
                "home".into(),
                "90%".into(),
                Level::File
            ),
            ("ErrorRate".into(), "api".into(), "10%".into(), Level::File),
            (
                "ErrorRate".into(),
                "home".into(),
                "1%".into(),
                Level::Scenario
            ),
            ("ErrorRate".into(), "home".into(), "10%".into(), Level::File),
        ]
    );
    let production = plan_of(
        LAYERED,
        &Options {
            environment: Some("production".into()),
            ..Options::default()
        },
    );
    let found = blocking(&production, "Allowed");
    // The environment replaces the file's availability (same key) and adds mttr.
    assert!(found.contains(&(
        "Availability".into(),
        "home".into(),
        "99%".into(),
        Level::Environment
    )));
    assert!(!found
        .iter()
        .any(|(m, _, t, _)| m == "Availability" && t == "90%"));
    assert!(found.contains(&(
        "Mttr".into(),
        "api".into(),
        "30000ms".into(),
        Level::Environment
    )));
    // The scenario's own `during baseline` assertion is another key: it stays.
    assert!(found.contains(&(
        "Availability".into(),
        "home".into(),
        "100%".into(),
        Level::Scenario
    )));
}

#[test]
fn origins_name_file_line_and_column() {
    let plan = plan_of(LAYERED, &Options::default());
    let scenario = plan.scenarios.iter().find(|s| s.name == "Allowed").unwrap();
    let own = scenario
        .assertions
        .iter()
        .find(|a| a.origin.level == Level::Scenario && a.condition.probe.as_deref() == Some("home"))
        .unwrap();
    assert_eq!(
        (
            own.origin.span.file.as_str(),
            own.origin.span.line,
            own.origin.span.column
        ),
        ("test.chaos", 27, 5)
    );
    let file = scenario
        .assertions
        .iter()
        .find(|a| a.origin.level == Level::File)
        .unwrap();
    assert_eq!((file.origin.span.line, file.origin.span.column), (7, 3));
}

#[test]
fn environment_applies_allow_list_confirmations_and_set() {
    let plan = plan_of(
        LAYERED,
        &Options {
            environment: Some("production".into()),
            ..Options::default()
        },
    );
    assert_eq!(plan.environment.as_deref(), Some("production"));
    let other = plan.scenarios.iter().find(|s| s.name == "Other").unwrap();
    assert_eq!(
        other.skipped.as_deref(),
        Some("not allowed in environment `production`")
    );
    assert!(plan
        .scenarios
        .iter()
        .find(|s| s.name == "Allowed")
        .unwrap()
        .skipped
        .is_none());
    assert!(plan.safety.confirm.contains(&"cpu_stress".to_string()));
    let n = plan.params.iter().find(|p| p.name == "n").unwrap();
    assert_eq!(
        (n.value.clone(), n.from),
        (
            Some(serde_json::json!(6)),
            chaosc::plan::ParamSource::Environment
        )
    );
    let step = &plan
        .scenarios
        .iter()
        .find(|s| s.name == "Allowed")
        .unwrap()
        .steps[0];
    assert_eq!(
        step.fault,
        chaosc::plan::Fault::CpuStress {
            workers: Some(6),
            load_percent: 100.0
        }
    );
}

#[test]
fn set_beats_environment_and_default() {
    let options = Options {
        environment: Some("production".into()),
        sets: vec![("n".into(), "3".into())],
        ..Options::default()
    };
    let plan = plan_of(LAYERED, &options);
    let step = &plan
        .scenarios
        .iter()
        .find(|s| s.name == "Allowed")
        .unwrap()
        .steps[0];
    assert_eq!(
        step.fault,
        chaosc::plan::Fault::CpuStress {
            workers: Some(3),
            load_percent: 100.0
        }
    );
    let n = plan.params.iter().find(|p| p.name == "n").unwrap();
    assert_eq!(n.from, chaosc::plan::ParamSource::CommandLine);
}

const TYPED_PARAMS: &str = r#"
param count: int = 1
param wait: duration = 1s
param loss: percent = 1%
param verbose: bool = false
param host: string = "127.0.0.1"
param db: container = "postgres"
probe home = http("http://${host}:8080/", every: wait)

safety {
  allow_targets ["*"]
}

scenario "Typed" {
  timeline {
    at 0s cpu_stress(workers: count) for wait
    then container_pause(db) for 1s
  }
  slo {
    error_rate <= loss
  }
}
"#;

#[test]
fn set_values_are_parsed_by_the_param_type() {
    let sets = |pairs: &[(&str, &str)]| Options {
        sets: pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        ..Options::default()
    };
    let plan = plan_of(
        TYPED_PARAMS,
        &sets(&[
            ("count", "4"),
            ("wait", "1m30s"),
            ("loss", "2.5%"),
            ("verbose", "true"),
            ("host", "10.0.0.1"),
            ("db", "pg-main"),
        ]),
    );
    let scenario = &plan.scenarios[0];
    assert_eq!(
        scenario.steps[0].fault,
        chaosc::plan::Fault::CpuStress {
            workers: Some(4),
            load_percent: 100.0
        }
    );
    assert_eq!(scenario.steps[0].duration_ms, Some(90_000));
    assert_eq!(scenario.steps[1].start_ms, 90_000);
    match &scenario.steps[1].target {
        chaosc::plan::Target::Container { selector, .. } => {
            assert_eq!(
                selector,
                &chaosc::plan::ContainerSelector::Name(chaosc::plan::Text::Literal(
                    "pg-main".into()
                ))
            )
        }
        other => panic!("expected a container, got {other:?}"),
    }
    assert_eq!(
        scenario.probes[0].schedule,
        chaosc::plan::Schedule::EveryMs(90_000)
    );
    match &scenario.probes[0].check {
        chaosc::plan::ProbeCheck::Http { url, .. } => assert_eq!(
            url,
            &chaosc::plan::Text::Literal("http://10.0.0.1:8080/".into())
        ),
        other => panic!("expected http, got {other:?}"),
    }
    assert!(scenario
        .assertions
        .iter()
        .any(|a| a.condition.threshold == Threshold::Percent(2.5)));
}

#[test]
fn bad_set_values_are_diagnosed() {
    let set = |name: &str, value: &str| Options {
        sets: vec![(name.into(), value.into())],
        ..Options::default()
    };
    for (name, value, expected) in [
        (
            "count",
            "four",
            "E1303: `four` is not a valid `int` for `count`",
        ),
        (
            "wait",
            "30",
            "E1303: `30` is not a valid `duration` for `wait`",
        ),
        (
            "wait",
            "5%",
            "E1303: `5%` is not a valid `duration` for `wait`",
        ),
        (
            "verbose",
            "yes",
            "E1303: `yes` is not a valid `bool` for `verbose`",
        ),
        ("cuont", "4", "E1302: `--set` names no param `cuont`"),
    ] {
        assert_eq!(
            errors_of(TYPED_PARAMS, &set(name, value)),
            vec![expected.to_string()],
            "--set {name}={value}"
        );
    }
    // A value that parses but breaks a rule is reported like a written one.
    let errors = errors_of(TYPED_PARAMS, &set("count", "0"));
    assert!(errors.iter().any(|e| e.starts_with("E0402")), "{errors:?}");
}

#[test]
fn required_params_need_a_value() {
    let text = "param port: int\nprobe home = http(\"http://127.0.0.1:${port}/\")\nscenario \"A\" {\n  slo {\n    availability >= 99%\n  }\n}\n";
    assert_eq!(
        errors_of(text, &Options::default()),
        vec!["E1304: param `port` has no value".to_string()]
    );
    let plan = plan_of(
        text,
        &Options {
            sets: vec![("port".into(), "9000".into())],
            ..Options::default()
        },
    );
    assert_eq!(plan.params[0].value, Some(serde_json::json!(9000)));
}

const SELECTION: &str = r#"
probe home = http("http://127.0.0.1:8080/")
slo {
  availability >= 99%
}
scenario "A" {
  tags [fast]
}
scenario "B" {
  tags [slow]
}
scenario "C" {
  tags [fast, nightly]
}
suite backwards {
  scenarios ["C", "A"]
  cooldown 2s
}
"#;

fn names(plan: &Plan) -> Vec<&str> {
    plan.scenarios.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn selection_by_suite_scenario_and_tag() {
    assert_eq!(
        names(&plan_of(SELECTION, &Options::default())),
        ["A", "B", "C"]
    );
    let suite = plan_of(
        SELECTION,
        &Options {
            suite: Some("backwards".into()),
            ..Options::default()
        },
    );
    assert_eq!(names(&suite), ["C", "A"]);
    assert_eq!(suite.suites[0].cooldown_ms, 2000);
    let one = plan_of(
        SELECTION,
        &Options {
            scenarios: vec!["B".into()],
            ..Options::default()
        },
    );
    assert_eq!(names(&one), ["B"]);
    let tagged = plan_of(
        SELECTION,
        &Options {
            tags: vec!["fast".into()],
            ..Options::default()
        },
    );
    assert_eq!(names(&tagged), ["A", "C"]);
    let both = plan_of(
        SELECTION,
        &Options {
            suite: Some("backwards".into()),
            tags: vec!["nightly".into()],
            ..Options::default()
        },
    );
    assert_eq!(names(&both), ["C"]);
    assert_eq!(
        errors_of(
            SELECTION,
            &Options {
                suite: Some("forwards".into()),
                ..Options::default()
            }
        ),
        vec!["E1305: no suite `forwards` to select".to_string()]
    );
    assert_eq!(
        errors_of(
            SELECTION,
            &Options {
                tags: vec!["weekly".into()],
                ..Options::default()
            }
        ),
        vec!["E1305: no tag `weekly` to select".to_string()]
    );
}

#[test]
fn steps_get_offsets_names_and_defaults() {
    let text = r#"
target edge = proxy(listen: "127.0.0.1:18081", upstream: "127.0.0.1:8080")
probe home = http("http://127.0.0.1:18081/")
safety {
  allow_targets ["db"]
}
scenario "Steps" {
  baseline 5s
  timeline {
    at 2s latency(edge, delay: 150ms) for 10s
    then after 1s cpu_stress(load: 50%) for 5s as hog
    then container_restart(container("db"))
    at 30s blackhole(edge) for 1m
  }
  slo {
    availability >= 50%
  }
}
"#;
    let plan = plan_of(text, &Options::default());
    let s = &plan.scenarios[0];
    let got: Vec<(&str, u64, Option<u64>, bool)> = s
        .steps
        .iter()
        .map(|st| {
            (
                st.name.as_str(),
                st.start_ms,
                st.duration_ms,
                st.destructive,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("latency#1", 2000, Some(10_000)),
            ("hog", 13_000, Some(5_000)),
            ("container_restart#1", 18_000, None),
            ("blackhole#1", 30_000, Some(60_000)),
        ]
        .iter()
        .zip([false, false, true, false])
        .map(|((n, a, b), d)| (*n, *a, *b, d))
        .collect::<Vec<_>>()
    );
    assert_eq!(s.chaos_ms, 90_000);
    assert_eq!(s.baseline_ms, 5000);
    assert_eq!((s.recovery.within_ms, s.recovery.checks), (30_000, 3));
    assert_eq!(
        s.steps[1].fault,
        chaosc::plan::Fault::CpuStress {
            workers: None,
            load_percent: 50.0
        }
    );
    assert_eq!(
        s.steps[2].fault,
        chaosc::plan::Fault::ContainerRestart { timeout_ms: 10_000 }
    );
    assert_eq!(s.capabilities, vec![chaosc::plan::Capability::Docker]);
}

#[test]
fn env_values_stay_references() {
    let text = r#"
probe home = http("http://127.0.0.1:8080/", headers: {"Authorization": "Bearer ${token}"})
const token = env("API_TOKEN")
scenario "Secret" {
  slo {
    availability >= 99%
  }
}
"#;
    let plan = plan_of(text, &Options::default());
    let json = serde_json::to_string(&plan).unwrap();
    assert!(
        json.contains(r#"{"concat":["Bearer ",{"env":"API_TOKEN"}]}"#),
        "{json}"
    );
}

/// The plan with every `span` and the `source` removed: what must agree between two
/// routes to the same program.
fn without_spans(plan: &Plan) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("span");
                map.remove("source");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(plan).unwrap();
    strip(&mut value);
    value
}

#[test]
fn legacy_import_then_plan_equals_plan_legacy() {
    for version in ["v1", "v2"] {
        let yaml_path = root().join(format!("tests/legacy/real/chaos_scenarios.{version}.yml"));
        let yaml = std::fs::read_to_string(&yaml_path).unwrap();
        // Route 1: `chaosc plan --legacy`.
        let direct = chaosc::plan::lower::lower_legacy(&yaml_path, &yaml, &Options::default());
        let direct = direct
            .plan
            .unwrap_or_else(|| panic!("{version}: {}", short(&direct.checked)));
        // Route 2: `chaosc import`, then check and plan the written file.
        let mut sources = chaosc::diag::Sources::default();
        let id = sources.add(yaml_path.display().to_string(), yaml.as_str());
        let imported =
            chaosc::plan::legacy::import(&yaml, id).unwrap_or_else(|_| panic!("{version} imports"));
        let dir = tempfile::tempdir().unwrap();
        let written = dir.path().join(format!("chaos_scenarios.{version}.chaos"));
        std::fs::write(&written, &imported.chaos).unwrap();
        let checked = chaosc::check::check(&written, &imported.chaos, &Fs);
        assert!(
            checked.diagnostics.is_empty(),
            "{version}: {}",
            short(&checked)
        );
        let via_file = lower(&written, &imported.chaos, &Fs, &Options::default());
        let via_file = via_file
            .plan
            .unwrap_or_else(|| panic!("{version}: {}", short(&via_file.checked)));
        assert_eq!(
            without_spans(&direct),
            without_spans(&via_file),
            "{version}"
        );
        assert_eq!(
            direct.scenarios.len(),
            18,
            "{version}: all 18 legacy scenarios"
        );
        assert_eq!(direct.suites.len(), 5, "{version}: all 5 groups");
        // Selections and environments agree too.
        let production = Options {
            environment: Some("production".into()),
            suite: Some("smoke_test".into()),
            ..Options::default()
        };
        let a = chaosc::plan::lower::lower_legacy(&yaml_path, &yaml, &production)
            .plan
            .unwrap();
        let b = lower(&written, &imported.chaos, &Fs, &production)
            .plan
            .unwrap();
        assert_eq!(
            without_spans(&a),
            without_spans(&b),
            "{version} with --env production --suite smoke_test"
        );
    }
}

#[test]
fn legacy_plan_snapshots() {
    std::env::set_current_dir(root()).unwrap();
    for version in ["v1", "v2"] {
        let path = PathBuf::from(format!("tests/legacy/real/chaos_scenarios.{version}.yml"));
        let yaml = std::fs::read_to_string(&path).unwrap();
        let lowered = chaosc::plan::lower::lower_legacy(&path, &yaml, &Options::default());
        let plan = lowered
            .plan
            .unwrap_or_else(|| panic!("{version}: {}", short(&lowered.checked)));
        insta::with_settings!({ snapshot_path => root().join("tests/plan/snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!(format!("legacy_chaos_scenarios_{version}"), plan);
        });
    }
}

#[test]
fn legacy_magnitudes_are_honoured() {
    let path = root().join("tests/legacy/real/chaos_scenarios.v2.yml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let plan = chaosc::plan::lower::lower_legacy(&path, &yaml, &Options::default())
        .plan
        .unwrap();
    let step = |name: &str| {
        plan.scenarios
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .steps[0]
            .clone()
    };
    use chaosc::plan::Fault;
    assert_eq!(
        step("Heavy CPU Stress").fault,
        Fault::CpuStress {
            workers: Some(8),
            load_percent: 100.0
        }
    );
    assert_eq!(step("Heavy CPU Stress").duration_ms, Some(60_000));
    assert_eq!(
        step("Medium Memory Stress").fault,
        Fault::MemoryStress {
            size_bytes: 512 << 20,
            ramp_ms: 0
        }
    );
    assert!(
        matches!(step("Heavy Network Delay").fault, Fault::Latency { delay_ms, .. } if delay_ms == 500.0)
    );
    assert!(
        matches!(step("Medium Packet Loss").fault, Fault::PacketLoss { rate_percent, .. } if rate_percent == 15.0)
    );
    assert!(matches!(
        step("Heavy Disk Stress").fault,
        Fault::DiskStress { workers: 4, .. }
    ));
    assert_eq!(step("Database Brief Outage").duration_ms, Some(10_000));
    assert!(step("Database Extended Outage").destructive);
}

/// Every fault kind the checker knows lowers to the fault of that kind, never to a
/// fallback (a typo between the checker and the lowering would otherwise silently
/// become another fault); and every metric to the metric of that name.
#[test]
fn every_fault_kind_and_metric_lowers_to_itself() {
    let calls = [
        ("cpu_stress", "cpu_stress(workers: 1)"),
        ("memory_stress", "memory_stress(size: 1MiB)"),
        ("disk_stress", "disk_stress(size: 1MiB)"),
        ("latency", "latency(edge, delay: 10ms)"),
        ("packet_loss", "packet_loss(edge, rate: 5%)"),
        ("bandwidth", "bandwidth(edge, rate: 1Mbps)"),
        ("blackhole", "blackhole(edge)"),
        ("reset", "reset(edge)"),
        ("container_kill", "container_kill(box)"),
        ("container_restart", "container_restart(box)"),
        ("container_stop", "container_stop(box)"),
        ("container_pause", "container_pause(box)"),
        ("process_kill", "process_kill(proc)"),
        ("process_pause", "process_pause(proc)"),
        ("pod_kill", "pod_kill(pod, grace_period: 2s)"),
        ("pod_failure", "pod_failure(pod)"),
        (
            "io_latency",
            "io_latency(pod, delay: 10ms, volume_path: \"/data\")",
        ),
        ("exec", "exec(run: [\"true\"], revert: [\"true\"])"),
    ];
    let known: std::collections::BTreeSet<&str> =
        chaosc::check::signatures::fault_kinds().collect();
    let tested: std::collections::BTreeSet<&str> = calls.iter().map(|(k, _)| *k).collect();
    assert_eq!(known, tested, "a fault kind without a lowering test");
    for (kind, call) in calls {
        let instant = matches!(
            kind,
            "container_kill" | "container_restart" | "process_kill" | "pod_kill"
        );
        let duration = if instant { "" } else { " for 1s" };
        let text = format!(
            "target edge = proxy(listen: \"127.0.0.1:18001\", upstream: \"127.0.0.1:18002\")\ntarget box = container(\"db\")\ntarget proc = process(name: \"sleep\")\ntarget pod = pods(namespace: \"shop\", labels: {{\"app\": \"db\"}}, mode: \"one\")\nprobe home = http(\"http://127.0.0.1:18001/\")\nsafety {{\n  allow_targets [\"*\"]\n}}\n\nscenario \"s\" {{\n  timeline {{\n    at 0s {call}{duration} as step\n  }}\n  slo {{\n    availability(home) >= 99%\n  }}\n}}\n"
        );
        let plan = plan_of(&text, &Options::default());
        assert_eq!(plan.scenarios[0].steps[0].fault.kind(), kind, "{text}");
    }
    for spec in chaosc::check::signatures::METRICS {
        let text = if spec.name == "latency_degradation" {
            format!("probe home = http(\"http://127.0.0.1:18001/\")\nscenario \"s\" {{\n  baseline 1s\n  slo {{\n    {}(home) <= 1s\n  }}\n}}\n", spec.name)
        } else {
            let threshold = match spec.dimension {
                Some(chaosc::syntax::ast::Dimension::Percent) => "50%",
                Some(_) => "1s",
                None => "1",
            };
            format!("probe home = http(\"http://127.0.0.1:18001/\")\nscenario \"s\" {{\n  slo {{\n    {}(home) <= {threshold}\n  }}\n}}\n", spec.name)
        };
        let plan = plan_of(&text, &Options::default());
        let metric = plan.scenarios[0].assertions[0].condition.metric;
        assert_eq!(metric.as_str(), spec.name, "{text}");
    }
}

/// A `pods` target carries its selection into the plan: namespace, labels, the mode
/// with its value (a count or a percentage), the container; pod faults their fields.
#[test]
fn a_pods_target_lowers_with_its_selection() {
    use chaosc::plan::{Fault, PodMode, Target};
    let text = "target web = pods(namespace: \"shop\", labels: {\"app\": \"web\", \"tier\": \"front\"}, mode: \"fixed-percent\", value: 50%, container: \"nginx\")\ntarget db = pods(namespace: \"shop\", labels: {\"app\": \"db\"}, mode: \"fixed\", value: 2)\nprobe home = http(\"http://127.0.0.1:18001/\")\nsafety {\n  allow_targets [\"*\"]\n}\n\nscenario \"s\" {\n  timeline {\n    at 0s io_latency(db, delay: 15ms, volume_path: \"/var/lib/db\", path: \"*.wal\", percent: 40%) for 5s\n    at 1s pod_kill(web, grace_period: 1500ms)\n  }\n  slo {\n    availability(home) >= 99%\n  }\n}\n";
    let plan = plan_of(text, &Options::default());
    let steps = &plan.scenarios[0].steps;
    assert_eq!(
        steps[0].fault,
        Fault::IoLatency {
            delay_ms: 15.0,
            volume_path: "/var/lib/db".into(),
            path: Some("*.wal".into()),
            percent: 40.0
        }
    );
    assert!(matches!(
        &steps[0].target,
        Target::Pods {
            mode: PodMode::Fixed(2),
            container: None,
            ..
        }
    ));
    assert_eq!(
        steps[1].fault,
        Fault::PodKill {
            grace_period_ms: 1500
        }
    );
    match &steps[1].target {
        Target::Pods {
            name,
            namespace,
            labels,
            mode,
            container,
            ..
        } => {
            assert_eq!(name.as_deref(), Some("web"));
            assert_eq!(namespace, "shop");
            assert_eq!(
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>(),
                ["app=web", "tier=front"]
            );
            assert_eq!(*mode, PodMode::FixedPercent(50.0));
            assert_eq!(container.as_deref(), Some("nginx"));
        }
        other => panic!("not a pods target: {other:?}"),
    }
}

/// A probe declared in a template is the scenario's own: each scenario built on the
/// template probes with its own arguments.
#[test]
fn a_template_probe_has_each_scenarios_arguments() {
    let text = "template t(port: int) {\n  probe local = http(\"http://127.0.0.1:${port}/\")\n  slo {\n    availability(local) >= 90%\n  }\n}\n\nscenario \"a\" = t(port: 18001)\nscenario \"b\" = t(port: 18002)\n";
    let plan = plan_of(text, &Options::default());
    let urls: Vec<String> = plan
        .scenarios
        .iter()
        .map(|s| match &s.probes[..] {
            [probe] => match &probe.check {
                chaosc::plan::ProbeCheck::Http { url, .. } => format!("{url:?}"),
                other => panic!("not an http probe: {other:?}"),
            },
            probes => panic!("expected one probe, found {}", probes.len()),
        })
        .collect();
    assert!(urls[0].contains("18001"), "{urls:?}");
    assert!(urls[1].contains("18002"), "{urls:?}");
}
