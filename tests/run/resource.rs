//! The resource-stress injectors against the real host: the load, memory and writes
//! they cause are measured here from `/proc`, independently of their own evidence.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chaosc::inject::{self, Active, Context, Revert};
use chaosc::plan::{Fault, SourceSpan, Step, Target, Text};

use crate::support;

const MIB: u64 = 1 << 20;

fn span() -> SourceSpan {
    SourceSpan {
        file: "test.chaos".to_string(),
        line: 1,
        column: 1,
        start: 0,
        end: 0,
    }
}

fn step(name: &str, fault: Fault) -> Step {
    Step {
        name: name.to_string(),
        fault,
        target: Target::Host,
        start_ms: 0,
        duration_ms: Some(3000),
        sustained: true,
        destructive: false,
        capabilities: Vec::new(),
        span: span(),
    }
}

/// A context with a run id unique to this test process and `test`.
fn context(test: &str, report_dir: &Path) -> Context {
    Context {
        worker_exe: support::bin(),
        run_id: format!("test-{}-{test}", std::process::id()),
        seed: 1,
        services: HashMap::new(),
        allow_targets: Vec::new(),
        report_dir: report_dir.to_path_buf(),
        proxies: Default::default(),
    }
}

/// The pids of the live `__worker` processes tagged `tag`, read from `/proc` here
/// rather than with the injector's own scanner.
fn worker_pids(tag: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let tagged = args.iter().position(|a| a == "--tag").map(|i| &args[i + 1]);
        if args.get(1).map(String::as_str) == Some("__worker") && tagged == Some(&tag.to_string()) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    pids
}

/// Waits (at most `limit`) until `ready` holds.
fn wait_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ready()
}

/// `VmRSS` of a process in bytes.
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn tag(ctx: &Context, step: &Step) -> String {
    format!("{}/{}", ctx.run_id, step.name)
}

/// Ends a fault even when an assertion fails half-way, so no worker outlives the test.
struct Cleanup(Option<Box<dyn Active>>, Revert);

impl Cleanup {
    fn finish(mut self) -> inject::Evidence {
        let active = self.0.take().expect("finished once");
        active.finish().expect("finish")
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(active) = self.0.take() {
            let _ = active.finish();
        }
        let _ = self.1.revert();
    }
}

fn start(step: &Step, ctx: &Context) -> Cleanup {
    let prepared = inject::prepare(step, ctx).expect("prepare");
    assert_eq!(prepared.target_description(), "host");
    let record = prepared.revert_record();
    Cleanup(Some(prepared.apply().expect("apply")), record)
}

#[test]
fn cpu_stress_burns_the_requested_share_of_a_core() {
    let _x = support::exclusive();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("cpu", dir.path());
    let step = step(
        "cpu_stress#1",
        Fault::CpuStress {
            workers: Some(1),
            load_percent: 50.0,
        },
    );
    let tag = tag(&ctx, &step);
    let fault = start(&step, &ctx);
    assert!(wait_for(Duration::from_secs(2), || worker_pids(&tag).len() == 1));
    let pid = worker_pids(&tag)[0];
    // Past the worker's start-up, then 3 s of duty cycle.
    std::thread::sleep(Duration::from_millis(200));
    let (t0, c0) = (Instant::now(), support::cpu_seconds(pid).unwrap());
    std::thread::sleep(Duration::from_secs(3));
    let (t1, c1) = (Instant::now(), support::cpu_seconds(pid).unwrap());
    let measured = (c1 - c0) / (t1 - t0).as_secs_f64() * 100.0;
    let evidence = fault.finish();
    let reported = evidence
        .measurements
        .get("achieved_load_percent")
        .expect("achieved_load_percent");
    eprintln!(
        "cpu_stress 50%: measured {measured:.1}% of a core, evidence {reported:.1}% ({})",
        evidence.summary
    );
    assert!((45.0..=55.0).contains(&measured), "measured {measured:.1}%");
    assert!(
        (reported - measured).abs() <= 5.0,
        "evidence {reported:.1}% vs {measured:.1}%"
    );
    assert!(evidence.took_effect, "{}", evidence.summary);
    assert_eq!(evidence.measurements.get("workers").expect("workers"), 1.0);
    assert!(
        worker_pids(&tag).is_empty(),
        "the worker is gone after finish"
    );
}

#[test]
fn memory_stress_holds_resident_memory_without_burning_cpu() {
    let _x = support::exclusive();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("memory", dir.path());
    let size = 256 * MIB;
    let step = step(
        "memory_stress#1",
        Fault::MemoryStress {
            size_bytes: size,
            ramp_ms: 0,
        },
    );
    let tag = tag(&ctx, &step);
    let fault = start(&step, &ctx);
    assert!(wait_for(Duration::from_secs(2), || worker_pids(&tag).len() == 1));
    let pid = worker_pids(&tag)[0];
    let resident = || resident_bytes(pid).unwrap_or(0);
    assert!(
        wait_for(Duration::from_secs(10), || resident() >= 250 * MIB),
        "resident {} bytes",
        resident()
    );
    let (t0, c0) = (Instant::now(), support::cpu_seconds(pid).unwrap());
    std::thread::sleep(Duration::from_secs(2));
    let (t1, c1) = (Instant::now(), support::cpu_seconds(pid).unwrap());
    let held = resident();
    let cpu_share = (c1 - c0) / (t1 - t0).as_secs_f64() * 100.0;
    let evidence = fault.finish();
    eprintln!(
        "memory_stress 256MiB: resident {} MiB, {cpu_share:.2}% of a core while holding ({})",
        held / MIB,
        evidence.summary
    );
    assert!(held >= 250 * MIB, "resident {held} bytes while holding");
    assert!(cpu_share < 5.0, "{cpu_share:.2}% of a core while holding");
    assert!(evidence.took_effect, "{}", evidence.summary);
    assert!(
        evidence
            .measurements
            .get("peak_resident_bytes")
            .expect("peak_resident_bytes")
            >= 0.9 * size as f64
    );
    assert!(worker_pids(&tag).is_empty());
}

#[test]
fn memory_stress_with_a_ramp_grows_over_time() {
    let _x = support::exclusive();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("ramp", dir.path());
    let size = 128 * MIB;
    let step = step(
        "grow",
        Fault::MemoryStress {
            size_bytes: size,
            ramp_ms: 1500,
        },
    );
    let tag = tag(&ctx, &step);
    let fault = start(&step, &ctx);
    assert!(wait_for(Duration::from_secs(2), || worker_pids(&tag).len() == 1));
    let pid = worker_pids(&tag)[0];
    std::thread::sleep(Duration::from_millis(400));
    let early = resident_bytes(pid).unwrap_or(0);
    assert!(wait_for(Duration::from_secs(5), || {
        resident_bytes(pid).unwrap_or(0) >= 120 * MIB
    }));
    let late = resident_bytes(pid).unwrap_or(0);
    let evidence = fault.finish();
    eprintln!(
        "memory_stress 128MiB over 1.5s: {} MiB after 0.4 s, {} MiB later",
        early / MIB,
        late / MIB
    );
    assert!(
        early < 100 * MIB,
        "{early} bytes resident after 0.4 s of a 1.5 s ramp"
    );
    assert!(early > 0);
    assert!(evidence.took_effect, "{}", evidence.summary);
}

#[test]
fn disk_stress_writes_and_syncs_then_removes_its_folder() {
    let _x = support::exclusive();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("disk", dir.path());
    let area = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let step = step(
        "disk_stress#1",
        Fault::DiskStress {
            workers: 2,
            path: Some(Text::Literal(area.path().display().to_string())),
            size_bytes: 8 * MIB,
            sync: true,
        },
    );
    let tag = tag(&ctx, &step);
    let prepared = inject::prepare(&step, &ctx).expect("prepare");
    let Revert::Workers {
        temp_dir: Some(folder),
        ..
    } = prepared.revert_record()
    else {
        panic!("no folder in {:?}", prepared.revert_record());
    };
    assert!(folder.starts_with(area.path()));
    assert!(!folder.exists(), "prepare changes nothing");
    let record = prepared.revert_record();
    let fault = Cleanup(Some(prepared.apply().expect("apply")), record);
    assert!(wait_for(Duration::from_secs(2), || worker_pids(&tag).len() == 2));
    let size = |i: u32| {
        std::fs::metadata(folder.join(format!("worker-{i}.dat")))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    assert!(
        wait_for(Duration::from_secs(5), || size(0) > 0 && size(1) > 0),
        "no data in {}",
        folder.display()
    );
    std::thread::sleep(Duration::from_millis(1500));
    let evidence = fault.finish();
    eprintln!("disk_stress 2 × 8MiB sync: {}", evidence.summary);
    assert!(evidence.took_effect, "{}", evidence.summary);
    assert!(
        evidence
            .measurements
            .get("bytes_written")
            .expect("bytes_written")
            >= 16.0 * MIB as f64
    );
    assert!(
        evidence
            .measurements
            .get("bytes_synced")
            .expect("bytes_synced")
            > 0.0
    );
    assert!(!folder.exists(), "the folder is removed at finish");
    assert!(worker_pids(&tag).is_empty());
}

#[test]
fn the_revert_record_alone_kills_the_workers_and_removes_the_folder() {
    // Disk workers without sync keep a CPU busy each: not while others measure.
    let _x = support::exclusive();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("revert", dir.path());
    let area = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let step = step(
        "io",
        Fault::DiskStress {
            workers: 2,
            path: Some(Text::Literal(area.path().display().to_string())),
            size_bytes: MIB,
            sync: false,
        },
    );
    let tag = tag(&ctx, &step);
    let fault = start(&step, &ctx);
    assert!(wait_for(Duration::from_secs(2), || worker_pids(&tag).len() == 2));
    // A terminal's Ctrl-C reaches the whole process group: the workers ignore it and
    // leave the revert to the runner.
    for pid in worker_pids(&tag) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(worker_pids(&tag).len(), 2, "SIGINT is ignored");
    // The record, as the guard would read it from the journal.
    let json = serde_json::to_string(&fault.1).unwrap();
    let record: Revert = serde_json::from_str(&json).unwrap();
    let Revert::Workers {
        temp_dir: Some(folder),
        ..
    } = &record
    else {
        panic!("{record:?}");
    };
    assert!(folder.exists());
    record.revert().expect("revert");
    assert!(worker_pids(&tag).is_empty(), "the workers are gone");
    assert!(!folder.exists(), "the folder is gone");
    record.revert().expect("a second revert is fine");
    // The injector that spawned them still finishes cleanly, and says what happened.
    let evidence = fault.finish();
    assert!(
        evidence.summary.contains("killed by SIGKILL"),
        "{}",
        evidence.summary
    );
}

#[test]
fn a_worker_exits_when_its_stdin_closes() {
    let _shared = super::support::shared();
    let tag = format!("test-{}-stdin", std::process::id());
    let mut child = Command::new(support::BIN)
        .args(["__worker", "cpu", "--tag", &tag, "--parent"])
        .arg(std::process::id().to_string())
        .args(["--load-percent", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "running while stdin is open"
    );
    drop(child.stdin.take());
    let exited = wait_for(Duration::from_secs(2), || {
        child.try_wait().unwrap().is_some()
    });
    if !exited {
        let _ = child.kill();
    }
    let _ = child.wait();
    assert!(exited, "the worker exits at EOF on stdin");
}

#[test]
fn a_worker_whose_parent_is_not_the_runner_exits_at_once() {
    let _shared = super::support::shared();
    let tag = format!("test-{}-orphan", std::process::id());
    let mut child = Command::new(support::BIN)
        .args([
            "__worker",
            "cpu",
            "--tag",
            &tag,
            "--parent",
            "1",
            "--load-percent",
            "1",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let exited = wait_for(Duration::from_secs(2), || {
        child.try_wait().unwrap().is_some()
    });
    if !exited {
        let _ = child.kill();
    }
    let _ = child.wait();
    assert!(exited);
}

#[test]
fn workers_die_with_the_thread_that_spawned_them() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("pdeathsig", dir.path());
    let step = step(
        "cpu",
        Fault::CpuStress {
            workers: Some(1),
            load_percent: 5.0,
        },
    );
    let tag = tag(&ctx, &step);
    // The stdin pipe stays open (the fault is alive here), only the thread ends.
    let (fault, pids) = {
        let (step, ctx, tag) = (step.clone(), ctx.clone(), tag.clone());
        std::thread::spawn(move || {
            let fault = start(&step, &ctx);
            let pids = worker_pids(&tag);
            (fault, pids)
        })
        .join()
        .unwrap()
    };
    assert_eq!(
        pids.len(),
        1,
        "the worker was running while its thread lived"
    );
    // Dead and not reaped yet: a zombie ("Z" after the command name in /proc/PID/stat).
    let zombie = || {
        std::fs::read_to_string(format!("/proc/{}/stat", pids[0]))
            .map(|s| {
                s.rsplit_once(") ")
                    .is_some_and(|(_, rest)| rest.starts_with('Z'))
            })
            .unwrap_or(false)
    };
    let gone = wait_for(Duration::from_secs(2), zombie);
    let evidence = fault.finish();
    assert!(gone, "PR_SET_PDEATHSIG killed the worker");
    assert!(
        evidence.summary.contains("killed by SIGKILL"),
        "{}",
        evidence.summary
    );
    assert!(!evidence.took_effect, "{}", evidence.summary);
}

#[test]
fn memory_beyond_what_the_host_has_is_refused_before_anything_starts() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("toobig", dir.path());
    let step = step(
        "memory_stress#1",
        Fault::MemoryStress {
            size_bytes: 1 << 50,
            ramp_ms: 0,
        },
    );
    let err = inject::prepare(&step, &ctx).err().expect("refused");
    assert!(err.message.contains("does not fit"), "{}", err.message);
    assert!(err.help.is_some());
    assert!(worker_pids(&tag(&ctx, &step)).is_empty());
}

#[test]
fn stress_on_a_process_is_refused_honestly() {
    let _shared = super::support::shared();
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("process", dir.path());
    let mut step = step(
        "cpu_stress#1",
        Fault::CpuStress {
            workers: None,
            load_percent: 100.0,
        },
    );
    // (Stress on a container is the container injector's: tests/run/container.rs.)
    step.target = Target::Process {
        doc: None,
        name: Some("db".to_string()),
        selector: chaosc::plan::ProcessSelector::Pid(1),
        all: false,
    };
    let err = inject::prepare(&step, &ctx).err().expect("refused");
    assert_eq!(
        err.message,
        "`cpu_stress` on a process is not supported yet"
    );
    assert!(err.help.is_some_and(|h| h.contains("host()")));
}

/// Set in the environment of [`runner_helper`] when a test runs it as another process.
const HELPER_AREA: &str = "CHAOSC_TEST_RESOURCE_HELPER_AREA";

/// Not a test on its own: another process standing in for a runner. It starts a
/// `disk_stress`, prints its revert record as one JSON line, then `ready`, waits for
/// EOF on stdin and finishes the fault. Without the variable set it does nothing.
#[test]
#[ignore = "helper process of the cross-process revert tests"]
fn runner_helper() {
    let Some(area) = std::env::var_os(HELPER_AREA) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = context("helper", dir.path());
    let step = step(
        "io",
        Fault::DiskStress {
            workers: 2,
            path: Some(Text::Literal(area.to_string_lossy().into_owned())),
            size_bytes: MIB,
            sync: false,
        },
    );
    let prepared = inject::prepare(&step, &ctx).unwrap();
    println!(
        "{}",
        serde_json::to_string(&prepared.revert_record()).unwrap()
    );
    let active = prepared.apply().unwrap();
    println!("ready");
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
    let evidence = active.finish().unwrap();
    println!("{}", evidence.summary);
}

/// Runs [`runner_helper`] in another process; returns it with its revert record.
fn spawn_runner(area: &Path) -> (std::process::Child, Revert) {
    use std::io::BufRead;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "resource::runner_helper",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads", "1", "-q"])
        .env(HELPER_AREA, area)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut record = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        if let Ok(r) = serde_json::from_str::<Revert>(&line) {
            record = Some(r);
        }
    }
    // The rest of its output is not needed; draining it keeps the helper from blocking.
    std::thread::spawn(move || lines.for_each(drop));
    let record = record.expect("the helper printed its revert record");
    (child, record)
}

fn record_parts(record: &Revert) -> (String, std::path::PathBuf) {
    match record {
        Revert::Workers {
            tag,
            temp_dir: Some(folder),
        } => (tag.clone(), folder.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn another_process_reverts_a_live_runners_workers_from_the_record() {
    // Disk workers without sync keep a CPU busy each: not while others measure.
    let _x = support::exclusive();
    let area = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let (mut runner, record) = spawn_runner(area.path());
    let (tag, folder) = record_parts(&record);
    let found = wait_for(Duration::from_secs(2), || worker_pids(&tag).len() == 2);
    let reverted = record.revert();
    let gone = worker_pids(&tag).is_empty();
    let removed = !folder.exists();
    // The runner finishes its fault without error once its workers were killed.
    drop(runner.stdin.take());
    let finished = wait_for(Duration::from_secs(5), || {
        runner.try_wait().ok().flatten().is_some()
    });
    if !finished {
        let _ = runner.kill();
    }
    let status = runner.wait().unwrap();
    let _ = record.revert();
    assert!(found, "the runner's two workers were running");
    assert!(reverted.is_ok(), "{reverted:?}");
    assert!(
        gone && removed,
        "workers gone: {gone}, folder removed: {removed}"
    );
    assert!(status.success(), "the runner's finish failed: {status}");
}

#[test]
fn a_killed_runner_leaves_no_worker_and_its_record_removes_the_folder() {
    // Disk workers without sync keep a CPU busy each: not while others measure.
    let _x = support::exclusive();
    let area = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let (mut runner, record) = spawn_runner(area.path());
    let (tag, folder) = record_parts(&record);
    let found = wait_for(Duration::from_secs(2), || worker_pids(&tag).len() == 2);
    runner.kill().unwrap();
    runner.wait().unwrap();
    // Nobody reverted anything: the workers die with the runner on their own.
    let died = wait_for(Duration::from_secs(2), || worker_pids(&tag).is_empty());
    let left_folder = folder.exists();
    let reverted = record.revert();
    assert!(found, "the runner's two workers were running");
    assert!(died, "workers outlived the runner: {:?}", worker_pids(&tag));
    assert!(left_folder, "the folder is what the guard must clean up");
    assert!(reverted.is_ok(), "{reverted:?}");
    assert!(!folder.exists());
}
