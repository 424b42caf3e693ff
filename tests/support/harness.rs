//! The harness of the robustness tests: inputs run one at a time on a worker thread
//! with a 2 MiB stack; a panic or a run longer than [`HANG`] fails the test, and the
//! input is written under the target directory.
//!
//! `CHAOSC_FUZZ_SEED=N` replays a seed (printed on failure); `CHAOSC_FUZZ_ITERS=N`
//! scales every loop (default [`DEFAULT_ITERS`]).

#![allow(dead_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

pub const DEFAULT_SEED: u64 = 0x00C4_A05C;
pub const DEFAULT_ITERS: usize = 300;
/// Longer than any sane input may take, even in a debug build on a busy machine.
pub const HANG: Duration = Duration::from_secs(5);
/// Inputs slower than this are named on stderr (see them with `--nocapture`).
pub const SLOW: Duration = Duration::from_millis(500);
/// The default stack of a spawned thread (and of a test thread).
pub const STACK: usize = 2 * 1024 * 1024;

pub fn seed() -> u64 {
    match std::env::var("CHAOSC_FUZZ_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("CHAOSC_FUZZ_SEED must be an unsigned integer, not `{s}`")),
        Err(_) => DEFAULT_SEED,
    }
}

pub fn iters() -> usize {
    match std::env::var("CHAOSC_FUZZ_ITERS") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("CHAOSC_FUZZ_ITERS must be an unsigned integer, not `{s}`")),
        Err(_) => DEFAULT_ITERS,
    }
}

// ───────────────────────── the harness ─────────────────────────

/// Runs inputs one at a time on a worker thread and fails on a panic or a hang.
pub struct Harness {
    test: &'static str,
    seed: u64,
    jobs: Sender<String>,
    results: Receiver<Result<(), String>>,
    count: usize,
    ext: &'static str,
}

impl Harness {
    pub fn new(test: &'static str, seed: u64, body: fn(&str), ext: &'static str) -> Harness {
        let (jobs, job_rx) = mpsc::channel::<String>();
        let (result_tx, results) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("robustness-{test}"))
            .stack_size(STACK)
            .spawn(move || {
                for input in job_rx {
                    let outcome = catch_unwind(AssertUnwindSafe(|| body(&input)))
                        .map_err(|payload| panic_message(payload.as_ref()));
                    if result_tx.send(outcome).is_err() {
                        break;
                    }
                }
            })
            .expect("spawn the worker thread");
        Harness {
            test,
            seed,
            jobs,
            results,
            count: 0,
            ext,
        }
    }

    /// Runs one input; on a panic or a hang, saves it and fails the test.
    pub fn run(&mut self, input: String) {
        self.count += 1;
        let started = Instant::now();
        self.jobs
            .send(input.clone())
            .expect("the worker thread is alive");
        let problem = match self.results.recv_timeout(HANG) {
            Ok(Ok(())) => {
                let took = started.elapsed();
                if took > SLOW {
                    eprintln!(
                        "[{}] input #{} ({} bytes) took {took:?}",
                        self.test,
                        self.count,
                        input.len()
                    );
                }
                return;
            }
            Ok(Err(message)) => format!("panicked: {message}"),
            Err(RecvTimeoutError::Timeout) => {
                format!("still running after {:?} (a hang?)", started.elapsed())
            }
            Err(RecvTimeoutError::Disconnected) => {
                "the worker thread died (stack overflow?)".to_string()
            }
        };
        let saved = save(self.test, self.seed, self.count, self.ext, &input);
        let shown = if input.len() <= 600 {
            format!("{input:?}")
        } else {
            format!("{} bytes, starting {:?}", input.len(), prefix(&input, 200))
        };
        panic!(
            "[{}] input #{} {problem}\n  input: {shown}\n  saved: {}\n  replay: CHAOSC_FUZZ_SEED={} cargo test --test {} {}",
            self.test,
            self.count,
            saved.display(),
            self.seed,
            env!("CARGO_CRATE_NAME"),
            self.test,
        );
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

fn save(test: &str, seed: u64, n: usize, ext: &str, input: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("robustness");
    let path = dir.join(format!("{test}-seed{seed}-{n}.{ext}"));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        eprintln!(
            "could not save the failing input to {}: {e}",
            path.display()
        );
    }
    path
}

fn prefix(s: &str, max: usize) -> &str {
    &s[..floor_boundary(s, max.min(s.len()))]
}

pub fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A random character boundary of `s`.
pub fn boundary(rng: &mut fastrand::Rng, s: &str) -> usize {
    floor_boundary(s, rng.usize(0..=s.len()))
}

/// A generator seeded from the run's seed and the test's own salt.
pub fn rng_for(salt: u64) -> (fastrand::Rng, u64) {
    let seed = seed();
    (
        fastrand::Rng::with_seed(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        seed,
    )
}
