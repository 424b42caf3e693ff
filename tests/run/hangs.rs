//! Ground truth for hangs, not only fast failures: a server that hangs is what a
//! `timeout` longer than the probe's interval meets, and the figures must count what a
//! client sending on that interval would have seen, whatever the timeout.
//!
//! Each case hangs a server for 6 s at the start of a 10 s chaos phase under
//! `http(…, every: 500ms, timeout: 2s)`: a paused process, a proxy `blackhole` (which
//! releases what it held at the revert), a paused container (in `container.rs`).
//! Requests sent during the hang wait; those sent more than one timeout before it ends
//! fail (timeout), those sent within the last 2 s are answered late, within their
//! timeout, and succeed. Truth over the chaos phase: 20 requests, the first 8 fail
//! (60 % available), 8 consecutive failures, one failure episode of about 4 s.

use std::time::Duration;

use super::support::{self, assertion, measured, results, FlagServer};

const EVERY_MS: f64 = 500.0;
const TIMEOUT_MS: f64 = 2000.0;

/// The program of every case: `declarations` (targets, services, safety), the probe of
/// `url`, and a scenario whose step `hang` applies `fault` for 6 s of a 10 s chaos
/// phase. Its assertions are compared with the truth (they fail, which is the point:
/// their values are recorded).
pub fn program(declarations: &str, url: &str, fault: &str) -> String {
    format!(
        r#"{declarations}
probe home = http("{url}", every: 500ms, timeout: 2s)

scenario "hang" {{
  baseline 1s
  timeline {{
    at 0s {fault} for 6s as hang
    at 0s exec(run: ["true"], revert: ["true"]) for 10s as window
  }}
  slo {{
    availability(home) >= 99%
    error_rate(home) <= 1%
    requests(home) >= 0
    consecutive_failures(home) <= 0
    mttr(home) <= 1ms
  }}
}}
"#
    )
}

/// Checks every figure of scenario `s` of [`program`] against the truth of the hang
/// made by its step `hang`: availability, error rate and `requests` over the chaos phase,
/// `consecutive_failures` and `mttr` over the run.
///
/// Offsets count from the scenario start, where the probe's grid starts (sample k at
/// k × 500 ms, plus a phase of a few ms that is not reported: every phase up to
/// `PHASE_MS` is allowed). A grid point within `EDGE_MS` of either edge of the hang may
/// go either way (answered just before the hang, or a late answer meeting the timeout),
/// so each truth is a range.
pub fn assert_hang_truth(s: &serde_json::Value) {
    let hang = "hang";
    const EDGE_MS: f64 = 25.0;
    const PHASE_MS: u32 = 30;
    let step = s["steps"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == hang))
        .unwrap_or_else(|| panic!("step {hang}: {s:#}"));
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    let chaos = (
        support::num(s, &["phases", "chaos", "start_ms"]),
        support::num(s, &["phases", "chaos", "end_ms"]),
    );
    let origin = chaos.0
        - s["steps"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["actual_start_ms"].as_f64())
                    .fold(f64::INFINITY, f64::min)
            })
            .unwrap_or(0.0);
    let hung = (
        origin + support::num(step, &["actual_start_ms"]),
        origin + support::num(step, &["actual_end_ms"]),
    );
    let grid = |phase: u32| (0..400).map(move |k| f64::from(k) * EVERY_MS + f64::from(phase));
    let count = |from: f64, to: f64, phase: u32| {
        grid(phase).filter(|o| *o >= from && *o < to).count() as f64
    };
    let range = |f: &dyn Fn(u32) -> f64| {
        let all: Vec<f64> = (0..=PHASE_MS).map(f).collect();
        (
            all.iter().copied().fold(f64::INFINITY, f64::min),
            all.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    };
    // Failed samples in [from, to): sent during the hang, more than a timeout before its end.
    let failing = |from: f64, to: f64| {
        let sure = range(&|p| {
            count(
                from.max(hung.0 + EDGE_MS),
                to.min(hung.1 - TIMEOUT_MS - EDGE_MS),
                p,
            )
        });
        let possible = range(&|p| {
            count(
                from.max(hung.0 - EDGE_MS),
                to.min(hung.1 - TIMEOUT_MS + EDGE_MS),
                p,
            )
        });
        (sure.0, possible.1)
    };
    let sent = range(&|p| count(chaos.0, chaos.1, p));
    let (sure, possible) = failing(chaos.0, chaos.1);
    let in_run = failing(0.0, f64::MAX);
    // mttr: one episode, from the first failed sample to the first success after it.
    let mttr_truth = range(&|p| {
        let first = grid(p).find(|o| *o >= hung.0 - EDGE_MS).unwrap_or(0.0);
        let back = grid(p)
            .find(|o| *o > hung.1 - TIMEOUT_MS - EDGE_MS)
            .unwrap_or(0.0);
        back - first
    });

    let availability = measured(assertion(s, "availability"));
    let error_rate = measured(assertion(s, "error_rate"));
    let requests = measured(assertion(s, "requests"));
    let consecutive = measured(assertion(s, "consecutive_failures"));
    let mttr = measured(assertion(s, "mttr"));
    eprintln!(
        "{hang}: hung {hung:?} ms, chaos {chaos:?} ms: availability {availability:.1}%, requests {requests} (truth {sent:?}), failed {}..{} in chaos (truth), consecutive failures {consecutive} (truth {in_run:?}), mttr {mttr:.0} ms (truth {mttr_truth:?})",
        sure, possible
    );
    assert!(
        (sent.0..=sent.1).contains(&requests),
        "requests {requests}, truth {sent:?}"
    );
    // Within one probe interval of the truth: one sample either way, beyond the edge
    // ranges (a server answering its backlog just after the hang is client-visible, but
    // not part of the hang's own truth).
    let failed = (error_rate / 100.0 * requests).round();
    assert!(
        (sure - 1.0..=possible + 1.0).contains(&failed),
        "{failed} failed ({error_rate}%), truth {sure}..{possible}"
    );
    assert!(
        ((100.0 - availability) / 100.0 * requests - failed).abs() < 0.01,
        "availability {availability}% and error rate {error_rate}% disagree"
    );
    assert!(
        (in_run.0 - 1.0..=in_run.1 + 1.0).contains(&consecutive),
        "consecutive failures {consecutive}, truth {in_run:?}"
    );
    assert!(
        (mttr_truth.0 - EVERY_MS..=mttr_truth.1 + EVERY_MS).contains(&mttr),
        "mttr {mttr} ms, truth {mttr_truth:?}"
    );
    // The old one-at-a-time model is out of these ranges by far: about 80 % available,
    // 2 consecutive failures.
    assert!(
        availability < 70.0 && consecutive >= 5.0,
        "{availability}%, {consecutive}"
    );
}

/// Python's threading HTTP server with a listen backlog of 128, not `http.server`'s
/// default of 5: with 5, connections sent during the pause beyond the fifth lose
/// their SYN and retry a second later, which fails requests a client of a
/// well-configured server would not lose; that is true of such a server, but not the
/// pause's own truth that this test checks.
const SERVER: &str = "import http.server as h, sys; h.ThreadingHTTPServer.request_queue_size = 128; h.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), h.SimpleHTTPRequestHandler).serve_forever()";

#[test]
fn a_paused_server_weighs_what_its_pause_lasts() {
    if !support::python3("the server is `python3 -m http.server`") {
        return;
    }
    let _one = support::exclusive();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let port = support::free_port();
    let file = tmp.path().join("hang.chaos");
    let service = format!(
        r#"service web = spawn(
  ["python3", "-c", "{SERVER}", "{port}"],
  ready: "http://127.0.0.1:{port}/",
)"#
    );
    let url = format!("http://127.0.0.1:{port}/");
    std::fs::write(&file, program(&service, &url, "process_pause(web)"))
        .expect("the scenario is written");
    let reports = tmp.path().join("reports");
    let ran = support::run_confirmed(tmp.path(), &file, &reports, Duration::from_secs(90));
    assert_eq!(ran.code, 1, "the SLO fails, measured: {ran:#?}");
    assert_hang_truth(&results(&reports)["scenarios"][0]);
}

/// A `blackhole` on the proxy holds every byte and releases them at the revert: the
/// requests sent less than a timeout before it are answered late and succeed.
#[test]
fn a_blackholed_proxy_weighs_what_the_blackhole_lasts() {
    let _one = support::exclusive();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let listen = support::free_port();
    let file = tmp.path().join("blackhole.chaos");
    let edge = format!(
        r#"target edge = proxy(listen: "127.0.0.1:{listen}", upstream: "127.0.0.1:{}")"#,
        server.port
    );
    let url = format!("http://127.0.0.1:{listen}/");
    std::fs::write(&file, program(&edge, &url, "blackhole(edge)"))
        .expect("the scenario is written");
    let reports = tmp.path().join("reports");
    let ran = support::run_confirmed(tmp.path(), &file, &reports, Duration::from_secs(90));
    assert_eq!(ran.code, 1, "the SLO fails, measured: {ran:#?}");
    assert_hang_truth(&results(&reports)["scenarios"][0]);
}
