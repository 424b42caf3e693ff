//! The repository's `.pre-commit-hooks.yaml` with the real `pre-commit` (PyPI): the
//! manifest is valid, and its hooks, used from a throwaway repository as
//! `repo: <a git repository holding them>` with a `rev`, let a valid file through,
//! block an invalid one showing its diagnostic code, and check or rewrite the layout.
//!
//! The manifest says `language: rust`, for which pre-commit builds chaosc with
//! `cargo install` from crates.io: minutes of build and the network. So the hooks run
//! here from a copy of the manifest that differs only in `language: system`, with the
//! binary under test first on PATH; entry, arguments and file patterns are the
//! repository's own. Everything is offline: pre-commit's and git's homes are temporary.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "support/components.rs"]
mod components;
#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/tool.rs"]
mod tool;

/// One pre-commit or git command; the first `pre-commit run` also clones the hooks.
const DEADLINE: Duration = Duration::from_secs(120);

/// A `pre-commit run` that builds chaosc in release mode first.
const BUILD_DEADLINE: Duration = Duration::from_secs(45 * 60);

/// Valid and canonical.
const VALID: &str = "probe home = http(\"http://127.0.0.1:8080/\")\n\nscenario \"x\" {\n  baseline 5s\n  slo {\n    availability >= 99%\n  }\n}\n";
/// `5sec` is not a unit: E0103.
const INVALID: &str = "probe home = http(\"http://127.0.0.1:8080/\")\n\nscenario \"x\" {\n  baseline 5sec\n  slo {\n    availability >= 99%\n  }\n}\n";
/// Valid, but on one line.
const NOT_CANONICAL: &str = "probe home = http(\"http://127.0.0.1:8080/\")\nscenario \"x\" {baseline 5s slo { availability >= 99% }}\n";

fn tools_present() -> bool {
    components::available(
        "pre-commit",
        components::on_path("pre-commit"),
        "not on PATH; install it with `pip install pre-commit` (`.ci/run` does)",
    ) && components::available("git", components::on_path("git"), "not on PATH")
}

/// A sandbox: its own HOME, pre-commit home and git identity, nothing from the network,
/// and the chaosc under test first on PATH.
struct Sandbox {
    _temp: tempfile::TempDir,
    root: PathBuf,
    path: String,
    /// Set for the build with cargo: where cargo and rustup keep their toolchains and
    /// crates, and a build folder of the sandbox's own.
    cargo: Vec<(String, String)>,
    deadline: Duration,
}

impl Sandbox {
    fn new() -> Sandbox {
        let temp = tempfile::tempdir().expect("a temporary directory");
        let root = temp.path().to_path_buf();
        fs::create_dir_all(root.join("home")).unwrap();
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_chaosc"))
            .parent()
            .expect("the binary's folder");
        let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("a PATH")
        .into_string()
        .expect("a UTF-8 PATH");
        Sandbox {
            _temp: temp,
            root,
            path,
            cargo: Vec::new(),
            deadline: DEADLINE,
        }
    }

    /// A sandbox in which pre-commit may build chaosc with cargo: the real cargo and
    /// rustup homes (the toolchain, the crates already downloaded), a build folder
    /// inside the sandbox, and the time a release build takes.
    fn with_cargo() -> Sandbox {
        let mut sandbox = Sandbox::new();
        let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
        let dir = |var: &str, default: &str| {
            std::env::var(var).unwrap_or_else(|_| home.join(default).display().to_string())
        };
        sandbox.cargo = vec![
            ("CARGO_HOME".into(), dir("CARGO_HOME", ".cargo")),
            ("RUSTUP_HOME".into(), dir("RUSTUP_HOME", ".rustup")),
            (
                "CARGO_TARGET_DIR".into(),
                sandbox.root.join("target").display().to_string(),
            ),
        ];
        sandbox.deadline = BUILD_DEADLINE;
        sandbox
    }

    fn run(&self, program: &str, args: &[&str], dir: &Path) -> tool::Output {
        let home = self.root.join("home");
        let cache = self.root.join("pre-commit");
        let (home, cache) = (home.to_str().unwrap(), cache.to_str().unwrap());
        let mut envs = vec![
            ("PATH", self.path.as_str()),
            ("HOME", home),
            ("XDG_CACHE_HOME", home),
            ("PRE_COMMIT_HOME", cache),
            ("PIP_NO_INDEX", "1"),
            ("GIT_CONFIG_NOSYSTEM", "1"),
            ("GIT_AUTHOR_NAME", "chaosc test"),
            ("GIT_AUTHOR_EMAIL", "test@127.0.0.1"),
            ("GIT_COMMITTER_NAME", "chaosc test"),
            ("GIT_COMMITTER_EMAIL", "test@127.0.0.1"),
            ("NO_COLOR", "1"),
        ];
        envs.extend(self.cargo.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        tool::run(program, args, dir, &envs, self.deadline)
    }

    fn ok(&self, program: &str, args: &[&str], dir: &Path) -> tool::Output {
        let out = self.run(program, args, dir);
        assert_eq!(out.code, 0, "`{program} {}`: {out:?}", args.join(" "));
        out
    }

    fn git_repo(&self, name: &str) -> PathBuf {
        let dir = self.root.join(name);
        fs::create_dir_all(&dir).unwrap();
        self.ok("git", &["init", "-q", "-b", "main"], &dir);
        dir
    }
}

fn manifest() -> String {
    fs::read_to_string(fixtures::root().join(".pre-commit-hooks.yaml"))
        .expect("the repository has .pre-commit-hooks.yaml")
}

#[test]
fn the_manifest_is_valid_and_a_broken_one_is_refused() {
    if !tools_present() {
        return;
    }
    let sandbox = Sandbox::new();
    let path = fixtures::root().join(".pre-commit-hooks.yaml");
    sandbox.ok(
        "pre-commit",
        &["validate-manifest", path.to_str().unwrap()],
        &sandbox.root,
    );
    // The same validator on a copy without the hooks' `entry` must fail, or the check
    // above proves nothing.
    let broken: String = manifest()
        .lines()
        .filter(|line| !line.trim_start().starts_with("entry:"))
        .map(|line| format!("{line}\n"))
        .collect();
    let broken_path = sandbox.root.join("broken.yaml");
    fs::write(&broken_path, broken).unwrap();
    let out = sandbox.run(
        "pre-commit",
        &["validate-manifest", broken_path.to_str().unwrap()],
        &sandbox.root,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("Missing required key: entry"),
        "{out:?}"
    );
}

/// A repository holding the manifest with `language: system`, and its commit.
fn hooks_repository(sandbox: &Sandbox) -> (PathBuf, String) {
    let text = manifest();
    assert_eq!(
        text.matches("\n  language: rust\n").count(),
        3,
        "every hook of the manifest is built with cargo"
    );
    let dir = sandbox.git_repo("hooks");
    fs::write(
        dir.join(".pre-commit-hooks.yaml"),
        text.replace("\n  language: rust\n", "\n  language: system\n"),
    )
    .unwrap();
    sandbox.ok("git", &["add", "."], &dir);
    sandbox.ok("git", &["commit", "-q", "-m", "hooks"], &dir);
    let rev = sandbox.ok("git", &["rev-parse", "HEAD"], &dir).stdout;
    (dir, rev.trim().to_string())
}

/// A project using the hooks from `hooks` at `rev`, as any repository would.
fn project(sandbox: &Sandbox, hooks: &Path, rev: &str) -> PathBuf {
    let hooks_config = "      - id: chaosc-check\n      - id: chaosc-fmt-check\n      - id: chaosc-fmt\n        stages: [manual]\n";
    project_with(sandbox, hooks, rev, hooks_config)
}

fn project_with(sandbox: &Sandbox, hooks: &Path, rev: &str, hooks_config: &str) -> PathBuf {
    let dir = sandbox.git_repo("project");
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n{hooks_config}",
        hooks.display()
    );
    fs::write(dir.join(".pre-commit-config.yaml"), config).unwrap();
    fs::write(dir.join("README.md"), "not a .chaos file\n").unwrap();
    sandbox.ok("git", &["add", "."], &dir);
    sandbox.ok("git", &["commit", "-q", "-m", "start"], &dir);
    sandbox.ok("pre-commit", &["install"], &dir);
    dir
}

#[test]
fn a_commit_with_a_valid_file_passes_and_an_invalid_one_is_blocked_with_its_code() {
    if !tools_present() {
        return;
    }
    let sandbox = Sandbox::new();
    let (hooks, rev) = hooks_repository(&sandbox);
    let project = project(&sandbox, &hooks, &rev);

    fs::write(project.join("valid.chaos"), VALID).unwrap();
    sandbox.ok("git", &["add", "valid.chaos"], &project);
    let out = sandbox.ok("git", &["commit", "-m", "a valid experiment"], &project);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("chaosc check") && said.contains("Passed"),
        "the hook ran on the file: {out:?}"
    );

    fs::write(project.join("invalid.chaos"), INVALID).unwrap();
    sandbox.ok("git", &["add", "invalid.chaos"], &project);
    let out = sandbox.run("git", &["commit", "-m", "an invalid experiment"], &project);
    assert_ne!(out.code, 0, "the commit is blocked: {out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("invalid.chaos:4:13: error[E0103]: unknown unit `sec`"),
        "the diagnostic is shown with its code, one line: {out:?}"
    );
    let log = sandbox.ok("git", &["log", "--format=%s"], &project).stdout;
    assert_eq!(log, "a valid experiment\nstart\n", "nothing was committed");
}

#[test]
fn the_format_hooks_list_or_rewrite_a_file_out_of_canonical_form() {
    if !tools_present() {
        return;
    }
    let sandbox = Sandbox::new();
    let (hooks, rev) = hooks_repository(&sandbox);
    let project = project(&sandbox, &hooks, &rev);
    let file = project.join("layout.chaos");
    fs::write(&file, NOT_CANONICAL).unwrap();
    sandbox.ok("git", &["add", "layout.chaos"], &project);

    let out = sandbox.run(
        "pre-commit",
        &["run", "chaosc-fmt-check", "--color", "never"],
        &project,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("layout.chaos"),
        "the file is listed: {out:?}"
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        NOT_CANONICAL,
        "unchanged"
    );

    let out = sandbox.run(
        "pre-commit",
        &[
            "run",
            "chaosc-fmt",
            "--hook-stage",
            "manual",
            "--color",
            "never",
        ],
        &project,
    );
    assert_eq!(
        out.code, 1,
        "a hook that rewrote a file stops the commit: {out:?}"
    );
    assert!(
        out.stdout.contains("files were modified by this hook"),
        "{out:?}"
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        VALID,
        "rewritten canonically"
    );

    sandbox.ok("git", &["add", "layout.chaos"], &project);
    sandbox.ok(
        "pre-commit",
        &["run", "chaosc-fmt-check", "--color", "never"],
        &project,
    );
}

/// The manifest as published (`language: rust`), from this repository at HEAD: pre-commit
/// builds chaosc with `cargo install` (crates from crates.io, a release build: minutes),
/// so this runs only when `CHAOSC_TEST_PRECOMMIT_RUST=1` asks for it.
#[test]
fn the_published_hooks_build_chaosc_with_cargo_and_block_an_invalid_file() {
    let asked = std::env::var("CHAOSC_TEST_PRECOMMIT_RUST").is_ok_and(|v| v == "1");
    if !tools_present()
        || !components::available(
            "pre-commit-rust",
            asked && components::on_path("cargo"),
            "set CHAOSC_TEST_PRECOMMIT_RUST=1 (and have cargo) to build chaosc as pre-commit does, with `cargo install` from crates.io",
        )
    {
        return;
    }
    let sandbox = Sandbox::with_cargo();
    let repository = fixtures::root();
    let rev = sandbox.ok("git", &["rev-parse", "HEAD"], repository).stdout;
    let project = project_with(
        &sandbox,
        repository,
        rev.trim(),
        "      - id: chaosc-check\n",
    );
    fs::write(project.join("invalid.chaos"), INVALID).unwrap();
    sandbox.ok("git", &["add", "invalid.chaos"], &project);
    let out = sandbox.run("git", &["commit", "-m", "an invalid experiment"], &project);
    assert_ne!(out.code, 0, "the commit is blocked: {out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("invalid.chaos:4:13: error[E0103]: unknown unit `sec`"),
        "{out:?}"
    );
    fs::write(project.join("invalid.chaos"), VALID).unwrap();
    sandbox.ok("git", &["add", "invalid.chaos"], &project);
    sandbox.ok("git", &["commit", "-m", "fixed"], &project);
}
