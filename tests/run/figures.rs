//! The standard figures, always: a scenario with no assertion still gets, for every
//! probe, the samples, availability, error rate and latency per phase and over the run,
//! and MTTR, downtime, longest failure run and recovery time, in every report format.
//! The server fails (503) for exactly the 1 s fault, made by the scenario itself.

use std::time::Duration;

use super::support::{self, num, results, FlagServer};

#[test]
fn a_scenario_without_assertions_gets_every_standard_figure_in_every_report() {
    let _shared = support::shared();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let fail = server.dir.path().join("fail");
    let file = tmp.path().join("figures.chaos");
    std::fs::write(
        &file,
        format!(
            "probe web = http(\"http://127.0.0.1:{port}/\", every: 100ms, timeout: 500ms)\n\nscenario \"figures\" {{\n  baseline 1s\n  timeline {{\n    at 0s exec(run: [\"touch\", \"{fail}\"], revert: [\"rm\", \"-f\", \"{fail}\"]) for 1s as outage\n  }}\n  recover within 5s\n}}\n",
            port = server.port,
            fail = fail.display()
        ),
    )
    .expect("the scenario is written");
    let reports = tmp.path().join("reports");
    let ran = support::run_confirmed(tmp.path(), &file, &reports, Duration::from_secs(60));
    assert!(reports.join("results.json").exists(), "{ran:#?}");

    // results.json: every phase and the run, with the truth of a 1 s outage.
    let r = results(&reports);
    let probe = &r["scenarios"][0]["probes"][0];
    let f = &probe["figures"];
    for phase in ["baseline", "chaos", "recovery", "run"] {
        for key in ["samples", "availability_percent", "error_rate_percent"] {
            assert!(f[phase][key].is_number(), "{phase}.{key}: {f:#}");
        }
    }
    assert_eq!(
        num(f, &["baseline", "availability_percent"]),
        100.0,
        "{f:#}"
    );
    assert!(num(f, &["chaos", "availability_percent"]) <= 10.0, "{f:#}");
    assert!(f["baseline"]["latency_ms"]["p99"].is_number(), "{f:#}");
    let downtime = num(f, &["downtime_ms"]);
    let mttr = num(f, &["mttr_ms"]);
    // Failing from the fault's start to its revert, seen on a 100 ms grid.
    assert!(
        (850.0..=1250.0).contains(&downtime),
        "downtime {downtime}: {f:#}"
    );
    assert_eq!(num(f, &["failure_episodes"]), 1.0, "{f:#}");
    assert!(
        (mttr - downtime).abs() < 1e-6,
        "one episode: mttr = downtime"
    );
    let run = num(f, &["longest_failure_run"]);
    assert!((8.0..=12.0).contains(&run), "longest failure run {run}");
    assert!(f["recovery_time_ms"].is_number(), "{f:#}");

    // report.md and report.html: the same two tables.
    let md = std::fs::read_to_string(reports.join("report.md")).expect("report.md");
    let html = std::fs::read_to_string(reports.join("report.html")).expect("report.html");
    for text in [&md, &html] {
        assert!(
            text.contains("Probes: standard figures per phase"),
            "{text}"
        );
        assert!(
            text.contains("Probes: failures and recovery over the scenario"),
            "{text}"
        );
    }
    for phase in ["baseline", "chaos", "recovery", "run"] {
        assert!(md.contains(&format!("| web | {phase} |")), "{md}");
        assert!(
            html.contains(&format!("<td>web</td><td>{phase}</td>")),
            "{html}"
        );
    }

    // metrics.prom: per phase and over the run.
    let prom = std::fs::read_to_string(reports.join("metrics.prom")).expect("metrics.prom");
    for phase in ["baseline", "chaos", "recovery", "run"] {
        let line = format!(
            "chaosc_probe_availability_ratio{{scenario=\"figures\",probe=\"web\",phase=\"{phase}\"}}"
        );
        assert!(prom.contains(&line), "{line}\n{prom}");
    }
    for name in [
        "chaosc_probe_mttr_seconds",
        "chaosc_probe_downtime_seconds",
        "chaosc_probe_longest_failure_run",
        "chaosc_probe_recovery_seconds",
        "chaosc_probe_phase_latency_seconds",
    ] {
        assert!(prom.contains(&format!("\n{name}{{")), "{name}\n{prom}");
    }
}
