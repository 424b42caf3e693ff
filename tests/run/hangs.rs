//! Ground truth for hangs, not only fast failures: a server that hangs is what a
//! `timeout` longer than the probe's interval meets, and the figures must count what a
//! client sending on that interval would have seen, whatever the timeout.
//!
//! A paused `python3 -m http.server` (SIGSTOP for 6 s at the start of a 10 s chaos
//! phase) under `http(…, every: 500ms, timeout: 2s)`: requests sent while it is paused
//! wait; those sent more than one timeout before the resume fail (timeout), those sent
//! within the last 2 s of the pause are answered late, within their timeout, and
//! succeed. Truth over the chaos phase: 20 requests, the first 8 fail (60 %
//! available), 8 consecutive failures.

use std::path::Path;
use std::time::Duration;

use super::support::{self, assertion, measured, results};

/// The probe interval, and the tolerance of every figure: one sample.
const EVERY_MS: f64 = 500.0;

#[test]
fn a_paused_server_weighs_what_its_pause_lasts_with_a_timeout_longer_than_the_interval() {
    if !support::available(
        "python3",
        support::on_path("python3"),
        "the server is `python3 -m http.server`",
    ) {
        return;
    }
    let _one = support::exclusive();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let file = tmp.path().join("hang.chaos");
    std::fs::write(
        &file,
        format!(
            r#"service web = spawn(
  ["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"],
  ready: "http://127.0.0.1:{port}/",
)
probe home = http("http://127.0.0.1:{port}/", every: 500ms, timeout: 2s)

scenario "hang" {{
  baseline 1s
  timeline {{
    at 0s process_pause(web) for 6s as freeze
    at 0s exec(run: ["true"], revert: ["true"]) for 10s as window
  }}
  slo {{
    availability(home) >= 99%
    error_rate(home) <= 1%
    requests(home) >= 0
    consecutive_failures(home) <= 0
  }}
}}
"#
        ),
    )
    .expect("the scenario is written");
    let reports = tmp.path().join("reports");
    let ran = support::run_confirmed(tmp.path(), &file, &reports, Duration::from_secs(90));
    assert_eq!(ran.code, 1, "the SLO fails, measured: {ran:#?}");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    let step = |name: &str| {
        s["steps"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == name))
            .unwrap_or_else(|| panic!("step {name}: {s:#}"))
    };
    let freeze = step("freeze");
    assert_eq!(freeze["evidence"]["took_effect"], true, "{freeze:#}");
    let chaos_ms = support::num(s, &["phases", "chaos", "end_ms"])
        - support::num(s, &["phases", "chaos", "start_ms"]);
    let pause_ms =
        support::num(freeze, &["actual_end_ms"]) - support::num(freeze, &["actual_start_ms"]);
    // Requests sent more than one timeout before the resume fail.
    let truth_failed = ((pause_ms - 2000.0) / EVERY_MS).ceil();
    let truth_sent = (chaos_ms / EVERY_MS).round();
    let truth_availability = 100.0 * (truth_sent - truth_failed) / truth_sent;
    let one_sample = 100.0 / truth_sent;

    let availability = measured(assertion(s, "availability"));
    let error_rate = measured(assertion(s, "error_rate"));
    let requests = measured(assertion(s, "requests"));
    let consecutive = measured(assertion(s, "consecutive_failures"));
    eprintln!(
        "chaos {chaos_ms:.0} ms, pause {pause_ms:.0} ms: availability {availability:.1}% (truth {truth_availability:.1}%), requests {requests} (truth {truth_sent}), consecutive failures {consecutive} (truth {truth_failed})"
    );
    assert!(
        (availability - truth_availability).abs() <= one_sample,
        "availability {availability}%, truth {truth_availability}%"
    );
    assert!(
        (error_rate - (100.0 - truth_availability)).abs() <= one_sample,
        "error rate {error_rate}%, truth {}%",
        100.0 - truth_availability
    );
    assert!(
        (requests - truth_sent).abs() <= 1.0,
        "requests {requests}, truth {truth_sent}"
    );
    assert!(
        (consecutive - truth_failed).abs() <= 1.0,
        "consecutive failures {consecutive}, truth {truth_failed}"
    );
    assert!(Path::new(&reports).join("report.md").exists());
}
