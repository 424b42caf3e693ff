//! `.chaos` programs of short real runs that more than one test binary needs.

#![allow(dead_code)] // each test binary uses some of these

use std::path::Path;

/// A short run (about 3 s) against a real web server, `python3 -m http.server` on a free
/// port of 127.0.0.1, that fails one blocking assertion (`requests(home) >= 1000000`: a
/// few samples are taken, never a million), passes another, and fails a `warn` one.
/// Written as `failing.chaos` in `dir`; its path.
pub fn failing_program(dir: &Path) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let text = format!(
        r#"service web = spawn(
  ["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"],
  ready: "http://127.0.0.1:{port}/",
)

probe home = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "short and failing" {{
  baseline 1s
  timeline {{
    at 0s cpu_stress(workers: 1, load: 10%) for 1s as warm
  }}
  recover within 5s
  slo {{
    availability(home) >= 50%
    requests(home) >= 1000000
    warn latency(home, p99) <= 0ms
  }}
}}
"#
    );
    let path = dir.join("failing.chaos");
    std::fs::write(&path, text).expect("the program is written");
    path.display().to_string()
}
