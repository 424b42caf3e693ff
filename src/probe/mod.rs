//! Probes: one sample of a check (`check`; a Prometheus query in `prometheus`), a probe run on its schedule (`schedule`), and
//! the samples with the metrics computed from them (`sample`). See `docs/probes.md`.

pub mod check;
pub mod prometheus;
pub mod sample;
pub mod schedule;

#[cfg(test)]
mod testserver;
