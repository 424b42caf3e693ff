//! `chaosc run --compat legacy`: the legacy tool's three output files, with exactly the
//! keys, metric names and types of the files it left (copied into
//! `tests/legacy/real/outputs/`), carrying what this run measured: a real web server
//! that fails for a known second of the chaos phase.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use super::support::{self, chaosc, num, results, FlagServer};

const LIMIT: Duration = Duration::from_secs(60);

fn legacy_output(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/legacy/real/outputs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("the file is JSON")
}

fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// `# TYPE` of every family, and every sample as `name{labels}` → value, from a text
/// exposition; fails on a line that is neither.
fn exposition(text: &str) -> (BTreeMap<String, String>, BTreeMap<String, f64>) {
    let mut types = BTreeMap::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("`# TYPE name kind`");
            types.insert(name.to_string(), kind.to_string());
        } else if line.starts_with("# HELP ") {
        } else {
            let (series, value) = line.rsplit_once(' ').expect("`series value`");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
            let name = series.split('{').next().unwrap_or(series);
            assert!(types.contains_key(name), "{name} has no # TYPE before it");
            samples.insert(series.to_string(), value);
        }
    }
    (types, samples)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn compat_legacy_writes_the_legacy_files_with_what_the_run_measured() {
    let _shared = support::shared();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = tmp.path().join("legacy.chaos");
    std::fs::write(
        &file,
        format!(
            r#"probe health = http("http://127.0.0.1:{port}/health", every: 100ms, timeout: 1s)

scenario "Light CPU Stress" {{
  tags [light, cpu_exhaust]
  baseline 1s
  timeline {{
    at 0s cpu_stress(workers: 1, load: 10%) for 2s as burn
    at 500ms exec(run: ["touch", "{fail}"], revert: ["rm", "-f", "{fail}"]) for 1s as outage
  }}
  recover within 5s
  slo {{
    availability(health) >= 95%
    error_rate(health) <= 5%
    mttr(health) <= 30s
    recovery_time(health) <= 10s
  }}
}}
"#,
            port = server.port,
            fail = server.flag("fail"),
        ),
    )
    .expect("written");
    let reports = tmp.path().join("out");
    let ran =
        support::run_confirmed_with(tmp.path(), &file, &reports, &["--compat", "legacy"], LIMIT);
    assert_eq!(ran.code, 1, "{ran:#?}");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    let probe = &s["probes"][0]["figures"];
    let read = |name: &str| std::fs::read_to_string(reports.join(name)).expect("written");

    // chaos_results.json: the legacy keys, at every level, and nothing else.
    let legacy = json(&legacy_output("chaos_results.json"));
    let ours = json(&read("chaos_results.json"));
    assert_eq!(keys(&ours), keys(&legacy));
    let (entry, legacy_entry) = (&ours["results"][0], &legacy["results"][0]);
    assert_eq!(keys(entry), keys(legacy_entry));
    assert_eq!(keys(&entry["metrics"]), keys(&legacy_entry["metrics"]));
    assert_eq!(ours["total_scenarios"], 1);
    assert_eq!(
        (&ours["successful"], &ours["failed"]),
        (&0.into(), &1.into())
    );
    assert_eq!(
        ours["target_url"],
        format!("http://127.0.0.1:{}/health", server.port)
    );
    assert_eq!(entry["scenario_name"], "Light CPU Stress");
    assert_eq!(entry["scenario_type"], "cpu_exhaust");
    assert_eq!(entry["intensity"], "light");
    assert_eq!(entry["duration"], 2);
    assert_eq!(entry["success"], false);
    assert!(entry["error_message"]
        .as_str()
        .is_some_and(|m| m.starts_with("failed: ")));
    // The scenario really lasted its baseline, chaos and recovery (the legacy tool's
    // were all 1.00x s).
    let elapsed = num(entry, &["elapsed_time"]);
    let phases_end = num(s, &["phases", "recovery", "end_ms"]) / 1000.0;
    assert!(
        close(elapsed, phases_end) && elapsed > 3.0,
        "{elapsed} vs {phases_end}"
    );
    let started = s["started_at"].as_str().expect("started");
    assert_eq!(
        entry["start_time"].as_str().map(|t| &t[..19]),
        Some(&started[..19])
    );
    // The server answered again by the end.
    assert_eq!(entry["metrics"]["service_available"], true);

    // resilience_validation.json
    let legacy = json(&legacy_output("resilience_validation.json"));
    let ours = json(&read("resilience_validation.json"));
    assert_eq!(keys(&ours), keys(&legacy));
    assert_eq!(keys(&ours["slo_targets"]), keys(&legacy["slo_targets"]));
    assert_eq!(keys(&ours["metrics"]), keys(&legacy["metrics"]));
    assert_eq!(ours["passed"], false);
    let violations: Vec<&str> = ours["violations"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        violations
            .iter()
            .any(|v| v.starts_with("Light CPU Stress: availability(health) >= 95%: measured ")),
        "{violations:?}"
    );
    let targets = &ours["slo_targets"];
    assert_eq!(targets["min_availability_percent"], 95.0);
    assert_eq!(targets["max_error_rate_percent"], 5.0);
    assert_eq!(targets["mttr_seconds"], 30.0);
    assert_eq!(targets["max_recovery_time_seconds"], 10.0);
    assert_eq!(
        targets["max_latency_degradation_ms"],
        serde_json::Value::Null
    );
    assert_eq!(targets["required_health_checks"], 3);
    assert_eq!(targets["health_check_interval_seconds"], 0.1);
    let m = &ours["metrics"];
    // Requests and failures of the chaos phase: 2 s of 100 ms samples, the server
    // failing for about 1 s of it.
    let chaos = &probe["chaos"];
    let total = num(m, &["total_requests"]);
    let failed = num(m, &["failed_requests"]);
    assert_eq!(total, num(chaos, &["samples"]));
    assert!((16.0..=24.0).contains(&total), "{total} requests");
    assert!((7.0..=13.0).contains(&failed), "{failed} failed");
    assert!(close(
        num(m, &["availability_percent"]),
        num(chaos, &["availability_percent"])
    ));
    assert!(close(
        num(m, &["error_rate_percent"]),
        num(chaos, &["error_rate_percent"])
    ));
    assert!(close(
        num(m, &["downtime_seconds"]),
        num(probe, &["downtime_ms"]) / 1000.0
    ));
    let downtime = num(m, &["downtime_seconds"]);
    assert!((0.8..=1.6).contains(&downtime), "{downtime} s down");
    assert!(close(num(m, &["mttr"]), num(probe, &["mttr_ms"]) / 1000.0));
    assert!(close(
        num(m, &["recovery_time"]),
        num(probe, &["recovery_time_ms"]) / 1000.0
    ));
    assert!(close(
        num(m, &["chaos_latency_ms"]),
        num(chaos, &["latency_ms", "p50"])
    ));
    assert_eq!(m["consecutive_successes"], 3);

    // chaos_metrics.prom: the legacy families with their types, and no other.
    let (legacy_types, _) = exposition(&legacy_output("chaos_metrics.prom"));
    let text = read("chaos_metrics.prom");
    let (types, samples) = exposition(&text);
    assert_eq!(types, legacy_types);
    let sample = |series: &str| {
        *samples
            .get(series)
            .unwrap_or_else(|| panic!("{series} in\n{text}"))
    };
    let labels = "{scenario=\"light_cpu_stress\",type=\"cpu_exhaust\",intensity=\"light\"}";
    assert_eq!(sample(&format!("chaos_scenario_success{labels}")), 0.0);
    assert!(close(
        sample(&format!("chaos_scenario_duration_seconds{labels}")),
        elapsed
    ));
    assert_eq!(sample("chaos_requests_total"), total);
    assert_eq!(sample("chaos_requests_failed"), failed);
    assert_eq!(sample("chaos_scenarios_total"), 1.0);
    assert_eq!(sample("chaos_scenarios_failed"), 1.0);
    assert_eq!(sample("chaos_slo_passed"), 0.0);
    assert_eq!(
        sample("chaos_slo_violations_count"),
        violations.len() as f64
    );
    assert_eq!(sample("chaos_availability_target_percent"), 95.0);
    assert!(close(
        sample("chaos_availability_percent"),
        num(chaos, &["availability_percent"])
    ));

    // `chaosc report DIR --format legacy` writes the same three files again.
    let again = tmp.path().join("again");
    let ran = chaosc(
        tmp.path(),
        &[
            "report",
            reports.to_str().unwrap_or(""),
            "--format",
            "legacy",
            "-o",
            again.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    for name in [
        "chaos_results.json",
        "resilience_validation.json",
        "chaos_metrics.prom",
    ] {
        assert_eq!(
            std::fs::read_to_string(again.join(name)).expect("written again"),
            read(name),
            "{name}"
        );
    }
}
