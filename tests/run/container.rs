//! The container faults against real busybox containers (`busybox httpd` on 127.0.0.1,
//! host networking), through `chaosc run`: the state Docker reports during each fault,
//! and the recovery of an HTTP probe on the server inside once it is reverted; and
//! cpu/memory/disk stress inside a container (its cgroups, its own accounting).
//!
//! Needs a Docker daemon and the image `chaosc-test-busybox` (or `CHAOSC_TEST_IMAGE`);
//! when the image is missing the test builds it with `docker import` from a static
//! busybox (`busybox-static`), no registry. Every test creates containers with unique
//! names and removes them on drop, failed or not.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{self, chaosc, results};

const LIMIT: Duration = Duration::from_secs(90);
const IMAGE: &str = "chaosc-test-busybox:latest";

fn image() -> String {
    std::env::var("CHAOSC_TEST_IMAGE").unwrap_or_else(|_| IMAGE.to_string())
}

/// `docker ARGS…` (argv, no shell): success and stdout, or the error text.
fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `docker`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Docker reachable (through the crate's own client) and the test image present; the
/// reason otherwise. Skips, or fails under `CHAOSC_TEST_REQUIRE=docker`.
fn ready() -> bool {
    use chaosc::inject::container::client::{endpoint, Client};
    if let Err(e) = Client::connect(&endpoint(None)) {
        return support::available("docker", false, &e.message);
    }
    let image = image();
    if docker(&["image", "inspect", &image]).is_err() {
        if let Err(e) = build_image(&image) {
            return support::available(
                "docker",
                false,
                &format!("the image `{image}` is missing and cannot be built: {e}"),
            );
        }
    }
    true
}

/// `docker import` of a tar holding a static busybox and a page to serve.
fn build_image(image: &str) -> Result<(), String> {
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or("no busybox (install `busybox-static`)")?;
    let root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&bin).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(root.path().join("www")).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(root.path().join("tmp")).map_err(|e| e.to_string())?;
    std::fs::copy(&busybox, bin.join("busybox")).map_err(|e| e.to_string())?;
    for applet in ["sh", "httpd", "sleep", "cat"] {
        std::os::unix::fs::symlink("busybox", bin.join(applet)).map_err(|e| e.to_string())?;
    }
    std::fs::write(root.path().join("www/index.html"), "ok\n").map_err(|e| e.to_string())?;
    let tar = root.path().join("rootfs.tar");
    let status = Command::new("tar")
        .arg("-C")
        .arg(root.path())
        .arg("-cf")
        .arg(&tar)
        .args(["bin", "www", "tmp"])
        .status()
        .map_err(|e| format!("cannot run `tar`: {e}"))?;
    if !status.success() {
        return Err("tar failed".into());
    }
    docker(&["import", &tar.display().to_string(), image]).map(|_| ())
}

/// A container removed (`docker rm -f`) when dropped.
struct Container {
    name: String,
    port: u16,
}

impl Container {
    /// `busybox httpd` on 127.0.0.1:PORT with host networking, up and answering.
    fn httpd(tag: &str, restart: Option<&str>) -> Container {
        Container::httpd_with(tag, restart, &[])
    }

    /// [`Container::httpd`] with more `docker run` options (`--cpus 0.5` …).
    fn httpd_with(tag: &str, restart: Option<&str>, extra: &[&str]) -> Container {
        let name = format!(
            "chaosc-test-{tag}-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        );
        let port = free_port();
        let container = Container { name, port };
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec![
            "run",
            "-d",
            "--name",
            &container.name,
            "--network",
            "host",
            "--label",
            "chaosc-test=1",
        ];
        if let Some(policy) = restart {
            args.extend(["--restart", policy]);
        }
        args.extend(extra);
        let image = image();
        args.extend([
            image.as_str(),
            "/bin/busybox",
            "httpd",
            "-f",
            "-p",
            &listen,
            "-h",
            "/www",
        ]);
        docker(&args).expect("the test container starts");
        let started = Instant::now();
        while !container.answers() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "httpd answers in {}: {:?}",
                container.name,
                docker(&["logs", &container.name])
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        container
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut conn) = std::net::TcpStream::connect_timeout(
            &([127, 0, 0, 1], self.port).into(),
            Duration::from_millis(200),
        ) else {
            return false;
        };
        let _ = conn.set_read_timeout(Some(Duration::from_millis(300)));
        if conn
            .write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut got = String::new();
        let _ = conn.read_to_string(&mut got);
        got.starts_with("HTTP/1.0 200") || got.starts_with("HTTP/1.1 200")
    }

    fn inspect(&self, format: &str) -> String {
        docker(&["inspect", "-f", format, &self.name]).unwrap_or_default()
    }

    fn status(&self) -> String {
        self.inspect("{{.State.Status}}")
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.name]);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the scenario is written");
    path.display().to_string()
}

/// A scenario with a fault (`as hit`) on the container and an HTTP probe on its server.
fn scenario(c: &Container, timeline: &str, allow: &str) -> String {
    format!(
        r#"target c = container("{name}")
probe web = http("{url}", every: 100ms, timeout: 500ms)

safety {{
  allow_targets ["{allow}"]
}}

scenario "container" {{
  baseline 1s
  timeline {{
    {timeline}
  }}
  recover within 15s
  slo {{
    recovery_time(web) <= 15s
    warn availability(web) >= 99%
  }}
}}
"#,
        name = c.name,
        url = c.url(),
    )
}

/// Runs the scenario while polling the container's state every 10 ms; returns the
/// results and the states seen (with when, in ms after `chaosc run` started).
fn run_watching(
    c: &Container,
    file: &str,
    dir: &Path,
) -> (serde_json::Value, Vec<(u128, String)>, i32) {
    let reports = dir.join("reports");
    let started = Instant::now();
    let mut runner = Command::new(support::BIN)
        .args(["run", file, "--yes", "-q", "--report-dir"])
        .arg(&reports)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chaosc starts");
    let mut seen: Vec<(u128, String)> = Vec::new();
    let code = loop {
        if let Ok(Some(status)) = runner.try_wait() {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > LIMIT {
            let _ = runner.kill();
            let _ = runner.wait();
            panic!("chaosc run took longer than {LIMIT:?}");
        }
        let state = c.status();
        if seen.last().map(|(_, s)| s) != Some(&state) {
            seen.push((started.elapsed().as_millis(), state));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = runner.wait_with_output().expect("chaosc is reaped");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        reports.join("results.json").exists(),
        "results.json (exit {code}): {stderr}"
    );
    (results(&reports), seen, code)
}

fn step(r: &serde_json::Value) -> &serde_json::Value {
    &r["scenarios"][0]["steps"][0]
}

fn recovery_ms(r: &serde_json::Value) -> f64 {
    r["scenarios"][0]["assertions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["metric"] == "recovery_time"))
        .and_then(|a| a["measured"]["ms"].as_f64())
        .unwrap_or_else(|| panic!("a measured recovery_time: {r:#}"))
}

#[test]
fn container_pause_is_observed_paused_and_the_server_recovers() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd("pause", None);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "pause.chaos",
        &scenario(
            &c,
            "at 0s container_pause(c) for 2s as hit",
            "chaosc-test-pause-*",
        ),
    );
    let (r, seen, code) = run_watching(&c, &file, tmp.path());
    let step = step(&r);
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    assert!(seen.iter().any(|(_, s)| s == "paused"), "{seen:?}");
    assert_eq!(c.status(), "running");
    assert!(c.answers(), "the server answers after the run");
    assert_eq!(code, 0, "{r:#}");
    let recovery = recovery_ms(&r);
    eprintln!(
        "pause: states {seen:?}; evidence {}; recovery_time {recovery} ms",
        step["evidence"]["summary"]
    );
    assert!(recovery < 2000.0, "recovery_time {recovery} ms");
}

#[test]
fn container_stop_is_observed_exited_then_started_again() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd("stop", None);
    let before = c.inspect("{{.State.StartedAt}}");
    let tmp = tempfile::tempdir().expect("a temp dir");
    // busybox httpd as pid 1 ignores SIGTERM: a 1 s timeout ends in SIGKILL.
    let file = write(
        tmp.path(),
        "stop.chaos",
        &scenario(
            &c,
            "at 0s container_stop(c, timeout: 1s) for 3s as hit",
            "chaosc-test-*",
        ),
    );
    let (r, seen, code) = run_watching(&c, &file, tmp.path());
    let step = step(&r);
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    assert!(seen.iter().any(|(_, s)| s == "exited"), "{seen:?}");
    assert_eq!(c.status(), "running");
    assert_ne!(c.inspect("{{.State.StartedAt}}"), before, "started again");
    assert!(c.answers());
    assert_eq!(code, 0, "{r:#}");
    eprintln!(
        "stop: states {seen:?}; evidence {}; recovery_time {} ms",
        step["evidence"]["summary"],
        recovery_ms(&r)
    );
}

#[test]
fn container_restart_gives_a_new_start_time_and_the_server_recovers() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd("restart", None);
    let before = c.inspect("{{.State.StartedAt}}");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "restart.chaos",
        &scenario(
            &c,
            "at 0s container_restart(c, timeout: 1s) as hit",
            "chaosc-test-*",
        ),
    );
    let (r, seen, code) = run_watching(&c, &file, tmp.path());
    let step = step(&r);
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    assert_ne!(c.inspect("{{.State.StartedAt}}"), before, "restarted");
    assert_eq!(c.status(), "running");
    assert_eq!(code, 0, "{r:#}");
    eprintln!(
        "restart: states {seen:?}; evidence {}; recovery_time {} ms",
        step["evidence"]["summary"],
        recovery_ms(&r)
    );
}

#[test]
fn container_kill_is_observed_exited_and_recovery_is_measured_after_a_start() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd("kill", None);
    let tmp = tempfile::tempdir().expect("a temp dir");
    // Docker never restarts a container killed through its API (whatever the restart
    // policy): a second step plays the orchestrator and starts it 2 s later.
    let timeline = format!(
        "at 0s container_kill(c) as hit\n    at 2s exec(run: [\"docker\", \"start\", \"{}\"]) as orchestrator",
        c.name
    );
    let file = write(
        tmp.path(),
        "kill.chaos",
        &scenario(&c, &timeline, "chaosc-test-kill-*"),
    );
    let (r, seen, code) = run_watching(&c, &file, tmp.path());
    let step = step(&r);
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    assert_eq!(step["evidence"]["measurements"]["observed_state"], 1.0);
    assert!(seen.iter().any(|(_, s)| s == "exited"), "{seen:?}");
    assert_eq!(c.status(), "running");
    assert!(c.answers());
    assert_eq!(code, 0, "{r:#}");
    eprintln!(
        "kill: states {seen:?}; evidence {}; recovery_time {} ms",
        step["evidence"]["summary"],
        recovery_ms(&r)
    );
}

#[test]
fn after_sigkill_during_container_stop_the_guard_starts_it_within_two_seconds() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd("guard", None);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "guard.chaos",
        &format!(
            "target c = container(\"{}\")\n\nscenario \"stopped\" {{\n  timeline {{\n    at 0s container_stop(c, timeout: 0s) for 60s\n  }}\n}}\n",
            c.name
        ),
    );
    let reports = tmp.path().join("reports");
    let mut runner = Command::new(support::BIN)
        .args(["run", &file, "--yes", "-q", "--report-dir"])
        .arg(&reports)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chaosc starts");
    let started = Instant::now();
    while c.status() != "exited" {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = runner.kill();
            let _ = runner.wait();
            panic!("the container was stopped within 20 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    runner.kill().expect("SIGKILL reaches the runner");
    let killed_at = Instant::now();
    let _ = runner.wait();
    while !(c.status() == "running" && c.answers()) {
        assert!(
            killed_at.elapsed() < Duration::from_secs(2),
            "the guard started the container within 2 s (it is {})",
            c.status()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!(
        "guard: container running and answering {:?} after SIGKILL of the runner",
        killed_at.elapsed()
    );
    // The guard records the revert once it has seen the container running.
    let journal = || std::fs::read_to_string(reports.join("journal")).unwrap_or_default();
    let waited = Instant::now();
    while !journal().contains("\"by\":\"guard\"") {
        assert!(
            waited.elapsed() < Duration::from_secs(2),
            "the guard recorded its revert: {}",
            journal()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_missing_container_fails_preflight_and_injects_nothing() {
    let _shared = super::support::shared();
    if !ready() {
        return;
    }
    let c = Container::httpd("bystander", None);
    let before = c.inspect("{{.State.StartedAt}}");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let missing = format!("chaosc-test-missing-{}", std::process::id());
    let file = write(
        tmp.path(),
        "missing.chaos",
        &format!(
            "target gone = container(\"{missing}\")\ntarget c = container(\"{}\")\n\nscenario \"missing\" {{\n  timeline {{\n    at 0s container_stop(c) for 2s\n    at 0s container_stop(gone) for 2s\n  }}\n}}\n",
            c.name
        ),
    );
    let ran = chaosc(tmp.path(), &["run", &file, "--yes"], LIMIT);
    assert_eq!(ran.code, 4, "{ran:#?}");
    let all = format!("{}{}", ran.stdout, ran.stderr);
    assert!(
        all.contains(&format!("no container is named `{missing}`")),
        "{ran:#?}"
    );
    assert_eq!(c.status(), "running");
    assert_eq!(c.inspect("{{.State.StartedAt}}"), before, "never stopped");
}

#[test]
fn a_container_outside_allow_targets_is_refused_before_anything_is_applied() {
    let _shared = super::support::shared();
    if !ready() {
        return;
    }
    let c = Container::httpd("outside", None);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "outside.chaos",
        &scenario(
            &c,
            "at 0s container_pause(c) for 2s as hit",
            "only-this-one",
        ),
    );
    let ran = chaosc(tmp.path(), &["run", &file, "--yes"], LIMIT);
    assert_eq!(ran.code, 4, "{ran:#?}");
    let all = format!("{}{}", ran.stdout, ran.stderr);
    assert!(all.contains("matches none of `allow_targets`"), "{ran:#?}");
    assert_eq!(c.status(), "running");
    assert_eq!(c.inspect("{{.State.Paused}}"), "false");
}

#[test]
fn destructive_container_faults_need_confirmation() {
    let _shared = super::support::shared();
    if !ready() {
        return;
    }
    let c = Container::httpd("confirm", None);
    let before = c.inspect("{{.State.StartedAt}}");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "confirm.chaos",
        &scenario(&c, "at 0s container_stop(c) for 2s as hit", "chaosc-test-*"),
    );
    let ran = chaosc(tmp.path(), &["run", &file], LIMIT);
    assert_eq!(ran.code, 2, "{ran:#?}");
    assert!(ran.stderr.contains("--yes"), "{ran:#?}");
    assert_eq!(c.inspect("{{.State.StartedAt}}"), before, "never stopped");
}

#[test]
fn doctor_reports_docker_as_the_client_sees_it() {
    let _shared = super::support::shared();
    use chaosc::inject::container::client::{endpoint, Client};
    let tmp = tempfile::tempdir().expect("a temp dir");
    let ran = chaosc(tmp.path(), &["doctor", "--format", "json"], LIMIT);
    assert_eq!(ran.code, 0, "{ran:#?}");
    let report: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON");
    let reachable = Client::connect(&endpoint(None));
    assert_eq!(
        report["docker"]["available"],
        reachable.is_ok(),
        "{report:#}"
    );
    if let Ok(client) = reachable {
        assert_eq!(report["docker"]["version"], client.version.as_str());
    }
    let stop = report["faults"]
        .as_array()
        .and_then(|f| f.iter().find(|k| k["kind"] == "container_stop"))
        .expect("container_stop is listed");
    assert_eq!(stop["available"], report["docker"]["available"]);
    assert_eq!(report["stress_ng"]["needed"], false);
}

/// The step's measurement `name`.
fn measured(step: &serde_json::Value, name: &str) -> f64 {
    step["evidence"]["measurements"][name]
        .as_f64()
        .unwrap_or_else(|| panic!("measurement {name}: {step:#}"))
}

#[test]
fn cpu_stress_in_a_container_counts_against_its_cpu_limit() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd_with("cpu", None, &["--cpus", "0.5"]);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "cpu.chaos",
        &scenario(
            &c,
            "at 0s cpu_stress(c, workers: 2, load: 100%) for 3s as hit",
            "chaosc-test-cpu-*",
        ),
    );
    let (r, _, code) = run_watching(&c, &file, tmp.path());
    let step = step(&r);
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    assert_eq!(measured(step, "workers_in_container_cgroups"), 2.0);
    assert_eq!(measured(step, "container_cpu_limit"), 0.5);
    // Two workers asking for 2 CPUs got what the container may use: 0.5 CPU.
    let wall = measured(step, "wall_seconds");
    let burnt = measured(step, "cpu_seconds");
    let container = measured(step, "container_cpu_seconds");
    assert!(
        burnt <= 0.5 * wall * 1.15,
        "{burnt} CPU-s in {wall} s: {step:#}"
    );
    // And the container's own accounting saw the workers' CPU time.
    assert!(
        container >= 0.9 * burnt,
        "the container burnt {container} CPU-s, its workers {burnt}"
    );
    assert_eq!(code, 0, "{r:#}");
    eprintln!("cpu in container: {}", step["evidence"]["summary"]);
}

#[test]
fn memory_stress_in_a_container_is_charged_to_it() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd_with("memory", None, &["--memory", "256m"]);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "memory.chaos",
        &scenario(
            &c,
            "at 0s memory_stress(c, size: 64MiB, ramp: 2s) for 3s as hit",
            "chaosc-test-memory-*",
        ),
    );
    let (r, _, code) = run_watching(&c, &file, tmp.path());
    let step = step(&r);
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    assert_eq!(measured(step, "workers_in_container_cgroups"), 1.0);
    // The first ramp step (1/20) is touched before the worker is moved, and stays
    // charged to the host's cgroup; the rest is the container's.
    let grew = measured(step, "container_memory_growth_bytes");
    assert!(grew >= 0.9 * 60.0 * 1048576.0, "{grew} bytes: {step:#}");
    assert_eq!(code, 0, "{r:#}");
    eprintln!("memory in container: {}", step["evidence"]["summary"]);
}

#[test]
fn disk_stress_in_a_container_writes_into_its_filesystem_and_cleans_up() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd("disk", None);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "disk.chaos",
        &scenario(
            &c,
            "at 0s disk_stress(c, size: 4MiB) for 2s as hit",
            "chaosc-test-disk-*",
        ),
    );
    let pid = c.inspect("{{.State.Pid}}");
    let inside = PathBuf::from(format!("/proc/{pid}/root/tmp"));
    let (r, _, code) = run_watching(&c, &file, tmp.path());
    let step = step(&r);
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    assert_eq!(measured(step, "workers_in_container_cgroups"), 1.0);
    let left: Vec<_> = std::fs::read_dir(&inside)
        .expect("the container's /tmp")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "nothing left in the container's /tmp: {left:?}"
    );
    assert_eq!(code, 0, "{r:#}");
    eprintln!("disk in container: {}", step["evidence"]["summary"]);
}

#[test]
fn memory_stress_in_a_container_without_a_ramp_is_refused_in_preflight() {
    let _shared = super::support::shared();
    if !ready() {
        return;
    }
    let c = Container::httpd("noramp", None);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "noramp.chaos",
        &scenario(
            &c,
            "at 0s memory_stress(c, size: 64MiB) for 2s as hit",
            "chaosc-test-*",
        ),
    );
    let ran = chaosc(tmp.path(), &["run", &file, "--yes"], LIMIT);
    assert_eq!(ran.code, 4, "{ran:#?}");
    let all = format!("{}{}", ran.stdout, ran.stderr);
    assert!(all.contains("needs a ramp"), "{ran:#?}");
}

#[test]
fn a_label_selects_every_running_container_that_carries_it() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let label = format!(
        "chaosc-test-group={}-{}",
        std::process::id(),
        fastrand::u32(..)
    );
    let a = Container::httpd_with("label-a", None, &["--label", &label]);
    let b = Container::httpd_with("label-b", None, &["--label", &label]);
    // Carries the label but is not running: left out.
    let c = Container::httpd_with("label-c", None, &["--label", &label]);
    docker(&["stop", "-t", "0", &c.name]).expect("c stops");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "label.chaos",
        &format!(
            "target group = container(label: \"{label}\")\n\nsafety {{\n  allow_targets [\"chaosc-test-label-*\"]\n}}\n\nscenario \"label\" {{\n  timeline {{\n    at 0s container_pause(group) for 2s\n  }}\n}}\n"
        ),
    );
    let reports = tmp.path().join("reports");
    let mut runner = Command::new(support::BIN)
        .args(["run", &file, "--yes", "-q", "--report-dir"])
        .arg(&reports)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chaosc starts");
    let started = Instant::now();
    let mut both_paused = false;
    let code = loop {
        if let Ok(Some(status)) = runner.try_wait() {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > LIMIT {
            let _ = runner.kill();
            let _ = runner.wait();
            panic!("chaosc run took longer than {LIMIT:?}");
        }
        both_paused |= a.status() == "paused" && b.status() == "paused";
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(code, 0);
    assert!(both_paused, "both running containers were paused together");
    assert_eq!(a.status(), "running");
    assert_eq!(b.status(), "running");
    assert_eq!(c.status(), "exited");
    let r = results(&reports);
    let step = &r["scenarios"][0]["steps"][0];
    assert_eq!(
        step["evidence"]["measurements"]["containers"], 2.0,
        "{step:#}"
    );
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
}

/// A 4 s `container_pause` that someone unpauses after about 1 s did not hold: the
/// scenario is `error`, and the evidence says when the container ran again.
#[test]
fn a_container_pause_someone_else_lifts_is_an_error() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd("lifted", None);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = write(
        tmp.path(),
        "lifted.chaos",
        &scenario(
            &c,
            "at 0s container_pause(c) for 4s as hit",
            "chaosc-test-lifted-*",
        ),
    );
    let name = c.name.clone();
    let lifter = std::thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if docker(&["inspect", "-f", "{{.State.Status}}", &name]).as_deref() == Ok("paused") {
                std::thread::sleep(Duration::from_millis(1000));
                return docker(&["unpause", &name]).is_ok();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    });
    let (r, _seen, code) = run_watching(&c, &file, tmp.path());
    assert!(
        lifter.join().expect("the lifter ends"),
        "the test unpaused it"
    );
    let step = step(&r);
    assert_eq!(step["evidence"]["took_effect"], false, "{step:#}");
    let summary = step["evidence"]["summary"].as_str().unwrap_or("");
    assert!(summary.contains("the fault did not hold"), "{summary}");
    assert!(summary.contains("was running again"), "{summary}");
    let held = support::num(&step["evidence"], &["measurements", "held_ms"]);
    // Read every 250 ms; a loaded machine adds a little.
    assert!((700.0..2000.0).contains(&held), "held {held} ms: {summary}");
    assert_eq!(r["scenarios"][0]["verdict"], "error", "{r:#}");
    assert_eq!(code, 4, "{r:#}");
}

/// A paused container hangs its server for 6 s of a 10 s chaos phase, under a probe
/// whose timeout is longer than its interval: every figure matches the client-visible
/// truth (`hangs::assert_hang_truth`).
#[test]
fn a_paused_container_weighs_what_its_pause_lasts() {
    if !ready() {
        return;
    }
    let _one = support::exclusive();
    let c = Container::httpd("hang", None);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let declarations = format!(
        "target c = container(\"{}\")\nsafety {{\n  allow_targets [\"chaosc-test-hang-*\"]\n}}",
        c.name
    );
    let file = write(
        tmp.path(),
        "hang.chaos",
        &super::hangs::program(&declarations, &c.url(), "container_pause(c)"),
    );
    let (r, _seen, code) = run_watching(&c, &file, tmp.path());
    assert_eq!(code, 1, "the SLO fails, measured: {r:#}");
    super::hangs::assert_hang_truth(&r["scenarios"][0]);
}
