//! chaosc against a real Prometheus and a real Pushgateway (Debian's `prometheus` and
//! `prometheus-pushgateway`), each started here on a free port of 127.0.0.1 with its
//! storage in a temporary folder, and killed when the test ends:
//!
//! - Prometheus scrapes `chaosc run --metrics-listen` every second during a run, and the
//!   chaosc series it stored are read back through its HTTP API;
//! - the same run's `prometheus` probe queries that Prometheus for `up` of a web server
//!   it also scrapes, which the scenario takes down for a known window;
//! - `run --pushgateway` pushes to the Pushgateway, and the group is read back through
//!   its API, series by series against `metrics.prom`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::metrics_out::{find, get, parse, quick_scenario};
use super::support::{self, available, chaosc, free_port, on_path, results, FlagServer};

const LIMIT: Duration = Duration::from_secs(90);
/// How long Prometheus or the Pushgateway may take to answer `/-/ready`.
const STARTUP: Duration = Duration::from_secs(30);

/// A server process of this test: killed and reaped when dropped; its folder (config,
/// storage, log) removed with it.
struct Daemon {
    name: &'static str,
    port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl Daemon {
    /// Starts `program ARGS` (its output into `log` in `dir`) and waits until it answers
    /// `GET /-/ready` with 200 on `port`.
    fn start(
        name: &'static str,
        program: &str,
        args: &[String],
        port: u16,
        dir: tempfile::TempDir,
    ) -> Daemon {
        let log = std::fs::File::create(dir.path().join("log")).expect("a log file");
        let child = Command::new(program)
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log twice"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{program} starts: {e}"));
        let mut daemon = Daemon {
            name,
            port,
            child,
            dir,
        };
        let started = Instant::now();
        loop {
            if matches!(get(port, "/-/ready"), Ok((200, _, _))) {
                return daemon;
            }
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!(
                    "{name} exited ({status}) before it was ready:\n{}",
                    daemon.log()
                );
            }
            if started.elapsed() > STARTUP {
                panic!("{name} not ready after {STARTUP:?}:\n{}", daemon.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `GET path` as JSON whose `status` is `success`; its `data`.
    fn api(&self, path: &str) -> serde_json::Value {
        let (status, _, body) = get(self.port, path)
            .unwrap_or_else(|e| panic!("{} answers {path}: {e}\n{}", self.name, self.log()));
        assert_eq!(status, 200, "{path}: {body}");
        let json: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        assert_eq!(json["status"], "success", "{path}: {json:#}");
        json["data"].clone()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `text` for a URL's query string: everything but unreserved characters escaped.
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Prometheus with `scrape_configs` (YAML text) scraping every second.
fn prometheus(scrape_configs: &str) -> Option<Daemon> {
    if !available(
        "prometheus",
        on_path("prometheus"),
        "no `prometheus` on PATH (Debian: apt-get install prometheus)",
    ) {
        return None;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 500ms\n  evaluation_interval: 1s\nscrape_configs:\n{scrape_configs}"
        ),
    )
    .expect("the config is written");
    let port = free_port();
    let args = [
        format!("--config.file={}", config.display()),
        format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
    ];
    Some(Daemon::start("prometheus", "prometheus", &args, port, dir))
}

/// The Pushgateway, without persistence.
fn pushgateway() -> Option<Daemon> {
    // Debian names it `prometheus-pushgateway`; the upstream release `pushgateway`.
    let program = ["prometheus-pushgateway", "pushgateway"]
        .into_iter()
        .find(|p| on_path(p));
    if !available(
        "pushgateway",
        program.is_some(),
        "no `prometheus-pushgateway` on PATH (Debian: apt-get install prometheus-pushgateway)",
    ) {
        return None;
    }
    let port = free_port();
    let args = [format!("--web.listen-address=127.0.0.1:{port}")];
    let dir = tempfile::tempdir().expect("a temp dir");
    Some(Daemon::start(
        "pushgateway",
        program.unwrap_or_default(),
        &args,
        port,
        dir,
    ))
}

/// The vector an instant query returns: each series' labels and value.
fn query(prom: &Daemon, promql: &str) -> Vec<(serde_json::Value, f64)> {
    let data = prom.api(&format!("/api/v1/query?query={}", url_encoded(promql)));
    assert_eq!(data["resultType"], "vector", "{promql}: {data:#}");
    data["result"]
        .as_array()
        .map(|series| {
            series
                .iter()
                .map(|s| {
                    let value = s["value"][1].as_str().and_then(|v| v.parse().ok());
                    (s["metric"].clone(), value.unwrap_or(f64::NAN))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The one value of `promql`; fails when it returns no series or several.
fn one_value(prom: &Daemon, promql: &str) -> f64 {
    let result = query(prom, promql);
    assert_eq!(result.len(), 1, "{promql}: {result:?}");
    result[0].1
}

/// The failed samples of `probe` with `outcome`; fails if its failures have another
/// outcome than that one and `timeout` (which a loaded machine may give any query).
fn only_timeouts_besides(probe: &serde_json::Value, outcome: &str) -> u64 {
    let failures = probe["failures"].as_object().cloned().unwrap_or_default();
    for (kind, n) in &failures {
        assert!(
            kind == outcome || kind == "timeout",
            "{n} `{kind}` failures, expected only `{outcome}`: {probe:#}"
        );
    }
    failures.get(outcome).and_then(|n| n.as_u64()).unwrap_or(0)
}

fn percent(scenario: &serde_json::Value, text: &str) -> f64 {
    let a = scenario["assertions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["text"] == text))
        .unwrap_or_else(|| panic!("an assertion `{text}`: {scenario:#}"));
    a["measured"]["percent"]
        .as_f64()
        .unwrap_or_else(|| panic!("a measured percentage: {a:#}"))
}

#[test]
fn prometheus_scrapes_a_run_and_a_prometheus_probe_queries_it() {
    let _shared = support::shared();
    // A web server whose answer is a valid exposition, so Prometheus' `up` for it is 1
    // until the scenario makes it answer 503.
    let web = FlagServer::start();
    std::fs::write(web.dir.path().join("body"), "web_ready 1\n").expect("the body");
    let outage = web.flag("fail");
    let live = free_port();
    let Some(prom) = prometheus(&format!(
        "  - job_name: web\n    static_configs:\n      - targets: ['127.0.0.1:{web}']\n  - job_name: chaosc\n    static_configs:\n      - targets: ['127.0.0.1:{live}']\n",
        web = web.port,
    )) else {
        return;
    };
    // The run starts once Prometheus has seen the web server up.
    let started = Instant::now();
    while query(&prom, "up{job=\"web\"} == 1").is_empty() {
        assert!(
            started.elapsed() < STARTUP,
            "prometheus never scraped the web server:\n{}",
            prom.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = tmp.path().join("scraped.chaos");
    std::fs::write(
        &file,
        format!(
            r#"probe up = prometheus("{url}", query: "up{{job=\"web\"}}", every: 250ms, timeout: 2s, expect: "== 1")

scenario "scraped" {{
  baseline 3s
  timeline {{
    at 0s exec(run: ["touch", "{outage}"], revert: ["rm", "-f", "{outage}"]) for 5s as outage
  }}
  recover within 8s
  slo {{
    availability(up) >= 90% during baseline
    recovery_time(up) <= 6s
    warn availability(up) >= 99%
  }}
}}
"#,
            url = prom.url(),
        ),
    )
    .expect("the scenario is written");
    let dry = chaosc(
        tmp.path(),
        &["run", "--dry-run", &file.display().to_string()],
        LIMIT,
    );
    assert_eq!(dry.code, 0, "{dry:#?}");
    assert!(
        dry.stdout
            .lines()
            .chain(dry.stderr.lines())
            .any(|l| l.contains("probe up: answered once")),
        "the dry run tried the probe once: {dry:#?}"
    );

    let reports = tmp.path().join("scraped");
    let listen = format!("127.0.0.1:{live}");
    let ran = support::run_confirmed_with(
        tmp.path(),
        &file,
        &reports,
        &["--metrics-listen", &listen],
        LIMIT,
    );
    let r = results(&reports);
    let s = &r["scenarios"][0];

    // (b) The probe followed what Prometheus measured: up all through the baseline,
    // down during the outage (a scrape a second, so up to a second late), and back.
    assert_eq!(ran.code, 0, "{ran:#?}\n{s:#}");
    assert_eq!(s["verdict"], "passed_with_warnings", "{s:#}");
    let baseline = percent(s, "availability(up) >= 90% during baseline");
    let chaos = percent(s, "warn availability(up) >= 99%");
    eprintln!("prometheus probe on a real Prometheus: baseline {baseline:.1}%, chaos {chaos:.1}%");
    assert!(baseline >= 90.0, "{s:#}");
    assert!(chaos <= 60.0, "chaos availability {chaos}%: {s:#}");
    // The failures are the value; a query may also time out on a loaded machine.
    let failed = only_timeouts_besides(&s["probes"][0], "expect");
    assert!(failed >= 8, "{s:#}");

    // (a) Prometheus scraped the run's live metrics: the scrapes succeeded (a text it
    // could not parse would make `up` 0), and the series it stored are chaosc's.
    let over_run = |promql: &str| one_value(&prom, &format!("max_over_time({promql}[5m])"));
    let targets = || prom.api("/api/v1/targets")["activeTargets"].clone();
    assert_eq!(
        over_run("up{job=\"chaosc\"}"),
        1.0,
        "no scrape of the live metrics succeeded: {:#}",
        targets()
    );
    let info = query(&prom, "last_over_time(chaosc_run_info{job=\"chaosc\"}[5m])");
    assert_eq!(info.len(), 1, "{info:?}");
    assert_eq!(info[0].0["run_id"], "scraped", "{info:?}");
    assert_eq!(info[0].0["source"], file.display().to_string(), "{info:?}");
    assert_eq!(
        over_run("chaosc_scenario_phase{job=\"chaosc\",scenario=\"scraped\",phase=\"chaos\"}"),
        1.0
    );
    assert_eq!(
        over_run("chaosc_fault_active{job=\"chaosc\",scenario=\"scraped\",step=\"outage\",kind=\"exec\"}"),
        1.0
    );
    let scraped_samples =
        over_run("chaosc_probe_samples{job=\"chaosc\",scenario=\"scraped\",probe=\"up\"}");
    let final_samples = s["probes"][0]["samples"].as_f64().unwrap_or(0.0);
    assert!(
        scraped_samples > 0.0 && scraped_samples <= final_samples,
        "scraped {scraped_samples}, final {final_samples}"
    );
    assert!(
        over_run(
            "chaosc_probe_failures{job=\"chaosc\",scenario=\"scraped\",probe=\"up\",outcome=\"expect\"}"
        ) > 0.0
    );
    // Several successful scrapes during the run (`up` is 1 for each, 0 for those before
    // and after it, when nothing listened).
    let scrapes = one_value(&prom, "sum_over_time(up{job=\"chaosc\"}[5m])");
    assert!(scrapes >= 5.0, "{scrapes} successful scrapes");
    eprintln!("{scrapes} successful scrapes of the live metrics by a real Prometheus");
}

#[test]
fn the_push_is_read_back_from_a_real_pushgateway() {
    let _shared = support::shared();
    let Some(gateway) = pushgateway() else {
        return;
    };
    let web = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = quick_scenario(tmp.path(), &web);
    // A run id with a space: sent in the Pushgateway's base64 form, and decoded by it.
    let reports = tmp.path().join("nightly run");
    let file = std::path::Path::new(&file);
    let ran = support::run_confirmed_with(
        tmp.path(),
        file,
        &reports,
        &["--pushgateway", &gateway.url()],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(
        ran.stderr.contains(&format!(
            "pushed the metrics to `{}/metrics/job/chaosc/run_id@base64/bmlnaHRseSBydW4=`",
            gateway.url()
        )),
        "{ran:#?}"
    );
    let prom = std::fs::read_to_string(reports.join("metrics.prom")).expect("metrics.prom");
    let pushed = parse(&prom).unwrap_or_else(|e| panic!("{e}\n{prom}"));

    let groups = gateway.api("/api/v1/metrics");
    let groups = groups.as_array().cloned().unwrap_or_default();
    assert_eq!(groups.len(), 1, "{groups:#?}");
    let group = &groups[0];
    assert_eq!(group["labels"]["job"], "chaosc", "{group:#}");
    assert_eq!(group["labels"]["run_id"], "nightly run", "{group:#}");
    assert!(
        group["push_time_seconds"]["metrics"][0]["value"]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .is_some_and(|t| t > 0.0),
        "{group:#}"
    );
    assert_eq!(
        group["push_failure_time_seconds"]["metrics"][0]["value"], "0",
        "{group:#}"
    );
    // Every series of metrics.prom is in the group, with its value, and nothing else.
    let mut read_back = 0;
    for (name, family) in group.as_object().into_iter().flatten() {
        if name == "labels" || name.starts_with("push_") || name == "last_push_successful" {
            continue;
        }
        assert_eq!(family["type"], "GAUGE", "{name}: {family:#}");
        assert!(
            prom.contains(&format!("# HELP {name} ")),
            "{name} is not in metrics.prom"
        );
        for series in family["metrics"].as_array().into_iter().flatten() {
            let labels: Vec<(String, String)> = series["labels"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| !matches!(k.as_str(), "job" | "run_id" | "instance"))
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            let wanted: Vec<(&str, &str)> = labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let value: f64 = series["value"]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name}: {series:#}"));
            let ours = find(&pushed, name, &wanted)
                .unwrap_or_else(|| panic!("{name} {labels:?} is not in metrics.prom\n{prom}"));
            assert!(
                ours == value || (ours.is_nan() && value.is_nan()),
                "{name} {labels:?}: pushed {ours}, read back {value}"
            );
            read_back += 1;
        }
    }
    assert_eq!(read_back, pushed.len(), "{group:#}\n{prom}");
    let scenario = [("scenario", "quick \"pushed\"")];
    assert_eq!(
        find(&pushed, "chaosc_scenario_passed", &scenario),
        Some(1.0)
    );

    // A path the Pushgateway does not serve: its own refusal, on one error line.
    let reports = tmp.path().join("wrong-path");
    let ran = support::run_confirmed_with(
        tmp.path(),
        file,
        &reports,
        &["--pushgateway", &format!("{}/nowhere/", gateway.url())],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(
        ran.stderr.contains(&format!(
            "error: the Pushgateway at `{}/nowhere/metrics/job/chaosc/run_id/wrong-path` refused the metrics: 404 Not Found",
            gateway.url()
        )),
        "{ran:#?}"
    );
    assert!(
        ran.stderr.contains("help: the exit status is the run's"),
        "{ran:#?}"
    );
}

#[test]
fn prometheus_answers_a_probe_cannot_use_are_failed_samples_of_their_kind() {
    let _shared = support::shared();
    let Some(prom) = prometheus("  []\n") else {
        return;
    };
    let url = prom.url();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = tmp.path().join("answers.chaos");
    // What a real Prometheus answers: a query error (HTTP 400, `"status":"error"`), a
    // range vector (a matrix), an empty vector, a scalar, and a vector.
    std::fs::write(
        &file,
        format!(
            r#"probe invalid = prometheus("{url}", query: "sum(", every: 200ms, timeout: 2s, expect: "== 1")
probe range = prometheus("{url}", query: "vector(1)[1m:10s]", every: 200ms, timeout: 2s, expect: "== 1")
probe empty = prometheus("{url}", query: "up{{job=\"nothing\"}}", every: 200ms, timeout: 2s, expect: "== 1")
probe scalar = prometheus("{url}", query: "scalar(vector(0.25))", every: 200ms, timeout: 2s, expect: "< 0.5")
probe vector = prometheus("{url}", query: "vector(3) * 2", every: 200ms, timeout: 2s, expect: ">= 6")

scenario "answers" {{
  baseline 1s
  recover within 1s
  slo {{
    availability(invalid) >= 0% during run
    availability(range) >= 0% during run
    availability(empty) >= 0% during run
    availability(scalar) >= 50% during run
    availability(vector) >= 50% during run
  }}
}}
"#
        ),
    )
    .expect("the scenario is written");
    let reports = tmp.path().join("answers");
    let ran =
        support::run_confirmed_with(tmp.path(), &file, &reports, &["--no-readiness-gate"], LIMIT);
    let r = results(&reports);
    let s = &r["scenarios"][0];
    assert_eq!(ran.code, 0, "{ran:#?}\n{s:#}");
    let probe = |name: &str| {
        s["probes"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["name"] == name))
            .unwrap_or_else(|| panic!("a probe `{name}`: {s:#}"))
            .clone()
    };
    for (name, outcome) in [
        ("invalid", "status"),
        ("range", "body"),
        ("empty", "expect"),
    ] {
        let p = probe(name);
        let samples = p["samples"].as_u64().unwrap_or(0);
        let failed = only_timeouts_besides(&p, outcome);
        assert!(samples >= 3 && failed * 2 >= samples, "{name}: {p:#}");
    }
    for name in ["scalar", "vector"] {
        let p = probe(name);
        assert!(p["samples"].as_u64().unwrap_or(0) >= 3, "{name}: {p:#}");
        only_timeouts_besides(&p, "none");
    }
}
