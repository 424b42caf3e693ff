//! The timing of the benchmarks: the fastest of a few repetitions.

use std::time::{Duration, Instant};

/// The fastest of `reps` runs of `f` (its result kept from being optimised away).
pub fn min_time<T>(reps: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..reps)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .expect("at least one repetition")
}
