//! `chaosc export chaos-mesh`: every exported document validates against the
//! `openAPIV3Schema` of its Chaos Mesh CRD (`tests/reference/chaos-mesh/`), made strict
//! the way `kubectl apply --validate=strict` is (unknown fields are errors), and every
//! Workflow's timeline (Suspend durations and deadlines) is the Plan's.

use chaosc::diag::Code;
use chaosc::export::chaos_mesh::{self, Exported};
use chaosc::plan::{
    Abort, Condition, Direction, Fault, Level, Metric, Origin, Plan, PodMode, Probe, ProbeCheck,
    Recovery, Safety, Scenario, Schedule, SourceSpan, Step, Target, Text, Threshold,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use yaml_rust2::{Yaml, YamlLoader};

#[path = "support/fixtures.rs"]
mod fixtures;

fn reference() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/chaos-mesh/crd")
}

/// YAML (as the loader reads it) to JSON.
fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(text) => text
            .parse::<f64>()
            .map(|f| json!(f))
            .unwrap_or_else(|_| Value::String(text.clone())),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(hash) => Value::Object(
            hash.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        other => panic!("a key that is not a scalar: {other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Yaml::Null => Value::Null,
        other => panic!("unexpected YAML node {other:?}"),
    }
}

/// Kubernetes prunes unknown fields instead of refusing them, and strict validation
/// refuses them; a JSON Schema validator does neither unless told: every object schema
/// with `properties` (and no `x-kubernetes-preserve-unknown-fields`) gets
/// `additionalProperties: false`. `x-kubernetes-int-or-string` comes with an `anyOf`
/// of integer and string, which the validator already understands; the other
/// `x-kubernetes-*` keywords (list and map types) only guide merges.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let preserve = object.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
            if object.contains_key("properties")
                && !object.contains_key("additionalProperties")
                && !preserve
            {
                object.insert("additionalProperties".into(), json!(false));
            }
            for value in object.values_mut() {
                strict(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

/// The `openAPIV3Schema` of a CRD file, made strict.
fn crd_schema(file: &str) -> Value {
    let text = std::fs::read_to_string(reference().join(file)).expect("the CRD is in the repo");
    let docs = YamlLoader::load_from_str(&text).expect("the CRD is YAML");
    let crd = to_json(&docs[0]);
    let mut schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone();
    assert!(schema.is_object(), "{file} has an openAPIV3Schema");
    strict(&mut schema);
    schema
}

struct Schemas {
    workflow: jsonschema::Validator,
    /// Template field (`networkChaos` …) → the validator of that kind's `spec`.
    specs: HashMap<&'static str, jsonschema::Validator>,
}

/// Compiled once: building the validators is the slow part.
fn schemas() -> &'static Schemas {
    static SCHEMAS: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
    SCHEMAS.get_or_init(build_schemas)
}

fn build_schemas() -> Schemas {
    let validator = |schema: &Value| jsonschema::validator_for(schema).expect("a valid schema");
    let spec_of = |file: &str| validator(&crd_schema(file)["properties"]["spec"]);
    let mut specs = HashMap::new();
    for (field, file) in [
        ("networkChaos", "chaos-mesh.org_networkchaos.yaml"),
        ("stressChaos", "chaos-mesh.org_stresschaos.yaml"),
        ("podChaos", "chaos-mesh.org_podchaos.yaml"),
        ("ioChaos", "chaos-mesh.org_iochaos.yaml"),
        ("httpChaos", "chaos-mesh.org_httpchaos.yaml"),
        ("statusCheck", "chaos-mesh.org_statuschecks.yaml"),
    ] {
        specs.insert(field, spec_of(file));
    }
    Schemas {
        workflow: validator(&crd_schema("chaos-mesh.org_workflows.yaml")),
        specs,
    }
}

fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn is_label_value(value: &str) -> bool {
    value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && (value.is_empty()
            || (value.starts_with(|c: char| c.is_ascii_alphanumeric())
                && value.ends_with(|c: char| c.is_ascii_alphanumeric())))
}

/// Every document of the exported YAML text, validated; returns them as JSON.
fn validate(schemas: &Schemas, exported: &Exported, what: &str) -> Vec<Value> {
    let text = exported.yaml().expect("YAML is written");
    let documents = YamlLoader::load_from_str(&text).expect("the output parses as YAML");
    assert_eq!(documents.len(), exported.manifests.len(), "{what}");
    let mut out = Vec::new();
    for document in &documents {
        let document = to_json(document);
        let errors: Vec<String> = schemas
            .workflow
            .iter_errors(&document)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the Workflow is invalid: {errors:#?}\n{text}"
        );
        assert_eq!(document["apiVersion"], "chaos-mesh.org/v1alpha1");
        assert_eq!(document["kind"], "Workflow");
        let metadata = &document["metadata"];
        assert!(
            is_dns_label(metadata["name"].as_str().unwrap()),
            "{what}: {metadata}"
        );
        for (key, value) in metadata["labels"].as_object().expect("labels") {
            assert!(
                is_label_value(value.as_str().unwrap()),
                "{what}: label {key}={value}"
            );
        }
        assert!(metadata["labels"]["chaosc.dev/source"].is_string());
        assert!(metadata["labels"]["chaosc.dev/scenario"].is_string());
        let templates = document["spec"]["templates"].as_array().unwrap();
        let mut names = Vec::new();
        for template in templates {
            let name = template["name"].as_str().unwrap();
            assert!(
                is_dns_label(name) && name.len() <= 48,
                "{what}: template {name}"
            );
            assert!(!names.contains(&name), "{what}: template {name} twice");
            names.push(name);
            for (field, validator) in &schemas.specs {
                if let Some(spec) = template.get(*field) {
                    let errors: Vec<String> = validator
                        .iter_errors(spec)
                        .map(|e| format!("{} at {}", e, e.instance_path()))
                        .collect();
                    assert!(
                        errors.is_empty(),
                        "{what}: {field} of {name}: {errors:#?}\n{text}"
                    );
                }
            }
        }
        for template in templates {
            for child in template["children"].as_array().into_iter().flatten() {
                assert!(
                    names.contains(&child.as_str().unwrap()),
                    "{what}: child {child}"
                );
            }
        }
        out.push(document);
    }
    out
}

/// A Go duration as Chaos Mesh writes them here (`30s`, `1500ms`), in milliseconds.
fn go_ms(text: &str) -> u64 {
    if let Some(ms) = text.strip_suffix("ms") {
        ms.parse().unwrap()
    } else if let Some(s) = text.strip_suffix('s') {
        s.parse::<u64>().unwrap() * 1000
    } else {
        panic!("not a duration: {text}")
    }
}

/// Runs the workflow's Serial and Parallel nodes on paper: when each template starts
/// (ms from the workflow's start) and its deadline.
fn timeline(workflow: &Value) -> HashMap<String, (u64, Option<u64>)> {
    let templates: HashMap<&str, &Value> = workflow["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t))
        .collect();
    fn walk(
        name: &str,
        start: u64,
        templates: &HashMap<&str, &Value>,
        out: &mut HashMap<String, (u64, Option<u64>)>,
    ) -> u64 {
        let template = templates[name];
        let deadline = template["deadline"].as_str().map(go_ms);
        out.insert(name.to_string(), (start, deadline));
        let children = template["children"].as_array().cloned().unwrap_or_default();
        let children = children.iter().map(|c| c.as_str().unwrap());
        match template["templateType"].as_str().unwrap() {
            "Serial" => children.fold(start, |at, child| walk(child, at, templates, out)),
            "Parallel" => children
                .map(|child| walk(child, start, templates, out))
                .max()
                .unwrap_or(start),
            // StatusChecks run beside everything: they do not make the phases longer.
            "StatusCheck" => start,
            _ => start + deadline.unwrap_or(0),
        }
    }
    let mut out = HashMap::new();
    walk(
        workflow["spec"]["entry"].as_str().unwrap(),
        0,
        &templates,
        &mut out,
    );
    out
}

fn span() -> SourceSpan {
    SourceSpan {
        file: "generated.chaos".into(),
        line: 1,
        column: 1,
        start: 0,
        end: 0,
    }
}

fn pods(mode: PodMode, container: Option<&str>) -> Target {
    Target::Pods {
        name: Some("web".into()),
        namespace: "shop".into(),
        labels: BTreeMap::from([
            ("app".to_string(), "web".to_string()),
            ("tier".to_string(), "frontend".to_string()),
        ]),
        mode,
        container: container.map(str::to_string),
        doc: None,
    }
}

fn step(name: &str, fault: Fault, target: Target, start_ms: u64, duration_ms: Option<u64>) -> Step {
    Step {
        name: name.into(),
        fault,
        target,
        start_ms,
        duration_ms,
        sustained: duration_ms.is_some(),
        destructive: false,
        capabilities: Vec::new(),
        span: span(),
    }
}

fn http_probe(name: &str) -> Probe {
    Probe {
        name: name.into(),
        doc: None,
        check: ProbeCheck::Http {
            url: Text::Literal("http://web.shop.svc:8080/health".into()),
            method: "GET".into(),
            status: (200, 399),
            body_contains: None,
            headers: BTreeMap::from([("accept".to_string(), Text::Literal("text/plain".into()))]),
            body: None,
            json: None,
        },
        schedule: Schedule::EveryMs(2000),
        timeout_ms: 1500,
        span: span(),
    }
}

fn consecutive_failures(probe: &str, n: i64) -> Abort {
    Abort {
        condition: Condition {
            metric: Metric::ConsecutiveFailures,
            probe: Some(probe.into()),
            percentile: None,
            op: chaosc::plan::CompareOp::Ge,
            threshold: Threshold::Count(n),
        },
        over_ms: None,
        origin: Origin {
            level: Level::Scenario,
            span: span(),
        },
    }
}

fn scenario(name: &str, steps: Vec<Step>, probes: Vec<Probe>, aborts: Vec<Abort>) -> Scenario {
    let chaos_ms = steps
        .iter()
        .map(|s| s.start_ms + s.duration_ms.unwrap_or(0))
        .max()
        .unwrap_or(0);
    Scenario {
        name: name.into(),
        doc: None,
        description: None,
        tags: Vec::new(),
        skipped: None,
        baseline_ms: 10_000,
        steady_state: Vec::new(),
        steps,
        chaos_ms,
        recovery: Recovery {
            within_ms: 30_000,
            checks: 3,
        },
        probes,
        assertions: Vec::new(),
        aborts,
        max_duration_ms: None,
        capabilities: Vec::new(),
        span: span(),
    }
}

fn plan(scenarios: Vec<Scenario>) -> Plan {
    Plan {
        plan_version: chaosc::plan::PLAN_VERSION,
        source: "scenarios/kubernetes/generated.chaos".into(),
        environment: None,
        params: Vec::new(),
        services: Vec::new(),
        safety: Safety::default(),
        scenarios,
        suites: Vec::new(),
    }
}

const MODES: [PodMode; 5] = [
    PodMode::One,
    PodMode::All,
    PodMode::Fixed(2),
    PodMode::FixedPercent(50.0),
    PodMode::RandomMaxPercent(33.0),
];

/// Every fault Chaos Mesh can run on pods, with the directions it accepts, as
/// (fault, instant).
fn exportable_faults() -> Vec<(Fault, bool)> {
    let mut faults = vec![
        (
            Fault::CpuStress {
                workers: Some(2),
                load_percent: 80.0,
            },
            false,
        ),
        (
            Fault::CpuStress {
                workers: None,
                load_percent: 50.0,
            },
            false,
        ),
        (
            Fault::MemoryStress {
                size_bytes: 256 << 20,
                ramp_ms: 0,
            },
            false,
        ),
        (
            Fault::DiskStress {
                workers: 2,
                path: Some(Text::Literal("/data".into())),
                size_bytes: 1 << 30,
                sync: true,
            },
            false,
        ),
        (
            Fault::ContainerKill {
                signal: "SIGKILL".into(),
            },
            true,
        ),
        (Fault::PodKill { grace_period_ms: 0 }, true),
        (
            Fault::PodKill {
                grace_period_ms: 2500,
            },
            true,
        ),
        (Fault::PodFailure, false),
        (
            Fault::IoLatency {
                delay_ms: 100.0,
                volume_path: "/var/lib/postgresql/data".into(),
                path: Some("/var/lib/postgresql/data/**/*".into()),
                percent: 50.0,
            },
            false,
        ),
    ];
    for direction in [Direction::Upstream, Direction::Both] {
        faults.extend([
            (
                Fault::Latency {
                    delay_ms: 200.0,
                    jitter_ms: 20.0,
                    direction,
                },
                false,
            ),
            (
                Fault::PacketLoss {
                    rate_percent: 12.5,
                    direction,
                },
                false,
            ),
            (
                Fault::Bandwidth {
                    bytes_per_second: 125_000.0,
                    direction,
                },
                false,
            ),
        ]);
    }
    for direction in [Direction::Upstream, Direction::Downstream, Direction::Both] {
        faults.push((Fault::Blackhole { direction }, false));
    }
    faults
}

/// Whether Chaos Mesh's kind for `fault` acts on named containers (`containerNames`).
fn takes_container(fault: &Fault) -> bool {
    matches!(
        fault,
        Fault::CpuStress { .. }
            | Fault::MemoryStress { .. }
            | Fault::DiskStress { .. }
            | Fault::IoLatency { .. }
            | Fault::ContainerKill { .. }
    )
}

/// Every exportable fault × every selection mode, each at an offset (0 and not) with
/// its duration, beside an HTTP probe whose abort becomes `abortWithStatusCheck`.
#[test]
fn generated_plans_validate_and_keep_their_timeline() {
    let schemas = schemas();
    let mut scenarios = Vec::new();
    for (m, mode) in MODES.iter().enumerate() {
        let mut steps = Vec::new();
        for (f, (fault, instant)) in exportable_faults().into_iter().enumerate() {
            let start_ms = (f as u64 % 3) * 7_500;
            let duration_ms = (!instant).then_some(5_000 + f as u64 * 1_500);
            let container = takes_container(&fault).then_some("app");
            steps.push(step(
                &format!("s{f}-{}", fault.kind().replace('_', "-")),
                fault,
                pods(*mode, container),
                start_ms,
                duration_ms,
            ));
        }
        scenarios.push(scenario(
            &format!("Mode {} #{m}", mode.as_str()),
            steps,
            vec![http_probe("home")],
            vec![consecutive_failures("home", 4)],
        ));
    }
    let plan = plan(scenarios);
    let exported = chaos_mesh::export(&plan);
    assert!(exported.problems.is_empty(), "{:#?}", exported.problems);
    let workflows = validate(schemas, &exported, "generated");
    assert_eq!(workflows.len(), MODES.len());
    let mut checked = 0;
    for (workflow, scenario) in workflows.iter().zip(&plan.scenarios) {
        let times = timeline(workflow);
        assert_eq!(times["baseline"], (0, Some(scenario.baseline_ms)));
        for step in &scenario.steps {
            let (start, deadline) = times[step.name.as_str()];
            assert_eq!(start, scenario.baseline_ms + step.start_ms, "{}", step.name);
            let length = step.duration_ms.unwrap_or(chaos_mesh::INSTANT_DEADLINE_MS);
            assert_eq!(deadline, Some(length), "{}", step.name);
            checked += 1;
        }
        let end = scenario.baseline_ms + scenario.chaos_ms;
        let check = workflow["spec"]["templates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["templateType"] == "StatusCheck")
            .expect("the probe is a status check");
        assert_eq!(check["abortWithStatusCheck"], true);
        assert_eq!(check["statusCheck"]["failureThreshold"], 4);
        assert_eq!(check["statusCheck"]["intervalSeconds"], 2);
        assert_eq!(check["statusCheck"]["timeoutSeconds"], 2);
        assert_eq!(
            check["statusCheck"]["http"]["criteria"]["statusCode"],
            "200-399"
        );
        assert_eq!(
            go_ms(check["deadline"].as_str().unwrap()),
            end + scenario.recovery.within_ms
        );
    }
    assert_eq!(checked, MODES.len() * exportable_faults().len());
}

/// The Chaos Mesh kind and action of each fault, as docs/kubernetes.md's table says.
#[test]
fn each_fault_maps_to_its_chaos_kind() {
    let expected = [
        ("cpu_stress", "StressChaos", None),
        ("memory_stress", "StressChaos", None),
        ("disk_stress", "StressChaos", None),
        ("container_kill", "PodChaos", Some("container-kill")),
        ("pod_kill", "PodChaos", Some("pod-kill")),
        ("pod_failure", "PodChaos", Some("pod-failure")),
        ("io_latency", "IOChaos", Some("latency")),
        ("latency", "NetworkChaos", Some("delay")),
        ("packet_loss", "NetworkChaos", Some("loss")),
        ("bandwidth", "NetworkChaos", Some("bandwidth")),
        ("blackhole", "NetworkChaos", Some("partition")),
    ];
    for (fault, instant) in exportable_faults() {
        let kind = fault.kind();
        let direction = match &fault {
            Fault::Latency { direction, .. }
            | Fault::PacketLoss { direction, .. }
            | Fault::Bandwidth { direction, .. }
            | Fault::Blackhole { direction } => Some(*direction),
            _ => None,
        };
        let container = takes_container(&fault);
        let steps = vec![step(
            "only",
            fault,
            pods(PodMode::All, container.then_some("app")),
            0,
            (!instant).then_some(1000),
        )];
        let exported = chaos_mesh::export(&plan(vec![scenario("one", steps, vec![], vec![])]));
        assert!(
            exported.problems.is_empty(),
            "{kind}: {:#?}",
            exported.problems
        );
        let document = &validate(schemas(), &exported, kind)[0];
        let template = document["spec"]["templates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "only")
            .unwrap();
        let (_, chaos_kind, action) = expected.iter().find(|e| e.0 == kind).unwrap();
        assert_eq!(template["templateType"], *chaos_kind, "{kind}");
        let field = match *chaos_kind {
            "StressChaos" => "stressChaos",
            "PodChaos" => "podChaos",
            "IOChaos" => "ioChaos",
            _ => "networkChaos",
        };
        let spec = &template[field];
        assert_eq!(spec["action"].as_str(), *action, "{kind}");
        assert_eq!(spec["mode"], "all");
        assert_eq!(spec.get("containerNames").is_some(), container, "{kind}");
        assert_eq!(spec["selector"]["namespaces"], json!(["shop"]));
        assert_eq!(
            spec["selector"]["labelSelectors"],
            json!({"app": "web", "tier": "frontend"})
        );
        if let Some(direction) = direction {
            let word = match direction {
                Direction::Upstream => "to",
                Direction::Downstream => "from",
                Direction::Both => "both",
            };
            assert_eq!(spec["direction"], word, "{kind}");
        }
        let deadline = if instant { "5s" } else { "1s" };
        assert_eq!(template["deadline"], deadline, "{kind}");
    }
}

/// What Chaos Mesh cannot run is refused with E1401 and leaves its scenario out.
#[test]
fn what_chaos_mesh_cannot_run_is_refused() {
    let process = Target::Process {
        name: Some("api".into()),
        selector: chaosc::plan::ProcessSelector::Name(Text::Literal("api".into())),
        all: false,
        doc: None,
    };
    let cases = [
        step(
            "kill",
            Fault::ProcessKill {
                signal: "SIGKILL".into(),
                restart: None,
            },
            process,
            0,
            None,
        ),
        step(
            "cmd",
            Fault::Exec {
                run: vec![Text::Literal("true".into())],
                revert: None,
                timeout_ms: 1000,
            },
            pods(PodMode::All, None),
            0,
            None,
        ),
        step(
            "ck",
            Fault::ContainerKill {
                signal: "SIGKILL".into(),
            },
            pods(PodMode::One, None),
            0,
            None,
        ),
        step(
            "down",
            Fault::Latency {
                delay_ms: 10.0,
                jitter_ms: 0.0,
                direction: Direction::Downstream,
            },
            pods(PodMode::One, None),
            0,
            Some(1000),
        ),
        step(
            "rst",
            Fault::Reset { rate_percent: 5.0 },
            pods(PodMode::One, None),
            0,
            Some(1000),
        ),
        step(
            "hoststress",
            Fault::CpuStress {
                workers: Some(1),
                load_percent: 10.0,
            },
            Target::Host,
            0,
            Some(1000),
        ),
    ];
    for case in cases {
        let name = case.name.clone();
        let exported =
            chaos_mesh::export(&plan(vec![scenario("refused", vec![case], vec![], vec![])]));
        assert!(exported.has_errors(), "{name}");
        assert!(exported.manifests.is_empty(), "{name}");
        assert_eq!(
            exported.problems.len(),
            1,
            "{name}: {:#?}",
            exported.problems
        );
        assert_eq!(exported.problems[0].code, Code::NotExportable, "{name}");
        assert!(
            exported.problems[0].message.contains(&format!("`{name}`")),
            "{}",
            exported.problems[0].message
        );
    }
}

/// Losses are warnings, and the scenario is still exported.
#[test]
fn losses_are_warnings() {
    let mut tcp = http_probe("db");
    tcp.check = ProbeCheck::Tcp {
        address: Text::Literal("db.shop.svc:5432".into()),
    };
    let mut availability = consecutive_failures("home", 1);
    availability.condition.metric = Metric::Availability;
    availability.condition.op = chaosc::plan::CompareOp::Lt;
    availability.condition.threshold = Threshold::Percent(90.0);
    let steps = vec![
        step(
            "slow-grow",
            Fault::MemoryStress {
                size_bytes: 1 << 20,
                ramp_ms: 5000,
            },
            pods(PodMode::One, None),
            0,
            Some(10_000),
        ),
        // NetworkChaos has no `containerNames`: the container is lost, and said so.
        step(
            "slow-app",
            Fault::Latency {
                delay_ms: 5.0,
                jitter_ms: 0.0,
                direction: Direction::Upstream,
            },
            pods(PodMode::FixedPercent(12.5), Some("app")),
            0,
            Some(10_000),
        ),
    ];
    let exported = chaos_mesh::export(&plan(vec![scenario(
        "lossy",
        steps,
        vec![http_probe("home"), tcp],
        vec![availability],
    )]));
    assert!(!exported.has_errors());
    let codes: Vec<Code> = exported.problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, [Code::NotExported; 5], "{:#?}", exported.problems);
    assert!(exported.problems[1].message.contains("12.5% of the pods"));
    assert!(exported.problems[2]
        .message
        .contains("names container `app`"));
    let document = &validate(schemas(), &exported, "lossy")[0];
    let checks: Vec<&Value> = document["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["templateType"] == "StatusCheck")
        .collect();
    assert_eq!(checks.len(), 1);
    assert!(checks[0].get("abortWithStatusCheck").is_none());
}

/// Names stay valid and distinct when scenario names collide after sanitising or are long.
#[test]
fn names_are_valid_and_unique() {
    let long = "A scenario whose name is much longer than sixty-three characters allow";
    let make = |name: &str| {
        scenario(
            name,
            vec![step(
                "Kill: the pod!",
                Fault::PodKill { grace_period_ms: 0 },
                pods(PodMode::One, None),
                0,
                None,
            )],
            vec![],
            vec![],
        )
    };
    let exported = chaos_mesh::export(&plan(vec![
        make("Kill DB"),
        make("kill-db"),
        make(long),
        make(&format!("{long}!")),
    ]));
    let documents = validate(schemas(), &exported, "names");
    let names: Vec<&str> = documents
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(names.len(), 4);
    assert_eq!(unique.len(), 4, "{names:?}");
    assert_eq!(names[0], "kill-db");
}

/// One exported workflow as a reviewed snapshot.
#[test]
fn snapshot_of_a_workflow() {
    let steps = vec![
        step(
            "slow-db",
            Fault::Latency {
                delay_ms: 150.0,
                jitter_ms: 10.0,
                direction: Direction::Both,
            },
            pods(PodMode::All, None),
            5_000,
            Some(20_000),
        ),
        step(
            "kill-web",
            Fault::PodKill { grace_period_ms: 0 },
            pods(PodMode::One, None),
            10_000,
            None,
        ),
        step(
            "hog",
            Fault::CpuStress {
                workers: Some(1),
                load_percent: 75.0,
            },
            pods(PodMode::FixedPercent(50.0), Some("app")),
            0,
            Some(15_000),
        ),
    ];
    let exported = chaos_mesh::export(&plan(vec![scenario(
        "Shop under stress",
        steps,
        vec![http_probe("home")],
        vec![consecutive_failures("home", 5)],
    )]));
    validate(schemas(), &exported, "snapshot");
    insta::assert_snapshot!(exported.yaml().unwrap());
}

/// A change that makes a valid document invalid.
type Mutation = Box<dyn Fn(&mut Value)>;

/// The validation is real: Chaos Mesh's own examples pass it, and a document with an
/// unknown field, a wrong enum value or a wrongly typed value fails it.
#[test]
fn the_schemas_accept_the_reference_examples_and_refuse_mistakes() {
    let schemas = schemas();
    let examples = reference().parent().unwrap().join("examples");
    let mut read = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for document in YamlLoader::load_from_str(&text).unwrap() {
            let document = to_json(&document);
            let errors: Vec<String> = schemas
                .workflow
                .iter_errors(&document)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            read += 1;
        }
    }
    assert!(read >= 4, "the reference examples are there");

    let steps = vec![step(
        "slow",
        Fault::Latency {
            delay_ms: 10.0,
            jitter_ms: 0.0,
            direction: Direction::Upstream,
        },
        pods(PodMode::All, None),
        0,
        Some(1000),
    )];
    let exported = chaos_mesh::export(&plan(vec![scenario(
        "x",
        steps,
        vec![http_probe("home")],
        vec![],
    )]));
    let good = validate(schemas, &exported, "good")[0].clone();
    let index = |kind: &str| {
        good["spec"]["templates"]
            .as_array()
            .unwrap()
            .iter()
            .position(|t| t["templateType"] == kind)
            .unwrap()
    };
    let (net, check) = (index("NetworkChaos"), index("StatusCheck"));
    let mutations: [(&str, Mutation); 4] = [
        (
            "unknown spec field",
            Box::new(|d: &mut Value| d["spec"]["bogus"] = json!(1)),
        ),
        (
            "unknown direction",
            Box::new(move |d: &mut Value| {
                d["spec"]["templates"][net]["networkChaos"]["direction"] = json!("sideways")
            }),
        ),
        (
            "interval as text",
            Box::new(move |d: &mut Value| {
                d["spec"]["templates"][check]["statusCheck"]["intervalSeconds"] = json!("2")
            }),
        ),
        (
            "no entry",
            Box::new(|d: &mut Value| {
                d["spec"].as_object_mut().unwrap().remove("entry");
            }),
        ),
    ];
    for (what, mutate) in mutations {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(!schemas.workflow.is_valid(&bad), "{what} passed validation");
    }
    let mut spec = good["spec"]["templates"][net]["networkChaos"].clone();
    spec["delay"]["latencyy"] = json!("1ms");
    assert!(
        !schemas.specs["networkChaos"].is_valid(&spec),
        "a misspelt field passed"
    );
}

/// A plan with one pod step, as `chaosc plan -o` would write it.
fn pod_plan_file(dir: &std::path::Path) -> PathBuf {
    let steps = vec![step(
        "kill-web",
        Fault::PodKill { grace_period_ms: 0 },
        pods(PodMode::One, None),
        5_000,
        None,
    )];
    let plan = plan(vec![scenario(
        "Kill a web pod",
        steps,
        vec![http_probe("home")],
        vec![],
    )]);
    let path = dir.join("plan.json");
    std::fs::write(&path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    path
}

fn chaosc(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chaosc"))
        .args(args)
        .output()
        .expect("chaosc runs")
}

/// `chaosc run` refuses pods and points at `export`; `export --plan` writes one file
/// per workflow that validates, and `-o -` the same documents on stdout.
#[test]
fn the_command_line_exports_and_run_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = pod_plan_file(dir.path());
    let run = chaosc(&["run".as_ref(), "--plan".as_ref(), plan_file.as_os_str()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`chaosc run` cannot act on kubernetes pods: step `kill-web` in `Kill a web pod` targets pods"), "{stderr}");
    assert!(stderr.contains("chaosc export chaos-mesh"), "{stderr}");

    let out = dir.path().join("manifests");
    let export = chaosc(&[
        "export".as_ref(),
        "chaos-mesh".as_ref(),
        "--plan".as_ref(),
        plan_file.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(
        export.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let written =
        std::fs::read_to_string(out.join("kill-a-web-pod.yaml")).expect("one file per workflow");
    let stdout = chaosc(&[
        "export".as_ref(),
        "chaos-mesh".as_ref(),
        "--plan".as_ref(),
        plan_file.as_os_str(),
        "-o".as_ref(),
        "-".as_ref(),
    ]);
    assert_eq!(String::from_utf8_lossy(&stdout.stdout), written);
    let documents = YamlLoader::load_from_str(&written).unwrap();
    assert_eq!(documents.len(), 1);
    assert!(schemas().workflow.is_valid(&to_json(&documents[0])));
}

/// `chaosc plan`'s view names the pods and marks the steps that need Chaos Mesh.
#[test]
fn the_plan_view_shows_pods() {
    let steps = vec![step(
        "kill-web",
        Fault::PodKill { grace_period_ms: 0 },
        pods(PodMode::FixedPercent(50.0), Some("app")),
        0,
        None,
    )];
    let plan = plan(vec![scenario("Kill", steps, vec![], vec![])]);
    let view = chaosc::plan::view::render(
        &plan,
        &chaosc::plan::view::ViewOptions {
            width: 160,
            color: false,
            ascii: true,
        },
    );
    assert!(
        view.contains("pods web (50% of the pods in shop with app=web,tier=frontend), container app  [needs Chaos Mesh]"),
        "{view}"
    );
    // The scenario's summary says so too, not "no special privileges or tools".
    assert!(
        view.contains(
            "needs   Chaos Mesh on the cluster: `chaosc export chaos-mesh`, not `chaosc run`"
        ),
        "{view}"
    );
}

/// Reads a repository file (and its imports) by its path from the package root, so
/// that the exported labels name `scenarios/…` the same on every machine.
struct RepositoryFiles;
impl chaosc::check::Loader for RepositoryFiles {
    fn read(&self, path: &std::path::Path) -> std::io::Result<String> {
        std::fs::read_to_string(root().join(path))
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Chaos Mesh kinds a step becomes (the other templates are Serial, Parallel,
/// Suspend and StatusCheck).
const CHAOS_KINDS: &[&str] = &[
    "StressChaos",
    "NetworkChaos",
    "PodChaos",
    "IOChaos",
    "HTTPChaos",
];

/// The plans of every `.chaos` file of `scenarios/` and `tests/fixtures/` that acts on
/// pods, by their path from the package root. A file that mentions `pods(` must lower.
fn repository_pod_plans() -> Vec<(String, Plan)> {
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/fixtures"] {
        files.extend(fixtures::chaos_files(&root().join(dir)));
    }
    let mut plans = Vec::new();
    for file in files {
        let relative = file.strip_prefix(root()).unwrap().to_path_buf();
        let text = std::fs::read_to_string(&file).unwrap();
        let lowered = chaosc::plan::lower::lower(
            &relative,
            &text,
            &RepositoryFiles,
            &chaosc::plan::lower::Options::default(),
        );
        let Some(plan) = lowered.plan else {
            assert!(
                !text.contains("pods("),
                "{} uses pods but does not lower",
                relative.display()
            );
            continue;
        };
        let on_pods = plan
            .scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .any(|step| step.target.needs_cluster());
        if on_pods {
            plans.push((relative.display().to_string(), plan));
        }
    }
    plans
}

/// `scenarios/kubernetes/shop.chaos` and its plan.
fn shop() -> (String, Plan) {
    repository_pod_plans()
        .into_iter()
        .find(|(file, _)| file == "scenarios/kubernetes/shop.chaos")
        .expect("the shop example acts on pods")
}

/// Every repository file with pod targets exports without a problem to Workflows that
/// validate against every CRD schema, and each Workflow's chaos starts and lasts as
/// the Plan's steps do.
#[test]
fn every_repository_pod_scenario_exports_valid_and_on_time() {
    let plans = repository_pod_plans();
    assert!(
        plans
            .iter()
            .any(|(file, _)| file == "scenarios/kubernetes/shop.chaos"),
        "the shop example acts on pods: {:?}",
        plans.iter().map(|(f, _)| f).collect::<Vec<_>>()
    );
    for (file, plan) in &plans {
        let exported = chaos_mesh::export(plan);
        assert!(
            exported.problems.is_empty(),
            "{file}: {:#?}",
            exported.problems
        );
        let workflows = validate(schemas(), &exported, file);
        assert_eq!(workflows.len(), plan.scenarios.len(), "{file}");
        for (workflow, scenario) in workflows.iter().zip(&plan.scenarios) {
            let times = timeline(workflow);
            let kinds: HashMap<&str, &str> = workflow["spec"]["templates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    (
                        t["name"].as_str().unwrap(),
                        t["templateType"].as_str().unwrap(),
                    )
                })
                .collect();
            let mut exported_steps: Vec<(u64, Option<u64>)> = times
                .iter()
                .filter(|(name, _)| CHAOS_KINDS.contains(&kinds[name.as_str()]))
                .map(|(_, at)| *at)
                .collect();
            let mut planned: Vec<(u64, Option<u64>)> = scenario
                .steps
                .iter()
                .map(|step| {
                    (
                        scenario.baseline_ms + step.start_ms,
                        Some(step.duration_ms.unwrap_or(chaos_mesh::INSTANT_DEADLINE_MS)),
                    )
                })
                .collect();
            exported_steps.sort();
            planned.sort();
            assert_eq!(exported_steps, planned, "{file}: `{}`", scenario.name);
        }
    }
}

/// The shop example's manifests, as `chaosc export chaos-mesh` writes them.
#[test]
fn snapshot_of_the_shop_example() {
    let (_, plan) = shop();
    let exported = chaos_mesh::export(&plan);
    insta::assert_snapshot!(exported.yaml().unwrap());
}

/// The checker accepts on pods exactly the faults the export maps to Chaos Mesh: the
/// kinds whose signature lists `pods` are those of `exportable_faults`, and every other
/// kind says why not (E0502) or is a fault for pods only.
#[test]
fn the_checker_and_the_export_agree_on_pod_faults() {
    use chaosc::check::signatures::{CallClass, Kind, CALLS};
    use chaosc::check::types::TargetKind;
    let exported: std::collections::BTreeSet<String> = exportable_faults()
        .iter()
        .map(|(fault, _)| fault.kind().to_string())
        .collect();
    let mut accepted = std::collections::BTreeSet::new();
    for spec in CALLS.iter().filter(|c| c.class == CallClass::Fault) {
        let Kind::Fault(kind) = spec.kind else {
            unreachable!("a fault spec has a fault kind")
        };
        let on_pods = spec.targets.contains(&TargetKind::Pods);
        assert_eq!(
            on_pods,
            kind.on_pods_instead().is_none(),
            "`{}`: accepted on pods, or a reason why not",
            spec.name
        );
        if on_pods {
            accepted.insert(spec.name.to_string());
        }
    }
    assert_eq!(accepted, exported);
}

/// From the `.chaos` file: `chaosc export chaos-mesh FILE -o -` writes what the library
/// exports from its plan, and `chaosc run FILE` refuses before it injects anything.
#[test]
fn the_command_line_exports_the_shop_file_and_run_refuses_it() {
    let (file, plan) = shop();
    let command = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_chaosc"))
            .args(args)
            .current_dir(root())
            .output()
            .expect("chaosc runs")
    };
    let export = command(&["export", "chaos-mesh", &file, "-o", "-"]);
    assert_eq!(
        export.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(
        export.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&export.stdout),
        chaos_mesh::export(&plan).yaml().unwrap()
    );
    let run = command(&["run", &file]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot act on kubernetes pods"), "{stderr}");
    assert!(stderr.contains("chaosc export chaos-mesh"), "{stderr}");
}
