//! Metrics leaving a run: `--metrics-listen` (live `/metrics`, scraped here with raw
//! requests while the run goes on) and the error paths of `--pushgateway` (nothing
//! listening, and a refusal with a message from a small fake, which a real Pushgateway
//! does not give chaosc's valid text). A real Prometheus scraping a run and a real
//! Pushgateway taking the push are in `prometheus_real.rs`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::support::{chaosc, FlagServer, Ran};

const LIMIT: Duration = Duration::from_secs(60);

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the scenario is written");
    path.display().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One HTTP/1.0 GET on 127.0.0.1, so that the answer is never chunked and ends with
/// the connection (chaosc's server and Go's alike): status, head and body. A
/// `Content-Length`, when there is one, must match the body.
pub(super) fn get(port: u16, path: &str) -> std::io::Result<(u16, String, String)> {
    let mut conn = TcpStream::connect(("127.0.0.1", port))?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        conn,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: text/plain, application/json\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no end of head in {raw:?}")))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))?;
    if let Some(length) = header(head, "content-length") {
        assert_eq!(
            Ok(body.len()),
            length.parse(),
            "Content-Length matches the body"
        );
    }
    Ok((status, head.to_string(), body.to_string()))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// A series of the exposition format: name, labels (unescaped), value.
pub(super) type Series = (String, Vec<(String, String)>, f64);

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses the text format 0.0.4 strictly enough that every line must be a comment
/// (`# HELP`/`# TYPE` of the family that follows) or a valid series.
pub(super) fn parse(text: &str) -> Result<Vec<Series>, String> {
    let mut out = Vec::new();
    let mut typed = std::collections::HashSet::new();
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the text does not end with a line feed".into());
    }
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let (kind, name) = (parts.next(), parts.next().unwrap_or(""));
            if !matches!(kind, Some("HELP" | "TYPE")) || !is_name(name) {
                return Err(format!("bad comment `{line}`"));
            }
            if kind == Some("TYPE")
                && (parts.next() != Some("gauge") || !typed.insert(name.to_string()))
            {
                return Err(format!("bad or repeated TYPE `{line}`"));
            }
            continue;
        }
        let end = line
            .find(['{', ' '])
            .ok_or_else(|| format!("no value in `{line}`"))?;
        let name = &line[..end];
        if !is_name(name) || !typed.contains(name) {
            return Err(format!("bad or untyped name in `{line}`"));
        }
        let mut rest = &line[end..];
        let mut labels = Vec::new();
        if let Some(after) = rest.strip_prefix('{') {
            rest = after;
            loop {
                if let Some(after) = rest.strip_prefix('}') {
                    rest = after;
                    break;
                }
                let eq = rest.find("=\"").ok_or(format!("bad label in `{line}`"))?;
                let label = &rest[..eq];
                if !is_name(label) || label.contains(':') {
                    return Err(format!("bad label name in `{line}`"));
                }
                let mut value = String::new();
                let mut chars = rest[eq + 2..].char_indices();
                let close = loop {
                    match chars.next() {
                        None => return Err(format!("unterminated value in `{line}`")),
                        Some((i, '"')) => break i,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, '\\')) => value.push('\\'),
                            Some((_, '"')) => value.push('"'),
                            Some((_, 'n')) => value.push('\n'),
                            _ => return Err(format!("bad escape in `{line}`")),
                        },
                        Some((_, c)) => value.push(c),
                    }
                };
                labels.push((label.to_string(), value));
                rest = &rest[eq + 2 + close + 1..];
                rest = rest.strip_prefix(',').unwrap_or(rest);
            }
        }
        let value = rest
            .strip_prefix(' ')
            .ok_or(format!("no space before the value in `{line}`"))?;
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().map_err(|_| format!("bad value in `{line}`"))?,
        };
        out.push((name.to_string(), labels, value));
    }
    Ok(out)
}

/// The value of the series `name` whose labels include `labels`.
pub(super) fn find(series: &[Series], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    series
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|s| s.2)
}

/// Runs `chaosc` on a thread, so that the test can scrape it meanwhile.
fn run_in_background(dir: &Path, args: Vec<String>) -> std::thread::JoinHandle<Ran> {
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        chaosc(&dir, &args, LIMIT)
    })
}

#[test]
fn live_metrics_are_served_during_the_run_and_the_listener_closes_after() {
    let _shared = super::support::shared();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let marker = std::path::PathBuf::from(server.flag("fail"));
    // `first` ends before `second` starts, so its final metrics are served while
    // `second` runs; `second` makes the server fail (503) for 6 s with an `exec`
    // fault, to scrape during.
    let file = write(
        tmp.path(),
        "live.chaos",
        &format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 50ms, timeout: 1s)

scenario "first" {{
  baseline 300ms
  recover within 1s
  slo {{ availability(web) >= 90% during baseline }}
}}

scenario "second \"live\"" {{
  baseline 300ms
  timeline {{
    at 0s exec(run: ["touch", "{marker}"], revert: ["rm", "-f", "{marker}"]) for 6s as hold
  }}
  recover within 2s
  slo {{ availability(web) >= 90% during baseline }}
}}
"#,
            port = server.port,
            marker = marker.display(),
        ),
    );
    let port = free_port();
    let reports = tmp.path().join("reports");
    let run = run_in_background(
        tmp.path(),
        vec![
            "run".into(),
            file,
            "--yes".into(),
            "--metrics-listen".into(),
            format!("127.0.0.1:{port}"),
            "--report-dir".into(),
            reports.display().to_string(),
        ],
    );

    let second = "second \"live\"";
    let started = Instant::now();
    let mut scraped = None;
    while started.elapsed() < Duration::from_secs(30) && !run.is_finished() {
        if let Ok((200, head, body)) = get(port, "/metrics") {
            assert_eq!(
                header(&head, "content-type"),
                Some("text/plain; version=0.0.4; charset=utf-8"),
                "{head}"
            );
            assert!(header(&head, "content-length").is_some(), "{head}");
            let series = parse(&body).unwrap_or_else(|e| panic!("{e}\n\n{body}"));
            let chaos = find(
                &series,
                "chaosc_scenario_phase",
                &[("scenario", second), ("phase", "chaos")],
            );
            let samples = find(
                &series,
                "chaosc_probe_samples",
                &[("scenario", second), ("probe", "web")],
            );
            let failures = find(
                &series,
                "chaosc_probe_failures",
                &[
                    ("scenario", second),
                    ("probe", "web"),
                    ("outcome", "status"),
                ],
            );
            let active = find(&series, "chaosc_fault_active", &[("scenario", second)]);
            // Published every 250 ms: soon after the fault is applied, all of it shows.
            if chaos == Some(1.0)
                && samples.is_some_and(|n| n > 0.0)
                && failures.is_some_and(|n| n > 0.0)
                && active.is_some()
            {
                scraped = Some((body, series));
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let not_found = get(port, "/other");
    let ran = run.join().expect("the run thread ends");
    let (body, series) = scraped.unwrap_or_else(|| panic!("no live chaos scrape\n{ran:#?}"));
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(ran
        .stderr
        .contains(&format!("live metrics at http://127.0.0.1:{port}/metrics")));

    // The live series of the running scenario.
    let run_id = [("run_id", "reports")];
    assert_eq!(
        find(&series, "chaosc_run_info", &run_id),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        find(
            &series,
            "chaosc_fault_active",
            &[("scenario", second), ("step", "hold"), ("kind", "exec")]
        ),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        series
            .iter()
            .filter(|(n, l, _)| n == "chaosc_scenario_phase"
                && l.iter().any(|(k, v)| k == "scenario" && v == second))
            .count(),
        1,
        "one phase at a time: {body}"
    );
    // Nothing of the finished run yet: no exit code, no verdict for the running one.
    assert!(
        find(&series, "chaosc_run_exit_code", &[]).is_none(),
        "{body}"
    );
    assert!(
        find(&series, "chaosc_scenario_verdict", &[("scenario", second)]).is_none(),
        "{body}"
    );
    // The ended scenario's series are the very lines of the final metrics.prom.
    let prom = std::fs::read_to_string(reports.join("metrics.prom")).expect("metrics.prom");
    let first_lines: Vec<&str> = body
        .lines()
        .filter(|l| l.contains("scenario=\"first\""))
        .collect();
    assert!(
        first_lines
            .iter()
            .any(|l| l
                .starts_with("chaosc_scenario_verdict{scenario=\"first\",verdict=\"passed\"} 1")),
        "{body}"
    );
    assert!(
        first_lines
            .iter()
            .any(|l| l.starts_with("chaosc_probe_samples{")),
        "{body}"
    );
    for line in &first_lines {
        assert!(prom.lines().any(|l| l == *line), "`{line}` not in\n{prom}");
    }
    // The running scenario's counts were counts so far: the final ones are larger.
    let last = parse(&prom).unwrap_or_else(|e| panic!("{e}\n\n{prom}"));
    let web = [("scenario", second), ("probe", "web")];
    let samples = |s: &[Series]| find(s, "chaosc_probe_samples", &web).unwrap_or(0.0);
    assert!(samples(&series) < samples(&last), "{body}\n{prom}");
    // Other paths are not found; after the run nothing listens any more.
    let (status, _, _) = not_found.expect("an answer for /other");
    assert_eq!(status, 404);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "still listening on {port} after the run"
    );
}

#[test]
fn an_address_in_use_refuses_the_run_before_anything_starts() {
    let _shared = super::support::shared();
    let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("an address").port();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let marker = tmp.path().join("applied");
    let file = write(
        tmp.path(),
        "x.chaos",
        &format!(
            "scenario \"x\" {{\n  timeline {{ at 0s exec(run: [\"touch\", \"{}\"]) }}\n}}\n",
            marker.display()
        ),
    );
    let reports = tmp.path().join("reports");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            &file,
            "--yes",
            "--metrics-listen",
            &format!("127.0.0.1:{port}"),
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 2, "{ran:#?}");
    assert!(
        ran.stderr.contains(&format!(
            "error: cannot listen for metrics on `127.0.0.1:{port}`"
        )),
        "{ran:#?}"
    );
    assert!(!marker.exists(), "nothing was injected");
    assert!(!reports.exists(), "no report folder was made");

    // A dry run reports it as a preflight problem.
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            &file,
            "--dry-run",
            "--metrics-listen",
            &format!("127.0.0.1:{port}"),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 4, "{ran:#?}");
    assert!(ran.stdout.contains("error  metrics listener"), "{ran:#?}");
    drop(taken);
}

/// What the fake Pushgateway received.
#[derive(Debug, Default, Clone)]
struct Pushed {
    method: String,
    path: String,
    content_type: String,
    body: String,
}

/// A fake Pushgateway for the refusal a real one does not give: a
/// one-request-at-a-time HTTP server that records each request and answers `status`
/// (with a body); it stops when dropped.
struct Pushgateway {
    port: u16,
    got: Arc<Mutex<Vec<Pushed>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Pushgateway {
    fn start(status: &'static str) -> Pushgateway {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("an address").port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (record, halt) = (Arc::clone(&got), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !halt.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                if let Some(pushed) = read_request(&mut conn) {
                    record
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(pushed);
                }
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Length: 12\r\nConnection: close\r\n\r\nbad grouping"
                );
            }
        });
        Pushgateway { port, got, stop }
    }

    fn pushed(&self) -> Vec<Pushed> {
        self.got.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for Pushgateway {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn read_request(conn: &mut TcpStream) -> Option<Pushed> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = conn.read(&mut buf).ok().filter(|&n| n > 0)?;
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let length: usize = header(&head, "content-length")?.parse().ok()?;
    let mut body = raw[head_end + 4..].to_vec();
    while body.len() < length {
        let n = conn.read(&mut buf).ok().filter(|&n| n > 0)?;
        body.extend_from_slice(&buf[..n]);
    }
    let mut line = head.lines().next()?.split(' ');
    Some(Pushed {
        method: line.next()?.to_string(),
        path: line.next()?.to_string(),
        content_type: header(&head, "content-type").unwrap_or("").to_string(),
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A quick passing run: a probe over a short baseline and recovery, no fault; the
/// scenario's name `quick "pushed"` has quotes to escape.
pub(super) fn quick_scenario(dir: &Path, server: &FlagServer) -> String {
    write(
        dir,
        "quick.chaos",
        &format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "quick \"pushed\"" {{
  baseline 300ms
  recover within 1s
  slo {{ availability(web) >= 90% during baseline }}
}}
"#,
            port = server.port
        ),
    )
}

#[test]
fn a_failed_push_is_an_error_line_and_leaves_the_exit_status_alone() {
    let _shared = super::support::shared();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = quick_scenario(tmp.path(), &server);

    // Nothing listens on the port.
    let closed = free_port();
    let reports = tmp.path().join("unreachable");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            &file,
            "--pushgateway",
            &format!("http://127.0.0.1:{closed}"),
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(
        ran.stderr.contains(&format!(
            "error: cannot push the metrics to `http://127.0.0.1:{closed}/metrics/job/chaosc/run_id/unreachable`"
        )),
        "{ran:#?}"
    );
    assert!(
        ran.stderr.contains("help: the exit status is the run's"),
        "{ran:#?}"
    );
    assert!(reports.join("metrics.prom").exists());

    // The Pushgateway answers with an error.
    let gateway = Pushgateway::start("400 Bad Request");
    let reports = tmp.path().join("refused");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            &file,
            "--pushgateway",
            &format!("http://127.0.0.1:{}", gateway.port),
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(
        ran.stderr
            .contains("refused the metrics: 400 Bad Request: bad grouping"),
        "{ran:#?}"
    );
    let pushed = gateway.pushed();
    assert_eq!(pushed.len(), 1, "{pushed:#?}");
    // A PUT (which replaces the run's group) of the text format.
    assert_eq!(pushed[0].method, "PUT");
    assert_eq!(pushed[0].path, "/metrics/job/chaosc/run_id/refused");
    assert_eq!(pushed[0].content_type, "text/plain; version=0.0.4");
    let prom = std::fs::read_to_string(reports.join("metrics.prom")).expect("metrics.prom");
    assert_eq!(pushed[0].body, prom);

    // Not an http url: a usage error before anything runs.
    let ran = chaosc(
        tmp.path(),
        &["run", &file, "--pushgateway", "ftp://127.0.0.1/"],
        LIMIT,
    );
    assert_eq!(ran.code, 2, "{ran:#?}");
    assert!(ran.stderr.contains("not an http or https url"), "{ran:#?}");
}
