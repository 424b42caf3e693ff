//! `chaosc completions SHELL` and `chaosc man`: the scripts and pages generated from
//! the clap definitions name every subcommand (and no hidden one), the bash script
//! loads in a real `bash` and completes, and the page renders with a real `man`; the
//! top-level help names `run`.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "support/bin.rs"]
mod bin;
#[path = "support/components.rs"]
mod components;

use bin::run;

/// Subcommands a person may type, at least; `__guard` and `__worker` are internal.
const KNOWN: [&str; 10] = [
    "check",
    "fmt",
    "explain",
    "plan",
    "import",
    "run",
    "recover",
    "doctor",
    "completions",
    "man",
];
const HIDDEN: [&str; 2] = ["__guard", "__worker"];

const LIMIT: Duration = Duration::from_secs(20);

/// Runs `command` to its end, killed and failed beyond [`LIMIT`].
fn bounded(command: &mut Command) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let started = Instant::now();
    while child.try_wait().expect("wait for the program").is_none() {
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} ran longer than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("the program is reaped")
}

/// The subcommands `chaosc --help` lists (but `help`): the visible ones, whatever was
/// added since [`KNOWN`].
fn subcommands() -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let help = run(dir.path(), &["--help"]).stdout;
    let listed = help.split("Commands:\n").nth(1).unwrap_or_default();
    let names: Vec<String> = listed
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    for name in KNOWN {
        assert!(names.iter().any(|n| n == name), "`{name}` in {help}");
    }
    names
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_completion_script_for_each_shell_names_every_subcommand() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for shell in ["bash", "zsh", "fish"] {
        let out = run(dir.path(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {out:?}");
        assert!(out.stderr.is_empty(), "{shell}: {out:?}");
        for name in &subcommands() {
            assert!(out.stdout.contains(name), "{shell} lacks `{name}`");
        }
        for name in HIDDEN {
            assert!(!out.stdout.contains(name), "{shell} offers `{name}`");
        }
        // Flags of a subcommand are in its completion too.
        assert!(out.stdout.contains("metrics-listen"), "{shell}");
    }
    let out = run(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("invalid value 'tcsh'"), "{out:?}");
}

/// Sources the completion script given as `$1`, shows its registration, and asks it
/// for the completions of `chaosc r` and of `chaosc run --metr`.
const BASH_DRIVER: &str = r#"source "$1"
complete -p chaosc
ask() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _chaosc chaosc "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}"
}
echo "== subcommands"
ask chaosc r
echo "== flags"
ask chaosc run --metr
"#;

#[test]
fn the_bash_completion_loads_in_bash_and_completes() {
    if !components::available("bash", components::on_path("bash"), "no `bash` on PATH") {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = run(dir.path(), &["completions", "bash"]);
    assert_eq!(out.code, 0, "{out:?}");
    let script = dir.path().join("chaosc.bash");
    let driver = dir.path().join("driver.bash");
    std::fs::write(&script, &out.stdout).expect("the script is written");
    std::fs::write(&driver, BASH_DRIVER).expect("the driver is written");
    let bash = bounded(
        Command::new("bash")
            .args(["--norc", "--noprofile"])
            .arg(&driver)
            .arg(&script)
            .current_dir(dir.path()),
    );
    let (stdout, stderr) = (text(&bash.stdout), text(&bash.stderr));
    assert!(bash.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let mut lines = stdout.lines();
    let registration = lines.next().unwrap_or_default();
    assert!(
        registration.starts_with("complete ") && registration.ends_with(" chaosc"),
        "{stdout}"
    );
    let section = |title: &str| -> Vec<&str> {
        stdout
            .split(&format!("== {title}\n"))
            .nth(1)
            .unwrap_or_default()
            .split("==")
            .next()
            .unwrap_or_default()
            .lines()
            .collect()
    };
    assert_eq!(section("subcommands"), ["run", "recover"], "{stdout}");
    assert_eq!(section("flags"), ["--metrics-listen"], "{stdout}");
}

#[test]
fn the_manual_page_is_roff_naming_every_subcommand() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = run(dir.path(), &["man"]);
    assert_eq!(out.code, 0, "{out:?}");
    let page = &out.stdout;
    assert!(page.contains("\n.TH chaosc 1 "), "{page}");
    for section in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS", "EXAMPLES"] {
        assert!(
            page.contains(&format!("\n.SH {section}\n")),
            "{section}: {page}"
        );
    }
    // The examples are laid out as written: not filled.
    let examples = page.split("\n.SH EXAMPLES\n").nth(1).unwrap_or_default();
    assert!(examples.starts_with(".nf\n"), "{examples}");
    assert!(
        examples.contains("\n  chaosc run smoke.chaos  "),
        "{examples}"
    );
    for name in &subcommands() {
        // roff escapes the hyphen of `chaosc-check(1)`.
        assert!(
            page.contains(&format!("\nchaosc\\-{name}(1)\n")),
            "{name}: {page}"
        );
    }
    for name in HIDDEN {
        assert!(!page.contains(name), "{name}: {page}");
    }
    // Every line is a roff request, or text that does not start like one by accident.
    for line in page.lines() {
        assert!(
            !line.starts_with('\''),
            "a control line by accident: {line}"
        );
    }
}

#[test]
fn man_writes_a_page_per_subcommand_into_a_folder() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let pages = dir.path().join("share/man/man1");
    let out = run(dir.path(), &["man", "-o", pages.to_str().unwrap_or("")]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut written: Vec<String> = std::fs::read_dir(&pages)
        .expect("the folder was made")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    written.sort();
    let mut expected: Vec<String> = subcommands()
        .iter()
        .map(|name| format!("chaosc-{name}.1"))
        .chain(["chaosc.1".to_string()])
        .collect();
    expected.sort();
    assert_eq!(written, expected);
    let run_page = std::fs::read_to_string(pages.join("chaosc-run.1")).expect("chaosc-run.1");
    assert!(run_page.contains("\\-\\-metrics\\-listen"), "{run_page}");
    assert!(run_page.contains("\n.SH EXAMPLES\n.nf\n"), "{run_page}");
    assert!(
        out.stderr
            .contains(&format!("wrote {} manual pages into ", expected.len())),
        "{out:?}"
    );

    // A folder that cannot be made is a usage error.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "").expect("a file");
    let target = blocked.join("man1");
    let out = run(dir.path(), &["man", "-o", target.to_str().unwrap_or("")]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("error: cannot write the manual pages into `"),
        "{out:?}"
    );
}

#[test]
fn the_manual_page_renders_with_man() {
    if !components::available("man", components::on_path("man"), "no `man` on PATH") {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = run(dir.path(), &["man"]);
    assert_eq!(out.code, 0, "{out:?}");
    let page = dir.path().join("chaosc.1");
    std::fs::write(&page, &out.stdout).expect("the page is written");
    let rendered = bounded(
        Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANWIDTH", "100")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .current_dir(Path::new(dir.path())),
    );
    let (stdout, stderr) = (text(&rendered.stdout), text(&rendered.stderr));
    assert!(rendered.status.success(), "{stderr}");
    assert!(stderr.trim().is_empty(), "man warned: {stderr}");
    // No roff request is left as text: everything was understood.
    assert!(!stdout.lines().any(|l| l.starts_with('.')), "{stdout}");
    let plain: String = stdout.replace("\u{2010}", "-");
    for section in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS", "EXAMPLES"] {
        assert!(plain.lines().any(|l| l == section), "{section}: {plain}");
    }
    // An example line comes out whole, its columns kept.
    let example =
        "chaosc plan smoke.chaos           timelines, assertions and safety of what would run";
    assert!(plain.lines().any(|l| l.trim_start() == example), "{plain}");
    for name in &subcommands() {
        assert!(
            plain
                .lines()
                .any(|l| l.trim() == format!("chaosc-{name}(1)")),
            "{name}: {plain}"
        );
    }
}

#[test]
fn the_top_level_help_names_run_and_shows_a_run() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = run(dir.path(), &["--help"]);
    assert_eq!(out.code, 0, "{out:?}");
    let about = out.stdout.lines().next().unwrap_or_default();
    assert!(about.contains(" run "), "{about}");
    let examples = out.stdout.split("Examples:").nth(1).unwrap_or_default();
    assert!(
        examples
            .lines()
            .any(|l| l.trim_start().starts_with("chaosc run ")),
        "{}",
        out.stdout
    );
}
