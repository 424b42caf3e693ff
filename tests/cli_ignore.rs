//! Which files `chaosc check` and `chaosc fmt` find below a folder: `.gitignore` and
//! `.chaosignore` are respected, a file named on the command line never ignored, and
//! this repository passes `chaosc fmt --check` as the README shows it.

use std::fs;
use std::path::Path;

#[path = "support/bin.rs"]
mod bin;

use bin::{run, Out};

/// Canonical and clean, so every file found is listed by `check -v` and none by
/// `fmt --check`.
const CANONICAL: &str = "probe home = http(\"http://127.0.0.1:8080/\")\n\nscenario \"x\" {\n  baseline 5s\n  slo {\n    availability >= 99%\n  }\n}\n";
/// Valid, but not canonical: `fmt --check` lists it.
const NOT_CANONICAL: &str = "probe home = http(\"http://127.0.0.1:8080/\")\nscenario \"x\" {baseline 5s slo { availability >= 99% }}";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().expect("a parent")).expect("the folder is made");
    fs::write(&path, text).expect("the file is written");
}

/// The files `fmt --check ARGS` lists in `dir` (every file written here is not
/// canonical, so the listing is exactly what was found).
fn listed(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut argv = vec!["fmt", "--check"];
    argv.extend_from_slice(args);
    let out = run(dir, &argv);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    let mut files: Vec<String> = out.stdout.lines().map(str::to_string).collect();
    files.sort();
    files
}

/// A tree that is not a git repository, with ignore files at several levels.
fn tree() -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("a temporary directory");
    let root = temp.path();
    for name in [
        "keep.chaos",
        "generated.chaos",
        "fixtures/wrong.chaos",
        "fixtures/also-wrong.chaos",
        "fixtures/kept.chaos",
        "nested/deep/local.chaos",
        "nested/deep/fine.chaos",
        "nested/other.chaos",
    ] {
        write(root, name, NOT_CANONICAL);
    }
    write(root, ".gitignore", "generated.chaos\n");
    // `.chaosignore`, gitignore syntax: a folder, with one file taken back.
    write(root, ".chaosignore", "fixtures/*\n!fixtures/kept.chaos\n");
    // Nested ignore files apply below their folder only.
    write(root, "nested/deep/.chaosignore", "local.chaos\n");
    temp
}

#[test]
fn gitignore_and_chaosignore_apply_to_folder_walks() {
    let temp = tree();
    assert_eq!(
        listed(temp.path(), &[]),
        [
            "fixtures/kept.chaos",
            "keep.chaos",
            "nested/deep/fine.chaos",
            "nested/other.chaos",
        ]
    );
    // The same files through an explicit folder, named with its path.
    assert_eq!(
        listed(temp.path(), &["nested"]),
        ["nested/deep/fine.chaos", "nested/other.chaos"]
    );
}

#[test]
fn ignore_files_above_the_walked_folder_apply() {
    let temp = tree();
    // Walking `fixtures` alone still reads the `.chaosignore` of its parent.
    assert_eq!(listed(temp.path(), &["fixtures"]), ["fixtures/kept.chaos"]);
}

#[test]
fn a_file_named_explicitly_is_never_ignored() {
    let temp = tree();
    assert_eq!(
        listed(
            temp.path(),
            &[
                "generated.chaos",
                "fixtures/wrong.chaos",
                "nested/deep/local.chaos"
            ]
        ),
        [
            "fixtures/wrong.chaos",
            "generated.chaos",
            "nested/deep/local.chaos"
        ]
    );
}

#[test]
fn check_walks_the_same_files_as_fmt() {
    let temp = tree();
    let out = run(temp.path(), &["-v", "check", "."]);
    assert_eq!(out.code, 0, "{out:?}");
    for ignored in ["generated.chaos", "wrong.chaos", "local.chaos"] {
        assert!(
            !out.stderr.contains(ignored),
            "{ignored} was checked: {out:?}"
        );
    }
    for found in ["keep.chaos", "kept.chaos", "fine.chaos", "other.chaos"] {
        assert!(
            out.stderr.contains(found),
            "{found} was not checked: {out:?}"
        );
    }
}

#[test]
fn without_ignore_files_everything_is_found() {
    let temp = tree();
    for name in [".gitignore", ".chaosignore", "nested/deep/.chaosignore"] {
        fs::remove_file(temp.path().join(name)).expect("removed");
    }
    assert_eq!(listed(temp.path(), &[]).len(), 8);
}

#[test]
fn a_bad_ignore_pattern_is_reported_with_its_file() {
    let temp = tempfile::tempdir().expect("a temporary directory");
    write(temp.path(), "a.chaos", CANONICAL);
    // An unclosed character class is not a valid glob.
    write(temp.path(), ".chaosignore", "[z-a\n");
    let out = run(temp.path(), &["fmt", "--check"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains(".chaosignore"), "{out:?}");
}

/// `chaosc fmt --check`, as the README shows it, passes in this repository: the
/// fixtures that are unformatted on purpose are in `tests/.chaosignore`.
#[test]
fn this_repository_passes_fmt_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for args in [&["fmt", "--check"][..], &["fmt", "--check", "."][..]] {
        let out: Out = run(root, args);
        assert_eq!(out.code, 0, "chaosc {args:?} in the repository: {out:?}");
        assert_eq!(out.stdout, "", "{out:?}");
    }
    // And it did look: the walk finds the repository's own programs.
    let out = run(root, &["-v", "fmt", "--check"]);
    assert!(out.stderr.contains("scenarios/quickstart.chaos"), "{out:?}");
}
