//! UI tests: every `tests/ui/*.chaos` file is checked, and its diagnostics are
//! compared with the expectations written in it.
//!
//! An expectation is a comment on a line of its own:
//!
//! ```text
//! // error[E0201]: unknown target
//! // warning[W0001]
//! ```
//!
//! It applies to the next line that is not itself an expectation comment, and is met
//! by a diagnostic of that severity and code whose primary span starts on that line
//! (and whose message contains the text after `: `, when there is one). An error
//! at the end of the file (an unclosed block) is expected on the last line of the
//! file, after which only the end of the file follows. Every
//! diagnostic must be expected and every expectation met. Then the rendered
//! diagnostics are snapshotted with insta under `tests/ui/snapshots/`.
//!
//! A fixture without expectations must check clean (it shows what is *not* diagnosed).
//!
//! `UI_FILTER=substring` runs only the fixtures whose file name contains it; several
//! substrings may be given, separated by commas (`UI_FILTER=E0101,E0102`).
//! Files under `tests/ui/support/` are imported by fixtures and are not fixtures.

#[path = "support/expectations.rs"]
mod expectations;

use chaosc::check::{check, Loader};
use chaosc::export::chaos_mesh;
use expectations::{compare, expectations, parse_expectation, report, Actual, Expectation};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Reads imports from the file system, relative paths against the package root,
/// so that fixtures are named `tests/ui/NAME.chaos` in messages and snapshots.
struct FsLoader {
    root: PathBuf,
}

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(self.root.join(path))
    }
}

/// The `// plan: FLAGS` line of a fixture: its number and the options it gives.
fn plan_header(text: &str) -> Option<(usize, chaosc::plan::lower::Options)> {
    let (line, options) = chaosc::plan::lower::Options::from_header(text)?;
    Some((line, options.expect("a well-formed `// plan:` line")))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<PathBuf> {
    expectations::fixtures("tests/ui", "chaos", "UI_FILTER")
}

#[test]
fn expectations_parse() {
    assert_eq!(
        parse_expectation("//", "  // error[E0201]: unknown target"),
        Some((
            "error".into(),
            "E0201".into(),
            Some("unknown target".into())
        ))
    );
    assert_eq!(
        parse_expectation("//", "// warning[W0001]"),
        Some(("warning".into(), "W0001".into(), None))
    );
    assert_eq!(parse_expectation("//", "// error[E0201] trailing"), None);
    assert_eq!(parse_expectation("//", "// an ordinary comment"), None);
    assert_eq!(
        parse_expectation("//", "target t = host() // error[E0201]"),
        None
    );
    let text = "// error[E0101]\n// warning[W0001]: x\nline three\nline four\n";
    let e = expectations("//", text).unwrap();
    assert_eq!(e.len(), 2);
    assert!(e.iter().all(|e| e.line == 3));
    assert!(expectations("//", "ok\n// error[E0101]").is_err());
    let at_end = expectations("//", "ok\n// error[E0101]\n").unwrap();
    assert_eq!(
        at_end[0].line, 3,
        "the end of the file is the line after the last newline"
    );
}

#[test]
fn compare_is_a_multiset_match() {
    let e = |code: &str, line, message: Option<&str>| Expectation {
        severity: "error".into(),
        code: code.into(),
        line,
        message: message.map(String::from),
    };
    let a = |code: &str, line, message: &str| Actual {
        severity: "error".into(),
        code: code.into(),
        line,
        message: message.into(),
    };
    let (missing, unexpected) = compare(
        &[e("E0201", 3, None), e("E0201", 3, Some("`b`"))],
        &[
            a("E0201", 3, "unknown name `a`"),
            a("E0201", 3, "unknown name `b`"),
        ],
    );
    assert!(missing.is_empty() && unexpected.is_empty());
    let (missing, unexpected) = compare(
        &[e("E0201", 3, None), e("E0201", 3, None)],
        &[a("E0201", 3, "x"), a("E0202", 4, "y")],
    );
    assert_eq!(missing.len(), 1);
    assert_eq!(unexpected.len(), 1);
    let (missing, _) = compare(&[e("E0201", 3, Some("`c`"))], &[a("E0201", 3, "`b`")]);
    assert_eq!(missing.len(), 1);
}

#[test]
fn ui() {
    let root = root();
    let loader = FsLoader { root: root.clone() };
    let fixtures = fixtures();
    assert!(
        !fixtures.is_empty(),
        "no fixture in tests/ui matches UI_FILTER"
    );
    let mut failures = String::new();
    let mut snapshot_failures = Vec::new();
    for path in &fixtures {
        let name = path
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(root.join(path)).expect("fixture is readable");
        let expected = match expectations("//", &text) {
            Ok(e) => e,
            Err(e) => {
                let _ = writeln!(failures, "{}: {e}", path.display());
                continue;
            }
        };
        let plan_flags = plan_header(&text);
        let compiled = catch_unwind(AssertUnwindSafe(|| match &plan_flags {
            Some((_, options)) => chaosc::plan::lower::lower(path, &text, &loader, options).checked,
            // `// export: chaos-mesh`: compiled, then exported (E14xx, W14xx).
            None if chaos_mesh::wants_export(&text) => {
                chaos_mesh::compile(path, &text, &loader, &Default::default()).0
            }
            None => check(path, &text, &loader),
        }));
        let Ok(checked) = compiled else {
            let _ = writeln!(failures, "{}: the checker panicked", path.display());
            continue;
        };
        let actual: Vec<Actual> = checked
            .diagnostics
            .iter()
            .map(|d| {
                let source = checked.sources.get(d.source);
                let on_command_line = source.name == "command line";
                let in_fixture = on_command_line || source.name == path.display().to_string();
                let line = match &plan_flags {
                    Some((header, _)) if on_command_line => *header,
                    _ => chaosc::diag::line_col(&source.text, d.span().start).0,
                };
                Actual {
                    severity: d.severity.as_str().to_string(),
                    code: d.code.as_str().to_string(),
                    // A diagnostic in an imported file can never meet an expectation.
                    line: if in_fixture { line } else { 0 },
                    message: if in_fixture {
                        d.message.clone()
                    } else {
                        format!("{} (in {}:{line})", d.message, source.name)
                    },
                }
            })
            .collect();
        let (missing, unexpected) = compare(&expected, &actual);
        if !missing.is_empty() || !unexpected.is_empty() {
            report(&mut failures, path, &missing, &unexpected);
            continue;
        }
        // What a person sees: the human rendering, without colour, at a fixed width.
        let rendered =
            chaosc::cli::render::render_human(&checked.diagnostics, &checked.sources, false, 80);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            insta::with_settings!({
                snapshot_path => root.join("tests/ui/snapshots"),
                prepend_module_to_snapshot => false,
                omit_expression => true,
                input_file => root.join(path),
            }, {
                insta::assert_snapshot!(name.clone(), rendered);
            });
        }));
        if outcome.is_err() {
            snapshot_failures.push(name);
        }
    }
    if !snapshot_failures.is_empty() {
        let _ = writeln!(
            failures,
            "rendered output differs from the snapshot (review with `cargo insta review`): {}",
            snapshot_failures.join(", ")
        );
    }
    assert!(failures.is_empty(), "UI test failures:\n{failures}");
}
