//! `chaosc import`, with the real binary in temporary directories: files written,
//! overwrites refused, `-o -`, output formats and exit codes.

use std::fs;
use std::path::{Path, PathBuf};

#[path = "support/bin.rs"]
mod bin;

use bin::run;

fn real(version: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/legacy/real/chaos_scenarios.{version}.yml"))
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// What `chaosc::plan::legacy::import` makes of the real file.
fn expected_program(version: &str) -> String {
    let text = fs::read_to_string(real(version)).unwrap();
    let mut sources = chaosc::diag::Sources::default();
    let id = sources.add("x.yml", text.clone());
    match chaosc::plan::legacy::import(&text, id) {
        Ok(imported) => imported.chaos,
        Err(_) => panic!("the real file imports"),
    }
}

#[test]
fn writes_stem_dot_chaos_in_the_current_directory() {
    let dir = temp();
    let input = real("v2");
    let out = run(dir.path(), &["import", input.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    let written = dir.path().join("chaos_scenarios.v2.chaos");
    let text = fs::read_to_string(&written).expect("the file is written");
    assert_eq!(text, expected_program("v2"));
    assert!(out.stderr.contains("imported `"), "{out:?}");
    assert!(out.stderr.contains("chaos_scenarios.v2.chaos`"), "{out:?}");
    // The warnings are printed like `check` prints diagnostics, on stdout.
    assert!(out.stdout.contains("W1202"), "{out:?}");
    assert!(out.stdout.contains("4 warnings in 1 file"), "{out:?}");
    // And the program checks clean.
    let check = run(
        dir.path(),
        &["check", "--deny-warnings", "chaos_scenarios.v2.chaos"],
    );
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn writes_into_the_output_directory_and_refuses_to_overwrite() {
    let dir = temp();
    let input = real("v1");
    let input = input.to_str().unwrap();
    let out = run(dir.path(), &["import", input, "-o", "out/nested"]);
    assert_eq!(out.code, 0, "{out:?}");
    let written = dir.path().join("out/nested/chaos_scenarios.v1.chaos");
    assert_eq!(
        fs::read_to_string(&written).unwrap(),
        expected_program("v1")
    );

    fs::write(&written, "// mine\n").unwrap();
    let again = run(dir.path(), &["import", input, "-o", "out/nested"]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("already exists"), "{again:?}");
    assert!(again.stderr.contains("--force"), "{again:?}");
    assert_eq!(fs::read_to_string(&written).unwrap(), "// mine\n");

    let forced = run(
        dir.path(),
        &["import", input, "-o", "out/nested", "--force"],
    );
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(
        fs::read_to_string(&written).unwrap(),
        expected_program("v1")
    );
}

#[test]
fn dash_prints_the_program_on_stdout_and_diagnostics_on_stderr() {
    let dir = temp();
    let input = real("v2");
    let out = run(dir.path(), &["import", input.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, expected_program("v2"));
    assert!(out.stderr.contains("W1202"), "{out:?}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn short_and_json_formats() {
    let dir = temp();
    let input = real("v1");
    let input = input.to_str().unwrap();
    let short = run(
        dir.path(),
        &["import", input, "-o", "-", "--format", "short"],
    );
    assert_eq!(short.code, 0, "{short:?}");
    let lines: Vec<&str> = short.stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{short:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("chaos_scenarios.v1.yml:") && l.contains(": warning[W1202]: ")),
        "{short:?}"
    );
    let json = run(
        dir.path(),
        &["import", input, "-o", "-", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&json.stderr).expect("a JSON document");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["warnings"], 4);
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["diagnostics"][0]["code"], "W1202");
    assert!(doc["diagnostics"][0]["line"].as_u64().unwrap() > 1);
}

#[test]
fn broken_yaml_exits_1_with_the_place() {
    let dir = temp();
    fs::write(
        dir.path().join("broken.yml"),
        "scenarios:\n  - name: [oops\n",
    )
    .unwrap();
    let out = run(dir.path(), &["import", "broken.yml", "--format", "short"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.starts_with("broken.yml:"), "{out:?}");
    assert!(
        out.stdout.contains("error[E1201]: not valid YAML"),
        "{out:?}"
    );
    assert!(!dir.path().join("broken.chaos").exists());

    fs::write(dir.path().join("typed.yml"), "scenarios: {}\n").unwrap();
    let out = run(dir.path(), &["import", "typed.yml"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("E1202"), "{out:?}");
    assert!(out.stdout.contains("error"), "{out:?}");
    assert!(!dir.path().join("typed.chaos").exists());
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = temp();
    let missing = run(dir.path(), &["import", "nope.yml"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing
            .stderr
            .contains("cannot read `nope.yml`: no such file or directory"),
        "{missing:?}"
    );
    let no_arg = run(dir.path(), &["import"]);
    assert_eq!(no_arg.code, 2, "{no_arg:?}");
    // The output directory is a file: it cannot be written into.
    fs::write(dir.path().join("file"), "").unwrap();
    let input = real("v1");
    let blocked = run(
        dir.path(),
        &["import", input.to_str().unwrap(), "-o", "file"],
    );
    assert_eq!(blocked.code, 2, "{blocked:?}");
    assert!(blocked.stderr.contains("cannot write"), "{blocked:?}");
}

#[test]
fn help_has_examples() {
    let out = run(Path::new("."), &["import", "--help"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Examples:"), "{out:?}");
    assert!(out.stdout.contains("-o -"), "{out:?}");
    assert!(out.stdout.contains("--force"), "{out:?}");
}
