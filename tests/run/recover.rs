//! `chaosc recover`, `chaosc run --dry-run`, `--plan` and `max_duration` with the real
//! binary.

use std::path::Path;
use std::time::Duration;

use super::support::{self, chaosc, results, FlagServer};

const LIMIT: Duration = Duration::from_secs(60);

/// A journal left by a runner that died with an `exec` fault applied: its revert
/// removes `flag`. The runner pid is one that cannot exist.
fn dead_runs_journal(dir: &Path, flag: &Path) {
    std::fs::create_dir_all(dir).expect("a report folder");
    let lines = [
        r#"{"event":"open","run_id":"old","runner":{"pid":2147483646,"start_time":1},"at":"2026-11-26T00:00:00.000Z"}"#.to_string(),
        format!(
            r#"{{"event":"intent","id":1,"scenario":"s","step":"marker","kind":"exec","target":"host","revert":{{"kind":"exec","argv":["rm","-f","{}"],"timeout_ms":5000}},"deadline_mono_ms":null,"at":"2026-11-26T00:00:00.000Z"}}"#,
            flag.display()
        ),
        r#"{"event":"applied","id":1,"error":null,"at":"2026-11-26T00:00:00.000Z"}"#.to_string(),
    ];
    std::fs::write(dir.join("journal"), lines.join("\n") + "\n").expect("a journal");
    std::fs::write(flag, "").expect("the fault's mark");
}

#[test]
fn recover_reverts_what_a_dead_run_left_and_is_idempotent() {
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let run = tmp.path().join("old-run");
    let flag = tmp.path().join("applied");
    dead_runs_journal(&run, &flag);
    let dir = run.to_str().unwrap_or("");
    let first = chaosc(tmp.path(), &["recover", dir], LIMIT);
    assert_eq!(first.code, 0, "{first:#?}");
    assert!(first.stdout.contains("reverted `marker`"), "{first:#?}");
    assert!(!flag.exists(), "the revert ran");
    let second = chaosc(tmp.path(), &["recover", dir], LIMIT);
    assert_eq!(second.code, 0, "{second:#?}");
    assert!(second.stdout.contains("nothing to revert"), "{second:#?}");

    let missing = chaosc(tmp.path(), &["recover", "no-such-dir"], LIMIT);
    assert_eq!(missing.code, 4, "{missing:#?}");
}

/// A scenario that needs nothing of the host.
fn empty_scenario(dir: &Path) -> String {
    let file = dir.join("empty.chaos");
    std::fs::write(
        &file,
        "scenario \"nothing\" {\n  slo { requests >= 0 }\n}\n",
    )
    .expect("a scenario");
    file.display().to_string()
}

#[test]
fn the_next_run_reverts_unfinished_journals_next_to_its_own_after_confirmation() {
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let flag = tmp.path().join("applied");
    dead_runs_journal(&tmp.path().join("chaos-reports/old-run"), &flag);
    let file = empty_scenario(tmp.path());

    // A dry run lists it and reverts nothing.
    let dry = chaosc(tmp.path(), &["run", "--dry-run", &file], LIMIT);
    assert_eq!(dry.code, 0, "{dry:#?}");
    assert!(dry.stdout.contains("a dry run reverts nothing"), "{dry:#?}");
    assert!(
        dry.stdout.contains("its revert runs [\"rm\", \"-f\""),
        "{dry:#?}"
    );
    assert!(flag.exists(), "a dry run reverts nothing");

    // A revert command of an earlier run is not run without confirmation.
    let refused = chaosc(tmp.path(), &["run", &file], LIMIT);
    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(
        refused
            .stderr
            .contains("refusing to run the revert commands of an earlier run"),
        "{refused:#?}"
    );
    assert!(refused.stderr.contains("`marker` (exec)"), "{refused:#?}");
    assert!(flag.exists(), "nothing ran");

    // The scenario itself is inconclusive (it observes nothing): exit 1, but it ran.
    let ran = chaosc(tmp.path(), &["run", "--yes", &file], LIMIT);
    assert_eq!(ran.code, 1, "{ran:#?}");
    assert!(
        ran.stderr
            .contains("reverted 1 fault(s) left by an unfinished run"),
        "{ran:#?}"
    );
    assert!(!flag.exists(), "the revert ran");
}

/// What a local attacker can plant next to a report folder: a journal in a folder that
/// others can write, a journal that others can write, a journal of another user. None
/// of them is reverted, by a run or by `chaosc recover`.
#[test]
fn journals_this_user_cannot_trust_are_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = empty_scenario(tmp.path());
    let reports = tmp.path().join("chaos-reports");
    let mut planted = vec![];
    let open_folder = reports.join("open-folder");
    dead_runs_journal(&open_folder, &tmp.path().join("flag-1"));
    std::fs::set_permissions(&open_folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    planted.push((open_folder, "the folder is writable by others (mode 0777)"));
    let open_journal = reports.join("open-journal");
    dead_runs_journal(&open_journal, &tmp.path().join("flag-2"));
    std::fs::set_permissions(
        open_journal.join("journal"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    planted.push((
        open_journal,
        "its journal is writable by others (mode 0666)",
    ));
    let euid = nix::unistd::geteuid();
    if euid.is_root() {
        let theirs = reports.join("theirs");
        dead_runs_journal(&theirs, &tmp.path().join("flag-3"));
        let nobody = Some(nix::unistd::Uid::from_raw(65534));
        nix::unistd::chown(&theirs, nobody, None).unwrap();
        nix::unistd::chown(&theirs.join("journal"), nobody, None).unwrap();
        planted.push((theirs, "the folder belongs to uid 65534"));
    } else {
        support::skipped("another user's journal needs root to plant (the mode cases ran)");
    }

    // The scenario itself is inconclusive (it observes nothing): exit 1, but it ran.
    let ran = chaosc(tmp.path(), &["run", "--yes", &file], LIMIT);
    assert_eq!(ran.code, 1, "{ran:#?}");
    for (i, (dir, why)) in planted.iter().enumerate() {
        assert!(
            ran.stderr.contains(&format!(
                "left `{}` alone",
                dir.strip_prefix(tmp.path()).unwrap().display()
            )),
            "{ran:#?}"
        );
        assert!(ran.stderr.contains(why), "{why}: {ran:#?}");
        assert!(
            tmp.path().join(format!("flag-{}", i + 1)).exists(),
            "not reverted"
        );
        let recover = chaosc(tmp.path(), &["recover", dir.to_str().unwrap()], LIMIT);
        assert_eq!(recover.code, 4, "{recover:#?}");
        assert!(
            recover.stderr.contains("cannot trust the journal"),
            "{recover:#?}"
        );
        assert!(
            tmp.path().join(format!("flag-{}", i + 1)).exists(),
            "not reverted"
        );
    }
    assert!(!ran.stderr.contains("reverted"), "{ran:#?}");

    // The run's own journal is its owner's alone, in a folder others cannot write.
    let own = std::fs::read_dir(&reports)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("results.json").exists())
        .expect("the run's report folder");
    let folder_mode = std::fs::metadata(&own).unwrap().permissions().mode() & 0o777;
    assert_eq!(folder_mode & 0o022, 0, "{folder_mode:o}");
    let journal_mode = std::fs::metadata(own.join("journal"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(journal_mode, 0o600, "{journal_mode:o}");
}

#[test]
fn a_report_dir_that_is_a_file_is_refused_as_such() {
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = empty_scenario(tmp.path());
    let not_a_folder = tmp.path().join("results.txt");
    std::fs::write(&not_a_folder, "x").unwrap();
    let ran = chaosc(
        tmp.path(),
        &["run", &file, "--report-dir", not_a_folder.to_str().unwrap()],
        LIMIT,
    );
    assert_eq!(ran.code, 2, "{ran:#?}");
    assert!(ran.stderr.contains("is not a folder"), "{ran:#?}");
}

#[test]
fn dry_run_resolves_on_the_host_and_injects_nothing() {
    let _shared = super::support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let flag = tmp.path().join("applied");
    let file = tmp.path().join("dry.chaos");
    std::fs::write(
        &file,
        format!(
            "target gone = process(pid: 4194301)\nscenario \"dry\" {{\n  timeline {{\n    at 0s exec(run: [\"touch\", \"{}\"])\n    at 1s process_pause(gone) for 1s\n  }}\n}}\n",
            flag.display()
        ),
    )
    .expect("a scenario");
    let ran = chaosc(
        tmp.path(),
        &["run", "--dry-run", file.to_str().unwrap_or("")],
        LIMIT,
    );
    assert_eq!(ran.code, 4, "{ran:#?}");
    assert!(ran.stdout.contains("Preflight on this host"), "{ran:#?}");
    assert!(ran.stdout.contains("ok     dry / exec#1: host"), "{ran:#?}");
    assert!(
        ran.stdout.contains("error  dry / process_pause#1"),
        "{ran:#?}"
    );
    assert!(ran.stdout.contains("Needs confirmation"), "{ran:#?}");
    assert!(!flag.exists(), "nothing was injected");
    assert!(!tmp.path().join("chaos-reports").exists(), "no report");
}

#[test]
fn a_written_plan_runs_as_compiled() {
    let _shared = super::support::shared();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = tmp.path().join("p.chaos");
    std::fs::write(
        &file,
        "param port: int = 1\nprobe web = http(\"http://127.0.0.1:${port}/\", every: 100ms)\nscenario \"planned\" {\n  baseline 300ms\n  slo { availability(web) >= 99% during baseline }\n}\n",
    )
    .expect("a scenario");
    let plan = tmp.path().join("plan.json");
    let port = format!("port={}", server.port);
    let made = chaosc(
        tmp.path(),
        &[
            "plan",
            file.to_str().unwrap_or(""),
            "--set",
            &port,
            "-o",
            plan.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(made.code, 0, "{made:#?}");
    let reports = tmp.path().join("r");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            "--plan",
            plan.to_str().unwrap_or(""),
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert_eq!(results(&reports)["scenarios"][0]["verdict"], "passed");

    let refused = chaosc(
        tmp.path(),
        &[
            "run",
            "--plan",
            plan.to_str().unwrap_or(""),
            "--scenario",
            "planned",
        ],
        LIMIT,
    );
    assert_eq!(refused.code, 2, "{refused:#?}");
}

#[test]
fn max_duration_ends_a_scenario_that_does_not_recover_in_time() {
    let _one = support::exclusive();
    let server = FlagServer::start();
    std::fs::write(server.dir.path().join("linger_ms"), "20000").expect("linger");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = tmp.path().join("long.chaos");
    std::fs::write(
        &file,
        format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "slow to recover" {{
  timeline {{
    at 0s exec(run: ["touch", "{fail}"], revert: ["rm", "-f", "{fail}"]) for 500ms as outage
  }}
  recover within 30s
  slo {{ recovery_time(web) <= 30s }}
  safety {{ max_duration 3s }}
}}
"#,
            port = server.port,
            fail = server.flag("fail"),
        ),
    )
    .expect("a scenario");
    let reports = tmp.path().join("r");
    let ran = support::run_confirmed(tmp.path(), &file, &reports, LIMIT);
    assert_eq!(ran.code, 3, "{ran:#?}");
    let s = &results(&reports)["scenarios"][0];
    assert_eq!(s["verdict"], "aborted", "{s:#}");
    let at = s["abort"]["at_ms"].as_f64().unwrap_or(0.0);
    assert!((3000.0..3100.0).contains(&at), "aborted at {at} ms");
    assert!(s["abort"]["condition"]
        .as_str()
        .unwrap_or("")
        .contains("max_duration"));
}

#[test]
fn the_legacy_yaml_runs_through_the_same_preflight() {
    let _shared = super::support::shared();
    // The real legacy configuration, as kept in the repository.
    let yaml =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/legacy/real/chaos_scenarios.v1.yml");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            "--legacy",
            yaml.to_str().unwrap_or(""),
            "--dry-run",
            "--scenario",
            "Light CPU Stress",
        ],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(
        ran.stdout
            .contains("ok     Light CPU Stress / cpu_stress#1: host"),
        "{ran:#?}"
    );
}

/// A dry run says "answered once" only for a probe that answered, and says when one
/// did not: "ready" must not mean "nothing listens there".
#[test]
fn dry_run_tries_each_probe_once_and_says_what_it_found() {
    let _shared = super::support::shared();
    let server = FlagServer::start();
    let nothing = support::free_port();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = tmp.path().join("probes.chaos");
    std::fs::write(
        &file,
        format!(
            "probe up = http(\"http://127.0.0.1:{}/\", every: 100ms)\nprobe down = http(\"http://127.0.0.1:{nothing}/\", every: 100ms, timeout: 300ms)\nprobe cmd = exec([\"true\"], every: 1s)\nscenario \"dry\" {{\n  baseline 1s\n  slo {{ availability(up) >= 99%\n    availability(down) >= 99%\n    availability(cmd) >= 99% }}\n}}\n",
            server.port
        ),
    )
    .expect("a scenario");
    let dry = chaosc(
        tmp.path(),
        &["run", "--dry-run", file.to_str().unwrap_or("")],
        LIMIT,
    );
    let line = |name: &str| {
        dry.stdout
            .lines()
            .find(|l| l.contains(&format!("probe {name}:")))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        line("up").contains("ok     probe up: answered once ("),
        "{dry:#?}"
    );
    assert!(
        line("down").contains("buildable, but tried once it failed (connect"),
        "{dry:#?}"
    );
    assert!(!line("down").contains("ready"), "{dry:#?}");
    assert!(
        line("cmd").contains("not tried (a dry run runs no command)"),
        "{dry:#?}"
    );
}
