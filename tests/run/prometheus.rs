//! `prometheus` probes end to end: `chaosc run` queries a small server on 127.0.0.1 that
//! speaks the Prometheus instant-query API, and whose answer the scenario itself
//! switches (an `exec` step creates a flag file for a known window), so the assertions
//! reflect a known ground truth.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::support::{self, chaosc, results};

const LIMIT: Duration = Duration::from_secs(60);

/// Answers `GET /api/v1/query?…` with a one-series vector whose value is `0.01`, or `0.5`
/// while the file `high` exists in its folder; records every request line.
struct FakePrometheus {
    port: u16,
    dir: tempfile::TempDir,
    lines: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FakePrometheus {
    fn start() -> FakePrometheus {
        let dir = tempfile::tempdir().expect("a temp dir");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let port = listener.local_addr().expect("an address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (high, halt, log) = (dir.path().join("high"), stop.clone(), lines.clone());
        std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                };
                let (high, log) = (high.clone(), log.clone());
                std::thread::spawn(move || serve(conn, &high, &log));
            }
        });
        FakePrometheus {
            port,
            dir,
            lines,
            stop,
        }
    }

    fn high(&self) -> PathBuf {
        self.dir.path().join("high")
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for FakePrometheus {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(mut conn: std::net::TcpStream, high: &Path, log: &Mutex<Vec<String>>) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&got);
    let line = text.lines().next().unwrap_or("").to_string();
    let endpoint = line.starts_with("GET /api/v1/query?");
    if let Ok(mut log) = log.lock() {
        log.push(line);
    }
    let (status, body) = if endpoint {
        let value = if high.exists() { "0.5" } else { "0.01" };
        let body = format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"job":"api"}},"value":[1700000000.5,"{value}"]}}]}}}}"#
        );
        ("200 OK", body)
    } else {
        ("404 Not Found", "404 page not found".to_string())
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn measured_percent(scenario: &serde_json::Value, text: &str) -> f64 {
    let a = scenario["assertions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["text"] == text))
        .unwrap_or_else(|| panic!("an assertion `{text}`: {scenario:#}"));
    a["measured"]["percent"]
        .as_f64()
        .unwrap_or_else(|| panic!("a measured percentage: {a:#}"))
}

#[test]
fn a_prometheus_probe_follows_the_value_its_query_returns() {
    let _one = support::exclusive();
    let server = FakePrometheus::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let high = server.high().display().to_string();
    let text = format!(
        r#"probe errors = prometheus("http://127.0.0.1:{port}", query: "sum(rate(http_errors_total[1m])) / sum(rate(http_requests_total[1m]))", every: 100ms, timeout: 1s, expect: "< 0.05")

scenario "error ratio" {{
  baseline 2s
  timeline {{
    at 0s exec(run: ["touch", "{high}"], revert: ["rm", "-f", "{high}"]) for 1s as spike
  }}
  recover within 5s
  slo {{
    availability(errors) >= 50% during run
    availability(errors) >= 99% during baseline
    warn availability(errors) >= 99%
  }}
}}
"#,
        port = server.port
    );
    let file = tmp.path().join("prom.chaos");
    std::fs::write(&file, text).expect("the scenario is written");
    let file = file.display().to_string();

    let dry = chaosc(tmp.path(), &["run", "--dry-run", &file], LIMIT);
    assert_eq!(dry.code, 0, "{dry:#?}");
    let ready = dry
        .stdout
        .lines()
        .chain(dry.stderr.lines())
        .any(|l| l.contains("probe errors: answered once"));
    assert!(ready, "the dry run tried the probe once: {dry:#?}");

    let reports = tmp.path().join("reports");
    let ran = support::run_confirmed(tmp.path(), Path::new(&file), &reports, LIMIT);
    let r = results(&reports);
    // Passed with a warning: the blocking assertions hold, the chaos one does not.
    assert_eq!(ran.code, 0, "{ran:#?} {:#}", r["scenarios"][0]["probes"]);
    let s = &r["scenarios"][0];
    assert_eq!(s["verdict"], "passed_with_warnings", "{s:#}");
    let run = measured_percent(s, "availability(errors) >= 50% during run");
    let baseline = measured_percent(s, "availability(errors) >= 99% during baseline");
    // `availability` in an `slo` is measured during chaos unless told otherwise.
    let chaos = measured_percent(s, "warn availability(errors) >= 99%");
    eprintln!("prometheus probe: run {run:.1}%, baseline {baseline:.1}%, chaos {chaos:.1}%");
    assert_eq!(baseline, 100.0, "{s:#}");
    // The spike lasts the whole chaos phase, but the first sample after `touch` may
    // still have been answered before the file existed.
    assert!(chaos <= 10.0, "chaos availability {chaos}%: {s:#}");
    assert!(run > 50.0 && run < 90.0, "run availability {run}%: {s:#}");
    // The failures are `expect` failures, not transport ones.
    let failures = &s["probes"][0]["failures"];
    assert!(
        failures["expect"].as_u64().unwrap_or(0) >= 8,
        "{failures:#}"
    );
    assert_eq!(
        failures.as_object().map(|f| f.len()),
        Some(1),
        "{failures:#}"
    );
    // Every request was the url-encoded instant query.
    let lines = server.lines();
    assert!(lines.len() >= 25, "{}", lines.len());
    let want = "GET /api/v1/query?query=sum%28rate%28http_errors_total%5B1m%5D%29%29+%2F+sum%28rate%28http_requests_total%5B1m%5D%29%29 HTTP/1.1";
    assert!(lines.iter().all(|l| l == want), "{lines:#?}");
    assert!(!server.high().exists(), "the spike was reverted");
}
