//! The README's main job: `chaosc run scenarios/quickstart.chaos` on this machine, with
//! its own web server (python3), for real.

use std::path::Path;
use std::time::Duration;

use super::support::{self, chaosc, results};

#[test]
fn the_quickstart_runs_for_real_and_passes() {
    if !support::python3("the quickstart's web server is `python3 -m http.server`") {
        return;
    }
    let _one = support::exclusive();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("a temp dir");
    let reports = tmp.path().join("reports");
    let file = root.join("scenarios/quickstart.chaos");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            file.to_str().unwrap_or(""),
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        Duration::from_secs(90),
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(ran.stdout.contains("reports in"), "{ran:#?}");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    let steps = s["steps"].as_array().expect("steps");
    for step in steps {
        assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    }
    // The freeze really froze the server: some samples failed while it was paused.
    let failures: u64 = s["probes"][0]["failures"]
        .as_object()
        .map(|f| f.values().filter_map(|v| v.as_u64()).sum())
        .unwrap_or(0);
    assert!(failures > 0, "{s:#}");
    for name in ["results.json", "journal", "services/web.log"] {
        assert!(reports.join(name).exists(), "{name} is written");
    }
}

#[test]
fn a_service_restarted_by_a_fault_is_measured_and_stopped_at_the_end() {
    if !support::python3("the service is `python3 -m http.server`") {
        return;
    }
    let _one = support::exclusive();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let port = support::free_port();
    let file = tmp.path().join("restart.chaos");
    std::fs::write(
        &file,
        format!(
            r#"service web = spawn(["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"], ready: "http://127.0.0.1:{port}/")
probe home = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 500ms)

scenario "crash and restart" {{
  baseline 1s
  timeline {{
    at 0s process_kill(web, restart: ["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"]) as crash
  }}
  recover within 10s
  slo {{
    recovery_time(home) <= 5s
  }}
}}
"#
        ),
    )
    .expect("a scenario");
    let reports = tmp.path().join("reports");
    let ran = support::run_confirmed(tmp.path(), &file, &reports, Duration::from_secs(60));
    assert_eq!(ran.code, 0, "{ran:#?}");
    let r = results(&reports);
    let step = &r["scenarios"][0]["steps"][0];
    let pid = step["evidence"]["measurements"]["restart_pid"]
        .as_f64()
        .unwrap_or_else(|| panic!("a restart pid: {step:#}")) as i32;
    // The restarted server is chaosc's service: stopped with the others at the end.
    let gone = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s[s.rfind(')').map(|i| i + 2).unwrap_or(0)..].starts_with('Z'))
        .unwrap_or(true);
    assert!(
        gone,
        "the restarted service {pid} was stopped: {}",
        ran.stderr
    );
}
