//! Probes: one sample of a check (`check`), a probe run on its schedule (`schedule`), and
//! the samples with the metrics computed from them (`sample`). See `docs/probes.md`.

pub mod check;
pub mod sample;
pub mod schedule;

#[cfg(test)]
mod testserver;
