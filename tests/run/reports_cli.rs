//! `chaosc report DIR --format FORMAT` over the report folder of a real run gives back
//! exactly the files `run` wrote; `run` appends the GitHub job summary to
//! `$GITHUB_STEP_SUMMARY`; `--report-only` turns the exit status of failed SLOs into 0
//! and leaves every other status alone.

use std::path::Path;
use std::time::Duration;

use super::support::{self, chaosc, chaosc_with_env, results, FlagServer, Ran};

const LIMIT: Duration = Duration::from_secs(60);

/// A short run against a real web server (python3) that fails one blocking assertion
/// (`requests(home) >= 1000000`: a few samples are taken, never a million), passes
/// another, and fails a `warn` one.
fn failing_program(dir: &Path) -> String {
    let port = support::free_port();
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

fn run_args<'a>(file: &'a str, reports: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", file, "--yes", "--report-dir", reports];
    args.extend_from_slice(extra);
    args
}

fn report(dir: &Path, reports: &str, format: &str, envs: &[(&str, &str)]) -> Ran {
    let ran = chaosc_with_env(dir, &["report", reports, "--format", format], envs, LIMIT);
    assert_eq!(ran.code, 0, "{ran:#?}");
    ran
}

const GITHUB: [(&str, &str); 3] = [
    ("GITHUB_SERVER_URL", "https://github.example"),
    ("GITHUB_REPOSITORY", "team/service"),
    ("GITHUB_RUN_ID", "4242"),
];

#[test]
fn report_renders_a_real_run_again_byte_for_byte_and_run_appends_the_job_summary() {
    if !support::python3("the run's web server is `python3 -m http.server`") {
        return;
    }
    let _shared = support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = failing_program(tmp.path());
    // A summary file that earlier steps wrote to: the run appends.
    let summary = tmp.path().join("step_summary.md");
    std::fs::write(&summary, "earlier step\n").expect("summary written");
    let summary_path = summary.display().to_string();
    let mut envs = GITHUB.to_vec();
    envs.push(("GITHUB_STEP_SUMMARY", &summary_path));
    // Relative, as a workflow names it: the summary links to its files so.
    let ran = chaosc_with_env(tmp.path(), &run_args(&file, "out", &[]), &envs, LIMIT);
    assert_eq!(ran.code, 1, "{ran:#?}");
    let reports = tmp.path().join("out");
    assert_eq!(results(&reports)["verdict"], "failed");

    for (format, file) in [
        ("md", "report.md"),
        ("html", "report.html"),
        ("junit", "junit.xml"),
        ("prom", "metrics.prom"),
    ] {
        let written = std::fs::read_to_string(reports.join(file)).expect("the report exists");
        let again = report(tmp.path(), "out", format, &[]);
        assert!(
            again.stdout == written,
            "`chaosc report out --format {format}` differs from {file}"
        );
    }
    // `-o FILE` writes the same text.
    let copy = tmp.path().join("copy.md");
    let ran = chaosc(
        tmp.path(),
        &["report", "out", "-o", copy.to_str().unwrap_or("")],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert_eq!(
        std::fs::read(&copy).expect("written"),
        std::fs::read(reports.join("report.md")).expect("report.md")
    );

    // The job summary the run appended is the `github` rendering, after what was there.
    let appended = std::fs::read_to_string(&summary).expect("the summary file");
    let github = report(tmp.path(), "out", "github", &GITHUB).stdout;
    assert_eq!(appended, format!("earlier step\n{github}"));
    for expected in [
        "### ❌ chaosc run: failed (exit code 1)",
        "| short and failing | ❌ failed |",
        "`requests(home) >= 1000000` | ",
        "\\>= 1000000",
        "⚠️ failed (warn)",
        "[report.html](out/report.html)",
        "[results.json](out/results.json)",
        "(https://github.example/team/service/actions/runs/4242#artifacts)",
    ] {
        assert!(github.contains(expected), "{expected:?} in\n{github}");
    }
    // The comment: the marker first, the blocking failure, not the `warn` one.
    let comment = report(tmp.path(), "out", "comment", &GITHUB).stdout;
    assert!(comment.starts_with("<!-- chaosc-report -->\n"), "{comment}");
    assert!(comment.contains("`requests(home) >= 1000000`"), "{comment}");
    assert!(!comment.contains("failed (warn)"), "{comment}");
    assert!(comment.contains("actions/runs/4242#artifacts"), "{comment}");
}

#[test]
fn report_only_exits_0_for_failed_slos_and_every_report_still_says_failed() {
    if !support::python3("the run's web server is `python3 -m http.server`") {
        return;
    }
    let _shared = support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let file = failing_program(tmp.path());
    // A summary file that cannot be written is an error line, not another status.
    let unwritable = tmp.path().join("missing/summary.md");
    let ran = chaosc_with_env(
        tmp.path(),
        &run_args(&file, "out", &["--report-only"]),
        &[("GITHUB_STEP_SUMMARY", unwritable.to_str().unwrap_or(""))],
        LIMIT,
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(
        ran.stderr
            .contains("error: cannot append the job summary to `"),
        "{ran:#?}"
    );
    assert!(ran.stdout.contains("verdict: failed (exit 0)"), "{ran:#?}");
    let reports = tmp.path().join("out");
    let r = results(&reports);
    assert_eq!(r["verdict"], "failed");
    assert_eq!(r["scenarios"][0]["verdict"], "failed");
    assert_eq!(r["exit_code"], 0);
    let read = |name: &str| std::fs::read_to_string(reports.join(name)).expect("a report");
    assert!(read("report.md").contains("# chaosc run: ❌ failed (exit code 0)"));
    assert!(read("junit.xml").contains("<failure"));
    assert!(read("metrics.prom").contains("verdict=\"failed\""));
    assert!(read("report.html").contains("failed"));
}

#[test]
fn report_only_keeps_the_exit_status_of_an_abort_and_of_an_error() {
    let _shared = support::shared();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let aborting = tmp.path().join("abort.chaos");
    std::fs::write(
        &aborting,
        format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "abort" {{
  baseline 1s
  timeline {{
    at 0s exec(run: ["touch", "{fail}"], revert: ["rm", "-f", "{fail}"]) for 20s as outage
  }}
  slo {{ availability(web) >= 10% }}
  abort when error_rate(web) > 50% over 1s
}}
"#,
            port = server.port,
            fail = server.flag("fail"),
        ),
    )
    .expect("written");
    let ran = chaosc(
        tmp.path(),
        &run_args(
            aborting.to_str().unwrap_or(""),
            "aborted",
            &["--report-only"],
        ),
        LIMIT,
    );
    assert_eq!(ran.code, 3, "{ran:#?}");
    assert_eq!(results(&tmp.path().join("aborted"))["exit_code"], 3);

    // A step whose command fails while the scenario runs: the verdict `error` (4).
    let broken = tmp.path().join("broken.chaos");
    std::fs::write(
        &broken,
        format!(
            r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

scenario "broken" {{
  baseline 1s
  timeline {{
    at 0s exec(run: ["false"]) as fails
  }}
  recover within 2s
  slo {{ availability(web) >= 10% }}
}}
"#,
            port = server.port,
        ),
    )
    .expect("written");
    let ran = chaosc(
        tmp.path(),
        &run_args(broken.to_str().unwrap_or(""), "broken", &["--report-only"]),
        LIMIT,
    );
    assert_eq!(ran.code, 4, "{ran:#?}");
    let r = results(&tmp.path().join("broken"));
    assert_eq!(
        (&r["verdict"], &r["exit_code"]),
        (&"error".into(), &4.into())
    );
}

#[test]
fn report_refuses_a_folder_without_results_of_this_version() {
    let _shared = support::shared();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    std::fs::create_dir(dir.join("empty")).expect("a folder");
    std::fs::create_dir(dir.join("cut")).expect("a folder");
    std::fs::write(dir.join("cut/results.json"), "{\"results_version\": 1, ").expect("w");
    std::fs::create_dir(dir.join("newer")).expect("a folder");
    std::fs::write(
        dir.join("newer/results.json"),
        r#"{"results_version": 9, "chaosc_version": "9.0.0"}"#,
    )
    .expect("written");
    std::fs::create_dir(dir.join("other")).expect("a folder");
    std::fs::write(dir.join("other/results.json"), r#"{"plan_version": 1}"#).expect("w");
    for (folder, message) in [
        (
            "empty",
            "error: cannot read `empty/results.json`: no such file or directory\n",
        ),
        ("cut", "error: `cut/results.json` is not JSON: "),
        (
            "newer",
            "error: `newer/results.json` holds results version 9 (written by chaosc 9.0.0); this chaosc reads version 1\n",
        ),
        (
            "other",
            "error: `other/results.json` is not the results of a chaosc run: it has no `results_version`\n",
        ),
    ] {
        let ran = chaosc(dir, &["report", folder, "--format", "github"], LIMIT);
        assert_eq!(ran.code, 2, "{ran:#?}");
        assert!(ran.stderr.starts_with(message), "{ran:#?}");
        assert!(ran.stderr.contains("\nhelp: "), "{ran:#?}");
        assert_eq!(ran.stdout, "", "{ran:#?}");
    }
}
