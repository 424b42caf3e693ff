//! The legacy `database_down` scenarios against a real PostgreSQL server in a Docker
//! container: `scenarios/database-container.chaos` run by `chaosc run`, observed by its
//! `pg_isready` probe, with mttr and recovery_time checked against the outage as it
//! really happened (the server's own log, the step's start and end).
//!
//! No registry is needed. The image `chaosc-test-pgroot` is an empty root (`/tmp`, and
//! the host's `/bin`, `/lib`, `/lib64` symlinks into `/usr` on a merged-usr system) made
//! with `docker import`; the container runs the host's own PostgreSQL programs from
//! `/usr` bind-mounted read-only (`/etc/passwd` and `/etc/group` too, for the user's
//! name), as the host's `postgres` user, with host networking on 127.0.0.1 and a free
//! port. The cluster is made by `initdb` on the host in a temporary folder that is
//! bind-mounted at the same path. Every container is removed on drop, failed or not.
//!
//! The probe samples every 200 ms with a 150 ms timeout (closed model); see
//! `tests/run/database.rs` for where the numbers may differ from the outage.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::postgres::{self, free_port, run_bounded};
use super::support::{self, chaosc, measured_ms, num, results, unix_ms};

/// The probe's interval and timeout in `scenarios/database-container.chaos`.
const EVERY_MS: f64 = 200.0;
const TIMEOUT_MS: f64 = 150.0;
/// A sample's own time to fail or succeed when nothing waits (fork, exec, connect), and
/// the Docker API calls around a pause (inspect, pause, unpause, inspect): up to 50 ms.
const ANSWER_MS: f64 = 50.0;

const LIMIT: Duration = Duration::from_secs(120);
const IMAGE: &str = "chaosc-test-pgroot:latest";

fn scenario_file() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/database-container.chaos")
        .display()
        .to_string()
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

/// What the container needs: the PostgreSQL programs, Docker and the image; `None`
/// after printing why the test is skipped (or failing under `CHAOSC_TEST_REQUIRE`).
fn setup() -> Option<Setup> {
    use chaosc::inject::container::client::{endpoint, Client};
    let pg = match postgres::setup() {
        Ok(pg) => pg,
        Err(why) => {
            support::available("postgres", false, &why);
            return None;
        }
    };
    // Only /usr is mounted into the container.
    if !support::available(
        "postgres",
        pg.bin.starts_with("/usr/"),
        &format!(
            "the PostgreSQL programs in `{}` are not under /usr, which the container mounts",
            pg.bin.display()
        ),
    ) {
        return None;
    }
    if let Err(e) = Client::connect(&endpoint(None)) {
        support::available("docker", false, &e.message);
        return None;
    }
    let mounts = match root_mounts() {
        Ok(mounts) => mounts,
        Err(e) => {
            support::available("docker", false, &e);
            return None;
        }
    };
    if docker(&["image", "inspect", IMAGE]).is_err() {
        if let Err(e) = build_image() {
            support::available(
                "docker",
                false,
                &format!("the image `{IMAGE}` is missing and cannot be built: {e}"),
            );
            return None;
        }
    }
    Some(Setup { pg, mounts })
}

struct Setup {
    pg: postgres::Setup,
    /// Top-level folders of the host that are real folders, not symlinks into /usr
    /// (not merged-usr): mounted as they are.
    mounts: Vec<String>,
}

/// The folders that hold programs and libraries outside /usr.
const ROOT_DIRS: [&str; 4] = ["bin", "sbin", "lib", "lib64"];

fn root_mounts() -> Result<Vec<String>, String> {
    let mut mounts = Vec::new();
    for dir in ROOT_DIRS {
        let path = Path::new("/").join(dir);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {}
            Ok(m) if m.is_dir() => mounts.push(path.display().to_string()),
            Ok(_) => {
                return Err(format!(
                    "`{}` is neither a folder nor a symlink",
                    path.display()
                ))
            }
            Err(_) => {}
        }
    }
    Ok(mounts)
}

/// `docker import` of an empty root: `/tmp`, `/etc`, and the host's symlinks of
/// [`ROOT_DIRS`] (`/lib -> usr/lib` on a merged-usr system, where the dynamic loader
/// `/lib64/ld-linux-x86-64.so.2` is found through them).
fn build_image() -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = dir.path().join("root");
    for sub in ["tmp", "etc"] {
        std::fs::create_dir_all(root.join(sub)).map_err(|e| e.to_string())?;
    }
    std::fs::set_permissions(root.join("tmp"), std::fs::Permissions::from_mode(0o1777))
        .map_err(|e| e.to_string())?;
    for name in ROOT_DIRS {
        let host = Path::new("/").join(name);
        if let Ok(to) = std::fs::read_link(&host) {
            std::os::unix::fs::symlink(to, root.join(name)).map_err(|e| e.to_string())?;
        }
    }
    let tar = dir.path().join("root.tar");
    let status = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .status()
        .map_err(|e| format!("cannot run `tar`: {e}"))?;
    if !status.success() {
        return Err("tar failed".into());
    }
    docker(&["import", &tar.display().to_string(), IMAGE]).map(|_| ())
}

/// A PostgreSQL server in a container, removed (`docker rm -f`) with its folder on drop.
struct PgContainer {
    name: String,
    port: u16,
    bin: PathBuf,
    /// Holds `pg/data`; removed after the container.
    dir: tempfile::TempDir,
}

impl PgContainer {
    /// `initdb` on the host, then `postgres -D DATA` in a container; panics (the test
    /// fails) when the server does not accept connections within 30 s.
    fn start(setup: &Setup, tag: &str) -> PgContainer {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("the temp dir is opened for the server's user");
        let home = dir.path().join("pg");
        std::fs::create_dir(&home).expect("the server's folder");
        let (uid, gid) = match &setup.pg.user {
            Some(user) => {
                nix::unistd::chown(&home, Some(user.uid), Some(user.gid))
                    .expect("the server's folder is given to its user");
                (user.uid.as_raw(), user.gid.as_raw())
            }
            None => (
                nix::unistd::geteuid().as_raw(),
                nix::unistd::getegid().as_raw(),
            ),
        };
        let data = home.join("data");
        let mut initdb = setup.pg.command("initdb", &home);
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                postgres::DB_USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .args(["--no-sync", "--no-instructions"]);
        let log = dir.path().join("initdb.log");
        match run_bounded(initdb, &log, Duration::from_secs(120)) {
            Ok(status) if status.success() => {}
            other => panic!(
                "initdb failed ({other:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
        }
        let port = free_port();
        // Log lines start with the Unix time in ms (`%n`): the outage is read from them.
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("postgresql.conf");
        write!(
            conf,
            "\n# chaosc tests\nport = {port}\nlisten_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{home}'\nlog_line_prefix = '%n [%p] '\nfsync = off\n",
            home = home.display()
        )
        .expect("postgresql.conf is written");
        drop(conf);

        let name = format!(
            "chaosc-test-pg-{tag}-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        );
        let container = PgContainer {
            name,
            port,
            bin: setup.pg.bin.clone(),
            dir,
        };
        let user = format!("{uid}:{gid}");
        let home_mount = format!("{0}:{0}", home.display());
        let mut args: Vec<String> = [
            "run",
            "-d",
            "--name",
            &container.name,
            "--network",
            "host",
            "--label",
            "chaosc-test=1",
            "--user",
            &user,
            "-v",
            "/usr:/usr:ro",
            "-v",
            "/etc/passwd:/etc/passwd:ro",
            "-v",
            "/etc/group:/etc/group:ro",
            "-v",
            &home_mount,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for dir in &setup.mounts {
            args.push("-v".into());
            args.push(format!("{dir}:{dir}:ro"));
        }
        args.push(IMAGE.into());
        args.push(setup.pg.bin.join("postgres").display().to_string());
        args.push("-D".into());
        args.push(data.display().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(e) = docker(&args) {
            panic!("the PostgreSQL container starts: {e}");
        }
        let started = Instant::now();
        while !container.ready() {
            if container.status() == "exited" || started.elapsed() > Duration::from_secs(30) {
                panic!(
                    "PostgreSQL in `{}` accepts connections within 30 s ({}):\n{}",
                    container.name,
                    container.status(),
                    container.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        container
    }

    /// Whether `pg_isready` says the server accepts connections.
    fn ready(&self) -> bool {
        let mut cmd = Command::new(self.bin.join("pg_isready"));
        cmd.args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", postgres::DB_USER, "-d", "postgres", "-t", "2"]);
        matches!(
            run_bounded(cmd, Path::new("/dev/null"), Duration::from_secs(10)),
            Ok(status) if status.success()
        )
    }

    fn inspect(&self, format: &str) -> String {
        docker(&["inspect", "-f", format, &self.name]).unwrap_or_default()
    }

    fn status(&self) -> String {
        self.inspect("{{.State.Status}}")
    }

    /// The server's log: its stderr, kept by Docker across the container's starts.
    fn log(&self) -> String {
        Command::new("docker")
            .args(["logs", &self.name])
            .stdin(Stdio::null())
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout).into_owned()
                    + &String::from_utf8_lossy(&o.stderr)
            })
            .unwrap_or_default()
    }

    /// The Unix times (ms) of the log lines that contain `what`.
    fn logged_at(&self, what: &str) -> Vec<f64> {
        self.log()
            .lines()
            .filter(|l| l.contains(what))
            .filter_map(|l| l.split_whitespace().next()?.parse::<f64>().ok())
            .map(|s| s * 1000.0)
            .collect()
    }

    /// Runs one scenario of the file against this container; the scenario's results.
    fn run(&self, scenario: &str, sets: &[&str]) -> serde_json::Value {
        let reports = self.dir.path().join("reports");
        let mut args = vec![
            "run".to_string(),
            scenario_file(),
            "--scenario".to_string(),
            scenario.to_string(),
            "--yes".to_string(),
            "--report-dir".to_string(),
            reports.display().to_string(),
        ];
        for set in [
            format!("container={}", self.name),
            format!("pg_bin={}", self.bin.display()),
            format!("port={}", self.port),
            format!("db_user={}", postgres::DB_USER),
            "warmup=2s".to_string(),
        ]
        .into_iter()
        .chain(sets.iter().map(|s| s.to_string()))
        {
            args.push("--set".to_string());
            args.push(set);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ran = chaosc(self.dir.path(), &args, LIMIT);
        assert_eq!(ran.code, 0, "{ran:#?}\n--- server log\n{}", self.log());
        let r = results(&reports);
        assert_eq!(r["scenarios"][0]["verdict"], "passed", "{r:#}");
        r["scenarios"][0].clone()
    }
}

impl Drop for PgContainer {
    fn drop(&mut self) {
        // Before the folder: the server writes into it until it is gone.
        let _ = docker(&["rm", "-f", &self.name]);
    }
}

/// `docker stop` sends SIGTERM: the server refuses new connections at once ("the
/// database system is shutting down"), shuts down and exits; 3 s later the step starts
/// the container, and the server is down until it accepts connections again. Every
/// sample in between fails fast, so both ends are seen by the first sample after them.
#[test]
fn a_stopped_postgres_container_is_down_until_the_server_in_it_is_ready_again() {
    let _one = support::exclusive();
    let Some(setup) = setup() else { return };
    let pg = PgContainer::start(&setup, "stop");
    let first_start = pg.inspect("{{.State.StartedAt}}");

    let s = pg.run("Database Brief Outage (container)", &["brief_outage=3s"]);
    let step = &s["steps"][0];
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");

    // Times in ms after the run's start.
    let t0 = unix_ms(s["started_at"].as_str().expect("started_at"));
    let chaos_start = num(&s, &["phases", "chaos", "start_ms"]);
    let chaos_end = num(&s, &["phases", "chaos", "end_ms"]);
    let step_start = chaos_start + num(step, &["actual_start_ms"]);
    let step_end = chaos_start + num(step, &["actual_end_ms"]);
    // The outage, in the server's own words: from the shutdown request to "ready" in
    // the started container.
    let stopped = pg
        .logged_at("received smart shutdown request")
        .last()
        .map(|t| t - t0)
        .unwrap_or_else(|| panic!("the server was asked to shut down:\n{}", pg.log()));
    let ready = pg
        .logged_at("database system is ready to accept connections")
        .last()
        .map(|t| t - t0)
        .unwrap_or_else(|| panic!("the server became ready:\n{}", pg.log()));
    assert!(
        stopped >= step_start && stopped <= step_start + 1000.0,
        "the shutdown request at {stopped} ms, the step started at {step_start} ms"
    );
    let second_start = pg.inspect("{{.State.StartedAt}}");
    assert_ne!(second_start, first_start, "the container was started again");
    let container_started = unix_ms(&second_start) - t0;
    let startup = ready - container_started;
    let outage = ready - stopped;
    assert!(
        (3000.0..10_000.0).contains(&outage) && startup > 0.0,
        "stopped {stopped} ms, container started {container_started} ms, ready {ready} ms"
    );

    let mttr = measured_ms(&s, "mttr");
    let recovery = measured_ms(&s, "recovery_time");
    let truth = (ready - chaos_end).max(0.0);
    eprintln!(
        "stop 3s: step {:.1} ms, shutdown request to ready {outage:.1} ms (PostgreSQL \
         ready {startup:.1} ms after the container started): mttr {mttr:.1} ms; ready \
         {truth:.1} ms after the chaos phase: recovery_time {recovery:.1} ms",
        step_end - step_start
    );
    assert!(
        mttr >= outage - EVERY_MS - ANSWER_MS && mttr <= outage + EVERY_MS + ANSWER_MS,
        "mttr {mttr} ms for an outage of {outage} ms"
    );
    assert!(
        recovery >= truth - ANSWER_MS && recovery <= truth + EVERY_MS + ANSWER_MS,
        "recovery_time {recovery} ms, ready {truth} ms after the chaos phase"
    );
    assert_eq!(pg.status(), "running");
    assert!(pg.ready(), "the server accepts connections after the run");
}

/// `docker pause` freezes the server's processes (cgroup freezer) like SIGSTOP: the
/// kernel still completes TCP handshakes, and every `pg_isready` waits until its
/// timeout. The outage is the step, from the pause to the unpause.
#[test]
fn a_paused_postgres_container_is_an_outage_as_long_as_the_pause() {
    let _one = support::exclusive();
    let Some(setup) = setup() else { return };
    let pg = PgContainer::start(&setup, "pause");
    let first_start = pg.inspect("{{.State.StartedAt}}");

    let s = pg.run("Database Freeze (container)", &["freeze=3s"]);
    let step = &s["steps"][0];
    assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    // From before the pause call to after the unpause was seen: the freeze itself is a
    // few Docker calls shorter.
    let outage = num(step, &["actual_end_ms"]) - num(step, &["actual_start_ms"]);
    assert!(
        (outage - 3000.0).abs() < 300.0,
        "the pause lasted {outage} ms"
    );
    let mttr = measured_ms(&s, "mttr");
    let recovery = measured_ms(&s, "recovery_time");
    eprintln!("pause {outage:.1} ms: mttr {mttr:.1} ms, recovery_time {recovery:.1} ms");
    assert!(
        mttr >= outage - EVERY_MS - TIMEOUT_MS - ANSWER_MS && mttr <= outage + EVERY_MS,
        "mttr {mttr} ms for a pause of {outage} ms"
    );
    // The server answers as soon as it is thawed, at the end of the chaos phase.
    assert!(
        (0.0..=EVERY_MS).contains(&recovery),
        "recovery_time {recovery} ms"
    );
    let probe = &s["probes"][0];
    let timeouts = num(probe, &["failures", "timeout"]);
    let expected = (outage - TIMEOUT_MS) / EVERY_MS;
    assert!(
        (timeouts - expected).abs() <= 2.0,
        "{timeouts} timeouts, about {expected} expected: {probe:#}"
    );
    // Thawed, not restarted.
    assert_eq!(pg.status(), "running");
    assert_eq!(pg.inspect("{{.State.StartedAt}}"), first_start);
    assert!(pg.ready(), "the server accepts connections after the run");
}
