//! An `http` probe's `json` check against a real server on 127.0.0.1 that always
//! answers 200 and says in its body whether it is healthy, as the legacy health
//! endpoint did: availability follows the body's flag, not the status.

use std::time::Duration;

use super::support::{self, assertion, measured, num, results, run_confirmed, FlagServer};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn availability_follows_the_healthy_flag_of_a_json_body() {
    let _one = support::exclusive();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let (healthy, sick) = (
        tmp.path().join("healthy.json"),
        tmp.path().join("sick.json"),
    );
    std::fs::write(&healthy, r#"{"healthy": true, "version": "2.1"}"#).expect("written");
    std::fs::write(&sick, r#"{"healthy": false, "version": "2.1"}"#).expect("written");
    std::fs::copy(&healthy, server.flag("body")).expect("the server starts healthy");
    let file = tmp.path().join("json.chaos");
    std::fs::write(
        &file,
        format!(
            r#"probe health = http("http://127.0.0.1:{port}/api/health", every: 100ms, timeout: 1s, status: 200, json: {{"/healthy": true}})
probe status_only = http("http://127.0.0.1:{port}/api/health", every: 100ms, timeout: 1s)

scenario "unhealthy for 2s" {{
  baseline 1s
  timeline {{
    at 0s exec(run: ["cp", "{sick}", "{body}"], revert: ["cp", "{healthy}", "{body}"]) for 2s as sick
  }}
  recover within 10s
  slo {{
    availability(health) >= 99% during baseline
    warn availability(health) >= 50%
    recovery_time(health) <= 5s
    availability(status_only) >= 99%
  }}
}}
"#,
            port = server.port,
            sick = sick.display(),
            healthy = healthy.display(),
            body = server.flag("body"),
        ),
    )
    .expect("the scenario is written");
    let reports = tmp.path().join("reports");
    let ran = run_confirmed(tmp.path(), &file, &reports, LIMIT);
    assert_eq!(ran.code, 0, "{ran:#?}");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    assert_eq!(s["verdict"], "passed_with_warnings", "{s:#}");
    let availability = |window: &str, probe: &str| {
        let a = s["assertions"]
            .as_array()
            .and_then(|all| {
                all.iter().find(|a| {
                    a["metric"] == "availability" && a["window"] == window && a["probe"] == probe
                })
            })
            .unwrap_or_else(|| panic!("availability({probe}) during {window}: {s:#}"));
        measured(a)
    };
    // Healthy body before the fault, `"healthy": false` (still a 200) during it.
    assert!(availability("baseline", "health") >= 99.0, "{s:#}");
    let chaos = availability("chaos", "health");
    assert!(
        chaos <= 15.0,
        "availability {chaos}% while the body said unhealthy"
    );
    // The status alone sees nothing wrong.
    assert!(availability("chaos", "status_only") >= 99.0, "{s:#}");
    // Healthy again once the flag is back.
    let recovery = measured(assertion(s, "recovery_time"));
    assert!(recovery <= 1_000.0, "recovery_time {recovery} ms");
    // The failed samples were body failures, not status ones.
    let health = s["probes"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "health"))
        .unwrap_or_else(|| panic!("the health probe's results: {s:#}"));
    assert!(num(health, &["failures", "body"]) >= 10.0, "{health:#}");
    assert!(health["failures"].get("status").is_none(), "{health:#}");
    eprintln!(
        "json health: availability {chaos:.1}% while unhealthy, recovery_time {recovery:.0} ms"
    );
}
