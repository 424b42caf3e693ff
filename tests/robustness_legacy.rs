//! No input makes the legacy importer panic, overflow its stack, hang or eat memory.
//!
//! In process, through [`exercise_legacy::exercise_import`] (also the body of the
//! cargo-fuzz target `legacy_import`) on the harness's 2 MiB worker thread: mutations
//! of the real configurations in `tests/legacy/real/`, YAML token soup, and hostile
//! documents. The hostile documents also go through the real binary (`chaosc import`)
//! with an address-space limit and a deadline, since a stack overflow aborts the whole
//! process and would otherwise take the test binary with it.
//!
//! `CHAOSC_FUZZ_SEED=N` replays a seed; `CHAOSC_FUZZ_ITERS=N` scales the loops.

#[allow(dead_code)]
#[path = "support/exercise.rs"]
mod exercise;
#[path = "support/exercise_legacy.rs"]
mod exercise_legacy;
#[path = "support/harness.rs"]
mod harness;

use harness::{boundary, iters, rng_for, seed, Harness};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A harness that runs inputs through the importer.
fn harness(test: &'static str, seed: u64) -> Harness {
    Harness::new(test, seed, exercise_legacy::exercise_import, "yml")
}

fn real_configurations() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/legacy/real");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/legacy/real is there")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .map(|p| std::fs::read_to_string(p).expect("a real configuration reads"))
        .collect();
    texts.sort();
    assert!(!texts.is_empty(), "no configuration in {}", dir.display());
    texts
}

const PIECES: &[&str] = &[
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ": ",
    ":",
    "\n",
    "  ",
    "\t",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "\"",
    "'",
    "|\n",
    ">-\n",
    " # c",
    "---\n",
    "...\n",
    "!!str ",
    "!t ",
    "? ",
    "~",
    "null",
    "-1",
    "1e999",
    "0x1F",
    "%YAML 1.2\n",
    "é",
    "\u{FEFF}",
    "\\",
    "<<: *a\n",
    "name",
    "scenarios",
    "type",
    "cpu_stress",
    "duration",
    "99999999999999999999",
    "true",
    "\r\n",
];

fn mutate(rng: &mut fastrand::Rng, text: &str) -> String {
    let mut out = text.to_string();
    for _ in 0..rng.usize(1..6) {
        let a = boundary(rng, &out);
        let b = boundary(rng, &out);
        let (lo, hi) = (a.min(b), a.max(b).min(a.min(b) + 200));
        let hi = (lo..=hi)
            .rev()
            .find(|&i| out.is_char_boundary(i))
            .unwrap_or(lo);
        match rng.u8(..4) {
            0 => out.insert_str(a, PIECES[rng.usize(..PIECES.len())]),
            1 => out.replace_range(lo..hi, ""),
            2 => {
                let copy = out[lo..hi].to_string();
                out.insert_str(hi, &copy);
            }
            _ => out.replace_range(lo..hi, PIECES[rng.usize(..PIECES.len())]),
        }
    }
    out
}

#[test]
fn mutated_real_configurations() {
    let (mut rng, seed) = rng_for(11);
    let mut h = harness("mutated_real_configurations", seed);
    let texts = real_configurations();
    for _ in 0..iters() {
        for text in &texts {
            h.run(mutate(&mut rng, text));
        }
    }
}

#[test]
fn yaml_soup() {
    let (mut rng, seed) = rng_for(12);
    let mut h = harness("yaml_soup", seed);
    for _ in 0..iters() * 2 {
        let n = rng.usize(1..80);
        let input: String = (0..n).map(|_| PIECES[rng.usize(..PIECES.len())]).collect();
        h.run(input);
    }
}

/// Documents written to hurt: each must be refused (or read) quickly, in bounded memory.
fn hostile() -> Vec<(&'static str, String)> {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut text_bomb = format!("a: &a \"{}\"\n", "x".repeat(1 << 20));
    for i in 0..12 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("b{}", i - 1)
        };
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("b{i}: &b{i} [{refs}]\n"));
        text_bomb.push_str(&format!("b{i}: &b{i} [{refs}]\n"));
    }
    let mut many_aliases = String::from("scenarios:\n");
    for i in 0..50_000 {
        many_aliases.push_str(&format!("  - &a{i} x\n"));
    }
    for _ in 0..50_000 {
        many_aliases.push_str("  - *a0\n");
    }
    let nested_lines: String = (0..3_000)
        .map(|i| format!("{}- \n", "  ".repeat(i)))
        .collect();
    let nested_maps: String = (0..3_000)
        .map(|i| format!("{}a:\n", "  ".repeat(i)))
        .collect();
    vec![
        (
            "deep block sequence on one line",
            format!("scenarios:\n{}x\n", "- ".repeat(30_000)),
        ),
        (
            "deep indented block sequence on one line",
            format!("scenarios:\n  {}x\n", "- ".repeat(30_000)),
        ),
        (
            "deep block sequences over lines",
            format!("scenarios:\n{nested_lines}"),
        ),
        ("deep block maps", nested_maps),
        (
            "deep flow sequence",
            "[".repeat(100_000) + &"]".repeat(100_000),
        ),
        ("deep flow map", "{a: ".repeat(50_000) + &"}".repeat(50_000)),
        ("alias bomb", bomb),
        ("alias bomb of long strings", text_bomb),
        ("fifty thousand aliases", many_aliases),
        (
            "huge scalar",
            format!("scenarios:\n  - name: \"{}\"\n", "y".repeat(12 << 20)),
        ),
        (
            "a file past the size limit",
            format!("# {}\nscenarios: []\n", "z".repeat(17 << 20)),
        ),
        (
            "a long line of flow scalars",
            format!("scenarios: [{}x]\n", "x, ".repeat(3_000_000)),
        ),
    ]
}

#[test]
fn hostile_documents_in_process() {
    let mut h = harness("hostile_documents_in_process", seed());
    // The 12 MB scalar takes about 3 s in a debug build, too close to the harness's
    // deadline on a busy machine: it runs below only.
    for (_, text) in hostile().into_iter().filter(|(_, t)| t.len() <= 10 << 20) {
        h.run(text);
    }
}

/// The longest any import below may take, even in a debug build on a busy machine.
const DEADLINE: Duration = Duration::from_secs(30);
/// The address space the binary runs in.
const ADDRESS_SPACE: libc::rlim_t = 2 << 30;

/// How `chaosc import` ended on one input.
struct Ended {
    status: std::process::ExitStatus,
    took: Duration,
    stdout: String,
    stderr: String,
}

/// Runs `chaosc import ARGS… FILE` on `text` written to `FILE`, in [`ADDRESS_SPACE`],
/// failing the test after [`DEADLINE`].
fn import(dir: &std::path::Path, name: &str, text: &str, args: &[&str]) -> Ended {
    let input = dir.join(format!("{name}.yml"));
    std::fs::write(&input, text).expect("the input is written");
    let stdout = dir.join(format!("{name}.out"));
    let stderr = dir.join(format!("{name}.err"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosc"));
    command
        .arg("import")
        .args(args)
        .arg(&input)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr).expect("stderr file"));
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE,
                rlim_max: ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("chaosc starts");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chaosc") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: `chaosc import` still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ended {
        status,
        took: started.elapsed(),
        stdout: std::fs::read_to_string(&stdout).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr).unwrap_or_default(),
    }
}

fn head(s: &str) -> String {
    s.chars().take(600).collect()
}

/// Each hostile document through `chaosc import`: it ends normally (exit 0 or 1, or 2
/// for a file too large to read; not a signal such as the abort of a stack overflow)
/// within [`DEADLINE`], inside [`ADDRESS_SPACE`].
#[test]
fn hostile_documents_through_the_binary() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (i, (what, text)) in hostile().into_iter().enumerate() {
        let Ended {
            status,
            took,
            stdout: out,
            stderr: err,
        } = import(
            dir.path(),
            &format!("hostile{i}"),
            &text,
            &["--format", "short", "-o", "-"],
        );
        // 2: the file is not read at all (larger than 16 MiB).
        let refused = status.code() == Some(2) && err.contains("larger than 16 MiB");
        assert!(
            matches!(status.code(), Some(0 | 1)) || refused,
            "{what}: `chaosc import` ended with {status} after {took:?}\nstdout: {}\nstderr: {}",
            head(&out),
            head(&err)
        );
        eprintln!("{what}: exit {status} in {took:?}");
        if what.starts_with("deep") || what.contains("bomb") {
            assert!(
                status.code() == Some(1) && err.contains("error[E1201]"),
                "{what}: refused as not acceptable YAML\nstdout: {}\nstderr: {}",
                head(&out),
                head(&err)
            );
        }
    }
}

/// Thousands of diagnostics in the default (human) format: each snippet is read through
/// the line index, not by scanning the file from its start (20 000 took 100 s).
#[test]
fn thousands_of_diagnostics_render_quickly() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = format!("scenarios:\n{}", "  - x\n".repeat(20_000));
    let ended = import(dir.path(), "many", &text, &["-o", "-"]);
    assert_eq!(ended.status.code(), Some(1), "{}", head(&ended.stderr));
    assert_eq!(ended.stderr.matches("E1202").count(), 20_000);
    assert!(
        ended.took < Duration::from_secs(20),
        "took {:?}",
        ended.took
    );
}
