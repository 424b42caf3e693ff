//! A throwaway PostgreSQL server for the database tests: `initdb` into a temporary
//! folder, the postmaster started on 127.0.0.1 and a free port, stopped with `pg_ctl stop
//! -m immediate` (then SIGKILL if it is still there) and the folder removed on `Drop`.
//!
//! PostgreSQL refuses to run as root, so a test running as root runs the server as the
//! unprivileged user `postgres` (made by the Debian packages; `.ci/run` makes sure it
//! exists); otherwise the server runs as the test's own user.
//!
//! The postmaster is either a child of the test, which waits for it in a thread (a
//! killed postmaster is reaped at once, as under a service manager), or started by
//! `pg_ctl` and so orphaned (PID 1 reaps it, whenever it does). A killed postmaster not
//! yet reaped is a zombie that holds its pid, and a restarted server refuses to start
//! while it is there ("lock file postmaster.pid already exists").

use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The programs the tests run.
const PROGRAMS: [&str; 5] = ["initdb", "postgres", "pg_ctl", "pg_isready", "psql"];

/// The database role `initdb` makes the superuser; `pg_isready` names it.
pub const DB_USER: &str = "postgres";

/// Where the programs are and who runs the server, or why the tests cannot run.
#[derive(Debug, Clone)]
pub struct Setup {
    pub bin: PathBuf,
    /// The user that runs the server when the test runs as root.
    pub user: Option<nix::unistd::User>,
}

/// Finds the PostgreSQL programs: `CHAOSC_TEST_PG_BIN`, else the newest
/// `/usr/lib/postgresql/N/bin` (Debian, Ubuntu), else the folder of `pg_ctl` on `PATH`
/// (symlinks followed). Err says what is missing.
pub fn setup() -> Result<Setup, String> {
    let complete = |dir: &Path| PROGRAMS.iter().all(|p| dir.join(p).is_file());
    let bin = if let Some(dir) = std::env::var_os("CHAOSC_TEST_PG_BIN") {
        let dir = PathBuf::from(dir);
        if !complete(&dir) {
            return Err(format!(
                "CHAOSC_TEST_PG_BIN=`{}` lacks one of {PROGRAMS:?}",
                dir.display()
            ));
        }
        dir
    } else if let Some(dir) = debian_bin().filter(|d| complete(d)) {
        dir
    } else if let Some(dir) = on_path("pg_ctl").filter(|d| complete(d)) {
        dir
    } else {
        return Err(format!(
            "no folder with {PROGRAMS:?} in /usr/lib/postgresql/*/bin or on PATH \
             (`apt-get install postgresql-15`, or set CHAOSC_TEST_PG_BIN)"
        ));
    };
    let user = if nix::unistd::geteuid().is_root() {
        match nix::unistd::User::from_name("postgres") {
            Ok(Some(user)) => Some(user),
            _ => {
                return Err(
                    "the tests run as root and there is no user `postgres` to run the \
                     server as (PostgreSQL refuses to run as root; `useradd --system postgres`)"
                        .to_string(),
                )
            }
        }
    } else {
        None
    };
    Ok(Setup { bin, user })
}

/// The highest-numbered `/usr/lib/postgresql/N/bin`.
fn debian_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

fn on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok())
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

/// Who starts the postmaster, and so who reaps it when it dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    /// The test, which waits for it in a thread, as a service manager would.
    Test,
    /// `pg_ctl -w start`, as an administrator would: the postmaster is orphaned, and
    /// PID 1 (or the nearest subreaper) reaps it, whenever it does.
    PgCtl,
}

/// A running server, stopped and removed on `Drop`.
pub struct Postgres {
    pub setup: Setup,
    pub port: u16,
    /// The data folder (`pg_ctl -D`); `postmaster.pid` is in it.
    pub data: PathBuf,
    /// The pid of the postmaster this test started.
    pub first_pid: i32,
    /// The folder holding `data`, the logs and the socket; owned by the server's user.
    pub home: PathBuf,
    /// Set by the reaping thread when the first postmaster has ended.
    ended: Arc<Mutex<Option<ExitStatus>>>,
    /// Removed last; open to everyone for reading so that the server's user reaches
    /// `home` and a runner running as that user can read its scenario.
    pub dir: tempfile::TempDir,
}

impl Postgres {
    /// Makes a cluster and starts it; panics (the test fails) when that does not work.
    pub fn start(setup: &Setup, parent: Parent) -> Postgres {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("the temp dir is opened for the server's user");
        let home = dir.path().join("pg");
        std::fs::create_dir(&home).expect("the server's folder");
        if let Some(user) = &setup.user {
            nix::unistd::chown(&home, Some(user.uid), Some(user.gid))
                .expect("the server's folder is given to its user");
        }
        let data = home.join("data");
        let port = free_port();
        let mut initdb = setup.command("initdb", &home);
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", DB_USER, "-A", "trust", "-E", "UTF8", "--locale=C"])
            .args(["--no-sync", "--no-instructions"]);
        let log = home.join("initdb.log");
        match run_bounded(initdb, &log, Duration::from_secs(120)) {
            Ok(status) if status.success() => {}
            other => panic!(
                "initdb failed ({other:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
        }
        // The settings go into postgresql.conf, not on the command line, so that a plain
        // `pg_ctl -D DATA start` (the scenario's restart) starts the same server.
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("postgresql.conf");
        write!(
            conf,
            "\n# chaosc tests\nport = {port}\nlisten_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{home}'\n\
             log_line_prefix = '%n [%p] '\nfsync = off\n",
            home = home.display()
        )
        .expect("postgresql.conf is written");
        drop(conf);

        let server_log = File::create(home.join("server.log")).expect("the server log");
        if let Some(user) = &setup.user {
            // `pg_ctl -l` opens the log as the server's user.
            nix::unistd::chown(&home.join("server.log"), Some(user.uid), Some(user.gid))
                .expect("the server log is given to its user");
        }
        let ended = Arc::new(Mutex::new(None));
        let first_pid = match parent {
            Parent::Test => {
                let mut postgres = setup.command("postgres", &home);
                postgres
                    .arg("-D")
                    .arg(&data)
                    .stdin(Stdio::null())
                    .stdout(server_log.try_clone().expect("the server log"))
                    .stderr(server_log);
                let child = postgres.spawn().expect("postgres starts");
                let pid = child.id() as i32;
                reap(child, Arc::clone(&ended));
                pid
            }
            Parent::PgCtl => {
                let mut pg_ctl = setup.command("pg_ctl", &home);
                pg_ctl
                    .arg("-D")
                    .arg(&data)
                    .arg("-l")
                    .arg(home.join("server.log"))
                    .args(["-w", "-t", "60", "start"]);
                let log = home.join("pg_ctl.log");
                match run_bounded(pg_ctl, &log, Duration::from_secs(90)) {
                    Ok(status) if status.success() => {}
                    other => panic!(
                        "pg_ctl start failed ({other:?}):\n{}\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default(),
                        std::fs::read_to_string(home.join("server.log")).unwrap_or_default()
                    ),
                }
                let text = std::fs::read_to_string(data.join("postmaster.pid"))
                    .expect("pg_ctl left postmaster.pid");
                text.lines()
                    .next()
                    .and_then(|l| l.trim().parse().ok())
                    .expect("postmaster.pid starts with a pid")
            }
        };
        let server = Postgres {
            setup: setup.clone(),
            port,
            data,
            first_pid,
            home,
            ended,
            dir,
        };
        let started = Instant::now();
        while !server.ready() {
            if let Some(status) = *server.ended.lock().unwrap_or_else(|p| p.into_inner()) {
                panic!("postgres ended ({status}):\n{}", server.log());
            }
            if started.elapsed() > Duration::from_secs(60) {
                panic!("postgres was not ready within 60 s:\n{}", server.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Whether `pg_isready` says the server accepts connections.
    pub fn ready(&self) -> bool {
        let mut cmd = Command::new(self.setup.bin.join("pg_isready"));
        cmd.args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", DB_USER, "-d", "postgres", "-t", "2"]);
        matches!(
            run_bounded(cmd, Path::new("/dev/null"), Duration::from_secs(10)),
            Ok(status) if status.success()
        )
    }

    /// Runs one SQL statement with `psql`; panics with its output when it fails.
    pub fn sql(&self, statement: &str) {
        let mut cmd = Command::new(self.setup.bin.join("psql"));
        cmd.args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args([
                "-U",
                DB_USER,
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
            ])
            .arg(statement);
        let log = self.dir.path().join("psql.log");
        match run_bounded(cmd, &log, Duration::from_secs(120)) {
            Ok(status) if status.success() => {}
            other => panic!(
                "psql `{statement}` failed ({other:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
        }
    }

    /// The postmaster's pid from the first line of `postmaster.pid`.
    pub fn pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.data.join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// What the first postmaster wrote.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.join("server.log")).unwrap_or_default()
    }

    /// The operating-system user name the server runs as.
    pub fn os_user(&self) -> String {
        match &self.setup.user {
            Some(user) => user.name.clone(),
            None => nix::unistd::User::from_uid(nix::unistd::geteuid())
                .ok()
                .flatten()
                .map(|u| u.name)
                .unwrap_or_default(),
        }
    }
}

impl Setup {
    /// `program` of the PostgreSQL folder, run as the server's user in `cwd`.
    pub fn command(&self, program: &str, cwd: &Path) -> Command {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.current_dir(cwd)
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST");
        if let Some(user) = &self.user {
            // std drops the supplementary groups of root before `setuid`.
            cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
        }
        cmd
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = self.setup.command("pg_ctl", &self.home);
        stop.arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "-t", "10", "stop"]);
        let _ = run_bounded(stop, Path::new("/dev/null"), Duration::from_secs(20));
        // Whatever is left (a server pg_ctl could not stop, a stopped one): SIGKILL ends
        // it, and its children follow the postmaster's death.
        for pid in [self.pid(), Some(self.first_pid)].into_iter().flatten() {
            if pid > 1 && is_postgres(pid) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }
}

/// Whether `pid` is a live `postgres` process (never signal a reused pid blindly).
fn is_postgres(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rfind(')')
        .and_then(|i| stat.get(i + 2..i + 3))
        .unwrap_or("");
    stat.contains("(postgres)") && state != "Z"
}

/// Waits for the postmaster in a thread, so that it never lingers as a zombie.
fn reap(mut child: Child, ended: Arc<Mutex<Option<ExitStatus>>>) {
    std::thread::spawn(move || {
        if let Ok(status) = child.wait() {
            *ended.lock().unwrap_or_else(|p| p.into_inner()) = Some(status);
        }
    });
}

/// Runs `cmd` with stdout and stderr to `log`, killing it after `limit`.
pub fn run_bounded(mut cmd: Command, log: &Path, limit: Duration) -> Result<ExitStatus, String> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("cannot open `{}`: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{cmd:?} ran longer than {limit:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// A port nothing listens on now (the server binds it a moment later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
