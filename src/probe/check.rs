//! One sample of a probe: an HTTP request, a TCP connect, a command, or a Prometheus
//! query (`prometheus.rs`).
//!
//! A plan's `ProbeCheck` is first `prepare`d: `env` values are read from the environment
//! (once, when the run starts), the HTTP client is built, and anything that cannot run
//! is refused before the first sample. `Prepared::sample` then takes one sample and
//! classifies its outcome; the caller measures latency (`schedule.rs`).

use std::fmt;
use std::process::Stdio;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::process::Command;

use super::sample::Outcome;
use crate::plan::{ProbeCheck, Text};
use crate::shared::comparison::Comparison;

/// Why a probe cannot run at all. Messages never contain a value read from the
/// environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareError {
    /// An `env` value whose variable is not set, or not valid unicode.
    Env { name: String },
    /// A check that cannot be built (empty argv, bad method or header, bad `expect`).
    Invalid { message: String },
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Env { name } => {
                write!(f, "environment variable `{name}` is not set or not unicode")
            }
            PrepareError::Invalid { message } => f.write_str(message),
        }
    }
}

impl std::error::Error for PrepareError {}

/// The value of a `Text`, reading `env` parts from the process environment.
pub fn resolve(text: &Text) -> Result<String, PrepareError> {
    match text {
        Text::Literal(s) => Ok(s.clone()),
        Text::Env { env } => {
            std::env::var(env).map_err(|_| PrepareError::Env { name: env.clone() })
        }
        Text::Concat { concat } => {
            let mut out = String::new();
            for part in concat {
                out.push_str(&resolve(part)?);
            }
            Ok(out)
        }
    }
}

/// An HTTP check ready to be sampled.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    method: reqwest::Method,
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
    body: Option<String>,
    /// Inclusive range of accepted statuses.
    status: (u16, u16),
    body_contains: Option<String>,
    /// JSON pointer → the value the body, read as JSON, must hold there.
    json: Vec<(String, serde_json::Value)>,
}

/// A check ready to be sampled.
#[derive(Debug, Clone)]
pub enum Prepared {
    Http(Box<Http>),
    Tcp { address: String },
    Exec { program: String, args: Vec<String> },
    Prometheus(Box<super::prometheus::Prometheus>),
}

fn invalid(message: String) -> PrepareError {
    PrepareError::Invalid { message }
}

impl Prepared {
    pub fn prepare(check: &ProbeCheck) -> Result<Prepared, PrepareError> {
        match check {
            ProbeCheck::Http {
                url,
                method,
                status,
                body_contains,
                headers,
                body,
                json,
            } => {
                let url = reqwest::Url::parse(&resolve(url)?)
                    // The URL may hold an environment value: do not print it.
                    .map_err(|e| invalid(format!("the probe's url is not a valid url ({e})")))?;
                let method = reqwest::Method::from_bytes(method.as_bytes())
                    .map_err(|_| invalid(format!("`{method}` is not an http method")))?;
                let mut map = reqwest::header::HeaderMap::new();
                for (name, value) in headers {
                    let header = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| invalid(format!("`{name}` is not a valid header name")))?;
                    let value =
                        reqwest::header::HeaderValue::from_str(&resolve(value)?).map_err(|_| {
                            invalid(format!("the value of header `{name}` is not valid"))
                        })?;
                    map.append(header, value);
                }
                let client = http_client()?;
                Ok(Prepared::Http(Box::new(Http {
                    client,
                    method,
                    url,
                    headers: map,
                    body: body.as_ref().map(resolve).transpose()?,
                    status: *status,
                    body_contains: body_contains.as_ref().map(resolve).transpose()?,
                    json: json
                        .iter()
                        .flatten()
                        .map(|(pointer, value)| (pointer.clone(), value.clone()))
                        .collect(),
                })))
            }
            ProbeCheck::Tcp { address } => Ok(Prepared::Tcp {
                address: resolve(address)?,
            }),
            ProbeCheck::Exec { argv } => {
                let mut argv = argv.iter().map(resolve).collect::<Result<Vec<_>, _>>()?;
                if argv.is_empty() {
                    return Err(invalid("an `exec` probe needs a program to run".into()));
                }
                let program = argv.remove(0);
                Ok(Prepared::Exec {
                    program,
                    args: argv,
                })
            }
            ProbeCheck::Prometheus { url, query, expect } => {
                let expect = Comparison::parse(expect).map_err(invalid)?;
                let base = reqwest::Url::parse(&resolve(url)?)
                    // The URL may hold an environment value: do not print it.
                    .map_err(|e| invalid(format!("the probe's url is not a valid url ({e})")))?;
                let url = super::prometheus::query_url(base, &resolve(query)?).map_err(invalid)?;
                Ok(Prepared::Prometheus(Box::new(
                    super::prometheus::Prometheus {
                        client: http_client()?,
                        url,
                        expect,
                    },
                )))
            }
        }
    }

    /// Takes one sample; everything (connect, answer, body, exit) must end within
    /// `timeout`, or the outcome is `Timeout` (a command is killed and reaped).
    pub async fn sample(&self, timeout: Duration) -> Outcome {
        match self {
            Prepared::Http(http) => {
                let Http {
                    client,
                    method,
                    url,
                    headers,
                    body,
                    status,
                    body_contains,
                    json,
                } = http.as_ref();
                let mut request = client
                    .request(method.clone(), url.clone())
                    .headers(headers.clone());
                if let Some(body) = body {
                    request = request.body(body.clone());
                }
                let exchange = async {
                    let response = request.send().await.map_err(classify)?;
                    let code = response.status().as_u16();
                    if code < status.0 || code > status.1 {
                        return Err(Outcome::Status);
                    }
                    // The body is read whole in every case, so a body that never ends
                    // is a timeout, like an answer that never starts.
                    let text = response.bytes().await.map_err(|e| {
                        if e.is_timeout() {
                            Outcome::Timeout
                        } else {
                            Outcome::Body
                        }
                    })?;
                    match body_contains {
                        Some(needle) if !contains(&text, needle.as_bytes()) => Err(Outcome::Body),
                        _ if !json_holds(&text, json) => Err(Outcome::Body),
                        _ => Ok(()),
                    }
                };
                match tokio::time::timeout(timeout, exchange).await {
                    Ok(Ok(())) => Outcome::Ok,
                    Ok(Err(outcome)) => outcome,
                    Err(_) => Outcome::Timeout,
                }
            }
            Prepared::Prometheus(prometheus) => prometheus.sample(timeout).await,
            Prepared::Tcp { address } => {
                match tokio::time::timeout(timeout, TcpStream::connect(address.as_str())).await {
                    Ok(Ok(_stream)) => Outcome::Ok,
                    Ok(Err(_)) => Outcome::Connect,
                    Err(_) => Outcome::Timeout,
                }
            }
            Prepared::Exec { program, args } => {
                let child = Command::new(program)
                    .args(args)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .kill_on_drop(true)
                    .spawn();
                let mut child = match child {
                    Ok(child) => child,
                    Err(_) => return Outcome::Io,
                };
                match tokio::time::timeout(timeout, child.wait()).await {
                    Ok(Ok(status)) if status.success() => Outcome::Ok,
                    Ok(Ok(_)) => Outcome::ExecStatus,
                    Ok(Err(_)) => Outcome::Io,
                    Err(_) => {
                        // SIGKILL and reap; if that fails, `kill_on_drop` still kills it.
                        let _ = child.kill().await;
                        Outcome::Timeout
                    }
                }
            }
        }
    }
}

/// The client of `http` and `prometheus` probes: no redirects, no proxy, so that the
/// probe measures the service it names.
fn http_client() -> Result<reqwest::Client, PrepareError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| invalid(format!("cannot build the http client ({e})")))
}

pub(super) fn classify(e: reqwest::Error) -> Outcome {
    if e.is_timeout() {
        Outcome::Timeout
    } else if e.is_connect() {
        Outcome::Connect
    } else if e.is_body() || e.is_decode() {
        Outcome::Body
    } else {
        Outcome::Io
    }
}

/// Whether `body` is JSON holding every expected value at its pointer (nothing to
/// check: always). Numbers compare by value, so `1` matches `1.0`.
fn json_holds(body: &[u8], expected: &[(String, serde_json::Value)]) -> bool {
    if expected.is_empty() {
        return true;
    }
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    expected.iter().all(|(pointer, want)| {
        document
            .pointer(pointer)
            .is_some_and(|found| match (found.as_f64(), want.as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => found == want,
            })
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::super::testserver::{free_port, TestServer};
    use super::*;
    use std::collections::BTreeMap;
    use std::time::Instant;

    fn lit(s: &str) -> Text {
        Text::Literal(s.to_string())
    }

    fn http(url: &str) -> ProbeCheck {
        ProbeCheck::Http {
            url: lit(url),
            method: "GET".into(),
            status: (200, 399),
            body_contains: None,
            headers: BTreeMap::new(),
            body: None,
            json: None,
        }
    }

    async fn sample(check: &ProbeCheck, timeout_ms: u64) -> Outcome {
        match Prepared::prepare(check) {
            Ok(p) => p.sample(Duration::from_millis(timeout_ms)).await,
            Err(e) => panic!("prepare failed: {e}"),
        }
    }

    #[test]
    fn text_reads_the_environment_and_names_a_missing_variable() {
        std::env::set_var("CHAOSC_PROBE_TEST_HOST", "127.0.0.1");
        let t = Text::Concat {
            concat: vec![
                lit("http://"),
                Text::Env {
                    env: "CHAOSC_PROBE_TEST_HOST".into(),
                },
                lit(":80/"),
            ],
        };
        assert_eq!(resolve(&t), Ok("http://127.0.0.1:80/".to_string()));
        let missing = Text::Concat {
            concat: vec![
                lit("x"),
                Text::Env {
                    env: "CHAOSC_PROBE_TEST_SURELY_UNSET".into(),
                },
            ],
        };
        let err = resolve(&missing).unwrap_err();
        assert_eq!(
            err,
            PrepareError::Env {
                name: "CHAOSC_PROBE_TEST_SURELY_UNSET".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "environment variable `CHAOSC_PROBE_TEST_SURELY_UNSET` is not set or not unicode"
        );
    }

    #[test]
    fn checks_that_cannot_run_are_refused_before_sampling() {
        let exec = ProbeCheck::Exec { argv: vec![] };
        assert!(matches!(
            Prepared::prepare(&exec),
            Err(PrepareError::Invalid { .. })
        ));
        let with = |url: Text, method: &str| ProbeCheck::Http {
            url,
            method: method.into(),
            status: (200, 399),
            body_contains: None,
            headers: BTreeMap::new(),
            body: None,
            json: None,
        };
        let bad_method = with(lit("http://127.0.0.1/"), "GE T");
        let err = Prepared::prepare(&bad_method).unwrap_err();
        assert_eq!(err.to_string(), "`GE T` is not an http method");
        // A secret URL is not echoed when it does not parse.
        std::env::set_var("CHAOSC_PROBE_TEST_SECRET_URL", "not a url s3cr3t");
        let env = Text::Env {
            env: "CHAOSC_PROBE_TEST_SECRET_URL".into(),
        };
        let secret = with(env, "GET");
        let err = Prepared::prepare(&secret).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }

    #[tokio::test]
    async fn http_status_body_and_timeout() {
        let server = TestServer::start().await;
        let ok = http(&server.url("/ok"));
        assert_eq!(sample(&ok, 2_000).await, Outcome::Ok);
        assert_eq!(
            sample(&http(&server.url("/503")), 2_000).await,
            Outcome::Status
        );
        // 503 accepted when the range says so.
        let accept_503 = match http(&server.url("/503")) {
            ProbeCheck::Http { url, .. } => ProbeCheck::Http {
                url,
                method: "GET".into(),
                status: (500, 503),
                body_contains: None,
                headers: BTreeMap::new(),
                body: None,
                json: None,
            },
            other => other,
        };
        assert_eq!(sample(&accept_503, 2_000).await, Outcome::Ok);
        let body_check = |needle: &str| ProbeCheck::Http {
            url: lit(&server.url("/ok")),
            method: "GET".into(),
            status: (200, 299),
            body_contains: Some(lit(needle)),
            headers: BTreeMap::new(),
            body: None,
            json: None,
        };
        assert_eq!(sample(&body_check("hello"), 2_000).await, Outcome::Ok);
        assert_eq!(sample(&body_check("goodbye"), 2_000).await, Outcome::Body);
        // `/slow` answers after 3 s; a 200 ms timeout ends the sample early.
        let start = Instant::now();
        assert_eq!(
            sample(&http(&server.url("/slow")), 200).await,
            Outcome::Timeout
        );
        assert!(start.elapsed() < Duration::from_millis(1_500));
        // So does a body that stops half-way, even with the status already in range.
        let start = Instant::now();
        assert_eq!(
            sample(&http(&server.url("/drip")), 300).await,
            Outcome::Timeout
        );
        assert!(start.elapsed() < Duration::from_millis(1_500));
        // Nothing listens on a port just freed.
        let port = free_port();
        assert_eq!(
            sample(&http(&format!("http://127.0.0.1:{port}/")), 2_000).await,
            Outcome::Connect
        );
    }

    #[tokio::test]
    async fn http_sends_method_headers_and_body() {
        let server = TestServer::start().await;
        std::env::set_var("CHAOSC_PROBE_TEST_TOKEN", "tok-123");
        let mut headers = BTreeMap::new();
        headers.insert(
            "x-token".to_string(),
            Text::Env {
                env: "CHAOSC_PROBE_TEST_TOKEN".into(),
            },
        );
        let check = ProbeCheck::Http {
            url: lit(&server.url("/ok")),
            method: "POST".into(),
            status: (200, 200),
            body_contains: None,
            headers,
            body: Some(lit("ping-body")),
            json: None,
        };
        assert_eq!(sample(&check, 2_000).await, Outcome::Ok);
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        let r = requests[0].to_ascii_lowercase();
        assert!(r.starts_with("post /ok http/1.1\r\n"), "{r}");
        assert!(r.contains("\r\nx-token: tok-123\r\n"), "{r}");
        assert!(r.ends_with("\r\n\r\nping-body"), "{r}");
    }

    #[tokio::test]
    async fn http_json_body_holds_the_expected_values() {
        let server = TestServer::start().await;
        // `/api/v1/query` answers whatever was set last.
        let url = server.url("/api/v1/query");
        let expect = |pairs: &[(&str, serde_json::Value)]| ProbeCheck::Http {
            url: lit(&url),
            method: "GET".into(),
            status: (200, 200),
            body_contains: None,
            headers: BTreeMap::new(),
            body: None,
            json: Some(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ),
        };
        let healthy = expect(&[("/healthy", serde_json::json!(true))]);
        server.set_query_answer(200, r#"{"healthy": true, "version": "1.2"}"#);
        assert_eq!(sample(&healthy, 2_000).await, Outcome::Ok);
        server.set_query_answer(200, r#"{"healthy": false}"#);
        assert_eq!(sample(&healthy, 2_000).await, Outcome::Body);
        // A missing pointer, a value of another type, a body that is not JSON.
        server.set_query_answer(200, r#"{"status": "up"}"#);
        assert_eq!(sample(&healthy, 2_000).await, Outcome::Body);
        server.set_query_answer(200, r#"{"healthy": "true"}"#);
        assert_eq!(sample(&healthy, 2_000).await, Outcome::Body);
        server.set_query_answer(200, "healthy: true");
        assert_eq!(sample(&healthy, 2_000).await, Outcome::Body);
        // The status is checked first: a 503 with a healthy body is a status failure.
        server.set_query_answer(503, r#"{"healthy": true}"#);
        assert_eq!(sample(&healthy, 2_000).await, Outcome::Status);
        // Every pointer must hold: nested keys, array indices, escapes, numbers by
        // value, strings and null.
        let several = expect(&[
            ("/checks/0/ok", serde_json::json!(true)),
            ("/a~1b", serde_json::json!(1)),
            ("/m~0n", serde_json::json!("x")),
            ("/gone", serde_json::Value::Null),
        ]);
        server.set_query_answer(
            200,
            r#"{"checks": [{"ok": true}], "a/b": 1.0, "m~n": "x", "gone": null}"#,
        );
        assert_eq!(sample(&several, 2_000).await, Outcome::Ok);
        server.set_query_answer(
            200,
            r#"{"checks": [{"ok": true}], "a/b": 2, "m~n": "x", "gone": null}"#,
        );
        assert_eq!(sample(&several, 2_000).await, Outcome::Body);
    }

    #[tokio::test]
    async fn tcp_connects_or_not() {
        let server = TestServer::start().await;
        let up = ProbeCheck::Tcp {
            address: lit(&server.address()),
        };
        assert_eq!(sample(&up, 2_000).await, Outcome::Ok);
        let down = ProbeCheck::Tcp {
            address: lit(&format!("127.0.0.1:{}", free_port())),
        };
        assert_eq!(sample(&down, 2_000).await, Outcome::Connect);
    }

    #[tokio::test]
    async fn exec_exit_status_and_timeout() {
        let exec = |argv: &[&str]| ProbeCheck::Exec {
            argv: argv.iter().map(|a| lit(a)).collect(),
        };
        assert_eq!(sample(&exec(&["true"]), 5_000).await, Outcome::Ok);
        assert_eq!(sample(&exec(&["false"]), 5_000).await, Outcome::ExecStatus);
        assert_eq!(
            sample(&exec(&["chaosc-no-such-program-here"]), 5_000).await,
            Outcome::Io
        );
        let start = Instant::now();
        assert_eq!(sample(&exec(&["sleep", "5"]), 200).await, Outcome::Timeout);
        assert!(start.elapsed() < Duration::from_millis(3_000));
    }

    fn prometheus(url: &str, query: Text, expect: &str) -> ProbeCheck {
        ProbeCheck::Prometheus {
            url: lit(url),
            query,
            expect: expect.into(),
        }
    }

    #[tokio::test]
    async fn prometheus_queries_the_api_and_compares_the_value() {
        let server = TestServer::start().await;
        let vector = |v: &str| {
            format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1700000000,"{v}"]}}]}}}}"#
            )
        };
        std::env::set_var("CHAOSC_PROBE_TEST_JOB", "api");
        let query = Text::Concat {
            concat: vec![
                lit("rate(errors{job=\""),
                Text::Env {
                    env: "CHAOSC_PROBE_TEST_JOB".into(),
                },
                lit("\"}[1m])"),
            ],
        };
        let check = prometheus(&server.url(""), query, "< 0.05");
        let prepared = Prepared::prepare(&check).unwrap_or_else(|e| panic!("{e}"));
        let one = || prepared.sample(Duration::from_millis(2_000));
        server.set_query_answer(200, &vector("0.01"));
        assert_eq!(one().await, Outcome::Ok);
        server.set_query_answer(200, &vector("0.5"));
        assert_eq!(one().await, Outcome::Expect);
        server.set_query_answer(200, &vector("NaN"));
        assert_eq!(one().await, Outcome::Expect);
        server.set_query_answer(
            200,
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
        );
        assert_eq!(one().await, Outcome::Expect);
        server.set_query_answer(
            422,
            r#"{"status":"error","errorType":"execution","error":"boom"}"#,
        );
        assert_eq!(one().await, Outcome::Status);
        server.set_query_answer(200, "not json");
        assert_eq!(one().await, Outcome::Body);
        server.set_query_answer(200, &vector("0"));
        assert_eq!(one().await, Outcome::Ok);
        // The query went out url-encoded, with the environment value read.
        let requests = server.requests();
        assert_eq!(requests.len(), 7);
        let line = requests[0].lines().next().unwrap_or("").to_string();
        assert_eq!(
            line,
            "GET /api/v1/query?query=rate%28errors%7Bjob%3D%22api%22%7D%5B1m%5D%29 HTTP/1.1"
        );
        // A URL that already names the endpoint is used as it is.
        let direct = prometheus(&server.url("/api/v1/query"), lit("up"), ">= 0");
        assert_eq!(sample(&direct, 2_000).await, Outcome::Ok);
        let last = server.requests().pop().unwrap_or_default();
        assert!(
            last.starts_with("GET /api/v1/query?query=up HTTP/1.1\r\n"),
            "{last}"
        );
        // Nothing listening, and a Prometheus that does not answer in time.
        let down = prometheus(
            &format!("http://127.0.0.1:{}", free_port()),
            lit("up"),
            "> 0",
        );
        assert_eq!(sample(&down, 2_000).await, Outcome::Connect);
        // A listener that never answers: the kernel completes the connection, nobody
        // reads the request, and the sample ends at its timeout.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = silent.local_addr().map(|a| a.port()).unwrap_or(0);
        let start = Instant::now();
        let hung = prometheus(&format!("http://127.0.0.1:{port}"), lit("up"), "> 0");
        assert_eq!(sample(&hung, 300).await, Outcome::Timeout);
        assert!(start.elapsed() < Duration::from_millis(1_500));
    }

    #[test]
    fn prometheus_checks_that_cannot_run_are_refused() {
        let bad = prometheus("http://127.0.0.1:9090", lit("up"), "less than 1");
        let err = Prepared::prepare(&bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`expect: \"less than 1\"` is not a comparison: write an operator (`<`, `<=`, `>`, `>=`, `==`, `!=`) then a number, such as `\"< 0.05\"`"
        );
        let bad = prometheus("not a url", lit("up"), "> 0");
        assert!(matches!(
            Prepared::prepare(&bad),
            Err(PrepareError::Invalid { .. })
        ));
        let unset = ProbeCheck::Prometheus {
            url: lit("http://127.0.0.1:9090"),
            query: Text::Env {
                env: "CHAOSC_PROBE_TEST_SURELY_UNSET_QUERY".into(),
            },
            expect: "> 0".into(),
        };
        assert_eq!(
            Prepared::prepare(&unset).unwrap_err(),
            PrepareError::Env {
                name: "CHAOSC_PROBE_TEST_SURELY_UNSET_QUERY".into()
            }
        );
    }

    /// Whether a process whose command line is exactly `argv` exists (Linux `/proc`).
    #[cfg(target_os = "linux")]
    fn running(argv: &[&str]) -> bool {
        let wanted: Vec<u8> = argv
            .iter()
            .flat_map(|a| [a.as_bytes(), b"\0"].concat())
            .collect();
        std::fs::read_dir("/proc")
            .map(|dir| {
                dir.flatten()
                    .any(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c == wanted))
            })
            .unwrap_or(false)
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn exec_kills_the_command_at_the_timeout() {
        // An argument no other process has, so that only this command can match.
        let argv = ["sleep", "7.31415"];
        let check = ProbeCheck::Exec {
            argv: argv.iter().map(|a| lit(a)).collect(),
        };
        let prepared = Prepared::prepare(&check).unwrap_or_else(|e| panic!("{e}"));
        let probe = tokio::spawn(async move { prepared.sample(Duration::from_millis(500)).await });
        // The command is seen running before the timeout…
        let mut seen = false;
        for _ in 0..40 {
            if running(&argv) {
                seen = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(seen, "the command never ran");
        assert_eq!(probe.await.ok(), Some(Outcome::Timeout));
        // …and is killed once the sample has ended.
        assert!(!running(&argv));
    }
}
