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

/// The probe interval.
const EVERY_MS: f64 = 500.0;

#[test]
fn a_paused_server_weighs_what_its_pause_lasts_with_a_timeout_longer_than_the_interval() {
    if !support::python3("the server is `python3 -m http.server`") {
        return;
    }
    let _one = support::exclusive();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let port = support::free_port();
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
    // Offsets from the scenario start, when the probe's grid starts (sample k at
    // k × 500 ms). A request fails when it is sent while the server is paused and more
    // than one timeout before the resume. A grid point within a few ms of either edge
    // may go either way (the request may be answered just before the SIGSTOP, or its
    // late answer meet the timeout), so the truth is a range: [sure, possible].
    let chaos = (
        support::num(s, &["phases", "chaos", "start_ms"]),
        support::num(s, &["phases", "chaos", "end_ms"]),
    );
    let pause = (
        chaos.0 + support::num(freeze, &["actual_start_ms"]),
        chaos.0 + support::num(freeze, &["actual_end_ms"]),
    );
    // The grid starts when the probe starts, a few ms after the scenario's origin:
    // the phase is not reported, so every phase up to PHASE_MS is allowed.
    const EDGE_MS: f64 = 25.0;
    const PHASE_MS: u32 = 30;
    let grid = |from: f64, to: f64, phase: f64| {
        (0..200)
            .map(|k| f64::from(k) * EVERY_MS + phase)
            .filter(|o| *o >= from && *o < to)
            .count() as f64
    };
    let range = |count: &dyn Fn(f64) -> f64| {
        let all: Vec<f64> = (0..=PHASE_MS).map(|p| count(f64::from(p))).collect();
        (
            all.iter().copied().fold(f64::INFINITY, f64::min),
            all.iter().copied().fold(0.0, f64::max),
        )
    };
    let failing = |from: f64, to: f64| {
        let sure = range(&|phase| {
            grid(
                from.max(pause.0 + EDGE_MS),
                to.min(pause.1 - 2000.0 - EDGE_MS),
                phase,
            )
        });
        let possible = range(&|phase| {
            grid(
                from.max(pause.0 - EDGE_MS),
                to.min(pause.1 - 2000.0 + EDGE_MS),
                phase,
            )
        });
        (sure.0, possible.1)
    };
    let sent = range(&|phase| grid(chaos.0, chaos.1, phase));
    let (sure, possible) = failing(chaos.0, chaos.1);
    let availability = measured(assertion(s, "availability"));
    let error_rate = measured(assertion(s, "error_rate"));
    let requests = measured(assertion(s, "requests"));
    let consecutive = measured(assertion(s, "consecutive_failures"));
    let in_run = failing(0.0, f64::MAX);
    eprintln!(
        "chaos {chaos:?} ms, pause {pause:?} ms: availability {availability:.1}%, requests {requests} (truth {sent:?}), failed {sure}..{possible} in chaos, consecutive failures {consecutive} (truth {in_run:?})"
    );
    assert!(
        (sent.0..=sent.1).contains(&requests),
        "requests {requests}, truth {sent:?}"
    );
    // Failed samples over the chaos phase, from the error rate and from availability.
    let failed = (error_rate / 100.0 * requests).round();
    assert!(
        (sure..=possible).contains(&failed),
        "{failed} failed ({error_rate}%), truth {sure}..{possible}"
    );
    assert!(
        ((100.0 - availability) / 100.0 * requests - failed).abs() < 0.01,
        "availability {availability}% and error rate {error_rate}% disagree"
    );
    assert!(
        (in_run.0..=in_run.1).contains(&consecutive),
        "consecutive failures {consecutive}, truth {in_run:?}"
    );
    // The old one-at-a-time model is out of this range by far: about 80 % available.
    assert!(availability < 70.0, "{availability}%");
    assert!(Path::new(&reports).join("report.md").exists());
}
