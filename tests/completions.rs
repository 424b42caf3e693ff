//! `chaosc completions SHELL` and `chaosc man`: the scripts and pages generated from
//! the clap definitions name every subcommand (and no hidden one), the bash script
//! completes in a real `bash` and `fish` and registers in a real `zsh`, and the page
//! renders with a real `man`; the top-level help names `run`.

use std::path::{Path, PathBuf};
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
    let Some((dir, script, driver)) = completion_files("bash", "chaosc", BASH_DRIVER) else {
        return;
    };
    let (norc, noprofile) = (Path::new("--norc"), Path::new("--noprofile"));
    let (stdout, stderr) = shell("bash", &[norc, noprofile, &driver, &script], dir.path());
    assert!(stderr.is_empty(), "{stderr}");
    let registration = stdout.lines().next().unwrap_or_default();
    assert!(
        registration.starts_with("complete ") && registration.ends_with(" chaosc"),
        "{stdout}"
    );
    completes_r_and_metr(&stdout);
}

/// Sources the completion script given as the first argument and asks fish for the
/// completions of `chaosc r` and of `chaosc run --metr`.
const FISH_DRIVER: &str = "source $argv[1]
echo '== subcommands'
complete -C 'chaosc r'
echo '== flags'
complete -C 'chaosc run --metr'
";

/// Loads the completion folder given as `$1` the way a user's `.zshrc` does (`fpath`,
/// `compinit`, its dump file in `$2`) and prints the function registered for `chaosc`.
const ZSH_DRIVER: &str = r#"fpath=("$1" $fpath)
autoload -Uz compinit
compinit -u -d "$2/zcompdump"
print -r -- "registered ${_comps[chaosc]}"
"#;

/// Runs `shell ARGS` in `dir` with `dir` as its home, so it reads and writes nothing of
/// the user's.
fn shell(shell: &str, args: &[&Path], dir: &Path) -> (String, String) {
    let out = bounded(
        Command::new(shell)
            .args(args)
            .current_dir(dir)
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data")),
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{shell}: {stdout}\n{stderr}");
    (stdout, stderr)
}

/// The generated completion script of `shell` as `script_name`, and `driver` beside it,
/// in a new folder; `None` (skipped) when `shell` is missing.
fn completion_files(
    shell: &str,
    script_name: &str,
    driver: &str,
) -> Option<(tempfile::TempDir, PathBuf, PathBuf)> {
    let why = format!("no `{shell}` on PATH");
    if !components::available(shell, components::on_path(shell), &why) {
        return None;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = run(dir.path(), &["completions", shell]);
    assert_eq!(out.code, 0, "{out:?}");
    let folder = dir.path().join("completions");
    std::fs::create_dir(&folder).expect("a folder");
    let script = folder.join(script_name);
    let driver_file = dir.path().join("driver");
    std::fs::write(&script, &out.stdout).expect("the script is written");
    std::fs::write(&driver_file, driver).expect("the driver is written");
    Some((dir, script, driver_file))
}

/// The candidates the driver printed after `== TITLE`: each line's first field (fish
/// adds a description after a tab), sorted.
fn candidates(stdout: &str, title: &str) -> Vec<String> {
    let mut found: Vec<String> = stdout
        .split(&format!("== {title}\n"))
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|l| !l.starts_with("=="))
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect();
    found.sort();
    found
}

/// The driver's answers: `chaosc r` completes to every subcommand `--help` lists that
/// starts with `r` (`recover`, `report`, `run`, …), and `chaosc run --metr` to
/// `--metrics-listen`.
fn completes_r_and_metr(stdout: &str) {
    let mut expected: Vec<String> = subcommands()
        .into_iter()
        .filter(|name| name.starts_with('r'))
        .collect();
    expected.sort();
    assert!(expected.contains(&"run".to_string()), "{expected:?}");
    assert_eq!(candidates(stdout, "subcommands"), expected, "{stdout}");
    assert_eq!(
        candidates(stdout, "flags"),
        ["--metrics-listen"],
        "{stdout}"
    );
}

#[test]
fn the_fish_completion_completes_in_fish() {
    let Some((dir, script, driver)) = completion_files("fish", "chaosc.fish", FISH_DRIVER) else {
        return;
    };
    let no_config = Path::new("--no-config");
    let (stdout, stderr) = shell("fish", &[no_config, &driver, &script], dir.path());
    assert!(stderr.is_empty(), "{stderr}");
    completes_r_and_metr(&stdout);
}

#[test]
fn the_zsh_completion_parses_and_registers_for_chaosc() {
    // The file name a zsh completion must have: `_` and the command.
    let Some((dir, script, driver)) = completion_files("zsh", "_chaosc", ZSH_DRIVER) else {
        return;
    };
    let folder = script.parent().expect("the script's folder");
    let text = std::fs::read_to_string(&script).expect("the script");
    assert!(text.starts_with("#compdef chaosc\n"), "{text}");
    // `-n`: read and parse the script without running it.
    let (_, stderr) = shell("zsh", &[Path::new("-n"), &script], dir.path());
    assert!(stderr.is_empty(), "{stderr}");
    let (stdout, stderr) = shell(
        "zsh",
        &[Path::new("-f"), &driver, folder, dir.path()],
        dir.path(),
    );
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(stdout, "registered _chaosc\n");
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
