//! `chaosc plan NEW --diff OLD.json`: what changes between two plans made from the
//! example programs — steps, thresholds with their origin, destructive marks, selection —
//! as text (snapshots), as JSON (its shape), and through the binary (exit codes, errors).

use chaosc::check::Loader;
use chaosc::plan::diff::{diff, render, Status};
use chaosc::plan::lower::{lower, Options};
use chaosc::plan::{Level, Plan};
use std::fs;
use std::path::Path;

#[path = "support/bin.rs"]
mod bin;
#[path = "support/fixtures.rs"]
mod fixtures;

/// Imports are only `std/…` in these fixtures (embedded), so nothing is read.
struct NoFiles;
impl Loader for NoFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            path.display().to_string(),
        ))
    }
}

fn example(name: &str) -> String {
    fs::read_to_string(fixtures::examples_dir().join(name)).expect("the example is readable")
}

/// The plan of `text`, compiled as the file `name`; panics on errors.
fn plan(name: &str, text: &str, options: &Options) -> Plan {
    let lowered = lower(Path::new(name), text, &NoFiles, options);
    lowered.plan.unwrap_or_else(|| {
        panic!(
            "{name} has errors: {:?}",
            lowered
                .checked
                .diagnostics
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        )
    })
}

/// `text` with each `(from, to)` replaced once; panics when `from` is not there, so an
/// edited fixture cannot silently stop exercising the change.
fn edited(text: &str, edits: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (from, to) in edits {
        assert!(
            text.contains(from),
            "the fixture no longer contains `{from}`"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => fixtures::root().join("tests/plan/snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The quickstart as a pull request might change it: a step's magnitude and target, a
/// step replaced by a destructive one, a threshold, a percentile, and a new scenario.
fn edited_quickstart() -> String {
    let mut text = edited(
        &example("quickstart.chaos"),
        &[
            (
                "delay: 150ms, jitter: 10ms) for 10s",
                "delay: 300ms, jitter: 10ms) for 5s",
            ),
            (
                "at 0s cpu_stress(workers: 2, load: 80%)",
                "at 2s cpu_stress(workers: 2, load: 90%)",
            ),
            ("availability(home) >= 99%", "availability(home) >= 99.5%"),
            ("warn latency(home, p99)", "warn latency(home, p90)"),
            ("tags [smoke]", "tags [smoke, network]"),
        ],
    );
    text = edited(
        &text,
        &[(
            "for 5s as slow_network\n",
            "for 5s as slow_network\n    then process_kill(web) as crash\n",
        )],
    );
    text.push_str(
        "\nscenario \"Freeze\" {\n  baseline 2s\n  timeline {\n    at 0s process_pause(web) for 2s\n  }\n  slo {\n    availability(home) >= 90%\n  }\n}\n",
    );
    text
}

#[test]
fn a_changed_experiment_lists_its_steps_thresholds_and_destructive_additions() {
    let old = plan(
        "quickstart.chaos",
        &example("quickstart.chaos"),
        &Options::default(),
    );
    let new = plan(
        "quickstart.chaos",
        &edited_quickstart(),
        &Options::default(),
    );
    let d = diff(&old, &new);
    snapshot("diff_quickstart_edited", &render(&d));

    let added: Vec<(&str, &str)> = d
        .destructive_added
        .iter()
        .map(|s| (s.step.as_str(), s.kind.as_str()))
        .collect();
    assert_eq!(added, [("crash", "process_kill")]);

    let scenario = &d.scenarios[0];
    assert_eq!(scenario.status, Status::Changed);
    let step = |name: &str| {
        scenario
            .steps
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no change of step `{name}`: {:?}", scenario.steps))
    };
    let fields =
        |name: &str| -> Vec<&str> { step(name).fields.iter().map(|f| f.field.as_str()).collect() };
    assert_eq!(fields("cpu_hog"), ["fault", "start_ms"]);
    assert_eq!(fields("slow_network"), ["fault", "start_ms", "duration_ms"]);
    assert_eq!(step("crash").status, Status::Added);
    assert!(step("crash").destructive);
    // Magnitudes in the plan's units, as JSON.
    let fault = &step("slow_network").fields[0];
    assert_eq!(fault.old["delay_ms"], 150.0);
    assert_eq!(fault.new["delay_ms"], 300.0);

    let threshold = scenario
        .assertions
        .iter()
        .find(|a| a.key == "availability(home) during chaos, blocking")
        .expect("the availability threshold changed");
    assert_eq!(threshold.status, Status::Changed);
    assert_eq!(
        threshold.new.as_ref().unwrap().text,
        "availability(home) >= 99.5%"
    );
    let statuses: Vec<(&str, Status)> = scenario
        .assertions
        .iter()
        .map(|a| (a.key.as_str(), a.status))
        .collect();
    assert!(statuses.contains(&("latency(home, p90) during chaos, warn", Status::Added)));
    assert!(statuses.contains(&("latency(home, p99) during chaos, warn", Status::Removed)));

    assert_eq!(d.scenarios[1].name, "Freeze");
    assert_eq!(d.scenarios[1].status, Status::Added);
}

#[test]
fn an_environment_changes_thresholds_with_their_origin_and_the_selection() {
    let text = example("suites-and-templates.chaos");
    let old = plan("suites-and-templates.chaos", &text, &Options::default());
    let production = Options {
        environment: Some("production".into()),
        ..Options::default()
    };
    let new = plan("suites-and-templates.chaos", &text, &production);
    let d = diff(&old, &new);
    snapshot("diff_suites_production", &render(&d));

    assert!(d.destructive_added.is_empty());
    assert_eq!(d.plan[0].field, "environment");
    assert_eq!(d.plan[0].new, "production");
    let medium = d
        .scenarios
        .iter()
        .find(|s| s.name == "Medium CPU Stress")
        .expect("the scenario outside the allow-list changed");
    let skipped = medium
        .fields
        .iter()
        .find(|f| f.field == "skipped")
        .expect("it is skipped now");
    assert_eq!(skipped.new_text, "not allowed in environment `production`");
    let light = d
        .scenarios
        .iter()
        .find(|s| s.name == "Light CPU Stress")
        .expect("the environment's slo changes a scenario it allows");
    let availability = light
        .assertions
        .iter()
        .find(|a| a.key == "availability(health) during chaos, blocking")
        .expect("availability now comes from the environment");
    let (was, now) = (
        availability.old.as_ref().unwrap(),
        availability.new.as_ref().unwrap(),
    );
    assert_eq!(
        (was.origin.level, now.origin.level),
        (Level::File, Level::Environment)
    );
    assert_eq!(was.text, "availability(health) >= 92%");
    assert_eq!(now.text, "availability(health) >= 99%");
    assert!(now.origin_text.starts_with("environment production  "));
}

#[test]
fn selecting_a_suite_changes_the_run_order_and_removes_scenarios() {
    let text = example("suites-and-templates.chaos");
    let old = plan("suites-and-templates.chaos", &text, &Options::default());
    let smoke = Options {
        suite: Some("smoke_test".into()),
        ..Options::default()
    };
    let new = plan("suites-and-templates.chaos", &text, &smoke);
    let d = diff(&old, &new);
    let removed: Vec<&str> = d
        .scenarios
        .iter()
        .filter(|s| s.status == Status::Removed)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(removed, ["Medium CPU Stress"]);
    assert!(
        d.plan.iter().any(|f| f.field == "safety cooldown_ms"),
        "the suite's cooldown applies: {:?}",
        d.plan
    );
}

#[test]
fn a_plan_compared_with_itself_has_no_changes() {
    for path in fixtures::chaos_files(&fixtures::examples_dir()) {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let p = plan(
            &name,
            &fs::read_to_string(&path).unwrap(),
            &Options::default(),
        );
        let d = diff(&p, &p);
        assert_eq!(d.changes, 0, "{name}: {d:?}");
        assert_eq!(
            render(&d),
            format!("plan diff: {name} → {name}\nno changes\n")
        );
    }
}

/// A root file read under another name is the same experiment.
#[test]
fn a_renamed_root_file_changes_no_origin() {
    let text = example("quickstart.chaos");
    let old = plan("quickstart.chaos", &text, &Options::default());
    let new = plan("renamed.chaos", &text, &Options::default());
    assert_eq!(diff(&old, &new).changes, 0);
}

// ---------------------------------------------------------------- the binary

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

/// A folder with the quickstart and its plan in `old.json`.
fn quickstart_with_old_plan() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    write(
        temp.path(),
        "quickstart.chaos",
        &example("quickstart.chaos"),
    );
    let out = bin::run(temp.path(), &["plan", "quickstart.chaos", "-o", "old.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    temp
}

#[test]
fn the_binary_prints_the_diff_and_fails_on_destructive_only_when_asked() {
    let temp = quickstart_with_old_plan();
    let dir = temp.path();
    write(dir, "quickstart.chaos", &edited_quickstart());

    let text = bin::run(dir, &["plan", "quickstart.chaos", "--diff", "old.json"]);
    assert_eq!(text.code, 0, "{text:?}");
    assert!(text
        .stdout
        .starts_with("plan diff: quickstart.chaos → quickstart.chaos\n"));
    assert!(
        text.stdout.contains("  + step crash  process_kill"),
        "{text:?}"
    );

    let json = bin::run(
        dir,
        &[
            "plan",
            "quickstart.chaos",
            "--diff",
            "old.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.code, 0, "{json:?}");
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("the diff is JSON");
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "aborts",
            "changes",
            "destructive_added",
            "diff_version",
            "new_source",
            "old_source",
            "plan",
            "scenarios"
        ]
    );
    assert_eq!(value["diff_version"], 1);
    assert_eq!(value["destructive_added"][0]["step"], "crash");
    let scenario = &value["scenarios"][0];
    for key in [
        "name",
        "status",
        "fields",
        "steps",
        "steady_state",
        "assertions",
        "aborts",
    ] {
        assert!(
            scenario.get(key).is_some(),
            "scenario has no `{key}`: {scenario}"
        );
    }
    let step = &scenario["steps"][0];
    for key in ["name", "status", "kind", "destructive", "text", "fields"] {
        assert!(step.get(key).is_some(), "step has no `{key}`: {step}");
    }

    let fail = bin::run(
        dir,
        &[
            "plan",
            "quickstart.chaos",
            "--diff",
            "old.json",
            "--fail-on-destructive",
        ],
    );
    assert_eq!(fail.code, 1, "a destructive step was added: {fail:?}");
    assert_eq!(fail.stdout, text.stdout, "the diff is printed all the same");

    // The same plan: nothing destructive added, so the flag passes.
    let out = bin::run(
        dir,
        &[
            "plan",
            "quickstart.chaos",
            "-o",
            "now.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let same = bin::run(
        dir,
        &[
            "plan",
            "quickstart.chaos",
            "--diff",
            "now.json",
            "--fail-on-destructive",
        ],
    );
    assert_eq!(same.code, 0, "{same:?}");
    assert!(same.stdout.ends_with("no changes\n"), "{same:?}");
}

#[test]
fn an_old_file_that_is_not_a_plan_of_this_version_is_a_usage_error() {
    let temp = quickstart_with_old_plan();
    let dir = temp.path();
    let plan = fs::read_to_string(dir.join("old.json")).unwrap();
    write(
        dir,
        "v2.json",
        &plan.replacen("\"plan_version\": 1", "\"plan_version\": 2", 1),
    );
    write(
        dir,
        "results.json",
        "{\"results_version\": 1, \"scenarios\": []}\n",
    );
    write(dir, "broken.json", "{\"plan_version\": 1,");
    let cases = [
        (
            "v2.json",
            "error: `v2.json` is a version 2 plan; this chaosc reads version 1\n",
        ),
        (
            "results.json",
            "error: `results.json` is not a chaosc plan: it has no `plan_version`\n",
        ),
        (
            "broken.json",
            "error: `broken.json` is not a chaosc plan: EOF while parsing",
        ),
        ("missing.json", "error: cannot read `missing.json`"),
    ];
    for (old, expected) in cases {
        let out = bin::run(dir, &["plan", "quickstart.chaos", "--diff", old]);
        assert_eq!(out.code, 2, "{old}: {out:?}");
        assert!(out.stdout.is_empty(), "{old}: {out:?}");
        assert!(out.stderr.starts_with(expected), "{old}: {out:?}");
    }
    // `run --plan` reads plans the same way, before anything runs.
    let out = bin::run(dir, &["run", "--plan", "v2.json", "--dry-run"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.starts_with(cases[0].1), "{out:?}");
    let out = bin::run(dir, &["plan", "quickstart.chaos", "--fail-on-destructive"]);
    assert_eq!(out.code, 2, "the flag needs --diff: {out:?}");
}
