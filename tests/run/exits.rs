//! `chaosc run` end to end against a real HTTP server on 127.0.0.1 whose failures the
//! scenario itself causes (`exec` steps create and remove its flag files), so the
//! ground truth is known: every exit status of the contract, honest metrics, aborts,
//! and interruption.

use std::path::Path;
use std::time::{Duration, Instant};

use super::support::{self, assertion, chaosc, measured, num, results, FlagServer};

const LIMIT: Duration = Duration::from_secs(60);

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the scenario is written");
    path.display().to_string()
}

/// The probe interval of every scenario here.
const EVERY_MS: f64 = 100.0;

#[test]
fn an_outage_is_measured_as_it_happened_and_fails_the_run() {
    let _one = support::exclusive();
    let server = FlagServer::start();
    std::fs::write(server.dir.path().join("linger_ms"), "1500").expect("linger");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "outage.chaos",
        &format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "outage" {{
  baseline 1s
  timeline {{
    at 0s cpu_stress(workers: 1, load: 10%) for 5s as background
    at 1s exec(run: ["touch", "{fail}"], revert: ["rm", "-f", "{fail}"]) for 3s as outage
  }}
  recover within 10s
  slo {{
    availability(web) >= 99%
    warn error_rate(web) <= 1%
    mttr(web) <= 30s
    recovery_time(web) <= 30s
    warn requests(web) >= 1
  }}
}}
"#,
            port = server.port,
            fail = server.flag("fail"),
        ),
    );
    let reports = tmp.path().join("reports");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            &file,
            "--yes",
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 1, "{ran:#?}");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    assert_eq!(s["verdict"], "failed", "{s:#}");
    let outage = &s["steps"][1];
    let (start, end) = (
        num(outage, &["actual_start_ms"]),
        num(outage, &["actual_end_ms"]),
    );
    let chaos = (
        num(s, &["phases", "chaos", "start_ms"]),
        num(s, &["phases", "chaos", "end_ms"]),
    );
    // Ground truth: the server failed from the outage's start to its end plus 1.5 s.
    let failing_ms = (end - start) + 1500.0;
    let mttr = measured(assertion(s, "mttr"));
    assert!(
        (mttr - failing_ms).abs() <= EVERY_MS + 20.0,
        "mttr {mttr} ms, truth {failing_ms} ms"
    );
    // recovery_time: from the end of chaos (the outage's revert) to recovery.
    let recovery = measured(assertion(s, "recovery_time"));
    let truth = (start + failing_ms) - (chaos.1 - num(s, &["phases", "baseline", "end_ms"]));
    assert!(
        (recovery - truth).abs() <= EVERY_MS + 20.0,
        "recovery_time {recovery} ms, truth {truth} ms"
    );
    // availability over the chaos window: the share of it the server was healthy (it
    // fails from the outage's start until 1.5 s after its end, cut at the window's end).
    let window = chaos.1 - chaos.0;
    let baseline = num(s, &["phases", "baseline", "end_ms"]);
    let failing_in_chaos = (start + failing_ms).min(chaos.1 - baseline) - start;
    let healthy = (window - failing_in_chaos).max(0.0);
    let availability = measured(assertion(s, "availability"));
    let truth = healthy / window * 100.0;
    assert!(
        (availability - truth).abs() <= 2.0 * EVERY_MS / window * 100.0,
        "availability {availability}%, truth {truth}%"
    );
    eprintln!(
        "outage: mttr {mttr:.1} ms (truth {failing_ms:.1}), recovery_time {recovery:.1} ms, availability {availability:.2}% (truth {truth:.2}%)"
    );
    let error_rate = measured(assertion(s, "error_rate"));
    assert!((availability + error_rate - 100.0).abs() < 1e-9);
    assert!(
        !Path::new(&server.flag("fail")).exists(),
        "the outage was reverted"
    );
}

#[test]
fn a_healthy_run_passes_with_exit_0_and_writes_its_reports() {
    let _one = support::exclusive();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "ok.chaos",
        &format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "healthy" {{
  baseline 500ms
  steady_state {{ availability(web) >= 90% }}
  timeline {{ at 0s cpu_stress(workers: 1, load: 20%) for 1s as light }}
  recover within 2s
  slo {{ availability(web) >= 90% }}
}}
"#,
            port = server.port
        ),
    );
    let reports = tmp.path().join("reports");
    let ran = chaosc(
        tmp.path(),
        &["run", &file, "--report-dir", reports.to_str().unwrap_or("")],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(ran.stdout.contains("passed"), "{ran:#?}");
    let r = results(&reports);
    assert_eq!(r["verdict"], "passed");
    assert_eq!(r["exit_code"], 0);
    let step = &r["scenarios"][0]["steps"][0];
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    let journal = std::fs::read_to_string(reports.join("journal")).expect("a journal");
    assert!(journal.contains("\"event\":\"close\""), "{journal}");
}

#[test]
fn compile_errors_and_refused_confirmation_exit_2_and_inject_nothing() {
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let bad = write(tmp.path(), "bad.chaos", "scenario \"x\" { baseline 5 }\n");
    let ran = chaosc(tmp.path(), &["run", &bad], LIMIT);
    assert_eq!(ran.code, 2, "{ran:#?}");
    assert!(ran.stderr.contains("E0401"), "{ran:#?}");

    let flag = tmp.path().join("applied");
    let file = write(
        tmp.path(),
        "destructive.chaos",
        &format!(
            "scenario \"x\" {{\n  timeline {{ at 0s exec(run: [\"touch\", \"{}\"]) }}\n}}\n",
            flag.display()
        ),
    );
    let ran = chaosc(tmp.path(), &["run", &file], LIMIT);
    assert_eq!(ran.code, 2, "{ran:#?}");
    assert!(ran.stderr.contains("--yes"), "{ran:#?}");
    assert!(!flag.exists(), "nothing was injected");
    assert!(!tmp.path().join("chaos-reports").exists(), "no run started");
}

#[test]
fn an_abort_condition_fires_within_one_probe_interval_and_exits_3() {
    let _one = support::exclusive();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "abort.chaos",
        &format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "abort" {{
  baseline 1s
  timeline {{
    at 500ms exec(run: ["touch", "{fail}"], revert: ["rm", "-f", "{fail}"]) for 20s as outage
  }}
  slo {{ availability(web) >= 10% }}
  abort when error_rate(web) > 50% over 1s
}}
"#,
            port = server.port,
            fail = server.flag("fail"),
        ),
    );
    let reports = tmp.path().join("reports");
    let started = Instant::now();
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            &file,
            "--yes",
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 3, "{ran:#?}");
    assert!(started.elapsed() < Duration::from_secs(15), "aborted early");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    assert_eq!(s["verdict"], "aborted");
    // Over a 1 s window of 100 ms samples, more than half fail from the 6th failed
    // sample on: 500–600 ms after the outage began.
    let outage_start =
        num(s, &["phases", "baseline", "end_ms"]) + num(&s["steps"][0], &["actual_start_ms"]);
    let fired = num(s, &["abort", "at_ms"]) - outage_start;
    eprintln!("abort fired {fired:.1} ms after the outage began");
    assert!(
        (500.0..=600.0 + EVERY_MS + 20.0).contains(&fired),
        "fired {fired} ms after the outage began"
    );
    assert!(
        !Path::new(&server.flag("fail")).exists(),
        "reverted on abort"
    );
}

#[test]
fn a_fault_that_cannot_be_applied_is_an_error_with_exit_4() {
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "broken.chaos",
        "scenario \"broken\" {\n  timeline { at 0s exec(run: [\"false\"]) }\n}\n",
    );
    let reports = tmp.path().join("reports");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            &file,
            "--yes",
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 4, "{ran:#?}");
    let r = results(&reports);
    assert_eq!(r["scenarios"][0]["verdict"], "error");

    // A target that does not exist: refused in preflight, nothing started.
    let file = write(
        tmp.path(),
        "missing.chaos",
        "target gone = process(pid: 4194301)\nscenario \"missing\" {\n  timeline { at 0s process_pause(gone) for 1s }\n}\n",
    );
    let ran = chaosc(tmp.path(), &["run", &file, "--yes"], LIMIT);
    assert_eq!(ran.code, 4, "{ran:#?}");
    assert!(ran.stderr.contains("preflight"), "{ran:#?}");
    assert!(!tmp.path().join("chaos-reports").exists(), "no run started");
}

#[test]
fn sigint_mid_fault_reverts_writes_reports_and_exits_130() {
    interrupted_mid_fault(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn sigterm_mid_fault_reverts_writes_reports_and_exits_130() {
    interrupted_mid_fault(nix::sys::signal::Signal::SIGTERM);
}

fn interrupted_mid_fault(signal: nix::sys::signal::Signal) {
    let _shared = support::shared();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let fail = server.flag("fail");
    let file = write(
        tmp.path(),
        "long.chaos",
        &format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "long" {{
  timeline {{
    at 0s exec(run: ["touch", "{fail}"], revert: ["rm", "-f", "{fail}"]) for 60s as outage
  }}
  slo {{ availability(web) >= 0% }}
}}
"#,
            port = server.port,
        ),
    );
    let reports = tmp.path().join("reports");
    let mut child = std::process::Command::new(support::BIN)
        .args(["run", &file, "--yes", "--report-dir"])
        .arg(&reports)
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chaosc starts");
    let started = Instant::now();
    while !Path::new(&fail).exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the fault was applied"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).expect("the signal is sent");
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(40) {
            let _ = child.kill();
            panic!("chaosc did not stop after {signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
    assert!(!Path::new(&fail).exists(), "the fault was reverted");
    let r = results(&reports);
    assert_eq!(r["scenarios"][0]["verdict"], "interrupted");
    assert_eq!(r["exit_code"], 130);
}

/// A service whose readiness address another program already answers on is refused
/// in preflight: it would exit at once (address in use) while the other program
/// answered its readiness check.
#[test]
fn a_service_whose_port_is_taken_is_refused_in_preflight() {
    let _shared = super::support::shared();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "taken.chaos",
        &format!(
            "service api = spawn([\"sleep\", \"30\"], ready: \"http://127.0.0.1:{port}/\")\nprobe web = http(\"http://127.0.0.1:{port}/\", every: 100ms)\nscenario \"taken\" {{\n  baseline 300ms\n  slo {{ availability(web) >= 99% }}\n}}\n",
            port = server.port
        ),
    );
    let ran = chaosc(tmp.path(), &["run", &file, "--yes"], LIMIT);
    assert_eq!(ran.code, 4, "{ran:#?}");
    assert!(
        ran.stderr.contains(&format!(
            "preflight: service api: `127.0.0.1:{}` already answers before the service is started",
            server.port
        )),
        "{ran:#?}"
    );
    assert!(
        ran.stderr.contains("nothing was started or injected"),
        "{ran:#?}"
    );
}

/// A service that exits while a scenario runs makes that scenario `error`, with its
/// exit status, and the end of its log on the console.
#[test]
fn a_service_that_dies_during_a_scenario_is_an_error_not_a_pass() {
    let _shared = super::support::shared();
    if !support::python3("the service is a python3 one-liner") {
        return;
    }
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "dies.chaos",
        &format!(
            "service api = spawn([\"python3\", \"-c\", \"import time; print('serving', flush=True); time.sleep(0.5); print('fatal: lost the database', flush=True); raise SystemExit(3)\"])\nprobe web = http(\"http://127.0.0.1:{port}/\", every: 100ms)\nscenario \"dies\" {{\n  baseline 1500ms\n  slo {{ availability(web) >= 99% }}\n}}\n",
            port = server.port
        ),
    );
    let reports = tmp.path().join("reports");
    let ran = support::run_confirmed(tmp.path(), Path::new(&file), &reports, LIMIT);
    assert_eq!(ran.code, 4, "{ran:#?}");
    let results = results(&reports);
    let scenario = &results["scenarios"][0];
    assert_eq!(scenario["verdict"], "error", "{scenario:#}");
    let reason = scenario["reason"].as_str().unwrap_or("");
    assert!(reason.contains("service `api`"), "{reason}");
    assert!(reason.contains("exited with status 3"), "{reason}");
    assert!(
        ran.stderr.contains("| fatal: lost the database"),
        "{ran:#?}"
    );
}

/// Health before harm: a scenario whose probe fails before the first fault injects
/// nothing and ends `not_steady`, even without a `steady_state` block; a probe that
/// becomes healthy within the wait lets the faults start then.
#[test]
fn the_readiness_gate_holds_faults_until_the_probes_are_healthy() {
    let _shared = super::support::shared();
    let server = FlagServer::start();
    std::fs::write(server.dir.path().join("fail"), "").expect("the server fails");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let flag = tmp.path().join("injected");
    let file = write(
        tmp.path(),
        "gate.chaos",
        &format!(
            "probe web = http(\"http://127.0.0.1:{port}/\", every: 100ms)\nscenario \"gate\" {{\n  timeline {{ at 0s exec(run: [\"touch\", \"{flag}\"], revert: [\"true\"]) for 500ms }}\n  slo {{ requests(web) >= 0 }}\n}}\n",
            port = server.port,
            flag = flag.display()
        ),
    );
    let reports = tmp.path().join("refused");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            &file,
            "--yes",
            "--ready-within",
            "1s",
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 1, "{ran:#?}");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    assert_eq!(s["verdict"], "not_steady", "{s:#}");
    let reason = s["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains(
            "not ready for faults: probe `web` did not succeed 3 times in a row within 1000 ms"
        ),
        "{reason}"
    );
    assert!(!flag.exists(), "nothing was injected");

    // Healthy after about 1 s: the fault waits for it, then runs.
    let healer = {
        let fail = server.dir.path().join("fail");
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1000));
            let _ = std::fs::remove_file(fail);
        })
    };
    let reports = tmp.path().join("waited");
    let ran = support::run_confirmed(tmp.path(), Path::new(&file), &reports, LIMIT);
    healer.join().expect("the healer ends");
    assert!(flag.exists(), "injected once healthy: {ran:#?}");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    assert_eq!(s["verdict"], "passed", "{s:#}");
    assert!(
        num(s, &["phases", "chaos", "start_ms"]) >= 1000.0,
        "the faults started once the probe was healthy: {s:#}"
    );
}
