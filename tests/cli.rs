//! The real `chaosc` binary, run with arguments in temporary directories: exit codes,
//! where output goes, and the exact shape of the machine-readable formats.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

#[path = "support/bin.rs"]
mod bin;
#[path = "support/fixtures.rs"]
mod fixtures;

use bin::{run, run_with, Out};

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, text).unwrap();
    path
}

use fixtures::examples;

/// Parses, but the `bogus` block is not something a file can contain (line 3, col 3).
const SYNTAX_ERROR: &str = "scenario \"x\" {\n  baseline 5s\n  bogus {\n}\n";
/// A tiny file already in canonical form.
/// A complete program that checks clean (a probe, a blocking assertion) and is canonical.
const CANONICAL: &str = "probe home = http(\"http://127.0.0.1:8080/\")\n\nscenario \"x\" {\n  baseline 5s\n  slo {\n    availability >= 99%\n  }\n}\n";
/// Valid, but obviously not canonical: everything on one line.
const NOT_CANONICAL: &str = "probe home = http(\"http://127.0.0.1:8080/\")\nscenario \"x\" {baseline 5s slo { availability >= 99% }}";

// ---------------------------------------------------------------- check

#[test]
fn check_clean_examples_exits_0() {
    let dir = temp();
    for example in examples() {
        let out = run(dir.path(), &["check", example.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}: {out:?}", example.display());
        assert_eq!(out.stdout, "checked 1 file: no problems\n", "{out:?}");
        assert_eq!(out.stderr, "", "{out:?}");
    }
}

#[test]
fn check_quiet_prints_nothing_on_success_and_verbose_says_what_it_does() {
    let dir = temp();
    write(dir.path(), "a.chaos", CANONICAL);
    let out = run(dir.path(), &["-q", "check", "a.chaos"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    let out = run(dir.path(), &["check", "-v", "a.chaos"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("checking `a.chaos`"), "{out:?}");
}

#[test]
fn check_syntax_error_exits_1_with_a_rendered_diagnostic() {
    let dir = temp();
    write(dir.path(), "bad.chaos", SYNTAX_ERROR);
    let out = run(dir.path(), &["check", "bad.chaos"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("E0101"), "{out:?}");
    assert!(out.stdout.contains("bad.chaos:3:3"), "{out:?}");
    assert!(
        out.stdout.contains("  bogus {"),
        "the source line is shown: {out:?}"
    );
    assert!(out.stdout.ends_with("\n1 error in 1 file\n"), "{out:?}");
    assert_eq!(out.stderr, "", "diagnostics go to stdout: {out:?}");
}

#[test]
fn check_missing_path_exits_2_with_an_error_on_stderr() {
    let dir = temp();
    let out = run(dir.path(), &["check", "missing.chaos"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: cannot read `missing.chaos`: no such file or directory\n"
    );
    assert_eq!(out.stdout, "", "no summary claiming success: {out:?}");
}

#[test]
fn check_io_error_wins_over_diagnostics_but_other_files_are_checked() {
    let dir = temp();
    write(dir.path(), "bad.chaos", SYNTAX_ERROR);
    let out = run(
        dir.path(),
        &["check", "--format", "short", "missing.chaos", "bad.chaos"],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout.starts_with("bad.chaos:3:3: error[E0101]: "),
        "{out:?}"
    );
    assert!(out.stderr.contains("`missing.chaos`"), "{out:?}");
}

#[test]
fn check_file_that_is_not_utf8_exits_2() {
    let dir = temp();
    fs::write(dir.path().join("latin1.chaos"), b"const x = \"\xe9\"\n").unwrap();
    let out = run(dir.path(), &["check", "latin1.chaos"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: cannot read `latin1.chaos`: "),
        "{out:?}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = temp();
    for args in [
        &["check", "--bogus"][..],
        &["check", "--format", "xml"],
        &["--color", "pink", "check"],
        &["frobnicate"],
        &[],
        &["explain"],
        &["explain", "E0201", "--list"],
        &["-q", "-v", "check"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: {out:?}");
    }
    let out = run(dir.path(), &["check", "--bogus"]);
    assert!(out.stderr.contains("--bogus"), "{out:?}");
    assert_eq!(out.stdout, "");
}

#[test]
fn check_short_format_is_one_exact_line_per_diagnostic() {
    let dir = temp();
    write(dir.path(), "bad.chaos", SYNTAX_ERROR);
    write(dir.path(), "good.chaos", CANONICAL);
    let out = run(
        dir.path(),
        &["check", "--format", "short", "good.chaos", "bad.chaos"],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the diagnostic, no summary: {out:?}");
    let prefix = "bad.chaos:3:3: error[E0101]: ";
    let rest = lines[0]
        .strip_prefix(prefix)
        .expect("path:line:col: severity[CODE]: ");
    // The message and the help are exactly the ones the JSON format carries.
    let json = run(dir.path(), &["check", "--format", "json", "bad.chaos"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let message = match doc["diagnostics"][0]["help"].as_str() {
        Some(help) => rest
            .strip_suffix(&format!(" (help: {help})"))
            .expect("the help closes the line"),
        None => rest,
    };
    assert_eq!(doc["diagnostics"][0]["message"], message);
    assert!(!message.is_empty() && !message.ends_with('.'), "{message}");
    assert_eq!(out.stderr, "");
}

/// A newcomer's `timeout: 1sec` is one diagnostic, the unit's, and the short format
/// (pre-commit hooks, editors) keeps its help on the same line.
#[test]
fn check_short_format_shows_the_help_of_a_misspelt_unit_once() {
    assert_check_fails_with(
        "first.chaos",
        "probe health = http(\"http://127.0.0.1:8080/\", every: 2s, timeout: 1sec)\n",
        "first.chaos:1:68: error[E0103]: unknown unit `sec` (help: did you mean `1s`?)\n",
    );
}

/// `chaosc check --format short NAME`, on a file `NAME` holding `text` alone in a
/// folder, exits 1 and prints exactly `short`.
fn assert_check_fails_with(name: &str, text: &str, short: &str) {
    let dir = temp();
    write(dir.path(), name, text);
    let out = run(dir.path(), &["check", "--format", "short", name]);
    assert_eq!((out.code, out.stdout.as_str()), (1, short), "{out:?}");
}

#[test]
fn a_ten_megabyte_line_is_not_echoed_whole() {
    let dir = temp();
    // An unknown name 10 MB long, on a 10 MB line, after another long line.
    let name = "z".repeat(10_000_000);
    let text = format!(
        "// {}\nconst a = 1s\nconst b = {name} // end\n",
        "c".repeat(5000)
    );
    write(dir.path(), "long.chaos", &text);
    let human = run(dir.path(), &["check", "long.chaos"]);
    assert_eq!(
        human.code,
        1,
        "{}",
        &human.stdout[..human.stdout.len().min(2000)]
    );
    assert!(
        human.stdout.len() < 4000,
        "{} bytes of output:\n{}",
        human.stdout.len(),
        &human.stdout[..human.stdout.len().min(2000)]
    );
    assert!(human.stdout.contains("E0201"), "{}", human.stdout);
    assert!(human.stdout.contains("zzz…zzz"), "{}", human.stdout);
    // The place is the real one: line 3, column 11.
    assert!(
        human.stdout.contains("[long.chaos:3:11]"),
        "{}",
        human.stdout
    );
    let short = run(dir.path(), &["check", "--format", "short", "long.chaos"]);
    assert_eq!(short.code, 1);
    assert!(short.stdout.len() < 400, "{}", short.stdout.len());
    assert!(
        short
            .stdout
            .starts_with("long.chaos:3:11: error[E0201]: unknown name `zzz"),
        "{}",
        short.stdout
    );
}

/// `run_with`, failing instead of hanging when the binary has not ended after 60 s.
fn run_bounded(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Out {
    let (tx, rx) = std::sync::mpsc::channel();
    let (dir, args, envs): (PathBuf, Vec<String>, Vec<(String, String)>) = (
        dir.to_path_buf(),
        args.iter().map(|a| a.to_string()).collect(),
        envs.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    let shown = args.join(" ");
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let _ = tx.send(run_with(&dir, &args, None, &envs));
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("`chaosc {shown}` did not end (a hang)"))
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn special_files_given_on_the_command_line_are_refused() {
    let dir = temp();
    mkfifo(&dir.path().join("fifo.chaos"));
    let big = write(dir.path(), "big.chaos", &"// big\n".repeat(3 << 20));
    let big = big.to_str().unwrap();
    for (args, reason) in [
        (
            vec!["check", "fifo.chaos"],
            "not a regular file (a named pipe)",
        ),
        (
            vec!["check", "/dev/zero"],
            "not a regular file (a character device)",
        ),
        (
            vec!["fmt", "fifo.chaos"],
            "not a regular file (a named pipe)",
        ),
        (
            vec!["plan", "/dev/zero"],
            "not a regular file (a character device)",
        ),
        (
            vec!["run", "--dry-run", "fifo.chaos"],
            "not a regular file (a named pipe)",
        ),
        (
            vec!["import", "fifo.chaos", "-o", "-"],
            "not a regular file (a named pipe)",
        ),
        (vec!["check", big], "the file is larger than 16 MiB"),
        (
            vec!["check", "/proc/self/environ"],
            "the file is not text (it contains a NUL byte)",
        ),
    ] {
        let out = run_bounded(dir.path(), &args, &[("CHAOSC_TEST_SECRET", "hunter2")]);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains(reason), "{args:?}: {out:?}");
        assert!(!out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"));
    }
}

#[test]
fn imports_of_special_files_are_refused_at_the_import() {
    let dir = temp();
    mkfifo(&dir.path().join("fifo.chaos"));
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.chaos")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("environ.chaos")).unwrap();
    write(
        dir.path(),
        "main.chaos",
        "import \"/dev/zero\" as a\nimport \"/proc/self/environ\" as b\nimport \"./fifo.chaos\" as c\nimport \"./zero.chaos\" as d\nimport \"./environ.chaos\" as e\n",
    );
    let out = run_bounded(
        dir.path(),
        &["check", "--format", "short", "main.chaos"],
        &[("CHAOSC_TEST_SECRET", "hunter2")],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "main.chaos:1:8: error[E0801]: cannot import `/dev/zero`: not a `.chaos` file (help: import a `.chaos` file, such as `./common.chaos`, or a standard module, `std/NAME`)",
            "main.chaos:2:8: error[E0801]: cannot import `/proc/self/environ`: not a `.chaos` file (help: import a `.chaos` file, such as `./common.chaos`, or a standard module, `std/NAME`)",
            "main.chaos:3:8: error[E0801]: cannot import `./fifo.chaos`: not a regular file (a named pipe) (help: relative imports resolve against the importing file's folder; standard modules start with `std/`)",
            "main.chaos:4:8: error[E0801]: cannot import `./zero.chaos`: not a regular file (a character device) (help: relative imports resolve against the importing file's folder; standard modules start with `std/`)",
            "main.chaos:5:8: error[E0801]: cannot import `./environ.chaos`: the file is not text (it contains a NUL byte) (help: relative imports resolve against the importing file's folder; standard modules start with `std/`)",
        ],
        "{out:?}"
    );
    assert!(!out.stdout.contains("hunter2") && !out.stderr.contains("hunter2"));
}

#[test]
fn doubling_interpolations_are_refused_quickly() {
    // Forty levels of `"${next}${next}"`: 2^40 bytes, and 2^40 references to follow
    // without each const being evaluated once. It took minutes (26 levels: 55 s).
    let dir = temp();
    let mut text: String = (0..40)
        .map(|i| format!("const a{i} = \"${{a{}}}${{a{}}}\"\n", i + 1, i + 1))
        .collect();
    text.push_str("const a40 = \"x\"\n");
    write(dir.path(), "double.chaos", &text);
    let started = std::time::Instant::now();
    let out = run_bounded(
        dir.path(),
        &["check", "--format", "short", "double.chaos"],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(
        out.stdout,
        "double.chaos:20:13: error[E1003]: the string is longer than 1 MiB once interpolated (help: interpolate shorter values: a string holds at most 1 MiB)\n",
        "{out:?}"
    );
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
}

#[test]
fn const_cycles_are_errors() {
    assert_check_fails_with(
        "cycle.chaos",
        "const a = \"${b}\"\nconst b = \"${a}\"\nprobe p = http(\"http://127.0.0.1:1/${a}\")\nscenario \"s\" {\n  baseline 5s\n  slo {\n    availability(p) >= 99%\n  }\n}\n",
        "cycle.chaos:2:14: error[E0208]: `a` is defined in terms of itself: `a` → `b` → `a` (help: give one of `a`, `b` a value that does not use the others)\n",
    );
}

#[test]
fn numbers_that_do_not_fit_are_errors_not_plans() {
    let dir = temp();
    let program = |step: &str, probe_args: &str| {
        format!(
            "target edge = proxy(listen: \"127.0.0.1:18081\", upstream: \"127.0.0.1:18080\")\nprobe home = http(\"http://127.0.0.1:18081/\"{probe_args})\nscenario \"s\" {{\n  baseline 5s\n  timeline {{\n    {step}\n  }}\n  slo {{\n    availability(home) >= 99%\n  }}\n}}\n"
        )
    };
    for (step, probe_args, expected) in [
        (
            "at 0s cpu_stress(workers: 2) for 99999999999999999999h",
            "",
            "`99999999999999999999h` is out of range",
        ),
        (
            "at 9223372036854775807ms latency(edge, delay: 1ms) for 1s",
            "",
            "`9223372036854775807ms` is out of range",
        ),
        (
            "at 0s cpu_stress(workers: 9223372036854775807) for 1s",
            "",
            "`9223372036854775807` is out of range for `workers`",
        ),
        (
            "at 0s cpu_stress(workers: 1) for 1s",
            ", every: 1ns",
            "`1ns` is out of range for `every`",
        ),
    ] {
        write(dir.path(), "n.chaos", &program(step, probe_args));
        // `run` says 2: nothing could be run.
        for (command, code) in [
            (&["check", "--format", "short"][..], 1),
            (&["plan"], 1),
            (&["run", "--dry-run"], 2),
        ] {
            let mut args = command.to_vec();
            args.push("n.chaos");
            let out = run(dir.path(), &args);
            assert_eq!(out.code, code, "{args:?} {step}: {out:?}");
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(
                all.contains("E0402") && all.contains(expected),
                "{args:?} {step}: {out:?}"
            );
        }
    }
}

#[test]
fn proxies_on_every_interface_warn_and_proxies_to_themselves_are_errors() {
    let dir = temp();
    write(
        dir.path(),
        "open.chaos",
        "target edge = proxy(listen: \"0.0.0.0:18081\", upstream: \"127.0.0.1:18080\")\n",
    );
    write(
        dir.path(),
        "loop.chaos",
        "target edge = proxy(listen: \"127.0.0.1:18080\", upstream: \"127.0.0.1:18080\")\n",
    );
    let out = run(dir.path(), &["check", "--format", "short", "open.chaos"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "open.chaos:1:21: warning[W0006]: the proxy listens on `0.0.0.0:18081`, every network interface (help: listen on the loopback interface: `127.0.0.1:18081`)\n"
    );
    let out = run(dir.path(), &["check", "--deny-warnings", "open.chaos"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out
        .stdout
        .contains("listen on the loopback interface: `127.0.0.1:18081`"));
    let out = run(dir.path(), &["check", "--format", "short", "loop.chaos"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("error[E0404]"), "{out:?}");
}

#[test]
fn a_byte_order_mark_is_accepted_and_formatted_away() {
    let dir = temp();
    let clean = "\u{FEFF}probe home = http(\"http://127.0.0.1:8080/\")\n\nscenario \"x\" {\n  baseline 5s\n  slo {\n    availability >= 99%\n  }\n}\n";
    write(dir.path(), "bom.chaos", clean);
    let out = run(dir.path(), &["check", "bom.chaos"]);
    assert_eq!(out.code, 0, "{out:?}");
    // Columns do not count the mark.
    write(dir.path(), "unit.chaos", "\u{FEFF}const a = 1x\n");
    let out = run(dir.path(), &["check", "--format", "short", "unit.chaos"]);
    assert_eq!(
        out.stdout, "unit.chaos:1:12: error[E0103]: unknown unit `x` (help: did you mean `1s`?)\n",
        "{out:?}"
    );
    // `fmt` removes it: `--check` lists the file, `fmt` rewrites it without.
    let out = run(dir.path(), &["fmt", "--check", "bom.chaos"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, "bom.chaos\n"),
        "{out:?}"
    );
    let out = run(dir.path(), &["fmt", "bom.chaos"]);
    assert_eq!(out.code, 0, "{out:?}");
    let formatted = fs::read_to_string(dir.path().join("bom.chaos")).unwrap();
    assert_eq!(formatted, clean.trim_start_matches('\u{FEFF}'));
    // The importer skips it as well.
    write(dir.path(), "legacy.yml", "\u{FEFF}scenarios: []\n");
    let out = run(
        dir.path(),
        &["import", "--format", "short", "-o", "-", "legacy.yml"],
    );
    assert!(!out.stderr.contains("unknown key"), "{out:?}");
    assert!(!out.stderr.contains("missing key `scenarios`"), "{out:?}");
}

#[test]
fn check_short_format_prints_nothing_when_clean() {
    let dir = temp();
    write(dir.path(), "good.chaos", CANONICAL);
    let out = run(dir.path(), &["check", "--format", "short"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
}

fn keys(value: &serde_json::Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn check_json_has_the_documented_shape() {
    let dir = temp();
    write(dir.path(), "bad.chaos", SYNTAX_ERROR);
    write(dir.path(), "good.chaos", CANONICAL);
    let out = run(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stderr, "", "{out:?}");
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).expect("stdout is exactly one JSON document");
    assert!(out.stdout.contains("\n  \""), "pretty-printed: {out:?}");
    assert_eq!(
        keys(&doc),
        BTreeSet::from(["version", "diagnostics", "summary"])
    );
    assert_eq!(doc["version"], 1);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"files": 2, "errors": 1, "warnings": 0})
    );
    let diagnostics = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(
        keys(d),
        BTreeSet::from([
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "start",
            "end",
            "labels",
            "help",
            "note"
        ])
    );
    assert_eq!(d["code"], "E0101");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "bad.chaos");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(3))
    );
    let start = SYNTAX_ERROR.find("bogus").unwrap() as u64;
    assert_eq!(d["start"].as_u64(), Some(start));
    assert!(d["end"].as_u64().unwrap() >= start);
    assert!(d["end_line"].as_u64().unwrap() >= 3);
    assert!(d["help"].is_null() || d["help"].is_string());
    assert!(d["note"].is_null() || d["note"].is_string());
    let labels = d["labels"].as_array().unwrap();
    assert!(!labels.is_empty());
    for label in labels {
        assert_eq!(
            keys(label),
            BTreeSet::from(["message", "primary", "line", "column", "start", "end"])
        );
    }
    assert_eq!(labels.iter().filter(|l| l["primary"] == true).count(), 1);
}

#[test]
fn check_json_when_clean_is_still_a_document() {
    let dir = temp();
    let example = &examples()[0];
    let out = run(
        dir.path(),
        &["check", "--format=json", example.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
    assert_eq!(
        doc["summary"],
        serde_json::json!({"files": 1, "errors": 0, "warnings": 0})
    );
}

#[test]
fn check_deny_warnings_on_clean_input_still_exits_0() {
    let dir = temp();
    write(dir.path(), "a.chaos", CANONICAL);
    let out = run(dir.path(), &["check", "--deny-warnings", "a.chaos"]);
    assert_eq!(out.code, 0, "{out:?}");
}

/// Needs the real checker (an unused `const` is warning W0001); the placeholder
/// checker only reports syntax errors.
#[test]
fn check_deny_warnings_turns_warnings_into_exit_1_needs_checker() {
    let dir = temp();
    let text = fs::read_to_string(&examples()[0]).unwrap() + "\nconst never_used = 5s\n";
    write(dir.path(), "warn.chaos", &text);
    let out = run(dir.path(), &["check", "--format", "short", "warn.chaos"]);
    assert_eq!(out.code, 0, "warnings alone do not fail: {out:?}");
    assert!(out.stdout.contains(": warning[W0001]: "), "{out:?}");
    let out = run(dir.path(), &["check", "--deny-warnings", "warn.chaos"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("1 warning in 1 file"), "{out:?}");
}

#[test]
fn check_walks_directories_sorted_skipping_hidden_and_target() {
    let dir = temp();
    let d = dir.path();
    for name in [
        "z.chaos",
        "a/b.chaos",
        "nested/deep/w.chaos",
        ".hidden/x.chaos",
        "target/y.chaos",
        "nested/target/t.chaos",
    ] {
        write(d, name, SYNTAX_ERROR);
    }
    write(d, "a/notes.txt", SYNTAX_ERROR);
    write(d, "a/c.chaos", CANONICAL);

    let files = |out: &Out| -> Vec<String> {
        out.stdout
            .lines()
            .map(|l| l.split(':').next().unwrap().to_string())
            .collect()
    };
    let out = run(d, &["check", "--format", "short"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        files(&out),
        ["a/b.chaos", "nested/deep/w.chaos", "z.chaos"],
        "{out:?}"
    );

    let out = run(d, &["check", "--format", "json", "."]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 4, "{out:?}");

    let out = run(d, &["check", "--format", "short", "nested", "a"]);
    assert_eq!(files(&out), ["nested/deep/w.chaos", "a/b.chaos"], "{out:?}");

    // A file named explicitly is checked whatever its name and place.
    let out = run(
        d,
        &[
            "check",
            "--format",
            "short",
            "target/y.chaos",
            "a/notes.txt",
        ],
    );
    assert_eq!(files(&out), ["target/y.chaos", "a/notes.txt"], "{out:?}");
}

#[test]
fn check_directory_without_chaos_files_warns_and_exits_0() {
    let dir = temp();
    write(dir.path(), "README.md", "nothing here\n");
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.starts_with("warning: no `.chaos` files"),
        "{out:?}"
    );
}

#[test]
fn no_color_and_color_never_produce_no_escapes() {
    let dir = temp();
    write(dir.path(), "bad.chaos", SYNTAX_ERROR);
    let plain = [
        run_with(
            dir.path(),
            &["check", "bad.chaos"],
            None,
            &[("NO_COLOR", "1")],
        ),
        run(dir.path(), &["check", "--color", "never", "bad.chaos"]),
        run(dir.path(), &["--color=never", "check", "bad.chaos"]),
        run(dir.path(), &["check", "bad.chaos"]),
        run(dir.path(), &["check", "missing.chaos", "--color", "never"]),
        run(dir.path(), &["--color", "never", "check", "--help"]),
        run_with(
            dir.path(),
            &["check", "--bogus"],
            None,
            &[("NO_COLOR", "1")],
        ),
    ];
    for out in &plain {
        assert!(!out.stdout.contains('\x1b'), "{out:?}");
        assert!(!out.stderr.contains('\x1b'), "{out:?}");
    }
    // The same commands do colour when asked to, so the assertions above can fail.
    let out = run(dir.path(), &["check", "--color", "always", "bad.chaos"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("\x1b["), "{out:?}");
    let out = run(dir.path(), &["--color", "always", "check", "--help"]);
    assert!(out.stdout.contains("\x1b["), "{out:?}");
}

// ---------------------------------------------------------------- fmt

#[test]
fn fmt_stdin_to_stdout_keeps_canonical_text() {
    let dir = temp();
    let out = run_with(dir.path(), &["fmt", "-"], Some(CANONICAL), &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, CANONICAL);
    assert_eq!(out.stderr, "");
}

#[test]
fn fmt_stdin_that_does_not_parse_exits_1_with_diagnostics_on_stderr() {
    let dir = temp();
    let out = run_with(dir.path(), &["fmt", "-"], Some(SYNTAX_ERROR), &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    assert!(out.stderr.contains("E0101"), "{out:?}");
    assert!(out.stderr.contains("<stdin>:3:3"), "{out:?}");
}

#[test]
fn fmt_check_on_canonical_files_exits_0_and_lists_nothing() {
    let dir = temp();
    let a = write(dir.path(), "a.chaos", CANONICAL);
    write(dir.path(), "sub/b.chaos", CANONICAL);
    let out = run(dir.path(), &["fmt", "--check"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    let out = run(dir.path(), &["fmt"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fs::read_to_string(a).unwrap(), CANONICAL);
}

#[test]
fn fmt_leaves_a_file_that_does_not_parse_untouched_and_exits_1() {
    let dir = temp();
    let bad = write(dir.path(), "bad.chaos", SYNTAX_ERROR);
    write(dir.path(), "good.chaos", CANONICAL);
    for args in [&["fmt"][..], &["fmt", "--check"]] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        assert!(out.stderr.contains("E0101"), "{out:?}");
        assert!(out.stderr.contains("bad.chaos"), "{out:?}");
        assert_eq!(out.stdout, "", "{out:?}");
        assert_eq!(fs::read_to_string(&bad).unwrap(), SYNTAX_ERROR);
    }
}

#[test]
fn fmt_usage_and_io_errors_exit_2() {
    let dir = temp();
    write(dir.path(), "a.chaos", CANONICAL);
    let out = run(dir.path(), &["fmt", "-", "a.chaos"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("`-`"), "{out:?}");
    let out = run(dir.path(), &["fmt", "missing.chaos", "a.chaos"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: cannot read `missing.chaos`: no such file or directory\n"
    );
}

/// Needs the real formatter: the placeholder returns its input unchanged.
#[test]
fn fmt_rewrites_and_check_lists_changed_files_needs_formatter() {
    let dir = temp();
    let d = dir.path();
    let ugly = write(d, "ugly.chaos", NOT_CANONICAL);
    write(d, "fine.chaos", CANONICAL);
    let worse = write(d, "sub/worse.chaos", NOT_CANONICAL);

    let out = run(d, &["fmt", "--check"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "sub/worse.chaos\nugly.chaos\n", "{out:?}");
    assert_eq!(
        fs::read_to_string(&ugly).unwrap(),
        NOT_CANONICAL,
        "--check writes nothing"
    );

    let out = run(d, &["fmt"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_ne!(fs::read_to_string(&ugly).unwrap(), NOT_CANONICAL);
    assert_ne!(fs::read_to_string(&worse).unwrap(), NOT_CANONICAL);
    let out = run(d, &["fmt", "--check"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, ""),
        "idempotent: {out:?}"
    );

    let out = run_with(d, &["fmt", "-"], Some(NOT_CANONICAL), &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, fs::read_to_string(&ugly).unwrap());
    let out = run_with(d, &["fmt", "--check", "-"], Some(NOT_CANONICAL), &[]);
    assert_eq!(out.code, 1, "{out:?}");
}

// ---------------------------------------------------------------- explain

fn doc(code: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("docs/errors/{code}.md"));
    fs::read_to_string(path).unwrap()
}

#[test]
fn explain_prints_the_documentation_of_a_code_in_any_case() {
    let dir = temp();
    for arg in ["E0201", "e0201"] {
        let out = run(dir.path(), &["explain", arg]);
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.stdout.trim_end(), doc("E0201").trim_end());
        assert_eq!(out.stderr, "");
    }
    let out = run(dir.path(), &["explain", "w0001"]);
    assert_eq!(out.stdout.trim_end(), doc("W0001").trim_end());
}

#[test]
fn explain_unknown_code_exits_2_with_a_suggestion() {
    let dir = temp();
    let out = run(dir.path(), &["explain", "E0210"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.starts_with("error: unknown code `E0210`\n"),
        "{out:?}"
    );
    assert!(out.stderr.contains("did you mean `E0201`?"), "{out:?}");

    let out = run(dir.path(), &["explain", "banana"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.starts_with("error: unknown code `banana`\n"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("did you mean"), "{out:?}");
    assert!(out.stderr.contains("--list"), "{out:?}");
}

#[test]
fn explain_list_shows_every_code_with_its_severity() {
    let dir = temp();
    let out = run(dir.path(), &["explain", "--list"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut documented: Vec<String> =
        fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors"))
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                let code = name.strip_suffix(".md")?.to_string();
                let well_formed = code.len() == 5
                    && (code.starts_with('E') || code.starts_with('W'))
                    && code[1..].chars().all(|c| c.is_ascii_digit());
                well_formed.then_some(code)
            })
            .collect();
    documented.sort();
    let mut listed = Vec::new();
    for line in out.stdout.lines() {
        let mut words = line.split_whitespace();
        let code = words.next().unwrap().to_string();
        let severity = words.next().unwrap();
        let expected = if code.starts_with('E') {
            "error"
        } else {
            "warning"
        };
        assert_eq!(severity, expected, "{line}");
        listed.push(code);
    }
    listed.sort();
    assert_eq!(listed, documented);
}

// ---------------------------------------------------------------- help, version

#[test]
fn help_on_every_command_has_examples_and_exits_0() {
    let dir = temp();
    for args in [
        &["--help"][..],
        &["-h"],
        &["check", "--help"],
        &["fmt", "--help"],
        &["explain", "--help"],
        &["help", "check"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        assert!(out.stdout.contains("Examples:"), "{args:?}: {out:?}");
        assert!(out.stdout.contains("chaosc"), "{args:?}: {out:?}");
        assert_eq!(out.stderr, "", "{args:?}: {out:?}");
    }
}

/// The top-level help leads to every way of using chaosc, including re-rendering reports.
#[test]
fn top_level_help_shows_report_with_an_example() {
    let out = run(temp().path(), &["--help"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("\n  report "), "{out:?}");
    assert!(
        out.stdout
            .contains("chaosc report chaos-reports --format junit"),
        "{out:?}"
    );
    let out = run(temp().path(), &["report", "--help"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Examples:"), "{out:?}");
}

#[test]
fn version_exits_0() {
    let dir = temp();
    let out = run(dir.path(), &["--version"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        format!("chaosc {}\n", env!("CARGO_PKG_VERSION"))
    );
}

// ───────────────────────── chaosc plan ─────────────────────────

const PLANNABLE: &str = r#"param port: int = 8080

probe home = http("http://127.0.0.1:${port}/", every: 500ms)

safety {
  allow_targets ["db"]
}

environment production {
  slo {
    availability >= 99.9%
  }
  allow ["Restart"]
}

scenario "CPU" {
  baseline 5s
  timeline {
    at 0s cpu_stress(workers: 1) for 10s as hog
  }
  slo {
    availability >= 95%
  }
}

scenario "Restart" {
  timeline {
    at 2s container_restart(container("db"))
  }
  slo {
    availability >= 90%
  }
}
"#;

/// `chaosc plan FILE` in `dir` succeeds and prints each of `expected`.
fn plan_view_shows(dir: &Path, file: &str, expected: &[&str]) -> Out {
    let out = run(dir, &["plan", file]);
    assert_eq!(out.code, 0, "{out:?}");
    for text in expected {
        assert!(out.stdout.contains(text), "missing `{text}` in {out:?}");
    }
    out
}

#[test]
fn plan_prints_a_timeline_chart_by_default() {
    let dir = temp();
    write(dir.path(), "p.chaos", PLANNABLE);
    let out = plan_view_shows(
        dir.path(),
        "p.chaos",
        &[
            "━━ CPU (1/2)",
            "baseline",
            "hog",
            "0s–10s",
            "▲",
            "[destructive]",
            "availability(home) >= 95%",
            "needs   docker",
        ],
    );
    assert!(!out.stdout.contains('\x1b'), "no colour when piped");
}

#[test]
fn plan_json_is_the_plan_and_o_writes_it() {
    let dir = temp();
    write(dir.path(), "p.chaos", PLANNABLE);
    let out = run(
        dir.path(),
        &[
            "plan",
            "p.chaos",
            "--format",
            "json",
            "-o",
            "plan.json",
            "--set",
            "port=9090",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let printed: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    let written: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("plan.json")).unwrap()).unwrap();
    assert_eq!(printed, written);
    assert_eq!(printed["plan_version"], 1);
    assert_eq!(printed["params"][0]["value"], 9090);
    assert_eq!(printed["params"][0]["from"], "command_line");
    assert_eq!(
        printed["scenarios"][0]["probes"][0]["url"],
        "http://127.0.0.1:9090/"
    );
    assert_eq!(printed["scenarios"][1]["steps"][0]["destructive"], true);
}

#[test]
fn plan_applies_environment_and_selection() {
    let dir = temp();
    write(dir.path(), "p.chaos", PLANNABLE);
    let out = run(
        dir.path(),
        &["plan", "p.chaos", "--format", "json", "--env", "production"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        plan["scenarios"][0]["skipped"],
        "not allowed in environment `production`"
    );
    assert_eq!(plan["scenarios"][1]["skipped"], serde_json::Value::Null);
    let out = run(
        dir.path(),
        &[
            "plan",
            "p.chaos",
            "--format",
            "json",
            "--scenario",
            "Restart",
        ],
    );
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(plan["scenarios"].as_array().unwrap().len(), 1);
    let out = run(dir.path(), &["plan", "p.chaos", "--env", "prod"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("E1301") && out.stderr.contains("did you mean `production`?"),
        "{out:?}"
    );
    assert!(out.stdout.is_empty(), "no plan on errors: {out:?}");
}

#[test]
fn plan_exit_codes() {
    let dir = temp();
    write(
        dir.path(),
        "bad.chaos",
        "scenario \"x\" {\n  baseline 30\n}\n",
    );
    assert_eq!(run(dir.path(), &["plan", "bad.chaos"]).code, 1);
    assert_eq!(run(dir.path(), &["plan", "missing.chaos"]).code, 2);
    assert_eq!(
        run(dir.path(), &["plan", "bad.chaos", "--set", "nonsense"]).code,
        2
    );
    let out = run(dir.path(), &["plan", "--help"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("Examples:") && out.stdout.contains("--suite"),
        "{out:?}"
    );
}

#[test]
fn plan_legacy_reads_the_yaml() {
    let dir = temp();
    let legacy = fixtures::legacy_yaml("v2");
    let out = run(
        dir.path(),
        &[
            "plan",
            "--legacy",
            legacy.to_str().unwrap(),
            "--format",
            "json",
            "--suite",
            "stress_test",
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = plan["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Heavy CPU Stress",
            "Heavy Memory Stress",
            "Heavy Network Delay",
            "Medium Packet Loss",
            "Heavy Disk Stress"
        ]
    );
    assert!(
        out.stderr.contains("W1202"),
        "the YAML's warnings are shown: {out:?}"
    );
    write(
        dir.path(),
        "broken.yml",
        "scenarios:\n  - name: \"x\"\n    type: cpu_exhaust\n    duration: soon\n",
    );
    let out = run(dir.path(), &["plan", "--legacy", "broken.yml"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("E1202") && out.stderr.contains("broken.yml:4:"),
        "{out:?}"
    );
}

const SUITES: &str = r#"probe home = http("http://127.0.0.1:9/", every: 500ms)

const pause = 1500ms

safety {
  cooldown 2s
}

suite quick {
  scenarios ["A", "B"]
  cooldown pause
}

suite plain {
  scenarios ["B", "A"]
}

scenario "A" { timeline { at 0s cpu_stress(workers: 1) for 1s } slo { availability >= 90% } }
scenario "B" { timeline { at 0s cpu_stress(workers: 1) for 1s } slo { availability >= 90% } }
"#;

#[test]
fn plan_with_a_suite_has_the_suites_cooldown() {
    let dir = temp();
    write(dir.path(), "s.chaos", SUITES);
    let plan = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["plan", "s.chaos", "--format", "json"];
        all.extend_from_slice(args);
        let out = run(dir.path(), &all);
        assert_eq!(out.code, 0, "{out:?}");
        serde_json::from_str(&out.stdout).expect("stdout is JSON")
    };
    // Without `--suite`, the file's `safety` cooldown; a suite without its own has it too.
    let all = plan(&[]);
    assert_eq!(all["safety"]["cooldown_ms"], 2000);
    assert_eq!(all["suites"][0]["cooldown_ms"], 1500);
    assert_eq!(all["suites"][1]["cooldown_ms"], 2000);
    // `--suite` makes the suite's cooldown the pause between the scenarios of the run.
    let quick = plan(&["--suite", "quick"]);
    assert_eq!(quick["safety"]["cooldown_ms"], 1500);
    let names: Vec<&str> = quick["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(plan(&["--suite", "plain"])["safety"]["cooldown_ms"], 2000);
    // The text view shows it in the run's safety line.
    let out = run(dir.path(), &["plan", "s.chaos", "--suite", "quick"]);
    assert_eq!(out.code, 0, "{out:?}");
    let safety = out
        .stdout
        .lines()
        .find(|l| l.starts_with("safety"))
        .unwrap_or_default();
    assert!(safety.contains("cooldown 1.5s between"), "{out:?}");
}

#[test]
fn a_probe_named_like_a_percentile_is_refused_where_it_is_declared() {
    let dir = temp();
    write(
        dir.path(),
        "p.chaos",
        r#"probe p0 = http("http://127.0.0.1:9/", every: 1s)

scenario "S" {
  timeline {
    at 0s cpu_stress(workers: 1) for 1s
  }
  slo {
    availability(p0) >= 99%
  }
}
"#,
    );
    let out = run(dir.path(), &["check", "p.chaos", "--format", "short"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout.trim_end(),
        "p.chaos:1:7: error[E0209]: the name `p0` reads as a percentile (help: rename the probe, e.g. `p0_probe` or a name that says what it is)",
        "one diagnostic, at the declaration: {out:?}"
    );
    let out = run(dir.path(), &["check", "p.chaos"]);
    assert!(
        out.stdout
            .contains("help: rename the probe, e.g. `p0_probe`"),
        "{out:?}"
    );
    let out = run(dir.path(), &["explain", "E0209"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("reads as a percentile"), "{out:?}");
}

#[test]
fn an_http_probe_checks_a_json_body() {
    let dir = temp();
    let program = |json: &str| {
        format!(
            r#"probe health = http("http://127.0.0.1:9/api/health", status: 200, json: {json})

scenario "S" {{ timeline {{ at 0s cpu_stress(workers: 1) for 1s }} slo {{ availability >= 99% }} }}
"#
        )
    };
    write(
        dir.path(),
        "ok.chaos",
        &program(r#"{"/healthy": true, "/n": 2, "/gone": null}"#),
    );
    let out = run(dir.path(), &["plan", "ok.chaos", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(
        plan["scenarios"][0]["probes"][0]["json"],
        serde_json::json!({"/healthy": true, "/n": 2, "/gone": null})
    );
    let out = run(dir.path(), &["plan", "ok.chaos"]);
    let words = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("expects 200 and a JSON body with /gone = null, /healthy = true, /n = 2"),
        "{out:?}"
    );
    write(dir.path(), "bad.chaos", &program(r#"{"healthy": true}"#));
    let out = run(dir.path(), &["check", "bad.chaos", "--format", "short"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout.trim_end(),
        "bad.chaos:1:74: error[E0405]: `healthy` is not a JSON pointer: it does not start with `/` (help: start it with `/`: `/healthy`)"
    );
}

const DOCUMENTED: &str = r#"/// The home page, as a visitor sees it.
probe home = http("http://127.0.0.1:9/", every: 500ms)

/// The web server: the process that answers on port 9.
target web = process(name: "web-server")

/// Every scenario, in order.
suite all {
  scenarios ["Paused"]
}

/// Pausing the web server.
///
/// Expected impact: the home page stops answering for 2s.
scenario "Paused" { timeline { at 0s process_pause(web) for 2s } slo { availability >= 90% } }
"#;

#[test]
fn doc_comments_reach_the_plan_and_its_view() {
    let dir = temp();
    write(dir.path(), "d.chaos", DOCUMENTED);
    let out = run(dir.path(), &["plan", "d.chaos", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    let scenario = &plan["scenarios"][0];
    assert_eq!(
        scenario["doc"],
        "Pausing the web server.\n\nExpected impact: the home page stops answering for 2s."
    );
    assert_eq!(
        scenario["probes"][0]["doc"],
        "The home page, as a visitor sees it."
    );
    assert_eq!(
        scenario["steps"][0]["target"]["doc"],
        "The web server: the process that answers on port 9."
    );
    assert_eq!(plan["suites"][0]["doc"], "Every scenario, in order.");
    // Absent, not null, where there is no doc.
    assert!(plan["scenarios"][0]["steps"][0].get("doc").is_none());
    plan_view_shows(
        dir.path(),
        "d.chaos",
        &[
            "  Pausing the web server.",
            "  Expected impact: the home page stops answering for 2s.",
            "The home page, as a visitor sees it.",
            "The web server: the process that answers on port 9.",
            "    Every scenario, in order.",
        ],
    );
}
