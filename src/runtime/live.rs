//! Live metrics of a run in progress (`chaosc run --metrics-listen ADDR`): a shared
//! [`Live`] state that the scenarios publish into with their status line (every
//! [`super::progress::LIVE_EVERY`]) and the runtime when a scenario ends, and a small
//! HTTP/1.1 server that answers `GET /metrics` with it in the exposition format.
//!
//! The server is hand-written on a tokio listener rather than an HTTP framework: it
//! answers one fixed path with one document and closes the connection, which is a
//! request line to parse; a framework would be a dependency for that.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::report::prometheus::{self, LiveRun, Running};
use crate::report::results::ScenarioResult;

/// The exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A request head larger than this is refused (a scraper's is a few hundred bytes).
const MAX_HEAD: usize = 8 * 1024;

/// A connection that has not sent its request and read the answer by then is closed.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections answered at once; more are closed at once, so that a flood of idle
/// connections cannot take the runner's file descriptors.
const MAX_CONNECTIONS: usize = 64;

/// What `/metrics` shows, updated while the run goes on.
#[derive(Debug)]
pub struct Live {
    run: Mutex<LiveRun>,
}

impl Live {
    pub fn new(run_id: &str, seed: u64, source: &str, environment: Option<&str>) -> Live {
        Live {
            run: Mutex::new(LiveRun {
                run_id: run_id.to_string(),
                seed,
                source: source.to_string(),
                environment: environment.map(str::to_string),
                finished: Vec::new(),
                running: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LiveRun> {
        self.run.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The running scenario's state now.
    pub fn running(&self, now: Running) {
        self.lock().running = Some(now);
    }

    /// The scenarios that have ended so far, in run order: those not yet published are
    /// added, and the running state of an ended scenario is dropped.
    pub fn finished(&self, scenarios: &[ScenarioResult]) {
        let mut run = self.lock();
        let known = run.finished.len();
        if scenarios.len() > known {
            run.finished.extend_from_slice(&scenarios[known..]);
            run.running = None;
        }
    }

    /// The exposition text now.
    pub fn render(&self) -> String {
        prometheus::render_live(&self.lock())
    }
}

/// Binds the listener before the run starts, so that an address in use refuses the
/// run before anything is started.
pub fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, String> {
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| format!("cannot listen for metrics on `{addr}`: {e}"))?;
    // tokio takes the socket over only when it is non-blocking.
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot listen for metrics on `{addr}`: {e}"))?;
    Ok(listener)
}

/// Answers scrapes until the task is aborted (when the run ends). Must run inside a
/// tokio runtime.
pub async fn serve(listener: std::net::TcpListener, live: Arc<Live>) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let conn = match listener.accept().await {
            Ok((conn, _)) => conn,
            Err(_) => {
                // Out of descriptors or a connection reset before accept: the error
                // repeats at once if retried at once, so give the run a moment.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            continue;
        };
        let live = Arc::clone(&live);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, answer(conn, &live)).await;
            drop(slot);
        });
    }
}

async fn answer(mut conn: TcpStream, live: &Live) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return respond(&mut conn, "431 Request Header Fields Too Large", "", false).await;
        }
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    match route(&String::from_utf8_lossy(line)) {
        Route::Metrics { head_only } => {
            let body = live.render();
            respond_with(&mut conn, "200 OK", CONTENT_TYPE, &body, head_only).await
        }
        Route::NotFound => {
            respond(
                &mut conn,
                "404 Not Found",
                "not found: try /metrics\n",
                false,
            )
            .await
        }
        Route::BadMethod => {
            respond(
                &mut conn,
                "405 Method Not Allowed",
                "only GET and HEAD\n",
                false,
            )
            .await
        }
        Route::BadRequest => respond(&mut conn, "400 Bad Request", "bad request\n", false).await,
    }
}

#[derive(Debug, PartialEq)]
enum Route {
    Metrics { head_only: bool },
    NotFound,
    BadMethod,
    BadRequest,
}

/// What the request line `METHOD TARGET HTTP/1.x` asks for.
fn route(line: &str) -> Route {
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Route::BadRequest;
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Route::BadRequest;
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Route::BadMethod,
    };
    // Prometheus may add query parameters; they select nothing here.
    let path = target.split('?').next().unwrap_or(target);
    if path == "/metrics" {
        Route::Metrics { head_only }
    } else {
        Route::NotFound
    }
}

async fn respond(
    conn: &mut TcpStream,
    status: &str,
    body: &str,
    head_only: bool,
) -> std::io::Result<()> {
    respond_with(conn, status, "text/plain; charset=utf-8", body, head_only).await
}

async fn respond_with(
    conn: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
    head_only: bool,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if status.starts_with("405") {
        out.push_str("Allow: GET, HEAD\r\n");
    }
    out.push_str("\r\n");
    if !head_only {
        out.push_str(body);
    }
    conn.write_all(out.as_bytes()).await?;
    conn.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_routed_by_method_and_path() {
        assert_eq!(
            route("GET /metrics HTTP/1.1"),
            Route::Metrics { head_only: false }
        );
        assert_eq!(
            route("GET /metrics?name[]=x HTTP/1.0"),
            Route::Metrics { head_only: false }
        );
        assert_eq!(
            route("HEAD /metrics HTTP/1.1"),
            Route::Metrics { head_only: true }
        );
        assert_eq!(route("GET / HTTP/1.1"), Route::NotFound);
        assert_eq!(route("GET /metrics/ HTTP/1.1"), Route::NotFound);
        assert_eq!(route("POST /metrics HTTP/1.1"), Route::BadMethod);
        assert_eq!(route("GET /metrics"), Route::BadRequest);
        assert_eq!(route("GET metrics HTTP/1.1"), Route::BadRequest);
        assert_eq!(route("GET /metrics SPDY/3"), Route::BadRequest);
        assert_eq!(route(""), Route::BadRequest);
    }

    #[test]
    fn ended_scenarios_replace_the_running_one() {
        let live = Live::new("r1", 7, "x.chaos", None);
        live.running(Running {
            scenario: "a \"quoted\"".into(),
            phase: "chaos".into(),
            probes: Vec::new(),
            faults: vec![("burn".into(), "cpu_stress".into())],
        });
        let text = live.render();
        assert!(text.contains(
            "chaosc_run_info{run_id=\"r1\",seed=\"7\",source=\"x.chaos\",environment=\"\"} 1\n"
        ));
        assert!(text
            .contains("chaosc_scenario_phase{scenario=\"a \\\"quoted\\\"\",phase=\"chaos\"} 1\n"));
        assert!(text.contains(
            "chaosc_fault_active{scenario=\"a \\\"quoted\\\"\",step=\"burn\",kind=\"cpu_stress\"} 1\n"
        ));
        // Publishing the same list twice adds nothing; a longer one ends the running.
        live.finished(&[]);
        assert!(live.render().contains("chaosc_scenario_phase"));
        let ended = ScenarioResult {
            name: "a \"quoted\"".into(),
            doc: None,
            verdict: crate::report::results::Verdict::Passed,
            reason: None,
            started_at: None,
            phases: Default::default(),
            steps: Vec::new(),
            probes: Vec::new(),
            steady_state: Vec::new(),
            assertions: Vec::new(),
            abort: None,
        };
        live.finished(std::slice::from_ref(&ended));
        live.finished(std::slice::from_ref(&ended));
        let text = live.render();
        assert!(!text.contains("chaosc_scenario_phase"), "{text}");
        assert!(!text.contains("chaosc_fault_active"), "{text}");
        assert_eq!(
            text.matches("chaosc_scenario_verdict{").count(),
            1,
            "{text}"
        );
    }
}
